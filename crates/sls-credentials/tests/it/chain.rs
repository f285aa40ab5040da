//! The credential chain, row by row of compat.md §1 and §2, on real files.

use crate::common;
use sls_hint::Hint;

use common::{key_of, kid, section, state, Home};
use sls_credentials::{ChainErrorKind, LayerKind, LayerState, Origin, Plan, ProfileError};

// ---- layer 1: AWS_DEFAULT_PROFILE, else default ----

#[test]
fn default_profile_is_used_when_nothing_else_is_set() {
    let h = Home::new();
    h.creds(&section("default", "d"));
    let r = h.resolve().unwrap();
    assert_eq!(key_of(&r), Some(kid("d")));
    assert_eq!(r.profile.as_deref(), Some("default"));
    assert_eq!(state(&r, LayerKind::DefaultProfile), LayerState::Used);
    assert!(r.notice.is_none());
    match r.plan.unwrap() {
        Plan::Static {
            origin: Origin::Profile { name, file },
            ..
        } => {
            assert_eq!(name, "default");
            assert_eq!(file, h.creds_path());
        }
        p => panic!("{p:?}"),
    }
}

#[test]
fn aws_default_profile_names_the_layer_1_profile() {
    let mut h = Home::new();
    h.creds(&(section("default", "d") + &section("team", "t")));
    h.set("AWS_DEFAULT_PROFILE", "team");
    assert_eq!(h.key(), Some(kid("t")));
}

#[test]
fn missing_aws_default_profile_is_silent_and_default_is_not_tried() {
    let mut h = Home::new();
    h.creds(&section("default", "d"));
    h.set("AWS_DEFAULT_PROFILE", "nope");
    let r = h.resolve().unwrap();
    assert_eq!(key_of(&r), None);
    assert!(r.plan.is_none(), "IMDS disabled, nothing else: no plan");
    assert_eq!(state(&r, LayerKind::DefaultProfile), LayerState::NotSet);
}

#[test]
fn missing_default_is_not_an_error() {
    let h = Home::new();
    let r = h.resolve().unwrap();
    assert!(r.plan.is_none());
    assert!(r.warnings.is_empty());
}

#[test]
fn empty_or_undefined_aws_default_profile_means_default() {
    for v in ["", "undefined"] {
        let mut h = Home::new();
        h.creds(&section("default", "d"));
        h.set("AWS_DEFAULT_PROFILE", v);
        assert_eq!(h.key(), Some(kid("d")), "{v:?}");
    }
}

#[test]
fn incomplete_default_profile_yields_nothing_with_a_warning() {
    let h = Home::new();
    h.creds("[default]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\n");
    let r = h.resolve().unwrap();
    assert!(r.plan.is_none());
    assert_eq!(state(&r, LayerKind::DefaultProfile), LayerState::Ignored);
    assert_eq!(r.warnings.len(), 1);
    assert!(
        r.warnings[0].contains("aws_secret_access_key"),
        "{:?}",
        r.warnings
    );
}

#[test]
fn region_only_default_in_config_is_silent() {
    let h = Home::new();
    h.config("[default]\nregion = eu-west-1\noutput = json\n");
    let r = h.resolve().unwrap();
    assert!(r.plan.is_none());
    assert!(r.warnings.is_empty());
}

// ---- layer 2: provider.profile ----

#[test]
fn provider_profile_is_used_and_reported_with_its_expression() {
    let mut h = Home::new();
    h.creds(&(section("default", "d") + &section("prod", "p")));
    h.provider_profile = Some("prod".into());
    h.provider_expression = Some("${self:custom.profiles.${sls:stage}}".into());
    let r = h.resolve().unwrap();
    assert_eq!(key_of(&r), Some(kid("p")));
    let l = r.used_layer().unwrap();
    assert_eq!(l.layer, "provider.profile");
    assert!(
        l.detail.contains(
            "profile \"prod\" from provider.profile = ${self:custom.profiles.${sls:stage}}"
        ),
        "{}",
        l.detail
    );
    assert!(l.detail.contains("AKIA…XXXX"), "{}", l.detail);
    // the implicit default is the baseline: no notice
    assert!(r.notice.is_none());
}

