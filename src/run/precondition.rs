//! Preconditions: the phone state a case needs before its first step.
//!
//! Each [`Precondition`] of the suite format is set up here, with requests recorded in
//! the case's wire log under `setup: ...`. When the phone cannot be brought into the
//! state (a person is on a call, the dialled call never connects, no source of incoming
//! calls) the case is NOT-TESTED with the reason; that is a fact about the lab, not a
//! verdict about the firmware. Calls the run makes are entered in the safety ledger at
//! once, so cleanup ends them even if the case stops half-way.

use super::engine::{Engine, IncomingSource, Poll, SETUP};
use super::outcome::HarnessFault;
use crate::catalogue::case::Precondition;
use crate::device::{Exchange, Outcome, WireRequest};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Why a case could not be set up.
#[derive(Debug, Clone, PartialEq)]
pub enum SetupError {
    /// The phone or the lab cannot provide the state: NOT-TESTED with this reason.
    NotTested(String),
    /// The harness failed at its own job: ERROR.
    Fault(HarnessFault),
}

/// The factory of reasons: which precondition, and why it could not be set up.
fn not_tested(pre: &str, why: impl std::fmt::Display) -> SetupError {
    SetupError::NotTested(format!("precondition `{pre}` could not be set up: {why}"))
}

/// One call as the phone lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallInfo {
    /// Normalised handle: lower-case hex without `0x` (the v2 form).
    pub handle: String,
    /// `CallState` as the phone writes it (`Connected`, `RingBack`, `Offering`, `Hold`...).
    pub state: String,
}

impl CallInfo {
    pub fn is_held(&self) -> bool {
        self.state.to_ascii_lowercase().contains("hold")
    }

    pub fn is_offering(&self) -> bool {
        let s = self.state.to_ascii_lowercase();
        s.contains("offering") || s.contains("ringing") || s.contains("incoming")
    }
}

/// v1 shows handles as `0x0a1b2c3d`, v2 as `0a1b2c3d`; `Ref` inputs accept either.
pub fn normalise_handle(handle: &str) -> String {
    let h = handle.trim();
    let h = h
        .strip_prefix("0x")
        .or_else(|| h.strip_prefix("0X"))
        .unwrap_or(h);
    h.to_ascii_lowercase()
}

/// The calls in a callStatus answer (v2: an array, v1: one object or Status 4007).
pub fn parse_calls(exchange: &Exchange) -> Result<Vec<CallInfo>, String> {
    let Some(response) = exchange.outcome.response() else {
        return Err(format!("call status: {}", exchange.outcome.summary()));
    };
    let Some(body) = response.json() else {
        return Err(format!(
            "call status answered HTTP {} without JSON",
            response.status
        ));
    };
    match response.api_status().as_deref() {
        // v1 with no call.
        Some("4007") => return Ok(vec![]),
        Some("2000") => {}
        _ => {
            return Err(format!(
                "call status answered {}",
                exchange.outcome.summary()
            ));
        }
    }
    let items: Vec<&Value> = match body.get("data") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(obj @ Value::Object(_)) => vec![obj],
        None | Some(Value::Null) => vec![],
        Some(other) => {
            return Err(format!(
                "call status `data` is neither a list nor an object: {other}"
            ));
        }
    };
    Ok(items
        .into_iter()
        .filter_map(|c| {
            let handle = c.get("CallHandle")?.as_str()?;
            let state = c
                .get("CallState")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            Some(CallInfo {
                handle: normalise_handle(handle),
                state,
            })
        })
        .collect())
}

impl Engine {
    /// Set up one precondition.
    pub(super) async fn establish(
        &self,
        pre: Precondition,
        vars: &mut BTreeMap<String, String>,
        log: &mut Vec<Exchange>,
    ) -> Result<(), SetupError> {
        match pre {
            Precondition::AllowDestructive => {
                if self.options.allow_destructive {
                    Ok(())
                } else {
                    Err(SetupError::NotTested(
                        super::outcome::NEEDS_OPT_IN.to_string(),
                    ))
                }
            }
            Precondition::NoCall => self.no_call("no-call", log).await,
            Precondition::ActiveCall => {
                self.no_call("active-call", log).await?;
                let handle = self.place_call("active-call", log).await?;
                vars.insert("call_ref".into(), handle);
                Ok(())
            }
            Precondition::HeldCall => {
                self.no_call("held-call", log).await?;
                let handle = self.place_call("held-call", log).await?;
                self.hold(&handle, log).await?;
                vars.insert("call_ref".into(), handle);
                Ok(())
            }
            Precondition::IncomingCall => {
                self.no_call("incoming-call", log).await?;
                let handle = self.ring(log).await?;
                vars.insert("call_ref".into(), handle);
                Ok(())
            }
            Precondition::PcapEnabled => self.enable_pcap(log).await,
        }
    }

