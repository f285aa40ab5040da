//! `sls sso login` / `sls sso logout` (the binary, in a temporary HOME) against the
//! loopback SSO stand-in (`sls_testkit::sso`: no real IAM Identity Center can run
//! here), then the token read back by sls's credential chain and by botocore.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use crate::common::Sls;
use sls_testkit::sso::{self, Options, SsoStandIn, TokenAnswer};

const CONFIG: &str = "\
[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Developer
region = eu-west-1

[profile keys-only]
region = eu-west-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access
";

/// `~/.aws/sso/cache/<sha1 of "corp">.json`.
fn token_path(sls: &Sls) -> std::path::PathBuf {
    sls_aws::sso_token_file(&sls.home, "corp")
}

fn sls_with(standin: &SsoStandIn) -> Sls {
    let mut sls = Sls::new();
    sls.config(CONFIG);
    sls.env("AWS_ENDPOINT_URL_SSO_OIDC", &standin.endpoint())
        .env("AWS_ENDPOINT_URL_SSO", &standin.endpoint())
        // Any other AWS call would go here, where nothing listens.
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
    sls
}

fn assert_no_secret(text: &str) {
    for secret in [
        sso::ACCESS_TOKEN,
        sso::REFRESHED_ACCESS_TOKEN,
        sso::REFRESH_TOKEN,
        sso::CLIENT_SECRET,
        sso::DEVICE_CODE,
        sso::ROLE_SECRET,
        sso::ROLE_SESSION_TOKEN,
    ] {
        assert!(!text.contains(secret), "secret {secret} in output:\n{text}");
    }
}

/// A `BROWSER` that records being started: it must not be, without a terminal.
fn recording_browser(sls: &mut Sls) -> std::path::PathBuf {
    let marker = sls.root.root().join("browser-was-opened");
    let script = sls.home_file(
        "bin/browser",
        &format!("#!/bin/sh\necho \"$@\" > {}\n", marker.display()),
    );
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    sls.env("BROWSER", &script.display().to_string());
    marker
}

#[test]
fn login_writes_the_token_that_sls_and_botocore_then_use() {
    let standin = SsoStandIn::start(Options::default()); // pending once, then the token
    let mut sls = sls_with(&standin);
    let browser = recording_browser(&mut sls);

    let started = Instant::now();
    let run = sls.run(&["sso", "login", "--aws-profile", "dev"]).ok();
    let elapsed = started.elapsed();
    let polls = standin.calls("CreateToken");
    assert_eq!(polls.len(), 2, "pending, then the token");
    // The service's interval (1 s) separated the polls.
    let gap = polls[1].at - polls[0].at;
    assert!(gap >= Duration::from_millis(950), "{gap:?}");
    eprintln!(
        "sso login against the stand-in: {elapsed:?} in all, {:?} without the 1 s polling interval",
        elapsed.saturating_sub(gap)
    );

    assert!(run.stderr.contains(sso::USER_CODE), "{}", run.stderr);
    assert!(run.stderr.contains("https://device.sso.stand-in.invalid/"));
    assert!(
        run.stdout
            .contains("Signed in to https://corp.awsapps.com/start"),
        "{}",
        run.stdout
    );
    assert_no_secret(&run.all());
    assert!(!browser.exists(), "no terminal: the browser must not open");

    let path = token_path(&sls);
    assert_eq!(
        path.file_name().unwrap(),
        "ee0bfd2552fbd840c02cc48b6e823320543c450f.json"
    );
    assert!(run.stdout.contains(&path.display().to_string()));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let token: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(token["accessToken"], sso::ACCESS_TOKEN);
    assert_eq!(token["startUrl"], "https://corp.awsapps.com/start");

    // `credentials show` names the session, the start URL and the token's expiry.
    let show = sls
        .run(&["credentials", "show", "--aws-profile", "dev"])
        .ok();
    assert!(
        show.stdout.contains(
            "SSO session:  \"corp\", start URL https://corp.awsapps.com/start, region eu-west-1"
        ),
        "{}",
        show.stdout
    );
    let expires = token["expiresAt"].as_str().unwrap();
    assert!(
        show.stdout
            .contains(&format!("SSO token:    expires at {expires}")),
        "{}",
        show.stdout
    );
    let json = sls
        .run(&["credentials", "show", "--aws-profile", "dev", "--json"])
        .ok()
        .json();
    assert_eq!(json["sso"]["session"], "corp");
    assert_eq!(json["sso"]["tokenState"], "valid");
    assert_eq!(json["sso"]["tokenExpiresAt"], expires);
    assert_eq!(json["sso"]["refreshable"], true);

    // The chain's SSO step gets the role's credentials with the cached token.
    let moto = sls_testkit::MotoServer::start();
    sls.env("AWS_ENDPOINT_URL_STS", &moto.endpoint());
    let verify = sls
        .run(&[
            "credentials",
            "show",
            "--aws-profile",
            "dev",
            "--verify",
            "--json",
        ])
        .ok();
    assert!(
        verify.json()["identity"]["arn"].is_string(),
        "{}",
        verify.stdout
    );
    let get = standin.calls("GetRoleCredentials");
    assert_eq!(get.len(), 1);
    assert_eq!(
        get[0].header("x-amz-sso_bearer_token"),
        Some(sso::ACCESS_TOKEN)
    );
    assert!(get[0].path.contains("role_name=Developer"));
    assert_no_secret(&format!("{}{}{}", show.all(), verify.all(), json));

    // botocore, with the same HOME, reads the token sls wrote and resolves the
    // profile's role credentials from the stand-in with it.
    let python = sls_testkit::workspace_root().join(".venv-moto/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/setup-moto.sh (botocore comes with moto)",
        python.display()
    );
    let snippet = r#"
import json, os, botocore.session
from botocore.credentials import JSONFileCache
from botocore.utils import SSOTokenLoader
loader = SSOTokenLoader(cache=JSONFileCache(os.path.expanduser("~/.aws/sso/cache")))
token = loader("https://corp.awsapps.com/start", session_name="corp")
creds = botocore.session.Session(profile="dev").get_credentials().get_frozen_credentials()
print(json.dumps({"token_matches": token["accessToken"] == os.environ["EXPECTED_TOKEN"],
                  "expiresAt": token["expiresAt"], "access_key": creds.access_key}))
"#;
    let out = std::process::Command::new(&python)
        .args(["-c", snippet])
        .env_clear()
        .envs(&sls.env)
        .env("EXPECTED_TOKEN", sso::ACCESS_TOKEN)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "botocore failed:\n{}{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let botocore: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(botocore["token_matches"], true);
    assert_eq!(botocore["expiresAt"], expires);
    assert_eq!(botocore["access_key"], sso::ROLE_ACCESS_KEY_ID);
    assert_eq!(standin.calls("GetRoleCredentials").len(), 2);

    // Logout revokes the token at the portal and removes it.
    let logout = sls.run(&["sso", "logout"]).ok();
    assert!(
        logout.stdout.contains("removed 1 SSO token"),
        "{}",
        logout.stdout
    );
    assert!(!path.exists());
    let revoked = standin.calls("Logout");
    assert_eq!(revoked.len(), 1);
    assert_eq!(
        revoked[0].header("x-amz-sso_bearer_token"),
        Some(sso::ACCESS_TOKEN)
    );
    assert_no_secret(&logout.all());
    // Then sls asks for a login again, naming sls's own command.
    let after = sls
        .run(&["credentials", "show", "--aws-profile", "dev", "--verify"])
        .failed(1);
    assert!(
        after.stderr.contains("sls sso login --aws-profile dev"),
        "{}",
        after.stderr
    );
}

