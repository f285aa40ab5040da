//! `configure_role_profile` on real files: an assume-role profile lands in the
//! config file, every other byte stays, and the chain reads it back.

use crate::common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use common::Home;
use sls_credentials::configure_role::configure_role_profile_with_hook;
use sls_credentials::{
    config_target, configure_role_profile, load_profiles, profile_plan, Action, Error, Plan,
    RoleProfile,
};

const ARN: &str = "arn:aws:iam::123456789012:role/deploy";
const ARN2: &str = "arn:aws:iam::210987654321:role/admin";

/// A config file with everything people keep there, CRLF, no final newline.
const RICH: &str = "# my config\r\n\
; second comment\r\n\
\r\n\
[default]\r\n\
region = eu-west-1\r\n\
output = json\r\n\
\r\n\
[sso-session corp]\r\n\
sso_start_url = https://corp.awsapps.com/start\r\n\
sso_region = us-east-1\r\n\
\r\n\
  [profile dev] # sso profile\r\n\
sso_session = corp\r\n\
sso_account_id = 111111111111\r\n\
sso_role_name = Dev\r\n\
s3 =\r\n\
  max_concurrent_requests = 10\r\n\
\r\n\
[profile tool]\r\n\
credential_process = /usr/bin/tool --json\r\n\
region = us-west-2";

fn config_path(h: &Home) -> PathBuf {
    h.aws().join("config")
}

fn write(h: &Home, text: &str) -> PathBuf {
    let p = config_path(h);
    fs::write(&p, text).unwrap();
    p
}

fn mode(p: &std::path::Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn full_role() -> RoleProfile {
    RoleProfile {
        role_arn: ARN.into(),
        source_profile: Some("base".into()),
        mfa_serial: Some("arn:aws:iam::123456789012:mfa/me".into()),
        external_id: Some("ext-123".into()),
        duration_seconds: Some(3600),
    }
}

#[test]
fn new_file_is_created_private_in_a_private_dir() {
    let h = Home::new();
    let cwd = h.cwd();
    let target = config_target(&h.env, h.home(), &cwd);
    assert_eq!(target.path, h.home().join(".aws").join("config"));
    assert_eq!(target.shown, "~/.aws/config");
    assert!(!h.home().join(".aws").exists());

    let o = configure_role_profile(target, "team", &RoleProfile::new(ARN), false).unwrap();
    assert_eq!(o.action, Action::Added);
    assert!(o.created_file);
    assert!(!o.removed_session_token);
    assert_eq!(o.profile, "team");
    let p = h.home().join(".aws").join("config");
    assert_eq!(o.path, p);
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        format!("[profile team]\nrole_arn = {ARN}\nsource_profile = default\n")
    );
    assert_eq!(mode(&p), 0o600);
    assert_eq!(mode(&h.home().join(".aws")), 0o700);
    // Only the config file: no lock file, no temp files, no credentials file.
    let mut names: Vec<String> = fs::read_dir(h.home().join(".aws"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["config"]);
}

#[test]
fn all_fields_in_order_and_default_header() {
    let h = Home::new();
    let p = config_path(&h);
    configure_role_profile(&p, "default", &full_role(), false).unwrap();
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        format!(
            "[default]\nrole_arn = {ARN}\nsource_profile = base\n\
             mfa_serial = arn:aws:iam::123456789012:mfa/me\nexternal_id = ext-123\n\
             duration_seconds = 3600\n"
        )
    );
}

#[test]
fn appending_to_a_rich_crlf_file_keeps_every_byte() {
    let h = Home::new();
    let p = write(&h, RICH);
    fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
    let o = configure_role_profile(&p, "team", &full_role(), false).unwrap();
    assert_eq!(o.action, Action::Added);
    assert!(!o.created_file);
    let after = fs::read_to_string(&p).unwrap();
    assert_eq!(
        after,
        format!(
            "{RICH}\r\n\r\n[profile team]\r\nrole_arn = {ARN}\r\nsource_profile = base\r\n\
             mfa_serial = arn:aws:iam::123456789012:mfa/me\r\nexternal_id = ext-123\r\n\
             duration_seconds = 3600\r\n"
        )
    );
    // The existing mode is kept exactly.
    assert_eq!(mode(&p), 0o640);
}