    /// The calls on the phone, from v2 callStatus (v1 when the profile has no v2).
    pub(super) async fn calls(
        &self,
        log: &mut Vec<Exchange>,
        step: &str,
    ) -> Result<Vec<CallInfo>, String> {
        let path = match self.profile.endpoint("webcallcontrol.call-status.v2") {
            Some(e) => e.path.clone(),
            None => self.path_of(
                "webcallcontrol.call-status",
                "/api/v1/webCallControl/callStatus",
            ),
        };
        let ex = self.send_logged(log, step, WireRequest::get(&path)).await;
        parse_calls(&ex)
    }

    /// No call on the phone: end the run's own calls; a call a person placed makes the
    /// case NOT-TESTED (the harness never hangs up on a person).
    async fn no_call(&self, pre: &str, log: &mut Vec<Exchange>) -> Result<(), SetupError> {
        let step = format!("{SETUP}{pre}: calls on the phone");
        let calls = self
            .calls(log, &step)
            .await
            .map_err(|e| not_tested(pre, e))?;
        if calls.is_empty() {
            return Ok(());
        }
        let ours = self.ledger.lock().await.calls.clone();
        if calls.iter().any(|c| !ours.contains(&c.handle)) {
            return Err(SetupError::NotTested("phone busy with a call placed by a person (the harness never ends calls it did not make)".into()));
        }
        self.end_run_calls(log, SETUP)
            .await
            .map_err(|e| not_tested(pre, e))
    }

    /// Dial `--dial` and wait until the new call is Connected; returns its handle.
    async fn place_call(&self, pre: &str, log: &mut Vec<Exchange>) -> Result<String, SetupError> {
        let before: BTreeSet<String> = self
            .calls(log, &format!("{SETUP}{pre}: calls before dialling"))
            .await
            .map_err(|e| not_tested(pre, e))?
            .into_iter()
            .map(|c| c.handle)
            .collect();
        let path = self.path_of("callctrl.dial", "/api/v1/callctrl/dial");
        let body = json!({ "data": { "Dest": self.options.dial, "Line": "1" } });
        let ex = self
            .send_logged(
                log,
                &format!("{SETUP}{pre}: dial {}", self.options.dial),
                WireRequest::post_json(&path, &body),
            )
            .await;
        if !answered_2000(&ex) {
            return Err(not_tested(
                pre,
                format!(
                    "dial {} answered {}",
                    self.options.dial,
                    ex.outcome.summary()
                ),
            ));
        }
        let mut poll = Poll::until(self.options.timeout);
        let mut seen: Option<CallInfo> = None;
        loop {
            let calls = self
                .calls(log, &format!("{SETUP}{pre}: wait for the call to connect"))
                .await
                .map_err(|e| not_tested(pre, e))?;
            if let Some(call) = calls.into_iter().find(|c| !before.contains(&c.handle)) {
                if seen.is_none() {
                    self.ledger.lock().await.calls.insert(call.handle.clone());
                }
                if call.state.eq_ignore_ascii_case("connected") {
                    return Ok(call.handle);
                }
                seen = Some(call);
            }
            if !poll.more() {
                let why = match seen {
                    Some(c) => format!(
                        "the call to {} stayed `{}` for {} ms (hint: --dial must name a number that answers automatically)",
                        self.options.dial,
                        c.state,
                        self.options.timeout.as_millis()
                    ),
                    None => format!(
                        "dial {} answered 2000 but no call appeared within {} ms",
                        self.options.dial,
                        self.options.timeout.as_millis()
                    ),
                };
                return Err(not_tested(pre, why));
            }
            poll.pause().await;
        }
    }

