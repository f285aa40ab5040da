//! `sls config credentials` on rich, real files: nothing the user wrote is lost.

use crate::common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::Home;
use sls_credentials::configure::configure_credentials_with_hook;
use sls_credentials::{configure_credentials, credentials_target, load_profiles, Action, Error};

const RICH: &str = "# My AWS credentials
; managed by hand

[default]
aws_access_key_id = AKIADEFAULT000000000
aws_secret_access_key = defaultsecret # inline comment
region = eu-west-1
output = json

[role-only]
role_arn = arn:aws:iam::1:role/x
source_profile = default

  [sso] # sso profile
sso_session = corp
sso_account_id = 1

[temp]
aws_access_key_id=AKIATEMP000000000000
aws_secret_access_key=tempsecret
aws_session_token=tokentoken
region=us-west-2

[dup]
aws_access_key_id = AKIADUP1000000000000
[dup]
aws_secret_access_key = dupsecret
s3 =
  max_concurrent_requests = 10
";

const K: &str = "AKIANEWNEWNEWNEW0000";
const S: &str = "newSecret/with+chars=";

fn write(h: &Home, text: &str) -> std::path::PathBuf {
    let p = h.creds_path();
    fs::write(&p, text).unwrap();
    p
}

fn lines(s: &str) -> Vec<&str> {
    s.split_inclusive('\n').collect()
}

/// `after` equals `before` except at the given (0-based) line indexes of `before`,
/// which map to the given replacement lines; removed lines map to `None`.
fn assert_only_changed(before: &str, after: &str, changes: &[(usize, Option<&str>)]) {
    let mut expected: Vec<String> = Vec::new();
    for (i, l) in lines(before).iter().enumerate() {
        match changes.iter().find(|(j, _)| *j == i) {
            Some((_, Some(new))) => expected.push(new.to_string()),
            Some((_, None)) => {}
            None => expected.push(l.to_string()),
        }
    }
    assert_eq!(after, expected.concat());
}

#[test]
fn adding_a_profile_appends_exactly_one_section() {
    let h = Home::new();
    let p = write(&h, RICH);
    let o = configure_credentials(&p, "new", K, S, false).unwrap();
    assert_eq!(o.action, Action::Added);
    assert!(!o.created_file);
    let after = fs::read_to_string(&p).unwrap();
    assert_eq!(
        after,
        format!("{RICH}\n[new]\naws_access_key_id={K}\naws_secret_access_key={S}\n")
    );
}

#[test]
fn existing_profiles_are_refused_byte_identical() {
    let h = Home::new();
    let p = write(&h, RICH);
    // The whole folder, not just the file: a refusal leaves no lock or temp file.
    let folder = folder_snapshot(&h.aws());
    for name in ["default", "role-only", "sso", "temp", "dup"] {
        let e = configure_credentials(
            credentials_target(&h.env, h.home(), &h.cwd()),
            name,
            K,
            S,
            false,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("Profile \"{name}\" is already configured in ~/.aws/credentials. Use the overwrite flag (\"-o\" or \"--overwrite\") to force the update.")
        );
        assert_eq!(fs::read_to_string(&p).unwrap(), RICH);
        assert_eq!(folder_snapshot(&h.aws()), folder, "{name}");
    }
    // A file that is not UTF-8 is refused the same way: nothing changes.
    fs::write(&p, b"[a]\n\xff\n").unwrap();
    let folder = folder_snapshot(&h.aws());
    configure_credentials(&p, "new", K, S, false).unwrap_err();
    assert_eq!(folder_snapshot(&h.aws()), folder);
}

#[test]
fn a_successful_write_leaves_no_lock_file() {
    let h = Home::new();
    let p = write(&h, RICH);
    configure_credentials(&p, "new", K, S, false).unwrap();
    configure_credentials(&p, "new", K, S, true).unwrap();
    assert_eq!(dir_entries(&h.aws()), vec!["credentials"]);
}

/// Every entry of a folder with its bytes and mode.
fn folder_snapshot(dir: &Path) -> Vec<(String, Vec<u8>, u32)> {
    dir_entries(dir)
        .into_iter()
        .map(|n| {
            let p = dir.join(&n);
            let mode = fs::symlink_metadata(&p).unwrap().permissions().mode();
            (n, fs::read(&p).unwrap_or_default(), mode)
        })
        .collect()
}

