//! Other forms of a request that a reading of the manual leads to.
//!
//! The manual misprints some paths (`/api/v1/callctrl/holdCal`, E01) and spells some
//! members two ways (`state`/`State`, E35). The profiles list each such form as an
//! `[[endpoint.alternate]]` with its erratum. A phone that serves only the printed form
//! follows the manual's letter: it must not FAIL every case that touches the endpoint,
//! and the flows must still reach the state they test. So when the documented form is
//! refused in the way the alternate explains (HTTP 404 for a path, Status 4000 for a
//! member), the engine sends the alternate once; if the phone serves it, the run keeps
//! using it for that endpoint, and every case step sent that way gets a finding graded by
//! the erratum (see `check::alternate`).

use crate::catalogue::Profile;
use crate::catalogue::profile::{Alternate, Endpoint};
use crate::device::{Device, Exchange, WireRequest};
use crate::phone::Transport;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// How a request was changed to reach the endpoint in the form the phone serves.
#[derive(Debug, Clone, PartialEq)]
pub struct Rerouted {
    pub endpoint: String,
    pub section: String,
    pub erratum: String,
    /// What was changed, in words (`the printed path /api/v1/callctrl/holdCal`).
    pub how: String,
}

/// Sends requests to one phone in the forms it serves, and remembers what it learnt.
#[derive(Debug)]
pub struct Router {
    device: Device,
    /// The profile's endpoints that have alternate forms.
    endpoints: Vec<Endpoint>,
    /// Endpoint id -> index of the alternate form the phone serves.
    learnt: Mutex<BTreeMap<String, usize>>,
}

impl Router {
    pub fn new(device: Device, profile: &Profile) -> Router {
        Router {
            device,
            endpoints: profile.endpoints.iter().filter(|e| !e.alternates.is_empty()).cloned().collect(),
            learnt: Mutex::default(),
        }
    }

    /// The endpoint a request is addressed to, by its documented path.
    fn addressed(&self, request: &WireRequest) -> Option<&Endpoint> {
        let path = request.path.split('?').next().unwrap_or("");
        self.endpoints.iter().find(|e| e.path.eq_ignore_ascii_case(path))
    }

    /// The request in the form the run has learnt the phone serves, if it learnt one.
    pub fn rewrite_learnt(&self, request: &WireRequest) -> (WireRequest, Option<Rerouted>) {
        let Some(endpoint) = self.addressed(request) else {
            return (request.clone(), None);
        };
        let learnt = self.learnt.lock().ok().and_then(|l| l.get(&endpoint.id).copied());
        match learnt.and_then(|i| endpoint.alternates.get(i)).and_then(|a| apply(a, request).map(|r| (a, r))) {
            Some((a, rewritten)) => (rewritten, Some(rerouted(endpoint, a))),
            None => (request.clone(), None),
        }
    }

    /// Send a request, through the form the phone serves: a learnt alternate at once, or
    /// the documented form first and an alternate when the refusal points at one. Every
    /// attempt goes into `log`; the exchange returned is the one to judge.
    pub async fn send(
        &self,
        step: &str,
        request: WireRequest,
        timeout: Option<Duration>,
        log: &mut Vec<Exchange>,
    ) -> (Exchange, Option<Rerouted>) {
        let (request, learnt) = self.rewrite_learnt(&request);
        let first = self.device.send_within(step, request.clone(), timeout).await;
        log.push(first.clone());
        if learnt.is_some() {
            return (first, learnt);
        }
        let Some(endpoint) = self.addressed(&request) else {
            return (first, None);
        };
        for (i, alternate) in endpoint.alternates.iter().enumerate() {
            if !refused_for(endpoint, alternate, &first) {
                continue;
            }
            let Some(other) = apply(alternate, &request) else {
                continue;
            };
            let second = self.device.send_within(step, other, timeout).await;
            log.push(second.clone());
            if second.outcome.response().is_some() && !refused_for(endpoint, alternate, &second) {
                if let Ok(mut l) = self.learnt.lock() {
                    l.insert(endpoint.id.clone(), i);
                }
                return (second, Some(rerouted(endpoint, alternate)));
            }
        }
        (first, None)
    }
}

