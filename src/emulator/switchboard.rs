//! The switchboard of an emulated rack: emulators started on one switchboard call each
//! other by number, so the peer path (one phone calls another through the REST API), the
//! lab and demos run with no hardware.
//!
//! What it models: the call control a PBX gives two extensions, as the REST API shows
//! it. A dial from phone A whose `Dest` names the number of another phone B of the same
//! switchboard (the user part: an optional `sip:`/`sips:`/`tel:` prefix is dropped, then
//! everything from `@`, then blanks) rings B: B gets an incoming call (Offering, remote
//! number and name = A's number and display name) and A's call rings back (RingBack)
//! until B acts:
//!
//! | on B (or A) | B's call | A's call |
//! |---|---|---|
//! | answer (answerCall, simulateHook off hook) | Connected | Connected, `connected_since` set |
//! | reject (rejectCall) | ends, logged missed | ends, logged placed |
//! | ignore (ignoreCall) | ends, logged missed (as without a switchboard) | keeps ringing back: the caller is not told |
//! | end (endCall, transfer, onHook, `/control/hangup`, a reboot or reset) on either side | ends (received if answered, else missed) | ends, logged placed |
//! | hold/resume on either side | unchanged on the other side | unchanged on the other side |
//! | B's emulator stops (or A's) | the other side's call ends, as if hung up | |
//!
//! A dial to a number no other phone of the switchboard owns, or to the phone's own
//! number, behaves as without a switchboard: the far end answers by itself after
//! RINGBACK (`state`). A dial to a rack phone that cannot take the call (rebooting, its
//! line unregistered, all call slots in use) or that left meanwhile fails: A's call ends
//! at once, logged as placed without duration, like a busy line. A ringing call rings
//! until it is answered, refused, ignored or ended; there is no no-answer timeout.
//!
//! What it does not model: no SIP, no media, no PBX features (forwarding, voicemail, hunt
//! groups, do-not-disturb), no transfer between rack phones (a transfer ends the call
//! here and hangs up the far end), and no hold signalling (holding a call does not put
//! the far end on hold).
//!
//! Locking: every emulator keeps its own phone lock, and no thread ever holds two. A
//! phone queues [`Signal`]s while its lock is held; once released, its [`Port`] acts on
//! them: it takes the switchboard's own lock only to look up or change the directory and
//! the links (never while calling into a phone), then takes the far phone's lock through
//! [`Station`]. Calls are linked by (phone id, call handle) pairs. Everything that
//! happens between a phone's lock and the far phone's is tolerated: a link whose call
//! is gone is dropped, and after linking a new call both ends are checked again.

use super::signal::{Caller, Signal};
use super::state::CallState;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

/// A phone's number when its configuration names none (`reg.1.address` as provisioned).
pub const DEFAULT_NUMBER: &str = "1001";
/// Longest usable number: it also goes into `reg.1.displayName` (`Lab Phone N`, 64
/// characters at most).
const MAX_NUMBER: usize = 32;

/// Why a number cannot be a phone's number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error(
        "phone number `{0}` cannot be used (hint: 1 to 32 letters, digits or `+*#._-`, e.g. `1002`; no `sip:` prefix or `@domain`)"
    )]
    Unusable(String),
    #[error("phone number {0} is taken on this switchboard (hint: give every phone of a rack its own number)")]
    Taken(String),
}

/// Whether `number` can be a phone's number: what is dialled to reach it.
pub fn check_number(number: &str) -> Result<(), NumberError> {
    let usable = !number.is_empty()
        && number.chars().count() <= MAX_NUMBER
        && number.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '*' | '#' | '.' | '_' | '-'));
    if usable { Ok(()) } else { Err(NumberError::Unusable(number.to_string())) }
}

/// The user part of a dialled destination, the part a switchboard routes on:
/// `sip:1002@pbx.lab` and ` 1002 ` are `1002`.
pub fn user_part(dest: &str) -> &str {
    let d = dest.trim();
    let d = ["sip:", "sips:", "tel:"]
        .iter()
        .find_map(|p| d.get(..p.len()).filter(|head| head.eq_ignore_ascii_case(p)).map(|_| &d[p.len()..]))
        .unwrap_or(d);
    d.split('@').next().unwrap_or("").trim()
}

