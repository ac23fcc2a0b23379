//! The emulator through its real HTTP interface: the HTTP rules of the manual's
//! prerequisites, input rules, configuration, call flows, reboots and profile
//! differences. Only 127.0.0.1 is contacted.

mod emulator_support;

use emulator_support::*;
use polyconform::emulator::ParallelMode;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn device_info_answers_with_the_real_shape_and_headers() {
    let p = Phone::new("trio-5.9.1").await;
    assert!(p.emu.url().starts_with("http://127.0.0.1:"));
    let r = p.get("/api/v1/mgmt/device/info").await;
    assert_eq!(r.code, 200);
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(r.headers["server"], "Polycom SoundPoint IP Telephone HTTPd");
    assert_eq!(r.headers["x-frame-options"], "SAMEORIGIN");
    assert_eq!(r.headers["cache-control"], "no-store");
    assert!(r.text.starts_with("{\"data\": {"), "data first, phone separators: {}", r.text);
    assert!(r.text.ends_with("\"Status\": \"2000\"}"), "{}", r.text);
    let d = r.data();
    assert_eq!(d["ModelNumber"], "Poly Trio 8300");
    assert_eq!(d["DeviceType"], "hardwareEndpoint");
    assert_eq!(d["DeviceVendor"], "Polycom");
    assert_eq!(d["IPV4Address"], "127.0.0.1");
    // A lab phone has been up a while (state::UP_BEFORE_START): 2 days 3:04:05 at start.
    assert!(d["UpTimeSinceLastReboot"].as_str().unwrap().starts_with("2 Days 3:04:"), "{}", d["UpTimeSinceLastReboot"]);
    let v2 = p.get("/api/v2/mgmt/device/info").await;
    assert_eq!(v2.api(), "2000");
    assert_eq!(v2.data()["DeviceType"], "HardwareEndpoint");
    assert_eq!(v2.data()["ReadyToUse"], "True");
    assert_eq!(v2.data()["UpTime"]["Days"], "2");
    p.emu.stop().await;
}

#[tokio::test]
async fn missing_or_wrong_credentials_get_401_with_the_basic_challenge() {
    let p = Phone::new("trio-5.9.1").await;
    let url = p.url("/api/v1/mgmt/device/info");
    let none = reply(p.http.get(&url).send().await.unwrap()).await;
    assert_eq!(none.code, 401);
    assert_eq!(none.headers["www-authenticate"], "Basic realm=\"API Authentication\"");
    assert!(none.text.contains("401 Unauthorized"), "{}", none.text);
    for (user, pass) in [(USER, "nope"), ("admin", PASS), ("polycom", PASS)] {
        let r = p.http.get(&url).basic_auth(user, Some(pass)).send().await.unwrap();
        assert_eq!(r.status(), 401, "{user}");
    }
    for header in ["Basic !!!", "Bearer abc", "Basic", "Digest username=\"Polycom\""] {
        let r = p.http.get(&url).header("Authorization", header).send().await.unwrap();
        assert_eq!(r.status(), 401, "{header}");
    }
}

