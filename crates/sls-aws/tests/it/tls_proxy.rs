//! TLS trust (private CA via cafile / ca / AWS_CA_BUNDLE / profile ca_bundle)
//! and proxies (HTTPS_PROXY with CONNECT, HTTP_PROXY forwarding, NO_PROXY).
use crate::common;
use sls_hint::Hint;

use std::sync::Arc;

use common::*;
use sls_aws::{caller_identity, sdk_config, AwsSettings, ErrorKind, MfaPrompt, NoMfaPrompt};
use sls_testkit::{MotoServer, TestCa, TestEnv};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn none() -> Arc<dyn MfaPrompt> {
    Arc::new(NoMfaPrompt)
}

async fn who(s: &AwsSettings) -> Result<String, sls_aws::AwsError> {
    let conf = sdk_config(
        s,
        &static_plan("p", "AKIAIOSFODNN7EXAMPLE", "secret"),
        none(),
    )
    .await?;
    caller_identity(&conf).await.map(|w| w.arn)
}

#[test]
fn private_ca_is_trusted_only_when_configured() {
    let moto = MotoServer::start_https();
    let t = TestEnv::new();
    let base = settings(&t, &moto.endpoint());
    let ca_file = moto.ca_file().unwrap().to_path_buf();
    let other = TestCa::generate();
    let other_file = t.home_path().join("other-ca.pem");
    std::fs::write(&other_file, &other.ca_pem).unwrap();
    rt().block_on(async {
        // A certificate error is retried like any connection error (6 attempts with backoff,
        // ~20 s); one attempt shows the same error.
        let mut once = base.clone();
        once.env.insert("AWS_MAX_ATTEMPTS".into(), "1".into());

        // No CA: a clear certificate error with the ca/cafile hint.
        let err = who(&once).await.unwrap_err();
        eprintln!(
            "no CA: {err}\nhint: {}",
            err.hint().as_deref().unwrap_or("")
        );
        assert_eq!(err.kind(), ErrorKind::Tls, "{err:?}");
        assert!(
            err.hint().unwrap().contains("cafile") && err.hint().unwrap().contains("AWS_CA_BUNDLE")
        );

        // cafile / HTTPS_CAFILE (comma-separated, relative to cwd).
        let mut s = base.clone();
        s.env.insert(
            "cafile".into(),
            format!("{},{}", other_file.display(), ca_file.display()),
        );
        assert!(who(&s).await.unwrap().contains(":user/"));

        // ca: PEM text with \n escaped.
        let mut s = base.clone();
        s.env.insert(
            "ca".into(),
            format!(
                "{},{}",
                other.ca_pem_escaped(),
                moto.ca().unwrap().ca_pem_escaped()
            ),
        );
        who(&s).await.unwrap();

        // AWS_CA_BUNDLE.
        let mut s = base.clone();
        s.env
            .insert("AWS_CA_BUNDLE".into(), ca_file.display().to_string());
        who(&s).await.unwrap();

        // The profile's ca_bundle.
        let mut s = base.clone();
        s.profile_ca_bundle = Some(ca_file.display().to_string());
        who(&s).await.unwrap();

        // A different CA: still refused.
        let mut s = once.clone();
        s.env
            .insert("AWS_CA_BUNDLE".into(), other_file.display().to_string());
        let err = who(&s).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Tls, "{err:?}");

        // A missing cafile: named, before any request.
        let mut s = base.clone();
        s.env
            .insert("HTTPS_CAFILE".into(), "does/not/exist.pem".into());
        let err = who(&s).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Settings);
        assert!(
            err.what().contains("does/not/exist.pem") && err.what().contains("HTTPS_CAFILE"),
            "{err}"
        );

        // A malformed one.
        let bad = t.home_path().join("bad.pem");
        std::fs::write(
            &bad,
            "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let mut s = base.clone();
        s.env
            .insert("AWS_CA_BUNDLE".into(), bad.display().to_string());
        let err = who(&s).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Settings);
        assert!(
            err.what().contains("bad.pem") && err.what().contains("AWS_CA_BUNDLE"),
            "{err}"
        );

        // Through an HTTPS_PROXY: a CONNECT tunnel, counted.
        let proxy = CountingProxy::start();
        let mut s = base.clone();
        s.env
            .insert("AWS_CA_BUNDLE".into(), ca_file.display().to_string());
        s.env.insert("HTTPS_PROXY".into(), proxy.url());
        who(&s).await.unwrap();
        assert!(proxy.count() >= 1, "the proxy was used");
    });
}

#[test]
fn proxy_is_used_and_no_proxy_bypasses_it() {
    let moto = MotoServer::start();
    let t = TestEnv::new();
    let proxy = CountingProxy::start();
    let mut s = settings(&t, &moto.endpoint());
    s.env.insert("HTTP_PROXY".into(), proxy.url());
    rt().block_on(async {
        assert!(who(&s).await.unwrap().contains(":user/"));
        let used = proxy.count();
        assert!(used >= 1, "the proxy was used");

        s.env
            .insert("NO_PROXY".into(), "127.0.0.1,localhost".into());
        who(&s).await.unwrap();
        assert_eq!(proxy.count(), used, "NO_PROXY bypasses the proxy");

        // A broken proxy URL is a settings error naming the variable.
        let mut bad = s.clone();
        bad.env.remove("HTTP_PROXY");
        bad.env.insert("proxy".into(), "http://[broken".into());
        let err = who(&bad).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Settings, "{err:?}");
        assert!(err.what().contains("proxy"), "{err}");
    });
}

#[test]
fn connection_refused_names_the_endpoint() {
    let t = TestEnv::new();
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut s = settings(&t, &format!("http://127.0.0.1:{port}"));
    s.env.insert("AWS_MAX_ATTEMPTS".into(), "1".into());
    rt().block_on(async {
        let err = who(&s).await.unwrap_err();
        eprintln!("{err}");
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err:?}");
        assert!(err.what().contains(&format!("127.0.0.1:{port}")), "{err}");
    });
}
