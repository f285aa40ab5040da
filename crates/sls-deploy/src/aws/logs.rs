//! `sls logs`: the events of a function's log group (CloudWatch Logs FilterLogEvents, every
//! page). Formatting and tailing are the CLI's; this module only asks AWS.

use aws_config::SdkConfig;
use aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata;

use super::{AwsOptions, Clients};
use crate::error::{DeployError, Result};

/// Which events to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogQuery {
    /// `/aws/lambda/<function name>`.
    pub log_group: String,
    /// The function key as in serverless.yml, named in errors.
    pub function: String,
    /// Epoch milliseconds, inclusive.
    pub start_ms: i64,
    /// Epoch milliseconds, inclusive; `None`: up to now.
    pub end_ms: Option<i64>,
    /// A CloudWatch Logs filter pattern (`--filter`).
    pub filter: Option<String>,
}

/// One log event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    pub event_id: String,
    pub timestamp: i64,
    pub message: String,
}

/// Every event matching `q`, oldest first, through every page of FilterLogEvents. A log group
/// that does not exist (the function never ran, or another stage or region) is
/// [`DeployError::Missing`].
pub async fn filter_log_events(
    sdk: &SdkConfig,
    q: &LogQuery,
    opts: &AwsOptions,
) -> Result<Vec<LogEvent>> {
    let c = Clients::new(sdk, opts);
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    let mut last_token: Option<String> = None;
    loop {
        let out = c
            .logs
            .filter_log_events()
            .log_group_name(&q.log_group)
            .start_time(q.start_ms)
            .set_end_time(q.end_ms)
            .set_filter_pattern(q.filter.clone())
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| {
                if e.code() == Some("ResourceNotFoundException") {
                    no_log_group(q)
                } else {
                    c.fail(
                        "logs:FilterLogEvents",
                        format!("log group \"{}\"", q.log_group),
                    )(e)
                }
            })?;
        events.extend(out.events().iter().map(|e| LogEvent {
            event_id: e.event_id().unwrap_or_default().to_string(),
            timestamp: e.timestamp().unwrap_or_default(),
            message: e.message().unwrap_or_default().to_string(),
        }));
        match out.next_token() {
            // A token equal to the one sent would loop forever: stop there.
            Some(next) if !next.is_empty() && last_token.as_deref() != Some(next) => {
                last_token = Some(next.to_string());
                token = last_token.clone();
            }
            _ => break,
        }
    }
    events.sort_by_key(|e| e.timestamp);
    Ok(events)
}

fn no_log_group(q: &LogQuery) -> DeployError {
    DeployError::Missing {
        message: format!(
            "No logs for function \"{}\": log group \"{}\" does not exist.",
            q.function, q.log_group
        ),
        hint: Some(format!(
            "Lambda creates it at the function's first run: invoke it (`sls invoke -f {}`), \
             and check that the stage and region are the deployed ones.",
            q.function
        )),
    }
}
