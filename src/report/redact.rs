//! The one place secrets are masked.
//!
//! Every report writer and the console pass their text through a [`Redactor`] before it
//! leaves the process. It replaces the password, its base64, the base64 of
//! `user:password` (what HTTP Basic sends) and the value of any `Authorization:` header
//! with `[REDACTED]`. Exchanges never store the `Authorization` header (auth is recorded
//! as a mode), so this is the second line of defence, for secrets that reach a report
//! some other way: a phone echoing a config value, an error message quoting a header.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use std::borrow::Cow;

/// What replaces a secret.
pub const MASK: &str = "[REDACTED]";

/// Masks the secrets of one run.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is masked whole.
    secrets: Vec<String>,
}

impl Redactor {
    /// Secrets derived from the credentials of a run. An empty password masks nothing
    /// (there is nothing to hide, and masking "" would mangle every text).
    pub fn new(username: &str, password: &str) -> Redactor {
        let mut secrets = Vec::new();
        if !password.is_empty() {
            secrets.push(password.to_string());
            let pair = format!("{username}:{password}");
            for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
                secrets.push(engine.encode(password.as_bytes()));
                secrets.push(engine.encode(pair.as_bytes()));
            }
            // JSON and URL encodings of the password, as a report may quote it.
            if let Ok(json) = serde_json::to_string(password) {
                secrets.push(json.trim_matches('"').to_string());
            }
        }
        secrets.retain(|s| s.len() >= 2 || s == password);
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        secrets.dedup();
        Redactor { secrets }
    }

    /// This redactor masking the secrets of a second set of credentials too (the `--peer`
    /// phone's, when it has its own password).
    pub fn also(mut self, username: &str, password: &str) -> Redactor {
        self.secrets.extend(Redactor::new(username, password).secrets);
        self.secrets.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        self.secrets.dedup();
        self
    }

    /// A redactor that only masks `Authorization:` headers (no known password).
    pub fn headers_only() -> Redactor {
        Redactor::default()
    }

    /// `text` with every secret and every `Authorization:` header value masked.
    pub fn redact(&self, text: &str) -> String {
        self.masked(text).into_owned()
    }

    /// [`Redactor::redact`] for text the caller owns: returned as it is when there is
    /// nothing to mask, so large texts (a wire log line) are not copied for nothing.
    pub fn redact_owned(&self, text: String) -> String {
        let changed = match self.masked(&text) {
            Cow::Owned(s) => Some(s),
            Cow::Borrowed(_) => None,
        };
        changed.unwrap_or(text)
    }

    fn masked<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = mask_authorization(text);
        for s in &self.secrets {
            if !s.is_empty() && out.contains(s.as_str()) {
                out = Cow::Owned(out.replace(s.as_str(), MASK));
            }
        }
        out
    }
}

/// Mask the value of `Authorization:` headers, whatever their case, up to the end of line
/// (or of a quoted string, when the header sits inside JSON or a shell command).
fn mask_authorization(text: &str) -> Cow<'_, str> {
    const NAME: &str = "authorization";
    if !text.as_bytes().windows(NAME.len()).any(|w| w.eq_ignore_ascii_case(NAME.as_bytes())) {
        return Cow::Borrowed(text);
    }
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(pos) = lower[i..].find(NAME) {
        let start = i + pos;
        let after = start + NAME.len();
        out.push_str(&text[i..after]);
        // Separator: optional quote/space, then ':' or '=' or `": "`.
        let rest = &text[after..];
        let sep_len = rest
            .chars()
            .take_while(|c| matches!(c, '"' | '\'' | ' ' | ':' | '=' | '\t'))
            .map(char::len_utf8)
            .sum::<usize>();
        if sep_len == 0 || !rest[..sep_len].contains([':', '=']) {
            i = after;
            continue;
        }
        out.push_str(&rest[..sep_len]);
        let value_start = after + sep_len;
        let value_len = text[value_start..].find(['\n', '\r', '"', '\'']).unwrap_or(text.len() - value_start);
        if value_len > 0 {
            out.push_str(MASK);
        }
        i = value_start + value_len;
    }
    out.push_str(&text[i..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_and_every_base64_form_are_masked() {
        let r = Redactor::new("Polycom", "S3cr3t-Pa55");
        let pair = STANDARD.encode("Polycom:S3cr3t-Pa55");
        let alone = STANDARD.encode("S3cr3t-Pa55");
        let text =
            format!("pw S3cr3t-Pa55 basic {pair} b64 {alone} url {}", URL_SAFE_NO_PAD.encode("Polycom:S3cr3t-Pa55"));
        let out = r.redact(&text);
        assert!(!out.contains("S3cr3t-Pa55") && !out.contains(&pair) && !out.contains(&alone), "{out}");
        assert_eq!(out.matches(MASK).count(), 4, "{out}");
    }

    #[test]
    fn authorization_headers_are_masked_in_any_case_and_quoting() {
        let r = Redactor::headers_only();
        assert_eq!(r.redact("Authorization: Basic abc\nX: y"), "Authorization: [REDACTED]\nX: y");
        assert_eq!(
            r.redact("curl -H 'authorization: Digest x=1' http://a"),
            "curl -H 'authorization: [REDACTED]' http://a"
        );
        assert_eq!(r.redact(r#"{"Authorization":"Basic abc","b":1}"#), r#"{"Authorization":"[REDACTED]","b":1}"#);
        // The word alone is not a header.
        assert_eq!(r.redact("Authorization failed."), "Authorization failed.");
    }

    #[test]
    fn owned_text_is_masked_the_same_way() {
        let r = Redactor::new("Polycom", "S3cr3t-Pa55");
        for text in ["clean text", "pw S3cr3t-Pa55", "AUTHORIZATION: Basic x", "authorization=\"a\" S3cr3t-Pa55"] {
            assert_eq!(r.redact_owned(text.to_string()), r.redact(text), "{text}");
        }
        assert_eq!(r.redact_owned("pw S3cr3t-Pa55".into()), format!("pw {MASK}"));
    }

    #[test]
    fn an_empty_password_masks_nothing() {
        let r = Redactor::new("Polycom", "");
        assert_eq!(r.redact("nothing to hide"), "nothing to hide");
    }
}
