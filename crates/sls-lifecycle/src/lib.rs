//! sls-lifecycle: v3's lifecycle as the spine of a command: its events in v3's order, each with the hook points
//! `before:<event>`, `<event>` and `after:<event>`, and the participants that run at them.
//!
//! A [`Lifecycle`] is data (`../shared/v3-lifecycle.md`, dumped from v3.40.0's plugin manager).
//! A [`Participant`] names the hook points it runs at; [`run`] walks the points in order and, at
//! each, runs the participants that hook it in the order they were given, as v3 runs its
//! internal plugins and then the service's plugins in `plugins:` order. An event that spawns
//! another command's lifecycle (v3's `spawn`, e.g. `package:finalize` → `aws:package:finalize`)
//! runs it whole at its plain hook point, before that point's own participants.
//!
//! sls's own steps and the built-in plugins are participants; the JavaScript plugin host joins
//! the same walk, so the state a participant sees (`S`) is the command's whole state.

use std::fmt;

/// Where a participant runs relative to an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Before,
    At,
    After,
}

/// One hook point, as v3 names it: `before:package:createDeploymentArtifacts`,
/// `package:compileEvents`, `after:aws:package:finalize:saveServiceState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HookPoint {
    pub when: When,
    /// The event's full name: `<command words>:<event>`.
    pub event: &'static str,
}

impl HookPoint {
    pub const fn before(event: &'static str) -> Self {
        HookPoint {
            when: When::Before,
            event,
        }
    }
    pub const fn at(event: &'static str) -> Self {
        HookPoint {
            when: When::At,
            event,
        }
    }
    pub const fn after(event: &'static str) -> Self {
        HookPoint {
            when: When::After,
            event,
        }
    }
}

impl fmt::Display for HookPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.when {
            When::Before => write!(f, "before:{}", self.event),
            When::At => f.write_str(self.event),
            When::After => write!(f, "after:{}", self.event),
        }
    }
}

/// One lifecycle event, and the lifecycle it spawns at its plain hook point, if any.
#[derive(Debug)]
pub struct Event {
    pub name: &'static str,
    pub spawns: &'static [&'static Lifecycle],
}

/// A command's lifecycle events, in v3's order.
#[derive(Debug)]
pub struct Lifecycle {
    /// v3's command, words joined by `:` (`package`, `aws:package:finalize`).
    pub command: &'static str,
    pub events: &'static [Event],
}

const fn event(name: &'static str) -> Event {
    Event { name, spawns: &[] }
}

/// `aws:common:validate` (spawned by `package:cleanup`).
pub static AWS_COMMON_VALIDATE: Lifecycle = Lifecycle {
    command: "aws:common:validate",
    events: &[event("aws:common:validate:validate")],
};

/// `aws:common:cleanupTempDir` (spawned by `package:cleanup`).
pub static AWS_COMMON_CLEANUP_TEMP_DIR: Lifecycle = Lifecycle {
    command: "aws:common:cleanupTempDir",
    events: &[event("aws:common:cleanupTempDir:cleanup")],
};

/// `aws:common:moveArtifactsToPackage` (spawned by `saveServiceState`).
pub static AWS_COMMON_MOVE_ARTIFACTS_TO_PACKAGE: Lifecycle = Lifecycle {
    command: "aws:common:moveArtifactsToPackage",
    events: &[event("aws:common:moveArtifactsToPackage:move")],
};

/// `aws:package:finalize` (spawned by `package:finalize`).
pub static AWS_PACKAGE_FINALIZE: Lifecycle = Lifecycle {
    command: "aws:package:finalize",
    events: &[
        event("aws:package:finalize:addExportNameForOutputs"),
        event("aws:package:finalize:mergeCustomProviderResources"),
        event("aws:package:finalize:stripNullPropsFromTemplateResources"),
        Event {
            name: "aws:package:finalize:saveServiceState",
            spawns: &[&AWS_COMMON_MOVE_ARTIFACTS_TO_PACKAGE],
        },
    ],
};

/// `sls package`.
pub static PACKAGE: Lifecycle = Lifecycle {
    command: "package",
    events: &[
        Event {
            name: "package:cleanup",
            spawns: &[&AWS_COMMON_VALIDATE, &AWS_COMMON_CLEANUP_TEMP_DIR],
        },
        event("package:initialize"),
        event("package:setupProviderConfiguration"),
        event("package:createDeploymentArtifacts"),
        event("package:compileLayers"),
        event("package:compileFunctions"),
        event("package:compileEvents"),
        Event {
            name: "package:finalize",
            spawns: &[&AWS_PACKAGE_FINALIZE],
        },
    ],
};