#[test]
fn missing_provider_profile_is_an_error() {
    let mut h = Home::new();
    h.creds(&section("default", "d"));
    h.provider_profile = Some("nope".into());
    assert_eq!(
        h.err(),
        "AWS profile \"nope\" doesn't seem to be configured"
    );
}

#[test]
fn missing_provider_profile_is_an_error_even_if_a_later_layer_wins() {
    let mut h = Home::new();
    h.creds(&section("team", "t"));
    h.provider_profile = Some("nope".into());
    h.set("AWS_PROFILE", "team");
    let e = h.resolve().unwrap_err();
    assert_eq!(e.layer, "provider.profile");
    assert!(matches!(e.kind, ChainErrorKind::ProfileNotConfigured { ref name } if name == "nope"));
    assert!(e.hint().unwrap().contains("credentials"));
    // the report is complete even on error
    assert_eq!(
        e.layers
            .iter()
            .find(|l| l.kind == LayerKind::EnvProfile)
            .unwrap()
            .state,
        LayerState::Found
    );
}

#[test]
fn provider_profile_is_skipped_entirely_with_aws_profile_option() {
    let mut h = Home::new();
    h.creds(&section("cli", "c"));
    h.provider_profile = Some("does-not-exist".into());
    h.option = Some("cli".into());
    let r = h.resolve().unwrap();
    assert_eq!(key_of(&r), Some(kid("c")));
    assert_eq!(state(&r, LayerKind::ProviderProfile), LayerState::Skipped);
}

// ---- layer 3: env keys ----

#[test]
fn env_keys_with_session_token() {
    let mut h = Home::new();
    h.set("AWS_ACCESS_KEY_ID", &kid("e"))
        .set("AWS_SECRET_ACCESS_KEY", "s")
        .set("AWS_SESSION_TOKEN", "tok");
    let r = h.resolve().unwrap();
    match r.plan.unwrap() {
        Plan::Static { keys, origin } => {
            assert_eq!(keys.access_key_id, kid("e"));
            assert_eq!(keys.session_token.unwrap().expose(), "tok");
            assert_eq!(
                origin,
                Origin::EnvVars {
                    key_id_var: "AWS_ACCESS_KEY_ID".into()
                }
            );
        }
        p => panic!("{p:?}"),
    }
}

#[test]
fn env_key_without_secret_is_ignored_as_a_pair() {
    for (k, v) in [
        ("AWS_ACCESS_KEY_ID", kid("e")),
        ("AWS_SECRET_ACCESS_KEY", "s".to_string()),
    ] {
        let mut h = Home::new();
        h.creds(&section("default", "d"));
        h.set(k, &v);
        let r = h.resolve().unwrap();
        assert_eq!(key_of(&r), Some(kid("d")));
        assert_eq!(state(&r, LayerKind::EnvKeys), LayerState::Ignored);
        assert_eq!(r.warnings.len(), 1);
    }
}

#[test]
fn env_values_empty_and_undefined_are_unset_whitespace_is_kept() {
    let mut h = Home::new();
    h.creds(&section("default", "d"));
    h.set("AWS_ACCESS_KEY_ID", "")
        .set("AWS_SECRET_ACCESS_KEY", "s");
    assert_eq!(h.key(), Some(kid("d")));
    h.set("AWS_ACCESS_KEY_ID", "undefined");
    assert_eq!(h.key(), Some(kid("d")));
    h.set("AWS_ACCESS_KEY_ID", " AKIAWITHSPACES000 ");
    assert_eq!(h.key().as_deref(), Some(" AKIAWITHSPACES000 "));
    // a session token of "undefined" is no token
    h.set("AWS_SESSION_TOKEN", "undefined");
    match h.resolve().unwrap().plan.unwrap() {
        Plan::Static { keys, .. } => assert!(keys.session_token.is_none()),
        p => panic!("{p:?}"),
    }
}

// ---- layer 4: AWS_PROFILE ----

#[test]
fn aws_profile_is_used() {
    let mut h = Home::new();
    h.creds(&section("team", "t"));
    h.set("AWS_PROFILE", "team");
    assert_eq!(h.key(), Some(kid("t")));
}

