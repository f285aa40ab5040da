//! Times as the day-two commands take and show them: `--startTime 30m`, ISO dates and epoch
//! times in, v3's date layouts out. Pure: "now" is an argument, every time is UTC.

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

const MINUTE_MS: i64 = 60_000;

/// `--startTime`/`--endTime` of `sls logs` and `sls metrics`: `30m`, `2h`, `1d` before
/// `now_ms` (v3), an ISO date (`2026-12-06`, `2026-12-06T10:00`, `2026-12-06T10:00:00.5+01:00`;
/// without a zone it is UTC, as v3's `dayjs.utc`), or an epoch time (up to 10 digits: seconds,
/// more: milliseconds). `None` when it is none of those.
pub fn parse_time(text: &str, now_ms: i64) -> Option<i64> {
    let text = text.trim();
    if let Some(ago) = relative_ms(text) {
        return Some(now_ms - ago);
    }
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        let n: i64 = text.parse().ok()?;
        return Some(if text.len() <= 10 { n * 1000 } else { n });
    }
    date_ms(text)
}

/// `sls rollback -t`: epoch milliseconds (what `sls deploy list` prints) or a date, as v3's
/// `new Date(t)` then `new Date(Number(t))`.
pub fn timestamp_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        return text.parse().ok();
    }
    date_ms(text)
}

/// `30m`, `2h`, `1d` as milliseconds.
fn relative_ms(text: &str) -> Option<i64> {
    let unit = match text.chars().last()? {
        'm' => MINUTE_MS,
        'h' => 60 * MINUTE_MS,
        'd' => 24 * 60 * MINUTE_MS,
        _ => return None,
    };
    let digits = &text[..text.len() - 1];
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse::<i64>().ok()?.checked_mul(unit)
}

/// An ISO 8601 date or date-time as epoch milliseconds (UTC when no zone is given).
fn date_ms(text: &str) -> Option<i64> {
    let to_ms = |t: OffsetDateTime| (t.unix_timestamp_nanos() / 1_000_000) as i64;
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(to_ms(t));
    }
    let (date, clock) = match text.split_once(['T', ' ']) {
        Some((d, c)) => (d, Some(c)),
        None => (text, None),
    };
    let date = parse_date(date)?;
    let clock = match clock {
        Some(c) => parse_clock(c.trim_end_matches('Z'))?,
        None => Time::MIDNIGHT,
    };
    Some(to_ms(PrimitiveDateTime::new(date, clock).assume_utc()))
}

fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Date::from_calendar_date(year, month.try_into().ok()?, day).ok()
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`.
fn parse_clock(text: &str) -> Option<Time> {
    let (hms, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let mut parts = hms.split(':');
    let hour: u8 = parts.next()?.parse().ok()?;
    let minute: u8 = parts.next()?.parse().ok()?;
    let second: u8 = parts.next().map_or(Some(0), |s| s.parse().ok())?;
    let millis: u16 = format!("{fraction:0<3}").get(..3)?.parse().ok()?;
    Time::from_hms_milli(hour, minute, second, millis).ok()
}

fn utc(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// v3's log line time, `YYYY-MM-DD HH:mm:ss.SSS (Z)`, in UTC: `2026-12-06 10:00:00.123 (+00:00)`.
pub fn log_time(ms: i64) -> String {
    let t = utc(ms);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03} (+00:00)",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// v3's `deploy list` heading, `2026-12-06 10:00:00 UTC`.
pub fn list_time(ms: i64) -> String {
    let t = utc(ms);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// dayjs's `LLL` (`December 6, 2026 10:00 AM`), in UTC.
pub fn long_time(ms: i64) -> String {
    let t = utc(ms);
    let (hour, half) = match t.hour() {
        0 => (12, "AM"),
        h @ 1..=11 => (h, "AM"),
        12 => (12, "PM"),
        h => (h - 12, "PM"),
    };
    format!(
        "{} {}, {} {hour}:{:02} {half}",
        t.month(),
        t.day(),
        t.year(),
        t.minute()
    )
}

/// The first date-time of a tab-separated field, as v3's `new Date(field)` finds one in a log
/// line: only full ISO date-times count here (a bare number is not a time in a log).
pub fn is_log_date(field: &str) -> bool {
    field.contains('T') && date_ms(field).is_some()
}

/// The epoch milliseconds of an ISO date-time field of a log line.
pub fn log_date_ms(field: &str) -> Option<i64> {
    date_ms(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_600_000_000;

    #[test]
    fn relative_iso_and_epoch_times() {
        assert_eq!(parse_time("30m", NOW), Some(NOW - 30 * 60_000));
        assert_eq!(parse_time("2h", NOW), Some(NOW - 2 * 3_600_000));
        assert_eq!(parse_time("1d", NOW), Some(NOW - 86_400_000));
        assert_eq!(parse_time("2023-11-14", NOW), Some(1_699_920_000_000));
        assert_eq!(
            parse_time("2023-11-14T22:13:20.001Z", NOW),
            Some(1_700_000_000_001)
        );
        assert_eq!(
            parse_time("2023-11-14T22:13:20", NOW),
            Some(1_700_000_000_000)
        );
        assert_eq!(parse_time("2023-11-14 22:13", NOW), Some(1_699_999_980_000));
        assert_eq!(
            parse_time("2023-11-15T00:13:20+02:00", NOW),
            Some(1_700_000_000_000)
        );
        assert_eq!(parse_time("1700000000", NOW), Some(1_700_000_000_000));
        assert_eq!(parse_time("1700000000001", NOW), Some(1_700_000_000_001));
        for bad in ["", "m", "3x", "yesterday", "2023-13-01", "1.5h"] {
            assert_eq!(parse_time(bad, NOW), None, "{bad}");
        }
        assert_eq!(timestamp_ms("1700000000"), Some(1_700_000_000));
    }

    #[test]
    fn v3_layouts() {
        assert_eq!(
            log_time(1_700_000_000_001),
            "2023-11-14 22:13:20.001 (+00:00)"
        );
        assert_eq!(list_time(1_700_000_000_001), "2023-11-14 22:13:20 UTC");
        assert_eq!(long_time(1_700_000_000_001), "November 14, 2023 10:13 PM");
        assert_eq!(long_time(1_699_920_000_000), "November 14, 2023 12:00 AM");
        assert!(is_log_date("2023-11-14T22:13:20.001Z"));
        assert!(!is_log_date("c0ffee") && !is_log_date("1"));
    }
}
