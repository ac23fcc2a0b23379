//! How much of an answer the harness reads: `--max-body`, its bounds, its spelling
//! (`1048576`, `64k`, `4M`), and the read that stops there.
//!
//! The manual sets no bound on the size of an answer, so a phone that answers 10 MB, or
//! streams forever, is not wrong for that alone; but holding every such answer whole cost
//! a full run 20 GB of memory. The client reads an answer chunk by chunk and keeps at most
//! the limit; past it, it stops reading and drops the response, which closes the
//! connection instead of draining (or pooling) it. The answer then carries a
//! [`Truncation`]: the whole size when the phone announced it (`Content-Length`), else
//! "at least" what arrived, and the SHA-256 of the bytes kept. Judging such an answer is
//! `check::body_limits`'s business.

use super::exchange::{BodySize, Truncation, sha256_hex};

/// Bytes of an answer read by default (1 MiB): every answer the manual documents is a few
/// kilobytes; a config dump or a long call log stays far below.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// The smallest limit accepted: 1 KiB still holds any failure answer and device/info.
pub const MIN_MAX_BODY: usize = 1024;

/// The largest limit accepted: 1 GiB; more than this is a memory risk, not a test.
pub const MAX_MAX_BODY: usize = 1024 * 1024 * 1024;

/// A limit that is not a size, or outside the accepted range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyLimitError {
    #[error("`{0}` is not a size in bytes (hint: give bytes such as 1048576, or a size such as 64k, 4M or 1G)")]
    NotASize(String),
    #[error(
        "{0} bytes is outside 1 KiB ..= 1 GiB (hint: give a size from 1k to 1G, such as 64k or 4M; 1M, the default, holds every documented answer)"
    )]
    OutOfRange(u64),
}

/// `1048576`, `64k`, `64KiB`, `4M`, `4MB`, `1G` (binary multiples, case-insensitive) as
/// bytes, within [`MIN_MAX_BODY`] ..= [`MAX_MAX_BODY`].
pub fn parse(text: &str) -> Result<usize, BodyLimitError> {
    let t = text.trim();
    let not_a_size = || BodyLimitError::NotASize(text.to_string());
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, suffix) = t.split_at(digits);
    let multiple: u64 = match suffix.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(not_a_size()),
    };
    let n: u64 = number.parse().map_err(|_| not_a_size())?;
    checked(n.checked_mul(multiple).ok_or(BodyLimitError::OutOfRange(u64::MAX))?)
}

/// A number of bytes, if it is within the accepted range.
pub fn checked(bytes: u64) -> Result<usize, BodyLimitError> {
    if (MIN_MAX_BODY as u64..=MAX_MAX_BODY as u64).contains(&bytes) {
        Ok(bytes as usize)
    } else {
        Err(BodyLimitError::OutOfRange(bytes))
    }
}

/// Where reading one answer got to.
#[derive(Debug, Default)]
pub struct Reader {
    limit: usize,
    body: Vec<u8>,
    /// Bytes that arrived, the part of the last chunk past the limit included.
    seen: u64,
    over: bool,
}

impl Reader {
    pub fn new(limit: usize) -> Reader {
        Reader { limit, ..Reader::default() }
    }

    /// Take one chunk; `false` once the limit is passed (stop reading).
    pub fn push(&mut self, chunk: &[u8]) -> bool {
        self.seen += chunk.len() as u64;
        let room = self.limit - self.body.len();
        self.body.extend_from_slice(&chunk[..room.min(chunk.len())]);
        if chunk.len() > room {
            self.over = true;
        }
        !self.over
    }

    /// The body kept, and what is known of the whole answer when it was larger than the
    /// limit. `declared`: the answer's `Content-Length`, if it gave one.
    pub fn finish(self, declared: Option<u64>) -> (Vec<u8>, Option<Truncation>) {
        if !self.over {
            return (self.body, None);
        }
        let size = match declared {
            Some(n) if n >= self.seen => BodySize::Exact(n),
            _ => BodySize::AtLeast(self.seen),
        };
        let truncation = Truncation { read: self.body.len() as u64, size, sha256: sha256_hex(&self.body) };
        (self.body, Some(truncation))
    }
}

/// Read at most `limit` bytes of `response`'s body, then drop it: a connection whose
/// answer was not read to the end is closed, never handed back to the pool.
pub async fn read(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<(Vec<u8>, Option<Truncation>), reqwest::Error> {
    let declared = response.content_length();
    let mut reader = Reader::new(limit);
    while let Some(chunk) = response.chunk().await? {
        if !reader.push(&chunk) {
            break;
        }
    }
    drop(response);
    Ok(reader.finish(declared))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_bytes_or_binary_multiples() {
        assert_eq!(parse("1048576"), Ok(1 << 20));
        assert_eq!(parse("64k"), Ok(64 << 10));
        assert_eq!(parse("64KiB"), Ok(64 << 10));
        assert_eq!(parse(" 4M "), Ok(4 << 20));
        assert_eq!(parse("1G"), Ok(1 << 30));
        assert_eq!(parse("1024b"), Ok(1024));
    }

    #[test]
    fn bad_sizes_say_what_to_give() {
        for bad in ["", "k", "-1", "1.5M", "4T", "ten", "4 M B"] {
            let e = parse(bad).unwrap_err();
            assert!(matches!(e, BodyLimitError::NotASize(_)), "{bad}: {e:?}");
            assert!(e.to_string().contains("64k"), "{e}");
        }
        assert_eq!(parse("1023"), Err(BodyLimitError::OutOfRange(1023)));
        assert_eq!(parse("2G"), Err(BodyLimitError::OutOfRange(2 << 30)));
        assert!(parse("99999999999999999999G").is_err(), "overflow is an error, not a panic");
        assert!(parse("18446744073709551615G").is_err());
        assert!(parse("0").unwrap_err().to_string().contains("1 KiB ..= 1 GiB"));
    }

    #[test]
    fn an_answer_within_the_limit_is_kept_whole() {
        let mut r = Reader::new(8);
        assert!(r.push(b"1234"));
        assert!(r.push(b"5678"), "exactly the limit: keep reading to see the end");
        assert_eq!(r.finish(Some(8)), (b"12345678".to_vec(), None));
    }

    #[test]
    fn a_larger_answer_keeps_the_limit_its_size_and_hash() {
        let mut r = Reader::new(8);
        assert!(r.push(b"12345"));
        assert!(!r.push(b"6789abc"), "past the limit: stop");
        let (body, t) = r.finish(None);
        assert_eq!(body, b"12345678");
        let t = t.unwrap();
        assert_eq!((t.read, t.size), (8, BodySize::AtLeast(12)));
        assert_eq!(t.sha256, sha256_hex(b"12345678"));
        assert!(!t.read_whole());

        let mut r = Reader::new(8);
        r.push(b"123456789");
        assert_eq!(r.finish(Some(10_000_000)).1.unwrap().size, BodySize::Exact(10_000_000), "Content-Length");
        let mut r = Reader::new(8);
        r.push(b"123456789");
        assert_eq!(r.finish(Some(3)).1.unwrap().size, BodySize::AtLeast(9), "a Content-Length already exceeded");
    }
}
