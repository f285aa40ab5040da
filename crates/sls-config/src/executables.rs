//! Finding a program on a `PATH` list, the way a shell does. The callers pass the `PATH` value
//! (libraries never read the process environment). It lives here because its two users, the
//! build steps of sls-package and `invoke local` in sls-invoke, share only this crate.

use std::path::{Path, PathBuf};

/// The first executable file called `name` in the folders of `path_var` (empty entries
/// skipped).
pub fn which(name: &str, path_var: &str) -> Option<PathBuf> {
    std::env::split_paths(path_var)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file() || path.with_extension("exe").is_file()
}

#[cfg(test)]
mod tests {
    use super::which;

    #[test]
    fn finds_executable_files_only_and_skips_empty_entries() {
        let dir = tempfile::tempdir().expect("tmp");
        let tool = dir.path().join("tool");
        std::fs::write(&tool, "").expect("write");
        std::fs::create_dir(dir.path().join("folder")).expect("mkdir");
        let path = dir.path().to_string_lossy().into_owned();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(which("tool", &path), None);
            std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        assert_eq!(which("tool", &format!("::{path}")), Some(tool));
        assert_eq!(which("folder", &path), None);
        assert_eq!(which("missing", &path), None);
        assert_eq!(which("tool", ""), None);
    }
}
