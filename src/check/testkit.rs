//! Hand-made profiles, schemas, cases and exchanges for the judges' unit tests.
//!
//! Small on purpose: one GET endpoint (device/info) and one POST endpoint (config/get),
//! each with a schema just strict enough to show a violation, so every test reads on its own.

use super::Context;
use crate::catalogue::case::{CaseSpec, Expect, Family, ManualRef, Step};
use crate::catalogue::load::Case;
use crate::catalogue::profile::{Endpoint, Input, Limits, Method, Profile, Safety};
use crate::catalogue::schema::{SCHEMA_BASE, SchemaFile, SchemaSet};
use crate::device::exchange::{Exchange, Outcome, WireRequest, WireResponse};
use crate::verdict::{Level, Verdict};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Everything a [`Context`] borrows.
pub struct World {
    pub profile: Profile,
    pub schemas: SchemaSet,
    pub case: Case,
    pub vars: BTreeMap<String, String>,
    pub errata: Vec<crate::catalogue::Erratum>,
}

impl World {
    /// A `must` case about GET device/info.
    pub fn new() -> World {
        World::build(Level::Must, "mgmt.device-info")
    }

    pub fn with_level(level: Level) -> World {
        World::build(level, "mgmt.device-info")
    }

    /// A `must` case about POST config/get.
    pub fn post() -> World {
        World::build(Level::Must, "mgmt.config-get")
    }

    fn build(level: Level, endpoint: &str) -> World {
        let profile = profile();
        let ep = profile.endpoint(endpoint).cloned();
        let spec = CaseSpec {
            id: "test.case".into(),
            title: "a test case".into(),
            family: Family::Params,
            level,
            manual: ManualRef { section: "Management.GetConfig".into(), quote: "The maximum is 20 parameters.".into() },
            errata: vec![],
            endpoint: Some(endpoint.into()),
            for_each_endpoint: None,
            profiles: vec![],
            requires: vec![],
            request: None,
            expect: vec![],
            steps: vec![],
            restore_config: vec![],
            cleanup: vec![],
            not_tested: None,
            note: None,
        };
        let case = Case {
            id: "trio.test.case".into(),
            spec: Arc::new(spec),
            suite: PathBuf::from("suites/test.toml"),
            endpoint: ep,
            steps: vec![],
            safety: Safety::Safe,
        };
        World { profile, schemas: schemas(), case, vars: BTreeMap::new(), errata: errata() }
    }

    pub fn ctx(&self) -> Context<'_> {
        Context {
            profile: &self.profile,
            schemas: &self.schemas,
            case: &self.case,
            endpoint: self.case.endpoint.as_ref(),
            vars: &self.vars,
            errata: &self.errata,
        }
    }
}

/// The errata the judges grade by: E07 (ambiguous) and E48 (silent).
fn errata() -> Vec<crate::catalogue::Erratum> {
    let one = |id: &str, verdict| crate::catalogue::Erratum {
        id: id.into(),
        manuals: vec!["trio-5.9.1".into()],
        section: "s".into(),
        text: "t".into(),
        kind: "vague".into(),
        decision: "d".into(),
        verdict,
        reading: Some(format!("reading-{id}")),
        plays: Some("p".into()),
        fault: None,
        touches: vec![],
    };
    vec![one("E07", Level::Ambiguous), one("E48", Level::Silent)]
}

fn endpoint(
    id: &str,
    section: &str,
    method: Method,
    path: &str,
    input: Input,
    codes: &[&str],
    schema: &str,
) -> Endpoint {
    Endpoint {
        id: id.into(),
        title: section.into(),
        section: section.into(),
        method,
        path: path.into(),
        input,
        query: vec![],
        codes: codes.iter().map(|c| c.to_string()).collect(),
        safety: Safety::Safe,
        schema: schema.into(),
        errata: vec![],
        not_tested: None,
        certainty: None,
        alternates: vec![],
        response_def: None,
    }
}

