//! Connections and the HTTP rules every request passes before an API handler sees it.
//!
//! Order of the checks, and why:
//! 1. `/control/...` (only with `control`) is the test harness's back door: it is not the
//!    phone, so it is neither held busy nor delayed.
//! 2. One request at a time (Prerequisite Information: "Parallel processing is not
//!    allowed ... HTTP 403 error or will be queued"): a request that finds the phone busy
//!    gets 403 (`ParallelMode::Reject`) or waits its turn (`Queue`). The phone counts as
//!    busy from the moment a request's headers arrive until its answer is ready, and the
//!    configured latency is spent while busy.
//! 3. Paths outside `/api`, and every `/api` path while the API is disabled, answer 404
//!    (real phones with REST disabled answer 404: research/real-devices.md §3).
//! 4. Body size (Prerequisite Information: "more than 20 KB ... HTTP 413"): a declared
//!    Content-Length over `limits.body_bytes_rejected_above` is refused before a byte of
//!    the body is read; a chunked body is read only up to the limit. The connection is
//!    closed after a 413 (what is left of the body would otherwise be read as the next
//!    request), with a short lingering read so the client sees the answer, not a reset.
//! 5. HTTP Basic (401 with `WWW-Authenticate: Basic realm="API Authentication"`).
//! 6. Routing: unknown path 404. A known path with the wrong method answers 405 with an
//!    `Allow` header: the manual is silent and no capture shows it (real-devices.md §3,
//!    GAP), so the emulator takes RFC 9110 §15.5.6, which also tells a client what would
//!    work. Paths match case-insensitively: clients use `/api/v1/mgmt/lineinfo` against
//!    VVX 410/501 and Trio 7.2 (real-devices.md §3, "Path case").
//! 7. Content type for every POST, with or without a body (Prerequisite Information:
//!    "A post request must send the content-type as application/JSON ... HTTP 400"):
//!    the media type compares case-insensitively and parameters (`; charset=utf-8`) are
//!    allowed, as real clients send both (real-devices.md §3).
//! 8. The factory password (`456`): every API call answers `{"Status": "4010"}`
//!    ("You must change the default administrator password before you can use the REST
//!    API"; code 4010 "Default Password Not Allowed").
//! 9. The API handler (`api::dispatch`); API errors ride on HTTP 200.

use super::EmulatorConfig;
use super::answer::{Answer, Body, Dress, render};
use super::api;
use super::control;
use super::faults::{Fault, FaultSet};
use super::parallel::ParallelMode;
use super::readings::{Reading, ReadingSet};
use super::state::{Phone, Reset};
use crate::catalogue::{Method, Profile};
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, header};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// A body this large is refused even with the `size-limit-missing` fault, to keep the
/// emulator's memory bounded.
const HARD_BODY_CAP: usize = 64 << 20;
/// How long the `hang-on-long-string` fault keeps a connection without an answer.
const HANG: Duration = Duration::from_secs(600);
/// How much later than its turn the `queue-slowly` reading answers a queued request.
const QUEUED_LATE: Duration = Duration::from_millis(2500);
/// JSON nesting the `crash-on-deep-nesting` fault tolerates.
const FAULT_NESTING: usize = 16;
/// String length the `hang-on-long-string` fault tolerates.
const FAULT_STRING: usize = 512;

/// Everything the connections of one emulator share.
pub struct Shared {
    pub profile: Profile,
    username: String,
    password: String,
    /// The configured password is the factory one: the API answers 4010.
    factory_password: bool,
    latency: Duration,
    parallel: ParallelMode,
    pub control: bool,
    pub reboot: Duration,
    api_enabled: bool,
    pub faults: FaultSet,
    pub readings: ReadingSet,
    /// Held while a request is processed: the one-at-a-time rule.
    gate: tokio::sync::Mutex<()>,
    phone: Mutex<Phone>,
    /// Bumped by a reboot: every open connection closes after its current answer.
    generation: watch::Sender<u64>,
    /// Lower-cased path -> indices of the profile's endpoints at that path.
    routes: HashMap<String, Vec<usize>>,
}

