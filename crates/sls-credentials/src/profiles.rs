//! The lookup view of the two profile files: where they are, and the merged,
//! read-only profiles the SDK rules give (compat.md §1 "Credentials file syntax").
//!
//! - Credentials file: `[name]` is the profile `name`, literally.
//! - Config file: `[default]`, `[profile NAME]`, `[sso-session NAME]`; other
//!   sections are ignored as profiles (as the AWS CLI does).
//! - Duplicate sections merge key by key, a later key wins; the credentials
//!   file wins over the config file per key. Lines before a header are ignored.
//! - A missing, unreadable or non-regular file simply has no profiles.
//!
//! Lookups scan the text for the wanted headers only (no index is built), so a
//! 10,000-profile file costs one fast pass per profile looked up.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::document::{classify, scan, LineKind, BOM};
use crate::env::{Env, EnvExt};

fn env_path(env: &Env, var: &str, cwd: &Path) -> Option<PathBuf> {
    // `~` is deliberately not expanded (the SDKs don't); relative = from cwd.
    env.value(var).map(|v| cwd.join(v))
}

/// `AWS_SHARED_CREDENTIALS_FILE`, else `<home>/.aws/credentials`.
pub fn credentials_file_path(env: &Env, home: &Path, cwd: &Path) -> PathBuf {
    env_path(env, "AWS_SHARED_CREDENTIALS_FILE", cwd)
        .unwrap_or_else(|| home.join(".aws").join("credentials"))
}

/// `AWS_CONFIG_FILE`, else `<home>/.aws/config`.
pub fn config_file_path(env: &Env, home: &Path, cwd: &Path) -> PathBuf {
    env_path(env, "AWS_CONFIG_FILE", cwd).unwrap_or_else(|| home.join(".aws").join("config"))
}

/// Which of the two files a value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Credentials,
    Config,
}

/// One profile file loaded into memory (text is `None` when missing/unreadable).
/// `Debug` shows the path and size, never the text (it holds secrets).
#[derive(Clone)]
pub struct ProfileFile {
    pub path: PathBuf,
    pub kind: FileKind,
    text: Option<String>,
}

/// Finds the next line (from `*search`) whose first non-blank character is
/// `[`: returns `(line start, index of the [)`. When `skip_unwanted`, lines
/// whose `[...]` text is not wanted are skipped without further work: outside
/// a matching section only a matching header matters (this is what makes a
/// 10,000-profile file cheap).
fn next_section_candidate(
    body: &str,
    search: &mut usize,
    skip_unwanted: bool,
    wanted: &dyn Fn(&str) -> Option<usize>,
) -> Option<(usize, usize)> {
    let bytes = body.as_bytes();
    while let Some(off) = body[*search..].find('[') {
        let i = *search + off;
        *search = i + 1;
        // Fast path: `[` at the start of a line; else only blanks may precede it.
        let ls = if i == 0 || bytes[i - 1] == b'\n' {
            i
        } else {
            let ls = body[..i].rfind('\n').map(|p| p + 1).unwrap_or(0);
            if !bytes[ls..i].iter().all(|b| *b == b' ' || *b == b'\t') {
                continue;
            }
            ls
        };
        if skip_unwanted {
            let rest = &bytes[i + 1..];
            match rest.iter().position(|b| *b == b']' || *b == b'\n') {
                Some(e) if rest[e] == b']' => {
                    if wanted(&body[i + 1..i + 1 + e]).is_none() {
                        continue;
                    }
                }
                _ => continue, // no `]` on this line: not a header
            }
        }
        return Some((ls, i));
    }
    None
}

/// Counts line numbers incrementally (8 bytes at a time): only needed up to
/// the sections that match.
#[derive(Default)]
struct LineCounter {
    counted_to: usize,
    newlines: usize,
}

impl LineCounter {
    /// 1-based line number of the line starting at byte `offset`.
    fn line_at(&mut self, bytes: &[u8], offset: usize) -> usize {
        if offset > self.counted_to {
            self.newlines += count_newlines(&bytes[self.counted_to..offset]);
            self.counted_to = offset;
        }
        self.newlines + 1
    }
}

