//! `sso_login` / `sso_logout` against the loopback SSO stand-in
//! (`sls_testkit::sso`: no real IAM Identity Center can run here), with a fake
//! clock whose sleeps return at once and are recorded, so the polling
//! intervals are checked exactly without waiting for them.

use sls_hint::Hint;
use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_smithy_async::rt::sleep::{AsyncSleep, SharedAsyncSleep, Sleep};
use aws_smithy_async::time::{SharedTimeSource, TimeSource};
use sls_aws::{
    registration_cache_key, resolve_credentials, sso_login, sso_logout, sso_token_file,
    AwsSettings, DeviceAuthorization, ErrorKind, LoginClock, LoginPrompt, NoMfaPrompt,
};
use sls_credentials::plan::Plan;
use sls_credentials::SsoLoginTarget;
use sls_testkit::sso::{self, Options, SsoStandIn, TokenAnswer};
use sls_testkit::TestEnv;

/// Time that moves only when slept; every sleep is recorded.
#[derive(Debug)]
struct FakeClock {
    now: Mutex<SystemTime>,
    slept: Mutex<Vec<Duration>>,
}

impl FakeClock {
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap()
    }
}

/// The clock as the SDK's time source and sleep.
#[derive(Debug, Clone)]
struct Handle(Arc<FakeClock>);

impl TimeSource for Handle {
    fn now(&self) -> SystemTime {
        self.0.now()
    }
}

impl AsyncSleep for Handle {
    fn sleep(&self, duration: Duration) -> Sleep {
        *self.0.now.lock().unwrap() += duration;
        self.0.slept.lock().unwrap().push(duration);
        Sleep::new(async {})
    }
}

fn fake_clock() -> (Arc<FakeClock>, LoginClock) {
    let clock = Arc::new(FakeClock {
        now: Mutex::new(SystemTime::now()),
        slept: Mutex::new(Vec::new()),
    });
    let login = LoginClock {
        time: SharedTimeSource::new(Handle(clock.clone())),
        sleep: SharedAsyncSleep::new(Handle(clock.clone())),
    };
    (clock, login)
}

/// Records what the user was shown.
#[derive(Default)]
struct Shown(Mutex<Vec<DeviceAuthorization>>);