impl Shared {
    pub fn new(config: EmulatorConfig, fault_bits: u64, reading_bits: u64) -> Shared {
        let mut routes: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, ep) in config.profile.endpoints.iter().enumerate() {
            routes
                .entry(ep.path.to_ascii_lowercase())
                .or_default()
                .push(i);
        }
        let mut phone = Phone::new(Instant::now());
        if !config.api_enabled {
            phone.settings.set_provisioned("apps.restapi.enabled", "0");
        }
        Shared {
            factory_password: config.password == config.profile.factory_password,
            profile: config.profile,
            username: config.username,
            password: config.password,
            latency: config.latency,
            parallel: config.parallel,
            control: config.control,
            reboot: config.reboot,
            api_enabled: config.api_enabled,
            faults: FaultSet::new(fault_bits),
            readings: ReadingSet::new(reading_bits),
            gate: tokio::sync::Mutex::new(()),
            phone: Mutex::new(phone),
            generation: watch::channel(0).0,
            routes,
        }
    }

    /// The phone, with time-driven changes applied. A handler that panicked cannot leave
    /// the phone unusable: the state is plain data, so a poisoned lock is taken over.
    pub fn phone(&self) -> MutexGuard<'_, Phone> {
        let mut phone = self.phone.lock().unwrap_or_else(|e| e.into_inner());
        phone.advance(Instant::now());
        phone
    }

    fn is_down(&self) -> bool {
        self.phone().is_down(Instant::now())
    }

    /// Take the phone away: calls end, configuration resets as asked, open connections
    /// close after their current answer, new ones are reset until the outage is over.
    pub fn reboot(&self, reset: Reset) {
        let log = !self.faults.has(Fault::CallNotLogged);
        self.phone()
            .start_reboot(Instant::now(), self.reboot, reset, log);
        self.generation.send_modify(|g| *g += 1);
    }

    /// Check HTTP Basic credentials.
    pub fn authorized(&self, headers: &hyper::HeaderMap) -> bool {
        match basic_credentials(headers) {
            Credentials::Missing => self.faults.has(Fault::AuthNoneAccepted),
            Credentials::Given(user, pass) => {
                (constant_time_eq(user.as_bytes(), self.username.as_bytes())
                    & constant_time_eq(pass.as_bytes(), self.password.as_bytes()))
                    || self.faults.has(Fault::AuthWrongPasswordAccepted)
            }
            Credentials::Malformed => self.faults.has(Fault::AuthWrongPasswordAccepted),
        }
    }

    /// Credentials check for the control endpoints: faults do not apply there.
    pub fn authorized_strictly(&self, headers: &hyper::HeaderMap) -> bool {
        match basic_credentials(headers) {
            Credentials::Given(user, pass) => {
                constant_time_eq(user.as_bytes(), self.username.as_bytes())
                    & constant_time_eq(pass.as_bytes(), self.password.as_bytes())
            }
            _ => false,
        }
    }

    fn dress(&self) -> Dress {
        Dress {
            html_content_type: false,
            close: false,
            status_as_number: self.readings.has(Reading::StatusAsNumber),
            failure_http_status: self.readings.has(Reading::FailureHttpStatus),
        }
    }

    /// The endpoints served at `path` (any case), with the readings that move an endpoint
    /// to the path its manual prints (E01, E02, E21, E27, E41): then the printed path
    /// serves it and the documented one is unknown.
    fn route(&self, path: &str) -> Vec<&crate::catalogue::Endpoint> {
        let lower = path.to_ascii_lowercase();
        if self.readings.is_empty() {
            // The usual case, on every request: one map lookup.
            return self
                .routes
                .get(&lower)
                .map(|ix| ix.iter().map(|&i| &self.profile.endpoints[i]).collect())
                .unwrap_or_default();
        }
        let mut out: Vec<&crate::catalogue::Endpoint> = Vec::new();
        for e in &self.profile.endpoints {
            let moved = e
                .alternates
                .iter()
                .filter(|a| self.plays(&a.erratum))
                .find_map(|a| a.path.as_deref());
            let served_at = moved.unwrap_or(&e.path);
            if served_at.eq_ignore_ascii_case(&lower) {
                out.push(e);
            }
        }
        out
    }

    /// Whether a reading of this erratum is played.
    fn plays(&self, erratum: &str) -> bool {
        crate::emulator::readings::ALL
            .iter()
            .any(|r| r.erratum() == erratum && self.readings.has(*r))
    }
}

enum Credentials {
    Missing,
    Malformed,
    Given(String, String),
}

