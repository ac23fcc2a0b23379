//! Wall-clock time for records: RFC 3339 for people, milliseconds since the epoch for
//! ordering and reservation expiry (the same in SQLite and PostgreSQL).

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Now, as RFC 3339 in UTC (`2026-05-20T03:00:00.123Z`).
pub fn now_rfc3339() -> String {
    rfc3339(now_ms())
}

/// A time in milliseconds since the epoch, as RFC 3339 in UTC.
pub fn rfc3339(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| ms.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_is_utc_with_the_date_first() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert!(now_rfc3339().starts_with("20"));
    }
}
