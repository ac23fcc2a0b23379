//! A profile: one firmware line of one product family, as data.
//!
//! Profiles live in `suites/profiles/<id>.toml`. They say which endpoints exist, with
//! which method, which documented `Status` codes, which safety class, and the limits the
//! manual sets. Adding a firmware (say UC 6.x with 4011/4400/4403/5500) is a new file
//! here, never new code: everything that differs between phones is in this type.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One firmware line, e.g. `trio-5.9.1`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Stable id used on the command line (`--profile trio-5.9.1`).
    pub id: String,
    /// Short family name that prefixes case ids (`trio` -> `trio.mgmt.device-info.schema`).
    pub family: String,
    /// Product line as the manual names it.
    pub product: String,
    /// Firmware version the manual documents.
    pub firmware: String,
    /// Manual title, date and document number.
    pub manual: String,
    /// File name of the manual text under `../shared/spec/` (for citations).
    #[serde(default)]
    pub manual_file: Option<String>,
    /// Models the manual applies to.
    pub models: Vec<String>,
    /// REST user name (the manual's examples and every real client use `Polycom`).
    pub default_username: String,
    /// The factory admin password; while it is in use the API answers Status 4010.
    pub factory_password: String,
    /// Manual limits: body size, parameter counts, timing rules.
    pub limits: Limits,
    /// Every `Status` code of the manual's error table, with its description.
    pub status_codes: BTreeMap<String, String>,
    /// What the manual leaves open about failure answers (E48).
    #[serde(default)]
    pub failure_response: Option<FailureResponse>,
    /// The manual sets no bound on how long a request may take (E52).
    #[serde(default)]
    pub patience: Option<Patience>,
    /// The endpoints this firmware has.
    #[serde(rename = "endpoint")]
    pub endpoints: Vec<Endpoint>,
}

/// The HTTP status of an API failure ("Failure Response: { \"Status\": \"<4xxx/5xxx>\" }"):
/// the manual prints only the body. Real phones send HTTP 200; a phone that sends its
/// documented failure `Status` with a 4xx or 5xx HTTP status took the other reading, which
/// the erratum grades.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureResponse {
    /// HTTP statuses the suites write for a failure answer (real devices: 200).
    pub preferred_http: Vec<u16>,
    /// The erratum behind the other reading (its `verdict` grades it).
    pub erratum: String,
}

/// "The second request ... will be queued for later processing": no time bound. No answer
/// within the run's `--timeout` from a phone that is still busy is the harness's patience
/// running out, graded by this erratum (INFO), not a defect.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patience {
    pub erratum: String,
}

/// Another form of an endpoint's request that a reading of the manual leads to: the path
/// exactly as printed (`/api/v1/callctrl/holdCal`, E01), data members spelled another way
/// (`State` for `state`, E35), or values in the case the manual prints them (E40). When the documented form is refused in the way this
/// form explains (404 for a path, Status 4000 for a member), the harness sends this form
/// once; if the phone serves it, the flow goes on with it and the case is graded by the
/// erratum's level instead of failing on a typo of the manual.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Alternate {
    /// The decision behind this form (its `verdict` grades a phone that needs it).
    pub erratum: String,
    /// The path as the manual prints it.
    #[serde(default)]
    pub path: Option<String>,
    /// Members of `data` renamed: documented name -> the other spelling.
    #[serde(default)]
    pub rename: BTreeMap<String, String>,
    /// Members of `data` whose values go in lower case, as the manual prints the values
    /// (`"<consultative blind safe>"`, E40) where the harness sends them capitalised.
    #[serde(default)]
    pub lowercase: Vec<String>,
}

impl Alternate {
    /// Whether this alternate changes the request's body (a rename or lower-case values),
    /// not its path.
    pub fn changes_body(&self) -> bool {
        !self.rename.is_empty() || !self.lowercase.is_empty()
    }
}

