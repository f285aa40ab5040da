//! The assumed-role session cache, shared with the AWS CLI: `~/.aws/cli/cache/<key>.json`.
//!
//! Format and key derivation follow botocore (`credentials.py`,
//! `BaseAssumeRoleCredentialFetcher._create_cache_key` and `JSONFileCache`):
//! the key is the SHA-1 hex digest of `json.dumps(args, sort_keys=True)` (Python's
//! *default* separators `", "` and `": "`, `ensure_ascii=True`) where `args` holds
//! `RoleArn` and, when set, `RoleSessionName` (only when configured, not the
//! generated default), `ExternalId`, `SerialNumber` and `DurationSeconds` (a
//! number); `:` and `/` are then replaced by `_` (a hex digest has none). The file
//! holds the AssumeRole response: `{"Credentials": {"AccessKeyId", "SecretAccessKey",
//! "SessionToken", "Expiration", "AccountId"}, "AssumedRoleUser": {…}}`, with
//! `Expiration` written like botocore (`2026-11-28T01:02:03UTC`) and read in any
//! ISO-8601 form. Entries are used until 15 minutes before they expire
//! (botocore's `DEFAULT_EXPIRY_WINDOW_SECONDS`), so both tools agree on when to
//! refresh. Writes are atomic (temp file, fsync, rename) with a 0700 folder and
//! 0600 files.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha1::{Digest, Sha1};

use crate::time::{format_botocore, parse_iso8601};

/// botocore's `CachedCredentialFetcher.DEFAULT_EXPIRY_WINDOW_SECONDS`.
pub const EXPIRY_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The arguments that make up an AssumeRole cache key.
#[derive(Clone, Debug, Default)]
pub struct AssumeRoleArgs<'a> {
    pub role_arn: &'a str,
    /// Only a *configured* session name (a generated one is left out, like botocore).
    pub role_session_name: Option<&'a str>,
    pub external_id: Option<&'a str>,
    pub serial_number: Option<&'a str>,
    pub duration_seconds: Option<u32>,
}

/// botocore's cache key for these arguments.
pub fn cache_key(args: &AssumeRoleArgs<'_>) -> String {
    // Keys in sorted order, as json.dumps(sort_keys=True) writes them.
    let mut parts: Vec<String> = Vec::new();
    if let Some(d) = args.duration_seconds {
        parts.push(format!("\"DurationSeconds\": {d}"));
    }
    if let Some(v) = args.external_id {
        parts.push(format!("\"ExternalId\": {}", py_json_str(v)));
    }
    parts.push(format!("\"RoleArn\": {}", py_json_str(args.role_arn)));
    if let Some(v) = args.role_session_name {
        parts.push(format!("\"RoleSessionName\": {}", py_json_str(v)));
    }
    if let Some(v) = args.serial_number {
        parts.push(format!("\"SerialNumber\": {}", py_json_str(v)));
    }
    let json = format!("{{{}}}", parts.join(", "));
    let digest = Sha1::digest(json.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex.replace([':', '/'], "_")
}

/// A string as Python's `json.dumps` writes it (`ensure_ascii=True`).
pub(crate) fn py_json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Cached temporary credentials.
#[derive(Clone)]
pub struct CachedCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration: SystemTime,
    pub assumed_role_arn: Option<String>,
}

impl std::fmt::Debug for CachedCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedCredentials")
            .field(
                "access_key_id",
                &sls_credentials::plan::mask_key_id(&self.access_key_id),
            )
            .field("expiration", &self.expiration)
            .field("assumed_role_arn", &self.assumed_role_arn)
            .finish_non_exhaustive()
    }
}

/// The AWS CLI's cache folder under `home`.
pub fn cli_cache_dir(home: &Path) -> PathBuf {
    home.join(".aws").join("cli").join("cache")
}

/// Reads a cache entry that is still valid for at least [`EXPIRY_WINDOW`].
/// A missing, unreadable, malformed or stale entry is simply a miss.
pub fn load(dir: &Path, key: &str, now: SystemTime) -> Option<CachedCredentials> {
    let text = fs::read_to_string(dir.join(format!("{key}.json"))).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let c = v.get("Credentials")?;
    let s = |k: &str| c.get(k).and_then(|x| x.as_str()).map(str::to_string);
    let expiration = parse_iso8601(&s("Expiration")?)?;
    if expiration < now + EXPIRY_WINDOW {
        return None;
    }
    Some(CachedCredentials {
        access_key_id: s("AccessKeyId")?,
        secret_access_key: s("SecretAccessKey")?,
        session_token: s("SessionToken")?,
        expiration,
        assumed_role_arn: v
            .get("AssumedRoleUser")
            .and_then(|u| u.get("Arn"))
            .and_then(|a| a.as_str())
            .map(str::to_string),
    })
}

