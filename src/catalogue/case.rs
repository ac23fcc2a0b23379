//! The suite file format: what a case asks the phone and which answers it accepts.
//!
//! A suite file (`suites/*.toml`) is a list of `[[case]]` tables. Each case quotes the
//! manual sentence it enforces, says how certain the manual is (`level`), describes the
//! request (or a list of `[[case.step]]`s for a stateful flow), and lists every
//! acceptable outcome (`[[case.expect]]`), each with the verdict it earns. An answer that
//! matches no outcome earns the level's verdict: FAIL for `must`, NON-STRICT for
//! `ambiguous`, INFO for `silent`.
//!
//! ```toml
//! [[case]]
//! id = "mgmt.config-get.param-limit.over"
//! title = "config/get with 21 parameters is refused with 4009"
//! family = "params"
//! level = "must"
//! endpoint = "mgmt.config-get"
//! manual = { section = "Management.GetConfig", quote = "The maximum is 20 parameters." }
//! request = { body_params = 21 }
//! [[case.expect]]
//! http = [200]
//! api_status = ["4009"]
//! ```
//!
//! Unknown keys are errors (with a did-you-mean), never ignored: a misspelt `expect`
//! silently accepting everything is the worst bug a conformance suite can have.

use crate::verdict::{Level, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One suite file as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteFile {
    /// What this file covers, shown in `polyconform list`.
    #[serde(default)]
    pub title: Option<String>,
    #[serde(rename = "case", default)]
    pub cases: Vec<CaseSpec>,
}

/// The rule family a case belongs to; reports group and colour by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// HTTP status of well-formed requests.
    Status,
    /// API `Status` code in the body.
    ApiStatus,
    /// Response body is JSON and valid against the endpoint schema.
    Schema,
    /// Request `Content-Type` rule (HTTP 400) and response content type.
    ContentType,
    /// Body size rule (HTTP 413).
    Size,
    /// One request at a time (HTTP 403 or queued).
    Parallel,
    /// HTTP Basic authentication (401).
    Auth,
    /// Wrong method or unknown path.
    Method,
    /// The 20-parameter limits of config/get and config/set.
    Params,
    /// Mandatory input fields and their types (4000).
    Input,
    /// Call and device state rules (4003, 4007, reflected state).
    State,
    /// Multi-step flows: dial, mute, hold, resume, end, logs; config set/get/restore.
    Flow,
    /// Timing rules (uploadBgCapture 10 s).
    Timing,
    /// UI simulation input rules (touch positions, key names).
    Ui,
    /// Differences from a recorded baseline (snapshots).
    Baseline,
}

impl Family {
    pub fn label(self) -> &'static str {
        match self {
            Family::Status => "status",
            Family::ApiStatus => "api-status",
            Family::Schema => "schema",
            Family::ContentType => "content-type",
            Family::Size => "size",
            Family::Parallel => "parallel",
            Family::Auth => "auth",
            Family::Method => "method",
            Family::Params => "params",
            Family::Input => "input",
            Family::State => "state",
            Family::Flow => "flow",
            Family::Timing => "timing",
            Family::Ui => "ui",
            Family::Baseline => "baseline",
        }
    }
}

/// Where in the manual a requirement comes from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ManualRef {
    /// Heading of the manual section (`Management.GetConfig`, `Prerequisite Information`).
    pub section: String,
    /// The sentence enforced, quoted as the manual prints it.
    pub quote: String,
}