fn basic_credentials(headers: &hyper::HeaderMap) -> Credentials {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Credentials::Missing;
    };
    let Ok(text) = value.to_str() else {
        return Credentials::Malformed;
    };
    let Some((scheme, token)) = text.trim().split_once(' ') else {
        return Credentials::Malformed;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Credentials::Malformed;
    }
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(token.trim()) else {
        return Credentials::Malformed;
    };
    let Ok(decoded) = String::from_utf8(decoded) else {
        return Credentials::Malformed;
    };
    match decoded.split_once(':') {
        Some((u, p)) => Credentials::Given(u.to_string(), p.to_string()),
        None => Credentials::Malformed,
    }
}

/// Compare secrets without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The service error that makes hyper close the connection without an answer.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

/// Accept connections until `shutdown`; then every connection is closed.
pub async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    if shared.is_down() {
                        // A rebooting phone: the connection is reset at once.
                        let _ = stream.set_zero_linger();
                        drop(stream);
                        continue;
                    }
                    let _ = stream.set_nodelay(true);
                    conns.spawn(serve_connection(stream, shared.clone(), tls.clone()));
                }
                // Out of file descriptors and the like: wait a little instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.abort_all();
    while conns.join_next().await.is_some() {}
}

async fn serve_connection(
    stream: TcpStream,
    shared: Arc<Shared>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let local_ip = stream
        .local_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    match tls {
        None => serve_io(stream, shared, local_ip).await,
        Some(acceptor) => {
            if let Ok(Ok(tls_stream)) =
                tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await
            {
                serve_io(tls_stream, shared, local_ip).await;
            }
        }
    }
}

type ServiceFuture = Pin<Box<dyn Future<Output = Result<Response<Body>, Dropped>> + Send>>;

async fn serve_io<T>(io: T, shared: Arc<Shared>, local_ip: IpAddr)
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let svc_shared = shared.clone();
    let service = service_fn(move |req: Request<Incoming>| -> ServiceFuture {
        let shared = svc_shared.clone();
        Box::pin(async move { handle(req, shared, local_ip).await })
    });
    let mut conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .title_case_headers(true)
        // A client may shut its sending side once the request is out; it still gets its answer.
        .half_close(true)
        .serve_connection(TokioIo::new(io), service);
    let mut generation = shared.generation.subscribe();
    generation.mark_unchanged();
    let mut closing = false;
    let done = loop {
        tokio::select! {
            r = std::future::poll_fn(|cx| conn.poll_without_shutdown(cx)) => break r,
            changed = generation.changed(), if !closing => {
                closing = true;
                if changed.is_ok() {
                    Pin::new(&mut conn).graceful_shutdown();
                }
            }
        }
    };
    if done.is_ok() {
        linger(conn.into_parts().io.into_inner()).await;
    }
}

/// Close our side, then read and discard what the client still sends for a moment, so
/// an answer sent before the whole request was read (413) reaches the client instead of
/// being destroyed by a TCP reset.
async fn linger<T: AsyncRead + AsyncWrite + Unpin>(mut io: T) {
    let _ = io.shutdown().await;
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let mut buf = [0u8; 8192];
        let mut total = 0usize;
        while let Ok(n) = io.read(&mut buf).await {
            total += n;
            if n == 0 || total > (4 << 20) {
                break;
            }
        }
    })
    .await;
}

/// What became of one request.
enum Flow {
    Answer(Answer, Dress),
    Drop,
    Hang,
}

async fn handle(
    req: Request<Incoming>,
    shared: Arc<Shared>,
    local_ip: IpAddr,
) -> Result<Response<Body>, Dropped> {
    if shared.control && control::is_control_path(req.uri().path()) {
        return Ok(control::handle(req, &shared).await);
    }
    let guard = match shared.gate.try_lock() {
        Ok(guard) => guard,
        Err(_) => {
            if shared.faults.has(Fault::Parallel500) {
                return Ok(render(
                    Answer::http(StatusCode::INTERNAL_SERVER_ERROR),
                    shared.dress(),
                ));
            }
            if shared.faults.has(Fault::ParallelDrop) {
                return Err(Dropped);
            }
            if shared.readings.has(Reading::QueueSlowly) {
                // E52's other reading: queued, and answered late.
                let guard = shared.gate.lock().await;
                tokio::time::sleep(QUEUED_LATE).await;
                guard
            } else {
                match shared.parallel {
                    ParallelMode::Reject => {
                        return Ok(render(Answer::http(StatusCode::FORBIDDEN), shared.dress()));
                    }
                    ParallelMode::Queue => shared.gate.lock().await,
                }
            }
        }
    };
    if !shared.latency.is_zero() {
        tokio::time::sleep(shared.latency).await;
    }
    // A request that waited in the queue while the phone went down to reboot.
    if shared.is_down() {
        return Err(Dropped);
    }
    match process(req, &shared, local_ip).await {
        Flow::Answer(answer, dress) => Ok(render(answer, dress)),
        Flow::Drop => Err(Dropped),
        Flow::Hang => {
            drop(guard);
            tokio::time::sleep(HANG).await;
            Err(Dropped)
        }
    }
}

