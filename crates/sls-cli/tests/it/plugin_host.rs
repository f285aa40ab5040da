//! The plugin host through the `sls` binary: real plugins from the npm registry (pinned in
//! tools/plugins, installed by scripts/setup-plugins.sh) and real local plugin files, with
//! real node; AWS is moto on loopback.

use crate::common;

use std::path::PathBuf;

use common::Sls;
use sls_testkit::MotoServer;

/// A pinned plugin from tools/plugins/node_modules.
fn plugin(name: &str) -> PathBuf {
    let dir = sls_testkit::workspace_root()
        .join("tools/plugins/node_modules")
        .join(name);
    assert!(
        dir.join("package.json").is_file(),
        "{name} is not installed in tools/plugins: run scripts/setup-plugins.sh"
    );
    dir
}

fn link_plugin(sls: &Sls, name: &str) {
    std::fs::create_dir_all(sls.cwd.join("node_modules")).unwrap();
    std::os::unix::fs::symlink(plugin(name), sls.cwd.join("node_modules").join(name)).unwrap();
}

/// Published versions of a function on moto (`$LATEST` left out).
fn versions(moto: &MotoServer, function: &str) -> Vec<String> {
    let auth = "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00";
    let (status, body) = moto
        .request(
            "GET",
            &format!("/2015-03-31/functions/{function}/versions"),
            &[("Authorization", auth)],
            "",
        )
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["Versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["Version"].as_str().unwrap().to_string())
        .filter(|x| x != "$LATEST")
        .collect()
}

const SECRET: &str = "prune-test-secret-never-printed";

#[test]
fn prune_plugin_prunes_after_deploy_and_by_its_command() {
    let moto = MotoServer::start();
    let mut sls = Sls::new();
    sls.env("AWS_ENDPOINT_URL", &moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "AKIAPRUNETEST0000001")
        .env("AWS_SECRET_ACCESS_KEY", SECRET);
    sls.file(
        "serverless.yml",
        "service: prunesvc\nframeworkVersion: '3'\nprovider:\n  name: aws\n  runtime: nodejs22.x\nplugins:\n  - serverless-prune-plugin\ncustom:\n  prune:\n    automatic: true\n    number: 2\nfunctions:\n  hello:\n    handler: handler.hello\n",
    );
    link_plugin(&sls, "serverless-prune-plugin");
    let mut published = 0;
    for i in 1..=4 {
        sls.file(
            "handler.js",
            &format!("exports.hello = async () => ({{ v: {i} }});\n"),
        );
        let run = sls.run(&["deploy"]).ok();
        assert!(!run.all().contains(SECRET), "{}", run.all());
        // The plugin's after:deploy:deploy hook ran, through provider.request on moto.
        assert!(
            run.stderr.contains("Pruning of functions complete"),
            "{}",
            run.stderr
        );
        published = published.max(versions(&moto, "prunesvc-dev-hello").len());
    }
    // Each deploy published a version; the plugin kept the newest two.
    let kept = versions(&moto, "prunesvc-dev-hello");
    assert_eq!(kept.len(), 2, "{kept:?}");

    // `sls prune -n 1`: the plugin's own command, with its option by shortcut.
    let run = sls.run(&["prune", "-n", "1"]).ok();
    assert!(!run.all().contains(SECRET));
    let left = versions(&moto, "prunesvc-dev-hello");
    assert_eq!(left.len(), 1, "{left:?}");
    // The one left is the newest.
    assert_eq!(
        left[0],
        *kept
            .iter()
            .max_by_key(|v| v.parse::<u32>().unwrap())
            .unwrap()
    );
    assert!(published >= 2);

    // `sls --help` in the service lists the plugin's command.
    let help = sls.run(&["--help"]).ok();
    assert!(help.stdout.contains("prune"), "{}", help.stdout);
}

const LOCAL_PLUGIN: &str = r#"
module.exports = class AddQueue {
  constructor(serverless, options, { log }) {
    this.hooks = {
      'before:package:finalize': () => {
        const naming = serverless.getProvider('aws').naming;
        const t = serverless.service.provider.compiledCloudFormationTemplate;
        if (serverless.service.custom.fail) throw new serverless.classes.Error('refusing to add the queue');
        t.Resources.ExtraQueue = { Type: 'AWS::SQS::Queue', Properties: { QueueName: `${naming.getStackName()}-extra` } };
        log.notice(`queue for ${naming.getLambdaLogicalId('hello')}`);
      },
    };
  }
};
"#;

#[test]
fn a_local_plugin_changes_what_is_packaged_and_its_errors_stop_the_package() {
    let sls = Sls::new();
    sls.file(
        "serverless.yml",
        "service: local\nprovider:\n  name: aws\n  runtime: nodejs22.x\nplugins:\n  - ./plugins/add-queue\ncustom:\n  fail: ${env:FAIL, false}\nfunctions:\n  hello:\n    handler: handler.hello\n",
    );
    sls.file("handler.js", "exports.hello = async () => ({});\n");
    sls.file("plugins/add-queue.js", LOCAL_PLUGIN);
    let run = sls.run(&["package"]).ok();
    assert!(
        run.stderr.contains("queue for HelloLambdaFunction"),
        "{}",
        run.stderr
    );
    let template: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            sls.cwd
                .join(".serverless/cloudformation-template-update-stack.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        template["Resources"]["ExtraQueue"]["Properties"]["QueueName"],
        "local-dev-extra"
    );
    // The state file has the plugin's resource too (written after the plugins' hooks).
    let state = std::fs::read_to_string(sls.cwd.join(".serverless/serverless-state.json")).unwrap();
    assert!(state.contains("local-dev-extra"));
    // v3 leaves a local plugin's files out of the zip.
    let zip = std::fs::File::open(sls.cwd.join(".serverless/local.zip")).unwrap();
    let mut archive = zip::ZipArchive::new(zip).unwrap();
    let names: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    assert_eq!(names, ["handler.js"]);

    let mut failing = Sls::new();
    failing.env("FAIL", "true");
    copy(&sls, &failing);
    let run = failing.run(&["package"]).failed(1);
    assert!(
        run.stderr.contains("Plugin ./plugins/add-queue failed at \"before:package:finalize\": refusing to add the queue"),
        "{}",
        run.stderr
    );
}

fn copy(from: &Sls, to: &Sls) {
    for f in ["serverless.yml", "handler.js", "plugins/add-queue.js"] {
        to.file(f, &std::fs::read_to_string(from.cwd.join(f)).unwrap());
    }
}

#[test]
fn plugins_need_node_and_say_so_without_writing_anything() {
    let mut sls = Sls::new();
    // A PATH without node.
    let empty = sls.cwd.join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    sls.env("PATH", empty.to_str().unwrap());
    sls.file(
        "serverless.yml",
        "service: nonode\nprovider:\n  name: aws\nplugins:\n  - serverless-step-functions\nfunctions:\n  hello:\n    handler: handler.hello\n",
    );
    let run = sls.run(&["package"]).failed(1);
    assert!(
        run.stderr
            .contains("The plugin serverless-step-functions needs Node.js"),
        "{}",
        run.stderr
    );
    assert!(!sls.cwd.join(".serverless").exists());
}

#[test]
fn options_and_commands_plugins_declare_are_recognised() {
    let sls = Sls::new();
    sls.file(
        "serverless.yml",
        "service: opts\nprovider:\n  name: aws\n  runtime: nodejs22.x\nplugins:\n  - ./loud\nfunctions:\n  hello:\n    handler: handler.hello\n",
    );
    sls.file("handler.js", "exports.hello = async () => ({});\n");
    sls.file(
        "loud.js",
        r#"module.exports = class Loud {
  constructor(serverless, options, { log }) {
    this.commands = {
      package: { options: { shout: { usage: 'Shout', type: 'boolean' } } },
      greet: { usage: 'Greets', lifecycleEvents: ['run'], options: { name: { usage: 'Who', shortcut: 'n', required: true, type: 'string' } } },
    };
    this.hooks = {
      'after:package:finalize': () => log.notice(options.shout ? 'LOUD' : 'quiet'),
      'greet:run': () => log.notice(`hello ${options.name} on ${serverless.getProvider('aws').getStage()}`),
    };
  }
};
"#,
    );
    // An option a plugin declares for a built-in command reaches the plugin.
    assert!(sls
        .run(&["package", "--shout"])
        .ok()
        .stderr
        .contains("LOUD"));
    assert!(sls.run(&["package"]).ok().stderr.contains("quiet"));
    // One nobody declares is still refused as v3 refuses it.
    let run = sls.run(&["package", "--whisper"]).failed(2);
    assert!(
        run.stderr
            .contains("Detected unrecognized CLI options: \"--whisper\"."),
        "{}",
        run.stderr
    );
    // A plugin's command, its options by shortcut, the service options beside them.
    let run = sls.run(&["greet", "-n", "ann", "--stage", "prod"]).ok();
    assert!(run.stderr.contains("hello ann on prod"), "{}", run.stderr);
    let run = sls.run(&["greet"]).failed(2);
    assert!(
        run.stderr.contains("Missing option \"--name\""),
        "{}",
        run.stderr
    );
    // An unknown command is still named as v3 names it.
    let run = sls.run(&["nothere"]).failed(2);
    assert!(
        run.stderr
            .contains("Serverless command \"nothere\" not found."),
        "{}",
        run.stderr
    );
}