/// The run engine's transport for the phone module: the bookkeeping requests of a case
/// are routed like its steps (a phone that serves only a printed path must still be set
/// up and put back) and kept in the case's wire log.
#[derive(Debug)]
pub struct Routed<'a> {
    pub router: &'a Router,
    pub log: &'a mut Vec<Exchange>,
}

impl Transport for Routed<'_> {
    async fn send(&mut self, step: &str, request: WireRequest) -> Exchange {
        self.router.send(step, request, None, self.log).await.0
    }

    fn note(&mut self, exchange: Exchange) {
        self.log.push(exchange);
    }
}

fn rerouted(endpoint: &Endpoint, a: &Alternate) -> Rerouted {
    let how = match &a.path {
        Some(p) => format!("served only at the printed path {p}, not at {}", endpoint.path),
        None if !a.lowercase.is_empty() => format!(
            "accepts {} only in lower case, as the manual prints the values",
            a.lowercase.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
        ),
        None => {
            let names: Vec<String> = a.rename.iter().map(|(from, to)| format!("`{to}` instead of `{from}`")).collect();
            format!("honours only {}", names.join(", "))
        }
    };
    Rerouted { endpoint: endpoint.id.clone(), section: endpoint.section.clone(), erratum: a.erratum.clone(), how }
}

/// Whether this answer is the refusal the alternate explains. For a path: the phone does
/// not know it (HTTP 404 with no API answer, or an API error the endpoint's section does
/// not list, which is how a phone that answers unknown paths with a Status does it, E24).
/// An HTTP 404 carrying a code the section lists is the endpoint answering (E48: a phone
/// may put its "no such call" 4007 on a 404). For member names or values: invalid input
/// (Status 4000, on any HTTP status).
fn refused_for(endpoint: &Endpoint, a: &Alternate, ex: &Exchange) -> bool {
    let Some(r) = ex.outcome.response() else {
        return false;
    };
    let status = r.api_status();
    if a.path.is_some() {
        match status {
            Some(s) => s != "2000" && !endpoint.codes.contains(&s),
            None => r.status == 404,
        }
    } else {
        status.as_deref() == Some("4000")
    }
}

