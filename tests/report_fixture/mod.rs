//! A hand-built run for the report tests: every verdict, every outcome kind, and a
//! hostile phone that puts markup, script and control characters into its answers.
#![allow(dead_code)]

use polyconform::catalogue::case::{AuthMode, Family, ManualRef};
use polyconform::check::Finding;
use polyconform::device::{Exchange, Outcome, WireRequest, WireResponse};
use polyconform::record::model::{CaseRecord, DeviceIdentity, RunRecord};
use polyconform::verdict::{Level, Verdict};
use std::path::PathBuf;

/// What a hostile phone answers: if any of it runs, `<body>` gets `data-pwned`.
pub const HOSTILE: &str = "<script>document.body.setAttribute('data-pwned','1')</script><img src=x onerror=\"document.body.setAttribute('data-pwned','2')\"><div id=\"pwned\">";

pub fn finding(family: Family, verdict: Verdict, actual: &str) -> Finding {
    Finding {
        family,
        verdict,
        section: "Management.DeviceInfo".into(),
        requirement: "The API returns the device information.".into(),
        expected: vec!["HTTP 200 with Status \"2000\"".into(), "HTTP 200 with Status \"5000\"".into()],
        actual: actual.into(),
        step: "request".into(),
        details: vec![],
        errata: vec![],
    }
}

pub fn exchange(path: &str, status: u16, body: &[u8]) -> Exchange {
    Exchange {
        step: "request".into(),
        request: WireRequest::get(path),
        outcome: Outcome::Answered(WireResponse {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_vec(),
            truncated: None,
        }),
        elapsed_ms: 3,
    }
}

pub fn case(id: &str, family: Family, endpoint: Option<&str>, verdict: Verdict) -> CaseRecord {
    CaseRecord {
        id: id.into(),
        title: format!("title of {id}"),
        family,
        level: Level::Must,
        manual: ManualRef {
            section: "Management.DeviceInfo".into(),
            quote: "This API returns the device information.".into(),
        },
        endpoint: endpoint.map(str::to_string),
        suite: "suites/schema.toml".into(),
        verdict,
        reason: None,
        findings: vec![finding(family, verdict, "HTTP 200, Status \"2000\"")],
        exchanges: vec![exchange("/api/v1/mgmt/device/info", 200, br#"{"Status":"2000","data":{}}"#)],
        reproducer: Some(
            "curl -sS -u \"Polycom:$POLYCONFORM_PASSWORD\" http://127.0.0.1:8080/api/v1/mgmt/device/info".into(),
        ),
        duration_ms: 5,
    }
}

/// Counts per verdict of [`run`]: PASS 3, FAIL 2, NON-STRICT 1, INFO 1, NOT-TESTED 1, WAIVED 1, ERROR 1.
pub const COUNTS: [(&str, usize); 7] =
    [("PASS", 3), ("FAIL", 2), ("NON-STRICT", 1), ("INFO", 1), ("NOT-TESTED", 1), ("WAIVED", 1), ("ERROR", 1)];

pub fn run() -> RunRecord {
    let mut hostile = case("trio.schema.mgmt.device-info", Family::Schema, Some("mgmt.device-info"), Verdict::Fail);
    hostile.title = format!("device/info answer {HOSTILE}");
    hostile.findings = vec![Finding {
        details: vec![format!("/data/ModelNumber: {HOSTILE} is not of type integer")],
        ..finding(Family::Schema, Verdict::Fail, &format!("HTTP 200, body {HOSTILE}"))
    }];
    let body = format!(
        "{{\"Status\":\"2000\",\"data\":{{\"ModelNumber\":\"{}\",\"Ctl\":\"a\u{1b}[31mred\u{0}\"}}}}",
        HOSTILE.replace('"', "\\\"")
    );
    hostile.exchanges = vec![
        exchange("/api/v1/mgmt/device/info?x=<script>", 200, body.as_bytes()),
        Exchange {
            step: "binary".into(),
            request: WireRequest {
                method: "POST".into(),
                path: "/api/v1/mgmt/config/set".into(),
                headers: vec![("Content-Type".into(), "text/plain</pre><script>alert(1)</script>".into())],
                body: Some(vec![0xff, 0xfe, b'<', b'b', b'>'].into()),
                auth: AuthMode::WrongPassword,
            },
            outcome: Outcome::Reset { detail: "connection reset <by> peer".into() },
            elapsed_ms: 1,
        },
        Exchange {
            step: "slow".into(),
            request: WireRequest::get("/api/v1/mgmt/network/info"),
            outcome: Outcome::Timeout { after_ms: 10000 },
            elapsed_ms: 10000,
        },
        exchange("/api/v1/mgmt/device/stats", 200, format!("{{\"data\":\"{}\"}}", "x".repeat(40_000)).as_bytes()),
    ];
    let mut waived = case("trio.size.over.mgmt.config-set", Family::Size, Some("mgmt.config-set"), Verdict::Waived);
    waived.reason = Some("waived: 413 only above 64 KB (reference: QA-1)".into());
    let mut not_tested =
        case("trio.mgmt.safe-reboot.status", Family::Status, Some("mgmt.safe-reboot"), Verdict::NotTested);
    not_tested.reason = Some("needs --allow-destructive".into());
    not_tested.exchanges.clear();
    not_tested.findings.clear();
    not_tested.reproducer = None;
    let mut error = case("trio.parallel.two", Family::Parallel, None, Verdict::Error);
    error.reason = Some("target unreachable: connection refused".into());
    let cases = vec![
        case("trio.status.mgmt.device-info", Family::Status, Some("mgmt.device-info"), Verdict::Pass),
        case("trio.auth.none.mgmt.device-info", Family::Auth, Some("mgmt.device-info"), Verdict::Pass),
        case("trio.path.unknown-get", Family::Method, None, Verdict::Pass),
        hostile,
        case("trio.content-type.missing.mgmt.config-set", Family::ContentType, Some("mgmt.config-set"), Verdict::Fail),
        case("trio.size.between.mgmt.config-set", Family::Size, Some("mgmt.config-set"), Verdict::NonStrict),
        case("trio.path.unknown-version", Family::Method, None, Verdict::Info),
        not_tested,
        waived,
        error,
    ];
    let mut run = RunRecord {
        format_version: 1,
        tool_version: "0.1.0".into(),
        profile: "trio-5.9.1".into(),
        target: "https://10.0.0.5".into(),
        device: Some(DeviceIdentity {
            model: Some("Trio 8800".into()),
            firmware: Some("5.9.1.11071".into()),
            mac: Some("64167f000001".into()),
        }),
        started_at: "2026-01-02T03:04:05Z".into(),
        duration_ms: 12_345,
        strict: false,
        summary: Default::default(),
        cases,
        notes: vec![
            "baseline trio-5.9.1: mgmt.device-info (GET /api/v1/mgmt/device/info): added `/data/BuildId` (string)"
                .into(),
            format!("stale waiver `x` {HOSTILE}"),
        ],
        ended_early: None,
    };
    run.recount();
    run
}

/// A fresh directory under the test target dir.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the test directory");
    dir
}