/// A plugin's `provider.request` trusts the certificate authorities sls trusts
/// (`AWS_CA_BUNDLE` here; `ca` and `cafile` go the same way): against moto over TLS with a
/// private CA, the call fails without the bundle and works with it.
#[test]
fn plugin_requests_trust_the_ca_bundle_sls_trusts() {
    let moto = MotoServer::start_https();
    let mut sls = Sls::new();
    sls.env("AWS_ENDPOINT_URL", &moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "AKIACATEST0000000001")
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        // v3's knob: no retries of the failing TLS handshake (4 by default, ~5 s apart).
        .env("SLS_AWS_REQUEST_MAX_RETRIES", "0");
    sls.file(
        "serverless.yml",
        "service: catest\nprovider:\n  name: aws\n  runtime: nodejs22.x\nplugins:\n  - ./who\nfunctions:\n  hello:\n    handler: handler.hello\n",
    );
    sls.file("handler.js", "exports.hello = async () => ({});\n");
    sls.file(
        "who.js",
        "module.exports = class Who {\n  constructor(serverless, options, { log }) {\n    this.hooks = {\n      'before:package:initialize': async () => {\n        const id = await serverless.getProvider('aws').request('STS', 'getCallerIdentity', {});\n        log.notice(`account ${id.Account}`);\n      },\n    };\n  }\n};\n",
    );
    let untrusted = sls.run(&["package"]).failed(1);
    assert!(
        untrusted.stderr.contains("certificate"),
        "{}",
        untrusted.stderr
    );
    sls.env("AWS_CA_BUNDLE", moto.ca_file().unwrap().to_str().unwrap());
    let run = sls.run(&["package"]).ok();
    assert!(
        run.stderr.contains("account 123456789012"),
        "{}",
        run.stderr
    );
    assert!(!run.all().contains(SECRET) && !untrusted.all().contains(SECRET));
}