/// A phone as the switchboard reaches it. Each method takes that phone's lock itself;
/// the switchboard calls them holding no lock of its own.
pub trait Station: Send + Sync {
    /// A call from `caller` rings this phone: the handle of the new incoming call, or
    /// `None` when the phone cannot take it (rebooting, line unregistered, no call slot).
    fn ring(&self, caller: &Caller) -> Option<u32>;
    /// The far end answered this phone's outgoing call `handle`.
    fn answered(&self, handle: u32);
    /// The far end hung up or refused call `handle`: it ends here and is logged.
    fn hung_up(&self, handle: u32);
    /// The state of call `handle`, `None` when the phone has no such call.
    fn call_state(&self, handle: u32) -> Option<CallState>;
}

type StationId = u64;

/// One end of a linked call: which phone of the switchboard, which of its calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct End {
    station: StationId,
    handle: u32,
}

/// A phone in the directory.
struct Entry {
    number: String,
    /// Set once the emulator is running; weak, so the switchboard keeps no phone alive.
    station: Option<Weak<dyn Station>>,
}

/// The directory and the links, under the switchboard's lock.
#[derive(Default)]
struct Board {
    next_id: StationId,
    /// By id, so the directory lists phones in the order they joined.
    entries: BTreeMap<StationId, Entry>,
    /// Each linked call, both ways.
    links: HashMap<End, End>,
}

impl Board {
    fn station(&self, id: StationId) -> Option<Arc<dyn Station>> {
        self.entries.get(&id)?.station.as_ref()?.upgrade()
    }

    /// The running phone other than `except` that owns `number`.
    fn owner(&self, number: &str, except: StationId) -> Option<StationId> {
        self.entries
            .iter()
            .find(|(id, e)| {
                **id != except && e.number == number && e.station.as_ref().is_some_and(|w| w.strong_count() > 0)
            })
            .map(|(id, _)| *id)
    }

    /// Remove the link of `end`; the far end it had.
    fn unlink(&mut self, end: End) -> Option<End> {
        let far = self.links.remove(&end)?;
        self.links.remove(&far);
        Some(far)
    }
}

/// What emulators started together share: who has which number, and which of their
/// calls are linked. A cheap handle: clones share one switchboard.
#[derive(Clone, Default)]
pub struct Switchboard {
    board: Arc<Mutex<Board>>,
}

impl std::fmt::Debug for Switchboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Switchboard").field("numbers", &self.numbers()).finish()
    }
}

impl Switchboard {
    pub fn new() -> Switchboard {
        Switchboard::default()
    }

    /// Take a place with this number; the phone is reachable once its port is attached.
    pub fn join(&self, number: &str) -> Result<Port, NumberError> {
        check_number(number)?;
        let mut board = self.board();
        if board.entries.values().any(|e| e.number == number) {
            return Err(NumberError::Taken(number.to_string()));
        }
        board.next_id += 1;
        let id = board.next_id;
        board.entries.insert(id, Entry { number: number.to_string(), station: None });
        Ok(Port { switchboard: self.clone(), id, number: number.to_string() })
    }

    /// The numbers of the phones on the switchboard, in the order they joined.
    pub fn numbers(&self) -> Vec<String> {
        self.board().entries.values().map(|e| e.number.clone()).collect()
    }

    /// A panic elsewhere cannot leave the switchboard unusable: the board is plain data,
    /// changed in single steps, so a poisoned lock is taken over.
    fn board(&self) -> MutexGuard<'_, Board> {
        self.board.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One phone's place on a switchboard: its number, and the way its signals reach the far
/// ends of its calls. Leaving is explicit ([`Port::leave`]), done when the emulator stops.
#[derive(Debug)]
pub struct Port {
    switchboard: Switchboard,
    id: StationId,
    number: String,
}

impl Port {
    /// The phone's own number.
    pub fn number(&self) -> &str {
        &self.number
    }

    /// Make the phone reachable.
    pub fn attach(&self, station: Weak<dyn Station>) {
        if let Some(entry) = self.switchboard.board().entries.get_mut(&self.id) {
            entry.station = Some(station);
        }
    }

    /// Whether dialling `dest` rings another running phone of the switchboard (not this
    /// one: a phone dialling its own number is treated as dialling an unknown number).
    pub fn rings_another(&self, dest: &str) -> bool {
        self.switchboard.board().owner(user_part(dest), self.id).is_some()
    }