#[test]
fn bom_and_final_blank_line_are_respected() {
    let h = Home::new();
    let before = "\u{feff}[default]\nregion = eu-west-1\n\n";
    let p = write(&h, before);
    configure_role_profile(&p, "x", &RoleProfile::new(ARN), false).unwrap();
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        format!("{before}[profile x]\nrole_arn = {ARN}\nsource_profile = default\n")
    );
}

#[test]
fn an_existing_profile_is_refused_and_the_file_untouched() {
    let h = Home::new();
    // Spaced header: the AWS CLI reads it as profile "team".
    let text = format!("{RICH}\r\n[profile  team ]\r\nregion = x\r\n");
    let p = write(&h, &text);
    let before = fs::read(&p).unwrap();
    let folder = entries(&h.home().join(".aws"));
    let cwd = h.cwd();
    let target = config_target(&h.env, h.home(), &cwd);
    let e = configure_role_profile(target, "team", &RoleProfile::new(ARN), false).unwrap_err();
    assert!(matches!(e, Error::ProfileExists { .. }));
    assert_eq!(
        e.to_string(),
        "Profile \"team\" is already configured in ~/.aws/config. Use the overwrite flag (\"-o\" or \"--overwrite\") to force the update."
    );
    assert_eq!(fs::read(&p).unwrap(), before);

    // An SSO profile or a bare [default] (region only) counts as configured too.
    for name in ["dev", "default", "tool"] {
        let e = configure_role_profile(&p, name, &RoleProfile::new(ARN), false).unwrap_err();
        assert!(matches!(e, Error::ProfileExists { .. }), "{name}");
        assert_eq!(fs::read(&p).unwrap(), before, "{name}");
    }
    // Nothing else appeared either (no lock file, no temp file).
    assert_eq!(entries(&h.home().join(".aws")), folder);
    // ...but an [sso-session corp] section is no profile "corp".
    configure_role_profile(&p, "corp", &RoleProfile::new(ARN), false).unwrap();
}

#[test]
fn profile_default_header_counts_as_default() {
    let h = Home::new();
    let p = write(&h, "[profile default]\nregion = r\n");
    let e = configure_role_profile(&p, "default", &RoleProfile::new(ARN), false).unwrap_err();
    assert!(matches!(e, Error::ProfileExists { .. }));
    // With overwrite the existing section is edited, no second [default] appears.
    configure_role_profile(&p, "default", &RoleProfile::new(ARN), true).unwrap();
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        format!("[profile default]\nregion = r\nrole_arn = {ARN}\nsource_profile = default\n")
    );
}

#[test]
fn refusal_names_the_real_path_when_aws_config_file_is_set() {
    let mut h = Home::new();
    h.set("AWS_CONFIG_FILE", "conf/aws-config");
    let cwd = h.cwd();
    let target = config_target(&h.env, h.home(), &cwd);
    let real = cwd.join("conf/aws-config");
    assert_eq!(target.path, real);
    assert_eq!(target.shown, real.display().to_string());
    configure_role_profile(target.clone(), "team", &RoleProfile::new(ARN), false).unwrap();
    assert_eq!(mode(&real), 0o600);
    assert_eq!(mode(&cwd.join("conf")), 0o700);
    let e = configure_role_profile(target, "team", &RoleProfile::new(ARN), false).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "Profile \"team\" is already configured in {}. Use the overwrite flag (\"-o\" or \"--overwrite\") to force the update.",
            real.display()
        )
    );
}

#[test]
fn overwrite_changes_only_the_role_keys() {
    let h = Home::new();
    let before = "# top\n\
[profile team]\n\
role_arn = arn:aws:iam::1:role/old # old role\n\
  mfa_serial=arn:aws:iam::1:mfa/old\n\
region = eu-west-1\n\
role_session_name = me\n\
credential_source = Environment\n\
\n\
[profile other]\n\
role_arn = arn:aws:iam::1:role/keep\n\
source_profile = default\n\
\n\
[profile team]\n\
duration_seconds = 1200\n\
output = json\n\
; trailing comment\n";
    let p = write(&h, before);
    let role = RoleProfile {
        role_arn: ARN2.into(),
        source_profile: Some("base".into()),
        mfa_serial: None,
        external_id: Some("ext".into()),
        duration_seconds: Some(7200),
    };
    let o = configure_role_profile(&p, "team", &role, true).unwrap();
    assert_eq!(o.action, Action::Overwritten);
    assert!(!o.created_file);
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        format!(
            "# top\n\
[profile team]\n\
role_arn = {ARN2} # old role\n\
region = eu-west-1\n\
role_session_name = me\n\
\n\
[profile other]\n\
role_arn = arn:aws:iam::1:role/keep\n\
source_profile = default\n\
\n\
[profile team]\n\
duration_seconds = 7200\n\
output = json\n\
source_profile = base\n\
external_id = ext\n\
; trailing comment\n"
        )
    );

    // Overwriting again with the same role is a no-op on the bytes.
    let once = fs::read(&p).unwrap();
    configure_role_profile(&p, "team", &role, true).unwrap();
    assert_eq!(fs::read(&p).unwrap(), once);
}

