//! What the emulator test files share: start a phone, talk to it over real HTTP.
#![allow(dead_code)]

use polyconform::catalogue::{Catalogue, Profile};
use polyconform::emulator::{Emulator, EmulatorConfig};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;

pub const USER: &str = "Polycom";
pub const PASS: &str = "polyconform";

pub fn catalogue() -> Catalogue {
    Catalogue::embedded().expect("built-in data loads")
}

pub fn profile(id: &str) -> Profile {
    catalogue().profile(id).expect("profile exists").clone()
}

/// Control endpoints on, short reboots: what most tests want.
pub fn config(id: &str) -> EmulatorConfig {
    let mut c = EmulatorConfig::new(profile(id));
    c.control = true;
    c.reboot = Duration::from_millis(200);
    c
}

pub fn client() -> reqwest::Client {
    polyconform::device::tls::install_provider();
    reqwest::Client::builder().timeout(Duration::from_secs(5)).no_proxy().build().unwrap()
}

/// One phone plus a client that knows its address and credentials.
pub struct Phone {
    pub emu: Emulator,
    pub http: reqwest::Client,
}

/// An answer: HTTP status, headers, body text and the body as JSON (Null if not JSON).
#[derive(Debug)]
pub struct Reply {
    pub code: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    pub fn status(&self) -> &str {
        self.json["Status"].as_str().unwrap_or("<none>")
    }

    /// The API status, asserting the answer rode on HTTP 200.
    pub fn api(&self) -> &str {
        assert_eq!(self.code, 200, "expected HTTP 200, got {}: {}", self.code, self.text);
        self.status()
    }

    pub fn data(&self) -> &Value {
        &self.json["data"]
    }
}

pub async fn reply(r: reqwest::Response) -> Reply {
    let code = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply { code, headers, text, json }
}

impl Phone {
    pub async fn new(id: &str) -> Phone {
        Phone::with(config(id)).await
    }

    pub async fn with(c: EmulatorConfig) -> Phone {
        Phone { emu: Emulator::start(c).await.expect("emulator starts"), http: client() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emu.url())
    }

    pub fn addr(&self) -> SocketAddr {
        self.emu.addr()
    }

    pub async fn get(&self, path: &str) -> Reply {
        reply(self.http.get(self.url(path)).basic_auth(USER, Some(PASS)).send().await.expect("an answer")).await
    }

    /// POST a JSON body with the JSON content type.
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.post_raw(path, body.to_string()).await
    }

    pub async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> Reply {
        let r = self
            .http
            .post(self.url(path))
            .basic_auth(USER, Some(PASS))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .expect("an answer");
        reply(r).await
    }

    /// A request with any method token and no body.
    pub async fn method(&self, method: &str, path: &str) -> Reply {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("a method token");
        let r = self.http.request(m, self.url(path)).basic_auth(USER, Some(PASS)).send().await.expect("an answer");
        reply(r).await
    }

    /// POST with this Content-Type header value.
    pub async fn post_typed(&self, path: &str, content_type: &str, body: Value) -> Reply {
        let r = self
            .http
            .post(self.url(path))
            .basic_auth(USER, Some(PASS))
            .header("Content-Type", content_type)
            .body(body.to_string())
            .send()
            .await
            .expect("an answer");
        reply(r).await
    }

    /// POST without a body (the content type is still JSON).
    pub async fn post_empty(&self, path: &str) -> Reply {
        self.post_raw(path, Vec::<u8>::new()).await
    }

    pub async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> Reply {
        let r = self
            .http
            .request(method, self.url(path))
            .basic_auth(USER, Some(PASS))
            .body(body.to_string())
            .send()
            .await
            .expect("an answer");
        reply(r).await
    }

    /// Make the phone ring; the handle of the new call.
    pub async fn incoming(&self, number: &str) -> String {
        let r =
            self.control(reqwest::Method::POST, "/control/incoming", json!({"number": number, "name": "Caller"})).await;
        assert_eq!(r.code, 200, "{}", r.text);
        r.json["handle"].as_str().unwrap().to_string()
    }

    /// Dial and wait until the call is connected; its v2 handle.
    pub async fn connected_call(&self, dest: &str) -> String {
        assert_eq!(self.post("/api/v1/callctrl/dial", json!({"data": {"Dest": dest}})).await.api(), "2000");
        self.wait_connected(dest).await
    }

    /// Wait until the newest call to `dest` is connected; its v2 handle.
    pub async fn wait_connected(&self, dest: &str) -> String {
        for _ in 0..100 {
            let r = self.get("/api/v2/webCallControl/callStatus").await;
            let newest = r.data().as_array().and_then(|a| a.iter().rev().find(|c| c["RemotePartyNumber"] == dest));
            if let Some(call) = newest.filter(|c| c["CallState"] == "Connected") {
                return call["CallHandle"].as_str().unwrap().to_string();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the call to {dest} never connected");
    }

    /// The v2 call list.
    pub async fn calls(&self) -> Vec<Value> {
        let r = self.get("/api/v2/webCallControl/callStatus").await;
        assert_eq!(r.api(), "2000");
        r.data().as_array().cloned().unwrap_or_default()
    }

    /// Poll until the phone answers again after a reboot.
    pub async fn wait_until_up(&self) {
        for _ in 0..200 {
            let fresh = client();
            if fresh
                .get(self.url("/api/v2/mgmt/device/info"))
                .basic_auth(USER, Some(PASS))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the phone never came back");
    }
}

/// Send raw bytes on a fresh connection and read until the server closes or `wait` passes.
pub async fn raw(addr: SocketAddr, bytes: &[u8], wait: Duration) -> Vec<u8> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let _ = s.write_all(bytes).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(wait, async {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    out
}

/// `Authorization` header value for the test credentials.
pub fn basic() -> String {
    use base64::Engine;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASS}")))
}

/// The HTTP status code of a raw answer (0 when there is none).
pub fn raw_status(answer: &[u8]) -> u16 {
    let text = String::from_utf8_lossy(answer);
    text.strip_prefix("HTTP/1.1 ").and_then(|r| r.get(..3)).and_then(|c| c.parse().ok()).unwrap_or(0)
}
