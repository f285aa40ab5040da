//! `sls deploy list [functions]`, `sls rollback [-t TIMESTAMP]` and `sls rollback function -f
//! NAME --function-version N`: earlier deployments and going back to them, printed as v3 prints
//! them (`deploy-list.js`, `rollback.js`, `rollback-function.js`).

use sls_deploy::time_spec;
use sls_deploy::{Deployment, FunctionVersions, RollbackOutcome};
use sls_lifecycle::{self as lifecycle, HookPoint, Participant};

use super::deploy::{interrupted, run_lifecycle, session, Hooks, PluginUse, Run};
use crate::cli::{DeployListArgs, RollbackArgs, RollbackFunctionArgs, ServiceArgs};
use crate::error::{hinted, CliError, CliResult};
use crate::host::Host;
use crate::plugins::Plugins;
use crate::progress::Progress;
use crate::service::CommandOptions;

fn start<'h>(
    host: &'h Host,
    service: &crate::cli::ServiceOptions,
    config: &crate::cli::ConfigPath,
    command: CommandOptions,
) -> CliResult<Run<'h>> {
    let (s, plugins) = session(
        host,
        service,
        config.config.as_deref(),
        command,
        false,
        PluginUse {
            command: "deploy list",
            ignore: &[],
        },
    )?;
    Ok(Run::new(host, s, false, plugins))
}

pub fn deploy_list(args: &DeployListArgs, host: &Host) -> CliResult {
    let mut run = start(host, &args.service, &args.config, CommandOptions::default())?;
    run_lifecycle(
        &lifecycle::DEPLOY_LIST,
        &mut [
            &mut ListDeployments,
            &mut Plugins::new(run.plugins.as_ref()),
        ],
        &mut run,
    )?;
    Ok(())
}

pub fn deploy_list_functions(args: &ServiceArgs, host: &Host) -> CliResult {
    let mut run = start(host, &args.service, &args.config, CommandOptions::default())?;
    run_lifecycle(
        &lifecycle::DEPLOY_LIST_FUNCTIONS,
        &mut [&mut ListFunctions, &mut Plugins::new(run.plugins.as_ref())],
        &mut run,
    )?;
    Ok(())
}

/// v3's AwsDeployList at `deploy:list:log`.
struct ListDeployments;

impl<'h> Participant<Run<'h>> for ListDeployments {
    type Error = CliError;
    fn name(&self) -> &'static str {
        "sls:deploy-list"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[HookPoint::at("deploy:list:log")];
        HOOKS
    }
    fn run(&mut self, _: HookPoint, run: &mut Run<'h>) -> CliResult {
        let svc = run.service()?;
        let s = &run.s;
        let list = s
            .runtime
            .block_on(sls_deploy::deployments(&s.sdk, &svc, &s.options))
            .map_err(|e| hinted(&e))?;
        if list.is_empty() {
            eprintln!(
                "No deployments found, if that's unexpected ensure that stage and region are correct"
            );
        }
        print!("{}", deployments_text(&list));
        Ok(())
    }
}

/// Each deployment as v3 writes it: its UTC date, `Timestamp: <ms>`, `Files:` and the files.
fn deployments_text(list: &[Deployment]) -> String {
    let mut out = String::new();
    for d in list {
        let date = time_spec::log_date_ms(&d.date)
            .map(time_spec::list_time)
            .unwrap_or_else(|| d.date.clone());
        out.push_str(&format!("{date}\nTimestamp: {}\nFiles:\n", d.timestamp));
        for f in &d.files {
            out.push_str(&format!("  - {f}\n"));
        }
    }
    out
}

/// v3's AwsDeployList at `deploy:list:functions:log`.
struct ListFunctions;

impl<'h> Participant<Run<'h>> for ListFunctions {
    type Error = CliError;
    fn name(&self) -> &'static str {
        "sls:deploy-list-functions"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[HookPoint::at("deploy:list:functions:log")];
        HOOKS
    }
    fn run(&mut self, _: HookPoint, run: &mut Run<'h>) -> CliResult {
        let svc = run.service()?;
        let s = &run.s;
        let list = s
            .runtime
            .block_on(sls_deploy::function_versions(&s.sdk, &svc, &s.options))
            .map_err(|e| hinted(&e))?;
        print!("{}", versions_text(&list, &svc.name, &svc.stage));
        Ok(())
    }
}

/// v3's `displayFunctions`: the name without `<service>-` and `<stage>-`, then every version,
/// or the last five.
fn versions_text(list: &[FunctionVersions], service: &str, stage: &str) -> String {
    let mut out = String::new();
    for f in list {
        let name =
            f.name
                .replacen(&format!("{service}-"), "", 1)
                .replacen(&format!("{stage}-"), "", 1);
        let last = &f.versions[f.versions.len().saturating_sub(5)..];
        let label = if f.versions.len() < 6 {
            "All versions"
        } else {
            "Last 5 versions"
        };
        out.push_str(&format!("{name}\n  {label}: {}\n", last.join(", ")));
    }
    out
}

pub fn rollback(args: &RollbackArgs, host: &Host) -> CliResult {
    let command = CommandOptions::default().text("timestamp", args.timestamp.as_ref());
    let mut run = start(host, &args.service, &args.config, command)?;
    let mut rollback = Rollback {
        timestamp: args.timestamp.clone(),
    };
    run_lifecycle(
        &lifecycle::ROLLBACK,
        &mut [&mut rollback, &mut Plugins::new(run.plugins.as_ref())],
        &mut run,
    )?;
    Ok(())
}

