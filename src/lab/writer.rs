//! The threads that write each phone's own reports.
//!
//! Writing a phone's report.json, junit.xml and index.html is CPU work with a large
//! transient footprint (the whole wire log, the serialised text, its check). It runs off
//! the async workers, so phones and in-process emulators keep being served, and on a
//! fixed pair of threads rather than tokio's blocking pool: every new thread gets its
//! own allocator arena, and a few hundred phones finishing together would otherwise
//! leave that many arenas holding memory. Two threads also bound how many wire logs are
//! in memory at once.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

/// A small fixed pool; the threads end when it is dropped.
pub struct Writers {
    jobs: Sender<Job>,
}

impl Writers {
    pub fn start(threads: usize) -> std::io::Result<Writers> {
        let (jobs, queue) = channel::<Job>();
        let queue: Arc<Mutex<Receiver<Job>>> = Arc::new(Mutex::new(queue));
        for i in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new().name(format!("polyconform-report-{i}")).spawn(move || {
                loop {
                    // The lock is released before the job runs, so the other thread can take the next one.
                    let job = match queue.lock() {
                        Ok(q) => q.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            })?;
        }
        Ok(Writers { jobs })
    }

    /// Run `f` on a writer thread and wait for its result.
    pub async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = tx.send(f());
            }))
            .map_err(|_| "the report writer threads have stopped".to_string())?;
        rx.await.map_err(|_| "a report writer thread stopped while writing".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_on_the_named_threads_and_return_their_results() {
        let w = Writers::start(2).unwrap();
        let mut handles = Vec::new();
        for i in 0..8u32 {
            handles.push(w.run(move || (i * 2, std::thread::current().name().unwrap_or("").to_string())));
        }
        for (i, h) in handles.into_iter().enumerate() {
            let (n, thread) = h.await.unwrap();
            assert_eq!(n, i as u32 * 2);
            assert!(thread.starts_with("polyconform-report-"), "{thread}");
        }
        // A job that panics costs its own result, not the pool.
        assert!(w.run(|| panic!("boom")).await.is_err());
        assert_eq!(w.run(|| 7).await.unwrap(), 7);
    }
}