/// The body of a request as a handler sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// No body at all.
    Empty,
    Json(Value),
    /// Not JSON (or not UTF-8): handlers that take input answer 4000.
    Invalid,
}

async fn process(req: Request<Incoming>, shared: &Shared, local_ip: IpAddr) -> Flow {
    let mut dress = shared.dress();
    let path = req.uri().path().to_string();
    if !(path == "/api" || path.starts_with("/api/")) || !shared.api_enabled {
        return Flow::Answer(Answer::http(StatusCode::NOT_FOUND), dress);
    }

    let limit = if shared.faults.has(Fault::SizeLimitMissing) {
        HARD_BODY_CAP
    } else if shared.faults.has(Fault::SizeLimitLow) {
        10_000
    } else if shared.readings.has(Reading::SizeLimit20000) {
        // E08's other reading: 20 KB is 20000 bytes.
        shared.profile.limits.body_bytes_accepted
    } else {
        shared.profile.limits.body_bytes_rejected_above
    };
    let too_large = || {
        Flow::Answer(
            Answer::http(StatusCode::PAYLOAD_TOO_LARGE),
            Dress {
                close: true,
                ..shared.dress()
            },
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    let bytes: Bytes = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return too_large(),
        // The client went away in the middle of its body.
        Err(_) => return Flow::Drop,
    };

    if !shared.authorized(&parts.headers) {
        return Flow::Answer(Answer::http(StatusCode::UNAUTHORIZED), dress);
    }

    let endpoints = shared.route(&path);
    if endpoints.is_empty() {
        if shared.faults.has(Fault::UnknownPath200) {
            return Flow::Answer(Answer::done(), dress);
        }
        if shared.readings.has(Reading::UnknownPathErrorStatus) {
            // E24's other reading: "Operation Not Supported" in an API answer.
            return Flow::Answer(Answer::status("4004"), dress);
        }
        return Flow::Answer(Answer::http(StatusCode::NOT_FOUND), dress);
    }
    let call_logs = endpoints.iter().any(|e| e.id.starts_with("mgmt.call-logs"));
    let method = match parts.method {
        // The `call-logs-method-cet` fault takes WebCallControl.CallLogs' "Method: CET" at its
        // word (E22 decides GET): the logs answer CET and refuse GET.
        hyper::Method::GET if call_logs && shared.faults.has(Fault::CallLogsMethodCet) => None,
        ref m
            if call_logs && m.as_str() == "CET" && shared.faults.has(Fault::CallLogsMethodCet) =>
        {
            Some(Method::GET)
        }
        hyper::Method::GET => Some(Method::GET),
        hyper::Method::POST => Some(Method::POST),
        _ => None,
    };
    if method.is_none() && shared.readings.has(Reading::UnknownMethod501) {
        // E50's other reading: RFC 9110 §15.6.2, a method the server does not implement.
        return Flow::Answer(Answer::http(StatusCode::NOT_IMPLEMENTED), dress);
    }
    let mut content_type_rule = method == Some(Method::POST);
    let endpoint = match endpoints.iter().find(|e| Some(e.method) == method) {
        Some(e) => *e,
        None => {
            let post = endpoints.iter().find(|e| e.method == Method::POST);
            match post {
                Some(e)
                    if method == Some(Method::GET)
                        && shared.faults.has(Fault::WrongMethodAccepted) =>
                {
                    content_type_rule = false;
                    *e
                }
                _ => {
                    let allow = if endpoints.iter().any(|e| e.method == Method::POST) {
                        "POST"
                    } else {
                        "GET"
                    };
                    return Flow::Answer(
                        Answer::Http {
                            code: StatusCode::METHOD_NOT_ALLOWED,
                            allow: Some(allow),
                        },
                        dress,
                    );
                }
            }
        }
    };

    let json_type = is_json_content_type(&parts.headers)
        && !(shared.faults.has(Fault::ManualContentTypeRefused)
            && !is_exactly_lower_case_json(&parts.headers));
    if content_type_rule && !json_type && !shared.faults.has(Fault::ContentTypeIgnored) {
        return Flow::Answer(Answer::http(StatusCode::BAD_REQUEST), dress);
    }
    if shared.factory_password {
        return Flow::Answer(Answer::status("4010"), dress);
    }

    let input = if bytes.is_empty() {
        Input::Empty
    } else {
        if std::str::from_utf8(&bytes).is_err() && shared.faults.has(Fault::ResetOnNonUtf8) {
            return Flow::Drop;
        }
        if shared.faults.has(Fault::CrashOnDeepNesting) && nesting_depth(&bytes) > FAULT_NESTING {
            return Flow::Answer(Answer::http(StatusCode::INTERNAL_SERVER_ERROR), dress);
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) => {
                if shared.faults.has(Fault::CrashOnNullData)
                    && v.get("data").is_some_and(Value::is_null)
                {
                    return Flow::Answer(Answer::http(StatusCode::INTERNAL_SERVER_ERROR), dress);
                }
                if shared.faults.has(Fault::HangOnLongString) && has_long_string(&v, FAULT_STRING) {
                    return Flow::Hang;
                }
                Input::Json(v)
            }
            Err(_) => Input::Invalid,
        }
    };

    let query = parts.uri.query().unwrap_or("").to_string();
    let outcome = {
        let mut phone = shared.phone();
        phone.rx_packets += 1;
        phone.tx_packets += 1;
        let mut ctx = api::Ctx {
            phone: &mut phone,
            profile: &shared.profile,
            endpoint,
            faults: &shared.faults,
            readings: &shared.readings,
            query: &query,
            input,
            local_ip,
            now: Instant::now(),
            reboot: None,
        };
        let answer = api::dispatch(&mut ctx);
        (answer, ctx.reboot)
    };
    let (answer, reboot) = outcome;
    if let Some(reset) = reboot {
        shared.reboot(reset);
        dress.close = true;
    }
    Flow::Answer(answer, dress)
}

