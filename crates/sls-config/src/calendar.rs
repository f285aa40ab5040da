//! Proleptic Gregorian calendar arithmetic (Howard Hinnant's `days_from_civil` and its inverse),
//! shared by the YAML timestamp reader here, the AWS timestamps in sls-aws and the log stream
//! names in sls-invoke, which depend on this crate; no date library is needed for any.

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

/// A proleptic Gregorian date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CivilDate {
    pub year: i64,
    /// 1..=12.
    pub month: u32,
    /// 1..=31.
    pub day: u32,
}

/// The inverse of [`days_from_civil`]: days since 1970-01-01 → its date.
pub fn civil_from_days(z: i64) -> CivilDate {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    CivilDate {
        year: if m <= 2 { y + 1 } else { y },
        month: m,
        day: d,
    }
}

#[cfg(test)]
mod tests {
    use super::{civil_from_days, days_from_civil, CivilDate};

    #[test]
    fn civil_from_days_inverts_days_from_civil() {
        for (y, m, d) in [
            (1970, 1, 1),
            (1969, 12, 31),
            (2000, 2, 29),
            (2026, 11, 28),
            (1600, 3, 1),
        ] {
            assert_eq!(
                civil_from_days(days_from_civil(y, m as i64, d as i64)),
                CivilDate {
                    year: y,
                    month: m,
                    day: d
                }
            );
        }
    }

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
