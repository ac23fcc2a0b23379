//! How much of an answer's body a record keeps.
//!
//! The judges see up to `--max-body` bytes of every answer (1 MiB by default); a record is
//! kept for the whole run and written to `report.json`, `index.html`, `junit.xml` and
//! fuzz reproducers, so it keeps less:
//!
//! - an answer the harness read whole keeps up to [`WHOLE_BODY_BYTES`] (64 KiB): every
//!   answer the manual documents fits, so a report can still be re-judged offline;
//! - an answer the judges could not read (larger than `--max-body`, or JSON nested deeper
//!   than the parser goes) keeps only its first [`CUT_BODY_BYTES`] (4 KiB), enough to see
//!   what the phone was sending.
//!
//! Either way the answer's size and the SHA-256 of what the judges read stay in
//! [`Truncation`](crate::device::exchange::Truncation). With these bounds a full run
//! against a phone that answers every request with 10 MB stays a few megabytes of report
//! (about 600 exchanges of 4 KiB), where keeping every body whole took 20 GB of memory.
//! Bodies are stored as bytes (text in the JSON report), never as parsed JSON, so an
//! answer nested 100 000 levels deep is a string in the report, not a tree to recurse into.

use crate::device::{Exchange, Outcome};

/// Bytes kept of an answer that was read whole.
pub const WHOLE_BODY_BYTES: usize = 64 * 1024;

/// Bytes kept of an answer larger than `--max-body`.
pub const CUT_BODY_BYTES: usize = 4 * 1024;

/// Cut the answer of `exchange` to what a record keeps. Request bodies are the harness's
/// own (at most the fuzzer's oversize probes) and are kept whole.
pub fn keep(exchange: &mut Exchange) {
    if let Outcome::Answered(r) = &mut exchange.outcome {
        let cut_on_wire = r.truncated.as_ref().is_some_and(|t| !t.read_whole());
        // JSON deeper than the parser goes was not judged either: its first bytes suffice.
        let unreadable = cut_on_wire || (r.body.len() > CUT_BODY_BYTES && r.nested_too_deep());
        r.keep_first(if unreadable { CUT_BODY_BYTES } else { WHOLE_BODY_BYTES });
    }
}

/// [`keep`] for every exchange.
pub fn keep_all(exchanges: &mut [Exchange]) {
    exchanges.iter_mut().for_each(keep);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::exchange::{BodySize, Truncation, WireRequest, WireResponse};

    fn answered(r: WireResponse) -> Exchange {
        Exchange {
            step: "request".into(),
            request: WireRequest::get("/x"),
            outcome: Outcome::Answered(r),
            elapsed_ms: 1,
        }
    }

    #[test]
    fn small_answers_are_kept_whole() {
        let mut ex = answered(WireResponse::new(200, vec![], br#"{"Status":"2000"}"#.to_vec()));
        let before = ex.clone();
        keep(&mut ex);
        assert_eq!(ex, before);
    }

    #[test]
    fn a_large_whole_answer_keeps_64_kib_with_its_size() {
        let mut ex = answered(WireResponse::new(200, vec![], vec![b'a'; 200_000]));
        keep(&mut ex);
        let r = ex.outcome.response().unwrap();
        assert_eq!(r.body.len(), WHOLE_BODY_BYTES);
        let t = r.truncated.as_ref().unwrap();
        assert_eq!((t.read, t.size), (200_000, BodySize::Exact(200_000)));
    }

    #[test]
    fn deep_json_keeps_4_kib() {
        let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        let mut ex = answered(WireResponse::new(200, vec![], deep.into_bytes()));
        keep(&mut ex);
        assert_eq!(ex.outcome.response().unwrap().body.len(), CUT_BODY_BYTES);
    }

    #[test]
    fn an_answer_cut_on_the_wire_keeps_4_kib_and_what_the_client_recorded() {
        let t = Truncation { read: 1 << 20, size: BodySize::AtLeast(1 << 21), sha256: "ab".into() };
        let mut r = WireResponse::new(200, vec![], vec![b'{'; 1 << 20]);
        r.truncated = Some(t.clone());
        let mut exchanges = vec![answered(r)];
        keep_all(&mut exchanges);
        let r = exchanges[0].outcome.response().unwrap();
        assert_eq!(r.body.len(), CUT_BODY_BYTES);
        assert_eq!(r.truncated.as_ref(), Some(&t));
    }
}
