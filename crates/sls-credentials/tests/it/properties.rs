//! Property tests of the document: parse → render is the identity, and an
//! edit changes only the target profile's lines.

use proptest::prelude::*;
use sls_credentials::configure::set_profile_keys;
use sls_credentials::document::LineKind;
use sls_credentials::Document;

/// Text built from the pieces that matter to the parser.
fn ini_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("["),
        Just("]"),
        Just("="),
        Just("#"),
        Just(";"),
        Just(" "),
        Just("\t"),
        Just("\r"),
        Just("\n"),
        Just("\r\n"),
        Just("\u{feff}"),
        Just("a"),
        Just("profile "),
        Just("aws_access_key_id"),
        Just("default"),
        Just("é"),
        Just("x = y"),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn render_is_identity_on_any_string(s in any::<String>()) {
        prop_assert_eq!(Document::parse(&s).render(), s);
    }

    #[test]
    fn render_is_identity_on_ini_like_text(s in ini_like()) {
        prop_assert_eq!(Document::parse(&s).render(), s);
    }
}

/// A profile file made of random sections (names from a small set, so
/// duplicates happen), properties, comments, blank lines and odd lines.
fn profile_file() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("a"),
        Just("b"),
        Just("c"),
        Just("default"),
        Just(" a ")
    ];
    let line = prop_oneof![
        Just("aws_access_key_id = AKIAOLDOLDOLDOLD0000".to_string()),
        Just("aws_secret_access_key=oldsecret".to_string()),
        Just("aws_session_token = tok".to_string()),
        Just("region = eu-west-1".to_string()),
        Just("# comment".to_string()),
        Just("".to_string()),
        Just("s3 =".to_string()),
        Just("  max_concurrent_requests = 10".to_string()),
        Just("junk".to_string()),
        "[a-z_]{1,8} = [a-z0-9#; ]{0,8}",
    ];
    let section = (name, prop::collection::vec(line, 0..5)).prop_map(|(n, ls)| {
        let mut s = format!("[{n}]\n");
        for l in ls {
            s.push_str(&l);
            s.push('\n');
        }
        s
    });
    (
        prop::collection::vec(section, 0..6),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(secs, crlf, trim_end)| {
            let mut s = secs.concat();
            if trim_end {
                s.pop();
            }
            if crlf {
                s = s.replace('\n', "\r\n");
            }
            s
        })
}

/// The lines (text only) that are outside every section named `name`.
fn outside(doc: &Document, name: &str) -> Vec<String> {
    let mut inside = false;
    let mut out = Vec::new();
    for l in &doc.lines {
        if let LineKind::Header { .. } = l.kind {
            inside = l.header_name() == Some(name);
        }
        if !inside {
            out.push(l.text.clone());
        }
    }
    out
}

/// Lines inside sections named `name` that are not key/token lines.
fn kept_inside(doc: &Document, name: &str) -> Vec<String> {
    let mut inside = false;
    let mut out = Vec::new();
    let mut skip_nested = false;
    for l in &doc.lines {
        if let LineKind::Header { .. } = l.kind {
            inside = l.header_name() == Some(name);
        }
        let key = l.key();
        if l.kind != LineKind::Nested {
            skip_nested = false;
        }
        if matches!(key, Some("aws_session_token" | "aws_security_token")) {
            skip_nested = true;
            continue;
        }
        if skip_nested && l.kind == LineKind::Nested {
            continue;
        }
        if inside && !matches!(key, Some("aws_access_key_id" | "aws_secret_access_key")) {
            out.push(l.text.clone());
        }
    }
    out
}

proptest! {
    #[test]
    fn an_edit_changes_only_the_target_profile(text in profile_file(), target in prop_oneof![Just("a"), Just("b"), Just("new")]) {
        let before = Document::parse(&text);
        let mut after = before.clone();
        let edit = set_profile_keys(&mut after, target, "AKIANEWNEWNEWNEW0000", "newsecret");
        let rendered = after.render();
        let reparsed = Document::parse(&rendered);
        if edit.added_section {
            // the original text is a prefix (up to a final newline that was added)
            let base = text.trim_end_matches(['\r', '\n']);
            prop_assert!(rendered.starts_with(base));
            let mut out_before = outside(&before, target);
            out_before.retain(|l| !l.is_empty());
            let mut out_after = outside(&reparsed, target);
            out_after.retain(|l| !l.is_empty());
            prop_assert_eq!(out_before, out_after);
        } else {
            prop_assert_eq!(outside(&before, target), outside(&reparsed, target));
            prop_assert_eq!(kept_inside(&before, target), kept_inside(&reparsed, target));
        }
        // the effective keys of the target are the new ones
        let mut id = None;
        let mut secret = None;
        let mut inside = false;
        for l in &reparsed.lines {
            if let LineKind::Header { .. } = l.kind { inside = l.header_name() == Some(target); }
            if inside {
                match l.key() {
                    Some("aws_access_key_id") => id = l.value().map(str::to_string),
                    Some("aws_secret_access_key") => secret = l.value().map(str::to_string),
                    _ => {}
                }
            }
        }
        prop_assert_eq!(id.as_deref(), Some("AKIANEWNEWNEWNEW0000"));
        prop_assert_eq!(secret.as_deref(), Some("newsecret"));
    }
}

