//! The emulated phone's state: lines, calls, call logs, configuration, uptime, mute.
//!
//! Everything here is plain data changed by the API handlers under one lock; nothing in
//! this module knows about HTTP. Time-driven changes (an outgoing call connecting 50 ms
//! after dial, the end of a reboot) are applied lazily by [`Phone::advance`] at the start
//! of each request, so no background task can race a handler.
//!
//! A call linked to another phone of a switchboard (an emulated rack) does not connect by
//! itself: it waits for the far end. Every change the far end must hear about (dialled
//! a rack number, answered, ended, ignored) is queued as a [`Signal`] and handed to the
//! switchboard once the phone's lock is released.

use super::settings::{Settings, Source};
use super::signal::{Caller, Signal};
use std::collections::VecDeque;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// How long an outgoing call rings back before the (simulated) far end answers.
pub const RINGBACK: Duration = Duration::from_millis(50);
/// Calls the phone can hold at once; dial beyond it answers 5000.
pub const MAX_CALLS: usize = 24;
/// Entries kept per call log list.
const LOG_CAPACITY: usize = 100;
/// How long the phone had been on when the emulator started: a lab phone has been up for
/// a while, so an application restart (which keeps the uptime since the last reboot) and
/// a reboot (which starts it again) tell apart, as on a real phone (E06).
pub const UP_BEFORE_START: Duration = Duration::from_secs(2 * 86_400 + 3 * 3600 + 4 * 60 + 5);

/// One SIP line (registration).
#[derive(Debug, Clone)]
pub struct Line {
    pub number: u32,
    pub registered: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Incoming,
    Outgoing,
}

impl Direction {
    pub fn label(self) -> &'static str {
        match self {
            Direction::Incoming => "Incoming",
            Direction::Outgoing => "Outgoing",
        }
    }
}

/// Call states as v2 callStatus spells them (research/real-devices.md §1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    /// Incoming, not answered yet.
    Offering,
    /// Outgoing, far end not answered yet.
    RingBack,
    Connected,
    Hold,
}

