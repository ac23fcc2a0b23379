//! Live progress of a fuzz campaign: a spinner line on a terminal, plain lines elsewhere.
//!
//! On a terminal (stderr is a TTY and `NO_COLOR` is unset) one indicatif line shows the
//! elapsed time, cases sent, cases per second, findings and the endpoint being fuzzed;
//! findings are printed above it so they stay on screen. Anywhere else a plain line is
//! written every few seconds, never escape codes. Progress only sees counts and endpoint
//! ids, never a request or an answer, so it cannot leak a secret.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Interval between plain progress lines in logs.
const PLAIN_EVERY: Duration = Duration::from_secs(10);
/// Redraw interval of the terminal line (updating it per case would cost throughput).
const DRAW_EVERY: Duration = Duration::from_millis(100);

pub struct Ticker {
    bar: Option<ProgressBar>,
    started: Instant,
    last: Instant,
}

impl Ticker {
    pub fn new() -> Ticker {
        let interactive = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let bar = interactive.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed_precise} {wide_msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        let now = Instant::now();
        Ticker { bar, started: now, last: now }
    }

    /// The campaign's counters after a case.
    pub fn update(&mut self, cases: u64, findings: usize, endpoint: &str) {
        let now = Instant::now();
        let every = if self.bar.is_some() { DRAW_EVERY } else { PLAIN_EVERY };
        if now.duration_since(self.last) < every {
            return;
        }
        self.last = now;
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let line = format!(
            "{cases} cases ({:.0}/s), {findings} finding{}, now {endpoint}",
            cases as f64 / secs,
            if findings == 1 { "" } else { "s" }
        );
        match &self.bar {
            Some(bar) => bar.set_message(line),
            None => {
                let _ = writeln!(std::io::stderr().lock(), "fuzz: {:.0} s, {line}", secs);
            }
        }
    }

    /// A message (a finding, a warning) that must stay visible.
    pub fn println(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| println!("{text}")),
            None => println!("{text}"),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Default for Ticker {
    fn default() -> Self {
        Ticker::new()
    }
}