#[test]
fn refusal_shows_the_real_path_with_aws_shared_credentials_file() {
    let mut h = Home::new();
    let file = h.home().join("creds");
    fs::write(&file, "[x]\n").unwrap();
    h.set("AWS_SHARED_CREDENTIALS_FILE", file.to_str().unwrap());
    let t = credentials_target(&h.env, h.home(), &h.cwd());
    assert_eq!(t.path, file);
    let e = configure_credentials(t, "x", K, S, false).unwrap_err();
    assert!(
        e.to_string()
            .contains(&format!("already configured in {}.", file.display())),
        "{e}"
    );
}

#[test]
fn overwrite_changes_only_the_two_key_lines() {
    let h = Home::new();
    let p = write(&h, RICH);
    let o = configure_credentials(&p, "default", K, S, true).unwrap();
    assert_eq!(o.action, Action::Overwritten);
    assert!(!o.removed_session_token);
    let after = fs::read_to_string(&p).unwrap();
    let k = format!("aws_access_key_id = {K}\n");
    let s = format!("aws_secret_access_key = {S} # inline comment\n");
    assert_only_changed(RICH, &after, &[(4, Some(&k)), (5, Some(&s))]);
}

#[test]
fn overwrite_removes_a_stale_session_token_and_keeps_region() {
    let h = Home::new();
    let p = write(&h, RICH);
    let o = configure_credentials(&p, "temp", K, S, true).unwrap();
    assert!(o.removed_session_token);
    let after = fs::read_to_string(&p).unwrap();
    let k = format!("aws_access_key_id={K}\n");
    let s = format!("aws_secret_access_key={S}\n");
    assert_only_changed(RICH, &after, &[(18, Some(&k)), (19, Some(&s)), (20, None)]);
    let set = load_profiles(&h.env, h.home(), &h.cwd());
    let t = set.get("temp").unwrap();
    assert_eq!(t.get("aws_session_token"), None);
    assert_eq!(t.get("region"), Some("us-west-2"));
}

#[test]
fn overwrite_of_a_role_only_profile_adds_the_keys_after_its_last_property() {
    let h = Home::new();
    let p = write(&h, RICH);
    configure_credentials(&p, "role-only", K, S, true).unwrap();
    let after = fs::read_to_string(&p).unwrap();
    let added =
        format!("source_profile = default\naws_access_key_id={K}\naws_secret_access_key={S}\n");
    assert_only_changed(RICH, &after, &[(11, Some(&added))]);
}

#[test]
fn overwrite_of_an_sso_profile_with_indented_header_and_comment() {
    let h = Home::new();
    let p = write(&h, RICH);
    configure_credentials(&p, "sso", K, S, true).unwrap();
    let after = fs::read_to_string(&p).unwrap();
    let added = format!("sso_account_id = 1\naws_access_key_id={K}\naws_secret_access_key={S}\n");
    assert_only_changed(RICH, &after, &[(15, Some(&added))]);
    let set = load_profiles(&h.env, h.home(), &h.cwd());
    assert_eq!(set.get("sso").unwrap().get("aws_access_key_id"), Some(K));
}

#[test]
fn overwrite_of_duplicate_sections_updates_each_key_where_it_is() {
    let h = Home::new();
    let p = write(&h, RICH);
    configure_credentials(&p, "dup", K, S, true).unwrap();
    let after = fs::read_to_string(&p).unwrap();
    let k = format!("aws_access_key_id = {K}\n");
    let s = format!("aws_secret_access_key = {S}\n");
    assert_only_changed(RICH, &after, &[(24, Some(&k)), (26, Some(&s))]);
    let set = load_profiles(&h.env, h.home(), &h.cwd());
    let d = set.get("dup").unwrap();
    assert_eq!(
        (d.get("aws_access_key_id"), d.get("aws_secret_access_key")),
        (Some(K), Some(S))
    );
}

#[test]
fn overwrite_replaces_shadowed_duplicate_keys_too() {
    let h = Home::new();
    let text = "[p]\naws_access_key_id = OLD1\naws_secret_access_key = OLDS1\n[p]\naws_access_key_id = OLD2\n";
    let p = write(&h, text);
    configure_credentials(&p, "p", K, S, true).unwrap();
    let after = fs::read_to_string(&p).unwrap();
    assert!(!after.contains("OLD"), "{after}");
    assert_eq!(after.lines().count(), 5);
}