impl CallState {
    pub fn label(self) -> &'static str {
        match self {
            CallState::Offering => "Offering",
            CallState::RingBack => "RingBack",
            CallState::Connected => "Connected",
            CallState::Hold => "Hold",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Call {
    /// 32-bit handle: v2 shows 8 hex digits, v1 the same with `0x`.
    pub handle: u32,
    pub line: u32,
    pub direction: Direction,
    pub state: CallState,
    pub protocol: &'static str,
    pub remote_number: String,
    pub remote_name: String,
    pub start_wall: OffsetDateTime,
    /// When RingBack turns into Connected.
    pub connect_at: Option<Instant>,
    pub connected_since: Option<Instant>,
    /// An incoming call that was answered (logged as received, not missed).
    pub answered: bool,
    pub ringing: bool,
    pub sequence: u32,
    pub rtp_port: u16,
    pub dtmf_sent: String,
}

impl Call {
    pub fn handle_hex(&self) -> String {
        format!("{:08x}", self.handle)
    }

    /// Seconds since the call connected (0 while ringing).
    pub fn duration(&self, now: Instant) -> Duration {
        self.connected_since.map(|t| now.saturating_duration_since(t)).unwrap_or_default()
    }
}

/// One call log entry.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub line: u32,
    pub start_wall: OffsetDateTime,
    pub remote_name: String,
    pub remote_number: String,
    /// None: never connected (shown as "").
    pub duration: Option<Duration>,
}

#[derive(Debug, Clone, Default)]
pub struct CallLogs {
    pub missed: VecDeque<LogEntry>,
    pub received: VecDeque<LogEntry>,
    pub placed: VecDeque<LogEntry>,
}

impl CallLogs {
    fn push(list: &mut VecDeque<LogEntry>, entry: LogEntry) {
        list.push_front(entry);
        list.truncate(LOG_CAPACITY);
    }
}

/// What a reboot or reset does besides taking the phone away for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reset {
    /// safeReboot, updateConfiguration: configuration kept.
    None,
    /// safeRestart ("executes a safeRestart on phone ... before initiating phone restart",
    /// VVX text): the application restarts, configuration kept, and the phone does not
    /// reboot, so its uptime since the last reboot goes on (E06).
    Restart,
    /// configReset (all), or one layer of it.
    Config(&'static [Source]),
    /// factoryReset: configuration back to first boot, call logs cleared.
    Factory,
}

/// The whole phone.
#[derive(Debug)]
pub struct Phone {
    /// When the phone (last) finished booting: uptime counts from here.
    pub booted: Instant,
    /// Uptime the phone already had at `booted`: [`UP_BEFORE_START`] until the first
    /// reboot, zero after.
    pub up_before: Duration,
    /// While set and in the future the phone is rebooting: connections are refused.
    pub down_until: Option<Instant>,
    pub lines: Vec<Line>,
    pub calls: Vec<Call>,
    pub logs: CallLogs,
    pub settings: Settings,
    /// Phone-level microphone mute (callctrl/mute, MicMute key).
    pub muted: bool,
    /// The handset is off hook without a call (simulateHook).
    pub off_hook: bool,
    /// When the last accepted uploadBgCapture ran.
    pub last_bg_capture: Option<Instant>,
    pub skype_signed_in: bool,
    pub web_sign_in_code: Option<String>,
    pub last_call_end: Option<OffsetDateTime>,
    /// Packets counted by network/stats: every request is a packet in and out.
    pub rx_packets: u64,
    pub tx_packets: u64,
    /// Text typed with simulateTextInput into the current field.
    pub text_field: String,
    /// What the provisioning server gives this phone besides the common values (its own
    /// number, the REST API switch): applied at first boot and again after a factory reset.
    provisioning: Vec<(String, String)>,
    /// Changes the far ends of calls must hear about, oldest first (see [`Signal`]).
    signals: Vec<Signal>,
    next_handle: u64,
}

impl Phone {
    pub fn new(now: Instant) -> Phone {
        Phone {
            booted: now,
            up_before: UP_BEFORE_START,
            down_until: None,
            lines: vec![Line { number: 1, registered: true }],
            calls: Vec::new(),
            logs: CallLogs::default(),
            settings: Settings::provisioned(),
            muted: false,
            off_hook: false,
            last_bg_capture: None,
            skype_signed_in: false,
            web_sign_in_code: None,
            last_call_end: None,
            rx_packets: 1_000,
            tx_packets: 800,
            text_field: String::new(),
            provisioning: Vec::new(),
            signals: Vec::new(),
            next_handle: 0x5eed,
        }
    }

    /// Set a value as this phone's provisioning does: now, and again after a factory reset.
    pub fn provision(&mut self, name: &str, value: &str) {
        self.settings.set_provisioned(name, value);
        self.provisioning.retain(|(n, _)| n != name);
        self.provisioning.push((name.to_string(), value.to_string()));
    }

    /// The signals queued since the last call, oldest first.
    pub fn take_signals(&mut self) -> Vec<Signal> {
        std::mem::take(&mut self.signals)
    }

    /// Apply what time did since the last request: calls connect, reboots end.
    pub fn advance(&mut self, now: Instant) {
        if self.down_until.is_some_and(|t| now >= t) {
            // `start_reboot` already moved `booted` to the end of a reboot; an application
            // restart keeps it.
            self.down_until = None;
        }
        let mut connected_any = false;
        for call in &mut self.calls {
            if call.state == CallState::RingBack && call.connect_at.is_some_and(|t| now >= t) {
                call.state = CallState::Connected;
                call.connected_since = call.connect_at;
                call.connect_at = None;
                connected_any = true;
            }
        }
        if connected_any {
            self.hold_all_but_newest_connected();
        }
    }

    /// Whether the phone is rebooting at `now`.
    pub fn is_down(&self, now: Instant) -> bool {
        self.down_until.is_some_and(|t| now < t)
    }

    pub fn uptime(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.booted) + self.up_before
    }