impl LoginPrompt for Shown {
    fn show(&self, authorization: &DeviceAuthorization) {
        self.0.lock().unwrap().push(authorization.clone());
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn settings(t: &TestEnv, standin: &SsoStandIn) -> AwsSettings {
    let mut env = t.env.clone();
    env.insert("AWS_ENDPOINT_URL_SSO_OIDC".into(), standin.endpoint());
    env.insert("AWS_ENDPOINT_URL_SSO".into(), standin.endpoint());
    // Anything else would go here, where nothing listens.
    env.insert("AWS_ENDPOINT_URL".into(), "http://127.0.0.1:9".into());
    AwsSettings::new("us-east-1", env, t.home_path(), t.home_path())
}

fn session_target() -> SsoLoginTarget {
    SsoLoginTarget {
        profile: Some("dev".into()),
        session_name: Some("corp".into()),
        start_url: "https://corp.awsapps.com/start".into(),
        region: "eu-west-1".into(),
        scopes: vec!["sso:account:access".into()],
        scopes_configured: true,
    }
}

fn sso_plan() -> Plan {
    Plan::Sso {
        profile: "dev".into(),
        session_name: Some("corp".into()),
        start_url: "https://corp.awsapps.com/start".into(),
        sso_region: "eu-west-1".into(),
        account_id: "111122223333".into(),
        role_name: "Developer".into(),
    }
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn assert_no_secret(text: &str) {
    for secret in [
        sso::ACCESS_TOKEN,
        sso::REFRESH_TOKEN,
        sso::CLIENT_SECRET,
        sso::DEVICE_CODE,
        sso::ROLE_SECRET,
        sso::ROLE_SESSION_TOKEN,
    ] {
        assert!(!text.contains(secret), "secret {secret} in: {text}");
    }
}

#[test]
fn device_flow_honours_the_interval_and_writes_the_aws_cli_cache() {
    let t = TestEnv::new();
    let standin = SsoStandIn::start(Options {
        script: vec![
            TokenAnswer::Pending,
            TokenAnswer::SlowDown,
            TokenAnswer::Pending,
        ],
        interval: 2,
        ..Options::default()
    });
    let s = settings(&t, &standin);
    let target = session_target();
    let (clock, login_clock) = fake_clock();
    let shown = Shown::default();
    let outcome = rt()
        .block_on(sso_login(&s, &target, &shown, &login_clock))
        .unwrap();

    // pending → the service's 2 s; slow_down → 2 + 5; pending → still 7.
    let secs: Vec<u64> = clock
        .slept
        .lock()
        .unwrap()
        .iter()
        .map(|d| d.as_secs())
        .collect();
    assert_eq!(secs, [2, 7, 7]);
    assert_eq!(outcome.polls, 4);
    assert_eq!(outcome.waited, Duration::from_secs(16));
    assert!(!outcome.registration_reused && outcome.refreshable);

    let shown = shown.0.lock().unwrap().clone();
    assert_eq!(shown.len(), 1, "the code is shown once");
    assert_eq!(shown[0].user_code, sso::USER_CODE);
    assert!(shown[0].verification_uri_complete.contains(sso::USER_CODE));
    assert_eq!(shown[0].expires_in, Duration::from_secs(600));

    let ops: Vec<&str> = standin.requests().iter().map(|r| r.operation()).collect();
    assert_eq!(
        ops,
        [
            "RegisterClient",
            "StartDeviceAuthorization",
            "CreateToken",
            "CreateToken",
            "CreateToken",
            "CreateToken"
        ]
    );
    let register = &standin.calls("RegisterClient")[0];
    assert_eq!(register.json()["clientType"], "public");
    assert_eq!(register.json()["clientName"], "sls-client-corp");
    assert_eq!(
        register.json()["scopes"],
        serde_json::json!(["sso:account:access"])
    );
    let start = &standin.calls("StartDeviceAuthorization")[0];
    assert_eq!(start.json()["startUrl"], "https://corp.awsapps.com/start");
    assert_eq!(outcome.token_file, sso_token_file(t.home_path(), "corp"));

    // The AWS CLI's format, private, in a private folder.
    let token: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&outcome.token_file).unwrap()).unwrap();
    let keys: Vec<&str> = token
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "startUrl",
            "region",
            "accessToken",
            "expiresAt",
            "clientId",
            "clientSecret",
            "registrationExpiresAt",
            "refreshToken"
        ]
    );
    assert_eq!(token["accessToken"], sso::ACCESS_TOKEN);
    assert_eq!(token["region"], "eu-west-1");
    assert_eq!(token["clientSecret"], sso::CLIENT_SECRET);
    let expires = token["expiresAt"].as_str().unwrap();
    assert!(expires.ends_with('Z') && expires.len() == 20, "{expires}");
    // Issued at the clock's time (after the polls) plus the token's 8 hours, whole seconds.
    let expected = clock.now() + Duration::from_secs(8 * 3600);
    assert_eq!(sls_aws::time::format_rfc3339(expected), expires);
    assert_eq!(mode(&outcome.token_file), 0o600);
    assert_eq!(mode(outcome.token_file.parent().unwrap()), 0o700);
    let registration = outcome
        .token_file
        .with_file_name(format!("{}.json", registration_cache_key(&target)));
    let reg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&registration).unwrap()).unwrap();
    assert_eq!(reg["clientId"], sso::CLIENT_ID);
    assert_eq!(reg["scopes"], serde_json::json!(["sso:account:access"]));
    assert_eq!(mode(&registration), 0o600);
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(outcome.token_file.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // The credential chain's SSO step uses the token sls wrote.
    let keys = rt()
        .block_on(resolve_credentials(&s, &sso_plan(), Arc::new(NoMfaPrompt)))
        .unwrap();
    assert_eq!(keys.access_key_id, sso::ROLE_ACCESS_KEY_ID);
    let get = standin.calls("GetRoleCredentials");
    assert_eq!(get.len(), 1);
    assert_eq!(
        get[0].header("x-amz-sso_bearer_token"),
        Some(sso::ACCESS_TOKEN)
    );
    assert!(
        get[0].path.contains("role_name=Developer")
            && get[0].path.contains("account_id=111122223333")
    );

    // A second login reuses the cached registration: no RegisterClient.
    let before = standin.calls("RegisterClient").len();
    standin.set_script(vec![]);
    let again = rt()
        .block_on(sso_login(&s, &target, &Shown::default(), &login_clock))
        .unwrap();
    assert!(again.registration_reused);
    assert_eq!(again.polls, 1);
    assert_eq!(standin.calls("RegisterClient").len(), before);
    assert_no_secret(&format!("{outcome:?}{again:?}"));
}

#[test]
fn legacy_profiles_key_the_token_by_start_url_and_register_without_scopes() {
    let t = TestEnv::new();
    let standin = SsoStandIn::start(Options {
        script: vec![],
        refresh_token: false,
        ..Options::default()
    });
    let s = settings(&t, &standin);
    let target = SsoLoginTarget {
        profile: Some("old".into()),
        session_name: None,
        start_url: "https://legacy.awsapps.com/start".into(),
        region: "us-east-2".into(),
        scopes: vec![],
        scopes_configured: false,
    };
    let (_, clock) = fake_clock();
    let outcome = rt()
        .block_on(sso_login(&s, &target, &Shown::default(), &clock))
        .unwrap();
    assert_eq!(
        outcome.token_file,
        sso_token_file(t.home_path(), "https://legacy.awsapps.com/start")
    );
    assert!(!outcome.refreshable);
    let register = &standin.calls("RegisterClient")[0];
    assert!(register.json().get("scopes").is_none(), "{}", register.body);
    let token: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&outcome.token_file).unwrap()).unwrap();
    assert!(token.get("refreshToken").is_none());
    assert_eq!(token["startUrl"], "https://legacy.awsapps.com/start");
}