#[test]
fn missing_aws_profile_is_an_error_even_with_aws_profile_option() {
    let mut h = Home::new();
    h.creds(&section("cli", "c"));
    h.set("AWS_PROFILE", "ghost");
    h.option = Some("cli".into());
    assert_eq!(
        h.err(),
        "AWS profile \"ghost\" doesn't seem to be configured"
    );
}

// ---- layers 5 and 6: stage env ----

#[test]
fn stage_env_vars_upper_mixed_and_hyphenated() {
    for (stage, prefix) in [
        ("dev", "AWS_DEV"),
        ("prod", "AWS_PROD"),
        ("Prod", "AWS_PROD"),
        ("my-stage", "AWS_MY-STAGE"),
        ("qa_2", "AWS_QA_2"),
    ] {
        let mut h = Home::new();
        h.stage = stage.into();
        h.set(&format!("{prefix}_ACCESS_KEY_ID"), &kid("s"))
            .set(&format!("{prefix}_SECRET_ACCESS_KEY"), "x");
        let r = h.resolve().unwrap();
        assert_eq!(key_of(&r), Some(kid("s")), "{stage}");
        assert_eq!(
            r.used_layer().unwrap().layer,
            format!("{prefix}_ACCESS_KEY_ID")
        );
    }
}

#[test]
fn other_stage_vars_are_not_used() {
    let mut h = Home::new();
    h.stage = "dev".into();
    h.set("AWS_PROD_ACCESS_KEY_ID", &kid("s"))
        .set("AWS_PROD_SECRET_ACCESS_KEY", "x");
    assert_eq!(h.key(), None);
}

#[test]
fn stage_profile_and_its_missing_error() {
    let mut h = Home::new();
    h.stage = "my-stage".into();
    h.creds(&section("staged", "s"));
    h.set("AWS_MY-STAGE_PROFILE", "staged");
    assert_eq!(h.key(), Some(kid("s")));
    h.set("AWS_MY-STAGE_PROFILE", "missing");
    assert_eq!(
        h.err(),
        "AWS profile \"missing\" doesn't seem to be configured"
    );
}

#[test]
fn per_stage_profiles_through_provider_profile() {
    for (stage, tag) in [("dev", "dv"), ("prod", "pr")] {
        let mut h = Home::new();
        h.stage = stage.into();
        h.creds(&(section("acme-dev", "dv") + &section("acme-prod", "pr")));
        h.provider_profile = Some(format!("acme-{stage}"));
        h.provider_expression = Some("acme-${sls:stage}".into());
        assert_eq!(h.key(), Some(kid(tag)));
    }
}

// ---- layer 7: --aws-profile ----

#[test]
fn aws_profile_option_and_empty_value() {
    let mut h = Home::new();
    h.creds(&(section("default", "d") + &section("cli", "c")));
    h.option = Some("cli".into());
    assert_eq!(h.key(), Some(kid("c")));
    h.option = Some(String::new());
    assert_eq!(h.key(), Some(kid("d")));
    h.option = Some("ghost".into());
    assert_eq!(
        h.err(),
        "AWS profile \"ghost\" doesn't seem to be configured"
    );
}

// ---- every pair of layers: the later one wins ----

fn setup_layer(h: &mut Home, layer: usize, creds: &mut String) {
    let tag = format!("l{layer}");
    match layer {
        1 => creds.push_str(&section("default", &tag)),
        2 => {
            creds.push_str(&section("p2", &tag));
            h.provider_profile = Some("p2".into());
        }
        3 => {
            h.set("AWS_ACCESS_KEY_ID", &kid(&tag))
                .set("AWS_SECRET_ACCESS_KEY", "x");
        }
        4 => {
            creds.push_str(&section("p4", &tag));
            h.set("AWS_PROFILE", "p4");
        }
        5 => {
            h.set("AWS_PROD_ACCESS_KEY_ID", &kid(&tag))
                .set("AWS_PROD_SECRET_ACCESS_KEY", "x");
        }
        6 => {
            creds.push_str(&section("p6", &tag));
            h.set("AWS_PROD_PROFILE", "p6");
        }
        7 => {
            creds.push_str(&section("p7", &tag));
            h.option = Some("p7".into());
        }
        _ => unreachable!(),
    }
}

