//! What the emulated phone does with a request that arrives while another is processed
//! (the manual's parallelism rule has two readings; `--parallel` picks one).

/// The phone's answer to a second request in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ParallelMode {
    /// Answer HTTP 403 (the manual's first reading).
    #[default]
    Reject,
    /// Queue it and answer when its turn comes.
    Queue,
}
