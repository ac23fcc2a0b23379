//! How the harness waits for the phone to reach a state: asked again quickly at first,
//! then at a steady pace, until a deadline. Never a fixed sleep: a state that settles at
//! once (a call connecting on the emulator) is seen at once.

use std::time::{Duration, Instant};

/// Interval between two requests of a poll (`poll_ms`, waiting for a call, wait-ready),
/// once the first quick retries are spent (see [`poll_pause`]).
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// The pause before retry number `attempt` (0-based) of a poll: 25 ms, 50 ms, then
/// [`POLL_INTERVAL`]. A state that settles at once (a call connecting on the emulator)
/// is seen quickly; a slow phone is asked ten times a second at most.
pub fn poll_pause(attempt: u32) -> Duration {
    match attempt {
        0 => Duration::from_millis(25),
        1 => Duration::from_millis(50),
        _ => POLL_INTERVAL,
    }
}

/// A poll with a deadline: quick first retries, then [`POLL_INTERVAL`].
#[derive(Debug)]
pub struct Poll {
    deadline: Instant,
    attempt: u32,
}

impl Poll {
    pub fn until(limit: Duration) -> Poll {
        Poll { deadline: Instant::now() + limit, attempt: 0 }
    }

    /// Whether another attempt fits before the deadline.
    pub fn more(&self) -> bool {
        Instant::now() + poll_pause(self.attempt) <= self.deadline
    }

    pub async fn pause(&mut self) {
        tokio::time::sleep(poll_pause(self.attempt)).await;
        self.attempt += 1;
    }
}
