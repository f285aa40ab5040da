//! The serverless.yml variable parser (sls-config) on arbitrary text: never
//! panics, and every variable's span lies inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sls_config::vars::parse::parse;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(Some(vars)) = parse(s) {
        let len = s.chars().count();
        for v in vars {
            if let Some((a, b)) = v.span {
                assert!(
                    a <= b && b <= len,
                    "span {a}..{b} outside 0..{len} for {s:?}"
                );
            }
        }
    }
});
