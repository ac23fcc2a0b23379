//! Every emulator fault changes what the phone does: each test observes the same scenario
//! on a healthy phone and on one with the fault, and asserts both observations.

mod emulator_support;

use emulator_support::*;
use polyconform::emulator::faults;
use serde_json::{Value, json};
use std::time::Duration;

/// What a scenario saw, in a few words.
async fn observe(fault: &str, on: bool) -> Option<String> {
    let mut c = config("trio-5.9.1");
    if matches!(fault, "parallel-500" | "parallel-drop") {
        c.latency = Duration::from_millis(250);
    }
    if on {
        c.faults = vec![fault.to_string()];
    }
    let p = Phone::with(c).await;
    let seen = match fault {
        "content-type-ignored" => {
            let r = p
                .http
                .post(p.url("/api/v1/mgmt/transferType/set"))
                .basic_auth(USER, Some(PASS))
                .header("Content-Type", "text/plain")
                .body(r#"{"data": {"Type": "Blind"}}"#);
            reply(r.send().await.unwrap()).await.code.to_string()
        }
        "size-limit-missing" => p.post_raw("/api/v1/mgmt/config/set", padded(30_000)).await.code.to_string(),
        "size-limit-low" => p.post_raw("/api/v1/mgmt/config/set", padded(15_000)).await.code.to_string(),
        "parallel-500" | "parallel-drop" => {
            let (_, second) = tokio::join!(p.get("/api/v1/mgmt/device/info"), async {
                tokio::time::sleep(Duration::from_millis(60)).await;
                p.http.get(p.url("/api/v1/mgmt/network/info")).basic_auth(USER, Some(PASS)).send().await
            });
            match second {
                Ok(r) => r.status().as_u16().to_string(),
                Err(_) => "dropped".into(),
            }
        }
        "auth-none-accepted" => {
            p.http.get(p.url("/api/v1/mgmt/device/info")).send().await.unwrap().status().as_u16().to_string()
        }
        "auth-wrong-password-accepted" => p
            .http
            .get(p.url("/api/v1/mgmt/device/info"))
            .basic_auth(USER, Some("wrong"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
            .to_string(),
        "status-undocumented" => p.get("/api/v1/webCallControl/callStatus").await.api().to_string(),
        "missing-status" => p.get("/api/v1/mgmt/device/info").await.api().to_string(),
        "params-limit-missing" => {
            let names: Vec<String> = (0..21).map(|i| format!("p.{i}")).collect();
            p.post("/api/v1/mgmt/config/get", json!({"data": names})).await.api().to_string()
        }
        "params-empty-accepted" => p.post("/api/v1/mgmt/config/get", json!({"data": []})).await.api().to_string(),
        "missing-field-accepted" => {
            p.post("/api/v1/callctrl/dial", json!({"data": {"Line": "1"}})).await.api().to_string()
        }
        "no-call-2000" => {
            let end = p.post("/api/v1/callctrl/endCall", json!({"data": {"Ref": "0x12345678"}})).await;
            let mute = p.post("/api/v1/callctrl/mute", json!({"data": {"state": "1"}})).await;
            let hold = p.post("/api/v1/callctrl/holdCall", json!({"data": {"Ref": "12345678"}})).await;
            // Only those three: transfer keeps its 4007.
            let transfer = p
                .post("/api/v1/callctrl/transferCall", json!({"data": {"Ref": "12345678", "TransferDest": "2"}}))
                .await;
            format!("{} {} {} {}", end.api(), mute.api(), hold.api(), transfer.api())
        }
        "bgcapture-no-rate-limit" => {
            assert_eq!(
                p.post(
                    "/api/v1/mgmt/config/set",
                    json!({"data": {"diags.pcap.enabled": "1", "diags.pcap.background.enabled": "1"}})
                )
                .await
                .api(),
                "2000"
            );
            assert_eq!(p.post_empty("/api/v1/mgmt/network/uploadBgCapture").await.api(), "2000");
            p.post_empty("/api/v1/mgmt/network/uploadBgCapture").await.api().to_string()
        }
        "attached-hardware-array" => kind(&p.get("/api/v1/mgmt/device/info").await.data()["AttachedHardware"]).into(),
        "call-logs-method-cet" => format!(
            "{} {}",
            p.get("/api/v1/mgmt/callLogs").await.code,
            p.method("CET", "/api/v1/mgmt/callLogs").await.code
        ),
        "dial-requires-line" => {
            p.post("/api/v1/callctrl/dial", json!({"data": {"Dest": "1000"}})).await.api().to_string()
        }
        "manual-content-type-refused" => {
            let manual = p
                .post_typed("/api/v1/mgmt/config/get", "application/JSON", json!({"data": ["log.level.change.sip"]}))
                .await
                .code;
            let lower = p
                .post_typed("/api/v1/mgmt/config/get", "application/json", json!({"data": ["log.level.change.sip"]}))
                .await
                .code;
            format!("{manual} {lower}")
        }
        "missing-field" => p.get("/api/v1/mgmt/device/info").await.data().get("ModelNumber").is_some().to_string(),
        "retyped-field" => kind(p.get("/api/v1/mgmt/lineInfo").await.data()).into(),
        "non-json-body" => {
            let r = p.get("/api/v1/mgmt/network/info").await;
            format!("{} {} {}", r.code, r.headers["content-type"].to_str().unwrap(), kind(&r.json))
        }
        "mute-not-reflected" => {
            p.connected_call("1000").await;
            let status = p.post("/api/v1/callctrl/mute", json!({"data": {"state": "1"}})).await.api().to_string();
            let info = p.get("/api/v1/mgmt/media/communicationInfo").await;
            format!("{status} {} {}", p.calls().await[0]["Muted"], info.data()["PhoneMuteState"])
        }
        "dial-not-reflected" => {
            let status = p.post("/api/v1/callctrl/dial", json!({"data": {"Dest": "1000"}})).await.api().to_string();
            tokio::time::sleep(Duration::from_millis(80)).await;
            format!("{status} {}", p.calls().await.len())
        }
        "answer-not-reflected" => {
            let h = p.incoming("2001").await;
            let status = p.post("/api/v1/callctrl/answerCall", json!({"data": {"Ref": h}})).await.api().to_string();
            format!("{status} {}", p.calls().await[0]["CallState"])
        }
        "hold-not-reflected" => {
            let h = p.connected_call("1000").await;
            let status = p.post("/api/v1/callctrl/holdCall", json!({"data": {"Ref": h}})).await.api().to_string();
            format!("{status} {}", p.calls().await[0]["CallState"])
        }
        "call-not-logged" => {
            let h = p.connected_call("1000").await;
            assert_eq!(p.post("/api/v1/callctrl/endCall", json!({"data": {"Ref": h}})).await.api(), "2000");
            let missed = p.incoming("2001").await;
            assert_eq!(p.post("/api/v1/callctrl/rejectCall", json!({"data": {"Ref": missed}})).await.api(), "2000");
            let logs = p.get("/api/v1/mgmt/callLogs").await;
            format!(
                "{} {}",
                logs.data()["placed"].as_array().unwrap().len(),
                logs.data()["missed"].as_array().unwrap().len()
            )
        }
        "config-set-not-applied" => {
            let status =
                p.post("/api/v1/mgmt/config/set", json!({"data": {"ptt.volume": "-10"}})).await.api().to_string();
            let r = p.post("/api/v1/mgmt/config/get", json!({"data": ["ptt.volume"]})).await;
            format!("{status} {}", r.data()["ptt.volume"]["Value"])
        }
        "wrong-method-accepted" => {
            p.incoming("2001").await;
            let r = p.get("/api/v1/callctrl/answerCall").await;
            format!("{} {} {}", r.code, r.status(), p.calls().await[0]["CallState"])
        }
        "unknown-path-200" => {
            let r = p.get("/api/v1/mgmt/doNotDisturb").await;
            format!("{} {}", r.code, r.status())
        }
        "crash-on-deep-nesting" => {
            let deep = format!(r#"{{"data": {{"Dest": "1000", "x": {}1{}}}}}"#, "[".repeat(20), "]".repeat(20));
            let r = p.post_raw("/api/v1/callctrl/dial", deep).await;
            format!("{} {}", r.code, r.status())
        }
        "crash-on-null-data" => {
            let r = p.post_raw("/api/v1/callctrl/dial", r#"{"data": null}"#).await;
            format!("{} {}", r.code, r.status())
        }
        "hang-on-long-string" => {
            let body = json!({"data": {"Dest": "1".repeat(600)}}).to_string();
            let r = p
                .http
                .post(p.url("/api/v1/callctrl/dial"))
                .basic_auth(USER, Some(PASS))
                .header("Content-Type", "application/json")
                .body(body)
                .timeout(Duration::from_millis(800))
                .send()
                .await;
            let seen = match r {
                Ok(r) => reply(r).await.status().to_string(),
                Err(e) if e.is_timeout() => "no answer".into(),
                Err(e) => format!("error {e}"),
            };
            // The hang does not hold the phone: others are still served.
            assert_eq!(p.get("/api/v1/mgmt/device/info").await.api(), "2000");
            seen
        }
        "reset-on-non-utf8" => match p
            .http
            .post(p.url("/api/v1/callctrl/dial"))
            .basic_auth(USER, Some(PASS))
            .header("Content-Type", "application/json")
            .body(vec![b'{', 0xff, 0xfe, b'}'])
            .send()
            .await
        {
            Ok(r) => reply(r).await.status().to_string(),
            Err(_) => "closed".into(),
        },
        "shape-added-field" => {
            let r = p.get("/api/v1/mgmt/device/info").await;
            format!("{} {}", r.data().get("BuildId").is_some(), r.data()["ModelNumber"].is_string())
        }
        _ => return None,
    };
    p.emu.stop().await;
    Some(seen)
}

fn padded(len: usize) -> String {
    let head = r#"{"data": {"ptt.volume": "-10"}, "pad": ""#;
    format!("{head}{}\"}}", "x".repeat(len - head.len() - 2))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => "not-json",
        _ => "scalar",
    }
}

macro_rules! fault_test {
    ($test:ident, $name:literal, $healthy:expr, $faulty:expr) => {
        #[tokio::test]
        async fn $test() {
            let healthy = observe($name, false).await.expect("a scenario");
            let faulty = observe($name, true).await.expect("a scenario");
            assert_eq!(healthy, $healthy, "{} off", $name);
            assert_eq!(faulty, $faulty, "{} on", $name);
        }
    };
}

fault_test!(content_type_ignored, "content-type-ignored", "400", "200");
fault_test!(size_limit_missing, "size-limit-missing", "413", "200");
fault_test!(size_limit_low, "size-limit-low", "200", "413");
fault_test!(parallel_500, "parallel-500", "403", "500");
fault_test!(parallel_drop, "parallel-drop", "403", "dropped");
fault_test!(auth_none_accepted, "auth-none-accepted", "401", "200");
fault_test!(auth_wrong_password_accepted, "auth-wrong-password-accepted", "401", "200");
fault_test!(status_undocumented, "status-undocumented", "4007", "4999");
fault_test!(missing_status, "missing-status", "2000", "<none>");
fault_test!(params_limit_missing, "params-limit-missing", "4009", "2000");
fault_test!(params_empty_accepted, "params-empty-accepted", "4000", "2000");
fault_test!(missing_field_accepted, "missing-field-accepted", "4000", "2000");
fault_test!(no_call_2000, "no-call-2000", "4007 4007 4007 4007", "2000 2000 2000 4007");
fault_test!(bgcapture_no_rate_limit, "bgcapture-no-rate-limit", "4001", "2000");
fault_test!(manual_content_type_refused, "manual-content-type-refused", "200 200", "400 200");
fault_test!(missing_field, "missing-field", "true", "false");
fault_test!(retyped_field, "retyped-field", "array", "object");
fault_test!(non_json_body, "non-json-body", "200 application/json object", "200 text/html not-json");
fault_test!(mute_not_reflected, "mute-not-reflected", "2000 \"1\" \"True\"", "2000 \"0\" \"False\"");
fault_test!(dial_not_reflected, "dial-not-reflected", "2000 1", "2000 0");
fault_test!(answer_not_reflected, "answer-not-reflected", "2000 \"Connected\"", "2000 \"Offering\"");
fault_test!(hold_not_reflected, "hold-not-reflected", "2000 \"Hold\"", "2000 \"Connected\"");
fault_test!(call_not_logged, "call-not-logged", "1 1", "0 0");
fault_test!(config_set_not_applied, "config-set-not-applied", "2000 \"-10\"", "2000 \"-20\"");
fault_test!(wrong_method_accepted, "wrong-method-accepted", "405 <none> \"Offering\"", "200 2000 \"Connected\"");
fault_test!(unknown_path_200, "unknown-path-200", "404 <none>", "200 2000");
fault_test!(crash_on_deep_nesting, "crash-on-deep-nesting", "200 2000", "500 <none>");
fault_test!(crash_on_null_data, "crash-on-null-data", "200 4000", "500 <none>");
fault_test!(hang_on_long_string, "hang-on-long-string", "2000", "no answer");
fault_test!(reset_on_non_utf8, "reset-on-non-utf8", "4000", "closed");
fault_test!(shape_added_field, "shape-added-field", "false true", "true true");
fault_test!(attached_hardware_array, "attached-hardware-array", "object", "array");
fault_test!(call_logs_method_cet, "call-logs-method-cet", "200 405", "405 200");
fault_test!(dial_requires_line, "dial-requires-line", "2000", "4000");

#[tokio::test]
async fn every_fault_has_a_scenario_and_a_family() {
    let families = [
        "status",
        "api-status",
        "schema",
        "content-type",
        "size",
        "parallel",
        "auth",
        "method",
        "params",
        "input",
        "state",
        "flow",
        "timing",
        "ui",
        "baseline",
    ];
    assert_eq!(faults().len(), 34);
    for f in faults() {
        assert!(families.contains(&f.family), "{} has family {}", f.name, f.family);
        assert!(!f.description.is_empty());
    }
    // Each name reaches a scenario (the cheap ones are run here; all are run above).
    for f in faults().iter().filter(|f| matches!(f.name, "missing-status" | "retyped-field")) {
        assert!(observe(f.name, true).await.is_some(), "{}", f.name);
    }
    assert!(observe("no-such-fault", false).await.is_none());
    // Whitespace-blind: rustfmt may spread an invocation over several lines.
    let source: String = include_str!("emulator_faults.rs").chars().filter(|c| !c.is_whitespace()).collect();
    for f in faults() {
        assert!(
            source.contains(&format!("fault_test!({},\"{}\"", f.name.replace('-', "_"), f.name)),
            "no fault_test! for {}",
            f.name
        );
    }
}

#[tokio::test]
async fn faults_switch_at_run_time() {
    let p = Phone::new("trio-5.9.1").await;
    assert_eq!(p.get("/api/v1/webCallControl/callStatus").await.api(), "4007");
    p.emu.set_faults(vec!["status-undocumented".into()]).unwrap();
    assert_eq!(p.get("/api/v1/webCallControl/callStatus").await.api(), "4999");
    p.emu.set_faults(vec![]).unwrap();
    assert_eq!(p.get("/api/v1/webCallControl/callStatus").await.api(), "4007");
    let err = p.emu.set_faults(vec!["size-limit-mising".into()]).unwrap_err().to_string();
    assert!(
        err.contains("unknown fault `size-limit-mising`") && err.contains("did you mean `size-limit-missing`"),
        "{err}"
    );
    let mut c = config("trio-5.9.1");
    c.faults = vec!["bogus".into()];
    assert!(polyconform::emulator::Emulator::start(c).await.is_err());
}