#[test]
fn each_pair_of_layers_the_later_wins() {
    for a in 1..=7 {
        for b in a + 1..=7 {
            let mut h = Home::new();
            h.stage = "prod".into();
            let mut creds = String::new();
            setup_layer(&mut h, a, &mut creds);
            setup_layer(&mut h, b, &mut creds);
            h.creds(&creds);
            let r = h.resolve().unwrap_or_else(|e| panic!("{a},{b}: {e}"));
            assert_eq!(
                key_of(&r),
                Some(kid(&format!("l{b}"))),
                "layers {a} and {b}"
            );
            let used = r.used_layer().unwrap();
            // notice only when an explicitly set layer lost (not the implicit default,
            // not provider.profile skipped because of --aws-profile)
            let expect_notice = a != 1 && !(a == 2 && b == 7);
            assert_eq!(r.notice.is_some(), expect_notice, "{a},{b}: {:?}", r.notice);
            if let Some(n) = &r.notice {
                assert!(
                    n.starts_with(&format!("Using credentials from {}", used.layer)),
                    "{n}"
                );
            }
        }
    }
}

#[test]
fn all_seven_layers_set_the_last_wins_and_the_rest_are_overridden() {
    let mut h = Home::new();
    h.stage = "prod".into();
    let mut creds = String::new();
    for l in [1, 3, 4, 5, 6, 7] {
        setup_layer(&mut h, l, &mut creds);
    }
    h.creds(&creds);
    let r = h.resolve().unwrap();
    assert_eq!(key_of(&r), Some(kid("l7")));
    let states: Vec<_> = r.layers.iter().map(|l| l.state).collect();
    use LayerState::*;
    assert_eq!(
        states,
        vec![
            Overridden, NotSet, Overridden, Overridden, Overridden, Overridden, Used, Skipped,
            Skipped, Skipped
        ]
    );
    assert_eq!(
        r.notice.as_deref(),
        Some("Using credentials from --aws-profile (\"p7\"); it overrides AWS_ACCESS_KEY_ID, AWS_PROFILE (\"p4\"), AWS_PROD_ACCESS_KEY_ID and AWS_PROD_PROFILE (\"p6\").")
    );
}

#[test]
fn notice_example_from_compat() {
    let mut h = Home::new();
    h.creds(&section("team", "t"));
    h.set("AWS_ACCESS_KEY_ID", &kid("e"))
        .set("AWS_SECRET_ACCESS_KEY", "x")
        .set("AWS_PROFILE", "team");
    let r = h.resolve().unwrap();
    assert_eq!(
        r.notice.as_deref(),
        Some("Using credentials from AWS_PROFILE (\"team\"); it overrides AWS_ACCESS_KEY_ID.")
    );
}

#[test]
fn explicit_aws_default_profile_counts_for_the_notice() {
    let mut h = Home::new();
    h.creds(&section("base", "b"));
    h.set("AWS_DEFAULT_PROFILE", "base")
        .set("AWS_ACCESS_KEY_ID", &kid("e"))
        .set("AWS_SECRET_ACCESS_KEY", "x");
    let r = h.resolve().unwrap();
    assert_eq!(
        r.notice.as_deref(),
        Some("Using credentials from AWS_ACCESS_KEY_ID; it overrides AWS_DEFAULT_PROFILE (\"base\").")
    );
}

// ---- fallbacks ----

#[test]
fn fallbacks_web_identity_then_container_then_imds() {
    let mut h = Home::new();
    h.env.remove("AWS_EC2_METADATA_DISABLED");
    assert_eq!(h.resolve().unwrap().plan, Some(Plan::InstanceMetadata));
    h.set("AWS_EC2_METADATA_DISABLED", "TRUE");
    assert_eq!(h.resolve().unwrap().plan, None);
    h.set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds");
    assert_eq!(h.resolve().unwrap().plan, Some(Plan::Container));
    h.env.remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    h.set(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "http://127.0.0.1/creds",
    );
    assert_eq!(h.resolve().unwrap().plan, Some(Plan::Container));
    h.set("AWS_WEB_IDENTITY_TOKEN_FILE", "/tmp/token");
    // without AWS_ROLE_ARN no web identity
    assert_eq!(h.resolve().unwrap().plan, Some(Plan::Container));
    h.set("AWS_ROLE_ARN", "arn:aws:iam::1:role/r")
        .set("AWS_ROLE_SESSION_NAME", "ci");
    let r = h.resolve().unwrap();
    assert_eq!(
        r.plan,
        Some(Plan::WebIdentity {
            profile: None,
            role_arn: "arn:aws:iam::1:role/r".into(),
            token_file: "/tmp/token".into(),
            session_name: Some("ci".into()),
        })
    );
    assert_eq!(state(&r, LayerKind::WebIdentityEnv), LayerState::Used);
    assert_eq!(state(&r, LayerKind::Container), LayerState::Skipped);
}