fn count_newlines(bytes: &[u8]) -> usize {
    const LO: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const NL: u64 = 0x0a0a_0a0a_0a0a_0a0a;
    let mut chunks = bytes.chunks_exact(8);
    let mut n = 0usize;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        // Exact zero-byte count of v = word ^ "\n\n...": no false positives.
        let v = u64::from_le_bytes(w) ^ NL;
        let t = !(((v & LO) + LO) | v | LO);
        n += t.count_ones() as usize;
    }
    n + chunks.remainder().iter().filter(|b| **b == b'\n').count()
}

/// Calls `f(line number, key, value)` for each property line of `region`
/// (whole lines, starting with line number `first`).
fn each_property(region: &str, first: usize, f: &mut dyn FnMut(usize, &str, &str)) {
    for line in scan(region) {
        if let LineKind::Property { key, value } = &line.kind {
            f(
                first + line.number - 1,
                &line.text[key.clone()],
                &line.text[value.clone()],
            );
        }
    }
}

impl std::fmt::Debug for ProfileFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileFile")
            .field("path", &self.path)
            .field("kind", &self.kind)
            .field("bytes", &self.text.as_ref().map(String::len))
            .finish()
    }
}

impl ProfileFile {
    /// Reads the file; anything but a readable regular file means "no profiles".
    pub fn load(path: PathBuf, kind: FileKind) -> ProfileFile {
        let text = std::fs::read(&path)
            .ok()
            .map(|bytes| match String::from_utf8(bytes) {
                Ok(s) => s,
                // Lookups tolerate bad bytes (they can't be in a valid key anyway).
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            });
        ProfileFile { path, kind, text }
    }

    /// A file from text (tests, benches, callers that already read it).
    pub fn from_text(path: PathBuf, kind: FileKind, text: Option<String>) -> ProfileFile {
        ProfileFile { path, kind, text }
    }

    pub fn exists(&self) -> bool {
        self.text.is_some()
    }

    fn body(&self) -> &str {
        let t = self.text.as_deref().unwrap_or("");
        t.strip_prefix(BOM).unwrap_or(t)
    }

    /// Calls `f(which, line, key, value)` for every property of every section
    /// for which `wanted(header name)` is `Some(which)`, in file order. Sets
    /// `matched[which]` for every matching section.
    ///
    /// Fast path: only lines whose first non-blank character is `[` can start a
    /// section, so we jump between `[` bytes (memchr) and fully classify only
    /// the lines of matching sections. The result equals a full [`scan`].
    fn for_each_property(
        &self,
        wanted: &dyn Fn(&str) -> Option<usize>,
        matched: &mut [bool],
        f: &mut dyn FnMut(usize, usize, &str, &str),
    ) {
        let body = self.body();
        let bytes = body.as_bytes();
        let mut lines = LineCounter::default();
        let mut current: Option<usize> = None;
        let mut pos = 0; // start of the current section's unprocessed lines
        let mut search = 0;
        loop {
            let found = next_section_candidate(body, &mut search, current.is_none(), wanted);
            let region_end = found.map(|(ls, _)| ls).unwrap_or(body.len());
            if let Some(which) = current {
                let first = lines.line_at(bytes, pos);
                each_property(&body[pos..region_end], first, &mut |n, k, v| {
                    f(which, n, k, v)
                });
            }
            let Some((ls, i)) = found else { break };
            let (le, after) = match body[i..].find('\n') {
                Some(nl) => {
                    let nl = i + nl;
                    let le = if bytes[nl - 1] == b'\r' { nl - 1 } else { nl };
                    (le, nl + 1)
                }
                None => (body.len(), body.len()),
            };
            let text = &body[ls..le];
            // A `[` line that is no header belongs to the current section
            // (it is `Other`, so it only ends a nested block).
            if let LineKind::Header { name } = classify(text, false) {
                current = wanted(&text[name]);
                if let Some(which) = current {
                    matched[which] = true;
                }
            }
            pos = after;
            search = after;
        }
    }

