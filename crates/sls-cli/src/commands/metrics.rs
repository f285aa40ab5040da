//! `sls metrics [-f NAME] [--startTime] [--endTime]`: the functions' CloudWatch figures, printed
//! as v3 prints them (`metrics.js`; dates in UTC).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sls_deploy::time_spec;
use sls_deploy::{MetricsQuery, MetricsSummary};
use sls_lifecycle::{self as lifecycle, HookPoint, Participant};

use super::deploy::{run_aws_command, Hooks, Run};
use super::logs::now_ms;
use crate::cli::MetricsArgs;
use crate::error::{hinted, CliError, CliResult};
use crate::host::Host;
use crate::service::CommandOptions;

pub fn metrics(args: &MetricsArgs, host: &Host) -> CliResult {
    let command = CommandOptions::default()
        .text("function", args.function.as_ref())
        .text("startTime", args.start_time.as_ref())
        .text("endTime", args.end_time.as_ref());
    let mut step = ShowMetrics { args };
    run_aws_command(
        host,
        &args.service,
        args.config.config.as_deref(),
        command,
        &lifecycle::METRICS,
        &mut step,
    )
}

/// v3's AwsMetrics at `metrics:metrics`.
struct ShowMetrics<'a> {
    args: &'a MetricsArgs,
}

impl<'h> Participant<Run<'h>> for ShowMetrics<'_> {
    type Error = CliError;
    fn name(&self) -> &'static str {
        "sls:metrics"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[HookPoint::at("metrics:metrics")];
        HOOKS
    }
    fn run(&mut self, _: HookPoint, run: &mut Run<'h>) -> CliResult {
        let args = self.args;
        let now = now_ms();
        let start = time_option("--startTime", args.start_time.as_deref(), now)?
            .unwrap_or(now - 24 * 3600 * 1000);
        let end = time_option("--endTime", args.end_time.as_deref(), now)?.unwrap_or(now);
        let functions = match &args.function {
            Some(key) => vec![run.function_name(key)?],
            None => run
                .service()?
                .functions
                .into_iter()
                .map(|f| f.name)
                .collect(),
        };
        let summary = if functions.is_empty() {
            None
        } else {
            let query = MetricsQuery {
                functions,
                start: system_time(start),
                end: system_time(end),
            };
            let s = &run.s;
            let figures = s
                .runtime
                .block_on(sls_deploy::metrics(&s.sdk, &query, &s.options))
                .map_err(|e| hinted(&e))?;
            Some(figures)
        };
        let title = args.function.as_deref().unwrap_or("Service wide metrics");
        print!("{}", metrics_text(title, start, end, summary.as_ref()));
        Ok(())
    }
}

fn time_option(option: &str, text: Option<&str>, now: i64) -> CliResult<Option<i64>> {
    let Some(text) = text else { return Ok(None) };
    time_spec::parse_time(text, now).map(Some).ok_or_else(|| {
        CliError::usage(format!("Invalid {option} \"{text}\".")).with_hint(
            "Use a duration back from now (30m, 2h, 1d), an ISO date (2026-12-06 or \
             2026-12-06T10:00:00Z) or an epoch time in seconds or milliseconds.",
        )
    })
}

fn system_time(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64)
}

/// v3's text: the title, the range, a blank line, then the four figures (or v3's sentence when
/// there is nothing to ask for).
fn metrics_text(title: &str, start: i64, end: i64, summary: Option<&MetricsSummary>) -> String {
    let mut out = format!(
        "{title}\n{} - {}\n\n",
        time_spec::long_time(start),
        time_spec::long_time(end)
    );
    match summary {
        Some(m) => out.push_str(&format!(
            "invocations: {}\nthrottles: {}\nerrors: {}\nduration (avg.): {}ms\n",
            js_number(m.invocations),
            js_number(m.throttles),
            js_number(m.errors),
            js_number((m.duration_avg_ms * 100.0).round() / 100.0)
        )),
        None => out.push_str("There are no metrics to show for these options\n"),
    }
    out
}

/// A number as JavaScript prints it: `3`, not `3.0`.
fn js_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_as_v3_prints_them() {
        let m = MetricsSummary {
            invocations: 12.0,
            throttles: 0.0,
            errors: 2.0,
            duration_avg_ms: 10.0 / 3.0,
        };
        assert_eq!(
            metrics_text("hello", 1_699_920_000_000, 1_700_000_000_001, Some(&m)),
            "hello\nNovember 14, 2023 12:00 AM - November 14, 2023 10:13 PM\n\n\
             invocations: 12\nthrottles: 0\nerrors: 2\nduration (avg.): 3.33ms\n"
        );
        assert!(metrics_text("Service wide metrics", 0, 0, None)
            .ends_with("\n\nThere are no metrics to show for these options\n"));
    }
}