#[test]
fn crlf_files_stay_crlf() {
    let h = Home::new();
    let text = "[default]\r\naws_access_key_id = A\r\naws_secret_access_key = B\r\n";
    let p = write(&h, text);
    configure_credentials(&p, "new", K, S, false).unwrap();
    let after = fs::read_to_string(&p).unwrap();
    assert_eq!(
        after,
        format!("{text}\r\n[new]\r\naws_access_key_id={K}\r\naws_secret_access_key={S}\r\n")
    );
    configure_credentials(&p, "default", K, S, true).unwrap();
    let after = fs::read_to_string(&p).unwrap();
    assert_eq!(after.matches('\n').count(), after.matches("\r\n").count());
    assert!(after.starts_with(&format!("[default]\r\naws_access_key_id = {K}\r\n")));
}

#[test]
fn bom_and_missing_final_newline() {
    let h = Home::new();
    let text = "\u{feff}[default]\naws_access_key_id = A\naws_secret_access_key = B";
    let p = write(&h, text);
    configure_credentials(&p, "new", K, S, false).unwrap();
    let after = fs::read_to_string(&p).unwrap();
    assert_eq!(
        after,
        format!("{text}\n\n[new]\naws_access_key_id={K}\naws_secret_access_key={S}\n")
    );
    // missing key inserted after a last line without newline
    let text = "[r]\nrole_arn = x";
    fs::write(&p, text).unwrap();
    configure_credentials(&p, "r", K, S, true).unwrap();
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        format!("[r]\nrole_arn = x\naws_access_key_id={K}\naws_secret_access_key={S}")
    );
}

#[test]
fn file_ending_with_blank_line_gets_no_second_blank() {
    let h = Home::new();
    let p = write(&h, "[a]\nk = v\n\n");
    configure_credentials(&p, "b", K, S, false).unwrap();
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        format!("[a]\nk = v\n\n[b]\naws_access_key_id={K}\naws_secret_access_key={S}\n")
    );
}

