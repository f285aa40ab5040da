//! The harness itself: moto starts, answers, resets, switches auth, and dies on drop.
use sls_testkit::{xml_value, MotoServer};

#[test]
fn http_server_lifecycle_and_iam_helpers() {
    let moto = MotoServer::start();
    assert!(moto.endpoint().starts_with("http://127.0.0.1:"));
    let sls_testkit::AdminUser {
        arn,
        access_key_id: key,
        secret_access_key: secret,
    } = moto.create_admin_user("alice");
    assert_eq!(arn, "arn:aws:iam::123456789012:user/alice");
    assert!(key.starts_with("AKIA") && !secret.is_empty());
    let role = moto.create_open_role("deployer");
    assert_eq!(role, "arn:aws:iam::123456789012:role/deployer");
    moto.enable_auth();
    // Unsigned/fake-signed calls are refused while checking is on.
    let (status, _) = moto
        .request(
            "POST",
            "/",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            "Action=GetCallerIdentity&Version=2011-06-15",
        )
        .unwrap();
    assert!(status >= 400, "status {status}");
    moto.disable_auth();
    moto.reset();
    let xml = moto.query("iam", "2010-05-08", &[("Action", "ListUsers")]);
    assert!(
        xml_value(&xml, "UserName").is_none(),
        "reset wipes users: {xml}"
    );
    let pid_port = moto.port();
    drop(moto);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", pid_port)).is_err(),
        "killed on drop"
    );
}

#[test]
fn https_server_with_private_ca() {
    let moto = MotoServer::start_https();
    assert!(moto.endpoint().starts_with("https://127.0.0.1:"));
    assert!(moto.ca().unwrap().ca_pem.contains("BEGIN CERTIFICATE"));
    assert!(moto.ca_file().unwrap().is_file());
    moto.reset();
}
