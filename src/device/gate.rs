//! One request in flight per phone.
//!
//! The manual: "Parallel processing is not allowed. If one API is being processed and
//! another API is received by the phone, the second request will receive an HTTP 403
//! error or will be queued." A harness that overlaps its own requests would make the
//! phone look broken, so every request of a run passes through this gate, whatever the
//! number of test threads. Only the parallelism cases bypass it, on purpose.

use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The gate of one phone; clones share it.
#[derive(Debug, Clone, Default)]
pub struct Gate(Arc<Mutex<()>>);

/// Holding a turn means no other gated request is in flight.
pub type Turn = OwnedMutexGuard<()>;

impl Gate {
    pub fn new() -> Gate {
        Gate::default()
    }

    /// Wait for the turn (FIFO: tokio's mutex is fair).
    pub async fn turn(&self) -> Turn {
        self.0.clone().lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn never_two_holders_at_once() {
        let gate = Gate::new();
        let inside = Arc::new(AtomicUsize::new(0));
        let max = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (gate, inside, max) = (gate.clone(), inside.clone(), max.clone());
            tasks.push(tokio::spawn(async move {
                let _t = gate.turn().await;
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(now, Ordering::SeqCst);
                tokio::task::yield_now().await;
                inside.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(max.load(Ordering::SeqCst), 1);
    }
}