    /// A fresh handle that looks like the phones' (8 hex digits, not sequential).
    fn new_handle(&mut self) -> u32 {
        loop {
            self.next_handle = self.next_handle.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.next_handle;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            let h = (z ^ (z >> 31)) as u32;
            if h > 0x0fff_ffff && !self.calls.iter().any(|c| c.handle == h) {
                return h;
            }
        }
    }

    fn free_sequence(&self, line: u32) -> u32 {
        (1..).find(|s| !self.calls.iter().any(|c| c.line == line && c.sequence == *s)).unwrap_or(1)
    }

    pub fn line(&self, number: u32) -> Option<&Line> {
        self.lines.iter().find(|l| l.number == number)
    }

    /// Start a call; the newest connected call is the active one, the others go on hold.
    pub fn add_call(
        &mut self,
        now: Instant,
        direction: Direction,
        line: u32,
        number: &str,
        name: &str,
        protocol: &'static str,
    ) -> u32 {
        let handle = self.new_handle();
        let sequence = self.free_sequence(line);
        let rtp_port = 2222 + 2 * (self.calls.len() as u16 % 64);
        self.calls.push(Call {
            handle,
            line,
            direction,
            state: if direction == Direction::Outgoing { CallState::RingBack } else { CallState::Offering },
            protocol,
            remote_number: number.to_string(),
            remote_name: name.to_string(),
            start_wall: OffsetDateTime::now_utc(),
            connect_at: (direction == Direction::Outgoing).then(|| now + RINGBACK),
            connected_since: None,
            answered: false,
            ringing: direction == Direction::Incoming,
            sequence,
            rtp_port,
            dtmf_sent: String::new(),
        });
        if direction == Direction::Outgoing {
            // Dialling a new call puts the current one on hold, as on the phone.
            for c in &mut self.calls {
                if c.state == CallState::Connected {
                    c.state = CallState::Hold;
                }
            }
        }
        handle
    }

    /// Dial a number another phone of the switchboard owns: the call rings back until that
    /// phone answers, refuses or the call ends; it never connects by itself.
    pub fn dial_peer(
        &mut self,
        now: Instant,
        line: u32,
        dest: &str,
        number: &str,
        protocol: &'static str,
        caller: Caller,
    ) -> u32 {
        let handle = self.add_call(now, Direction::Outgoing, line, dest, dest, protocol);
        if let Some(call) = self.calls.iter_mut().find(|c| c.handle == handle) {
            call.connect_at = None;
        }
        self.signals.push(Signal::Dialled { handle, number: number.to_string(), caller });
        handle
    }

    /// The far end answered outgoing call `handle`: it connects and becomes the active
    /// call. False when there is no such call ringing back.
    pub fn far_end_answered(&mut self, handle: u32, now: Instant) -> bool {
        let Some(idx) = self
            .calls
            .iter()
            .position(|c| c.handle == handle && c.direction == Direction::Outgoing && c.state == CallState::RingBack)
        else {
            return false;
        };
        for c in &mut self.calls {
            if c.state == CallState::Connected {
                c.state = CallState::Hold;
            }
        }
        let call = &mut self.calls[idx];
        call.state = CallState::Connected;
        call.connect_at = None;
        call.connected_since = Some(now);
        true
    }

    /// The far end hung up or refused call `handle`: it ends and is logged (unless `log`
    /// is false), and nothing is signalled back. False when there is no such call.
    pub fn far_end_hung_up(&mut self, handle: u32, now: Instant, log: bool) -> bool {
        match self.calls.iter().position(|c| c.handle == handle) {
            Some(idx) => {
                self.finish(idx, now, log);
                true
            }
            None => false,
        }
    }

    fn hold_all_but_newest_connected(&mut self) {
        let newest = self.calls.iter().rposition(|c| c.state == CallState::Connected);
        for (i, c) in self.calls.iter_mut().enumerate() {
            if c.state == CallState::Connected && Some(i) != newest {
                c.state = CallState::Hold;
            }
        }
    }