    /// Put the run's call on hold and wait until the phone shows it held.
    async fn hold(&self, handle: &str, log: &mut Vec<Exchange>) -> Result<(), SetupError> {
        let path = self.path_of("callctrl.hold-call", "/api/v1/callctrl/holdCall");
        let ex = self
            .send_logged(
                log,
                &format!("{SETUP}held-call: hold"),
                WireRequest::post_json(&path, &json!({ "data": { "Ref": handle } })),
            )
            .await;
        if !answered_2000(&ex) {
            return Err(not_tested(
                "held-call",
                format!("holdCall answered {}", ex.outcome.summary()),
            ));
        }
        let mut poll = Poll::until(self.options.timeout);
        loop {
            let calls = self
                .calls(log, &format!("{SETUP}held-call: wait for hold"))
                .await
                .map_err(|e| not_tested("held-call", e))?;
            match calls.iter().find(|c| c.handle == handle) {
                Some(c) if c.is_held() => return Ok(()),
                Some(c) if !poll.more() => {
                    return Err(not_tested(
                        "held-call",
                        format!("holdCall answered 2000 but the call stayed `{}`", c.state),
                    ));
                }
                None => {
                    return Err(not_tested(
                        "held-call",
                        "the call disappeared after holdCall",
                    ));
                }
                Some(_) => poll.pause().await,
            }
        }
    }

    /// A ringing incoming call, from the emulator's control endpoint.
    async fn ring(&self, log: &mut Vec<Exchange>) -> Result<String, SetupError> {
        match &self.options.incoming {
            IncomingSource::None => Err(not_tested(
                "incoming-call",
                "no source of incoming calls (hint: run without --target to use the built-in emulator, whose control endpoint rings the phone)",
            )),
            IncomingSource::Peer(_) => Err(not_tested(
                "incoming-call",
                "calls from a --peer phone are not implemented yet (hint: run against the built-in emulator to test answer/ignore/reject)",
            )),
            IncomingSource::Control => {
                let ex = self
                    .send_logged(
                        log,
                        &format!("{SETUP}incoming-call: ring"),
                        WireRequest::post_json(
                            "/control/incoming",
                            &json!({ "number": "2001", "name": "Caller" }),
                        ),
                    )
                    .await;
                let handle = ex
                    .outcome
                    .response()
                    .filter(|r| (200..300).contains(&r.status))
                    .and_then(|r| r.json())
                    .and_then(|j| {
                        j.get("handle")
                            .and_then(Value::as_str)
                            .map(normalise_handle)
                    });
                let Some(handle) = handle else {
                    return Err(not_tested(
                        "incoming-call",
                        format!(
                            "POST /control/incoming answered {} (hint: the target must be a polyconform emulator started with --control)",
                            ex.outcome.summary()
                        ),
                    ));
                };
                self.ledger.lock().await.calls.insert(handle.clone());
                let mut poll = Poll::until(self.options.timeout);
                loop {
                    let calls = self
                        .calls(log, &format!("{SETUP}incoming-call: wait for ringing"))
                        .await
                        .map_err(|e| not_tested("incoming-call", e))?;
                    if calls.iter().any(|c| c.handle == handle) {
                        return Ok(handle);
                    }
                    if !poll.more() {
                        return Err(not_tested(
                            "incoming-call",
                            format!("the injected call {handle} never showed in call status"),
                        ));
                    }
                    poll.pause().await;
                }
            }
        }
    }

    /// Turn background packet capture on (uploadBgCapture needs it); the old values are
    /// entered in the ledger first so cleanup writes them back.
    async fn enable_pcap(&self, log: &mut Vec<Exchange>) -> Result<(), SetupError> {
        let names = vec![
            "diags.pcap.enabled".to_string(),
            "diags.pcap.background.enabled".to_string(),
        ];
        self.remember_config(&names, log)
            .await
            .map_err(|e| not_tested("pcap-enabled", e))?;
        let on: BTreeMap<String, String> =
            names.iter().map(|n| (n.clone(), "1".to_string())).collect();
        self.write_config(&on, log, &format!("{SETUP}pcap-enabled"))
            .await
            .map_err(|e| not_tested("pcap-enabled", e))
    }