/// A case as written in a suite file (before expansion over endpoints and profiles).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSpec {
    /// Stable id without the family prefix (`mgmt.device-info.schema`). Templates get
    /// `.<endpoint-id>` appended for each endpoint they expand to.
    pub id: String,
    /// One line saying what is checked.
    pub title: String,
    pub family: Family,
    pub level: Level,
    pub manual: ManualRef,
    /// Errata entries (ids in `suites/errata.toml`) behind this case's reading.
    #[serde(default)]
    pub errata: Vec<String>,
    /// The endpoint the case calls (its method, path and schema are the defaults).
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Expand this case once per matching endpoint instead of naming one.
    #[serde(default)]
    pub for_each_endpoint: Option<EndpointSelector>,
    /// Only these profiles (default: every profile that has the endpoint(s)).
    #[serde(default)]
    pub profiles: Vec<String>,
    /// State the runner must establish first; NOT-TESTED when it cannot.
    #[serde(default)]
    pub requires: Vec<Precondition>,
    /// Single-request sugar for one step.
    #[serde(default)]
    pub request: Option<RequestSpec>,
    /// Acceptable outcomes of the single request.
    #[serde(default)]
    pub expect: Vec<Expect>,
    /// A stateful flow: steps run in order, each with its own outcomes.
    #[serde(default, rename = "step")]
    pub steps: Vec<Step>,
    /// Config parameters read before the case and written back after it (even on failure).
    #[serde(default)]
    pub restore_config: Vec<String>,
    /// Extra cleanup after the case, also run when it fails.
    #[serde(default)]
    pub cleanup: Vec<Cleanup>,
    /// Declared NOT-TESTED with this reason (e.g. the manual text is missing).
    #[serde(default)]
    pub not_tested: Option<String>,
    /// Why the expectations are what they are, for readers of the suite and the report.
    #[serde(default)]
    pub note: Option<String>,
}

/// Which endpoints a template case expands over. Empty lists match everything.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointSelector {
    #[serde(default)]
    pub method: Vec<crate::catalogue::profile::Method>,
    #[serde(default)]
    pub safety: Vec<crate::catalogue::profile::Safety>,
    #[serde(default)]
    pub input: Vec<crate::catalogue::profile::Input>,
    /// Endpoint ids to leave out.
    #[serde(default)]
    pub except: Vec<String>,
}

/// State a case needs before its first step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precondition {
    /// No call on the phone (the runner ends the calls it made; a call placed by a
    /// person makes the case NOT-TESTED).
    NoCall,
    /// A connected outgoing call made by the runner; `{{call_ref}}` holds its handle.
    ActiveCall,
    /// The runner's call, put on hold.
    HeldCall,
    /// A ringing incoming call (emulator control endpoint or `--peer`); `{{call_ref}}`.
    IncomingCall,
    /// The run may call destructive or session-breaking endpoints.
    AllowDestructive,
    /// Background packet capture is enabled (`diags.pcap.*`), for uploadBgCapture.
    PcapEnabled,
}

/// One request of a flow, with its outcomes and the values it captures.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Shown in the report's wire log.
    pub name: String,
    /// Endpoint of this step (defaults to the case's endpoint).
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub request: RequestSpec,
    #[serde(default)]
    pub expect: Vec<Expect>,
    /// Values to remember for later steps: name -> JSON pointer into the answer.
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
    /// Repeat the request until an outcome with verdict `pass` matches (asynchronous
    /// state such as a dialled call appearing), up to this many milliseconds.
    #[serde(default)]
    pub poll_ms: Option<u64>,
    /// Wait this long before sending (only for timing rules, e.g. the 10 s rule).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Send only once this run has sent nothing to the step's path for this long: waits
    /// what remains of the window, nothing when the path was not called recently (a rule
    /// such as "not within 10 seconds of a previous command" without a fixed sleep).
    #[serde(default)]
    pub quiet_ms: Option<u64>,
    /// Before sending, wait until the phone stops answering this step's request, at most
    /// this long (a phone takes a moment to go down after acknowledging a reboot); a
    /// phone that goes at once is not waited for, one that never goes costs the full time.
    #[serde(default)]
    pub away_ms: Option<u64>,
    /// A setup step of the case (say config/set that switches a feature on before the
    /// request under test): it is not what the case judges, so when none of its `pass`
    /// outcomes matches the case is NOT-TESTED with the reason, never FAIL.
    #[serde(default)]
    pub setup: bool,
    /// The manual's own bound on how long this request may take, in milliseconds
    /// (Management.SkypeSignIn: "times out (150 seconds)"). The step waits that long
    /// instead of `--timeout`, and no answer within it is judged like any other outcome.
    /// Without a bound, no answer within `--timeout` from a phone that is still busy is
    /// INFO (the harness's patience, not the phone's fault).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

/// Which credentials a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// The run's credentials.
    #[default]
    Valid,
    /// No `Authorization` header.
    None,
    /// The right user with a wrong password.
    WrongPassword,
    /// A wrong user with the right password.
    WrongUser,
}