/// `application/json`, any case, parameters allowed.
fn is_json_content_type(headers: &hyper::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/json")
        })
        .unwrap_or(false)
}

/// `application/json` written in lower case (the `manual-content-type-refused` fault accepts
/// nothing else, so the manual's own `application/JSON` is refused).
fn is_exactly_lower_case_json(headers: &hyper::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().unwrap_or("").trim() == "application/json")
}

/// Deepest nesting of `[`/`{` outside strings, without parsing.
fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn has_long_string(v: &Value, max: usize) -> bool {
    match v {
        Value::String(s) => s.chars().count() > max,
        Value::Array(a) => a.iter().any(|x| has_long_string(x, max)),
        Value::Object(o) => o.values().any(|x| has_long_string(x, max)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_ignores_brackets_inside_strings() {
        assert_eq!(nesting_depth(br#"{"a": [[1]]}"#), 3);
        assert_eq!(nesting_depth(br#"{"a": "[[[[\"[["}"#), 1);
        assert_eq!(nesting_depth(b""), 0);
    }

    #[test]
    fn content_type_is_case_insensitive_with_parameters() {
        let mut h = hyper::HeaderMap::new();
        for (v, ok) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("text/plain", false),
            ("application/jsonx", false),
        ] {
            h.insert(header::CONTENT_TYPE, v.parse().unwrap());
            assert_eq!(is_json_content_type(&h), ok, "{v}");
        }
        h.remove(header::CONTENT_TYPE);
        assert!(!is_json_content_type(&h));
    }

    #[test]
    fn long_strings_are_found_in_nested_values() {
        let v = serde_json::json!({"data": {"Dest": "x".repeat(513)}});
        assert!(has_long_string(&v, 512));
        assert!(!has_long_string(&serde_json::json!({"data": ["x"]}), 512));
    }
}