/// `aws:deploy:deploy` (spawned by `deploy:deploy`).
pub static AWS_DEPLOY_DEPLOY: Lifecycle = Lifecycle {
    command: "aws:deploy:deploy",
    events: &[
        event("aws:deploy:deploy:createStack"),
        event("aws:deploy:deploy:checkForChanges"),
        event("aws:deploy:deploy:uploadArtifacts"),
        event("aws:deploy:deploy:validateTemplate"),
        event("aws:deploy:deploy:updateStack"),
    ],
};

/// `aws:deploy:finalize` (spawned by `deploy:finalize`).
pub static AWS_DEPLOY_FINALIZE: Lifecycle = Lifecycle {
    command: "aws:deploy:finalize",
    events: &[event("aws:deploy:finalize:cleanup")],
};

/// `aws:info` (spawned by `info:info`, and by `deploy:deploy` through v3's info plugin).
pub static AWS_INFO: Lifecycle = Lifecycle {
    command: "aws:info",
    events: &[
        event("aws:info:validate"),
        event("aws:info:gatherData"),
        event("aws:info:displayServiceInfo"),
        event("aws:info:displayApiKeys"),
        event("aws:info:displayEndpoints"),
        event("aws:info:displayFunctions"),
        event("aws:info:displayLayers"),
        event("aws:info:displayStackOutputs"),
    ],
};

/// `sls deploy`. v3's Deploy plugin spawns `package` at `before:deploy:deploy` (unless a
/// package is given): that is a participant's work there, not part of the structure.
pub static DEPLOY: Lifecycle = Lifecycle {
    command: "deploy",
    events: &[
        Event {
            name: "deploy:deploy",
            spawns: &[&AWS_DEPLOY_DEPLOY, &AWS_INFO],
        },
        Event {
            name: "deploy:finalize",
            spawns: &[&AWS_DEPLOY_FINALIZE],
        },
    ],
};

/// `sls deploy function` (v3 spawns `package:function` at `packageFunction`).
pub static DEPLOY_FUNCTION: Lifecycle = Lifecycle {
    command: "deploy:function",
    events: &[
        event("deploy:function:initialize"),
        event("deploy:function:packageFunction"),
        event("deploy:function:deploy"),
    ],
};

/// `sls info`.
pub static INFO: Lifecycle = Lifecycle {
    command: "info",
    events: &[Event {
        name: "info:info",
        spawns: &[&AWS_INFO],
    }],
};

/// `sls remove`.
pub static REMOVE: Lifecycle = Lifecycle {
    command: "remove",
    events: &[event("remove:remove")],
};

/// `sls invoke -f` (the remote invoke; `invoke local` is its own command).
pub static INVOKE: Lifecycle = Lifecycle {
    command: "invoke",
    events: &[event("invoke:invoke")],
};

/// `sls invoke local` (`loadEnvVars`, then `invoke`: a packaging plugin such as
/// serverless-webpack builds the function in `before:invoke:local:invoke`).
pub static INVOKE_LOCAL: Lifecycle = Lifecycle {
    command: "invoke:local",
    events: &[
        event("invoke:local:loadEnvVars"),
        event("invoke:local:invoke"),
    ],
};

/// `sls logs`.
pub static LOGS: Lifecycle = Lifecycle {
    command: "logs",
    events: &[event("logs:logs")],
};

/// `sls deploy list` (also spawned by `rollback:rollback` when no timestamp is given).
pub static DEPLOY_LIST: Lifecycle = Lifecycle {
    command: "deploy:list",
    events: &[event("deploy:list:log")],
};

/// `sls deploy list functions`.
pub static DEPLOY_LIST_FUNCTIONS: Lifecycle = Lifecycle {
    command: "deploy:list:functions",
    events: &[event("deploy:list:functions:log")],
};

/// `sls rollback`. Without `--timestamp`, v3's `rollback:rollback` spawns `deploy:list`: a
/// participant's decision at run time, not part of the structure.
pub static ROLLBACK: Lifecycle = Lifecycle {
    command: "rollback",
    events: &[event("rollback:initialize"), event("rollback:rollback")],
};

/// `sls rollback function`.
pub static ROLLBACK_FUNCTION: Lifecycle = Lifecycle {
    command: "rollback:function",
    events: &[event("rollback:function:rollback")],
};

/// `sls metrics`.
pub static METRICS: Lifecycle = Lifecycle {
    command: "metrics",
    events: &[event("metrics:metrics")],
};