    /// Act on what the phone signalled. Call with no phone lock held.
    pub fn deliver(&self, signals: Vec<Signal>) {
        for signal in signals {
            match signal {
                Signal::Dialled { handle, number, caller } => self.ring(handle, &number, &caller),
                Signal::Answered(handle) => {
                    let far = {
                        let board = self.switchboard.board();
                        board
                            .links
                            .get(&self.end(handle))
                            .and_then(|far| Some((far.handle, board.station(far.station)?)))
                    };
                    if let Some((far_handle, station)) = far {
                        station.answered(far_handle);
                    }
                }
                Signal::Ended(handle) => self.hang_up_far_end(handle),
                Signal::Ignored(handle) => {
                    self.switchboard.board().unlink(self.end(handle));
                }
            }
        }
    }

    /// Leave the switchboard: the number is free again and every call linked to this
    /// phone ends on the far side, as if hung up. Doing it twice changes nothing.
    pub fn leave(&self) {
        let far_ends: Vec<(u32, Arc<dyn Station>)> = {
            let mut board = self.switchboard.board();
            board.entries.remove(&self.id);
            let mine: Vec<End> = board.links.keys().filter(|e| e.station == self.id).copied().collect();
            let far_ends: Vec<End> = mine.into_iter().filter_map(|end| board.unlink(end)).collect();
            far_ends.into_iter().filter_map(|far| Some((far.handle, board.station(far.station)?))).collect()
        };
        for (handle, station) in far_ends {
            station.hung_up(handle);
        }
    }

    fn end(&self, handle: u32) -> End {
        End { station: self.id, handle }
    }

    fn own_station(&self) -> Option<Arc<dyn Station>> {
        self.switchboard.board().station(self.id)
    }

    /// Unlink call `handle` and hang up its far end, if it had one.
    fn hang_up_far_end(&self, handle: u32) {
        let far = {
            let mut board = self.switchboard.board();
            board.unlink(self.end(handle)).and_then(|far| Some((far.handle, board.station(far.station)?)))
        };
        if let Some((far_handle, station)) = far {
            station.hung_up(far_handle);
        }
    }

