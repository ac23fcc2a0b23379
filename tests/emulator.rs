//! The emulator through its real HTTP interface: every rule of the manual it plays, the
//! call flows, the control endpoints and each fault. Only 127.0.0.1 is contacted.

use polyconform::emulator::{Emulator, EmulatorConfig};
use polyconform::spec::{Catalogue, Profile};
use serde_json::{Value, json};
use std::time::Duration;

const USER: &str = "Polycom";
const PASS: &str = "polyconform";

fn profile(id: &str) -> Profile {
    let catalogue = Catalogue::embedded().expect("built-in data loads");
    catalogue.profile(id).expect("profile exists").clone()
}

fn config(id: &str) -> EmulatorConfig {
    let mut c = EmulatorConfig::new(profile(id));
    c.control = true;
    c.reboot = Duration::from_millis(200);
    c
}

async fn start(c: EmulatorConfig) -> Emulator {
    Emulator::start(c).await.expect("emulator starts")
}

fn client() -> reqwest::Client {
    polyconform::device::tls::install_provider();
    reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap()
}

/// One phone plus a client that knows its address and credentials.
struct Phone {
    emu: Emulator,
    http: reqwest::Client,
}

impl Phone {
    async fn new(id: &str) -> Phone {
        Phone::with(config(id)).await
    }

    async fn with(c: EmulatorConfig) -> Phone {
        Phone { emu: start(c).await, http: client() }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emu.url())
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(self.url(path)).basic_auth(USER, Some(PASS)).send().await.expect("answer");
        let code = r.status().as_u16();
        (code, serde_json::from_str(&r.text().await.unwrap_or_default()).unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self.http.post(self.url(path)).basic_auth(USER, Some(PASS)).header("Content-Type", "application/json").body(body.to_string()).send().await.expect("answer");
        let code = r.status().as_u16();
        (code, serde_json::from_str(&r.text().await.unwrap_or_default()).unwrap_or(Value::Null))
    }

    /// The API status of a POST that must ride on HTTP 200.
    async fn api(&self, path: &str, body: Value) -> String {
        let (code, v) = self.post(path, body).await;
        assert_eq!(code, 200, "{path}: {v}");
        v["Status"].as_str().unwrap_or("<none>").to_string()
    }

    async fn api_get(&self, path: &str) -> (String, Value) {
        let (code, v) = self.get(path).await;
        assert_eq!(code, 200, "{path}: {v}");
        (v["Status"].as_str().unwrap_or("<none>").to_string(), v)
    }
}

#[tokio::test]
async fn device_info_answers_with_the_real_shape_and_headers() {
    let p = Phone::new("trio-5.9.1").await;
    assert!(p.emu.url().starts_with("http://127.0.0.1:"));
    let r = p.http.get(p.url("/api/v1/mgmt/device/info")).basic_auth(USER, Some(PASS)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.headers()["server"], "Polycom SoundPoint IP Telephone HTTPd");
    assert_eq!(r.headers()["x-frame-options"], "SAMEORIGIN");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let text = r.text().await.unwrap();
    assert!(text.starts_with("{\"data\": {"), "data first, phone separators: {text}");
    assert!(text.ends_with("\"Status\": \"2000\"}"), "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    let d = &v["data"];
    assert_eq!(d["ModelNumber"], "Poly Trio 8300");
    assert_eq!(d["DeviceType"], "hardwareEndpoint");
    assert_eq!(d["DeviceVendor"], "Polycom");
    assert_eq!(d["IPV4Address"], "127.0.0.1");
    assert!(d["UpTimeSinceLastReboot"].as_str().unwrap().starts_with("0 Day 0:00:"));
    let (status, v2) = p.api_get("/api/v2/mgmt/device/info").await;
    assert_eq!(status, "2000");
    assert_eq!(v2["data"]["DeviceType"], "HardwareEndpoint");
    assert_eq!(v2["data"]["ReadyToUse"], "True");
    p.emu.stop().await;
}

#[tokio::test]
async fn missing_or_wrong_credentials_get_401_with_the_basic_challenge() {
    let p = Phone::new("trio-5.9.1").await;
    let url = p.url("/api/v1/mgmt/device/info");
    let none = p.http.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["www-authenticate"], "Basic realm=\"API Authentication\"");
    assert!(none.text().await.unwrap().contains("401 Unauthorized"));
    let wrong = p.http.get(&url).basic_auth(USER, Some("nope")).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let wrong_user = p.http.get(&url).basic_auth("admin", Some(PASS)).send().await.unwrap();
    assert_eq!(wrong_user.status(), 401);
    let garbage = p.http.get(&url).header("Authorization", "Basic !!!").send().await.unwrap();
    assert_eq!(garbage.status(), 401);
}

#[tokio::test]
async fn the_factory_password_gets_4010_on_every_call() {
    let mut c = config("trio-5.9.1");
    c.password = "456".into();
    let p = Phone::with(c).await;
    for path in ["/api/v1/mgmt/device/info", "/api/v1/webCallControl/callStatus"] {
        let r = p.http.get(p.url(path)).basic_auth(USER, Some("456")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(v, json!({"Status": "4010"}));
    }
    let r = p.http.post(p.url("/api/v1/callctrl/dial")).basic_auth(USER, Some("456")).header("content-type", "application/json").body(r#"{"data":{"Dest":"1000"}}"#).send().await.unwrap();
    let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(v["Status"], "4010");
}
