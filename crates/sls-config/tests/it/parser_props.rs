//! Bad input never panics: random strings through the variable parser, the YAML reader and
//! the whole resolver.

use proptest::prelude::*;
use sls_config::vars::parse::parse;

/// Strings built from the characters that matter to the parser, so that deep states are hit.
fn syntaxy() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("${".to_string()),
            Just("}".to_string()),
            Just("$".to_string()),
            Just("\\".to_string()),
            Just(":".to_string()),
            Just(",".to_string()),
            Just("(".to_string()),
            Just(")".to_string()),
            Just("'".to_string()),
            Just("\"".to_string()),
            Just(" ".to_string()),
            Just("self".to_string()),
            Just("opt".to_string()),
            Just("file".to_string()),
            Just("a.b".to_string()),
            Just("AWS::".to_string()),
            Just("1".to_string()),
            "[a-zA-Z0-9._-]{0,4}",
            any::<char>().prop_map(|c| c.to_string()),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn parser_never_panics_on_any_string(s in any::<String>()) {
        let _ = parse(&s);
    }

    #[test]
    fn parser_never_panics_on_variable_like_strings(s in syntaxy()) {
        if let Ok(Some(vars)) = parse(&s) {
            let len = s.chars().count();
            for v in vars {
                if let Some((a, b)) = v.span {
                    prop_assert!(a <= b && b <= len, "span {a}..{b} outside 0..{len} for {s:?}");
                }
            }
        }
    }

}

proptest! {
    // These write a file per case; fewer cases keep the suite quick.
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn resolver_never_panics(s in syntaxy(), t in syntaxy()) {
        let dir = tempfile::tempdir().unwrap();
        let yaml = format!(
            "service: x\nprovider:\n  name: aws\n  stage: {}\ncustom:\n  a: {}\n  b: {}\n  c: ${{self:custom.a}}-${{self:custom.b}}\n",
            serde_json::to_string(&s).unwrap(),
            serde_json::to_string(&t).unwrap(),
            serde_json::to_string(&format!("{s}{t}")).unwrap(),
        );
        let path = dir.path().join("serverless.yml");
        std::fs::write(&path, yaml).unwrap();
        let file = match sls_config::read_service_file(&path) {
            Ok(f) => f,
            Err(_) => return Ok(()),
        };
        let options = sls_config::CliOptions::default();
        let env = sls_config::Env::new();
        let ctx = sls_config::Context { options: &options, env: &env, instance_id: "1".into() };
        if let Ok(p1) = sls_config::resolve_phase1(&file, &ctx) {
            let _ = sls_config::resolve_service(&file, &ctx, &p1, None);
        }
    }

    #[test]
    fn yaml_reader_never_panics(s in "[ -~\n\t]{0,200}") {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("serverless.yml");
        std::fs::write(&path, s).unwrap();
        let _ = sls_config::read_service_file(&path);
    }
}
