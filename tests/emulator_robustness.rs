//! Bad input never takes the emulator down: random requests and plain garbage over raw
//! TCP, then a health request that must still be answered. A bounded number of cases
//! (256 + 128) keeps it fast; failures are not persisted to disk.

mod emulator_support;

use emulator_support::{PASS, USER, basic, config};
use polyconform::emulator::{Emulator, EmulatorConfig};
use proptest::prelude::*;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Set by the panic hook when any thread panics (emulator tasks included).
static PANICKED: AtomicBool = AtomicBool::new(false);

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.store(true, Ordering::SeqCst);
            default(info);
        }));
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
    })
}

fn start(c: EmulatorConfig) -> Emulator {
    runtime().block_on(Emulator::start(c)).unwrap()
}

/// Write, optionally half-close, read until the server closes (bounded).
async fn exchange(addr: SocketAddr, bytes: &[u8], half_close: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let Ok(mut s) = tokio::net::TcpStream::connect(addr).await else {
        return out;
    };
    let _ = s.write_all(bytes).await;
    if half_close {
        let _ = s.shutdown().await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(3), async {
        let mut buf = [0u8; 4096];
        while let Ok(n) = s.read(&mut buf).await {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    out
}

/// The answer to a health request, if it is the healthy one.
async fn health(addr: SocketAddr) -> Result<(), String> {
    let req =
        format!("GET /control/health HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nConnection: close\r\n\r\n", basic());
    let answer = exchange(addr, req.as_bytes(), false).await;
    if answer.starts_with(b"HTTP/1.1 200") && answer.ends_with(b"{\"ok\": true}") {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&answer).into_owned())
    }
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["GET", "POST"]).prop_map(String::from),
        1 => prop::sample::select(vec!["PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "get"]).prop_map(String::from),
        1 => "[A-Z]{1,10}",
    ]
}

fn path() -> impl Strategy<Value = String> {
    let known = vec![
        "/api/v1/mgmt/device/info",
        "/api/v2/mgmt/device/info",
        "/api/v1/callctrl/dial",
        "/api/v1/callctrl/endCall",
        "/api/v1/callctrl/mute",
        "/api/v1/mgmt/config/get",
        "/api/v1/mgmt/config/set",
        "/api/v2/webCallControl/callStatus",
        "/api/v1/webCallControl/callStatus",
        "/api/v2/mgmt/lineInfo",
        "/api/v1/mgmt/simulateTouch",
        "/api/v1/mgmt/transferType/set",
        "/api/v1/callctrl/holdCall",
        "/api/v1/mgmt/callLogs",
        "/control/incoming",
        "/control/faults",
        "/api",
    ];
    prop_oneof![
        4 => prop::sample::select(known).prop_map(String::from),
        2 => (prop::sample::select(vec!["/api/v2/webCallControl/callStatus", "/api/v2/mgmt/lineInfo"]), "[a-z=&%0-9x]{0,40}").prop_map(|(p, q)| format!("{p}?{q}")),
        1 => "/[a-zA-Z0-9/._%~-]{0,80}",
        1 => "[ -~]{0,60}",
    ]
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        "[ -~]{0,20}".prop_map(serde_json::Value::String),
        prop::sample::select(vec!["1000", "0x12345678", "Tap", "Swipe", "1", "0", "Blind", "ptt.volume", "OffHook"])
            .prop_map(|s| serde_json::Value::String(s.into())),
    ];
    leaf.prop_recursive(6, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "data",
                        "Dest",
                        "Ref",
                        "state",
                        "Type",
                        "Positions",
                        "X",
                        "Y",
                        "Line",
                        "Digits",
                        "KeyName",
                        "Value",
                        "url"
                    ]),
                    inner
                ),
                0..6
            )
            .prop_map(|kv| serde_json::Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => Just(Vec::new()),
        4 => json_value().prop_map(|v| serde_json::json!({"data": v}).to_string().into_bytes()),
        2 => json_value().prop_map(|v| v.to_string().into_bytes()),
        2 => prop::collection::vec(any::<u8>(), 0..300),
        1 => (1usize..40).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes()),
    ]
}

/// How the body is framed: honest, lying about its length, chunked, or broken chunks.
#[derive(Debug, Clone)]
enum Framing {
    Length,
    LengthOff(i64),
    Chunked,
    BrokenChunks,
    None,
}

fn framing() -> impl Strategy<Value = Framing> {
    prop_oneof![
        4 => Just(Framing::Length),
        1 => (-5i64..50).prop_map(Framing::LengthOff),
        2 => Just(Framing::Chunked),
        1 => Just(Framing::BrokenChunks),
        1 => Just(Framing::None),
    ]
}