    /// Every header name in file order (duplicates included).
    fn headers(&self) -> Vec<String> {
        scan(self.body())
            .filter_map(|l| match l.kind {
                LineKind::Header { name } => Some(l.text[name].to_string()),
                _ => None,
            })
            .collect()
    }
}

/// What a config-file header names.
#[derive(Debug, PartialEq, Eq)]
pub enum ConfigSection<'a> {
    Profile(&'a str),
    SsoSession(&'a str),
    Other,
}

/// Interprets a config-file header: `default`, `profile NAME`, `sso-session NAME`.
pub fn config_section(header: &str) -> ConfigSection<'_> {
    let t = header.trim();
    if t == "default" {
        return ConfigSection::Profile("default");
    }
    for (prefix, sso) in [("profile", false), ("sso-session", true)] {
        if let Some(rest) = t.strip_prefix(prefix) {
            if rest.starts_with([' ', '\t']) {
                let name = rest.trim();
                if !name.is_empty() {
                    return if sso {
                        ConfigSection::SsoSession(name)
                    } else {
                        ConfigSection::Profile(name)
                    };
                }
            }
        }
    }
    ConfigSection::Other
}

/// One key of a merged profile, with where it was written. `Debug` hides
/// the value (it may be a secret).
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    pub value: String,
    pub file: FileKind,
    /// 1-based line number in that file.
    pub line: usize,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("value", &"<redacted>")
            .field("file", &self.file)
            .field("line", &self.line)
            .finish()
    }
}

/// A merged profile (or `[sso-session]` section). Values may be secrets:
/// `Debug` lists keys only.
#[derive(Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    entries: BTreeMap<String, Entry>,
    in_credentials: bool,
    in_config: bool,
    credentials_file: PathBuf,
    config_file: PathBuf,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("name", &self.name)
            .field("keys", &self.entries.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Profile {
    /// The value of `key` (case-sensitive). An empty value counts as absent.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .get(key)
            .map(|e| e.value.as_str())
            .filter(|v| !v.is_empty())
    }
    /// The value with where it came from.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key).filter(|e| !e.value.is_empty())
    }
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }
    pub fn in_credentials_file(&self) -> bool {
        self.in_credentials
    }
    pub fn in_config_file(&self) -> bool {
        self.in_config
    }
    /// The file to name in messages: where `key` is, else the credentials
    /// file if the profile is there, else the config file.
    pub fn file_for(&self, key: Option<&str>) -> &Path {
        let kind = key
            .and_then(|k| self.entries.get(k))
            .map(|e| e.file)
            .unwrap_or(if self.in_credentials {
                FileKind::Credentials
            } else {
                FileKind::Config
            });
        self.path_of(kind)
    }
    pub fn path_of(&self, kind: FileKind) -> &Path {
        match kind {
            FileKind::Credentials => &self.credentials_file,
            FileKind::Config => &self.config_file,
        }
    }
}

/// Both profile files, loaded once; profiles are merged on demand by [`ProfileSet::get`].
#[derive(Clone, Debug)]
pub struct ProfileSet {
    pub credentials: ProfileFile,
    pub config: ProfileFile,
}

/// Loads the credentials and config files named by the environment (or the
/// defaults under `home`).
pub fn load_profiles(env: &Env, home: &Path, cwd: &Path) -> ProfileSet {
    ProfileSet {
        credentials: ProfileFile::load(
            credentials_file_path(env, home, cwd),
            FileKind::Credentials,
        ),
        config: ProfileFile::load(config_file_path(env, home, cwd), FileKind::Config),
    }
}

impl ProfileSet {
    pub fn new(credentials: ProfileFile, config: ProfileFile) -> ProfileSet {
        ProfileSet {
            credentials,
            config,
        }
    }

    fn empty_profile(&self, name: &str) -> Profile {
        Profile {
            name: name.to_string(),
            entries: BTreeMap::new(),
            in_credentials: false,
            in_config: false,
            credentials_file: self.credentials.path.clone(),
            config_file: self.config.path.clone(),
        }
    }