pub fn profile() -> Profile {
    let table = [
        ("2000", "API executed successfully."),
        ("4000", "Invalid input parameters."),
        ("4001", "Device busy."),
        ("4003", "Operation not allowed."),
        ("4007", "Call Does Not Exist"),
        ("4009", "Input Size Limit Exceeded"),
        ("5000", "Failed to process request."),
    ];
    Profile {
        id: "trio-5.9.1".into(),
        family: "trio".into(),
        product: "Poly Trio".into(),
        firmware: "5.9.1".into(),
        manual: "test manual".into(),
        manual_file: None,
        models: vec!["8800".into()],
        default_username: "Polycom".into(),
        factory_password: "456".into(),
        limits: Limits {
            body_bytes_accepted: 20000,
            body_bytes_rejected_above: 20480,
            config_params_max: 20,
            upload_bg_capture_interval_secs: Some(10),
        },
        status_codes: table.iter().map(|(c, d)| (c.to_string(), d.to_string())).collect(),
        endpoints: vec![
            endpoint(
                "mgmt.device-info",
                "Management.DeviceInfo",
                Method::GET,
                "/api/v1/mgmt/device/info",
                Input::None,
                &["2000", "5000"],
                "v1/mgmt/device/info.json",
            ),
            endpoint(
                "mgmt.config-get",
                "Management.GetConfig",
                Method::POST,
                "/api/v1/mgmt/config/get",
                Input::Required,
                &["2000", "4000", "4009", "5000"],
                "v1/mgmt/config/get.json",
            ),
        ],
        failure_response: Some(crate::catalogue::profile::FailureResponse {
            preferred_http: vec![200],
            erratum: "E48".into(),
        }),
        patience: None,
    }
}

pub fn schemas() -> SchemaSet {
    let file = |rel: &str, defs: serde_json::Value| SchemaFile {
        rel: rel.into(),
        path: PathBuf::from(format!("schemas/{rel}")),
        value: json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": format!("{SCHEMA_BASE}{rel}"),
            "description": format!("test schema {rel}"),
            "$defs": defs,
        }),
    };
    let files = vec![
        file(
            "common.json",
            json!({ "failure": {
                "type": "object", "required": ["Status"], "additionalProperties": false,
                "properties": { "Status": { "type": "string", "pattern": "^[0-9]{4}$" } }
            }}),
        ),
        file(
            "v1/mgmt/device/info.json",
            json!({ "response": {
                "type": "object", "required": ["Status", "data"],
                "properties": {
                    "Status": { "const": "2000" },
                    "data": { "type": "object", "required": ["ModelNumber", "FirmwareRelease"],
                              "properties": { "ModelNumber": { "type": "string" }, "FirmwareRelease": { "type": "string" } } }
                }
            }}),
        ),
        file(
            "v1/mgmt/config/get.json",
            json!({
                "request": { "type": "object", "required": ["data"],
                             "properties": { "data": { "type": "array", "minItems": 1, "maxItems": 20, "items": { "type": "string" } } } },
                "response": { "type": "object", "required": ["Status"], "properties": { "Status": { "const": "2000" }, "data": { "type": "object" } } }
            }),
        ),
    ];
    match SchemaSet::compile(files) {
        Ok(s) => s,
        Err(e) => panic!("test schemas do not compile: {e:?}"),
    }
}

/// A GET of device/info with the run's credentials, answered.
pub fn answered(status: u16, headers: &[(&str, &str)], body: &str) -> Exchange {
    exchange(Outcome::Answered(WireResponse {
        status,
        headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        body: body.as_bytes().to_vec(),
        truncated: None,
    }))
}

pub fn reset(detail: &str) -> Exchange {
    exchange(Outcome::Reset { detail: detail.into() })
}

pub fn timeout(after_ms: u64) -> Exchange {
    exchange(Outcome::Timeout { after_ms })
}

fn exchange(outcome: Outcome) -> Exchange {
    Exchange { step: "request".into(), request: WireRequest::get("/api/v1/mgmt/device/info"), outcome, elapsed_ms: 3 }
}

/// An outcome with only `http` set (empty: any answer).
pub fn expect_http(codes: &[u16]) -> Expect {
    Expect {
        verdict: Verdict::Pass,
        http: codes.to_vec(),
        http_not: vec![],
        api_status: vec![],
        schema: None,
        json: vec![],
        transport: None,
        note: None,
        errata: vec![],
    }
}

pub fn step_with(expect: Vec<Expect>) -> Step {
    Step { name: "request".into(), expect, ..Step::default() }
}