#[test]
fn new_file_and_new_aws_dir_are_private() {
    let h = Home::new();
    let t = credentials_target(&h.env, h.home(), &h.cwd());
    assert!(!h.home().join(".aws").exists());
    let o = configure_credentials(t, "default", K, S, false).unwrap();
    assert!(o.created_file);
    let dir = h.home().join(".aws");
    assert_eq!(
        fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let f = dir.join("credentials");
    assert_eq!(
        fs::metadata(&f).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        fs::read_to_string(&f).unwrap(),
        format!("[default]\naws_access_key_id={K}\naws_secret_access_key={S}\n")
    );
}

#[test]
fn existing_mode_is_kept() {
    for mode in [0o600, 0o640, 0o400] {
        let h = Home::new();
        let p = write(&h, "[a]\n");
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
        configure_credentials(&p, "b", K, S, false).unwrap();
        assert_eq!(fs::metadata(&p).unwrap().permissions().mode() & 0o777, mode);
    }
}

#[test]
fn symlinked_file_is_written_through() {
    let h = Home::new();
    let real = h.home().join("dotfiles-creds");
    fs::write(&real, "[a]\n").unwrap();
    let link = h.aws().join("credentials");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let o = configure_credentials(&link, "b", K, S, false).unwrap();
    assert_eq!(o.path, real);
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(fs::read_to_string(&real).unwrap().contains("[b]"));
}

#[test]
fn invalid_input_is_refused_before_anything_is_written() {
    let h = Home::new();
    let p = write(&h, RICH);
    let bad_names = ["", "a]b", "[a", "a\nb", "a\r", " a", "a ", "a\tb\t"];
    for n in bad_names {
        let e = configure_credentials(&p, n, K, S, true).unwrap_err();
        assert!(matches!(e, Error::InvalidProfileName { .. }), "{n:?}: {e}");
    }
    for (k, s) in [
        ("", S),
        (K, ""),
        ("AKIA X", S),
        (K, "se cret"),
        (K, "sec\nret"),
        ("AK\tIA", S),
        (K, "#abc"),
    ] {
        let e = configure_credentials(&p, "new", k, s, true).unwrap_err();
        assert!(matches!(e, Error::InvalidValue { .. }), "{k:?} {s:?}: {e}");
        // the secret never appears in the message
        if !s.is_empty() && s != S {
            assert!(!e.to_string().contains(s), "{e}");
        }
    }
    assert_eq!(fs::read_to_string(&p).unwrap(), RICH);
    // and nothing is created when the file is missing
    let h2 = Home::new();
    let t = credentials_target(&h2.env, h2.home(), &h2.cwd());
    configure_credentials(t, "a\nb", K, S, false).unwrap_err();
    assert!(!h2.home().join(".aws").exists());
}

#[test]
fn a_directory_in_place_of_the_file_is_a_clear_error() {
    let h = Home::new();
    let p = h.creds_path();
    fs::create_dir_all(&p).unwrap();
    let e = configure_credentials(&p, "a", K, S, false).unwrap_err();
    assert!(e.to_string().contains("directory"), "{e}");
}

#[test]
fn non_utf8_file_is_not_edited() {
    let h = Home::new();
    let p = h.creds_path();
    fs::write(&p, b"[a]\n\xff\n").unwrap();
    let e = configure_credentials(&p, "b", K, S, false).unwrap_err();
    assert!(e.to_string().contains("line 2"), "{e}");
    assert_eq!(fs::read(&p).unwrap(), b"[a]\n\xff\n");
}

#[test]
fn relative_shared_credentials_file_is_from_cwd() {
    let mut h = Home::new();
    h.set("AWS_SHARED_CREDENTIALS_FILE", "sub/creds");
    let t = credentials_target(&h.env, h.home(), &h.cwd());
    configure_credentials(t, "x", K, S, false).unwrap();
    assert!(h.cwd().join("sub/creds").exists());
    assert!(!h.home().join(".aws").exists());
}

fn dir_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_failure_between_write_and_rename_leaves_the_original_intact() {
    let h = Home::new();
    let p = write(&h, RICH);
    let e = configure_credentials_with_hook(&p, "new", K, S, false, &|tmp: &Path| {
        // the temp file is complete and synced at this point
        assert!(fs::read_to_string(tmp).unwrap().contains("[new]"));
        Err(std::io::Error::other("injected crash"))
    })
    .unwrap_err();
    assert!(e.to_string().contains("injected crash"), "{e}");
    assert_eq!(fs::read_to_string(&p).unwrap(), RICH);
    // no temp file and no lock file left behind
    assert_eq!(dir_entries(&h.aws()), vec!["credentials"]);
}

#[test]
fn configured_profile_resolves_through_the_chain() {
    let mut h = Home::new();
    let p = write(&h, RICH);
    configure_credentials(&p, "new", K, S, false).unwrap();
    h.set("AWS_PROFILE", "new");
    assert_eq!(h.key().as_deref(), Some(K));
}

#[test]
fn a_symlink_loop_is_an_error_not_a_hang() {
    let h = Home::new();
    let a = h.aws().join("credentials");
    let b = h.aws().join("other");
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let e = configure_credentials(&a, "x", K, S, false).unwrap_err();
    assert!(e.to_string().contains("symlink"), "{e}");
}

#[test]
fn a_profile_only_in_the_config_file_is_added_to_the_credentials_file() {
    let h = Home::new();
    h.config("[profile team]\nregion = eu-west-1\n");
    let t = credentials_target(&h.env, h.home(), &h.cwd());
    let o = configure_credentials(t, "team", K, S, false).unwrap();
    assert_eq!(o.action, Action::Added);
    assert_eq!(
        fs::read_to_string(h.aws().join("config")).unwrap(),
        "[profile team]\nregion = eu-west-1\n"
    );
    let set = load_profiles(&h.env, h.home(), &h.cwd());
    let p = set.get("team").unwrap();
    assert_eq!(
        (p.get("aws_access_key_id"), p.get("region")),
        (Some(K), Some("eu-west-1"))
    );
}

#[test]
fn shared_credentials_file_in_a_missing_directory_is_created_privately() {
    let mut h = Home::new();
    let file = h.home().join("deep/er/creds");
    h.set("AWS_SHARED_CREDENTIALS_FILE", file.to_str().unwrap());
    configure_credentials(
        credentials_target(&h.env, h.home(), &h.cwd()),
        "x",
        K,
        S,
        false,
    )
    .unwrap();
    assert_eq!(
        fs::metadata(h.home().join("deep"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    assert_eq!(
        fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
}