fn extra_headers() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(
        prop_oneof![
            ("[A-Za-z-]{1,20}", "[ -~]{0,40}"),
            prop::sample::select(vec![
                ("Content-Type", "application/json"),
                ("Content-Type", "APPLICATION/JSON; charset=utf-8"),
                ("Content-Type", "text/plain"),
                ("Content-Type", ""),
                ("Expect", "100-continue"),
                ("Connection", "keep-alive"),
                ("Authorization", "Basic Og=="),
                ("Authorization", "Basic"),
                ("Authorization", "Bearer x"),
                ("Content-Length", "abc"),
                ("Transfer-Encoding", "gzip, chunked"),
            ])
            .prop_map(|(k, v)| (k.to_string(), v.to_string())),
        ],
        0..4,
    )
}

fn request() -> impl Strategy<Value = Vec<u8>> {
    let structured = (method(), path(), any::<bool>(), any::<bool>(), extra_headers(), framing(), body()).prop_map(
        |(m, p, auth, json_ct, extra, framing, body)| {
            let mut head = format!("{m} {p} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            if auth {
                head.push_str(&format!("Authorization: {}\r\n", basic()));
            }
            if json_ct {
                head.push_str("Content-Type: application/json\r\n");
            }
            for (k, v) in extra {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            let mut payload = Vec::new();
            match framing {
                Framing::Length => head.push_str(&format!("Content-Length: {}\r\n", body.len())),
                Framing::LengthOff(d) => head.push_str(&format!("Content-Length: {}\r\n", body.len() as i64 + d)),
                Framing::Chunked | Framing::BrokenChunks => head.push_str("Transfer-Encoding: chunked\r\n"),
                Framing::None => {}
            }
            head.push_str("\r\n");
            payload.extend_from_slice(head.as_bytes());
            match framing {
                Framing::Chunked => {
                    for chunk in body.chunks(7) {
                        payload.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                        payload.extend_from_slice(chunk);
                        payload.extend_from_slice(b"\r\n");
                    }
                    payload.extend_from_slice(b"0\r\n\r\n");
                }
                Framing::BrokenChunks => {
                    payload.extend_from_slice(b"zz\r\n");
                    payload.extend_from_slice(&body);
                }
                _ => payload.extend_from_slice(&body),
            }
            payload
        },
    );
    prop_oneof![
        6 => structured,
        1 => prop::collection::vec(any::<u8>(), 0..600),
        1 => "[ -~\r\n]{0,400}".prop_map(String::into_bytes),
    ]
}

/// Runs `cases` random requests; returns the HTTP status codes seen (0: no answer).
fn fuzz(emu: &Emulator, cases: u32) -> std::collections::BTreeMap<u16, u32> {
    let addr = emu.addr();
    let seen = std::sync::Mutex::new(std::collections::BTreeMap::new());
    let cfg = ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(cfg, |(req in request())| {
        let answer = runtime().block_on(exchange(addr, &req, true));
        let code = std::str::from_utf8(answer.get(9..12).unwrap_or(b"000")).ok().and_then(|c| c.parse().ok()).unwrap_or(0);
        *seen.lock().unwrap().entry(code).or_insert(0) += 1;
        if !answer.is_empty() {
            prop_assert!(answer.starts_with(b"HTTP/1."), "not HTTP: {:?}", String::from_utf8_lossy(&answer[..answer.len().min(80)]));
        }
        prop_assert!(!PANICKED.load(Ordering::SeqCst), "something panicked");
        let health = runtime().block_on(health(addr));
        prop_assert!(health.is_ok(), "no health answer ({:?}) after {:?}", health, String::from_utf8_lossy(&req[..req.len().min(200)]));
    });
    seen.into_inner().unwrap()
}

/// The generator reaches the API, not only the HTTP parser.
fn assert_varied(seen: &std::collections::BTreeMap<u16, u32>) {
    for code in [200, 400, 401, 404] {
        assert!(seen.contains_key(&code), "no HTTP {code} among {seen:?}");
    }
}

#[test]
fn random_requests_never_break_the_phone() {
    let mut c = config("trio-5.9.1");
    c.reboot = Duration::from_millis(1);
    let emu = start(c);
    assert_varied(&fuzz(&emu, 256));
    // And the API still works normally.
    let answer = runtime().block_on(exchange(
        emu.addr(),
        format!("GET /api/v1/mgmt/device/info HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\n\r\n", basic()).as_bytes(),
        true,
    ));
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
    let _ = (USER, PASS);
    runtime().block_on(emu.stop());
}

#[test]
fn random_requests_with_the_robustness_faults_on() {
    let mut c = config("vvx-5.9.0");
    c.faults = vec!["crash-on-deep-nesting".into(), "crash-on-null-data".into(), "reset-on-non-utf8".into()];
    let emu = start(c);
    assert_varied(&fuzz(&emu, 128));
    runtime().block_on(emu.stop());
}