#[test]
fn fallbacks_are_not_consulted_when_a_layer_wins() {
    let mut h = Home::new();
    h.creds(&section("default", "d"));
    h.set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/x");
    let r = h.resolve().unwrap();
    assert_eq!(key_of(&r), Some(kid("d")));
    assert_eq!(state(&r, LayerKind::Container), LayerState::Skipped);
}

// ---- files ----

#[test]
fn shared_credentials_file_replaces_the_default_file() {
    let mut h = Home::new();
    h.creds(&section("default", "home"));
    let other = h.home().join("elsewhere");
    std::fs::write(&other, section("default", "else")).unwrap();
    h.set("AWS_SHARED_CREDENTIALS_FILE", other.to_str().unwrap());
    let r = h.resolve().unwrap();
    assert_eq!(key_of(&r), Some(kid("else")));
    assert_eq!(r.credentials_file, other);
}

#[test]
fn shared_credentials_file_missing_relative_directory_and_tilde() {
    let mut h = Home::new();
    h.creds(&section("default", "home"));
    // missing file: no profiles, not a crash, and ~/.aws/credentials is NOT used
    h.set("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/creds");
    assert_eq!(h.key(), None);
    // relative to cwd
    std::fs::write(h.cwd().join("rel-creds"), section("default", "rel")).unwrap();
    h.set("AWS_SHARED_CREDENTIALS_FILE", "rel-creds");
    assert_eq!(h.key(), Some(kid("rel")));
    // a directory in its place
    std::fs::create_dir_all(h.cwd().join("adir")).unwrap();
    h.set("AWS_SHARED_CREDENTIALS_FILE", "adir");
    assert_eq!(h.key(), None);
    // ~ is not expanded: "~/x" is relative to cwd
    std::fs::create_dir_all(h.cwd().join("~")).unwrap();
    std::fs::write(h.cwd().join("~").join("x"), section("default", "tilde")).unwrap();
    h.set("AWS_SHARED_CREDENTIALS_FILE", "~/x");
    assert_eq!(h.key(), Some(kid("tilde")));
    // empty counts as unset
    h.set("AWS_SHARED_CREDENTIALS_FILE", "");
    assert_eq!(h.key(), Some(kid("home")));
    // a missing named profile is still the v3 error
    h.set("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/creds")
        .set("AWS_PROFILE", "x");
    assert_eq!(h.err(), "AWS profile \"x\" doesn't seem to be configured");
}

#[test]
fn config_file_is_always_read_and_credentials_win_per_key() {
    let mut h = Home::new();
    h.config("[profile team]\naws_access_key_id = AKIACONFIGCONFIG0000\naws_secret_access_key = cfg\nregion = eu-west-1\n[team]\naws_access_key_id = AKIAIGNOREDIGNORED00\n");
    h.set("AWS_PROFILE", "team");
    assert_eq!(h.key().as_deref(), Some("AKIACONFIGCONFIG0000"));
    h.creds("[team]\naws_access_key_id = AKIACREDSCREDS000000\n");
    let r = h.resolve().unwrap();
    assert_eq!(key_of(&r).as_deref(), Some("AKIACREDSCREDS000000"));
    match r.plan.unwrap() {
        Plan::Static {
            keys,
            origin: Origin::Profile { file, .. },
        } => {
            assert_eq!(keys.secret_access_key.expose(), "cfg");
            assert_eq!(file, h.creds_path());
        }
        p => panic!("{p:?}"),
    }
    let set = sls_credentials::load_profiles(&h.env, h.home(), &h.cwd());
    assert_eq!(set.get("team").unwrap().get("region"), Some("eu-west-1"));
}