/// The deploy runs one step at each of v3's `aws:deploy:deploy` events, so a plugin hooked
/// between them sees what v3 shows: after `createStack` the core stack and its empty bucket,
/// after `uploadArtifacts` the files in the bucket but no function yet, after `updateStack`
/// the function.
#[test]
fn deploy_steps_run_at_v3s_aws_deploy_events() {
    let moto = MotoServer::start();
    let mut sls = Sls::new();
    sls.env("AWS_ENDPOINT_URL", &moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "AKIASTEPSTEST0000001")
        .env("AWS_SECRET_ACCESS_KEY", SECRET);
    sls.file(
        "serverless.yml",
        "service: steps\nprovider:\n  name: aws\n  runtime: nodejs22.x\nplugins:\n  - ./watch\nfunctions:\n  hello:\n    handler: handler.hello\n",
    );
    sls.file("handler.js", "exports.hello = async () => ({});\n");
    sls.file(
        "watch.js",
        r#"module.exports = class Watch {
  constructor(serverless, options, { log }) {
    const provider = serverless.getProvider('aws');
    const look = async (when) => {
      const stack = (await provider.request('CloudFormation', 'describeStacks', { StackName: 'steps-dev' })).Stacks[0];
      const resources = (await provider.request('CloudFormation', 'describeStackResources', { StackName: 'steps-dev' })).StackResources;
      const bucket = await provider.getServerlessDeploymentBucketName();
      const files = (await provider.request('S3', 'listObjectsV2', { Bucket: bucket })).KeyCount;
      const fn = resources.some((r) => r.LogicalResourceId === 'HelloLambdaFunction');
      log.notice(`${when}: ${stack.StackStatus} files=${files} function=${fn}`);
    };
    this.hooks = {
      'after:aws:deploy:deploy:createStack': () => look('created'),
      'after:aws:deploy:deploy:uploadArtifacts': () => look('uploaded'),
      'after:aws:deploy:deploy:updateStack': () => look('updated'),
    };
  }
};
"#,
    );
    let run = sls.run(&["deploy"]).ok();
    for line in [
        "created: CREATE_COMPLETE files=0 function=false",
        "uploaded: CREATE_COMPLETE files=3 function=false",
        "updated: UPDATE_COMPLETE files=3 function=true",
    ] {
        assert!(run.stderr.contains(line), "{line}\n{}", run.stderr);
    }
    assert!(!run.all().contains(SECRET));
}

