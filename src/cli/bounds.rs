//! The ranges of the numeric flags: each is checked when the command line is parsed, so a
//! value out of range is a usage error (exit 2) naming the flag and the range, never a
//! panic deep inside (a `--timeout 1e20` once crashed converting seconds to a duration).

use std::ops::RangeInclusive;

/// `--timeout`: more than 0 and at most an hour per request (the lab inventory's
/// `timeout_secs` takes the same range).
pub const TIMEOUT_SECS: RangeInclusive<f64> = 0.0..=3600.0;
/// `--pace-ms`: at most a minute between two requests.
pub const PACE_MS: RangeInclusive<u64> = 0..=60_000;
/// Added emulator latency: at most a minute per request.
pub const LATENCY_MS: RangeInclusive<u64> = 0..=60_000;
/// How long an emulated reboot takes the phone away: at most ten minutes.
pub const REBOOT_MS: RangeInclusive<u64> = 0..=600_000;
/// `fuzz --duration`: one second to a week.
pub const FUZZ_SECS: RangeInclusive<u64> = 1..=604_800;
/// `fuzz --recovery-secs`: one second to an hour.
pub const RECOVERY_SECS: RangeInclusive<u64> = 1..=3600;
/// `fuzz --cases`: at least one, at most a billion.
pub const FUZZ_CASES: RangeInclusive<u64> = 1..=1_000_000_000;

/// `--max-body`: `1048576`, `64k`, `4M`... within 1 KiB ..= 1 GiB.
pub fn max_body(text: &str) -> Result<usize, crate::device::body_limit::BodyLimitError> {
    crate::device::body_limit::parse(text)
}

/// `--timeout SECS`: a number of seconds in `(0, 3600]`.
pub fn timeout_secs(text: &str) -> Result<f64, String> {
    let secs: f64 =
        text.trim().parse().map_err(|_| format!("`{text}` is not a number of seconds (hint: e.g. 10 or 2.5)"))?;
    if secs.is_finite() && secs > *TIMEOUT_SECS.start() && secs <= *TIMEOUT_SECS.end() {
        Ok(secs)
    } else {
        Err(format!("{text} is not usable: give more than 0 and at most {} seconds", TIMEOUT_SECS.end()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_in_range_are_taken_and_the_rest_named() {
        assert_eq!(timeout_secs("10"), Ok(10.0));
        assert_eq!(timeout_secs(" 0.5 "), Ok(0.5));
        assert_eq!(timeout_secs("3600"), Ok(3600.0));
        for bad in ["0", "-1", "1e20", "inf", "NaN", "3600.5"] {
            let err = timeout_secs(bad).unwrap_err();
            assert!(err.contains("at most 3600 seconds"), "{bad}: {err}");
        }
        assert!(timeout_secs("ten").unwrap_err().contains("not a number"));
    }
}