#[test]
fn aws_config_file_env_is_honoured() {
    let mut h = Home::new();
    let cfg = h.home().join("cfg");
    std::fs::write(
        &cfg,
        "[profile x]\naws_access_key_id = AKIAXXXXXXXXXXXXXXXX\naws_secret_access_key = s\n",
    )
    .unwrap();
    h.set("AWS_CONFIG_FILE", cfg.to_str().unwrap())
        .set("AWS_PROFILE", "x");
    assert_eq!(h.key().as_deref(), Some("AKIAXXXXXXXXXXXXXXXX"));
}

// ---- incomplete named profiles (compat.md §2.5) ----

#[test]
fn incomplete_named_profiles_are_errors_naming_profile_file_and_key() {
    let cases = [
        (
            "[p]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\n",
            "aws_secret_access_key",
        ),
        ("[p]\naws_secret_access_key = s\n", "aws_access_key_id"),
        ("[p]\naws_session_token = t\n", "aws_access_key_id"),
        (
            "[p]\nsso_start_url = https://x\nsso_region = us-east-1\nsso_account_id = 1\n",
            "sso_role_name",
        ),
        ("[p]\nrole_arn = arn:aws:iam::1:role/r\n", "source_profile"),
        ("[p]\nsource_profile = q\n", "role_arn"),
        ("[p]\nweb_identity_token_file = /t\n", "role_arn"),
        ("[p]\nregion = x\n", "no credentials"),
    ];
    for (text, missing) in cases {
        let mut h = Home::new();
        h.creds(text);
        h.set("AWS_PROFILE", "p");
        let e = h.err();
        assert!(e.contains("\"p\""), "{e}");
        assert!(e.contains(missing), "{text}: {e}");
        assert!(e.contains(h.creds_path().to_str().unwrap()), "{e}");
    }
}

// ---- profile kinds ----

fn plan_of(creds: &str, config: &str, profile: &str) -> Result<Plan, String> {
    let mut h = Home::new();
    h.creds(creds);
    h.config(config);
    h.set("AWS_PROFILE", profile);
    h.resolve()
        .map(|r| r.plan.unwrap())
        .map_err(|e| e.to_string())
}

#[test]
fn role_with_source_profile_and_options() {
    let creds = section("base", "b") + "[role]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\nmfa_serial = arn:aws:iam::1:mfa/me\nexternal_id = ext\nrole_session_name = sess\nduration_seconds = 3600\n";
    match plan_of(&creds, "", "role").unwrap() {
        Plan::AssumeRole {
            profile,
            role_arn,
            source,
            mfa_serial,
            external_id,
            session_name,
            duration_seconds,
        } => {
            assert_eq!(profile, "role");
            assert_eq!(role_arn, "arn:aws:iam::1:role/r");
            assert!(
                matches!(*source, Plan::Static { ref keys, .. } if keys.access_key_id == kid("b"))
            );
            assert_eq!(mfa_serial.as_deref(), Some("arn:aws:iam::1:mfa/me"));
            assert_eq!(external_id.as_deref(), Some("ext"));
            assert_eq!(session_name.as_deref(), Some("sess"));
            assert_eq!(duration_seconds, Some(3600));
        }
        p => panic!("{p:?}"),
    }
}

#[test]
fn role_chains_and_source_with_static_keys_and_role() {
    // base has keys AND a role: as a source, its static keys are used (SDK rule)
    let creds = "[base]\naws_access_key_id = AKIABASEBASEBASE0000\naws_secret_access_key = s\nrole_arn = arn:aws:iam::1:role/ignored\nsource_profile = other\n[mid]\nrole_arn = arn:aws:iam::1:role/mid\nsource_profile = base\n[top]\nrole_arn = arn:aws:iam::1:role/top\nsource_profile = mid\n";
    match plan_of(creds, "", "top").unwrap() {
        Plan::AssumeRole {
            role_arn, source, ..
        } => {
            assert_eq!(role_arn, "arn:aws:iam::1:role/top");
            match *source {
                Plan::AssumeRole {
                    role_arn, source, ..
                } => {
                    assert_eq!(role_arn, "arn:aws:iam::1:role/mid");
                    assert!(
                        matches!(*source, Plan::Static { ref keys, .. } if keys.access_key_id == "AKIABASEBASEBASE0000")
                    );
                }
                p => panic!("{p:?}"),
            }
        }
        p => panic!("{p:?}"),
    }
}