const FAILING_PLUGIN: &str = r#"
module.exports = class Fail {
  constructor(serverless) {
    this.hooks = {
      'before:package:finalize': () => {
        if (serverless.service.custom.fail) throw new serverless.classes.Error('boom at finalize');
      },
    };
  }
};
"#;

const WATCHING_PLUGIN: &str = r#"
module.exports = class Watch {
  constructor(serverless, options, { log }) {
    this.hooks = {
      error: (error) => {
        log.notice(`error hook saw (${error.constructor.name}): ${error.message}`);
        if (process.env.CRASH) throw new Error('the watcher crashed');
      },
      finalize: () => log.notice('finalize hook ran'),
    };
  }
};
"#;

#[test]
fn error_hooks_see_the_failure_and_the_command_still_fails_with_it() {
    let mut sls = Sls::new();
    sls.file(
        "serverless.yml",
        "service: watched\nprovider:\n  name: aws\n  runtime: nodejs22.x\nplugins:\n  - ./plugins/fail\n  - ./plugins/watch\ncustom:\n  fail: ${env:FAIL, false}\nfunctions:\n  hello:\n    handler: handler.hello\n",
    );
    sls.file("handler.js", "exports.hello = async () => ({});\n");
    sls.file("plugins/fail.js", FAILING_PLUGIN);
    sls.file("plugins/watch.js", WATCHING_PLUGIN);
    // Success: `finalize` runs, `error` does not.
    let run = sls.run(&["package"]).ok();
    assert!(run.stderr.contains("finalize hook ran"), "{}", run.stderr);
    assert!(!run.stderr.contains("error hook saw"), "{}", run.stderr);

    // A plugin's failure: the error hook sees it, then the command fails with it.
    sls.env("FAIL", "true");
    let run = sls.run(&["package"]).failed(1);
    assert!(
        run.stderr
            .contains("error hook saw (ServerlessError): Plugin ./plugins/fail failed at \"before:package:finalize\": boom at finalize"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Error:\nPlugin ./plugins/fail failed"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("finalize hook ran"), "{}", run.stderr);

    // sls's own refusal reaches the hook too; a crashing hook is a warning, not the error.
    sls.file(
        "serverless.yml",
        "service: watched\nprovider:\n  name: aws\n  runtime: nodejs22.x\nplugins:\n  - ./plugins/fail\n  - ./plugins/watch\nfunctions:\n  hello:\n    handler: handler.hello\n    events:\n      - nope: {}\n",
    );
    sls.env("CRASH", "1");
    let run = sls.run(&["package"]).failed(1);
    assert!(
        run.stderr.contains("error hook saw (ServerlessError): ")
            && run.stderr.contains("event type \"nope\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("Warning: The \"error\" hook crashed with:\nPlugin ./plugins/watch failed at \"error\": the watcher crashed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("Error:\nFunction \"hello\": event type \"nope\""),
        "{}",
        run.stderr
    );
}