#[test]
fn a_denied_login_leaves_no_token() {
    let standin = SsoStandIn::start(Options {
        script: vec![TokenAnswer::AccessDenied],
        ..Options::default()
    });
    let sls = sls_with(&standin);
    let run = sls
        .run(&["sso", "login", "--aws-profile", "dev", "--no-browser"])
        .failed(1);
    assert!(run.stderr.contains("was denied"), "{}", run.stderr);
    assert!(
        run.stderr.contains("sls sso login --aws-profile dev"),
        "{}",
        run.stderr
    );
    // --no-browser prints the page with the code filled in too.
    assert!(
        run.stderr.contains("which has the code filled in"),
        "{}",
        run.stderr
    );
    assert!(!token_path(&sls).exists());
    assert_no_secret(&run.all());
}

#[test]
fn an_expired_token_without_refresh_token_names_sls_sso_login() {
    let standin = SsoStandIn::start(Options::default());
    let sls = sls_with(&standin);
    sls.home_file(
        &token_path(&sls)
            .strip_prefix(&sls.home)
            .unwrap()
            .display()
            .to_string(),
        &format!(
            r#"{{"startUrl":"https://corp.awsapps.com/start","region":"eu-west-1","accessToken":"{}","expiresAt":"2020-01-01T00:00:00Z"}}"#,
            sso::ACCESS_TOKEN
        ),
    );
    let run = sls
        .run(&["credentials", "show", "--aws-profile", "dev", "--verify"])
        .failed(1);
    assert!(
        run.stderr.contains("Run `sls sso login --aws-profile dev`"),
        "{}",
        run.stderr
    );
    assert!(!run.all().contains("aws sso login"), "{}", run.all());
    let show = sls
        .run(&["credentials", "show", "--aws-profile", "dev"])
        .ok();
    assert!(
        show.stdout.contains(
            "SSO token:    expired at 2020-01-01T00:00:00Z; run `sls sso login --aws-profile dev`"
        ),
        "{}",
        show.stdout
    );
    assert!(
        standin.requests().is_empty(),
        "nothing to refresh with, no call"
    );
    assert_no_secret(&format!("{}{}", run.all(), show.all()));
}

#[test]
fn login_picks_the_profile_like_every_command_and_refuses_non_sso_profiles() {
    let standin = SsoStandIn::start(Options {
        script: vec![],
        ..Options::default()
    });
    let mut sls = sls_with(&standin);
    // AWS_PROFILE chooses the profile when --aws-profile is absent.
    sls.env("AWS_PROFILE", "keys-only");
    let run = sls.run(&["sso", "login"]).failed(1);
    assert!(
        run.stderr.contains("AWS profile \"keys-only\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("is not an SSO profile"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("(profile from AWS_PROFILE)"),
        "{}",
        run.stderr
    );
    assert!(standin.requests().is_empty());
    // --sso-session needs no profile.
    let run = sls.run(&["sso", "login", "--sso-session", "corp"]).ok();
    assert!(
        run.stdout.contains("sso-session \"corp\""),
        "{}",
        run.stdout
    );
    assert!(token_path(&sls).exists());
}