/// v3's AwsRollback at `rollback:rollback`: without a timestamp, how to choose and `deploy
/// list`'s whole lifecycle; with one, the stack updated to that deployment.
struct Rollback {
    timestamp: Option<String>,
}

impl<'h> Participant<Run<'h>> for Rollback {
    type Error = CliError;
    fn name(&self) -> &'static str {
        "sls:rollback"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[HookPoint::at("rollback:rollback")];
        HOOKS
    }
    fn run(&mut self, _: HookPoint, run: &mut Run<'h>) -> CliResult {
        let Some(timestamp) = &self.timestamp else {
            eprintln!(
                "Select a timestamp from the deploy list below and run \"sls rollback -t <timestamp>\" to rollback your service to a specific version.\n"
            );
            lifecycle::run(
                &lifecycle::DEPLOY_LIST,
                &mut [
                    &mut ListDeployments,
                    &mut Plugins::new(run.plugins.as_ref()),
                ],
                run,
            )?;
            return Ok(());
        };
        let svc = run.service()?;
        let s = &run.s;
        eprintln!("\nRolling back {} to timestamp \"{timestamp}\"", svc.name);
        let started = std::time::Instant::now();
        let progress = Progress::new(run.host.stderr_is_terminal);
        let provider = &s.service.config["provider"];
        let on_event = |e| progress.event(e);
        let outcome = s.runtime.block_on(async {
            tokio::select! {
                r = sls_deploy::rollback(&s.sdk, &svc, provider, timestamp, &s.options, &on_event) => Some(r),
                _ = interrupted() => None,
            }
        });
        progress.finish();
        let Some(outcome) = outcome else {
            return Err(CliError {
                message: format!(
                    "Rollback interrupted: sls stopped waiting; CloudFormation continues any update of stack {} it has started.",
                    svc.stack_name
                ),
                hint: Some("Follow it with `sls info`.".into()),
                exit_code: 130,
            });
        };
        let secs = started.elapsed().as_secs();
        match outcome.map_err(|e| hinted(&e))? {
            RollbackOutcome::RolledBack { .. } => {
                eprintln!("\n✔ Service rolled back to timestamp \"{timestamp}\" ({secs}s)")
            }
            RollbackOutcome::NoChanges { .. } => {
                eprintln!("\nNo updates to be performed. Rollback skipped. ({secs}s)")
            }
        }
        Ok(())
    }
}

pub fn rollback_function(args: &RollbackFunctionArgs, host: &Host) -> CliResult {
    let command = CommandOptions::default()
        .text("function", Some(&args.function))
        .text("function-version", Some(&args.function_version));
    let mut run = start(host, &args.service, &args.config, command)?;
    let mut rollback = RollbackFunction { args };
    run_lifecycle(
        &lifecycle::ROLLBACK_FUNCTION,
        &mut [&mut rollback, &mut Plugins::new(run.plugins.as_ref())],
        &mut run,
    )?;
    Ok(())
}

/// v3's AwsRollbackFunction at `rollback:function:rollback`.
struct RollbackFunction<'a> {
    args: &'a RollbackFunctionArgs,
}

impl<'h> Participant<Run<'h>> for RollbackFunction<'_> {
    type Error = CliError;
    fn name(&self) -> &'static str {
        "sls:rollback-function"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[HookPoint::at("rollback:function:rollback")];
        HOOKS
    }
    fn run(&mut self, _: HookPoint, run: &mut Run<'h>) -> CliResult {
        let (key, version) = (&self.args.function, &self.args.function_version);
        let name = run.function_name(key)?;
        eprintln!("\nRolling back function {key} to version \"{version}\"");
        let started = std::time::Instant::now();
        let s = &run.s;
        s.runtime
            .block_on(sls_deploy::rollback_function(
                &s.sdk, key, &name, version, &s.options,
            ))
            .map_err(|e| hinted(&e))?;
        eprintln!(
            "\n✔ Successfully rolled back function {key} to version \"{version}\" ({}s)",
            started.elapsed().as_secs()
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_as_v3_prints_them() {
        let list = vec![Deployment {
            timestamp: "1700000000001".into(),
            date: "2023-11-14T22:13:20.001Z".into(),
            files: vec![
                "compiled-cloudformation-template.json".into(),
                "s.zip".into(),
            ],
        }];
        assert_eq!(
            deployments_text(&list),
            "2023-11-14 22:13:20 UTC\nTimestamp: 1700000000001\nFiles:\n  - compiled-cloudformation-template.json\n  - s.zip\n"
        );
        let versions = |n: usize| {
            let mut v = vec!["$LATEST".to_string()];
            v.extend((1..n).map(|i| i.to_string()));
            v
        };
        let list = vec![
            FunctionVersions {
                name: "svc-dev-hello".into(),
                versions: versions(3),
            },
            FunctionVersions {
                name: "svc-dev-other".into(),
                versions: versions(8),
            },
        ];
        assert_eq!(
            versions_text(&list, "svc", "dev"),
            "hello\n  All versions: $LATEST, 1, 2\nother\n  Last 5 versions: 3, 4, 5, 6, 7\n"
        );
    }
}
