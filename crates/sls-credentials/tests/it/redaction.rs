//! No secret in any Debug/Display/error/Serialize output of this crate.

use crate::common;
use sls_hint::Hint;

use common::Home;
use sls_credentials::{configure_credentials, describe, load_profiles, Plan, ProfileSet};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY";
const TOKEN: &str = "FwoGZXIvYXdzSESSIONTOKENVALUE";
const KEY: &str = "AKIAIOSFODNN7EXAMPLE";

fn assert_clean(what: &str, s: &str) {
    assert!(!s.contains(SECRET), "secret in {what}: {s}");
    assert!(!s.contains(TOKEN), "token in {what}: {s}");
    assert!(!s.contains(KEY), "unmasked key id in {what}: {s}");
}

fn check_everything(h: &Home) {
    match h.resolve() {
        Ok(r) => {
            assert_clean("Debug(Resolution)", &format!("{r:?}"));
            assert_clean("Debug(Resolution) pretty", &format!("{r:#?}"));
            assert_clean("json", &serde_json::to_string(&r).unwrap());
            if let Some(plan) = &r.plan {
                assert_clean("describe", &describe(plan));
                assert_clean("json(plan)", &serde_json::to_string(plan).unwrap());
            }
            for w in &r.warnings {
                assert_clean("warning", w);
            }
            if let Some(n) = &r.notice {
                assert_clean("notice", n);
            }
        }
        Err(e) => {
            assert_clean("Display(ChainError)", &e.to_string());
            assert_clean("Debug(ChainError)", &format!("{e:?}"));
            assert_clean("help", &e.hint().unwrap());
            assert_clean("json(layers)", &serde_json::to_string(&e.layers).unwrap());
        }
    }
    let set: ProfileSet = load_profiles(&h.env, h.home(), &h.cwd());
    for name in set.profile_names() {
        assert_clean("Debug(Profile)", &format!("{:?}", set.get(&name).unwrap()));
    }
}

#[test]
fn static_env_and_profile_plans_are_redacted() {
    let mut h = Home::new();
    h.creds(&format!(
        "[default]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n\
         [role]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = default\n"
    ));
    check_everything(&h);
    h.set("AWS_PROFILE", "role");
    check_everything(&h);
    h.set("AWS_ACCESS_KEY_ID", KEY)
        .set("AWS_SECRET_ACCESS_KEY", SECRET)
        .set("AWS_SESSION_TOKEN", TOKEN);
    h.env.remove("AWS_PROFILE");
    check_everything(&h);
    let r = h.resolve().unwrap();
    match r.plan.unwrap() {
        Plan::Static { keys, .. } => {
            // the value is still there for the executor
            assert_eq!(keys.secret_access_key.expose(), SECRET);
            assert_clean("Display(Secret)", &keys.secret_access_key.to_string());
        }
        p => panic!("{p:?}"),
    }
}

#[test]
fn errors_and_warnings_about_incomplete_profiles_are_redacted() {
    let mut h = Home::new();
    // secret without key id in default (warning) and in a named profile (error)
    h.creds(&format!(
        "[default]\naws_secret_access_key = {SECRET}\n[p]\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n"
    ));
    check_everything(&h);
    h.set("AWS_PROFILE", "p");
    check_everything(&h);
    // half an env pair
    let mut h = Home::new();
    h.set("AWS_SECRET_ACCESS_KEY", SECRET);
    check_everything(&h);
}

#[test]
fn configure_errors_are_redacted() {
    let h = Home::new();
    let p = h.creds_path();
    std::fs::write(&p, "[x]\n").unwrap();
    for (k, s) in [
        (KEY, "bad secret with spaces"),
        ("bad key", SECRET),
        (KEY, ""),
    ] {
        let e = configure_credentials(&p, "new", k, s, false).unwrap_err();
        let text = format!("{e} {e:?}");
        assert!(!text.contains("bad secret"), "{text}");
        assert_clean("configure error", &text);
    }
    let e = configure_credentials(&p, "x", KEY, SECRET, false).unwrap_err();
    assert_clean("configure error", &format!("{e} {e:?}"));
}

#[test]
fn documents_files_and_inputs_are_redacted_in_debug() {
    let mut h = Home::new();
    let text = format!("[p]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n");
    h.creds(&text);
    h.set("AWS_SECRET_ACCESS_KEY", SECRET);
    let doc = sls_credentials::Document::parse(&text);
    assert_clean("Debug(Document)", &format!("{doc:?}"));
    for l in sls_credentials::document::scan(&text) {
        assert_clean("Debug(ScannedLine)", &format!("{l:?}"));
    }
    let set = load_profiles(&h.env, h.home(), &h.cwd());
    assert_clean("Debug(ProfileSet)", &format!("{set:?}"));
    let p = set.get("p").unwrap();
    assert_clean(
        "Debug(Entry)",
        &format!("{:?}", p.entry("aws_secret_access_key").unwrap()),
    );
    let cwd = h.cwd();
    let input = sls_credentials::ChainInput {
        env: &h.env,
        home: h.home(),
        cwd: &cwd,
        stage: "dev",
        aws_profile_option: None,
        provider_profile: None,
        provider_profile_expression: None,
    };
    assert_clean("Debug(ChainInput)", &format!("{input:?}"));
}
