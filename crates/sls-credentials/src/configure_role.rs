//! `sls config credentials --role-arn ARN …`: add or overwrite an assume-role
//! profile in the AWS **config** file, touching nothing else (the same safety
//! rules as [`crate::configure`] for the credentials file).
//!
//! - The file: `AWS_CONFIG_FILE` (resolved against `cwd`), else
//!   `~/.aws/config` ([`config_target`]).
//! - New profile: a section `[profile NAME]` (`[default]` for `default`) with
//!   `role_arn = …`, `source_profile = …` and, when given, `mfa_serial`,
//!   `external_id`, `duration_seconds` lines, in that order, written
//!   `key = value` as `aws configure set` does in the config file. It is
//!   appended after a blank line with the file's own line ending (CRLF files
//!   stay CRLF); a missing final newline is added first; a BOM is kept.
//! - Existing profile: any section the AWS CLI reads as that profile
//!   (`[profile NAME]`, `[profile  NAME ]`, and for `default` both `[default]`
//!   and `[profile default]`). Refused without `overwrite`, file
//!   byte-identical. With `overwrite` the profile's *role* becomes exactly what
//!   was passed, in every section of that name (so no duplicate section keeps
//!   an old value that could win):
//!   - a role key that is given gets the new value in place (indentation,
//!     spacing and inline comments kept); a given key that is missing is
//!     inserted in the last section of that name (its keys win), after its
//!     last property;
//!   - a role key that is *not* given (`mfa_serial`, `external_id`,
//!     `duration_seconds`) is removed: keeping an old `mfa_serial` would make
//!     every command ask for a code the user just chose not to configure;
//!   - `credential_source` is removed too: we always write `source_profile`,
//!     and a profile with both is an error for the SDKs;
//!   - every other key (`region`, `output`, `role_session_name`, comments, …)
//!     is left untouched.
//! - Input that would corrupt the file, or a role STS would reject
//!   (`role_arn` not an ARN, `duration_seconds` outside 900..=43200), is
//!   refused before anything is touched.
//! - Only the config file is written. Keys of a `[NAME]` section in the
//!   credentials file still win per key when profiles are merged.

use std::collections::BTreeSet;
use std::io;
use std::path::Path;

use crate::configure::{
    append_lines, decode, new_line, replace_value, splice, validate_profile_name, value_problem,
    Action, Edit, Error, Outcome,
};
use crate::document::{Document, LineKind};
use crate::env::Env;
use crate::profiles::{config_file_path, config_section, ConfigSection};
use crate::save;

/// The config file to edit, and how to name it in messages.
pub type ConfigTarget = save::FileTarget;

/// The file the role profile goes to: `AWS_CONFIG_FILE` (shown as the
/// resolved path, resolved against `cwd`), else `~/.aws/config`.
pub fn config_target(env: &Env, home: &Path, cwd: &Path) -> ConfigTarget {
    let path = config_file_path(env, home, cwd);
    save::FileTarget::resolved(path, env, "AWS_CONFIG_FILE", "~/.aws/config")
}

/// The source profile written when [`RoleProfile::source_profile`] is `None`.
pub const DEFAULT_SOURCE_PROFILE: &str = "default";

/// The keys this module owns in a profile, in the order they are written.
pub const ROLE_KEYS: [&str; 5] = [
    "role_arn",
    "source_profile",
    "mfa_serial",
    "external_id",
    "duration_seconds",
];

/// Keys removed on overwrite because they conflict with what we write.
const CONFLICTING_KEYS: [&str; 1] = ["credential_source"];

