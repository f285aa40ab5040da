//! `sls logs -f NAME [--startTime] [--endTime] [--filter] [--tail [--interval]]`: a function's
//! log events, formatted as v3 formats them (`formatLambdaLogEvent`). `--tail` polls for new
//! events, prints each once, and ends with exit 0 at Ctrl-C.

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use sls_deploy::time_spec;
use sls_deploy::{LogEvent, LogQuery};
use sls_lifecycle::{self as lifecycle, HookPoint, Participant};

use super::deploy::{interrupted, run_aws_command, Hooks, Run};
use crate::cli::LogsArgs;
use crate::error::{hinted, CliError, CliResult};
use crate::host::Host;
use crate::service::CommandOptions;

pub fn logs(args: &LogsArgs, host: &Host) -> CliResult {
    let command = CommandOptions::default()
        .text("function", Some(&args.function))
        .flag("tail", args.tail)
        .text("startTime", args.start_time.as_ref())
        .text("endTime", args.end_time.as_ref())
        .text("filter", args.filter.as_ref());
    let mut step = ShowLogs { args };
    run_aws_command(
        host,
        &args.service,
        args.config.config.as_deref(),
        command,
        &lifecycle::LOGS,
        &mut step,
    )
}

/// v3's AwsLogs at `logs:logs`.
struct ShowLogs<'a> {
    args: &'a LogsArgs,
}

impl<'h> Participant<Run<'h>> for ShowLogs<'_> {
    type Error = CliError;
    fn name(&self) -> &'static str {
        "sls:logs"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[HookPoint::at("logs:logs")];
        HOOKS
    }
    fn run(&mut self, _: HookPoint, run: &mut Run<'h>) -> CliResult {
        let args = self.args;
        let name = run.function_name(&args.function)?;
        let now = now_ms();
        // v3: 10 minutes back, 10 seconds with --tail.
        let default_start = if args.tail { 10_000 } else { 10 * 60_000 };
        let start_ms = match &args.start_time {
            Some(t) => time_option("--startTime", t, now)?,
            None => now - default_start,
        };
        let end_ms = match &args.end_time {
            Some(t) => Some(time_option("--endTime", t, now)?),
            None => None,
        };
        let query = LogQuery {
            log_group: format!("/aws/lambda/{name}"),
            function: args.function.clone(),
            start_ms,
            end_ms,
            filter: args.filter.clone(),
        };
        if args.tail {
            tail(run, query, Duration::from_millis(args.interval))
        } else {
            let events = fetch(run, &query)?;
            print_events(&events);
            Ok(())
        }
    }
}

fn fetch(run: &Run, query: &LogQuery) -> CliResult<Vec<LogEvent>> {
    let s = &run.s;
    s.runtime
        .block_on(sls_deploy::filter_log_events(&s.sdk, query, &s.options))
        .map_err(|e| hinted(&e))
}

/// Polls every `interval` from the newest timestamp seen (inclusive, so events that share it
/// and arrive late are not lost), printing each event once. Ctrl-C or SIGTERM ends it: exit 0.
fn tail(run: &Run, mut query: LogQuery, interval: Duration) -> CliResult {
    let s = &run.s;
    // Event id → timestamp of what was printed at or after the current start.
    let mut seen: HashMap<String, i64> = HashMap::new();
    loop {
        let polled = s.runtime.block_on(async {
            tokio::select! {
                r = sls_deploy::filter_log_events(&s.sdk, &query, &s.options) => Some(r),
                _ = interrupted() => None,
            }
        });
        let Some(events) = polled else { return Ok(()) };
        let events = events.map_err(|e| hinted(&e))?;
        let fresh: Vec<LogEvent> = events
            .into_iter()
            .filter(|e| !seen.contains_key(&e.event_id))
            .collect();
        print_events(&fresh);
        if let Some(newest) = fresh.iter().map(|e| e.timestamp).max() {
            query.start_ms = query.start_ms.max(newest);
        }
        seen.extend(fresh.iter().map(|e| (e.event_id.clone(), e.timestamp)));
        // Only events at or after the new start can come back.
        seen.retain(|_, t| *t >= query.start_ms);
        let stopped = s.runtime.block_on(async {
            tokio::select! {
                _ = tokio::time::sleep(interval) => false,
                _ = interrupted() => true,
            }
        });
        if stopped {
            return Ok(());
        }
    }
}

fn print_events(events: &[LogEvent]) {
    let mut out = std::io::stdout().lock();
    for e in events {
        let mut line = format_log_event(&e.message);
        if !line.ends_with('\n') {
            line.push('\n');
        }
        // A closed pipe (`| head`) ends the output, not the command with a panic.
        if out.write_all(line.as_bytes()).is_err() {
            return;
        }
    }
    let _ = out.flush();
}

fn time_option(option: &str, text: &str, now: i64) -> CliResult<i64> {
    time_spec::parse_time(text, now).ok_or_else(|| {
        CliError::usage(format!("Invalid {option} \"{text}\".")).with_hint(
            "Use a duration back from now (30m, 2h, 1d), an ISO date (2026-12-06 or \
             2026-12-06T10:00:00Z) or an epoch time in seconds or milliseconds.",
        )
    })
}

pub(super) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// v3's `formatLambdaLogEvent` without colours: `START`/`END`/`REPORT` lines as they are
/// (`REPORT` followed by an empty line), and `<date>\t<request id>\t<rest>` or
/// `<level>\t<date>\t<request id>\t<rest>` as `<local date>\t<request id>\t<level>\t<rest>`.
pub(super) fn format_log_event(message: &str) -> String {
    if message.starts_with("REPORT") {
        return format!("{message}\n");
    }
    if message.starts_with("START") || message.starts_with("END") {
        return message.to_string();
    }
    let fields: Vec<&str> = message.split('\t').collect();
    if fields.len() < 3 {
        return message.to_string();
    }
    let (date, request_id, level) = if time_spec::is_log_date(fields[0]) {
        (fields[0], fields[1], String::new())
    } else if time_spec::is_log_date(fields[1]) {
        (fields[1], fields[2], format!("{}\t", fields[0]))
    } else {
        return message.to_string();
    };
    // v3 keeps what lies between the first and a second "<request id>\t".
    let text = message
        .split(&format!("{request_id}\t"))
        .nth(1)
        .unwrap_or_default();
    let time = time_spec::log_date_ms(date)
        .map(time_spec::log_time)
        .unwrap_or_else(|| date.to_string());
    format!("{time}\t{request_id}\t{level}{text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_lines_as_v3_formats_them() {
        let node = "2023-11-14T22:13:20.001Z\tc0ffee\tINFO\thello\n  second line\n";
        assert_eq!(
            format_log_event(node),
            "2023-11-14 22:13:20.001 (+00:00)\tc0ffee\tINFO\thello\n  second line\n"
        );
        let python = "[ERROR]\t2023-11-14T22:13:20.001Z\tc0ffee\tboom\n";
        assert_eq!(
            format_log_event(python),
            "2023-11-14 22:13:20.001 (+00:00)\tc0ffee\t[ERROR]\tboom\n"
        );
        assert_eq!(
            format_log_event("REPORT RequestId: c0ffee\tDuration: 1 ms\t"),
            "REPORT RequestId: c0ffee\tDuration: 1 ms\t\n"
        );
        assert_eq!(
            format_log_event("START RequestId: c0ffee"),
            "START RequestId: c0ffee"
        );
        assert_eq!(format_log_event("a\tb\tc"), "a\tb\tc");
        assert_eq!(format_log_event("plain text"), "plain text");
    }
}