#[test]
fn overwrite_of_a_crlf_file_without_final_newline() {
    let h = Home::new();
    let p = write(&h, RICH);
    // [profile tool] is last and its last line has no newline.
    configure_role_profile(&p, "tool", &RoleProfile::new(ARN), true).unwrap();
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        format!("{RICH}\r\nrole_arn = {ARN}\r\nsource_profile = default")
    );
}

#[test]
fn the_written_profile_reads_back_as_an_assume_role_plan() {
    let h = Home::new();
    h.creds("[base]\naws_access_key_id = AKIABASE000000000000\naws_secret_access_key = s\n");
    let p = write(&h, RICH);
    configure_role_profile(&p, "team", &full_role(), false).unwrap();

    let cwd = h.cwd();
    let set = load_profiles(&h.env, h.home(), &cwd);
    let profile = set.get("team").expect("profile team");
    let plan = profile_plan(&set, &h.env, &profile).unwrap();
    let Plan::AssumeRole {
        profile,
        role_arn,
        source,
        mfa_serial,
        external_id,
        session_name,
        duration_seconds,
    } = plan
    else {
        panic!("expected AssumeRole, got {plan:?}");
    };
    assert_eq!(profile, "team");
    assert_eq!(role_arn, ARN);
    assert_eq!(
        mfa_serial.as_deref(),
        Some("arn:aws:iam::123456789012:mfa/me")
    );
    assert_eq!(external_id.as_deref(), Some("ext-123"));
    assert_eq!(session_name, None);
    assert_eq!(duration_seconds, Some(3600));
    match *source {
        Plan::Static { ref keys, .. } => assert_eq!(keys.access_key_id, "AKIABASE000000000000"),
        ref other => panic!("expected static source, got {other:?}"),
    }

    // The other profiles still resolve as before.
    let dev = set.get("dev").unwrap();
    assert!(matches!(
        profile_plan(&set, &h.env, &dev).unwrap(),
        Plan::Sso { .. }
    ));
    let tool = set.get("tool").unwrap();
    assert!(matches!(
        profile_plan(&set, &h.env, &tool).unwrap(),
        Plan::Process { .. }
    ));
}

#[test]
fn default_source_profile_reads_back() {
    let h = Home::new();
    h.creds("[default]\naws_access_key_id = AKIADEFAULT000000000\naws_secret_access_key = s\n");
    let p = config_path(&h);
    configure_role_profile(&p, "team", &RoleProfile::new(ARN), false).unwrap();
    let cwd = h.cwd();
    let set = load_profiles(&h.env, h.home(), &cwd);
    let plan = profile_plan(&set, &h.env, &set.get("team").unwrap()).unwrap();
    let Plan::AssumeRole {
        source,
        mfa_serial,
        external_id,
        duration_seconds,
        ..
    } = plan
    else {
        panic!("expected AssumeRole");
    };
    assert!(
        matches!(*source, Plan::Static { ref keys, .. } if keys.access_key_id == "AKIADEFAULT000000000")
    );
    assert_eq!(
        (mfa_serial, external_id, duration_seconds),
        (None, None, None)
    );
}

#[test]
fn overwritten_credential_source_profile_reads_back() {
    let h = Home::new();
    h.creds("[base]\naws_access_key_id = AKIABASE000000000000\naws_secret_access_key = s\n");
    let p = write(
        &h,
        "[profile team]\nrole_arn = arn:aws:iam::1:role/old\ncredential_source = Ec2InstanceMetadata\nmfa_serial = m\n",
    );
    let role = RoleProfile {
        source_profile: Some("base".into()),
        ..RoleProfile::new(ARN)
    };
    configure_role_profile(&p, "team", &role, true).unwrap();
    let cwd = h.cwd();
    let set = load_profiles(&h.env, h.home(), &cwd);
    let plan = profile_plan(&set, &h.env, &set.get("team").unwrap()).unwrap();
    let Plan::AssumeRole {
        role_arn,
        source,
        mfa_serial,
        ..
    } = plan
    else {
        panic!("expected AssumeRole");
    };
    assert_eq!(role_arn, ARN);
    assert_eq!(mfa_serial, None);
    assert!(matches!(*source, Plan::Static { .. }));
}

