//! File syntax as the AWS SDKs read it (compat.md §1 "Credentials file syntax").

use crate::common;

use common::Home;
use sls_credentials::{load_profiles, Document, ProfileSet};

fn set(creds: &str, config: &str) -> (Home, ProfileSet) {
    let h = Home::new();
    h.creds(creds);
    h.config(config);
    let s = load_profiles(&h.env, h.home(), &h.cwd());
    (h, s)
}

#[test]
fn section_names_are_literal_in_the_credentials_file() {
    let (_h, s) = set("[ default ]\na = 1\n[profile x]\nb = 2\n", "");
    assert!(s.get("default").is_none());
    assert_eq!(s.get(" default ").unwrap().get("a"), Some("1"));
    assert_eq!(s.get("profile x").unwrap().get("b"), Some("2"));
    assert!(s.get("x").is_none());
}

#[test]
fn config_file_profile_prefix_default_and_sso_session() {
    let (_h, s) = set(
        "",
        "[default]\na = 1\n[profile x]\nb = 2\n[y]\nc = 3\n[sso-session corp]\nsso_region = eu-west-1\n[profile  spaced ]\nd = 4\n",
    );
    assert_eq!(s.get("default").unwrap().get("a"), Some("1"));
    assert_eq!(s.get("x").unwrap().get("b"), Some("2"));
    assert!(s.get("y").is_none(), "[y] in config is not a profile");
    assert!(s.get("corp").is_none());
    assert_eq!(
        s.sso_session("corp").unwrap().get("sso_region"),
        Some("eu-west-1")
    );
    assert_eq!(s.get("spaced").unwrap().get("d"), Some("4"));
    assert_eq!(s.profile_names(), vec!["default", "spaced", "x"]);
}

#[test]
fn header_comments_and_leading_spaces() {
    let (_h, s) = set("  [a] # comment\nk = 1\n[b];c\nk = 2\n[c]x\nk = 3\n", "");
    assert_eq!(s.get("a").unwrap().get("k"), Some("1"));
    // `[c]x` is no header: its key belongs to b (and, later, wins)
    assert!(s.get("c").is_none());
    assert_eq!(s.get("b").unwrap().get("k"), Some("3"));
}

#[test]
fn comments_only_at_line_start_or_after_whitespace() {
    let (_h, s) = set(
        "[p]\n# full line\n; full line\nsecret = sec#ret\nother = a;b\nwith = value # comment\nsemi = value ; comment\nquoted = \"q\"\nempty = # just comment\n  # indented comment\n",
        "",
    );
    let p = s.get("p").unwrap();
    assert_eq!(p.get("secret"), Some("sec#ret"));
    assert_eq!(p.get("other"), Some("a;b"));
    assert_eq!(p.get("with"), Some("value"));
    assert_eq!(p.get("semi"), Some("value"));
    assert_eq!(p.get("quoted"), Some("\"q\""));
    assert_eq!(p.get("empty"), None);
    assert_eq!(p.keys().count(), 6);
}

#[test]
fn keys_are_case_sensitive_and_spacing_is_free() {
    let (_h, s) = set(
        "[p]\nAWS_ACCESS_KEY_ID = X\naws_secret_access_key=S\n\tregion\t=\teu\t\n",
        "",
    );
    let p = s.get("p").unwrap();
    assert_eq!(p.get("aws_access_key_id"), None);
    assert_eq!(p.get("AWS_ACCESS_KEY_ID"), Some("X"));
    assert_eq!(p.get("aws_secret_access_key"), Some("S"));
    assert_eq!(p.get("region"), Some("eu"));
}

#[test]
fn duplicate_sections_merge_and_later_keys_win() {
    let (_h, s) = set(
        "[p]\na = 1\nb = 1\n[q]\nz = 0\n[p]\nb = 2\nc = 2\nc = 3\n",
        "",
    );
    let p = s.get("p").unwrap();
    assert_eq!(
        (p.get("a"), p.get("b"), p.get("c")),
        (Some("1"), Some("2"), Some("3"))
    );
    assert_eq!(p.entry("c").unwrap().line, 9);
}

#[test]
fn lines_before_any_header_are_ignored() {
    let (_h, s) = set("aws_access_key_id = X\n[p]\na = 1\n", "");
    assert_eq!(s.get("p").unwrap().get("aws_access_key_id"), None);
}

#[test]
fn crlf_bom_and_missing_final_newline() {
    let (_h, s) = set("\u{feff}[p]\r\na = 1\r\nb = 2", "");
    let p = s.get("p").unwrap();
    assert_eq!((p.get("a"), p.get("b")), (Some("1"), Some("2")));
}

#[test]
fn nested_subsections_survive_and_do_not_leak() {
    let text =
        "[p]\ns3 =\n  max_concurrent_requests = 10\n  signature_version = s3v4\nregion = eu\n";
    let (_h, s) = set(text, "");
    let p = s.get("p").unwrap();
    assert_eq!(p.get("max_concurrent_requests"), None);
    assert_eq!(p.get("region"), Some("eu"));
    assert_eq!(Document::parse(text).render(), text);
}

#[test]
fn non_utf8_file_still_reads_other_profiles() {
    let h = Home::new();
    std::fs::write(h.creds_path(), b"[bad]\nk = \xff\xfe\n[p]\na = 1\n").unwrap();
    let s = load_profiles(&h.env, h.home(), &h.cwd());
    assert_eq!(s.get("p").unwrap().get("a"), Some("1"));
}

#[test]
fn profile_debug_does_not_show_values() {
    let (_h, s) = set("[p]\naws_secret_access_key = TOPSECRETVALUE\n", "");
    let dbg = format!("{:?}", s.get("p").unwrap());
    assert!(!dbg.contains("TOPSECRETVALUE"), "{dbg}");
    assert!(dbg.contains("aws_secret_access_key"));
}