/// Numeric rules from the manual's prerequisites and endpoint notes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// "more than 20 KB" read strictly: a body of at most this many bytes must be accepted.
    pub body_bytes_accepted: usize,
    /// "more than 20 KB" read generously: a body over this many bytes must get HTTP 413.
    pub body_bytes_rejected_above: usize,
    /// Largest parameter count for config/get and config/set (21 gives Status 4009).
    pub config_params_max: usize,
    /// uploadBgCapture may not run again within this many seconds (Status 4001).
    #[serde(default)]
    pub upload_bg_capture_interval_secs: Option<u64>,
}

/// HTTP method of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Method {
    GET,
    POST,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::GET => "GET",
            Method::POST => "POST",
        }
    }
}

/// What running an endpoint does to the phone; decides whether a run may call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Safety {
    /// Reads state only.
    Safe,
    /// Changes state the harness can restore (config values, calls, transfer type, UI).
    Mutating,
    /// Reboots, resets or re-provisions: needs `--allow-destructive`.
    Destructive,
    /// Changes the account the phone is signed in with: needs `--allow-destructive`.
    SessionBreaking,
}

impl Safety {
    pub fn label(self) -> &'static str {
        match self {
            Safety::Safe => "safe",
            Safety::Mutating => "mutating",
            Safety::Destructive => "destructive",
            Safety::SessionBreaking => "session-breaking",
        }
    }

    /// Whether a run must be told `--allow-destructive` before calling it.
    pub fn needs_opt_in(self) -> bool {
        matches!(self, Safety::Destructive | Safety::SessionBreaking)
    }
}

/// Whether an endpoint takes a JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Input {
    /// "Input: None".
    None,
    /// The manual marks the whole input optional ("Input is optional").
    Optional,
    /// At least one field is mandatory.
    Required,
}

/// One endpoint of one profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// Stable id: path segments after `/api/vN`, kebab-case, `.v2` suffix for version 2
    /// (`mgmt.device-info`, `mgmt.device-info.v2`, `callctrl.dial`).
    pub id: String,
    /// The manual's heading (`Management.DeviceInfo`).
    pub title: String,
    /// Where the manual describes it (heading, and page where known).
    pub section: String,
    pub method: Method,
    /// The path the phone serves (typos of the manual corrected, see errata).
    pub path: String,
    /// Body rule.
    pub input: Input,
    /// Query parameters the manual documents (v2 endpoints).
    #[serde(default)]
    pub query: Vec<String>,
    /// The endpoint's "Applicable return codes".
    pub codes: Vec<String>,
    pub safety: Safety,
    /// JSON Schema file under `schemas/`, with `$defs/request` and `$defs/response`.
    pub schema: String,
    /// Errata ids that shaped this entry.
    #[serde(default)]
    pub errata: Vec<String>,
    /// Why parts of this endpoint cannot be tested from the manual (e.g. text missing).
    #[serde(default)]
    pub not_tested: Option<String>,
    /// How firmly the manual describes this endpoint. `ambiguous` when its text is
    /// borrowed from another manual (VVX sections missing from our copy, E19): the generic
    /// rules (schema, codes, content type) then grade a miss NON-STRICT instead of FAIL,
    /// because the borrowed text may not hold for this firmware. Default: `must`.
    #[serde(default)]
    pub certainty: Option<crate::verdict::Level>,
    /// The `$defs` entry of `schema` that describes this profile's success answer
    /// (default `response`): where one manual prints members legibly and the other does
    /// not (E31), the profiles require different members.
    #[serde(default)]
    pub response_def: Option<String>,
    /// Other forms of the request that a reading of the manual leads to.
    #[serde(default, rename = "alternate")]
    pub alternates: Vec<Alternate>,
}

impl Endpoint {
    /// The `$defs` entry of the success answer.
    pub fn response_def(&self) -> &str {
        self.response_def.as_deref().unwrap_or("response")
    }
}

impl Profile {
    /// The endpoint with this id, if the firmware has it.
    pub fn endpoint(&self, id: &str) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.id == id)
    }

    /// The endpoint serving this method and path (exact match on the documented path).
    pub fn endpoint_at(&self, method: Method, path: &str) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.method == method && e.path == path)
    }

    /// Whether `code` is in the manual's error table for this firmware.
    pub fn is_known_code(&self, code: &str) -> bool {
        self.status_codes.contains_key(code)
    }
}