/// Every lifecycle sls runs, spawned ones included.
pub static ALL: &[&Lifecycle] = &[
    &PACKAGE,
    &AWS_COMMON_VALIDATE,
    &AWS_COMMON_CLEANUP_TEMP_DIR,
    &AWS_COMMON_MOVE_ARTIFACTS_TO_PACKAGE,
    &AWS_PACKAGE_FINALIZE,
    &DEPLOY,
    &AWS_DEPLOY_DEPLOY,
    &AWS_DEPLOY_FINALIZE,
    &AWS_INFO,
    &DEPLOY_FUNCTION,
    &INFO,
    &REMOVE,
    &INVOKE,
    &INVOKE_LOCAL,
    &LOGS,
    &DEPLOY_LIST,
    &DEPLOY_LIST_FUNCTIONS,
    &ROLLBACK,
    &ROLLBACK_FUNCTION,
    &METRICS,
];

/// A hook point as v3 spells it (`before:package:initialize`), when its event is one of
/// `lifecycles`' events; `None` for an event sls does not run (a plugin's own command, or a
/// command sls does not have).
pub fn parse_hook_point(name: &str, lifecycles: &[&Lifecycle]) -> Option<HookPoint> {
    let (when, event) = match name.split_once(':') {
        Some(("before", rest)) => (When::Before, rest),
        Some(("after", rest)) => (When::After, rest),
        _ => (When::At, name),
    };
    let event = lifecycles
        .iter()
        .flat_map(|l| l.events.iter())
        .find(|e| e.name == event)?
        .name;
    Some(HookPoint { when, event })
}

/// Something that runs at hook points: one of sls's own steps, a built-in plugin, or (next)
/// the JavaScript plugin host. `S` is the command's state.
pub trait Participant<S> {
    /// What a failure is (the build's error in `sls package`, the CLI's in the AWS commands).
    type Error;
    /// Its name in errors and traces: a plugin's name as `plugins:` lists it, or sls's step.
    fn name(&self) -> &'static str;
    /// The hook points it runs at (the plugin host's come from the plugins it loaded).
    fn hooks(&self) -> &[HookPoint];
    /// Runs at `point`, one of [`Participant::hooks`].
    fn run(&mut self, point: HookPoint, state: &mut S) -> Result<(), Self::Error>;
}

/// Every hook point of `lifecycle` in the order v3 reaches them, spawned lifecycles included.
pub fn hook_points(lifecycle: &Lifecycle) -> Vec<HookPoint> {
    let mut out = Vec::new();
    for e in lifecycle.events {
        out.push(HookPoint::before(e.name));
        for spawned in e.spawns {
            out.extend(hook_points(spawned));
        }
        out.push(HookPoint::at(e.name));
        out.push(HookPoint::after(e.name));
    }
    out
}