#[test]
fn invalid_input_writes_nothing() {
    let h = Home::new();
    let p = config_path(&h);
    let bad: Vec<(&str, RoleProfile, &str)> = vec![
        (
            "team",
            RoleProfile::new("arn:aws:iam::1:role/x y"),
            "whitespace",
        ),
        (
            "team",
            RoleProfile::new("role/x"),
            "does not start with \"arn:\"",
        ),
        ("team", RoleProfile::new(""), "is empty"),
        (
            "team",
            RoleProfile {
                duration_seconds: Some(899),
                ..RoleProfile::new(ARN)
            },
            "between 900 and 43200",
        ),
        (
            "team",
            RoleProfile {
                duration_seconds: Some(43201),
                ..RoleProfile::new(ARN)
            },
            "between 900 and 43200",
        ),
        (
            "team",
            RoleProfile {
                source_profile: Some("a b".into()),
                ..RoleProfile::new(ARN)
            },
            "source profile",
        ),
        (
            "team",
            RoleProfile {
                mfa_serial: Some("x\ny".into()),
                ..RoleProfile::new(ARN)
            },
            "MFA serial",
        ),
        (
            "team",
            RoleProfile {
                external_id: Some("#x".into()),
                ..RoleProfile::new(ARN)
            },
            "external ID",
        ),
        ("a]b", RoleProfile::new(ARN), "Invalid profile name"),
        ("", RoleProfile::new(ARN), "Invalid profile name"),
        ("x\ny", RoleProfile::new(ARN), "Invalid profile name"),
    ];
    for (name, role, needle) in bad {
        let e = configure_role_profile(&p, name, &role, true).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(needle), "{msg}");
        assert!(msg.ends_with("Nothing was written."), "{msg}");
        assert!(!p.exists(), "{msg}");
    }
    // The external id is not echoed.
    let e = configure_role_profile(
        &p,
        "t",
        &RoleProfile {
            external_id: Some("se cret".into()),
            ..RoleProfile::new(ARN)
        },
        false,
    )
    .unwrap_err();
    assert!(!e.to_string().contains("se cret"));
    // The limits themselves are fine.
    for d in [900, 43200] {
        let role = RoleProfile {
            duration_seconds: Some(d),
            ..RoleProfile::new(ARN)
        };
        configure_role_profile(&p, &format!("d{d}"), &role, false).unwrap();
    }
}

#[test]
fn a_crash_before_rename_leaves_the_old_file_and_no_temp() {
    let h = Home::new();
    let p = write(&h, RICH);
    let e = configure_role_profile_with_hook(&p, "team", &full_role(), false, &|_| {
        Err(std::io::Error::other("injected crash"))
    })
    .unwrap_err();
    assert!(matches!(e, Error::SaveConfig(_)));
    assert!(e
        .to_string()
        .starts_with("Cannot write the AWS config file:"));
    assert_eq!(fs::read_to_string(&p).unwrap(), RICH);
    let temps = fs::read_dir(h.aws())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp")
        })
        .count();
    assert_eq!(temps, 0);
}

#[test]
fn a_symlinked_config_is_written_through() {
    let h = Home::new();
    let real = h.home().join("dotfiles-config");
    fs::write(&real, "[default]\nregion = r\n").unwrap();
    let link = config_path(&h);
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let o = configure_role_profile(&link, "team", &RoleProfile::new(ARN), false).unwrap();
    assert_eq!(o.path, real);
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(fs::read_to_string(&real)
        .unwrap()
        .ends_with("[profile team]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = default\n"));
}

#[test]
fn non_utf8_config_is_refused() {
    let h = Home::new();
    let p = config_path(&h);
    fs::write(&p, b"[default]\nregion = \xff\n").unwrap();
    let e = configure_role_profile(&p, "team", &RoleProfile::new(ARN), false).unwrap_err();
    assert!(matches!(e, Error::NotUtf8 { line: 2, .. }), "{e}");
    assert_eq!(fs::read(&p).unwrap(), b"[default]\nregion = \xff\n");
}

fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
