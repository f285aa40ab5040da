//! `sls config credentials`: add or overwrite one profile's keys in the
//! credentials file, touching nothing else (compat.md §2.1, §2.2, §3).
//!
//! - New profile: a section `[name]`, `aws_access_key_id=K`,
//!   `aws_secret_access_key=S` is appended, after a blank line, with the file's
//!   own line ending (CRLF files stay CRLF); a missing final newline is added
//!   first.
//! - Existing profile (any `[name]` section, whatever keys it has): refused
//!   without `overwrite`, file byte-identical. With `overwrite`, every
//!   `aws_access_key_id` / `aws_secret_access_key` line of every section named
//!   `name` gets the new value in place (indentation, spacing and inline comments
//!   kept), so the merged (effective) value is the new one and no old secret is
//!   left behind in a duplicate section. A key that is missing is inserted in the
//!   *last* section of that name (the one whose keys win), after its last
//!   property. `aws_session_token` / `aws_security_token` lines of the profile
//!   are removed: they belonged to the old keys.
//! - Input that would corrupt the file is refused before anything is touched.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use crate::document::{classify, Document, Line, LineKind};
use crate::env::Env;
use crate::plan::mask_key_id;
use crate::profiles::credentials_file_path;
use crate::save::{self, SaveError};

/// The credentials file to edit, and how to name it in messages.
pub type CredentialsTarget = save::FileTarget;

/// The file `sls config credentials` writes: `AWS_SHARED_CREDENTIALS_FILE`
/// (shown as given, resolved against `cwd`), else `~/.aws/credentials`.
pub fn credentials_target(env: &Env, home: &Path, cwd: &Path) -> CredentialsTarget {
    let path = credentials_file_path(env, home, cwd);
    save::FileTarget::resolved(
        path,
        env,
        "AWS_SHARED_CREDENTIALS_FILE",
        "~/.aws/credentials",
    )
}

/// What `configure_credentials` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A new section was appended (or the file created).
    Added,
    /// An existing profile's keys were replaced.
    Overwritten,
}

/// The result of a successful `configure_credentials`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    pub action: Action,
    pub profile: String,
    /// The file written (the symlink target when the path was a symlink).
    pub path: PathBuf,
    /// The file did not exist before.
    pub created_file: bool,
    /// A stale `aws_session_token`/`aws_security_token` was removed.
    pub removed_session_token: bool,
}

