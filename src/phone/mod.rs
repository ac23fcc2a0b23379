//! The phone's REST API as the harness itself speaks it: list, dial, hold, resume, reject
//! and end calls, read and write config, read and write the transfer type, read device
//! info and wait until the phone is ready, read the phone's own number (what a `--peer`
//! dials), and the lab's "is the phone free?" probe.
//!
//! These are the requests of the harness's own bookkeeping (setting a case up, putting
//! the phone back, fuzz restores, lab health), not the requests under test: the suites
//! build those from their own files. Keeping them here means each is written once, with
//! its path taken from the profile (the manual's path when the profile lacks the
//! endpoint) and its answer read the same way everywhere.
//!
//! [`Phone`] does not own a [`Device`]: it sends through a [`Transport`], because the run
//! engine must route each request to the form the phone serves (errata such as E41) and
//! keep it in the case's wire log under a step label, while the fuzzer and the lab send
//! straight through the device.

pub mod api;
pub mod call_probe;
pub mod calls;
pub mod config;
pub mod device_info;
pub mod error;
pub mod line_info;
pub mod poll;
pub mod transfer;

pub use api::{Api, Phone, Transport, answered_2000};
pub use call_probe::CallState;
pub use calls::{CallInfo, normalise_handle, parse_calls};
pub use error::PhoneError;

#[cfg(test)]
pub(crate) mod testkit {
    //! Answers to parse, and a scripted transport, for the tests of this module.
    use super::api::Transport;
    use crate::device::{Exchange, Outcome, WireRequest, WireResponse};
    use std::collections::VecDeque;

    /// Answers the requests in order with the scripted bodies; records what was sent.
    #[derive(Debug, Default)]
    pub struct Script {
        pub answers: VecDeque<(u16, &'static str)>,
        pub sent: Vec<(String, WireRequest)>,
    }

    impl Script {
        pub fn new(answers: &[(u16, &'static str)]) -> Script {
            Script { answers: answers.iter().copied().collect(), sent: vec![] }
        }
    }

    impl Transport for &mut Script {
        async fn send(&mut self, step: &str, request: WireRequest) -> Exchange {
            let (status, body) = self.answers.pop_front().expect("a scripted answer");
            self.sent.push((step.to_string(), request.clone()));
            Exchange {
                step: step.to_string(),
                request,
                outcome: Outcome::Answered(response(status, body)),
                elapsed_ms: 0,
            }
        }
    }

    pub fn response(status: u16, body: &str) -> WireResponse {
        WireResponse::new(status, vec![], body.as_bytes().to_vec())
    }

    pub fn answer(status: u16, body: &str) -> Exchange {
        Exchange {
            step: "s".into(),
            request: WireRequest::get("/x"),
            outcome: Outcome::Answered(response(status, body)),
            elapsed_ms: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testkit::Script;
    use super::*;
    use std::collections::BTreeMap;

    #[tokio::test]
    async fn the_lab_probe_asks_v2_then_v1_at_the_manual_paths_with_its_labels() {
        let mut script = Script::new(&[(404, ""), (200, r#"{"Status":"4007"}"#)]);
        let state = Phone::manual(&mut script).call_state().await;
        assert_eq!(state, CallState::Idle);
        let sent: Vec<(&str, &str)> = script.sent.iter().map(|(step, r)| (step.as_str(), r.path.as_str())).collect();
        assert_eq!(
            sent,
            [
                ("health: call status v2", "/api/v2/webCallControl/callStatus"),
                ("health: call status v1", "/api/v1/webCallControl/callStatus"),
            ]
        );
    }

    #[tokio::test]
    async fn operations_send_the_manual_bodies_and_read_the_answers() {
        let mut script = Script::new(&[
            (200, r#"{"Status":"4007"}"#),
            (200, r#"{"data":{"a":{"Value":"1"},"b":"2"},"Status":"2000"}"#),
            (200, r#"{"data":{"Type":" Blind "},"Status":"2000"}"#),
        ]);
        let mut phone = Phone::manual(&mut script);
        phone.end_call("end", "0a").await.unwrap();
        let names = vec!["a".to_string(), "b".to_string()];
        let values = phone.read_config("read", &names).await.unwrap();
        assert_eq!(values, BTreeMap::from([("a".into(), "1".into()), ("b".into(), "2".into())]));
        assert_eq!(phone.transfer_type("type").await.unwrap(), "Blind");
        let (step, end) = &script.sent[0];
        assert_eq!(step, "end");
        assert_eq!(end.path, "/api/v1/callctrl/endCall");
        assert_eq!(end.body.as_deref(), Some(&br#"{"data":{"Ref":"0a"}}"#[..]));
        assert_eq!(script.sent[1].1.path, "/api/v1/mgmt/config/get");
        assert_eq!(script.sent[2].1.path, "/api/v1/mgmt/transferType/get");
    }

    #[tokio::test]
    async fn a_refused_operation_is_a_typed_error_with_the_old_words() {
        let mut script = Script::new(&[(200, r#"{"Status":"4000"}"#), (200, r#"{"Status":"5000"}"#)]);
        let mut phone = Phone::manual(&mut script);
        let err = phone.dial("dial", "1234").await.unwrap_err();
        assert_eq!(err.to_string(), r#"dial 1234 answered HTTP 200, Status "4000""#);
        let err = phone.hold("hold", "0a").await.unwrap_err();
        assert_eq!(err, PhoneError::Answered { op: "holdCall", summary: r#"HTTP 200, Status "5000""#.into() });
        assert_eq!(err.to_string(), r#"holdCall answered HTTP 200, Status "5000""#);
    }
}
