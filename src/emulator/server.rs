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

use super::answer::{Answer, Body, Dress, render};
use super::api;
use super::control;
use super::faults::Fault;
use super::input::Input;
use super::parallel::ParallelMode;
use super::readings::Reading;
use super::shared::Shared;
use crate::catalogue::{Endpoint, Method};
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, header};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
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

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>, tls: Option<tokio_rustls::TlsAcceptor>) {
    let local_ip = stream.local_addr().map(|a| a.ip()).unwrap_or(IpAddr::from([127, 0, 0, 1]));
    match tls {
        None => serve_io(stream, shared, local_ip).await,
        Some(acceptor) => {
            if let Ok(Ok(tls_stream)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
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

async fn handle(req: Request<Incoming>, shared: Arc<Shared>, local_ip: IpAddr) -> Result<Response<Body>, Dropped> {
    if shared.control && control::is_control_path(req.uri().path()) {
        return Ok(control::handle(req, &shared).await);
    }
    let guard = match shared.gate.try_lock() {
        Ok(guard) => guard,
        Err(_) => {
            if shared.faults.has(Fault::Parallel500) {
                return Ok(render(Answer::http(StatusCode::INTERNAL_SERVER_ERROR), shared.dress()));
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

/// Steps 3 to 9 of the module doc for one API request, in that order. Each step that can
/// settle the request is a function returning `Err(Flow)`, so the order of the checks,
/// which is what clients observe, reads here at a glance.
async fn process(req: Request<Incoming>, shared: &Shared, local_ip: IpAddr) -> Flow {
    let dress = shared.dress();
    let path = req.uri().path().to_string();
    if !(path == "/api" || path.starts_with("/api/")) || !shared.api_enabled {
        return Flow::Answer(Answer::http(StatusCode::NOT_FOUND), dress);
    }
    let (parts, bytes) = match read_body(req, shared).await {
        Ok(read) => read,
        Err(flow) => return flow,
    };
    if !shared.authorized(&parts.headers) {
        return Flow::Answer(Answer::http(StatusCode::UNAUTHORIZED), dress);
    }
    let endpoints = match routed(shared, &path, dress) {
        Ok(endpoints) => endpoints,
        Err(flow) => return flow,
    };
    let (endpoint, content_type_rule) = match endpoint_for_method(shared, &endpoints, &parts.method, dress) {
        Ok(chosen) => chosen,
        Err(flow) => return flow,
    };
    if content_type_rule && !content_type_passes(shared, &parts.headers) {
        return Flow::Answer(Answer::http(StatusCode::BAD_REQUEST), dress);
    }
    if shared.factory_password {
        return Flow::Answer(Answer::status("4010"), dress);
    }
    let input = match parse_input(&bytes, shared, dress) {
        Ok(input) => input,
        Err(flow) => return flow,
    };
    let query = parts.uri.query().unwrap_or("").to_string();
    run_handler(shared, endpoint, &query, input, local_ip, dress)
}

/// Step 4: the body, read only up to the limit in force (a declared Content-Length over
/// it is refused before a byte is read), with the request's head.
async fn read_body(req: Request<Incoming>, shared: &Shared) -> Result<(hyper::http::request::Parts, Bytes), Flow> {
    let limit = body_limit(shared);
    // The connection closes after a 413: the unread rest of the body is not a request.
    let too_large =
        || Flow::Answer(Answer::http(StatusCode::PAYLOAD_TOO_LARGE), Dress { close: true, ..shared.dress() });
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let (parts, body) = req.into_parts();
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok((parts, collected.to_bytes())),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        // The client went away in the middle of its body.
        Err(_) => Err(Flow::Drop),
    }
}

/// The largest body accepted: the profile's limit, unless a fault or E08's other reading
/// moves it.
fn body_limit(shared: &Shared) -> usize {
    if shared.faults.has(Fault::SizeLimitMissing) {
        HARD_BODY_CAP
    } else if shared.faults.has(Fault::SizeLimitLow) {
        10_000
    } else if shared.readings.has(Reading::SizeLimit20000) {
        // E08's other reading: 20 KB is 20000 bytes.
        shared.profile.limits.body_bytes_accepted
    } else {
        shared.profile.limits.body_bytes_rejected_above
    }
}

/// Step 6, routing: the endpoints served at this path, or the answer to an unknown path.
fn routed<'s>(shared: &'s Shared, path: &str, dress: Dress) -> Result<Vec<&'s Endpoint>, Flow> {
    let endpoints = shared.route(path);
    if !endpoints.is_empty() {
        return Ok(endpoints);
    }
    if shared.faults.has(Fault::UnknownPath200) {
        return Err(Flow::Answer(Answer::done(), dress));
    }
    if shared.readings.has(Reading::UnknownPathErrorStatus) {
        // E24's other reading: "Operation Not Supported" in an API answer.
        return Err(Flow::Answer(Answer::status("4004"), dress));
    }
    Err(Flow::Answer(Answer::http(StatusCode::NOT_FOUND), dress))
}

/// Step 6, method: the endpoint at this path for the request's method, and whether the
/// content-type rule (step 7) applies to it; or 501/405 when none answers that method.
fn endpoint_for_method<'s>(
    shared: &Shared,
    endpoints: &[&'s Endpoint],
    method: &hyper::Method,
    dress: Dress,
) -> Result<(&'s Endpoint, bool), Flow> {
    let call_logs = endpoints.iter().any(|e| e.id.starts_with("mgmt.call-logs"));
    let method = catalogue_method(shared, method, call_logs);
    if method.is_none() && shared.readings.has(Reading::UnknownMethod501) {
        // E50's other reading: RFC 9110 §15.6.2, a method the server does not implement.
        return Err(Flow::Answer(Answer::http(StatusCode::NOT_IMPLEMENTED), dress));
    }
    if let Some(e) = endpoints.iter().find(|e| Some(e.method) == method) {
        return Ok((*e, method == Some(Method::POST)));
    }
    let post = endpoints.iter().find(|e| e.method == Method::POST);
    match post {
        // The `wrong-method-accepted` fault serves a GET with the POST endpoint, and
        // without asking for a JSON content type.
        Some(e) if method == Some(Method::GET) && shared.faults.has(Fault::WrongMethodAccepted) => Ok((*e, false)),
        _ => {
            let allow = if post.is_some() { "POST" } else { "GET" };
            Err(Flow::Answer(Answer::Http { code: StatusCode::METHOD_NOT_ALLOWED, allow: Some(allow) }, dress))
        }
    }
}

/// The catalogue method an HTTP method stands for; `None` for one no endpoint answers.
fn catalogue_method(shared: &Shared, method: &hyper::Method, call_logs: bool) -> Option<Method> {
    match *method {
        // The `call-logs-method-cet` fault takes WebCallControl.CallLogs' "Method: CET" at its
        // word (E22 decides GET): the logs answer CET and refuse GET.
        hyper::Method::GET if call_logs && shared.faults.has(Fault::CallLogsMethodCet) => None,
        ref m if call_logs && m.as_str() == "CET" && shared.faults.has(Fault::CallLogsMethodCet) => Some(Method::GET),
        hyper::Method::GET => Some(Method::GET),
        hyper::Method::POST => Some(Method::POST),
        _ => None,
    }
}

/// Step 7: whether the request's content type passes where the rule applies (faults may
/// loosen or tighten it).
fn content_type_passes(shared: &Shared, headers: &hyper::HeaderMap) -> bool {
    // The `manual-content-type-refused` fault takes nothing but lower case, so the
    // manual's own `application/JSON` is refused.
    let case_refused = shared.faults.has(Fault::ManualContentTypeRefused) && !is_exactly_lower_case_json(headers);
    let json_type = is_json_content_type(headers) && !case_refused;
    json_type || shared.faults.has(Fault::ContentTypeIgnored)
}

/// The body as the handler sees it; the body faults (drop, 500, hang) settle the request
/// here, before the handler could see it.
fn parse_input(bytes: &[u8], shared: &Shared, dress: Dress) -> Result<Input, Flow> {
    if bytes.is_empty() {
        return Ok(Input::Empty);
    }
    if std::str::from_utf8(bytes).is_err() && shared.faults.has(Fault::ResetOnNonUtf8) {
        return Err(Flow::Drop);
    }
    if shared.faults.has(Fault::CrashOnDeepNesting) && nesting_depth(bytes) > FAULT_NESTING {
        return Err(Flow::Answer(Answer::http(StatusCode::INTERNAL_SERVER_ERROR), dress));
    }
    let Ok(v) = serde_json::from_slice::<Value>(bytes) else {
        return Ok(Input::Invalid);
    };
    if shared.faults.has(Fault::CrashOnNullData) && v.get("data").is_some_and(Value::is_null) {
        return Err(Flow::Answer(Answer::http(StatusCode::INTERNAL_SERVER_ERROR), dress));
    }
    if shared.faults.has(Fault::HangOnLongString) && has_long_string(&v, FAULT_STRING) {
        return Err(Flow::Hang);
    }
    Ok(Input::Json(v))
}

/// Step 9: the API handler. The phone is locked only while the handler runs, because a
/// reboot it asks for locks the phone again; the answer to a reboot closes the connection.
fn run_handler(
    shared: &Shared,
    endpoint: &Endpoint,
    query: &str,
    input: Input,
    local_ip: IpAddr,
    mut dress: Dress,
) -> Flow {
    let (answer, reboot) = {
        let mut phone = shared.phone();
        phone.rx_packets += 1;
        phone.tx_packets += 1;
        let mut ctx = api::Ctx {
            phone: &mut phone,
            profile: &shared.profile,
            endpoint,
            faults: &shared.faults,
            readings: &shared.readings,
            query,
            input,
            local_ip,
            now: Instant::now(),
            reboot: None,
            switchboard: shared.port.as_ref(),
        };
        let answer = api::dispatch(&mut ctx);
        (answer, ctx.reboot)
    };
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
        .map(|v| v.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"))
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