/// Why `configure_credentials` refused or failed. Never contains a secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// v3's message, verbatim (with the real path when the env var is set).
    #[error("Profile \"{name}\" is already configured in {shown}. Use the overwrite flag (\"-o\" or \"--overwrite\") to force the update.")]
    ProfileExists {
        name: String,
        shown: String,
        path: PathBuf,
    },
    #[error("Invalid profile name {name:?}: it {reason}. Nothing was written.")]
    InvalidProfileName { name: String, reason: &'static str },
    /// `value` is masked for the key id and absent for the secret.
    #[error("Invalid {what}{}: it {reason}. Nothing was written.", value.as_ref().map(|v| format!(" {v}")).unwrap_or_default())]
    InvalidValue {
        what: &'static str,
        value: Option<String>,
        reason: &'static str,
    },
    #[error("{} is not valid UTF-8 (line {line}); sls will not edit it. Fix or move the file and try again.", path.display())]
    NotUtf8 { path: PathBuf, line: usize },
    #[error("Cannot write the AWS credentials file: {0}")]
    Save(#[from] SaveError),
    /// A failed save of the config file (`configure_role_profile`).
    #[error("Cannot write the AWS config file: {0}")]
    SaveConfig(SaveError),
}

/// Checks a profile name before anything is written.
pub fn validate_profile_name(name: &str) -> Result<(), Error> {
    let reason = if name.is_empty() {
        Some("is empty")
    } else if name.contains(['\n', '\r']) {
        Some("contains a line break")
    } else if name.contains(['[', ']']) {
        Some("contains \"[\" or \"]\"")
    } else if name.starts_with(char::is_whitespace) || name.ends_with(char::is_whitespace) {
        Some("starts or ends with whitespace")
    } else if name.chars().any(char::is_control) {
        Some("contains a control character")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::InvalidProfileName {
            name: name.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

fn validate_value(what: &'static str, value: &str, secret: bool) -> Result<(), Error> {
    match value_problem(value) {
        Some(reason) => Err(Error::InvalidValue {
            what,
            value: (!secret).then(|| mask_key_id(value)),
            reason,
        }),
        None => Ok(()),
    }
}

/// Why `value` cannot be written as a profile value, if it cannot.
pub(crate) fn value_problem(value: &str) -> Option<&'static str> {
    if value.is_empty() {
        Some("is empty")
    } else if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some("contains whitespace, a line break or a control character")
    } else if value.starts_with(['#', ';']) {
        // The SDKs would read it as a comment, i.e. an empty value.
        Some("starts with \"#\" or \";\"")
    } else {
        None
    }
}

/// `sls config credentials`: validates, locks, edits and atomically saves.
pub fn configure_credentials(
    path: impl Into<CredentialsTarget>,
    name: &str,
    key: &str,
    secret: &str,
    overwrite: bool,
) -> Result<Outcome, Error> {
    configure_credentials_with_hook(path, name, key, secret, overwrite, &|_| Ok(()))
}

/// [`configure_credentials`] with a hook run between the temp file's fsync and
/// the rename (tests inject crashes there).
#[doc(hidden)]
pub fn configure_credentials_with_hook(
    path: impl Into<CredentialsTarget>,
    name: &str,
    key: &str,
    secret: &str,
    overwrite: bool,
    before_rename: &dyn Fn(&Path) -> io::Result<()>,
) -> Result<Outcome, Error> {
    let target: CredentialsTarget = path.into();
    validate_profile_name(name)?;
    validate_value("access key id", key, false)?;
    validate_value("secret access key", secret, true)?;

    let real = save::resolve_target(&target.path)?;
    // Decide a refusal before locking, so that it changes nothing on disk (no
    // directory created, no lock taken); then again under the lock, in case
    // another writer added the profile in between.
    let check = |existing: Option<Vec<u8>>| -> Result<(bool, Document), Error> {
        let created_file = existing.is_none();
        let text = match existing {
            None => String::new(),
            Some(bytes) => decode(&real, bytes)?,
        };
        let doc = Document::parse(&text);
        if !doc.sections_named(name).is_empty() && !overwrite {
            return Err(Error::ProfileExists {
                name: name.to_string(),
                shown: target.shown.clone(),
                path: target.path.clone(),
            });
        }
        Ok((created_file, doc))
    };
    check(save::read_existing(&real)?)?;
    let lock = save::lock(&real)?;
    let (created_file, mut doc) = check(save::read_existing(&real)?)?;
    let edit = set_profile_keys(&mut doc, name, key, secret);
    save::write_atomic(&lock, &real, doc.render().as_bytes(), before_rename)?;
    Ok(Outcome {
        action: if edit.added_section {
            Action::Added
        } else {
            Action::Overwritten
        },
        profile: name.to_string(),
        path: real,
        created_file,
        removed_session_token: edit.removed_token,
    })
}

/// Decodes a profile file read from `real` as UTF-8, or says which line is not.
pub(crate) fn decode(real: &Path, bytes: Vec<u8>) -> Result<String, Error> {
    String::from_utf8(bytes).map_err(|e| {
        let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        Error::NotUtf8 {
            path: real.to_path_buf(),
            line: upto.iter().filter(|b| **b == b'\n').count() + 1,
        }
    })
}

/// What [`set_profile_keys`] changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edit {
    pub added_section: bool,
    pub removed_token: bool,
}

const ID: &str = "aws_access_key_id";
const SECRET: &str = "aws_secret_access_key";
const TOKENS: [&str; 2] = ["aws_session_token", "aws_security_token"];

pub(crate) fn new_line(text: String, eol: &'static str) -> Line {
    let kind = classify(&text, false);
    Line { text, eol, kind }
}

/// The pure edit behind `config credentials` (inputs already validated):
/// append a section, or set the keys of the existing `[name]` sections.
pub fn set_profile_keys(doc: &mut Document, name: &str, key: &str, secret: &str) -> Edit {
    let eol = doc.line_ending();
    let headers = doc.sections_named(name);
    let Some(&last_header) = headers.last() else {
        append_section(doc, name, key, secret, eol);
        return Edit {
            added_section: true,
            removed_token: false,
        };
    };

    let mut has_id = false;
    let mut has_secret = false;
    let mut remove = BTreeSet::new();
    for &h in &headers {
        let range = doc.section_range(h);
        let mut i = range.start + 1;
        while i < range.end {
            let k = doc.lines[i].key().map(str::to_string);
            match k.as_deref() {
                Some(ID) => {
                    has_id = true;
                    replace_value(doc, i, key);
                }
                Some(SECRET) => {
                    has_secret = true;
                    replace_value(doc, i, secret);
                }
                Some(t) if TOKENS.contains(&t) => {
                    remove.insert(i);
                    // and its nested block, if any
                    while i + 1 < range.end && doc.lines[i + 1].kind == LineKind::Nested {
                        i += 1;
                        remove.insert(i);
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }

    let mut extra = Vec::new();
    if !has_id {
        extra.push(new_line(format!("{ID}={key}"), eol));
    }
    if !has_secret {
        extra.push(new_line(format!("{SECRET}={secret}"), eol));
    }
    let removed_token = !remove.is_empty();
    splice(doc, last_header, extra, &remove);
    Edit {
        added_section: false,
        removed_token,
    }
}

/// Removes the lines `remove` and inserts `extra` into the section whose
/// header is at `last_header`, after its last property (or right after the
/// header). A last line without newline gets one; the inserted last line
/// then keeps none.
pub(crate) fn splice(
    doc: &mut Document,
    last_header: usize,
    mut extra: Vec<Line>,
    remove: &BTreeSet<usize>,
) {
    let eol = doc.line_ending();
    let range = doc.section_range(last_header);
    let insert_after = (range.start + 1..range.end)
        .rev()
        .find(|&i| {
            matches!(
                doc.lines[i].kind,
                LineKind::Property { .. } | LineKind::Nested
            )
        })
        .unwrap_or(range.start);

    let lines = std::mem::take(&mut doc.lines);
    let total = lines.len();
    let mut out = Vec::with_capacity(total + extra.len());
    for (i, mut line) in lines.into_iter().enumerate() {
        let at_insert = i == insert_after && !extra.is_empty();
        if at_insert && line.eol.is_empty() {
            // Last line without newline: it gets one, the inserted last line keeps none.
            line.eol = eol;
            if let Some(l) = extra.last_mut() {
                l.eol = "";
            }
        }
        if !remove.contains(&i) {
            out.push(line);
        }
        if at_insert {
            out.append(&mut extra);
        }
    }
    doc.lines = out;
}

/// Replaces the value of property line `i`, keeping the key, spacing and any
/// inline comment.
pub(crate) fn replace_value(doc: &mut Document, i: usize, value: &str) {
    let line = &doc.lines[i];
    let LineKind::Property { value: range, .. } = &line.kind else {
        return;
    };
    let prefix = &line.text[..range.start];
    let suffix = &line.text[range.end..];
    // `key = # c` had an empty value: keep the comment a comment.
    let sep = if !suffix.is_empty() && !suffix.starts_with([' ', '\t']) {
        " "
    } else {
        ""
    };
    let text = format!("{prefix}{value}{sep}{suffix}");
    doc.set_line_text(i, text);
}

fn append_section(doc: &mut Document, name: &str, key: &str, secret: &str, eol: &'static str) {
    append_lines(
        doc,
        [
            format!("[{name}]"),
            format!("{ID}={key}"),
            format!("{SECRET}={secret}"),
        ],
        eol,
    );
}

/// Appends lines (a new section) at the end, after a blank line; a missing
/// final newline is added first.
pub(crate) fn append_lines(
    doc: &mut Document,
    lines: impl IntoIterator<Item = String>,
    eol: &'static str,
) {
    if let Some(last) = doc.lines.last_mut() {
        if last.eol.is_empty() {
            last.eol = eol;
        }
    }
    let ends_blank = doc.lines.last().is_none_or(|l| l.kind == LineKind::Blank);
    if !ends_blank {
        doc.lines.push(new_line(String::new(), eol));
    }
    for text in lines {
        doc.lines.push(new_line(text, eol));
    }
}
