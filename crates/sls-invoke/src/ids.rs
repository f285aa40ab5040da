//! Request ids and log stream names that look like Lambda's: a v4-shaped UUID and
//! `YYYY/MM/DD/[$LATEST]<32 hex>`. Randomness comes from std's per-process hasher keys, which is
//! plenty for ids that only have to differ between invocations.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

fn random_u64(salt: u64) -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(salt);
    if let Ok(d) = SystemTime::now().duration_since(UNIX_EPOCH) {
        h.write_u128(d.as_nanos());
    }
    h.write_u32(std::process::id());
    h.finish()
}

fn random_128() -> u128 {
    (u128::from(random_u64(1)) << 64) | u128::from(random_u64(2))
}

/// A random UUID in the v4 layout, e.g. `3f2b8c1e-9d4a-4e7b-8c21-5a6f0e9d1b2c`.
pub fn request_id() -> String {
    let mut v = random_128();
    // Version 4 and the RFC 4122 variant bits.
    v = (v & !(0xF_u128 << 76)) | (0x4_u128 << 76);
    v = (v & !(0x3_u128 << 62)) | (0x2_u128 << 62);
    let hex = format!("{v:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `YYYY/MM/DD/[$LATEST]<32 hex>` with today's UTC date, like a Lambda log stream.
pub fn log_stream_name(now: SystemTime) -> String {
    let days = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    let date = sls_config::calendar::civil_from_days(days as i64);
    let (y, m, d) = (date.year, date.month, date.day);
    format!("{y:04}/{m:02}/{d:02}/[$LATEST]{:032x}", random_128())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn request_ids_are_v4_shaped_and_differ() {
        let a = request_id();
        let b = request_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
    }

    #[test]
    fn civil_dates() {
        let ymd = |days| {
            let d = sls_config::calendar::civil_from_days(days);
            (d.year, d.month, d.day)
        };
        assert_eq!(ymd(0), (1970, 1, 1));
        assert_eq!(ymd(19_723), (2024, 1, 1));
        assert_eq!(ymd(19_782), (2024, 2, 29));
    }

    #[test]
    fn log_stream_shape() {
        let t = UNIX_EPOCH + Duration::from_secs(19_782 * 86_400 + 5);
        let s = log_stream_name(t);
        assert!(s.starts_with("2024/02/29/[$LATEST]"), "{s}");
        assert_eq!(s.len(), "2024/02/29/[$LATEST]".len() + 32);
    }
}