/// Runs `lifecycle`: at each hook point, in order, every participant that hooks it, in the
/// order given. The first error stops the walk. Returns what ran: `"<point> <participant>"`.
pub fn run<S, E>(
    lifecycle: &Lifecycle,
    participants: &mut [&mut dyn Participant<S, Error = E>],
    state: &mut S,
) -> Result<Vec<String>, E> {
    let mut ran = Vec::new();
    for point in hook_points(lifecycle) {
        for p in participants.iter_mut() {
            if p.hooks().contains(&point) {
                ran.push(format!("{point} {}", p.name()));
                p.run(point, state)?;
            }
        }
    }
    Ok(ran)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_points_follow_v3_with_spawns_at_their_event() {
        let points: Vec<String> = hook_points(&PACKAGE)
            .iter()
            .map(|p| p.to_string())
            .collect();
        let at = |s: &str| points.iter().position(|p| p == s).unwrap();
        // v3's order of package events.
        let order = [
            "package:cleanup",
            "package:initialize",
            "package:setupProviderConfiguration",
            "package:createDeploymentArtifacts",
            "package:compileLayers",
            "package:compileFunctions",
            "package:compileEvents",
            "package:finalize",
        ];
        for w in order.windows(2) {
            assert!(at(&format!("after:{}", w[0])) < at(&format!("before:{}", w[1])));
        }
        // Spawned lifecycles run inside their event, before its plain hook point.
        assert!(at("before:package:cleanup") < at("aws:common:validate:validate"));
        assert!(at("aws:common:cleanupTempDir:cleanup") < at("package:cleanup"));
        assert!(
            at("after:aws:package:finalize:mergeCustomProviderResources")
                < at("aws:package:finalize:stripNullPropsFromTemplateResources")
        );
        assert!(at("aws:common:moveArtifactsToPackage:move") < at("package:finalize"));
        assert_eq!(points.last().unwrap(), "after:package:finalize");
        assert_eq!(points.len(), 3 * (8 + 4 + 3));
    }

    #[test]
    fn hook_points_parse_from_v3_names_of_known_events_only() {
        assert_eq!(
            parse_hook_point("before:package:createDeploymentArtifacts", ALL),
            Some(HookPoint::before("package:createDeploymentArtifacts"))
        );
        assert_eq!(
            parse_hook_point("aws:package:finalize:mergeCustomProviderResources", ALL),
            Some(HookPoint::at(
                "aws:package:finalize:mergeCustomProviderResources"
            ))
        );
        assert_eq!(
            parse_hook_point("after:deploy:deploy", ALL),
            Some(HookPoint::after("deploy:deploy"))
        );
        assert_eq!(parse_hook_point("offline:start:init", ALL), None);
        assert_eq!(parse_hook_point("before:package:nothing", ALL), None);
    }

    #[test]
    fn deploy_walks_its_aws_steps_then_info_inside_deploy_deploy() {
        let points: Vec<String> = hook_points(&DEPLOY).iter().map(|p| p.to_string()).collect();
        let at = |s: &str| points.iter().position(|p| p == s).unwrap();
        assert_eq!(points[0], "before:deploy:deploy");
        assert!(at("after:aws:deploy:deploy:updateStack") < at("before:aws:info:validate"));
        assert!(at("after:aws:info:displayStackOutputs") < at("deploy:deploy"));
        assert!(at("after:deploy:deploy") < at("aws:deploy:finalize:cleanup"));
        assert_eq!(points.last().unwrap(), "after:deploy:finalize");
    }

    #[test]
    fn day_two_commands_have_v3_events() {
        let names = |l: &Lifecycle| -> Vec<String> {
            hook_points(l).iter().map(|p| p.to_string()).collect()
        };
        assert_eq!(
            names(&ROLLBACK),
            [
                "before:rollback:initialize",
                "rollback:initialize",
                "after:rollback:initialize",
                "before:rollback:rollback",
                "rollback:rollback",
                "after:rollback:rollback",
            ]
        );
        for (l, event) in [
            (&INVOKE, "invoke:invoke"),
            (&LOGS, "logs:logs"),
            (&DEPLOY_LIST, "deploy:list:log"),
            (&DEPLOY_LIST_FUNCTIONS, "deploy:list:functions:log"),
            (&ROLLBACK_FUNCTION, "rollback:function:rollback"),
            (&METRICS, "metrics:metrics"),
        ] {
            assert_eq!(names(l)[1], event);
            assert_eq!(names(l).len(), 3);
        }
        assert_eq!(
            names(&INVOKE_LOCAL)[3..],
            [
                "before:invoke:local:invoke",
                "invoke:local:invoke",
                "after:invoke:local:invoke"
            ]
        );
    }

    struct Recorder {
        name: &'static str,
        hooks: &'static [HookPoint],
        fail_at: Option<HookPoint>,
    }
    impl Participant<Vec<String>> for Recorder {
        type Error = String;
        fn name(&self) -> &'static str {
            self.name
        }
        fn hooks(&self) -> &[HookPoint] {
            self.hooks
        }
        fn run(&mut self, point: HookPoint, seen: &mut Vec<String>) -> Result<(), String> {
            if self.fail_at == Some(point) {
                return Err(format!("stopped at {point}"));
            }
            seen.push(format!("{point}/{}", self.name));
            Ok(())
        }
    }

    #[test]
    fn participants_run_in_point_order_then_in_given_order() {
        static CORE: &[HookPoint] = &[
            HookPoint::at("package:compileEvents"),
            HookPoint::at("package:initialize"),
        ];
        static PLUGIN: &[HookPoint] = &[
            HookPoint::after("package:initialize"),
            HookPoint::at("package:compileEvents"),
            HookPoint::before("package:initialize"),
        ];
        let mut core = Recorder {
            name: "core",
            hooks: CORE,
            fail_at: None,
        };
        let mut plugin = Recorder {
            name: "plugin",
            hooks: PLUGIN,
            fail_at: None,
        };
        let mut seen = Vec::new();
        let ran = run(&PACKAGE, &mut [&mut core, &mut plugin], &mut seen).unwrap();
        assert_eq!(
            seen,
            [
                "before:package:initialize/plugin",
                "package:initialize/core",
                "after:package:initialize/plugin",
                "package:compileEvents/core",
                "package:compileEvents/plugin",
            ]
        );
        assert_eq!(ran[1], "package:initialize core");

        // The first error stops the walk.
        let mut core = Recorder {
            name: "core",
            hooks: CORE,
            fail_at: Some(HookPoint::at("package:initialize")),
        };
        let mut seen = Vec::new();
        let err = run(&PACKAGE, &mut [&mut core, &mut plugin], &mut seen).unwrap_err();
        assert_eq!(err, "stopped at package:initialize");
        assert_eq!(seen, ["before:package:initialize/plugin"]);
    }
}
