//! `sls credentials policy --create-user` / `--role`, through the built binary against moto
//! with signature and IAM checking on (one server; its state is reset between cases).
//!
//! The example service has a function with an `http` event and an `${ssm:}` variable. A user
//! made by `--create-user` deploys it, redeploys after a change, shows `info`, runs
//! `deploy function` and `remove`, and is refused (with the action named) on another bucket.
//! Then each statement of the generated policy is dropped in turn: some step must then fail
//! naming one of that statement's actions, unless the statement is one moto cannot check
//! ([`NOT_CHECKED_BY_MOTO`], asserted to be exactly the ones that did not fail).
//!
//! moto honours resource ARNs only for S3, SQS, IAM and STS (`/work/shared/local-aws.md`), so
//! the user's policy is replaced by a copy whose other statements have `"Resource": "*"`
//! (their ARN scoping is pinned by the snapshots in `tests/policy.rs`). moto is started with
//! the launcher's fix for body-less requests, so `deploy function`'s Lambda GET is checked too.

use crate::common;
use common::{Run, Sls};
use serde_json::Value;
use sls_testkit::{widened_for_moto, xml_value, MotoServer};

const SERVICE: &str = "service: lp\nprovider:\n  name: aws\n  runtime: nodejs20.x\n\
    \x20 environment:\n    GREETING: ${ssm:/lp/greeting}\n\
    functions:\n  hello:\n    handler: handler.hello\n    events:\n      - http: GET /hello\n";

/// Statements whose removal no step can notice in moto, and why. CloudFormation in moto
/// creates, updates and deletes resources as its own principal without checking the
/// caller's rights on them (local-aws.md), so statements used only on CloudFormation's
/// behalf never fail there.
const NOT_CHECKED_BY_MOTO: &[(&str, &str)] = &[
    (
        "CallerIdentity",
        "AWS answers sts:GetCallerIdentity for every identity; sls calls it only for ${aws:accountId}",
    ),
    ("DeploymentBucketManagement", "CloudFormation's behalf: the bucket of the stack"),
    ("LambdaVersions", "CloudFormation's behalf: AWS::Lambda::Version"),
    ("LambdaPermissions", "CloudFormation's behalf: AWS::Lambda::Permission"),
    ("ExecutionRole", "CloudFormation's behalf: the execution role"),
    ("PassExecutionRole", "CloudFormation's behalf: passing the role to Lambda"),
    ("LogGroups", "CloudFormation's behalf: the function's log group"),
    ("DescribeLogGroups", "CloudFormation's behalf: the function's log group"),
    ("ApiGateway", "CloudFormation's behalf: the REST API of the http event"),
];

const ADMIN_FILE: &str = "# kept byte for byte\n[admin]\naws_access_key_id = {KEY}\n\
    aws_secret_access_key = {SECRET}\nregion = eu-west-1 ; a comment\n";

/// moto reset, an admin in the credentials file, the SSM parameter and someone else's bucket.
fn fresh_account(moto: &MotoServer, sls: &Sls) -> (String, String) {
    moto.disable_auth();
    moto.reset();
    let admin = moto.create_admin_user("admin");
    let (key, secret) = (admin.access_key_id, admin.secret_access_key);
    sls.credentials(
        &ADMIN_FILE
            .replace("{KEY}", &key)
            .replace("{SECRET}", &secret),
    );
    moto.put_parameter("/lp/greeting", "String", "hello from ssm");
    moto.create_bucket("someone-elses");
    moto.put_object("someone-elses", "config.json", "{}");
    (key, secret)
}

fn iam(moto: &MotoServer, params: &[(&str, &str)]) -> String {
    moto.query("iam", "2010-05-08", params)
}

/// A policy document as IAM returns it (URL-encoded inside XML).
fn document(xml: &str, tag: &str) -> Value {
    let raw = xml_value(xml, tag).expect(tag);
    let raw = raw
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let text = sls_deploy::iam::percent_decode(&raw);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {raw}"))
}

fn secret_of(sls: &Sls, profile: &str) -> String {
    let text = sls.read_home(".aws/credentials");
    let section = text
        .split(&format!("[{profile}]"))
        .nth(1)
        .unwrap_or_else(|| panic!("no [{profile}] in:\n{text}"));
    section
        .lines()
        .find_map(|l| l.strip_prefix("aws_secret_access_key="))
        .expect("a secret")
        .trim()
        .to_string()
}

fn key_of(sls: &Sls, profile: &str) -> String {
    let text = sls.read_home(".aws/credentials");
    let section = text.split(&format!("[{profile}]")).nth(1).unwrap();
    section
        .lines()
        .find_map(|l| l.strip_prefix("aws_access_key_id="))
        .expect("a key id")
        .trim()
        .to_string()
}

