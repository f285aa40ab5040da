//! Stamps the commit sls is built from into the binary (`sls --version`), so a bug report says
//! exactly what ran: `SLS_BUILD_COMMIT` is "<short hash> <commit date>", or "unknown" when the
//! sources are not a git checkout (a crates tarball, an archive) or git is not installed.
//!
//! The script reruns only when HEAD moves (a commit, a checkout): cargo watches `.git/HEAD` and
//! the file of the branch it points to, not the work tree, so ordinary edits do not rerun it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let commit = git_commit(&manifest_dir).unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=SLS_BUILD_COMMIT={commit}");
}

/// `git` in the crate's folder; None when it fails or is missing.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn git_commit(dir: &Path) -> Option<String> {
    // The crate must belong to the repository git finds: sources unpacked inside some other
    // checkout (a vendored tarball) would otherwise be stamped with that checkout's commit.
    git(dir, &["ls-files", "--error-unmatch", "Cargo.toml"])?;
    watch_head(dir);
    git(
        dir,
        &[
            "log",
            "-1",
            "--no-show-signature",
            "--format=%h %cs",
            "--abbrev=7",
        ],
    )
}

/// Reruns this script when HEAD moves: HEAD itself (a checkout), the branch file it names (a
/// commit), packed-refs (where git may keep that branch instead), and HEAD's reflog, which git
/// appends to whenever HEAD moves (it catches a commit on a packed branch, which writes a new
/// branch file that was not there to watch). Only files that exist are named: cargo reruns a
/// script on every build while a watched file is missing.
fn watch_head(dir: &Path) {
    let mut names = vec!["HEAD".to_string(), "logs/HEAD".to_string()];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        names.push(branch);
        names.push("packed-refs".to_string());
    }
    for name in &names {
        let path = git(
            dir,
            &["rev-parse", "--path-format=absolute", "--git-path", name],
        );
        if let Some(path) = path.map(PathBuf::from).filter(|p| p.is_file()) {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}
