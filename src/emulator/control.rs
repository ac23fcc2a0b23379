//! The test harness's back door under `/control` (only with `--control`).
//!
//! These endpoints are not part of the phone: they do what a person or a second phone
//! would do (call the phone, unplug the SIP server) and what a test needs (health,
//! switching faults). They use the same Basic credentials as the API, are never held
//! busy by the one-at-a-time rule and ignore the faults.
//!
//! | method | path | body | effect |
//! |---|---|---|---|
//! | GET | /control/health | | `{"ok": true}` |
//! | GET | /control/faults | | `{"faults": [...]}` |
//! | PUT | /control/faults | `["name", ...]` | switch faults (400 lists the known ones) |
//! | POST | /control/incoming | `{"number": "2001", "name": "Caller", "line": "1"}` | a ringing incoming call: `{"handle": "..."}` |
//! | POST | /control/hangup | `{"handle": "..."}` | the far end hangs up (the call is logged) |
//! | POST | /control/line | `{"line": "1", "registered": false}` | (un)register a line |

use super::answer::{Answer, Body, Dress, render};
use super::faults::{Fault, parse_faults};
use super::server::Shared;
use super::state::{Direction, MAX_CALLS};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};
use std::time::Instant;

pub fn is_control_path(path: &str) -> bool {
    path == "/control" || path.starts_with("/control/")
}

fn reply(code: StatusCode, body: Value) -> Response<Body> {
    render(Answer::Json { code, body }, Dress::default())
}

fn error(code: StatusCode, message: impl Into<String>) -> Response<Body> {
    reply(code, json!({"error": message.into()}))
}

pub async fn handle(req: Request<Incoming>, shared: &Shared) -> Response<Body> {
    if !shared.authorized_strictly(req.headers()) {
        return render(Answer::http(StatusCode::UNAUTHORIZED), Dress::default());
    }
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let body = match Limited::new(req.into_body(), 64 * 1024).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "control bodies are limited to 64 KiB",
            );
        }
    };
    let json: Option<Value> = if body.is_empty() {
        None
    } else {
        serde_json::from_slice(&body).ok()
    };
    if !body.is_empty() && json.is_none() {
        return error(StatusCode::BAD_REQUEST, "the body is not JSON");
    }
    let field = |name: &str| {
        json.as_ref()
            .and_then(|j| j.get(name))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    match (method, path.as_str()) {
        (Method::GET, "/control/health") => reply(StatusCode::OK, json!({"ok": true})),
        (Method::GET, "/control/faults") => {
            reply(StatusCode::OK, json!({"faults": shared.faults.names()}))
        }
        (Method::PUT, "/control/faults") => {
            let Some(names) = json.as_ref().and_then(Value::as_array).and_then(|a| {
                a.iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
            }) else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "expected a JSON array of fault names, e.g. [\"size-limit-missing\"]",
                );
            };
            match parse_faults(&names) {
                Ok(bits) => {
                    shared.faults.set(bits);
                    reply(StatusCode::OK, json!({"faults": shared.faults.names()}))
                }
                Err(msg) => error(StatusCode::BAD_REQUEST, msg),
            }
        }
        (Method::POST, "/control/incoming") => {
            let number = field("number").unwrap_or_else(|| "2001".into());
            let name = field("name").unwrap_or_default();
            let line = field("line")
                .and_then(|l| l.parse::<u32>().ok())
                .unwrap_or(1);
            let mut phone = shared.phone();
            if phone.line(line).is_none() {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("line {line} does not exist"),
                );
            }
            if phone.calls.len() >= MAX_CALLS {
                return error(
                    StatusCode::CONFLICT,
                    format!("the phone already has {MAX_CALLS} calls"),
                );
            }
            let handle = phone.add_call(
                Instant::now(),
                Direction::Incoming,
                line,
                &number,
                &name,
                "SIP",
            );
            reply(StatusCode::OK, json!({"handle": format!("{handle:08x}")}))
        }
        (Method::POST, "/control/hangup") => {
            let Some(handle) = field("handle") else {
                return error(StatusCode::BAD_REQUEST, "expected {\"handle\": \"...\"}");
            };
            let mut phone = shared.phone();
            match phone.find(&handle) {
                Some(idx) => {
                    phone.end_call(
                        idx,
                        Instant::now(),
                        !shared.faults.has(Fault::CallNotLogged),
                    );
                    reply(StatusCode::OK, json!({"ok": true}))
                }
                None => error(
                    StatusCode::NOT_FOUND,
                    format!("no call with handle `{handle}`"),
                ),
            }
        }
        (Method::POST, "/control/line") => {
            let line = field("line")
                .and_then(|l| l.parse::<u32>().ok())
                .unwrap_or(1);
            let Some(registered) = json
                .as_ref()
                .and_then(|j| j.get("registered"))
                .and_then(Value::as_bool)
            else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "expected {\"line\": \"1\", \"registered\": true|false}",
                );
            };
            let mut phone = shared.phone();
            match phone.lines.iter_mut().find(|l| l.number == line) {
                Some(l) => {
                    l.registered = registered;
                    reply(StatusCode::OK, json!({"ok": true}))
                }
                None => error(StatusCode::NOT_FOUND, format!("line {line} does not exist")),
            }
        }
        _ => error(StatusCode::NOT_FOUND, format!("no control endpoint {path}")),
    }
}
