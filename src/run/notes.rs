//! Run notes: things the run must tell once, not per case (they end up in the run
//! record's notes).

use std::sync::Mutex;

/// The notes gathered so far; each is kept once however often it is told.
#[derive(Debug, Default)]
pub struct Notes(Mutex<Vec<String>>);

impl Notes {
    /// Record a note once, however many cases run into it.
    pub fn warn_once(&self, note: String) {
        if let Ok(mut w) = self.0.lock()
            && !w.contains(&note)
        {
            w.push(note);
        }
    }

    /// The notes, in the order first told.
    pub fn all(&self) -> Vec<String> {
        self.0.lock().map(|w| w.clone()).unwrap_or_default()
    }
}