    /// The merged profile `name`, or `None` when no section names it in either file.
    pub fn get(&self, name: &str) -> Option<Profile> {
        self.get_many(&[name]).pop().flatten()
    }

    /// Several profiles in one pass over each file (the chain looks up to five).
    pub fn get_many(&self, names: &[&str]) -> Vec<Option<Profile>> {
        let mut profiles: Vec<Profile> = names.iter().map(|n| self.empty_profile(n)).collect();
        let mut in_config = vec![false; names.len()];
        let mut in_creds = vec![false; names.len()];
        let index = |n: &str| names.iter().position(|x| *x == n);
        self.config.for_each_property(
            &|h| match config_section(h) {
                ConfigSection::Profile(n) => index(n),
                _ => None,
            },
            &mut in_config,
            &mut |i, line, k, v| insert(&mut profiles[i].entries, k, v, FileKind::Config, line),
        );
        // Credentials file second: its keys win per key.
        self.credentials
            .for_each_property(&|h| index(h), &mut in_creds, &mut |i, line, k, v| {
                insert(&mut profiles[i].entries, k, v, FileKind::Credentials, line)
            });
        profiles
            .into_iter()
            .enumerate()
            .map(|(i, mut p)| {
                p.in_config = in_config[i];
                p.in_credentials = in_creds[i];
                (p.in_config || p.in_credentials).then_some(p)
            })
            .collect()
    }

    /// An `[sso-session NAME]` section of the config file.
    pub fn sso_session(&self, name: &str) -> Option<Profile> {
        let mut p = self.empty_profile(name);
        let mut matched = [false];
        let entries = &mut p.entries;
        self.config.for_each_property(
            &|h| (config_section(h) == ConfigSection::SsoSession(name)).then_some(0),
            &mut matched,
            &mut |_, line, k, v| insert(entries, k, v, FileKind::Config, line),
        );
        p.in_config = matched[0];
        p.in_config.then_some(p)
    }

    /// All profile names in both files, sorted and deduplicated.
    pub fn profile_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.credentials.headers();
        names.extend(
            self.config
                .headers()
                .iter()
                .filter_map(|h| match config_section(h) {
                    ConfigSection::Profile(n) => Some(n.to_string()),
                    _ => None,
                }),
        );
        names.sort();
        names.dedup();
        names
    }
}

fn insert(map: &mut BTreeMap<String, Entry>, k: &str, v: &str, file: FileKind, line: usize) {
    map.insert(
        k.to_string(),
        Entry {
            value: v.to_string(),
            file,
            line,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_newlines_is_exact() {
        let mut data = Vec::new();
        for i in 0..1000u32 {
            data.push((i.wrapping_mul(2654435761) >> 13) as u8 % 16);
            data.push(b'\n');
            data.push(0x8a);
            data.push(0x0b);
            data.push(0x09);
        }
        for len in [0, 1, 7, 8, 9, 15, 16, 17, 100, data.len()] {
            let naive = data[..len].iter().filter(|b| **b == b'\n').count();
            assert_eq!(count_newlines(&data[..len]), naive, "len {len}");
        }
    }

    #[test]
    fn line_numbers_of_entries() {
        let mut text = String::new();
        for i in 0..50 {
            text.push_str(&format!("[p{i}]\r\nk = {i}\r\n\r\n"));
        }
        let set = ProfileSet::new(
            ProfileFile::from_text("c".into(), FileKind::Credentials, Some(text)),
            ProfileFile::from_text("f".into(), FileKind::Config, None),
        );
        for i in [0, 1, 17, 49] {
            let p = set.get(&format!("p{i}")).unwrap();
            assert_eq!(p.entry("k").unwrap().line, i * 3 + 2);
            assert_eq!(p.get("k"), Some(i.to_string().as_str()));
        }
        let many = set.get_many(&["p49", "p3", "nope"]);
        assert_eq!(many[0].as_ref().unwrap().entry("k").unwrap().line, 149);
        assert_eq!(many[1].as_ref().unwrap().entry("k").unwrap().line, 11);
        assert!(many[2].is_none());
    }
}