/// An assume-role profile: what `sls config credentials --role-arn …` writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleProfile {
    /// `arn:aws:iam::123456789012:role/NAME`.
    pub role_arn: String,
    /// The profile whose credentials call STS AssumeRole. `None` writes
    /// `source_profile = default` ([`DEFAULT_SOURCE_PROFILE`]): the AWS CLI
    /// and SDKs need a source (`source_profile` or `credential_source`) for a
    /// role profile, and `default` is where `sls config credentials` puts keys
    /// by default. For the profile `default` itself this means "assume the
    /// role with `[default]`'s own static keys", as the SDKs define it.
    pub source_profile: Option<String>,
    /// MFA device ARN or serial; the code is asked when the role is assumed.
    pub mfa_serial: Option<String>,
    pub external_id: Option<String>,
    /// Session length in seconds, 900..=43200 (STS limits).
    pub duration_seconds: Option<u32>,
}

impl RoleProfile {
    /// A role with only `role_arn` (source profile `default`).
    pub fn new(role_arn: impl Into<String>) -> RoleProfile {
        RoleProfile {
            role_arn: role_arn.into(),
            ..RoleProfile::default()
        }
    }

    /// The source profile that is written (`default` when none was given).
    pub fn source_profile_or_default(&self) -> &str {
        self.source_profile
            .as_deref()
            .unwrap_or(DEFAULT_SOURCE_PROFILE)
    }

    /// `(key, value)` for every role key that is written, in [`ROLE_KEYS`] order.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("role_arn", self.role_arn.clone()),
            (
                "source_profile",
                self.source_profile_or_default().to_string(),
            ),
        ];
        if let Some(v) = &self.mfa_serial {
            out.push(("mfa_serial", v.clone()));
        }
        if let Some(v) = &self.external_id {
            out.push(("external_id", v.clone()));
        }
        if let Some(v) = self.duration_seconds {
            out.push(("duration_seconds", v.to_string()));
        }
        out
    }

    /// Checks every value before anything is written. Values appear in the
    /// message except `external_id` (treated as confidential).
    pub fn validate(&self) -> Result<(), Error> {
        let check = |what: &'static str, value: &str, shown: bool| match value_problem(value) {
            Some(reason) => Err(Error::InvalidValue {
                what,
                value: shown.then(|| format!("{value:?}")),
                reason,
            }),
            None => Ok(()),
        };
        check("role ARN", &self.role_arn, true)?;
        if !self.role_arn.starts_with("arn:") {
            return Err(Error::InvalidValue {
                what: "role ARN",
                value: Some(format!("{:?}", self.role_arn)),
                reason: "does not start with \"arn:\" (expected arn:aws:iam::ACCOUNT:role/NAME)",
            });
        }
        check("source profile", self.source_profile_or_default(), true)?;
        if let Some(v) = &self.mfa_serial {
            check("MFA serial", v, true)?;
        }
        if let Some(v) = &self.external_id {
            check("external ID", v, false)?;
        }
        if let Some(n) = self.duration_seconds {
            if !(900..=43200).contains(&n) {
                return Err(Error::InvalidValue {
                    what: "duration_seconds",
                    value: Some(n.to_string()),
                    reason: "is not between 900 and 43200 seconds",
                });
            }
        }
        Ok(())
    }
}

/// Writes the assume-role profile `name` into the config file: validates,
/// locks, edits losslessly and atomically saves (new files 0600, a new
/// directory 0700, an existing file's mode kept; a symlink is written
/// through). Refused with [`Error::ProfileExists`] when the profile is
/// already in the file, unless `overwrite`. [`Outcome::removed_session_token`]
/// is always `false` here.
pub fn configure_role_profile(
    target: impl Into<ConfigTarget>,
    name: &str,
    role: &RoleProfile,
    overwrite: bool,
) -> Result<Outcome, Error> {
    configure_role_profile_with_hook(target, name, role, overwrite, &|_| Ok(()))
}