#[test]
fn self_referencing_source_profile_uses_own_keys() {
    let creds = "[me]\naws_access_key_id = AKIAMEMEMEMEMEMEMEME\naws_secret_access_key = s\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = me\n";
    match plan_of(creds, "", "me").unwrap() {
        Plan::AssumeRole { source, .. } => assert!(matches!(*source, Plan::Static { .. })),
        p => panic!("{p:?}"),
    }
}

#[test]
fn source_profile_cycles_and_missing_sources_are_errors() {
    let creds = "[a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n[b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n";
    let e = plan_of(creds, "", "a").unwrap_err();
    assert!(e.contains("a -> b -> a"), "{e}");
    let e = plan_of("[a]\nrole_arn = r\nsource_profile = ghost\n", "", "a").unwrap_err();
    assert!(e.contains("source_profile = \"ghost\""), "{e}");
}

#[test]
fn credential_sources() {
    let role =
        |src: &str| format!("[r]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = {src}\n");
    match plan_of(&role("EcsContainer"), "", "r").unwrap() {
        Plan::AssumeRole { source, .. } => assert_eq!(*source, Plan::Container),
        p => panic!("{p:?}"),
    }
    match plan_of(&role("Ec2InstanceMetadata"), "", "r").unwrap() {
        Plan::AssumeRole { source, .. } => assert_eq!(*source, Plan::InstanceMetadata),
        p => panic!("{p:?}"),
    }
    let e = plan_of(&role("Environment"), "", "r").unwrap_err();
    assert!(e.contains("AWS_ACCESS_KEY_ID"), "{e}");
    let mut h = Home::new();
    h.creds(&role("Environment"));
    h.set("AWS_PROFILE", "r")
        .set("AWS_ACCESS_KEY_ID", &kid("env"))
        .set("AWS_SECRET_ACCESS_KEY", "x");
    match h.resolve().unwrap().plan.unwrap() {
        Plan::AssumeRole { source, .. } => assert!(
            matches!(*source, Plan::Static { ref keys, .. } if keys.access_key_id == kid("env"))
        ),
        p => panic!("{p:?}"),
    }
    let e = plan_of(&role("Bogus"), "", "r").unwrap_err();
    assert!(e.contains("Bogus") && e.contains("Environment"), "{e}");
    let e = plan_of(&(role("EcsContainer") + "source_profile = x\n"), "", "r").unwrap_err();
    assert!(
        e.contains("both source_profile and credential_source"),
        "{e}"
    );
}

#[test]
fn bad_duration_seconds_names_profile_key_and_line() {
    let creds =
        section("b", "b") + "[r]\nrole_arn = arn\nsource_profile = b\nduration_seconds = 1h\n";
    let e = plan_of(&creds, "", "r").unwrap_err();
    assert!(
        e.contains("\"r\"") && e.contains("duration_seconds") && e.contains("line 7"),
        "{e}"
    );
    let creds =
        section("b", "b") + "[r]\nrole_arn = arn\nsource_profile = b\nduration_seconds = 60\n";
    let e = plan_of(&creds, "", "r").unwrap_err();
    assert!(e.contains("900"), "{e}");
}

