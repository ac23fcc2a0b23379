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
use super::shared::Shared;
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

/// One `/control` request: credentials, then the body (JSON or none), then the endpoint.
pub async fn handle(req: Request<Incoming>, shared: &Shared) -> Response<Body> {
    if !shared.authorized_strictly(req.headers()) {
        return render(Answer::http(StatusCode::UNAUTHORIZED), Dress::default());
    }
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let json = match read_json(req).await {
        Ok(json) => json,
        Err(refused) => return refused,
    };
    let json = json.as_ref();
    match (method, path.as_str()) {
        (Method::GET, "/control/health") => reply(StatusCode::OK, json!({"ok": true})),
        (Method::GET, "/control/faults") => reply(StatusCode::OK, json!({"faults": shared.faults.names()})),
        (Method::PUT, "/control/faults") => set_faults(shared, json),
        (Method::POST, "/control/incoming") => incoming(shared, json),
        (Method::POST, "/control/hangup") => hangup(shared, json),
        (Method::POST, "/control/line") => set_line(shared, json),
        _ => error(StatusCode::NOT_FOUND, format!("no control endpoint {path}")),
    }
}

/// The body as JSON (`None` when empty); a body over 64 KiB or not JSON is refused here.
async fn read_json(req: Request<Incoming>) -> Result<Option<Value>, Response<Body>> {
    let body = match Limited::new(req.into_body(), 64 * 1024).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return Err(error(StatusCode::PAYLOAD_TOO_LARGE, "control bodies are limited to 64 KiB"));
        }
    };
    if body.is_empty() {
        return Ok(None);
    }
    match serde_json::from_slice(&body) {
        Ok(json) => Ok(Some(json)),
        Err(_) => Err(error(StatusCode::BAD_REQUEST, "the body is not JSON")),
    }
}

/// A string member of the body.
fn field(json: Option<&Value>, name: &str) -> Option<String> {
    json.and_then(|j| j.get(name)).and_then(Value::as_str).map(str::to_string)
}

/// The line a body names (`"line": "2"`), line 1 when it names none.
fn line_field(json: Option<&Value>) -> u32 {
    field(json, "line").and_then(|l| l.parse::<u32>().ok()).unwrap_or(1)
}

/// PUT /control/faults: switch faults; an unknown name changes nothing.
fn set_faults(shared: &Shared, json: Option<&Value>) -> Response<Body> {
    let Some(names) = json
        .and_then(Value::as_array)
        .and_then(|a| a.iter().map(|v| v.as_str().map(str::to_string)).collect::<Option<Vec<_>>>())
    else {
        return error(StatusCode::BAD_REQUEST, "expected a JSON array of fault names, e.g. [\"size-limit-missing\"]");
    };
    match parse_faults(&names) {
        Ok(bits) => {
            shared.faults.set(bits);
            reply(StatusCode::OK, json!({"faults": shared.faults.names()}))
        }
        Err(msg) => error(StatusCode::BAD_REQUEST, msg),
    }
}

/// POST /control/incoming: a ringing incoming call, as a second phone would place it.
fn incoming(shared: &Shared, json: Option<&Value>) -> Response<Body> {
    let number = field(json, "number").unwrap_or_else(|| "2001".into());
    let name = field(json, "name").unwrap_or_default();
    let line = line_field(json);
    let mut phone = shared.phone();
    if phone.line(line).is_none() {
        return error(StatusCode::BAD_REQUEST, format!("line {line} does not exist"));
    }
    if phone.calls.len() >= MAX_CALLS {
        return error(StatusCode::CONFLICT, format!("the phone already has {MAX_CALLS} calls"));
    }
    let handle = phone.add_call(Instant::now(), Direction::Incoming, line, &number, &name, "SIP");
    reply(StatusCode::OK, json!({"handle": format!("{handle:08x}")}))
}

/// POST /control/hangup: the far end hangs up; the call is logged.
fn hangup(shared: &Shared, json: Option<&Value>) -> Response<Body> {
    let Some(handle) = field(json, "handle") else {
        return error(StatusCode::BAD_REQUEST, "expected {\"handle\": \"...\"}");
    };
    let mut phone = shared.phone();
    match phone.find(&handle) {
        Some(idx) => {
            phone.end_call(idx, Instant::now(), !shared.faults.has(Fault::CallNotLogged));
            reply(StatusCode::OK, json!({"ok": true}))
        }
        None => error(StatusCode::NOT_FOUND, format!("no call with handle `{handle}`")),
    }
}

/// POST /control/line: (un)register a line, as unplugging the SIP server would.
fn set_line(shared: &Shared, json: Option<&Value>) -> Response<Body> {
    let line = line_field(json);
    let Some(registered) = json.and_then(|j| j.get("registered")).and_then(Value::as_bool) else {
        return error(StatusCode::BAD_REQUEST, "expected {\"line\": \"1\", \"registered\": true|false}");
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
