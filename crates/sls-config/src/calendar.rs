//! Proleptic Gregorian calendar arithmetic (Howard Hinnant's `days_from_civil`), shared by the
//! YAML timestamp reader here and the AWS timestamp parser in sls-aws, which depends on this
//! crate; no date library is needed for either.

/// Days since 1970-01-01 for a proleptic Gregorian date; `m` may be outside 1..=12 (it carries
/// into the year, as JavaScript's `Date.UTC` does).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = y + (m - 1).div_euclid(12);
    let m = (m - 1).rem_euclid(12) + 1;
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::days_from_civil;

    #[test]
    fn known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2026, 11, 28), 20_785);
        // Out-of-range months carry into the year.
        assert_eq!(days_from_civil(2025, 13, 1), days_from_civil(2026, 1, 1));
        assert_eq!(days_from_civil(2026, 0, 1), days_from_civil(2025, 12, 1));
    }
}
