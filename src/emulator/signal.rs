//! What a phone tells its switchboard about its calls: dialled another phone of the rack,
//! answered, ended, let an incoming call go.
//!
//! The phone queues signals while its lock is held and the switchboard acts on them after
//! the lock is released, so no thread ever holds two phones' locks. A leaf: `state` queues
//! signals, `switchboard` reads them, and neither needs the other's file for it.

/// Who is calling, as the called phone shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The calling phone's own number (`RemotePartyNumber` on the called phone).
    pub number: String,
    /// The calling phone's display name (`RemotePartyName` on the called phone).
    pub name: String,
}

/// One change of a call that the far end of the call must hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// Outgoing call `handle` dialled `number`, which another phone of the switchboard
    /// owns: that phone should ring.
    Dialled { handle: u32, number: String, caller: Caller },
    /// Incoming call `handle` was answered.
    Answered(u32),
    /// Call `handle` ended on this phone (hung up, refused, transferred away, or the
    /// phone rebooted).
    Ended(u32),
    /// Incoming call `handle` was ignored: this phone let it go, the caller is not told
    /// and keeps ringing back.
    Ignored(u32),
}
