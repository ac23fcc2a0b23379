//! The `--peer`: a second phone that rings the target, so answer, ignore, reject and the
//! received/missed call logs can be tested on real phones, as in a lab where phones call
//! each other.
//!
//! The peer dials the target's own number through the peer's REST API; the harness waits
//! until the target lists the call as ringing (v2 callStatus `Offering`), and the case
//! runs on it. The intent is entered in the ledger *before* the dial is sent, so cleanup
//! ends the peer's call even when the dial's answer never came or the run was
//! interrupted; after every case (and at the end of the run, and on Ctrl-C) every call
//! the run made on either phone is ended. A peer that is busy, down, refuses to dial or
//! whose call never reaches the target makes the case NOT-TESTED with that reason: it
//! says something about the lab, nothing about the target's firmware.
//!
//! The peer's requests are kept in the case's wire log under `setup:`/`cleanup:` labels
//! naming the peer, and are never judged.

use super::ledger::Ledger;
use crate::catalogue::Profile;
use crate::device::{Device, Exchange, WireRequest};
use crate::phone::poll::Poll;
use crate::phone::{CallInfo, Phone, Transport};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::sync::Mutex;

/// A second phone that rings the target.
#[derive(Debug, Clone)]
pub struct Peer {
    /// How messages name it: its URL, or its name in the lab inventory.
    pub name: String,
    pub device: Device,
    /// The peer's own firmware profile (its paths may differ from the target's).
    pub profile: Profile,
    /// What the peer dials to ring the target (`--target-number`, else the target's
    /// line 1 address from lineInfo).
    pub number: String,
}

/// Sends through the peer's device and keeps each exchange for the case's wire log.
struct Kept<'a> {
    device: &'a Device,
    exchanges: Vec<Exchange>,
}

impl Kept<'_> {
    /// Hand the peer's exchanges to the target's log, in order.
    fn hand_over<T: Transport>(self, target: &mut Phone<'_, T>) {
        for ex in self.exchanges {
            target.note(ex);
        }
    }
}

impl Transport for &mut Kept<'_> {
    async fn send(&mut self, step: &str, request: WireRequest) -> Exchange {
        let ex = self.device.send(step, request).await;
        self.exchanges.push(ex.clone());
        ex
    }
}

impl Peer {
    /// Ring the target from the peer and wait until the target shows the call ringing;
    /// returns the target's handle of it, entered in the ledger. `Err` is the reason
    /// the case cannot be tested (never a verdict).
    pub async fn ring<T: Transport>(
        &self,
        target: &mut Phone<'_, T>,
        ledger: &Mutex<Ledger>,
        timeout: Duration,
        prefix: &str,
    ) -> Result<String, String> {
        let mut kept = Kept { device: &self.device, exchanges: Vec::new() };
        let rung = self.dial_target(&mut kept, ledger, prefix).await;
        kept.hand_over(target);
        rung?;
        self.wait_ringing(target, ledger, timeout, prefix).await
    }

    /// Free the peer of the run's earlier calls, check nobody else uses it, then dial.
    async fn dial_target(&self, kept: &mut Kept<'_>, ledger: &Mutex<Ledger>, prefix: &str) -> Result<(), String> {
        let name = &self.name;
        if let Err(e) = self.settle(kept, ledger, Duration::from_secs(5), prefix).await {
            return Err(format!("the peer {name} still has the run's earlier call: {e}"));
        }
        let mut peer = Phone::new(&mut *kept, &self.profile);
        let calls = peer
            .calls(&format!("{prefix}peer {name}: calls before dialling"))
            .await
            .map_err(|e| format!("the peer {name} did not list its calls: {e}"))?;
        if !calls.is_empty() {
            return Err(format!(
                "the peer {name} is busy with a call the run did not make (the harness never ends calls it did not make)"
            ));
        }
        ledger.lock().await.peer_dialled = Some(BTreeSet::new());
        let number = &self.number;
        peer.dial(&format!("{prefix}peer {name}: dial {number}"), number).await.map_err(|e| {
            format!("the peer {name} did not dial the target: {e} (hint: the peer must be registered and able to call the target)")
        })
    }

    /// Wait until the target lists a new ringing call.
    async fn wait_ringing<T: Transport>(
        &self,
        target: &mut Phone<'_, T>,
        ledger: &Mutex<Ledger>,
        timeout: Duration,
        prefix: &str,
    ) -> Result<String, String> {
        let before = ledger.lock().await.calls.clone();
        let mut poll = Poll::until(timeout);
        let last = loop {
            let calls = target
                .calls(&format!("{prefix}wait for the peer's call to ring"))
                .await
                .map_err(|e| format!("the target did not list its calls: {e}"))?;
            if let Some(call) = calls.iter().find(|c| !before.contains(&c.handle) && c.is_offering()) {
                ledger.lock().await.calls.insert(call.handle.clone());
                return Ok(call.handle.clone());
            }
            if !poll.more() {
                break calls;
            }
            poll.pause().await;
        };
        let shown = if last.is_empty() {
            "no call".to_string()
        } else {
            last.iter().map(|c| format!("{} `{}`", c.handle, c.state)).collect::<Vec<_>>().join(", ")
        };
        Err(format!(
            "the peer {} dialled {} but the target showed no ringing call within {} ms (it listed {shown}; hint: --target-number must be what the peer dials to reach the target)",
            self.name,
            self.number,
            timeout.as_millis()
        ))
    }

    /// End every call on the peer that the run made, and wait until they are gone; the
    /// exchanges go to the target's log. Nothing to do when the run did not dial.
    pub async fn hang_up<T: Transport>(
        &self,
        target: &mut Phone<'_, T>,
        ledger: &Mutex<Ledger>,
        timeout: Duration,
        prefix: &str,
    ) -> Result<(), String> {
        let mut kept = Kept { device: &self.device, exchanges: Vec::new() };
        let settled = self.settle(&mut kept, ledger, timeout, prefix).await;
        kept.hand_over(target);
        settled.map_err(|e| format!("the peer {}: {e}", self.name))
    }

    async fn settle(
        &self,
        kept: &mut Kept<'_>,
        ledger: &Mutex<Ledger>,
        timeout: Duration,
        prefix: &str,
    ) -> Result<(), String> {
        let Some(foreign) = ledger.lock().await.peer_dialled.clone() else {
            return Ok(());
        };
        let name = &self.name;
        let mut peer = Phone::new(kept, &self.profile);
        let step = format!("{prefix}peer {name}: end the run's calls");
        let mut poll = Poll::until(timeout);
        let mut asked = BTreeSet::new();
        loop {
            let calls = peer.calls(&step).await.map_err(|e| format!("cannot list its calls: {e}"))?;
            let ours: Vec<CallInfo> = calls.into_iter().filter(|c| !foreign.contains(&c.handle)).collect();
            if ours.is_empty() {
                ledger.lock().await.peer_dialled = None;
                return Ok(());
            }
            // Each call is asked once; a phone that takes a moment to drop it is polled.
            for call in ours.iter().filter(|c| asked.insert(c.handle.clone())) {
                peer.hang_up(&step, call).await;
            }
            if !poll.more() {
                let left: Vec<String> = ours.into_iter().map(|c| c.handle).collect();
                return Err(format!("calls made by the run are still up after endCall: {}", left.join(", ")));
            }
            poll.pause().await;
        }
    }
}
