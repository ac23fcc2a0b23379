//! The one place secrets are masked.
//!
//! Every report writer and the console pass their finished text through a [`Redactor`]
//! before it leaves the process. It replaces the password and the `user:password` pair
//! in every form a text can carry them, and the value of any `Authorization:` header,
//! with `[REDACTED]`. Exchanges never store the `Authorization` header (auth is recorded
//! as a mode), so this is the second line of defence, for secrets that reach a report
//! some other way: a phone echoing a config value or the request it was sent, an error
//! message quoting a header.
//!
//! The forms: raw; base64 (standard and URL-safe, padded or not: what HTTP Basic
//! sends); URL-encoded (`%XX`, upper or lower case, `+` or `%20` for a space: a form or
//! query string); JSON-escaped once (a phone's JSON body) and twice (that body quoted in
//! report.json, a reproducer or the fuzz report); and each of those HTML/XML-escaped (the
//! HTML report and JUnit XML). All are matched in one pass (Aho-Corasick, longest match
//! first), so a large report costs one scan, not one per form.

use super::markup;
use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use std::borrow::Cow;

/// What replaces a secret.
pub const MASK: &str = "[REDACTED]";

/// Masks the secrets of one run.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Every form of every secret, longest first.
    secrets: Vec<String>,
    /// The same, as one automaton; `None` when there is nothing to mask.
    matcher: Option<AhoCorasick>,
}

impl Redactor {
    /// Secrets derived from the credentials of a run. An empty password masks nothing
    /// (there is nothing to hide, and masking "" would mangle every text).
    pub fn new(username: &str, password: &str) -> Redactor {
        Redactor::default().also(username, password)
    }

    /// This redactor masking the secrets of a second set of credentials too (the `--peer`
    /// phone's, when it has its own password).
    pub fn also(mut self, username: &str, password: &str) -> Redactor {
        if !password.is_empty() {
            let pair = format!("{username}:{password}");
            let mut carriers = vec![password.to_string()];
            for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
                carriers.push(engine.encode(password.as_bytes()));
                carriers.push(engine.encode(pair.as_bytes()));
            }
            for carrier in carriers {
                self.secrets.extend(forms(&carrier));
            }
            // A one-character password is masked as it is; its escaped forms would be
            // short fragments such as `%41`.
            self.secrets.retain(|s| s.len() >= 2 || s == password);
        }
        self.secrets.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        self.secrets.dedup();
        self.matcher = if self.secrets.is_empty() {
            None
        } else {
            AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(&self.secrets).ok()
        };
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
        let out = mask_authorization(text);
        match &self.matcher {
            Some(m) if m.is_match(out.as_ref()) => {
                Cow::Owned(m.replace_all(out.as_ref(), &vec![MASK; self.secrets.len()]))
            }
            _ => out,
        }
    }
}

/// The forms a text can carry `secret` in: raw, URL-encoded, JSON-escaped once and
/// twice, and each of those escaped for HTML/XML content and attributes.
fn forms(secret: &str) -> Vec<String> {
    let once = json_escaped(secret);
    let twice = json_escaped(&once);
    let mut plain = vec![
        secret.to_string(),
        percent_encoded(secret, Space::Percent, Hex::Upper),
        percent_encoded(secret, Space::Plus, Hex::Upper),
        percent_encoded(secret, Space::Percent, Hex::Lower),
        once,
        twice,
    ];
    let markup: Vec<String> =
        plain.iter().flat_map(|s| [markup::text(s), markup::attribute(s), s.replace('\'', "&#39;")]).collect();
    plain.extend(markup);
    plain
}

/// The inside of a JSON string holding `text` (without the quotes).
fn json_escaped(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or("").to_string()
}

#[derive(Clone, Copy)]
enum Space {
    Percent,
    Plus,
}

#[derive(Clone, Copy)]
enum Hex {
    Upper,
    Lower,
}

/// `text` percent-encoded as a form or query string writes it (RFC 3986 unreserved
/// characters kept).
fn percent_encoded(text: &str, space: Space, hex: Hex) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(b as char),
            b' ' if matches!(space, Space::Plus) => out.push('+'),
            _ if matches!(hex, Hex::Upper) => out.push_str(&format!("%{b:02X}")),
            _ => out.push_str(&format!("%{b:02x}")),
        }
    }
    out
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
    fn every_encoding_of_a_password_full_of_special_characters_is_masked() {
        let pw = r#"p&s<s> 'w"o\r%d+"#;
        let r = Redactor::new("Polycom", pw);
        let once = json_escaped(pw);
        let forms = [
            pw.to_string(),
            once.clone(),
            json_escaped(&once),
            markup::text(pw),
            markup::attribute(pw),
            markup::text(&once),
            percent_encoded(pw, Space::Plus, Hex::Upper),
            percent_encoded(pw, Space::Percent, Hex::Lower),
            STANDARD.encode(pw),
            STANDARD.encode(format!("Polycom:{pw}")),
        ];
        for form in forms {
            let out = r.redact(&format!("before {form} after"));
            assert_eq!(out, format!("before {MASK} after"), "form {form:?}");
        }
    }

    #[test]
    fn a_second_set_of_credentials_is_masked_too() {
        let r = Redactor::new("Polycom", "first-secret").also("Admin", "second-secret");
        assert_eq!(r.redact("first-secret second-secret"), format!("{MASK} {MASK}"));
    }

    #[test]
    fn an_empty_password_masks_nothing() {
        let r = Redactor::new("Polycom", "");
        assert_eq!(r.redact("nothing to hide"), "nothing to hide");
    }
}