    /// Connect an incoming call (answer); the call that was connected goes on hold.
    pub fn connect(&mut self, idx: usize, now: Instant) {
        for c in &mut self.calls {
            if c.state == CallState::Connected {
                c.state = CallState::Hold;
            }
        }
        let call = &mut self.calls[idx];
        call.state = CallState::Connected;
        call.answered = true;
        call.ringing = false;
        call.connected_since = Some(now);
        let handle = call.handle;
        self.off_hook = false;
        self.signals.push(Signal::Answered(handle));
    }

    /// Find a call by a `Ref`: 8 hex digits with or without `0x`, any case.
    pub fn find(&self, reference: &str) -> Option<usize> {
        let handle = parse_handle(reference)?;
        self.calls.iter().position(|c| c.handle == handle)
    }

    /// The call the phone's UI is focused on: the connected one, else the newest ringing
    /// one, else the newest held one.
    pub fn active(&self) -> Option<usize> {
        self.calls
            .iter()
            .rposition(|c| c.state == CallState::Connected)
            .or_else(|| self.calls.iter().rposition(|c| matches!(c.state, CallState::Offering | CallState::RingBack)))
            .or_else(|| self.calls.iter().rposition(|c| c.state == CallState::Hold))
    }

    /// End a call and (unless `log` is false) write it to the call logs.
    pub fn end_call(&mut self, idx: usize, now: Instant, log: bool) {
        let handle = self.finish(idx, now, log);
        self.signals.push(Signal::Ended(handle));
    }

    /// Let an incoming call go without telling the caller (ignoreCall): it ends here and is
    /// logged like an ended call, the caller keeps ringing back.
    pub fn let_go(&mut self, idx: usize, now: Instant, log: bool) {
        let handle = self.finish(idx, now, log);
        self.signals.push(Signal::Ignored(handle));
    }

    /// Remove a call and log it; its handle.
    fn finish(&mut self, idx: usize, now: Instant, log: bool) -> u32 {
        let call = self.calls.remove(idx);
        self.last_call_end = Some(OffsetDateTime::now_utc());
        if log {
            let entry = LogEntry {
                line: call.line,
                start_wall: call.start_wall,
                remote_name: call.remote_name.clone(),
                remote_number: call.remote_number.clone(),
                duration: call.connected_since.map(|t| now.saturating_duration_since(t)),
            };
            let list = match (call.direction, call.answered) {
                (Direction::Outgoing, _) => &mut self.logs.placed,
                (Direction::Incoming, true) => &mut self.logs.received,
                (Direction::Incoming, false) => &mut self.logs.missed,
            };
            CallLogs::push(list, entry);
        }
        if self.calls.is_empty() {
            self.muted = false;
        }
        call.handle
    }

    /// Record a dial that never became a call (Trio on an unregistered line).
    pub fn log_failed_dial(&mut self, line: u32, number: &str, log: bool) {
        if log {
            CallLogs::push(
                &mut self.logs.placed,
                LogEntry {
                    line,
                    start_wall: OffsetDateTime::now_utc(),
                    remote_name: String::new(),
                    remote_number: number.to_string(),
                    duration: None,
                },
            );
        }
    }

    /// Answer 2000 now, then be away for `outage`: calls end, configuration resets as asked.
    pub fn start_reboot(&mut self, now: Instant, outage: Duration, reset: Reset, log: bool) {
        while !self.calls.is_empty() {
            self.end_call(0, now, log);
        }
        match reset {
            Reset::None | Reset::Restart => {}
            Reset::Config(sources) => self.settings.clear(sources),
            Reset::Factory => {
                self.settings = Settings::provisioned();
                for (name, value) in &self.provisioning {
                    self.settings.set_provisioned(name, value);
                }
                self.logs = CallLogs::default();
                self.last_call_end = None;
            }
        }
        self.muted = false;
        self.off_hook = false;
        self.skype_signed_in = false;
        self.web_sign_in_code = None;
        self.last_bg_capture = None;
        self.text_field.clear();
        self.down_until = Some(now + outage);
        if reset != Reset::Restart {
            // The uptime starts again when the reboot is over.
            self.booted = now + outage;
            self.up_before = Duration::ZERO;
        }
    }
}