/// The naive merged view of a credentials-file profile, from the full document.
fn naive(text: &str, name: &str) -> Option<Vec<(String, String)>> {
    let doc = Document::parse(text);
    let mut inside = false;
    let mut found = false;
    let mut map = std::collections::BTreeMap::new();
    for l in &doc.lines {
        if let LineKind::Header { .. } = l.kind {
            inside = l.header_name() == Some(name);
            found |= inside;
        }
        if inside {
            if let (Some(k), Some(v)) = (l.key(), l.value()) {
                map.insert(k.to_string(), v.to_string());
            }
        }
    }
    found.then(|| map.into_iter().filter(|(_, v)| !v.is_empty()).collect())
}

proptest! {
    #[test]
    fn fast_lookup_equals_a_full_scan(
        text in prop_oneof![profile_file(), ini_like()],
        name in prop_oneof![Just("a"), Just("b"), Just(" a "), Just("default")],
    ) {
        use sls_credentials::{FileKind, ProfileFile, ProfileSet};
        let set = ProfileSet::new(
            ProfileFile::from_text("c".into(), FileKind::Credentials, Some(text.clone())),
            ProfileFile::from_text("f".into(), FileKind::Config, None),
        );
        let fast = set.get(name).map(|p| {
            let keys: Vec<String> = p.keys().map(str::to_string).collect();
            keys.into_iter()
                .filter_map(|k| p.get(&k).map(|v| (k.clone(), v.to_string())))
                .collect::<Vec<_>>()
        });
        let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
        prop_assert_eq!(fast, naive(body, name));
    }
}

/// Profiles with every credential-related key, including self and cyclic sources.
fn chain_file() -> impl Strategy<Value = String> {
    let name = prop_oneof![Just("a"), Just("b"), Just("default")];
    let line = prop_oneof![
        Just("aws_access_key_id = AKIAOLDOLDOLDOLD0000"),
        Just("aws_secret_access_key = s"),
        Just("aws_session_token = t"),
        Just("role_arn = arn:aws:iam::1:role/r"),
        Just("source_profile = a"),
        Just("source_profile = b"),
        Just("source_profile = default"),
        Just("credential_source = Environment"),
        Just("credential_source = EcsContainer"),
        Just("credential_source = nope"),
        Just("web_identity_token_file = /t"),
        Just("credential_process = p"),
        Just("sso_session = corp"),
        Just("sso_start_url = u"),
        Just("sso_region = r"),
        Just("sso_account_id = 1"),
        Just("sso_role_name = n"),
        Just("duration_seconds = 3600"),
        Just("duration_seconds = x"),
        Just("mfa_serial = m"),
    ];
    let section = (name, prop::collection::vec(line, 0..6)).prop_map(|(n, ls)| {
        let mut s = format!("[{n}]\n");
        for l in ls {
            s.push_str(l);
            s.push('\n');
        }
        s
    });
    prop::collection::vec(section, 0..6).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn the_chain_never_panics(
        creds in prop_oneof![chain_file(), ini_like(), any::<String>()],
        profile in prop_oneof![Just("a"), Just("b"), Just("default"), Just("")],
        env_keys in any::<bool>(),
    ) {
        use sls_credentials::{resolve_chain_with, ChainInput, Env, FileKind, ProfileFile, ProfileSet};
        let set = ProfileSet::new(
            ProfileFile::from_text("c".into(), FileKind::Credentials, Some(creds)),
            ProfileFile::from_text("f".into(), FileKind::Config, Some("[sso-session corp]\nsso_start_url = u\nsso_region = r\n".into())),
        );
        let mut env = Env::new();
        env.insert("AWS_PROFILE".into(), profile.into());
        env.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
        if env_keys {
            env.insert("AWS_ACCESS_KEY_ID".into(), "AKIAENVENVENVENV0000".into());
            env.insert("AWS_SECRET_ACCESS_KEY".into(), "s".into());
        }
        let p = std::path::Path::new("/nonexistent");
        let input = ChainInput { env: &env, home: p, cwd: p, stage: "dev", aws_profile_option: None, provider_profile: Some("b"), provider_profile_expression: None };
        match resolve_chain_with(&input, &set) {
            Ok(r) => prop_assert_eq!(r.layers.len(), 10),
            Err(e) => { prop_assert!(!e.to_string().is_empty()); prop_assert_eq!(e.layers.len(), 10); }
        }
    }
}