#[test]
fn a_denied_login_leaves_no_token() {
    let t = TestEnv::new();
    let standin = SsoStandIn::start(Options {
        script: vec![TokenAnswer::Pending, TokenAnswer::AccessDenied],
        ..Options::default()
    });
    let s = settings(&t, &standin);
    let (_, clock) = fake_clock();
    let err = rt()
        .block_on(sso_login(&s, &session_target(), &Shown::default(), &clock))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Sso);
    assert!(err.what().contains("denied"), "{err}");
    assert!(
        err.hint()
            .unwrap()
            .contains("sls sso login --aws-profile dev"),
        "{err:?}"
    );
    assert!(!sso_token_file(t.home_path(), "corp").exists());
    assert_no_secret(&format!("{err}{err:?}"));
}

#[test]
fn an_expired_code_ends_the_login() {
    let t = TestEnv::new();
    // The service says expired_token.
    let standin = SsoStandIn::start(Options {
        script: vec![TokenAnswer::Expired],
        ..Options::default()
    });
    let s = settings(&t, &standin);
    let (_, clock) = fake_clock();
    let err = rt()
        .block_on(sso_login(&s, &session_target(), &Shown::default(), &clock))
        .unwrap_err();
    assert!(
        err.what().contains("expired before it was approved"),
        "{err}"
    );
    assert!(!sso_token_file(t.home_path(), "corp").exists());

    // The code's own lifetime runs out while the service keeps saying pending:
    // sls stops polling instead of waiting forever.
    let standin = SsoStandIn::start(Options {
        script: vec![TokenAnswer::Pending; 100],
        interval: 1,
        code_expires_in: 3,
        ..Options::default()
    });
    let s = settings(&t, &standin);
    let (clock, login_clock) = fake_clock();
    let err = rt()
        .block_on(sso_login(
            &s,
            &session_target(),
            &Shown::default(),
            &login_clock,
        ))
        .unwrap_err();
    assert!(
        err.what().contains("expired before it was approved"),
        "{err}"
    );
    assert_eq!(clock.slept.lock().unwrap().len(), 3);
    assert_eq!(standin.calls("CreateToken").len(), 4);
    assert!(err.hint().unwrap().contains("within 1 minute"), "{err:?}");
}

#[test]
fn logout_revokes_and_removes_tokens_and_sso_role_credentials_only() {
    let t = TestEnv::new();
    let standin = SsoStandIn::start(Options {
        script: vec![],
        ..Options::default()
    });
    let s = settings(&t, &standin);
    let (_, clock) = fake_clock();
    let login = rt()
        .block_on(sso_login(&s, &session_target(), &Shown::default(), &clock))
        .unwrap();
    let cache = login.token_file.parent().unwrap().to_path_buf();
    let cli_cache = t.home_path().join(".aws/cli/cache");
    std::fs::create_dir_all(&cli_cache).unwrap();
    let sso_creds = cli_cache.join("sso-role.json");
    std::fs::write(
        &sso_creds,
        r#"{"ProviderType":"sso","Credentials":{"AccessKeyId":"ASIAX"}}"#,
    )
    .unwrap();
    let role_creds = cli_cache.join("assumed.json");
    std::fs::write(&role_creds, r#"{"Credentials":{"AccessKeyId":"ASIAY"}}"#).unwrap();
    let not_json = cache.join("notes.json");
    std::fs::write(&not_json, "{not json").unwrap();

    let out = rt().block_on(sso_logout(&s)).unwrap();
    assert_eq!(out.tokens_removed, std::slice::from_ref(&login.token_file));
    assert_eq!(out.revoked, 1);
    assert_eq!(out.credentials_removed, std::slice::from_ref(&sso_creds));
    assert!(!login.token_file.exists() && !sso_creds.exists());
    assert!(role_creds.exists() && not_json.exists());
    // The registration stays for the next login, as with the AWS CLI.
    let registration = cache.join(format!(
        "{}.json",
        registration_cache_key(&session_target())
    ));
    assert!(registration.exists());
    let logout = standin.calls("Logout");
    assert_eq!(logout.len(), 1);
    assert_eq!(
        logout[0].header("x-amz-sso_bearer_token"),
        Some(sso::ACCESS_TOKEN)
    );

    // Nothing left: nothing to do, no error.
    let out = rt().block_on(sso_logout(&s)).unwrap();
    assert!(out.tokens_removed.is_empty() && out.credentials_removed.is_empty());
}

#[test]
fn token_status_reads_expiry_without_secrets() {
    let t = TestEnv::new();
    let status = sls_aws::sso_token_status(t.home_path(), "corp");
    assert_eq!(status.expires_at, None);
    let file = sso_token_file(t.home_path(), "corp");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, format!(r#"{{"accessToken":"{}","expiresAt":"2030-01-02T03:04:05Z","refreshToken":"r","clientId":"c","clientSecret":"s"}}"#, sso::ACCESS_TOKEN)).unwrap();
    let status = sls_aws::sso_token_status(t.home_path(), "corp");
    assert_eq!(
        status.expires_at,
        sls_aws::time::parse_iso8601("2030-01-02T03:04:05Z")
    );
    assert!(status.refreshable);
    assert_no_secret(&format!("{status:?}"));
}