/// The request in the alternate's form; None when the alternate changes nothing about it
/// (a body without the member to rename is sent once, as written).
fn apply(a: &Alternate, request: &WireRequest) -> Option<WireRequest> {
    let mut out = request.clone();
    if let Some(path) = &a.path {
        let query = request.path.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
        out.path = format!("{path}{query}");
        return Some(out);
    }
    let mut body: serde_json::Value = serde_json::from_slice(request.body.as_deref()?).ok()?;
    let data = body.get_mut("data")?.as_object_mut()?;
    let mut changed = false;
    for (from, to) in &a.rename {
        if let Some(v) = data.remove(from) {
            data.insert(to.clone(), v);
            changed = true;
        }
    }
    for member in &a.lowercase {
        if let Some(serde_json::Value::String(v)) = data.get_mut(member) {
            let lower = v.to_lowercase();
            if lower != *v {
                *v = lower;
                changed = true;
            }
        }
    }
    if !changed {
        return None;
    }
    out.body = Some(serde_json::to_vec(&body).ok()?.into());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn path_alt() -> Alternate {
        Alternate {
            erratum: "E01".into(),
            path: Some("/api/v1/callctrl/holdCal".into()),
            rename: BTreeMap::new(),
            lowercase: vec![],
        }
    }

    fn rename_alt() -> Alternate {
        Alternate {
            erratum: "E35".into(),
            path: None,
            rename: BTreeMap::from([("state".to_string(), "State".to_string())]),
            lowercase: vec![],
        }
    }

    #[test]
    fn a_path_alternate_keeps_the_query_and_a_rename_only_touches_data_members() {
        let r = apply(&path_alt(), &WireRequest::get("/api/v1/callctrl/holdCall?x=1")).unwrap();
        assert_eq!(r.path, "/api/v1/callctrl/holdCal?x=1");
        let mute = WireRequest::post_json("/api/v1/callctrl/mute", &serde_json::json!({"data": {"state": "1"}}));
        let r = apply(&rename_alt(), &mute).unwrap();
        assert_eq!(r.body.as_deref(), Some(&br#"{"data":{"State":"1"}}"#[..]));
        let empty = WireRequest::post_json("/api/v1/callctrl/mute", &serde_json::json!({"data": {}}));
        assert_eq!(apply(&rename_alt(), &empty), None, "nothing to rename: the probe is sent once, as written");
        let lower =
            Alternate { erratum: "E40".into(), path: None, rename: BTreeMap::new(), lowercase: vec!["Type".into()] };
        let set =
            WireRequest::post_json("/api/v1/mgmt/transferType/set", &serde_json::json!({"data": {"Type": "Blind"}}));
        assert_eq!(apply(&lower, &set).unwrap().body.as_deref(), Some(&br#"{"data":{"Type":"blind"}}"#[..]));
        let already =
            WireRequest::post_json("/api/v1/mgmt/transferType/set", &serde_json::json!({"data": {"Type": "blind"}}));
        assert_eq!(apply(&lower, &already), None);
    }

    #[test]
    fn only_the_refusal_an_alternate_explains_triggers_it() {
        let answer = |status: u16, body: &str| Exchange {
            step: "s".into(),
            request: WireRequest::get("/x"),
            outcome: crate::device::Outcome::Answered(crate::device::WireResponse {
                status,
                headers: vec![],
                body: body.as_bytes().to_vec(),
                truncated: None,
            }),
            elapsed_ms: 0,
        };
        let hold = Endpoint {
            id: "callctrl.hold-call".into(),
            title: "WebCallControl.HoldCall".into(),
            section: "WebCallControl.HoldCall".into(),
            method: crate::catalogue::Method::POST,
            path: "/api/v1/callctrl/holdCall".into(),
            input: crate::catalogue::profile::Input::Optional,
            query: vec![],
            codes: ["2000", "4003", "4007", "5000"].map(String::from).to_vec(),
            safety: crate::catalogue::Safety::Mutating,
            schema: "x.json".into(),
            errata: vec![],
            not_tested: None,
            certainty: None,
            response_def: None,
            alternates: vec![],
        };
        assert!(refused_for(&hold, &path_alt(), &answer(404, "")));
        assert!(
            !refused_for(&hold, &path_alt(), &answer(200, r#"{"Status":"4007"}"#)),
            "a listed code is the endpoint answering"
        );
        assert!(
            refused_for(&hold, &path_alt(), &answer(200, r#"{"Status":"4004"}"#)),
            "E24: an unknown path answered with a Status"
        );
        assert!(
            !refused_for(&hold, &path_alt(), &answer(404, r#"{"Status":"4007"}"#)),
            "E48: a listed code on HTTP 404 is the endpoint answering"
        );
        assert!(
            refused_for(&hold, &path_alt(), &answer(501, r#"{"Status":4004}"#)),
            "E24 with E48: an unknown path's 4004 on HTTP 501"
        );
        assert!(refused_for(&hold, &rename_alt(), &answer(200, r#"{"Status":"4000"}"#)));
        assert!(
            refused_for(&hold, &rename_alt(), &answer(400, r#"{"Status":"4000"}"#)),
            "E48: the failure may ride on HTTP 400"
        );
        assert!(!refused_for(&hold, &rename_alt(), &answer(200, r#"{"Status":"4007"}"#)));
    }
}
