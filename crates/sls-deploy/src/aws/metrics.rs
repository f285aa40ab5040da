//! `sls metrics`: invocations, throttles, errors and average duration of the service's
//! functions from CloudWatch GetMetricStatistics, summed as v3 does (`lib/plugins/aws/metrics.js`).

use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, StandardUnit, Statistic};

use super::{AwsOptions, Clients};
use crate::error::Result;

/// Which functions, over which time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsQuery {
    /// Deployed function names.
    pub functions: Vec<String>,
    pub start: SystemTime,
    pub end: SystemTime,
}

/// The figures `sls metrics` prints.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MetricsSummary {
    pub invocations: f64,
    pub throttles: f64,
    pub errors: f64,
    /// The mean of every datapoint's average duration, in milliseconds (0 without any).
    pub duration_avg_ms: f64,
}

/// The four statistics of each function, all requests at once, summed over functions and
/// datapoints (the average duration is the mean of the datapoints' averages, as v3's `meanBy`).
pub async fn metrics(
    sdk: &SdkConfig,
    q: &MetricsQuery,
    opts: &AwsOptions,
) -> Result<MetricsSummary> {
    let c = Clients::new(sdk, opts);
    let mut summary = MetricsSummary::default();
    let mut durations = Vec::new();
    for function in &q.functions {
        let (invocations, throttles, errors, duration) = tokio::try_join!(
            statistic(
                &c,
                q,
                function,
                "Invocations",
                Statistic::Sum,
                StandardUnit::Count
            ),
            statistic(
                &c,
                q,
                function,
                "Throttles",
                Statistic::Sum,
                StandardUnit::Count
            ),
            statistic(
                &c,
                q,
                function,
                "Errors",
                Statistic::Sum,
                StandardUnit::Count
            ),
            statistic(
                &c,
                q,
                function,
                "Duration",
                Statistic::Average,
                StandardUnit::Milliseconds
            ),
        )?;
        summary.invocations += invocations.iter().sum::<f64>();
        summary.throttles += throttles.iter().sum::<f64>();
        summary.errors += errors.iter().sum::<f64>();
        durations.extend(duration);
    }
    if !durations.is_empty() {
        summary.duration_avg_ms = durations.iter().sum::<f64>() / durations.len() as f64;
    }
    Ok(summary)
}

/// v3's period: one hour, or one day when the range is longer than a day.
pub(crate) fn period_seconds(start: SystemTime, end: SystemTime) -> i32 {
    let span = end
        .duration_since(start)
        .or_else(|_| start.duration_since(end))
        .unwrap_or_default();
    if span > Duration::from_secs(24 * 3600) {
        24 * 3600
    } else {
        3600
    }
}

/// One statistic of one metric: the value of each datapoint.
async fn statistic(
    c: &Clients,
    q: &MetricsQuery,
    function: &str,
    metric: &str,
    stat: Statistic,
    unit: StandardUnit,
) -> Result<Vec<f64>> {
    let out = c
        .cloudwatch
        .get_metric_statistics()
        .namespace("AWS/Lambda")
        .metric_name(metric)
        .dimensions(
            Dimension::builder()
                .name("FunctionName")
                .value(function)
                .build(),
        )
        .start_time(DateTime::from(q.start))
        .end_time(DateTime::from(q.end))
        .period(period_seconds(q.start, q.end))
        .statistics(stat.clone())
        .unit(unit)
        .send()
        .await
        .map_err(c.fail(
            "cloudwatch:GetMetricStatistics",
            format!("metric {metric} of function \"{function}\""),
        ))?;
    Ok(out
        .datapoints()
        .iter()
        .filter_map(|d| match stat {
            Statistic::Average => d.average(),
            _ => d.sum(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_or_less_is_counted_by_the_hour() {
        let start = SystemTime::UNIX_EPOCH;
        let day = Duration::from_secs(24 * 3600);
        assert_eq!(period_seconds(start, start + day), 3600);
        assert_eq!(
            period_seconds(start, start + day + Duration::from_secs(1)),
            86400
        );
        assert_eq!(period_seconds(start + day * 2, start), 86400);
    }
}