#[tokio::test]
async fn the_factory_password_gets_4010_on_every_call() {
    let mut c = config("trio-5.9.1");
    c.password = "456".into();
    let p = Phone::with(c).await;
    for path in ["/api/v1/mgmt/device/info", "/api/v1/webCallControl/callStatus", "/api/v2/mgmt/lineInfo"] {
        let r = reply(p.http.get(p.url(path)).basic_auth(USER, Some("456")).send().await.unwrap()).await;
        assert_eq!(r.code, 200);
        assert_eq!(r.json, json!({"Status": "4010"}), "{path}");
    }
    let r = p
        .http
        .post(p.url("/api/v1/callctrl/dial"))
        .basic_auth(USER, Some("456"))
        .header("content-type", "application/json")
        .body(r#"{"data":{"Dest":"1000"}}"#);
    assert_eq!(reply(r.send().await.unwrap()).await.api(), "4010");
    let wrong = p.http.get(p.url("/api/v1/mgmt/device/info")).basic_auth(USER, Some(PASS)).send().await.unwrap();
    assert_eq!(wrong.status(), 401, "the factory password is still a password");
}

#[tokio::test]
async fn post_needs_the_json_content_type_in_any_spelling() {
    let p = Phone::new("trio-5.9.1").await;
    let url = p.url("/api/v1/mgmt/transferType/set");
    let body = r#"{"data": {"Type": "Blind"}}"#;
    for (ct, expect) in [
        (None, 400),
        (Some("text/plain"), 400),
        (Some("application/x-www-form-urlencoded"), 400),
        (Some("application/json-patch+json"), 400),
        (Some("application/json"), 200),
        (Some("Application/JSON"), 200),
        (Some("application/json; charset=utf-8"), 200),
        (Some(" application/json ;charset=UTF-8"), 200),
    ] {
        let mut req = p.http.post(&url).basic_auth(USER, Some(PASS)).body(body);
        if let Some(ct) = ct {
            req = req.header("Content-Type", ct);
        }
        let r = reply(req.send().await.unwrap()).await;
        assert_eq!(r.code, expect, "{ct:?}: {}", r.text);
        if expect == 400 {
            assert_eq!(r.headers["content-type"], "text/html");
        }
    }
    // Bodiless POSTs too.
    let r =
        reply(p.http.post(p.url("/api/v1/callctrl/holdCall")).basic_auth(USER, Some(PASS)).send().await.unwrap()).await;
    assert_eq!(r.code, 400);
    assert_eq!(p.post_empty("/api/v1/callctrl/holdCall").await.api(), "4007");
    // GET needs no content type.
    assert_eq!(p.get("/api/v1/mgmt/transferType/get").await.data()["Type"], "Blind");
}

/// A config/set body padded to exactly `len` bytes.
fn padded_body(len: usize) -> String {
    let head = r#"{"data": {"device.local.deviceName": "lab"}, "pad": ""#;
    let tail = "\"}";
    format!("{head}{}{tail}", "x".repeat(len - head.len() - tail.len()))
}

#[tokio::test]
async fn bodies_up_to_20000_bytes_pass_and_over_20480_get_413() {
    let p = Phone::new("trio-5.9.1").await;
    for len in [20000, 20480] {
        let body = padded_body(len);
        assert_eq!(body.len(), len);
        assert_eq!(p.post_raw("/api/v1/mgmt/config/set", body).await.api(), "2000", "{len} bytes");
    }
    let r = p.post_raw("/api/v1/mgmt/config/set", padded_body(20481)).await;
    assert_eq!(r.code, 413);
    assert_eq!(r.headers["connection"], "close");
    let r = p.post_raw("/api/v1/mgmt/config/set", padded_body(200_000)).await;
    assert_eq!(r.code, 413);
    // The phone is still fine.
    assert_eq!(p.get("/api/v1/mgmt/device/info").await.api(), "2000");
}

#[tokio::test]
async fn a_declared_oversize_body_is_refused_before_it_is_sent() {
    let p = Phone::new("trio-5.9.1").await;
    let head = format!(
        "POST /api/v1/mgmt/config/set HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n",
        basic()
    );
    // Only the headers are sent: the answer must come without the body.
    let answer = raw(p.addr(), head.as_bytes(), Duration::from_secs(3)).await;
    assert_eq!(raw_status(&answer), 413, "{}", String::from_utf8_lossy(&answer));
}

#[tokio::test]
async fn a_chunked_body_is_read_only_up_to_the_limit() {
    let p = Phone::new("trio-5.9.1").await;
    let mut req = format!("POST /api/v1/mgmt/config/set HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", basic()).into_bytes();
    let chunk = "y".repeat(8000);
    for _ in 0..4 {
        req.extend_from_slice(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes());
    }
    // No final chunk: the phone must not wait for the end of the body.
    let answer = raw(p.addr(), &req, Duration::from_secs(3)).await;
    assert_eq!(raw_status(&answer), 413, "{}", String::from_utf8_lossy(&answer));
    let json = r#"{"data": {"Type": "Safe"}}"#;
    let small = format!(
        "POST /api/v1/mgmt/transferType/set HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{json}\r\n0\r\n\r\n",
        basic(),
        json.len()
    );
    let answer = raw(p.addr(), small.as_bytes(), Duration::from_secs(3)).await;
    assert_eq!(raw_status(&answer), 200, "{}", String::from_utf8_lossy(&answer));
    assert_eq!(p.get("/api/v1/mgmt/transferType/get").await.data()["Type"], "Safe");
}

#[tokio::test]
async fn a_request_while_another_is_processed_gets_403() {
    let mut c = config("trio-5.9.1");
    c.latency = Duration::from_millis(300);
    let p = Phone::with(c).await;
    let (a, b) = tokio::join!(p.get("/api/v1/mgmt/device/info"), async {
        tokio::time::sleep(Duration::from_millis(80)).await;
        p.get("/api/v1/mgmt/network/info").await
    });
    assert_eq!(a.code, 200);
    assert_eq!(b.code, 403, "{}", b.text);
    // Once the first is done the phone takes requests again.
    assert_eq!(p.get("/api/v1/mgmt/network/info").await.code, 200);
}

#[tokio::test]
async fn queue_mode_answers_every_request_in_turn() {
    let mut c = config("trio-5.9.1");
    c.latency = Duration::from_millis(100);
    c.parallel = ParallelMode::Queue;
    let p = Phone::with(c).await;
    let started = std::time::Instant::now();
    let (a, b, d) = tokio::join!(
        p.get("/api/v1/mgmt/device/info"),
        p.get("/api/v1/mgmt/network/info"),
        p.get("/api/v1/mgmt/lineInfo")
    );
    assert_eq!((a.code, b.code, d.code), (200, 200, 200));
    // One at a time: three latencies in a row, not in parallel.
    assert!(started.elapsed() >= Duration::from_millis(290), "{:?}", started.elapsed());
}

#[tokio::test]
async fn unknown_paths_404_and_wrong_methods_405() {
    let p = Phone::new("trio-5.9.1").await;
    for path in
        ["/api/v1/mgmt/nothing", "/api/v3/mgmt/device/info", "/api", "/", "/index.htm", "/api/v1/mgmt/device/info/x"]
    {
        let r = p.get(path).await;
        assert_eq!(r.code, 404, "{path}");
    }
    let r = p.get("/api/v1/callctrl/dial").await;
    assert_eq!(r.code, 405);
    assert_eq!(r.headers["allow"], "POST");
    let r = p.post("/api/v1/mgmt/device/info", json!({})).await;
    assert_eq!(r.code, 405);
    assert_eq!(r.headers["allow"], "GET");
    let r = reply(p.http.delete(p.url("/api/v1/mgmt/device/info")).basic_auth(USER, Some(PASS)).send().await.unwrap())
        .await;
    assert_eq!(r.code, 405);
    // Unknown paths are still behind authentication.
    let r = reply(p.http.get(p.url("/api/v1/mgmt/nothing")).send().await.unwrap()).await;
    assert_eq!(r.code, 401);
    // Paths match regardless of case, as real clients rely on for lineinfo.
    assert_eq!(p.get("/api/v1/mgmt/lineinfo").await.api(), "2000");
}

#[tokio::test]
async fn a_disabled_api_answers_404_everywhere() {
    let mut c = config("trio-5.9.1");
    c.api_enabled = false;
    let p = Phone::with(c).await;
    for path in ["/api/v1/mgmt/device/info", "/api/v2/mgmt/device/info", "/api/v1/nothing"] {
        assert_eq!(p.get(path).await.code, 404, "{path}");
    }
    assert_eq!(p.post("/api/v1/callctrl/dial", json!({"data": {"Dest": "1"}})).await.code, 404);
    assert_eq!(p.control(reqwest::Method::GET, "/control/health", json!(null)).await.code, 200);
}

#[tokio::test]
async fn malformed_input_answers_4000() {
    let p = Phone::new("trio-5.9.1").await;
    let cases: Vec<(&str, String)> = vec![
        ("/api/v1/callctrl/dial", "{not json".into()),
        ("/api/v1/callctrl/dial", "[]".into()),
        ("/api/v1/callctrl/dial", "{}".into()),
        ("/api/v1/callctrl/dial", r#"{"data": "1000"}"#.into()),
        ("/api/v1/callctrl/dial", r#"{"data": {}}"#.into()),
        ("/api/v1/callctrl/dial", r#"{"data": {"Dest": ""}}"#.into()),
        ("/api/v1/callctrl/dial", r#"{"data": {"Dest": 1000}}"#.into()),
        ("/api/v1/callctrl/dial", r#"{"data": {"Dest": "1000", "Line": "x"}}"#.into()),
        ("/api/v1/callctrl/dial", r#"{"data": {"Dest": "1000", "Line": "9"}}"#.into()),
        ("/api/v1/callctrl/dial", r#"{"data": {"Dest": "1000", "Type": "FAX"}}"#.into()),
        ("/api/v1/callctrl/dial", r#"{"data": {"Dest": "1000", "Line": 1}}"#.into()),
        ("/api/v1/callctrl/endCall", r#"{"data": {}}"#.into()),
        ("/api/v1/callctrl/endCall", r#"{"data": {"Ref": 5}}"#.into()),
        ("/api/v1/callctrl/mute", r#"{"data": {"state": "2"}}"#.into()),
        ("/api/v1/callctrl/mute", r#"{"data": {"state": 1}}"#.into()),
        ("/api/v1/callctrl/sendDTMF", r#"{"data": {}}"#.into()),
        ("/api/v1/callctrl/sendDTMF", r#"{"data": {"Digits": "12x"}}"#.into()),
        ("/api/v1/callctrl/transferCall", r#"{"data": {"Ref": "0x1"}}"#.into()),
        ("/api/v1/callctrl/holdCall", r#"{"data": "x"}"#.into()),
        ("/api/v1/callctrl/holdCall", "nonsense".into()),
        ("/api/v1/mgmt/transferType/set", r#"{"data": {"Type": "Sideways"}}"#.into()),
        ("/api/v1/mgmt/transferType/set", r#"{"data": {}}"#.into()),
        ("/api/v1/mgmt/config/get", r#"{"data": {"a": "b"}}"#.into()),
        ("/api/v1/mgmt/config/get", r#"{"data": [1, 2]}"#.into()),
        ("/api/v1/mgmt/config/set", r#"{"data": ["ptt.volume"]}"#.into()),
        ("/api/v1/mgmt/config/set", r#"{"data": {"ptt.volume": -5}}"#.into()),
        ("/api/v1/mgmt/config/export", r#"{"data": {"Url": "http://192.0.2.1/x"}}"#.into()),
        ("/api/v1/mgmt/config/export", r#"{"data": {"Url": "http://192.0.2.1/x", "ConfigType": "Everything"}}"#.into()),
        ("/api/v1/mgmt/simulateTextInput", r#"{"data": {}}"#.into()),
        ("/api/v1/mgmt/simulateKeyEvent", r#"{"data": {"Type": "Tap", "KeyName": "Launch"}}"#.into()),
        ("/api/v1/mgmt/simulateKeyEvent", r#"{"data": {"Type": "Hold", "KeyName": "VolUp"}}"#.into()),
        ("/api/v1/mgmt/skype/signIn", r#"{"data": {"Address": "a@b"}}"#.into()),
        ("/api/v1/mgmt/skype/signIn", r#"{"data": {"Address": "a@b", "User": "u", "Password": "p"}}"#.into()),
    ];
    for (path, body) in cases {
        let r = p.post_raw(path, body.clone()).await;
        assert_eq!(r.api(), "4000", "{path} {body}");
    }
    let nested = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert_eq!(p.post_raw("/api/v1/callctrl/dial", nested).await.api(), "4000", "deep nesting is just invalid input");
    assert_eq!(p.post_raw("/api/v1/callctrl/dial", vec![0xff, 0xfe, 0x00]).await.api(), "4000");
    assert_eq!(p.post_raw("/api/v1/callctrl/dial", r#"{"data": null}"#).await.api(), "4000");
    assert!(p.calls().await.is_empty(), "no refused dial made a call");
}

#[tokio::test]
async fn config_get_and_set_follow_the_parameter_limits_and_sources() {
    let p = Phone::new("trio-5.9.1").await;
    let names = |n: usize| Value::Array((0..n).map(|i| Value::String(format!("p.{i}"))).collect());
    assert_eq!(p.post("/api/v1/mgmt/config/get", json!({"data": []})).await.api(), "4000");
    assert_eq!(p.post("/api/v1/mgmt/config/get", json!({"data": names(21)})).await.api(), "4009");
    assert_eq!(p.post("/api/v1/mgmt/config/set", json!({"data": {}})).await.api(), "4000");
    let many: serde_json::Map<String, Value> = (0..21).map(|i| (format!("p.{i}"), json!("1"))).collect();
    assert_eq!(p.post("/api/v1/mgmt/config/set", json!({"data": many})).await.api(), "4009");

    let r = p
        .post(
            "/api/v1/mgmt/config/get",
            json!({"data": ["ptt.volume", "reg.1.label", "device.local.deviceName", "no.such.param"]}),
        )
        .await;
    assert_eq!(r.api(), "2000");
    assert_eq!(r.data()["ptt.volume"], json!({"Value": "-20", "Source": "default"}));
    assert_eq!(r.data()["reg.1.label"], json!({"Value": "1001", "Source": "config"}));
    assert_eq!(r.data()["device.local.deviceName"]["Source"], "device");
    assert_eq!(r.json["InvalidParams"], json!(["no.such.param"]));
    assert!(r.data().get("no.such.param").is_none());

    // An unknown or invalid pair refuses the whole request.
    assert_eq!(
        p.post("/api/v1/mgmt/config/set", json!({"data": {"ptt.volume": "-10", "no.such.param": "1"}})).await.api(),
        "4000"
    );
    assert_eq!(
        p.post("/api/v1/mgmt/config/set", json!({"data": {"ptt.volume": "-10", "diags.pcap.enabled": "yes"}}))
            .await
            .api(),
        "4000"
    );
    assert_eq!(p.post("/api/v1/mgmt/config/set", json!({"data": {"apps.restapi.enabled": "0"}})).await.api(), "4000");
    let r = p.post("/api/v1/mgmt/config/get", json!({"data": ["ptt.volume"]})).await;
    assert_eq!(r.data()["ptt.volume"]["Value"], "-20", "nothing was half-applied");

    assert_eq!(
        p.post("/api/v1/mgmt/config/set", json!({"data": {"ptt.volume": "-10", "reg.1.label": "Desk"}})).await.api(),
        "2000"
    );
    let r = p.post("/api/v1/mgmt/config/get", json!({"data": ["ptt.volume", "reg.1.label"]})).await;
    assert_eq!(r.data()["ptt.volume"], json!({"Value": "-10", "Source": "web"}));
    assert_eq!(r.data()["reg.1.label"], json!({"Value": "Desk", "Source": "web"}));
    assert_eq!(p.get("/api/v1/mgmt/lineInfo").await.data()[0]["Label"], "Desk");
}

#[tokio::test]
async fn a_full_call_flow_is_reflected_everywhere() {
    let p = Phone::new("trio-5.9.1").await;
    let v1 = p.get("/api/v1/webCallControl/callStatus").await;
    assert_eq!(v1.api(), "4007", "v1 with no call");
    assert!(p.calls().await.is_empty(), "v2 with no call: 2000 and []");

    assert_eq!(
        p.post("/api/v1/callctrl/dial", json!({"data": {"Dest": "1000", "Line": "1", "Type": "SIP"}})).await.api(),
        "2000"
    );
    let first = p.calls().await;
    assert_eq!(first.len(), 1);
    assert!(matches!(first[0]["CallState"].as_str(), Some("RingBack" | "Connected")));
    let handle = p.wait_connected("1000").await;
    assert_eq!(handle.len(), 8);
    assert!(handle.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));

    let v1 = p.get("/api/v1/webCallControl/callStatus").await;
    assert_eq!(v1.api(), "2000");
    assert_eq!(v1.data()["CallHandle"], format!("0x{handle}"));
    assert_eq!(v1.data()["LineId"], "1");
    assert_eq!(v1.data()["CallState"], "Connected");
    assert_eq!(v1.data()["Type"], "Outgoing");
    let call = &p.calls().await[0];
    assert_eq!(call["Muted"], "0");
    assert_eq!(call["LineID"], "1");
    assert_eq!(call["CallSequence"], "1");
    assert_eq!(call["UIAppearanceIndex"], "1*");
    let sip = p.get("/api/v1/webCallControl/sipStatus").await;
    assert_eq!(sip.data()["User"][0]["Calls"][0]["CallState"], "Connected");
    let stats = p.get("/api/v1/mgmt/media/sessionStats").await;
    assert_eq!(stats.data()[0]["Ref"], format!("0x{handle}"));
    assert_eq!(stats.data()[0]["Streams"][0]["Category"], "0:Voice");
    assert_eq!(p.get("/api/v1/mgmt/pollForStatus").await.data()["State"], "Active");
    assert_eq!(p.get("/api/v2/mgmt/lineInfo?line=1").await.data()[0]["CallAppearances"], json!([handle]));

    assert_eq!(p.post("/api/v1/callctrl/mute", json!({"data": {"state": "1"}})).await.api(), "2000");
    assert_eq!(p.calls().await[0]["Muted"], "1");
    assert_eq!(p.get("/api/v1/mgmt/media/communicationInfo").await.data()["PhoneMuteState"], "True");
    assert_eq!(p.post("/api/v1/callctrl/mute", json!({"data": {"state": "0"}})).await.api(), "2000");
    assert_eq!(p.calls().await[0]["Muted"], "0");

    assert_eq!(p.post("/api/v1/callctrl/sendDTMF", json!({"data": {"Digits": "123#"}})).await.api(), "2000");

    assert_eq!(p.post("/api/v1/callctrl/holdCall", json!({"data": {"Ref": handle}})).await.api(), "2000");
    assert_eq!(p.calls().await[0]["CallState"], "Hold");
    assert_eq!(p.get("/api/v1/webCallControl/callStatus").await.data()["CallState"], "Hold");
    assert_eq!(
        p.post("/api/v1/callctrl/endCall", json!({"data": {"Ref": handle}})).await.api(),
        "4003",
        "a held call cannot be ended"
    );
    assert_eq!(p.post("/api/v1/callctrl/mute", json!({"data": {"state": "1"}})).await.api(), "4003", "nor muted");
    assert_eq!(
        p.post("/api/v1/callctrl/holdCall", json!({"data": {"Ref": handle}})).await.api(),
        "4003",
        "nor held again"
    );

    assert_eq!(
        p.post("/api/v1/callctrl/resumeCall", json!({"data": {"Ref": format!("0x{handle}")}})).await.api(),
        "2000",
        "v1 handle form"
    );
    assert_eq!(p.calls().await[0]["CallState"], "Connected");
    assert_eq!(
        p.post("/api/v1/callctrl/resumeCall", json!({"data": {"Ref": handle}})).await.api(),
        "4003",
        "not on hold"
    );
    assert_eq!(
        p.post("/api/v1/callctrl/answerCall", json!({"data": {"Ref": handle}})).await.api(),
        "4003",
        "not incoming"
    );

    assert_eq!(p.post("/api/v1/callctrl/endCall", json!({"data": {"Ref": handle.to_uppercase()}})).await.api(), "2000");
    assert!(p.calls().await.is_empty());
    assert_eq!(p.get("/api/v1/webCallControl/callStatus").await.api(), "4007");
    assert_eq!(p.post("/api/v1/callctrl/endCall", json!({"data": {"Ref": handle}})).await.api(), "4007", "gone");
    let logs = p.get("/api/v1/mgmt/callLogs").await;
    assert_eq!(logs.data()["placed"][0]["RemotePartyNumber"], "1000");
    assert_eq!(logs.data()["placed"][0]["LineNumber"], "1");
    assert!(
        logs.data()["placed"][0]["Duration"].as_str().unwrap().ends_with("secs")
            || logs.data()["placed"][0]["Duration"].as_str().unwrap().ends_with("sec")
    );
    let placed = p.get("/api/v1/mgmt/callLogs/placed").await;
    assert_eq!(placed.data()["placed"].as_array().unwrap().len(), 1);
    assert!(placed.data().get("missed").is_none());
    let poll = p.get("/api/v1/mgmt/pollForStatus").await;
    assert_eq!(poll.data()["State"], "Idle");
    assert!(poll.data()["StateData"].as_str().unwrap().starts_with("Time of last call "));
}

#[tokio::test]
async fn operations_without_a_call_answer_4007() {
    let p = Phone::new("trio-5.9.1").await;
    for (path, body) in [
        ("/api/v1/callctrl/endCall", json!({"data": {"Ref": "0x12345678"}})),
        ("/api/v1/callctrl/mute", json!({"data": {"state": "1"}})),
        ("/api/v1/callctrl/transferCall", json!({"data": {"Ref": "12345678", "TransferDest": "2000"}})),
        ("/api/v1/callctrl/sendDTMF", json!({"data": {"Digits": "1"}})),
        ("/api/v1/callctrl/holdCall", json!({"data": {"Ref": "12345678"}})),
        ("/api/v1/callctrl/resumeCall", json!({"data": {"Ref": "12345678"}})),
        ("/api/v1/callctrl/answerCall", json!({"data": {"Ref": "12345678"}})),
        ("/api/v1/callctrl/ignoreCall", json!({"data": {"Ref": "12345678"}})),
        ("/api/v1/callctrl/rejectCall", json!({"data": {"Ref": "not-hex"}})),
    ] {
        assert_eq!(p.post(path, body).await.api(), "4007", "{path}");
    }
    for path in [
        "/api/v1/callctrl/holdCall",
        "/api/v1/callctrl/resumeCall",
        "/api/v1/callctrl/answerCall",
        "/api/v1/callctrl/ignoreCall",
        "/api/v1/callctrl/rejectCall",
    ] {
        assert_eq!(p.post_empty(path).await.api(), "4007", "{path} without input");
        assert_eq!(p.post(path, json!({})).await.api(), "4007", "{path} with {{}}");
    }
    assert_eq!(p.get("/api/v2/webCallControl/callStatus?handle=12345678").await.api(), "4007");
}

#[tokio::test]
async fn incoming_calls_can_be_answered_ignored_or_rejected() {
    let p = Phone::new("trio-5.9.1").await;
    let h = p.incoming("2001").await;
    let call = &p.calls().await[0];
    assert_eq!(call["CallState"], "Offering");
    assert_eq!(call["Ringing"], "1");
    assert_eq!(call["Type"], "Incoming");
    assert_eq!(call["RTPPort"], "0");
    assert_eq!(
        p.post("/api/v1/callctrl/holdCall", json!({"data": {"Ref": h}})).await.api(),
        "4003",
        "a ringing call cannot be held"
    );
    assert_eq!(p.post_empty("/api/v1/callctrl/answerCall").await.api(), "2000", "no Ref: the ringing call");
    let call = &p.calls().await[0];
    assert_eq!((call["CallState"].as_str(), call["Ringing"].as_str()), (Some("Connected"), Some("0")));
    assert_eq!(p.post("/api/v1/callctrl/answerCall", json!({"data": {"Ref": h}})).await.api(), "4003");
    assert_eq!(p.post_empty("/api/v1/callctrl/holdCall").await.api(), "2000", "no Ref: the active call");
    assert_eq!(p.post_empty("/api/v1/callctrl/resumeCall").await.api(), "2000", "no Ref: the held call");
    assert_eq!(p.post("/api/v1/callctrl/endCall", json!({"data": {"Ref": h}})).await.api(), "2000");

    let ignored = p.incoming("2002").await;
    assert_eq!(p.post("/api/v1/callctrl/ignoreCall", json!({"data": {"Ref": ignored}})).await.api(), "2000");
    let rejected = p.incoming("2003").await;
    assert_eq!(
        p.post("/api/v1/callctrl/rejectCall", json!({"data": {"Ref": format!("0x{rejected}")}})).await.api(),
        "2000"
    );
    assert!(p.calls().await.is_empty());
    let logs = p.get("/api/v1/mgmt/callLogs").await;
    assert_eq!(logs.data()["received"][0]["RemotePartyNumber"], "2001");
    let missed: Vec<&str> =
        logs.data()["missed"].as_array().unwrap().iter().map(|e| e["RemotePartyNumber"].as_str().unwrap()).collect();
    assert_eq!(missed, vec!["2003", "2002"], "newest first");
    assert_eq!(logs.data()["missed"][0]["Duration"], "");
    assert_eq!(p.get("/api/v1/mgmt/callLogs/missed").await.data()["missed"].as_array().unwrap().len(), 2);
    assert_eq!(p.get("/api/v1/mgmt/callLogs/received").await.data()["received"].as_array().unwrap().len(), 1);

    // An outgoing call is not incoming.
    let out = p.connected_call("1000").await;
    for path in ["/api/v1/callctrl/answerCall", "/api/v1/callctrl/ignoreCall", "/api/v1/callctrl/rejectCall"] {
        assert_eq!(p.post(path, json!({"data": {"Ref": out}})).await.api(), "4003", "{path}");
    }
}

#[tokio::test]
async fn a_second_call_holds_the_first_and_transfer_is_blind() {
    let p = Phone::new("trio-5.9.1").await;
    let a = p.connected_call("1000").await;
    let b = p.connected_call("1001").await;
    let calls = p.calls().await;
    let state = |h: &str| {
        calls
            .iter()
            .find(|c| c["CallHandle"] == h)
            .map(|c| (c["CallState"].clone(), c["CallSequence"].clone(), c["UIAppearanceIndex"].clone()))
            .unwrap()
    };
    assert_eq!(state(&a), (json!("Hold"), json!("1"), json!("1")));
    assert_eq!(state(&b), (json!("Connected"), json!("2"), json!("2*")));
    assert_eq!(p.get("/api/v2/webCallControl/callStatus?line=1&sequence=2").await.data()[0]["CallHandle"], b);
    assert_eq!(
        p.get(&format!("/api/v2/webCallControl/callStatus?handle={a}")).await.data().as_array().unwrap().len(),
        1
    );
    assert_eq!(p.get("/api/v1/mgmt/media/communicationInfo").await.data()["CommunicationType"], json!(["Tx", "RxTx"]));

    assert_eq!(
        p.post("/api/v1/callctrl/transferCall", json!({"data": {"Ref": b, "TransferDest": "3000"}})).await.api(),
        "2000"
    );
    let left: Vec<Value> = p.calls().await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["CallHandle"], a);
    assert_eq!(p.get("/api/v1/mgmt/callLogs/placed").await.data()["placed"][0]["RemotePartyNumber"], "1001");
}

#[tokio::test]
async fn v2_call_status_accepts_only_the_documented_queries() {
    let p = Phone::new("trio-5.9.1").await;
    let h = p.connected_call("1000").await;
    for q in ["", "?line=1", "?line=1&sequence=1", &format!("?handle={h}"), &format!("?handle=0x{h}")] {
        let r = p.get(&format!("/api/v2/webCallControl/callStatus{q}")).await;
        assert_eq!(r.api(), "2000", "{q}");
        assert_eq!(r.data().as_array().unwrap().len(), 1, "{q}");
    }
    assert_eq!(p.get("/api/v2/webCallControl/callStatus?line=2").await.data(), &json!([]));
    for q in ["?sequence=1", &format!("?handle={h}&line=1"), "?line=x", "?handle=xyz", "?colour=red", "?line=1&line=1"]
    {
        assert_eq!(p.get(&format!("/api/v2/webCallControl/callStatus{q}")).await.api(), "4000", "{q}");
    }
    assert_eq!(p.get("/api/v2/mgmt/lineInfo").await.data().as_array().unwrap().len(), 1);
    assert_eq!(p.get("/api/v2/mgmt/lineInfo?line=1").await.data()[0]["ID"], "1");
    for q in ["?line=2", "?line=abc", "?foo=1"] {
        assert_eq!(p.get(&format!("/api/v2/mgmt/lineInfo{q}")).await.api(), "4000", "{q}");
    }
}

#[tokio::test]
async fn transfer_type_presence_and_skype() {
    let p = Phone::new("trio-5.9.1").await;
    assert_eq!(p.get("/api/v1/mgmt/transferType/get").await.data()["Type"], "Consultative");
    for t in ["Blind", "safe", "Consultative"] {
        assert_eq!(p.post("/api/v1/mgmt/transferType/set", json!({"data": {"Type": t}})).await.api(), "2000");
    }
    assert_eq!(p.get("/api/v1/mgmt/transferType/get").await.data()["Type"], "Consultative");
    // Not a Skype for Business phone: presence and Skype sign-in are not supported.
    assert_eq!(p.get("/api/v1/mgmt/getPresence").await.api(), "4004");
    let sign_in = json!({"data": {"Address": "u@example.invalid", "User": "u", "Password": "p", "Domain": ""}});
    assert_eq!(p.post("/api/v1/mgmt/skype/signIn", sign_in.clone()).await.api(), "4004");
    assert_eq!(p.post_empty("/api/v1/mgmt/skype/signOut").await.api(), "4004");
    // In Skype mode they work.
    assert_eq!(p.post("/api/v1/mgmt/config/set", json!({"data": {"device.baseProfile": "Lync"}})).await.api(), "2000");
    assert_eq!(p.get("/api/v1/mgmt/getPresence").await.data()["Presence"], "Offline");
    assert_eq!(p.post_empty("/api/v1/mgmt/skype/signOut").await.api(), "4003");
    assert_eq!(p.post("/api/v1/mgmt/skype/signIn", sign_in.clone()).await.api(), "2000");
    assert_eq!(p.post("/api/v1/mgmt/skype/signIn", sign_in).await.api(), "4003");
    assert_eq!(p.get("/api/v1/mgmt/getPresence").await.data()["Presence"], "Available");
    assert_eq!(p.post_empty("/api/v1/mgmt/skype/signOut").await.api(), "2000");
    let web = p.get("/api/v1/mgmt/webSignIn").await;
    assert_eq!(web.data()["Url"], "http://aka.ms/sphone");
    assert_eq!(web.data()["Code"].as_str().unwrap().len(), 9);
    assert_eq!(p.get("/api/v1/mgmt/webSignInCancel").await.data()["result"], "Canceled");
}

#[tokio::test]
async fn background_capture_needs_pcap_config_and_waits_10_seconds() {
    let p = Phone::new("trio-5.9.1").await;
    assert_eq!(p.post_empty("/api/v1/mgmt/network/uploadBgCapture").await.code, 404, "capture off");
    assert_eq!(p.post("/api/v1/mgmt/config/set", json!({"data": {"diags.pcap.enabled": "1"}})).await.api(), "2000");
    assert_eq!(p.post_empty("/api/v1/mgmt/network/uploadBgCapture").await.code, 404, "background capture still off");
    assert_eq!(
        p.post("/api/v1/mgmt/config/set", json!({"data": {"diags.pcap.background.enabled": "1"}})).await.api(),
        "2000"
    );
    assert_eq!(
        p.post("/api/v1/mgmt/network/uploadBgCapture", json!({"data": {"url": "not a url"}})).await.api(),
        "4000"
    );
    assert_eq!(
        p.post("/api/v1/mgmt/network/uploadBgCapture", json!({"data": {"url": "http://192.0.2.7/pcap"}})).await.api(),
        "2000"
    );
    assert_eq!(p.post_empty("/api/v1/mgmt/network/uploadBgCapture").await.api(), "4001", "within 10 s");
    // VVX has no such endpoint.
    let vvx = Phone::new("vvx-5.9.0").await;
    assert_eq!(vvx.post_empty("/api/v1/mgmt/network/uploadBgCapture").await.code, 404);
}

#[tokio::test]
async fn ui_simulation_checks_positions_keys_and_text() {
    let p = Phone::new("trio-5.9.1").await;
    let touch = |kind: &str, n: usize| json!({"data": {"Type": kind, "Positions": (0..n).map(|i| json!({"X": (10 + i).to_string(), "Y": "20"})).collect::<Vec<_>>()}});
    for (kind, n, expect) in [
        ("Tap", 1, "2000"),
        ("Press", 1, "2000"),
        ("Release", 1, "2000"),
        ("Tap", 0, "4000"),
        ("Tap", 2, "4009"),
        ("Swipe", 1, "4000"),
        ("Swipe", 2, "2000"),
        ("Swipe", 5, "2000"),
        ("Swipe", 6, "4009"),
        ("Pinch", 2, "4000"),
    ] {
        assert_eq!(p.post("/api/v1/mgmt/simulateTouch", touch(kind, n)).await.api(), expect, "{kind} x{n}");
    }
    for (body, expect) in [
        (json!({"data": {"Type": "Tap", "Positions": [{"X": "5000", "Y": "20"}]}}), "4000"),
        (json!({"data": {"Type": "Tap", "Positions": [{"X": 5, "Y": 20}]}}), "4000"),
        (json!({"data": {"Type": "Tap", "Positions": [{"X": "5"}]}}), "4000"),
        (
            json!({"data": {"Type": "Swipe", "Positions": [{"X": "5", "Y": "5"}, {"X": "50", "Y": "5"}], "Duration": "200", "Easing": "OutQuad"}}),
            "2000",
        ),
        (
            json!({"data": {"Type": "Swipe", "Positions": [{"X": "5", "Y": "5"}, {"X": "50", "Y": "5"}], "Easing": "Wobbly"}}),
            "4000",
        ),
    ] {
        assert_eq!(p.post("/api/v1/mgmt/simulateTouch", body.clone()).await.api(), expect, "{body}");
    }
    for key in ["MicMute", "VolUp", "VolDown", "Home", "Dialpad5", "SoftKey2"] {
        assert_eq!(
            p.post("/api/v1/mgmt/simulateKeyEvent", json!({"data": {"Type": "Tap", "KeyName": key}})).await.api(),
            "2000",
            "{key}"
        );
    }
    assert_eq!(
        p.post("/api/v1/mgmt/simulateTextInput", json!({"data": {"Value": "hello", "ReplaceText": "true"}}))
            .await
            .api(),
        "2000"
    );
    assert_eq!(
        p.post("/api/v1/mgmt/simulateTextInput", json!({"data": {"Value": "x", "ReplaceText": "maybe"}})).await.api(),
        "4000"
    );
    // MicMute toggles the mute of a call.
    p.connected_call("1000").await;
    assert_eq!(
        p.post("/api/v1/mgmt/simulateKeyEvent", json!({"data": {"Type": "Tap", "KeyName": "MicMute"}})).await.api(),
        "2000"
    );
    assert_eq!(p.calls().await[0]["Muted"], "1");
    let ui = p.get("/api/v1/mgmt/uixml").await;
    assert!(ui.data().as_str().unwrap().contains("End Call"), "{}", ui.text);
    // simulateHook is VVX only.
    assert_eq!(p.post("/api/v1/mgmt/simulateHook", json!({"data": {"State": "OffHook"}})).await.code, 404);
}

#[tokio::test]
async fn vvx_hook_and_unregistered_line() {
    let p = Phone::new("vvx-5.9.0").await;
    let h = p.incoming("2001").await;
    assert_eq!(p.post("/api/v1/mgmt/simulateHook", json!({"data": {"State": "OffHook"}})).await.api(), "2000");
    assert_eq!(p.calls().await[0]["CallState"], "Connected");
    assert_eq!(p.post("/api/v1/mgmt/simulateHook", json!({"data": {"state": "onhook"}})).await.api(), "2000");
    assert!(p.calls().await.is_empty());
    assert_eq!(p.get("/api/v1/mgmt/callLogs/received").await.data()["received"][0]["RemotePartyNumber"], "2001");
    let _ = h;
    assert_eq!(p.post("/api/v1/mgmt/simulateHook", json!({"data": {"State": "Sideways"}})).await.api(), "4000");
    assert_eq!(p.get("/api/v1/mgmt/webSignIn").await.code, 404, "Trio only");

    // VVX documents 4002 for dial on an unregistered line; Trio does not.
    let r = p.control(reqwest::Method::POST, "/control/line", json!({"line": "1", "registered": false})).await;
    assert_eq!(r.code, 200);
    assert_eq!(p.get("/api/v1/mgmt/lineInfo").await.data()[0]["RegistrationStatus"], "unregistered");
    assert_eq!(p.post("/api/v1/callctrl/dial", json!({"data": {"Dest": "1000"}})).await.api(), "4002");
    assert!(p.calls().await.is_empty());
    let trio = Phone::new("trio-5.9.1").await;
    trio.control(reqwest::Method::POST, "/control/line", json!({"line": "1", "registered": false})).await;
    assert_eq!(trio.post("/api/v1/callctrl/dial", json!({"data": {"Dest": "1000"}})).await.api(), "2000");
    assert!(trio.calls().await.is_empty(), "the attempt fails at once");
    assert_eq!(trio.get("/api/v1/mgmt/callLogs/placed").await.data()["placed"][0]["Duration"], "");
}

#[tokio::test]
async fn a_reboot_takes_the_phone_away_then_it_comes_back_fresh() {
    let p = Phone::new("trio-5.9.1").await;
    p.connected_call("1000").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let before =
        p.get("/api/v2/mgmt/device/info").await.data()["UpTime"]["Seconds"].as_str().unwrap().parse::<u32>().unwrap();
    assert!(before >= 1);
    let r = p.post_empty("/api/v1/mgmt/safeReboot").await;
    assert_eq!(r.api(), "2000");
    assert_eq!(r.headers["connection"], "close");
    // While away, a fresh connection fails.
    let away = client().get(p.url("/api/v1/mgmt/device/info")).basic_auth(USER, Some(PASS)).send().await;
    assert!(away.is_err(), "the phone answered while rebooting: {:?}", away.map(|r| r.status()));
    p.wait_until_up().await;
    let info = p.get("/api/v2/mgmt/device/info").await;
    assert_eq!(info.data()["ReadyToUse"], "True");
    assert_eq!(info.data()["UpTime"]["Seconds"], "0", "uptime restarted");
    assert!(p.calls().await.is_empty(), "calls ended by the reboot");
    assert_eq!(p.get("/api/v1/mgmt/callLogs/placed").await.data()["placed"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn safe_restart_restarts_the_application_and_keeps_the_uptime_unless_it_reboots() {
    let uptime = |r: &Reply| r.data()["UpTime"]["Days"].as_str().unwrap().to_string();
    let p = Phone::new("trio-5.9.1").await;
    assert_eq!(p.post_empty("/api/v1/mgmt/safeRestart").await.api(), "2000");
    p.wait_until_up().await;
    assert_eq!(
        uptime(&p.get("/api/v2/mgmt/device/info").await),
        "2",
        "an application restart keeps the uptime since the last reboot"
    );
    // E06's other reading: safeRestart reboots, as the Trio text says.
    let mut c = config("trio-5.9.1");
    c.readings = vec!["restart-reboots".into()];
    let p = Phone::with(c).await;
    assert_eq!(p.post_empty("/api/v1/mgmt/safeRestart").await.api(), "2000");
    p.wait_until_up().await;
    assert_eq!(uptime(&p.get("/api/v2/mgmt/device/info").await), "0", "a reboot starts the uptime again");
}

#[tokio::test]
async fn resets_clear_the_layers_they_name_and_keep_the_password() {
    let p = Phone::new("trio-5.9.1").await;
    let set =
        json!({"data": {"ptt.volume": "-10", "device.local.deviceName": "lab", "call.DefaultTransferType": "Blind"}});
    let get = json!({"data": ["ptt.volume", "device.local.deviceName", "reg.1.label"]});
    assert_eq!(p.post("/api/v1/mgmt/config/set", set.clone()).await.api(), "2000");
    assert_eq!(p.post_empty("/api/v1/mgmt/configReset/web").await.api(), "2000");
    p.wait_until_up().await;
    let r = p.post("/api/v1/mgmt/config/get", get.clone()).await;
    assert_eq!(r.data()["ptt.volume"]["Source"], "default", "web layer cleared");
    assert_eq!(r.data()["device.local.deviceName"]["Value"], "lab", "device layer kept");
    assert_eq!(p.get("/api/v1/mgmt/transferType/get").await.data()["Type"], "Consultative");

    assert_eq!(p.post_empty("/api/v1/mgmt/configReset/device").await.api(), "2000");
    p.wait_until_up().await;
    assert_eq!(p.post("/api/v1/mgmt/config/get", get.clone()).await.data()["device.local.deviceName"]["Value"], "");

    p.connected_call("1000").await;
    assert_eq!(p.post("/api/v1/mgmt/config/set", set).await.api(), "2000");
    assert_eq!(p.post_empty("/api/v1/mgmt/factoryReset").await.api(), "2000");
    p.wait_until_up().await;
    let r = p.post("/api/v1/mgmt/config/get", get).await;
    assert_eq!(r.api(), "2000", "the configured password still works after a factory reset");
    assert_eq!(r.data()["ptt.volume"]["Value"], "-20");
    assert_eq!(r.data()["reg.1.label"]["Source"], "config", "provisioning comes back");
    let logs = p.get("/api/v1/mgmt/callLogs").await;
    assert_eq!(logs.data()["placed"], json!([]), "factory reset clears the logs");
}

#[tokio::test]
async fn update_configuration_is_busy_during_a_call() {
    let p = Phone::new("trio-5.9.1").await;
    let h = p.connected_call("1000").await;
    assert_eq!(p.post_empty("/api/v1/mgmt/updateConfiguration").await.api(), "4001");
    assert_eq!(p.post("/api/v1/callctrl/endCall", json!({"data": {"Ref": h}})).await.api(), "2000");
    let r = p.post_empty("/api/v1/mgmt/updateConfiguration").await;
    assert_eq!(r.api(), "2000");
    assert!(r.data()["ProvisioningState"].is_string());
    p.wait_until_up().await;
}

#[tokio::test]
async fn config_export_checks_its_inputs() {
    let p = Phone::new("trio-5.9.1").await;
    assert_eq!(
        p.post("/api/v1/mgmt/config/export", json!({"data": {"Url": "http://192.0.2.1/cfg", "ConfigType": "All"}}))
            .await
            .api(),
        "2000"
    );
    assert_eq!(
        p.post("/api/v1/mgmt/config/export", json!({"data": {"Url": "file:///tmp/x", "ConfigType": "Device"}}))
            .await
            .api(),
        "4008"
    );
    assert_eq!(
        p.post("/api/v1/mgmt/config/export", json!({"data": {"Url": "nowhere", "ConfigType": "Device"}})).await.api(),
        "4000"
    );
}

#[tokio::test]
async fn control_endpoints_need_the_flag_and_credentials() {
    let mut c = config("trio-5.9.1");
    c.control = false;
    let off = Phone::with(c).await;
    assert_eq!(off.control(reqwest::Method::GET, "/control/health", json!(null)).await.code, 404);
    let p = Phone::new("trio-5.9.1").await;
    let r = reply(p.http.get(p.url("/control/health")).send().await.unwrap()).await;
    assert_eq!(r.code, 401);
    let r = p.control(reqwest::Method::GET, "/control/health", json!(null)).await;
    assert_eq!(r.json, json!({"ok": true}));
    let r = p.control(reqwest::Method::PUT, "/control/faults", json!(["no-such-fault"])).await;
    assert_eq!(r.code, 400);
    assert!(r.json["error"].as_str().unwrap().contains("size-limit-missing"), "lists the known faults: {}", r.text);
    let r = p.control(reqwest::Method::PUT, "/control/faults", json!(["missing-status"])).await;
    assert_eq!(r.json["faults"], json!(["missing-status"]));
    assert_eq!(p.get("/control/faults").await.json["faults"], json!(["missing-status"]));
    let h = p.incoming("2001").await;
    assert_eq!(p.control(reqwest::Method::POST, "/control/hangup", json!({"handle": h})).await.code, 200);
    assert_eq!(p.get("/api/v1/mgmt/callLogs/missed").await.data()["missed"][0]["RemotePartyNumber"], "2001");
    assert!(p.emu.set_faults(vec!["nope".into()]).is_err());
}

#[tokio::test]
async fn tls_serves_https_with_the_printed_fingerprint() {
    let mut c = config("trio-5.9.1");
    c.tls = true;
    let emu = polyconform::emulator::Emulator::start(c).await.unwrap();
    assert!(emu.url().starts_with("https://127.0.0.1:"));
    let fp = emu.fingerprint().expect("a fingerprint");
    let pin = polyconform::device::tls::parse_pin(&fp).unwrap();
    let tls = polyconform::device::tls::client_config(&polyconform::device::tls::Trust::Pin(pin)).unwrap().unwrap();
    let http = reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let r = reply(
        http.get(format!("{}/api/v1/mgmt/device/info", emu.url())).basic_auth(USER, Some(PASS)).send().await.unwrap(),
    )
    .await;
    assert_eq!(r.api(), "2000");
    let wrong =
        polyconform::device::tls::client_config(&polyconform::device::tls::Trust::Pin([0; 32])).unwrap().unwrap();
    let http = reqwest::Client::builder().use_preconfigured_tls(wrong).no_proxy().build().unwrap();
    assert!(http.get(format!("{}/api/v1/mgmt/device/info", emu.url())).send().await.is_err());
    emu.stop().await;
}

#[tokio::test]
async fn listens_on_ipv6_loopback_where_the_machine_has_it() {
    let mut c = config("trio-5.9.1");
    c.listen = "[::1]:0".parse().unwrap();
    match polyconform::emulator::Emulator::start(c).await {
        Ok(emu) => {
            assert!(emu.url().starts_with("http://[::1]:"), "{}", emu.url());
            let r = reply(
                client()
                    .get(format!("{}/api/v1/mgmt/device/info", emu.url()))
                    .basic_auth(USER, Some(PASS))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(r.api(), "2000");
            assert_eq!(r.data()["IPV4Address"], "0.0.0.0");
            assert_eq!(r.data()["IPV6Address"], "::1");
            emu.stop().await;
        }
        // No IPv6 on this machine: the error says where it could not listen.
        Err(e) => assert!(e.to_string().contains("cannot listen on [::1]:0"), "{e}"),
    }
}
