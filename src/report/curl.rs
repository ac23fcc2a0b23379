//! A curl command line that re-sends one recorded request, without the password.
//!
//! Credentials come from the environment at paste time (`-u "Polycom:$POLYCONFORM_PASSWORD"`),
//! so the line is runnable as printed and holds no secret. Bodies that are not UTF-8
//! are piped in from `printf` so the bytes are exact.

use crate::catalogue::case::AuthMode;
use crate::device::Exchange;

/// The curl command reproducing `ex` against `base_url`.
///
/// `insecure` adds `-k` (the run trusted the certificate by `--insecure` or a pin).
pub fn command(ex: &Exchange, base_url: &str, username: &str, insecure: bool) -> String {
    let req = &ex.request;
    let mut parts: Vec<String> = vec!["curl".into(), "-sS".into(), "-i".into()];
    if insecure {
        parts.push("-k".into());
    }
    match req.auth {
        AuthMode::Valid => parts.push(format!("-u \"{}:$POLYCONFORM_PASSWORD\"", double_quoted(username))),
        AuthMode::None => {}
        // The wrong password is the harness's own invention, not a secret.
        AuthMode::WrongPassword => parts.push(format!("-u {}", quote(&format!("{username}:polyconform-wrong")))),
        AuthMode::WrongUser => parts.push(format!("-u \"{}-not:$POLYCONFORM_PASSWORD\"", double_quoted(username))),
    }
    parts.push("-X".into());
    parts.push(quote(&req.method));
    for (name, value) in &req.headers {
        parts.push("-H".into());
        parts.push(quote(&format!("{name}: {value}")));
    }
    let mut prefix = String::new();
    if let Some(body) = &req.body {
        match std::str::from_utf8(body) {
            Ok(text) => {
                parts.push("--data-binary".into());
                parts.push(quote(text));
            }
            Err(_) => {
                prefix = format!("printf '{}' | ", body.iter().map(|b| format!("\\{b:03o}")).collect::<String>());
                parts.push("--data-binary".into());
                parts.push("@-".into());
            }
        }
    }
    parts.push(quote(&format!("{}{}", base_url.trim_end_matches('/'), req.path)));
    format!("{prefix}{}", parts.join(" "))
}

/// The command with a `--data-binary` body longer than `max` bytes replaced by a note,
/// for the console; reports keep the whole command.
pub fn abbreviate(cmd: &str, max: usize) -> String {
    const FLAG: &str = "--data-binary '";
    let Some(at) = cmd.find(FLAG) else {
        return cmd.to_string();
    };
    let start = at + FLAG.len();
    let bytes = cmd.as_bytes();
    let mut i = start;
    // The body ends at the first `'` that does not open an escaped quote (`'\''`).
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            if cmd[i..].starts_with("'\\''") {
                i += 4;
                continue;
            }
            break;
        }
        i += 1;
    }
    if i - start <= max {
        return cmd.to_string();
    }
    format!("{}{FLAG}<{} bytes: the full command is in report.json>{}", &cmd[..at], i - start, &cmd[i..])
}

/// Single-quote for a POSIX shell (`'` becomes `'\''`).
pub fn quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c)) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Escape for the inside of a double-quoted shell word.
fn double_quoted(s: &str) -> String {
    s.chars().flat_map(|c| if matches!(c, '"' | '\\' | '$' | '`') { vec!['\\', c] } else { vec![c] }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Outcome, WireRequest};

    fn exchange(request: WireRequest) -> Exchange {
        Exchange { step: "request".into(), request, outcome: Outcome::Timeout { after_ms: 1 }, elapsed_ms: 1 }
    }

    #[test]
    fn post_with_json_body_and_env_password() {
        let ex = exchange(WireRequest::post_json("/api/v1/mgmt/config/get", &serde_json::json!({"data": ["it's"]})));
        let cmd = command(&ex, "https://10.0.0.5/", "Polycom", true);
        assert_eq!(
            cmd,
            r#"curl -sS -i -k -u "Polycom:$POLYCONFORM_PASSWORD" -X POST -H 'Content-Type: application/json' --data-binary '{"data":["it'\''s"]}' https://10.0.0.5/api/v1/mgmt/config/get"#
        );
    }

    #[test]
    fn long_bodies_are_abbreviated_for_the_console_only() {
        let ex = exchange(WireRequest::post_json("/x", &serde_json::json!({"data": ["it's", "x".repeat(50)]})));
        let cmd = command(&ex, "http://h", "Polycom", false);
        assert_eq!(abbreviate(&cmd, 1000), cmd);
        let short = abbreviate(&cmd, 10);
        assert!(
            short.contains("--data-binary '<")
                && short.contains(" bytes: the full command is in report.json>' http://h/x"),
            "{short}"
        );
    }

    #[test]
    fn no_credentials_and_binary_bodies() {
        let mut req = WireRequest::get("/api/v1/mgmt/device/info?x=a b");
        req.auth = AuthMode::None;
        req.body = Some(vec![0xff, b'a'].into());
        let cmd = command(&exchange(req), "http://127.0.0.1:8080", "Polycom", false);
        assert!(cmd.starts_with(r"printf '\377\141' | curl -sS -i -X GET --data-binary @- "), "{cmd}");
        assert!(!cmd.contains("-u"), "{cmd}");
        assert!(cmd.ends_with("'http://127.0.0.1:8080/api/v1/mgmt/device/info?x=a b'"), "{cmd}");
    }
}