/// Parse a call reference: 1..8 hex digits, optional `0x`/`0X` prefix.
pub fn parse_handle(reference: &str) -> Option<u32> {
    let r = reference.trim();
    let hex = r.strip_prefix("0x").or_else(|| r.strip_prefix("0X")).unwrap_or(r);
    if hex.is_empty() || hex.len() > 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(hex, 16).ok()
}

/// `"0 Day 6:16:10"`, `"20 Days 16:11:42"`: the v1 uptime format of real phones.
pub fn uptime_text(d: Duration, day_word: &str) -> String {
    let s = d.as_secs();
    let days = s / 86_400;
    let word = if days == 1 || days == 0 { day_word.to_string() } else { format!("{day_word}s") };
    format!("{days} {word} {}:{:02}:{:02}", (s / 3600) % 24, (s / 60) % 60, s % 60)
}

/// `"4 mins 49 secs"`, `"26 secs"`: how call logs and pollForStatus print durations.
pub fn duration_text(d: Duration) -> String {
    let s = d.as_secs();
    let (m, s) = (s / 60, s % 60);
    let secs = format!("{s} sec{}", if s == 1 { "" } else { "s" });
    if m == 0 { secs } else { format!("{m} min{} {secs}", if m == 1 { "" } else { "s" }) }
}

