//! When one side's answer is slow enough to report: a timing outlier.
//!
//! An answer is an outlier when it took at least [`FACTOR`] times as long as the other
//! side's answer to the same step *and* at least [`FLOOR_MS`] longer. The factor finds a
//! firmware that got slower; the floor keeps noise out: an emulator answers in a
//! millisecond or two, and a scheduler hiccup of 10 ms is a factor of 10 but says nothing
//! about a phone. Only steps that sent one request on each side and got an answer on both
//! are timed (a poll or a burst takes as long as the race it runs; a timeout is an
//! outcome difference already).

/// How many times slower an answer must be.
pub const FACTOR: u64 = 5;

/// How many milliseconds slower an answer must be, whatever the factor.
pub const FLOOR_MS: u64 = 50;

/// Whether `slow_ms` against `fast_ms` is an outlier (in either order: the caller asks
/// with the two sides' times).
pub fn is_outlier(a_ms: u64, b_ms: u64) -> bool {
    let (fast, slow) = if a_ms <= b_ms { (a_ms, b_ms) } else { (b_ms, a_ms) };
    slow >= fast.saturating_mul(FACTOR) && slow - fast >= FLOOR_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outlier_needs_both_the_factor_and_the_floor() {
        assert!(!is_outlier(0, 40), "microsecond noise under the floor");
        assert!(!is_outlier(1, 49));
        assert!(is_outlier(1, 60));
        assert!(is_outlier(60, 1), "either side may be the slow one");
        assert!(!is_outlier(200, 900), "4.5x is not enough");
        assert!(is_outlier(200, 1000));
        assert!(!is_outlier(0, 0));
    }
}