/// The request a step sends. Everything defaults from the endpoint.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// Override the endpoint's method (any token, e.g. `PUT`, `DELETE`).
    #[serde(default)]
    pub method: Option<String>,
    /// Override the endpoint's path (may hold `{{name}}` captures).
    #[serde(default)]
    pub path: Option<String>,
    /// Query parameters, in order.
    #[serde(default)]
    pub query: Vec<(String, String)>,
    /// Extra headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Request `Content-Type`. Default: `application/json` when there is a body or the
    /// method is POST; `"none"` sends no Content-Type header at all.
    #[serde(default)]
    pub content_type: Option<String>,
    /// JSON body (strings may hold `{{name}}` captures).
    #[serde(default)]
    pub body: Option<serde_json::Value>,
    /// Body sent byte for byte (invalid JSON, form data, multipart...).
    #[serde(default)]
    pub body_raw: Option<String>,
    /// Generated valid JSON body of exactly this many bytes (size rule).
    #[serde(default)]
    pub body_size: Option<usize>,
    /// Generated config/get or config/set body with this many distinct parameters.
    #[serde(default)]
    pub body_params: Option<usize>,
    #[serde(default)]
    pub auth: AuthMode,
    /// Send this many copies at the same moment (parallelism rule); each answer is
    /// judged against the outcomes on its own.
    #[serde(default)]
    pub concurrency: Option<usize>,
}

/// One acceptable (or graded) outcome. All given conditions must hold.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Verdict earned when this outcome matches (default PASS).
    #[serde(default = "default_pass")]
    pub verdict: Verdict,
    /// HTTP status is one of these.
    #[serde(default)]
    pub http: Vec<u16>,
    /// HTTP status is none of these.
    #[serde(default)]
    pub http_not: Vec<u16>,
    /// API `Status` in the body is one of these.
    #[serde(default)]
    pub api_status: Vec<String>,
    /// The answer is valid against the endpoint's success schema (`response`) or the
    /// failure envelope (`failure`).
    #[serde(default)]
    pub schema: Option<SchemaPart>,
    /// Assertions on values in the JSON answer.
    #[serde(default)]
    pub json: Vec<JsonAssert>,
    /// The transport outcome (default `answered`): `reset` or `timeout` can be listed
    /// as acceptable for a case that expects the phone to go away.
    #[serde(default)]
    pub transport: Option<Transport>,
    /// Why this outcome earns this verdict.
    #[serde(default)]
    pub note: Option<String>,
    /// The errata (ids in `suites/errata.toml`) this outcome's reading comes from; a
    /// graded outcome cites the decision that made the phone's reading acceptable.
    #[serde(default)]
    pub errata: Vec<String>,
}

fn default_pass() -> Verdict {
    Verdict::Pass
}

/// Which definition of the endpoint schema an answer must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SchemaPart {
    Response,
    Failure,
}

/// What happened on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    /// An HTTP answer arrived.
    Answered,
    /// The connection was refused, reset or closed without an answer.
    Reset,
    /// No answer within the timeout.
    Timeout,
}

/// An assertion on one value of the JSON answer, addressed by JSON pointer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JsonAssert {
    /// RFC 6901 pointer (`/data/0/CallState`); may hold `{{name}}` captures.
    pub pointer: String,
    #[serde(default)]
    pub equals: Option<serde_json::Value>,
    /// The value is one of these.
    #[serde(default)]
    pub one_of: Vec<serde_json::Value>,
    /// `true`: the pointer resolves; `false`: it does not.
    #[serde(default)]
    pub exists: Option<bool>,
    /// Array length (or object member count).
    #[serde(default)]
    pub len: Option<usize>,
    /// Some element of the array at `pointer` has these members (by pointer -> value),
    /// e.g. `{ "/CallHandle" = "{{call_ref}}" }`.
    #[serde(default)]
    pub contains: Option<BTreeMap<String, serde_json::Value>>,
    /// The value is a string matching this regular expression (JSON Schema `pattern`
    /// dialect, unanchored: write `^...$` to match the whole string).
    #[serde(default)]
    pub pattern: Option<String>,
}

/// Cleanup actions beyond `restore_config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cleanup {
    /// End every call the runner made.
    EndCalls,
    /// Put the transfer type back to what it was.
    RestoreTransferType,
    /// Poll device/info until the phone is ready again (after a reboot or reset).
    WaitReady,
}