/// `2017-08-24T12:07:49`: phones print local time without a zone.
pub fn wall_text(t: OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", t.year(), t.month() as u8, t.day(), t.hour(), t.minute(), t.second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outgoing_calls_ring_back_then_connect() {
        let t0 = Instant::now();
        let mut phone = Phone::new(t0);
        let h = phone.add_call(t0, Direction::Outgoing, 1, "1000", "", "SIP");
        assert_eq!(phone.calls[0].state, CallState::RingBack);
        phone.advance(t0 + RINGBACK);
        assert_eq!(phone.calls[0].state, CallState::Connected);
        assert_eq!(phone.find(&format!("0x{h:08x}")), Some(0));
        assert_eq!(phone.find(&format!("{h:08X}")), Some(0));
        phone.end_call(0, t0 + Duration::from_secs(5), true);
        assert_eq!(phone.logs.placed.len(), 1);
        assert!(phone.calls.is_empty());
    }

    #[test]
    fn a_second_call_puts_the_first_on_hold() {
        let t0 = Instant::now();
        let mut phone = Phone::new(t0);
        phone.add_call(t0, Direction::Outgoing, 1, "1000", "", "SIP");
        phone.advance(t0 + RINGBACK);
        phone.add_call(t0 + RINGBACK, Direction::Outgoing, 1, "1001", "", "SIP");
        phone.advance(t0 + RINGBACK * 2);
        let states: Vec<_> = phone.calls.iter().map(|c| (c.state, c.sequence)).collect();
        assert_eq!(states, vec![(CallState::Hold, 1), (CallState::Connected, 2)]);
        assert_eq!(phone.active(), Some(1));
    }

    #[test]
    fn unanswered_incoming_calls_are_missed() {
        let t0 = Instant::now();
        let mut phone = Phone::new(t0);
        phone.add_call(t0, Direction::Incoming, 1, "2001", "Caller", "SIP");
        phone.end_call(0, t0, true);
        assert_eq!(phone.logs.missed.len(), 1);
        assert_eq!(phone.logs.missed[0].duration, None);
    }

    #[test]
    fn call_changes_are_signalled_for_the_far_end() {
        let t0 = Instant::now();
        let mut phone = Phone::new(t0);
        let caller = Caller { number: "1001".into(), name: "Lab Phone 1001".into() };
        let out = phone.dial_peer(t0, 1, "sip:1002@pbx", "1002", "SIP", caller.clone());
        phone.advance(t0 + RINGBACK * 10);
        assert_eq!(phone.calls[0].state, CallState::RingBack, "a rack call waits for the far end");
        let ringing = phone.add_call(t0, Direction::Incoming, 1, "1003", "", "SIP");
        let ignored = phone.add_call(t0, Direction::Incoming, 1, "1004", "", "SIP");
        phone.connect(1, t0);
        phone.let_go(2, t0, true);
        phone.end_call(1, t0, true);
        assert_eq!(
            phone.take_signals(),
            [
                Signal::Dialled { handle: out, number: "1002".into(), caller },
                Signal::Answered(ringing),
                Signal::Ignored(ignored),
                Signal::Ended(ringing),
            ]
        );
        assert!(phone.far_end_answered(out, t0 + RINGBACK));
        assert_eq!(phone.calls[0].connected_since, Some(t0 + RINGBACK));
        assert!(phone.far_end_hung_up(out, t0 + RINGBACK, true));
        assert!(!phone.far_end_hung_up(out, t0 + RINGBACK, true));
        assert!(phone.take_signals().is_empty(), "what the far end did is not signalled back");
    }

    #[test]
    fn a_factory_reset_keeps_what_the_phone_is_provisioned_with() {
        let t0 = Instant::now();
        let mut phone = Phone::new(t0);
        phone.provision("reg.1.address", "1002");
        phone.settings.set_rest("reg.1.address", "9999");
        phone.start_reboot(t0, Duration::from_millis(1), Reset::Factory, true);
        assert_eq!(phone.settings.get("reg.1.address"), Some(("1002", Source::Config)));
    }

    #[test]
    fn texts_look_like_the_phones() {
        assert_eq!(uptime_text(Duration::from_secs(6 * 3600 + 16 * 60 + 10), "Day"), "0 Day 6:16:10");
        assert_eq!(uptime_text(Duration::from_secs(20 * 86_400 + 16 * 3600 + 11 * 60 + 42), "Day"), "20 Days 16:11:42");
        assert_eq!(duration_text(Duration::from_secs(289)), "4 mins 49 secs");
        assert_eq!(duration_text(Duration::from_secs(26)), "26 secs");
        assert_eq!(parse_handle("0xb53e57c0"), Some(0xb53e57c0));
        assert_eq!(parse_handle("zz"), None);
        assert_eq!(parse_handle(""), None);
    }

    #[test]
    fn reboots_end_calls_and_restart_uptime() {
        let t0 = Instant::now();
        let mut phone = Phone::new(t0);
        phone.add_call(t0, Direction::Outgoing, 1, "1000", "", "SIP");
        phone.start_reboot(t0 + Duration::from_secs(10), Duration::from_millis(200), Reset::Factory, true);
        assert!(phone.calls.is_empty());
        assert!(phone.is_down(t0 + Duration::from_secs(10)));
        phone.advance(t0 + Duration::from_secs(11));
        assert!(!phone.is_down(t0 + Duration::from_secs(11)));
        assert!(phone.uptime(t0 + Duration::from_secs(11)) < Duration::from_secs(1));
        assert!(phone.logs.placed.is_empty(), "factory reset clears the logs");
    }

    #[test]
    fn an_application_restart_keeps_the_uptime_a_reboot_starts_it_again() {
        let t0 = Instant::now();
        let mut phone = Phone::new(t0);
        assert_eq!(phone.uptime(t0), UP_BEFORE_START, "a lab phone has been up a while");
        phone.start_reboot(t0 + Duration::from_secs(10), Duration::from_millis(200), Reset::Restart, true);
        assert!(phone.is_down(t0 + Duration::from_secs(10)));
        phone.advance(t0 + Duration::from_secs(11));
        assert!(!phone.is_down(t0 + Duration::from_secs(11)));
        assert_eq!(phone.uptime(t0 + Duration::from_secs(11)), UP_BEFORE_START + Duration::from_secs(11));
        phone.start_reboot(t0 + Duration::from_secs(20), Duration::from_millis(200), Reset::None, true);
        phone.advance(t0 + Duration::from_secs(21));
        assert!(phone.uptime(t0 + Duration::from_secs(21)) < Duration::from_secs(1));
    }
}