    /// Adopt the calls a dialling step created, so cleanup ends them.
    pub(super) async fn adopt_new_calls(
        &self,
        before: Vec<CallInfo>,
        judged: &[Exchange],
        log: &mut Vec<Exchange>,
        step: &str,
    ) {
        if !judged.iter().any(answered_2000) {
            return;
        }
        let before: BTreeSet<String> = before.into_iter().map(|c| c.handle).collect();
        // The call shows at once on the emulator; a real phone may take a moment.
        let mut poll = Poll::until(self.options.timeout.min(std::time::Duration::from_secs(2)));
        loop {
            if let Ok(calls) = self
                .calls(log, &format!("{SETUP}calls after `{step}`"))
                .await
            {
                let new: Vec<String> = calls
                    .into_iter()
                    .map(|c| c.handle)
                    .filter(|h| !before.contains(h))
                    .collect();
                if !new.is_empty() {
                    self.ledger.lock().await.calls.extend(new);
                    return;
                }
            }
            if !poll.more() {
                return;
            }
            poll.pause().await;
        }
    }

    /// Whether a request may dial (so the calls it makes are adopted): any method on
    /// the dial path, since a phone that wrongly dials on a GET still made the call on
    /// the run's behalf, and the run must end it.
    pub(super) fn is_dial(&self, request: &WireRequest) -> bool {
        let path = self.path_of("callctrl.dial", "/api/v1/callctrl/dial");
        request.path.split('?').next() == Some(path.as_str())
    }
}

/// HTTP 2xx with Status "2000".
pub fn answered_2000(ex: &Exchange) -> bool {
    matches!(&ex.outcome, Outcome::Answered(r) if (200..300).contains(&r.status) && r.api_status().as_deref() == Some("2000"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::WireResponse;

    fn answer(status: u16, body: &str) -> Exchange {
        Exchange {
            step: "s".into(),
            request: WireRequest::get("/x"),
            outcome: Outcome::Answered(WireResponse {
                status,
                headers: vec![],
                body: body.as_bytes().to_vec(),
            }),
            elapsed_ms: 0,
        }
    }

    #[test]
    fn v1_and_v2_call_status_give_the_same_normalised_calls() {
        let v2 = answer(
            200,
            r#"{"data":[{"CallHandle":"41C2C008","CallState":"Connected"}],"Status":"2000"}"#,
        );
        let v1 = answer(
            200,
            r#"{"data":{"CallHandle":"0x41c2c008","CallState":"Connected"},"Status":"2000"}"#,
        );
        let want = vec![CallInfo {
            handle: "41c2c008".into(),
            state: "Connected".into(),
        }];
        assert_eq!(parse_calls(&v2).unwrap(), want);
        assert_eq!(parse_calls(&v1).unwrap(), want);
        assert_eq!(
            parse_calls(&answer(200, r#"{"Status":"4007"}"#)).unwrap(),
            vec![]
        );
        assert_eq!(
            parse_calls(&answer(200, r#"{"data":[],"Status":"2000"}"#)).unwrap(),
            vec![]
        );
    }

    #[test]
    fn unreadable_call_status_is_an_explained_error() {
        assert!(
            parse_calls(&answer(200, "<html>"))
                .unwrap_err()
                .contains("without JSON")
        );
        assert!(
            parse_calls(&answer(200, r#"{"Status":"5000"}"#))
                .unwrap_err()
                .contains("5000")
        );
        let reset = Exchange {
            step: "s".into(),
            request: WireRequest::get("/x"),
            outcome: Outcome::Reset {
                detail: "refused".into(),
            },
            elapsed_ms: 0,
        };
        assert!(parse_calls(&reset).unwrap_err().contains("refused"));
    }

    #[test]
    fn held_and_offering_states_are_recognised() {
        assert!(
            CallInfo {
                handle: "a".into(),
                state: "Hold".into()
            }
            .is_held()
        );
        assert!(
            CallInfo {
                handle: "a".into(),
                state: "Offering".into()
            }
            .is_offering()
        );
        assert!(
            !CallInfo {
                handle: "a".into(),
                state: "Connected".into()
            }
            .is_held()
        );
    }
}