#[test]
fn web_identity_process_and_sso_profiles() {
    let cfg = "[profile wi]\nrole_arn = arn:aws:iam::1:role/w\nweb_identity_token_file = /var/token\nrole_session_name = s\n\
[profile proc]\ncredential_process = /usr/bin/get-creds --json\n\
[profile sso]\nsso_session = corp\nsso_account_id = 111\nsso_role_name = Admin\n\
[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\
[profile legacy]\nsso_start_url = https://old/start\nsso_region = us-east-1\nsso_account_id = 222\nsso_role_name = Dev\n\
[profile nosess]\nsso_session = ghost\nsso_account_id = 1\nsso_role_name = r\n";
    assert_eq!(
        plan_of("", cfg, "wi").unwrap(),
        Plan::WebIdentity {
            profile: Some("wi".into()),
            role_arn: "arn:aws:iam::1:role/w".into(),
            token_file: "/var/token".into(),
            session_name: Some("s".into())
        }
    );
    assert_eq!(
        plan_of("", cfg, "proc").unwrap(),
        Plan::Process {
            profile: "proc".into(),
            command: "/usr/bin/get-creds --json".into()
        }
    );
    assert_eq!(
        plan_of("", cfg, "sso").unwrap(),
        Plan::Sso {
            profile: "sso".into(),
            session_name: Some("corp".into()),
            start_url: "https://corp.awsapps.com/start".into(),
            sso_region: "eu-west-1".into(),
            account_id: "111".into(),
            role_name: "Admin".into()
        }
    );
    assert_eq!(
        plan_of("", cfg, "legacy").unwrap(),
        Plan::Sso {
            profile: "legacy".into(),
            session_name: None,
            start_url: "https://old/start".into(),
            sso_region: "us-east-1".into(),
            account_id: "222".into(),
            role_name: "Dev".into()
        }
    );
    let e = plan_of("", cfg, "nosess").unwrap_err();
    assert!(e.contains("[sso-session ghost]"), "{e}");
}

#[test]
fn precedence_inside_a_profile() {
    // role (source_profile) beats web identity, sso, process and keys
    let all = section("b", "b") + "[x]\nrole_arn = arn:r\nsource_profile = b\nweb_identity_token_file = /t\ncredential_process = p\naws_access_key_id = AKIAXXXXXXXXXXXXXXXX\naws_secret_access_key = s\n";
    assert!(matches!(
        plan_of(&all, "", "x").unwrap(),
        Plan::AssumeRole { .. }
    ));
    // web identity beats sso / process / keys
    let wi = "[x]\nrole_arn = arn:r\nweb_identity_token_file = /t\ncredential_process = p\naws_access_key_id = AKIAXXXXXXXXXXXXXXXX\naws_secret_access_key = s\n";
    assert!(matches!(
        plan_of(wi, "", "x").unwrap(),
        Plan::WebIdentity { .. }
    ));
    // process beats static keys
    let pr = "[x]\ncredential_process = p\naws_access_key_id = AKIAXXXXXXXXXXXXXXXX\naws_secret_access_key = s\n";
    assert!(matches!(
        plan_of(pr, "", "x").unwrap(),
        Plan::Process { .. }
    ));
}

#[test]
fn chain_error_kind_is_matchable() {
    let mut h = Home::new();
    h.creds("[p]\naws_session_token = t\n");
    h.set("AWS_PROFILE", "p");
    let e = h.resolve().unwrap_err();
    assert!(matches!(
        e.kind,
        ChainErrorKind::Profile(ProfileError::Incomplete { .. })
    ));
    assert_eq!(e.layer, "AWS_PROFILE");
}

#[test]
fn no_notice_when_the_overridden_layer_gives_the_same_credentials() {
    let mut h = Home::new();
    h.creds(&section("prod", "p"));
    h.provider_profile = Some("prod".into());
    h.set("AWS_PROFILE", "prod");
    let r = h.resolve().unwrap();
    assert_eq!(key_of(&r), Some(kid("p")));
    assert_eq!(
        state(&r, LayerKind::ProviderProfile),
        LayerState::Overridden
    );
    assert!(r.notice.is_none(), "{:?}", r.notice);
}

#[test]
fn resolution_serializes_to_stable_json_without_secrets() {
    let mut h = Home::new();
    h.creds(&section("prod", "p"));
    h.set("AWS_PROFILE", "prod");
    let r = h.resolve().unwrap();
    let v: serde_json::Value = serde_json::to_value(&r).unwrap();
    assert_eq!(v["plan"]["type"], "static");
    assert_eq!(v["plan"]["keys"]["access_key_id"], "AKIA…XXXX");
    assert_eq!(v["plan"]["origin"]["kind"], "profile");
    assert_eq!(v["profile"], "prod");
    assert_eq!(v["layers"][3]["kind"], "env_profile");
    assert_eq!(v["layers"][3]["state"], "used");
    assert_eq!(v["layers"][0]["state"], "not_set");
    assert!(!v.to_string().contains("secret-p"));
}