/// [`configure_role_profile`] with a hook run between the temp file's fsync
/// and the rename (tests inject crashes there).
#[doc(hidden)]
pub fn configure_role_profile_with_hook(
    target: impl Into<ConfigTarget>,
    name: &str,
    role: &RoleProfile,
    overwrite: bool,
    before_rename: &dyn Fn(&Path) -> io::Result<()>,
) -> Result<Outcome, Error> {
    let target: ConfigTarget = target.into();
    validate_profile_name(name)?;
    role.validate()?;

    let real = save::resolve_target(&target.path).map_err(Error::SaveConfig)?;
    // A refusal is decided before locking, so that it changes nothing on disk;
    // then again under the lock, in case another writer added the profile.
    let check = |existing: Option<Vec<u8>>| -> Result<(bool, Document), Error> {
        let created_file = existing.is_none();
        let text = match existing {
            None => String::new(),
            Some(bytes) => decode(&real, bytes)?,
        };
        let doc = Document::parse(&text);
        if !profile_headers(&doc, name).is_empty() && !overwrite {
            return Err(Error::ProfileExists {
                name: name.to_string(),
                shown: target.shown.clone(),
                path: target.path.clone(),
            });
        }
        Ok((created_file, doc))
    };
    check(save::read_existing(&real).map_err(Error::SaveConfig)?)?;
    let lock = save::lock(&real).map_err(Error::SaveConfig)?;
    let (created_file, mut doc) = check(save::read_existing(&real).map_err(Error::SaveConfig)?)?;
    let edit = set_role_keys(&mut doc, name, role);
    save::write_atomic(&lock, &real, doc.render().as_bytes(), before_rename)
        .map_err(Error::SaveConfig)?;
    Ok(Outcome {
        action: if edit.added_section {
            Action::Added
        } else {
            Action::Overwritten
        },
        profile: name.to_string(),
        path: real,
        created_file,
        removed_session_token: false,
    })
}

/// The config-file header for profile `name`.
pub fn profile_header(name: &str) -> String {
    if name == "default" {
        "[default]".to_string()
    } else {
        format!("[profile {name}]")
    }
}

/// Indexes of the header lines the AWS CLI reads as profile `name`.
fn profile_headers(doc: &Document, name: &str) -> Vec<usize> {
    doc.lines
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            l.header_name()
                .is_some_and(|h| config_section(h) == ConfigSection::Profile(name))
        })
        .map(|(i, _)| i)
        .collect()
}

/// The pure edit behind [`configure_role_profile`] (inputs already
/// validated): append a section, or set the role keys of the existing
/// sections of profile `name` (see the module docs). `removed_token` is
/// always `false`.
pub fn set_role_keys(doc: &mut Document, name: &str, role: &RoleProfile) -> Edit {
    let eol = doc.line_ending();
    let entries = role.entries();
    let headers = profile_headers(doc, name);
    let Some(&last_header) = headers.last() else {
        let mut lines = vec![profile_header(name)];
        lines.extend(entries.iter().map(|(k, v)| format!("{k} = {v}")));
        append_lines(doc, lines, eol);
        return Edit {
            added_section: true,
            removed_token: false,
        };
    };

    let mut present = BTreeSet::new();
    let mut remove = BTreeSet::new();
    for &h in &headers {
        let range = doc.section_range(h);
        let mut i = range.start + 1;
        while i < range.end {
            let key = doc.lines[i].key().map(str::to_string);
            if let Some(key) = key {
                let given = entries.iter().find(|(k, _)| *k == key);
                let ours =
                    ROLE_KEYS.contains(&key.as_str()) || CONFLICTING_KEYS.contains(&key.as_str());
                if let Some((k, v)) = given {
                    present.insert(*k);
                    replace_value(doc, i, v);
                } else if ours {
                    remove.insert(i);
                }
                if ours {
                    // A nested block under one of our keys (`role_arn =` +
                    // indented lines) is junk once the key has a value: drop it.
                    while i + 1 < range.end && doc.lines[i + 1].kind == LineKind::Nested {
                        i += 1;
                        remove.insert(i);
                    }
                }
            }
            i += 1;
        }
    }

    let extra = entries
        .iter()
        .filter(|(k, _)| !present.contains(k))
        .map(|(k, v)| new_line(format!("{k} = {v}"), eol))
        .collect();
    splice(doc, last_header, extra, &remove);
    Edit {
        added_section: false,
        removed_token: false,
    }
}