/// Writes a cache entry atomically with private permissions.
pub fn store(dir: &Path, key: &str, creds: &CachedCredentials) -> std::io::Result<()> {
    create_private_dir(dir)?;
    let mut credentials = serde_json::Map::new();
    credentials.insert("AccessKeyId".into(), creds.access_key_id.clone().into());
    credentials.insert(
        "SecretAccessKey".into(),
        creds.secret_access_key.clone().into(),
    );
    credentials.insert("SessionToken".into(), creds.session_token.clone().into());
    credentials.insert(
        "Expiration".into(),
        format_botocore(creds.expiration).into(),
    );
    let mut doc = serde_json::Map::new();
    if let Some(arn) = &creds.assumed_role_arn {
        if let Some(account) = arn.split(':').nth(4).filter(|a| !a.is_empty()) {
            credentials.insert("AccountId".into(), account.into());
        }
        let mut user = serde_json::Map::new();
        user.insert("Arn".into(), arn.clone().into());
        doc.insert("Credentials".into(), credentials.into());
        doc.insert("AssumedRoleUser".into(), user.into());
    } else {
        doc.insert("Credentials".into(), credentials.into());
    }
    let text =
        serde_json::to_string(&serde_json::Value::Object(doc)).map_err(std::io::Error::other)?;
    write_private_atomic(&dir.join(format!("{key}.json")), text.as_bytes())
}

pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Temp file in the same folder (0600), fsync, rename.
pub(crate) fn write_private_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmp = dir.join(format!(
        ".{}.{}.{nanos}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("cache"),
        std::process::id()
    ));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| {
        let mut f = options.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values computed with CPython's json.dumps(args, sort_keys=True) + hashlib.sha1.
    #[test]
    fn key_matches_botocore() {
        let args = AssumeRoleArgs {
            role_arn: "arn:aws:iam::123456789012:role/deployer",
            ..Default::default()
        };
        assert_eq!(cache_key(&args), "6276837b3d6a187e0ff6b3628c88484e532b2dcc");
        let args = AssumeRoleArgs {
            role_arn: "arn:aws:iam::123456789012:role/deployer",
            role_session_name: Some("me"),
            external_id: Some("ext-é\"x"),
            serial_number: Some("arn:aws:iam::123456789012:mfa/alice"),
            duration_seconds: Some(3600),
        };
        assert_eq!(cache_key(&args), "39cd81eb73c943b27303201cdca49cff6bc6c329");
    }

    #[test]
    fn round_trip_private_and_expiry_window() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cli/cache");
        let now = SystemTime::now();
        let creds = CachedCredentials {
            access_key_id: "ASIAEXAMPLEEXAMPLE12".into(),
            secret_access_key: "s3cr3t".into(),
            session_token: "tok".into(),
            expiration: now + Duration::from_secs(3600),
            assumed_role_arn: Some("arn:aws:sts::123456789012:assumed-role/r/s".into()),
        };
        store(&cache, "k", &creds).unwrap();
        let got = load(&cache, "k", now).unwrap();
        assert_eq!(got.access_key_id, creds.access_key_id);
        assert_eq!(got.secret_access_key, "s3cr3t");
        assert!(!format!("{got:?}").contains("s3cr3t"));
        // 50 minutes later only 10 minutes remain: inside the 15-minute window.
        assert!(load(&cache, "k", now + Duration::from_secs(50 * 60)).is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(cache.join("k.json"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600);
            let mode = fs::metadata(&cache).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700);
        }
        let text = fs::read_to_string(cache.join("k.json")).unwrap();
        assert!(text.contains("\"AccountId\":\"123456789012\""), "{text}");
        assert!(text.contains("UTC\""), "{text}");
        assert!(load(&cache, "missing", now).is_none());
        fs::write(cache.join("bad.json"), "{not json").unwrap();
        assert!(load(&cache, "bad", now).is_none());
    }
}
