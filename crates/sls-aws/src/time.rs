//! The few timestamp forms AWS tools write: ISO 8601 / RFC 3339 with `Z`,
//! `UTC` (botocore's cache files) or a numeric offset, optional fraction.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sls_config::calendar::days_from_civil;

/// Parses `2026-11-28T01:02:03Z`, `…03.123Z`, `…03UTC`, `…03+00:00`, `…03+0100`.
pub fn parse_iso8601(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ')
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut nanos: u32 = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits: String = frac.chars().take_while(|c| c.is_ascii_digit()).collect();
        rest = &frac[digits.len()..];
        let padded: String = digits
            .chars()
            .chain(std::iter::repeat('0'))
            .take(9)
            .collect();
        nanos = padded.parse().ok()?;
    }
    let offset_secs: i64 = match rest {
        "" | "Z" | "z" | "UTC" | "GMT" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = rest[1..].chars().filter(|c| c.is_ascii_digit()).collect();
            if digits.len() != 4 {
                return None;
            }
            let oh: i64 = digits[..2].parse().ok()?;
            let om: i64 = digits[2..].parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset_secs;
    if secs < 0 {
        return None;
    }
    Some(UNIX_EPOCH + Duration::new(secs as u64, nanos))
}

/// `2026-11-28T01:02:03UTC`: botocore's `strftime('%Y-%m-%dT%H:%M:%S%Z')`.
pub fn format_botocore(t: SystemTime) -> String {
    let (date, time) = civil(t);
    format!("{date}T{time}UTC")
}

/// `2026-11-28T01:02:03Z` (RFC 3339, whole seconds).
pub fn format_rfc3339(t: SystemTime) -> String {
    let (date, time) = civil(t);
    format!("{date}T{time}Z")
}

fn civil(t: SystemTime) -> (String, String) {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let date = sls_config::calendar::civil_from_days(days);
    let (y, m, d) = (date.year, date.month, date.day);
    (
        format!("{y:04}-{m:02}-{d:02}"),
        format!("{:02}:{:02}:{:02}", rem / 3600, (rem % 3600) / 60, rem % 60),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_827_723); // 2026-11-28T01:02:03Z
        assert_eq!(format_rfc3339(t), "2026-11-28T01:02:03Z");
        assert_eq!(format_botocore(t), "2026-11-28T01:02:03UTC");
        for s in [
            "2026-11-28T01:02:03Z",
            "2026-11-28T01:02:03UTC",
            "2026-11-28T01:02:03+00:00",
            "2026-11-28T02:02:03+01:00",
            "2026-11-28T00:02:03-0100",
        ] {
            assert_eq!(parse_iso8601(s), Some(t), "{s}");
        }
        assert_eq!(
            parse_iso8601("2026-11-28T01:02:03.5Z"),
            Some(t + Duration::from_millis(500))
        );
        assert_eq!(parse_iso8601("yesterday"), None);
        assert_eq!(parse_iso8601("2026-13-28T01:02:03Z"), None);
    }
}
