//! The `phone-unhealthy` oracle against a fake phone that goes away after one kind of
//! request: the finding must name that request (found by re-sending the requests since
//! the last healthy check one at a time), the campaign must wait for the phone and go
//! on, and the errors the outage caused on other requests must not become findings.
//!
//! The fake phone (127.0.0.1 only) answers `device/info`, refuses every config/get with
//! Status 4000, and after a config/get whose body holds an escaped control character
//! (`\u00..`) answers every request with HTTP 503 for 1.5 s, as a phone restarting its
//! web server would.

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_polyconform");
const DOWN_FOR: Duration = Duration::from_millis(1500);

type DownUntil = Arc<Mutex<Option<Instant>>>;

async fn answer(req: Request<Incoming>, down: DownUntil) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_string();
    let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let reply = |status: u16, text: &str| {
        Ok(Response::builder()
            .status(status)
            .header("Content-Type", "application/json")
            .body(Full::new(Bytes::from(text.to_string())))
            .unwrap())
    };
    let is_down = down.lock().unwrap().is_some_and(|until| Instant::now() < until);
    if is_down {
        return reply(503, "");
    }
    match path.as_str() {
        "/api/v1/mgmt/device/info" => {
            reply(200, r#"{"Status":"2000","data":{"ModelNumber":"Fake Trio","FirmwareRelease":"5.9.1"}}"#)
        }
        "/api/v1/mgmt/config/get" => {
            if String::from_utf8_lossy(&body).contains("\\u00") {
                *down.lock().unwrap() = Some(Instant::now() + DOWN_FOR);
            }
            reply(200, r#"{"Status":"4000"}"#)
        }
        _ => reply(404, ""),
    }
}

/// Start the fake phone on its own thread and runtime; returns its base URL.
fn fake_phone() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let down: DownUntil = Arc::new(Mutex::new(None));
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let down = down.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| answer(req, down.clone()));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
    });
    format!("http://{}", rx.recv().unwrap())
}

#[test]
fn a_request_that_takes_the_phone_down_is_named_and_the_campaign_goes_on() {
    let url = fake_phone();
    let dir = std::env::temp_dir().join(format!("polyconform-fuzz-health-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = std::process::Command::new(BIN)
        .args([
            "fuzz",
            "--target",
            &url,
            "--endpoint",
            "config/get",
            "--seed",
            "3",
            "--cases",
            "300",
            "--timeout",
            "2",
            "--out",
            dir.to_str().unwrap(),
        ])
        .env("POLYCONFORM_PASSWORD", "fake-phone-password")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let shown = format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{shown}");
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "only the outage is a finding, not the 503s it caused\n{shown}");
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert_eq!(r["oracle"], "phone-unhealthy", "{r}");
    assert_eq!(r["verdict"], "fail");
    assert!(
        r["minimal"]["request"]["body"].as_str().unwrap().contains("\\u00"),
        "the finding names the request that took the phone down: {r}"
    );
    assert!(r["shrink"]["skipped"].as_str().is_some(), "not shrunk: every attempt would take the phone down");
    assert!(!r["preceding"].as_array().unwrap().is_empty(), "the requests since the last healthy check are kept");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("retired after taking the phone down 2 times"),
        "an endpoint that keeps taking the phone down is retired\n{shown}"
    );
    assert!(stdout.contains("every endpoint was retired") || stdout.contains("fuzz summary: 300 cases"), "{shown}");
    let _ = std::fs::remove_dir_all(&dir);
}