/// The steps a deployer runs, in order: (name, run). Stops at the first failure.
fn steps(sls: &Sls) -> Result<(), (&'static str, Run)> {
    let as_deployer = |args: &[&str]| {
        let mut full = args.to_vec();
        full.extend(["--aws-profile", "deployer"]);
        sls.run(&full)
    };
    let check = |name: &'static str, run: Run| {
        if run.code == 0 {
            Ok(run)
        } else {
            Err((name, run))
        }
    };
    sls.file("handler.js", "exports.hello = async () => 1;\n");
    let run = check("deploy", as_deployer(&["deploy"]))?;
    assert!(run.stdout.contains("lp-dev-hello"), "{}", run.all());
    sls.file("handler.js", "exports.hello = async () => 2;\n");
    check("redeploy", as_deployer(&["deploy"]))?;
    let run = check("info", as_deployer(&["info"]))?;
    assert!(run.stdout.contains("GET - "), "{}", run.stdout);
    sls.file("handler.js", "exports.hello = async () => 3;\n");
    check(
        "deploy function",
        as_deployer(&["deploy", "function", "-f", "hello"]),
    )?;
    check("remove", as_deployer(&["remove"]))?;
    Ok(())
}

/// Replaces the deployer's policies by one inline policy (moto: no size limit).
fn give_deployer(moto: &MotoServer, doc: &Value) {
    moto.put_user_policy("deployer", "under-test", &doc.to_string());
}