    /// This phone's outgoing call `handle` dialled `number`: ring its owner and link the
    /// two calls; when the owner is gone or cannot take the call, the call fails here.
    fn ring(&self, handle: u32, number: &str, caller: &Caller) {
        let Some(me) = self.own_station() else {
            return;
        };
        let callee = {
            let board = self.switchboard.board();
            board.owner(number, self.id).and_then(|id| Some((id, board.station(id)?)))
        };
        let Some((callee_id, callee)) = callee else {
            me.hung_up(handle);
            return;
        };
        let Some(far_handle) = callee.ring(caller) else {
            me.hung_up(handle);
            return;
        };
        let (near, far) = (self.end(handle), End { station: callee_id, handle: far_handle });
        let linked = {
            let mut board = self.switchboard.board();
            // A phone that left meanwhile hung up its calls before this link existed.
            let both_here = board.entries.contains_key(&self.id) && board.entries.contains_key(&callee_id);
            if both_here {
                board.links.insert(near, far);
                board.links.insert(far, near);
            }
            both_here
        };
        if !linked {
            callee.hung_up(far_handle);
            me.hung_up(handle);
            return;
        }
        // Neither phone was locked between its change and the link: catch up with what
        // happened on either side meanwhile (the signals of those changes found no link).
        if me.call_state(handle).is_none() {
            if self.switchboard.board().unlink(near).is_some() {
                callee.hung_up(far_handle);
            }
            return;
        }
        match callee.call_state(far_handle) {
            None => {
                if self.switchboard.board().unlink(near).is_some() {
                    me.hung_up(handle);
                }
            }
            Some(CallState::Connected | CallState::Hold) => me.answered(handle),
            Some(CallState::Offering | CallState::RingBack) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::state::{Direction, Phone};
    use std::sync::OnceLock;
    use std::time::Instant;

    /// A phone on a switchboard without HTTP: its signals are delivered after each step,
    /// once its lock is released, as the emulator does.
    struct Desk {
        phone: Mutex<Phone>,
        port: OnceLock<Port>,
        /// A rebooting phone: it cannot take a call.
        down: std::sync::atomic::AtomicBool,
    }

    impl Desk {
        fn with<R>(&self, f: impl FnOnce(&mut Phone) -> R) -> R {
            let (r, signals) = {
                let mut phone = self.phone.lock().unwrap();
                let r = f(&mut phone);
                (r, phone.take_signals())
            };
            if let Some(port) = self.port.get() {
                port.deliver(signals);
            }
            r
        }

        fn dial(&self, dest: &str) -> u32 {
            let port = self.port.get().unwrap();
            let (number, rings) = (port.number().to_string(), port.rings_another(dest));
            self.with(|p| {
                if rings {
                    let caller = Caller { number: number.clone(), name: format!("Lab Phone {number}") };
                    p.dial_peer(Instant::now(), 1, dest, user_part(dest), "SIP", caller)
                } else {
                    p.add_call(Instant::now(), Direction::Outgoing, 1, dest, dest, "SIP")
                }
            })
        }

        fn states(&self) -> Vec<CallState> {
            self.with(|p| p.calls.iter().map(|c| c.state).collect())
        }

        fn logs(&self) -> (usize, usize, usize) {
            self.with(|p| (p.logs.placed.len(), p.logs.received.len(), p.logs.missed.len()))
        }
    }

    impl Station for Desk {
        fn ring(&self, caller: &Caller) -> Option<u32> {
            if self.down.load(std::sync::atomic::Ordering::SeqCst) {
                return None;
            }
            self.with(|p| Some(p.add_call(Instant::now(), Direction::Incoming, 1, &caller.number, &caller.name, "SIP")))
        }
        fn answered(&self, handle: u32) {
            self.with(|p| p.far_end_answered(handle, Instant::now()));
        }
        fn hung_up(&self, handle: u32) {
            self.with(|p| p.far_end_hung_up(handle, Instant::now(), true));
        }
        fn call_state(&self, handle: u32) -> Option<CallState> {
            self.with(|p| p.calls.iter().find(|c| c.handle == handle).map(|c| c.state))
        }
    }

    fn rack(numbers: &[&str]) -> (Switchboard, Vec<Arc<Desk>>) {
        let board = Switchboard::new();
        let desks = numbers
            .iter()
            .map(|n| {
                let desk = Arc::new(Desk {
                    phone: Mutex::new(Phone::new(Instant::now())),
                    port: OnceLock::new(),
                    down: Default::default(),
                });
                let port = board.join(n).unwrap();
                let weak: Weak<dyn Station> = Arc::downgrade(&desk) as Weak<dyn Station>;
                port.attach(weak);
                desk.port.set(port).unwrap();
                desk
            })
            .collect();
        (board, desks)
    }

    #[test]
    fn the_user_part_drops_scheme_domain_and_blanks() {
        assert_eq!(user_part("1002"), "1002");
        assert_eq!(user_part(" sip:1002@pbx.lab "), "1002");
        assert_eq!(user_part("SIP:1002"), "1002");
        assert_eq!(user_part("tel:1002"), "1002");
        assert_eq!(user_part("sips: 1002 @x"), "1002");
        assert_eq!(user_part("@x"), "");
        assert_eq!(user_part("é"), "é");
    }

    #[test]
    fn numbers_are_checked_and_unique() {
        assert!(check_number("1002").is_ok());
        assert!(check_number("+49-30*1#").is_ok());
        for bad in ["", "10 02", "sip:1002", "1002@x", &"1".repeat(33)] {
            assert_eq!(check_number(bad), Err(NumberError::Unusable(bad.to_string())), "{bad:?}");
        }
        let board = Switchboard::new();
        let _a = board.join("1001").unwrap();
        assert_eq!(board.join("1001").unwrap_err(), NumberError::Taken("1001".into()));
        assert_eq!(format!("{board:?}"), "Switchboard { numbers: [\"1001\"] }");
    }

    #[test]
    fn a_dial_rings_the_owner_and_an_answer_connects_both() {
        let (_board, d) = rack(&["1001", "1002"]);
        d[0].dial("sip:1002@pbx.lab.invalid");
        assert_eq!(d[0].states(), [CallState::RingBack]);
        assert_eq!(d[1].states(), [CallState::Offering]);
        let (number, name) = d[1].with(|p| (p.calls[0].remote_number.clone(), p.calls[0].remote_name.clone()));
        assert_eq!((number.as_str(), name.as_str()), ("1001", "Lab Phone 1001"));
        // The caller does not connect by itself, however long it rings.
        d[0].with(|p| p.advance(Instant::now() + std::time::Duration::from_secs(60)));
        assert_eq!(d[0].states(), [CallState::RingBack]);
        d[1].with(|p| p.connect(0, Instant::now()));
        assert_eq!(d[0].states(), [CallState::Connected]);
        assert!(d[0].with(|p| p.calls[0].connected_since.is_some()));
        assert_eq!(d[1].states(), [CallState::Connected]);
        d[1].with(|p| p.end_call(0, Instant::now(), true));
        assert!(d[0].states().is_empty());
        assert_eq!(d[0].logs(), (1, 0, 0));
        assert_eq!(d[1].logs(), (0, 1, 0));
    }

    #[test]
    fn the_caller_hanging_up_ends_the_ringing_call_as_missed() {
        let (_board, d) = rack(&["1001", "1002"]);
        d[0].dial("1002");
        d[0].with(|p| p.end_call(0, Instant::now(), true));
        assert!(d[1].states().is_empty());
        assert_eq!(d[1].logs(), (0, 0, 1));
    }

    #[test]
    fn reject_ends_both_ignore_leaves_the_caller_ringing_back() {
        let (_board, d) = rack(&["1001", "1002"]);
        d[0].dial("1002");
        d[1].with(|p| p.end_call(0, Instant::now(), true));
        assert!(d[0].states().is_empty());
        assert_eq!((d[0].logs(), d[1].logs()), ((1, 0, 0), (0, 0, 1)));

        d[0].dial("1002");
        d[1].with(|p| p.let_go(0, Instant::now(), true));
        assert_eq!(d[0].states(), [CallState::RingBack]);
        assert_eq!(d[1].logs(), (0, 0, 2));
        // Unlinked: ending it now touches nobody else.
        d[0].with(|p| p.end_call(0, Instant::now(), true));
        assert_eq!((d[0].logs(), d[1].logs()), ((2, 0, 0), (0, 0, 2)));
    }

    #[test]
    fn own_and_unknown_numbers_do_not_ring_and_unreachable_phones_fail_the_call() {
        let (_board, d) = rack(&["1001", "1002"]);
        let port = d[0].port.get().unwrap();
        assert!(!port.rings_another("1001"), "its own number");
        assert!(!port.rings_another("1000"));
        assert!(port.rings_another("tel:1002"));
        d[1].down.store(true, std::sync::atomic::Ordering::SeqCst);
        d[0].dial("1002");
        assert!(d[0].states().is_empty(), "a rebooting phone is busy: the call fails");
        assert_eq!(d[0].logs(), (1, 0, 0));
    }

    #[test]
    fn a_phone_that_leaves_hangs_up_its_calls_and_frees_its_number() {
        let (board, d) = rack(&["1001", "1002", "1003"]);
        d[0].dial("1002");
        d[2].dial("1002");
        d[1].with(|p| p.connect(0, Instant::now()));
        assert_eq!(d[1].states(), [CallState::Connected, CallState::Offering]);
        d[1].port.get().unwrap().leave();
        d[1].port.get().unwrap().leave();
        assert!(d[0].states().is_empty());
        assert!(d[2].states().is_empty());
        assert_eq!(board.numbers(), ["1001", "1003"]);
        assert!(!d[0].port.get().unwrap().rings_another("1002"));
        assert!(board.join("1002").is_ok());
    }

    #[test]
    fn two_phones_calling_each_other_at_once_do_not_deadlock() {
        let (_board, d) = rack(&["1001", "1002"]);
        let threads: Vec<_> = (0..2)
            .map(|i| {
                let (me, other) = (d[i].clone(), if i == 0 { "1002" } else { "1001" });
                std::thread::spawn(move || {
                    for _ in 0..200 {
                        me.dial(other);
                        me.with(|p| {
                            while let Some(idx) = p.calls.iter().position(|c| c.state != CallState::Hold) {
                                p.end_call(idx, Instant::now(), false);
                            }
                        });
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        // Whatever interleaving happened, no call is left linked to a call that is gone.
        for desk in &d {
            desk.with(|p| {
                while !p.calls.is_empty() {
                    p.end_call(0, Instant::now(), false);
                }
            });
        }
        assert!(d.iter().all(|desk| desk.states().is_empty()));
    }
}