#[test]
fn a_created_user_deploys_and_each_statement_is_needed() {
    let moto = MotoServer::start_checking_bodyless();
    let mut sls = Sls::new();
    sls.env("AWS_ENDPOINT_URL", &moto.endpoint());
    sls.file("serverless.yml", SERVICE);
    sls.file("handler.js", "exports.hello = async () => 1;\n");
    let (admin_key, admin_secret) = fresh_account(&moto, &sls);
    let before = sls.read_home(".aws/credentials");
    moto.enable_auth();

    let doc = sls
        .run(&["credentials", "policy", "--json", "--aws-profile", "admin"])
        .ok()
        .json();
    let sids: Vec<String> = doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Sid"].as_str().unwrap().to_string())
        .collect();
    assert!(sids.contains(&"VariableParameters".to_string()), "{sids:?}");

    // --create-user: the user, its managed policy, and its key in the credentials file.
    let create = [
        "credentials",
        "policy",
        "--aws-profile",
        "admin",
        "--create-user",
        "deployer",
        "--profile",
        "deployer",
    ];
    let run = sls.run(&create).ok();
    let secret = secret_of(&sls, "deployer");
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(&secret), "the secret was printed:\n{text}");
        assert!(
            !text.contains(&admin_secret),
            "the admin secret was printed:\n{text}"
        );
    }
    assert!(
        run.stdout.contains("Created IAM user \"deployer\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("provider.profile: deployer"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("--aws-profile deployer"),
        "{}",
        run.stdout
    );
    let after = sls.read_home(".aws/credentials");
    assert!(after.starts_with(&before), "every byte kept:\n{after}");
    let key = key_of(&sls, "deployer");

    // A re-run updates the policy in place and keeps the key the profile holds.
    let run = sls.run(&create).ok();
    assert!(run.stdout.contains("unchanged"), "{}", run.stdout);
    assert_eq!(sls.read_home(".aws/credentials"), after);
    // The same for scripts: a JSON answer, the key id masked.
    let mut json = create.to_vec();
    json.push("--json");
    let run = sls.run(&json).ok();
    let answer = run.json();
    assert_eq!(answer["createdKey"], false, "{answer}");
    assert_eq!(answer["createdUser"], false, "{answer}");
    assert_ne!(answer["accessKeyId"], key.as_str(), "masked: {answer}");
    assert!(!run.all().contains(&secret));
    // Another profile cannot get a key whose secret only exists here: --rotate-key.
    let mut other = create.to_vec();
    other[7] = "elsewhere";
    let run = sls.run(&other).failed(1);
    assert!(run.stderr.contains("--rotate-key"), "{}", run.stderr);
    assert_eq!(sls.read_home(".aws/credentials"), after);
    // An existing profile that is not this user's is not replaced without --overwrite.
    other[7] = "admin";
    let run = sls.run(&other).failed(1);
    assert!(run.stderr.contains("--overwrite"), "{}", run.stderr);
    assert_eq!(sls.read_home(".aws/credentials"), after);

    // The attached policy is the generated document.
    moto.disable_auth();
    let attached = iam(
        &moto,
        &[
            ("Action", "ListAttachedUserPolicies"),
            ("UserName", "deployer"),
        ],
    );
    let policy_arn = xml_value(&attached, "PolicyArn").expect("an attached policy");
    assert!(
        policy_arn.ends_with(":policy/sls/sls-lp-dev-us-east-1"),
        "{policy_arn}"
    );
    // The re-runs changed nothing, so they added no policy version.
    let versions = iam(
        &moto,
        &[("Action", "ListPolicyVersions"), ("PolicyArn", &policy_arn)],
    );
    assert_eq!(versions.matches("<VersionId>").count(), 1, "{versions}");
    let policy = iam(
        &moto,
        &[("Action", "GetPolicy"), ("PolicyArn", &policy_arn)],
    );
    let version = xml_value(&policy, "DefaultVersionId").unwrap();
    let got = iam(
        &moto,
        &[
            ("Action", "GetPolicyVersion"),
            ("PolicyArn", &policy_arn),
            ("VersionId", &version),
        ],
    );
    assert_eq!(document(&got, "Document"), doc);
    // For moto, the same statements with the ARNs it cannot match widened.
    iam(
        &moto,
        &[
            ("Action", "DetachUserPolicy"),
            ("UserName", "deployer"),
            ("PolicyArn", &policy_arn),
        ],
    );
    give_deployer(&moto, &widened_for_moto(&doc));
    moto.enable_auth();

    if let Err((step, run)) = steps(&sls) {
        panic!("{step} failed with the generated policy:\n{}", run.all());
    }

    // Another bucket: neither its objects (a variable) nor a deploy into it.
    sls.file(
        "read-other.yml",
        &SERVICE.replace("${ssm:/lp/greeting}", "${s3:someone-elses/config.json}"),
    );
    sls.file(
        "write-other.yml",
        &SERVICE.replace(
            "  environment:",
            "  deploymentBucket:\n    name: someone-elses\n  environment:",
        ),
    );
    for (file, action) in [
        ("read-other.yml", "s3:GetObject"),
        ("write-other.yml", "s3:"),
    ] {
        let run = sls
            .run(&["deploy", "-c", file, "--aws-profile", "deployer"])
            .failed(1);
        assert!(run.stderr.contains("Access denied"), "{}", run.stderr);
        assert!(run.stderr.contains(action), "{}", run.stderr);
        assert!(run.stderr.contains("someone-elses"), "{}", run.stderr);
        assert!(!run.all().contains(&secret));
    }

    // --rotate-key: a new key in the profile, the old one deleted; the new one works.
    let mut rotate = create.to_vec();
    rotate.push("--rotate-key");
    let run = sls.run(&rotate).ok();
    assert!(run.stdout.contains("deleted"), "{}", run.stdout);
    let new_secret = secret_of(&sls, "deployer");
    assert!(!run.all().contains(&new_secret) && !run.all().contains(&secret));
    assert_ne!(key_of(&sls, "deployer"), key);
    let rotated = sls.read_home(".aws/credentials");
    assert!(rotated.starts_with(&before), "every byte kept:\n{rotated}");
    sls.run(&[
        "credentials",
        "show",
        "--verify",
        "--aws-profile",
        "deployer",
    ])
    .ok();
    moto.disable_auth();
    let keys = iam(
        &moto,
        &[("Action", "ListAccessKeys"), ("UserName", "deployer")],
    );
    assert!(!keys.contains(&key), "the old key is deleted: {keys}");
    moto.enable_auth();

    // A credentials file that cannot be written: the new key is deleted again.
    let blocker = sls.file("not-a-directory", "");
    let run = create_user_with_unwritable_credentials(&moto, &blocker, &admin_key, &admin_secret);
    assert!(run.stderr.contains("deleted again"), "{}", run.stderr);
    assert!(!run.all().contains(&admin_secret));
    moto.disable_auth();
    let keys = iam(
        &moto,
        &[("Action", "ListAccessKeys"), ("UserName", "unlucky")],
    );
    assert!(
        xml_value(&keys, "AccessKeyId").is_none(),
        "no key left behind: {keys}"
    );
    moto.enable_auth();

    // --role: a role with the policy inline and a trust policy; the credentials file untouched.
    let role_args = [
        "credentials",
        "policy",
        "--aws-profile",
        "admin",
        "--role",
        "ci-deployer",
        "--trust-principal",
        "123456789012",
    ];
    let run = sls.run(&role_args).ok();
    assert!(
        run.stdout.contains("Created IAM role \"ci-deployer\""),
        "{}",
        run.stdout
    );
    let run = sls.run(&role_args).ok();
    assert!(run.stdout.contains("Updated IAM role"), "{}", run.stdout);
    // The role is sls's: its trust policy is sls's to set.
    assert!(
        run.stdout.contains("123456789012 may assume it"),
        "{}",
        run.stdout
    );
    assert_eq!(sls.read_home(".aws/credentials"), rotated);
    moto.disable_auth();
    let role = iam(&moto, &[("Action", "GetRole"), ("RoleName", "ci-deployer")]);
    let trust = document(&role, "AssumeRolePolicyDocument");
    assert_eq!(
        trust["Statement"][0]["Principal"]["AWS"],
        "arn:aws:iam::123456789012:root"
    );
    let inline = iam(
        &moto,
        &[
            ("Action", "GetRolePolicy"),
            ("RoleName", "ci-deployer"),
            ("PolicyName", "sls-lp-dev-us-east-1"),
        ],
    );
    assert_eq!(document(&inline, "PolicyDocument"), doc);

    // Each statement dropped in turn: a fresh account, the deployer with the rest.
    let mut unnoticed = Vec::new();
    for (i, sid) in sids.iter().enumerate() {
        fresh_account(&moto, &sls);
        moto.create_user("deployer");
        let mut partial = widened_for_moto(&doc);
        let dropped = partial["Statement"].as_array_mut().unwrap().remove(i);
        give_deployer(&moto, &partial);
        let (key, secret) = moto.create_access_key("deployer");
        sls.run(&[
            "config",
            "credentials",
            "--provider",
            "aws",
            "--key",
            &key,
            "--secret",
            &secret,
            "-n",
            "deployer",
            "-o",
        ])
        .ok();
        moto.enable_auth();
        match steps(&sls) {
            Ok(()) => unnoticed.push(sid.as_str()),
            Err((step, run)) => {
                let actions: Vec<&str> = dropped["Action"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                assert!(
                    actions.iter().any(|a| run.stderr.contains(a)),
                    "without {sid}, {step} failed without naming one of {actions:?}:\n{}",
                    run.stderr
                );
                assert!(run.stderr.contains("Access denied"), "{}", run.stderr);
                assert!(!run.all().contains(&secret));
            }
        }
    }
    let mut expected: Vec<&str> = NOT_CHECKED_BY_MOTO.iter().map(|(sid, _)| *sid).collect();
    expected.sort();
    unnoticed.sort();
    assert_eq!(
        unnoticed, expected,
        "the statements whose removal nothing noticed"
    );
}

/// A user someone else made, with permissions of its own; a new key IAM needs a moment for;
/// and a new key that cannot be deleted again after the credentials file refused it.
#[test]
fn an_existing_user_and_a_key_that_cannot_be_deleted() {
    let moto = MotoServer::start();
    let mut sls = Sls::new();
    sls.env("AWS_ENDPOINT_URL", &moto.endpoint());
    sls.file("serverless.yml", SERVICE);
    sls.file("handler.js", "exports.hello = async () => 1;\n");
    fresh_account(&moto, &sls);
    let everything =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    moto.create_user("human");
    moto.put_user_policy("human", "everything", everything);
    moto.enable_auth();

    // The user keeps its own policy: sls says so, since the user is then not least privilege.
    let create = [
        "credentials",
        "policy",
        "--aws-profile",
        "admin",
        "--create-user",
        "human",
        "--profile",
        "human",
    ];
    let run = sls.run(&create).ok();
    assert!(
        run.stdout.contains("Updated IAM user \"human\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("inline policy \"everything\""),
        "{}",
        run.stdout
    );
    // IAM is eventually consistent: a new key may be refused for a few seconds.
    assert!(run.stdout.contains("few seconds"), "{}", run.stdout);
    // A re-run keeps the key, and does not count sls's own managed policy among the others.
    let run = sls.run(&create).ok();
    assert!(run.stdout.contains("unchanged"), "{}", run.stdout);
    assert!(!run.stdout.contains("few seconds"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("note: the user also has inline policy \"everything\", left alone"),
        "{}",
        run.stdout
    );
    let mut json = create.to_vec();
    json.push("--json");
    let answer = sls.run(&json).ok().json();
    assert_eq!(
        answer["otherPermissions"],
        serde_json::json!(["inline policy \"everything\""])
    );

    // An admin who may do anything but delete access keys, and a file that cannot be written.
    moto.disable_auth();
    moto.create_user("careful");
    moto.put_user_policy(
        "careful",
        "all-but-deleting-keys",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
            {"Effect":"Deny","Action":"iam:DeleteAccessKey","Resource":"*"}]}"#,
    );
    let (key, secret) = moto.create_access_key("careful");
    moto.enable_auth();
    let blocker = sls.file("not-a-directory", "");
    let run = create_user_with_unwritable_credentials(&moto, &blocker, &key, &secret);
    assert!(!run.all().contains(&secret));
    // The key is still there: the message must not say otherwise, and says what to do.
    assert!(!run.stderr.contains("deleted again"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("aws iam delete-access-key --user-name unlucky"),
        "{}",
        run.stderr
    );
    moto.disable_auth();
    let keys = iam(
        &moto,
        &[("Action", "ListAccessKeys"), ("UserName", "unlucky")],
    );
    assert!(xml_value(&keys, "AccessKeyId").is_some(), "{keys}");

    // --rotate-key when the old key cannot be deleted: the new key is in the profile, and
    // the error says so (and which old key to delete).
    let mut rotating = Sls::new();
    rotating
        .env("AWS_ENDPOINT_URL", &moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", &key)
        .env("AWS_SECRET_ACCESS_KEY", &secret);
    rotating.file("serverless.yml", SERVICE);
    rotating.file("handler.js", "exports.hello = async () => 1;\n");
    moto.enable_auth();
    let create = [
        "credentials",
        "policy",
        "--create-user",
        "rotated",
        "--profile",
        "rotated",
    ];
    rotating.run(&create).ok();
    let first = key_of(&rotating, "rotated");
    let mut rotate = create.to_vec();
    rotate.push("--rotate-key");
    let run = rotating.run(&rotate).failed(1);
    assert!(!run.all().contains(&secret_of(&rotating, "rotated")));
    assert_ne!(
        key_of(&rotating, "rotated"),
        first,
        "the new key is written"
    );
    assert!(run.stderr.contains("iam:DeleteAccessKey"), "{}", run.stderr);
    assert!(
        run.stderr.contains("written to profile \"rotated\""),
        "{}",
        run.stderr
    );
}

/// `--role` on a role sls did not make (say, a CI role trusted through OIDC) puts the policy
/// but keeps the role's trust policy: replacing it would lock its users out.
#[test]
fn an_existing_role_keeps_its_trust_policy() {
    let moto = MotoServer::start();
    let sls = {
        let mut sls = Sls::new();
        sls.env("AWS_ENDPOINT_URL", &moto.endpoint());
        sls
    };
    sls.file("serverless.yml", SERVICE);
    sls.file("handler.js", "exports.hello = async () => 1;\n");
    fresh_account(&moto, &sls);
    let theirs = sls_testkit::trust_policy(&["arn:aws:iam::123456789012:role/their-ci"]);
    moto.create_role("their-ci-deployer", &theirs);
    moto.enable_auth();
    let run = sls
        .run(&[
            "credentials",
            "policy",
            "--aws-profile",
            "admin",
            "--role",
            "their-ci-deployer",
            "--trust-principal",
            "111122223333",
        ])
        .ok();
    assert!(run.stdout.contains("Updated IAM role"), "{}", run.stdout);
    assert!(run.stdout.contains("not made by sls"), "{}", run.stdout);
    moto.disable_auth();
    let role = iam(
        &moto,
        &[("Action", "GetRole"), ("RoleName", "their-ci-deployer")],
    );
    let trust = document(&role, "AssumeRolePolicyDocument");
    assert_eq!(
        trust,
        serde_json::from_str::<Value>(&theirs).unwrap(),
        "their trust policy is kept"
    );
    let inline = iam(
        &moto,
        &[
            ("Action", "GetRolePolicy"),
            ("RoleName", "their-ci-deployer"),
            ("PolicyName", "sls-lp-dev-us-east-1"),
        ],
    );
    assert!(xml_value(&inline, "PolicyDocument").is_some(), "{inline}");
}

/// `--create-user unlucky --profile unlucky` with the given keys, while the credentials file
/// lies under `blocker` (a file, so it cannot be written); the run must fail.
fn create_user_with_unwritable_credentials(
    moto: &MotoServer,
    blocker: &std::path::Path,
    key: &str,
    secret: &str,
) -> Run {
    let mut broken = Sls::new();
    broken
        .env("AWS_ENDPOINT_URL", &moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            blocker.join("credentials").to_str().unwrap(),
        );
    broken.file("serverless.yml", SERVICE);
    broken.file("handler.js", "exports.hello = async () => 1;\n");
    broken
        .run(&[
            "credentials",
            "policy",
            "--create-user",
            "unlucky",
            "--profile",
            "unlucky",
        ])
        .failed(1)
}
