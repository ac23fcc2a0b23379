//! Live progress of a run on the console: a bar on a terminal, plain lines elsewhere.
//!
//! The main type is [`Progress`]. On a terminal (stderr is a TTY and `NO_COLOR` is not
//! set) it draws one indicatif line: elapsed time, case n/N and the case being run, and
//! prints a permanent line above the bar for every case that did not pass cleanly, so a
//! FAIL is never only a flicker. Anywhere else (CI logs, pipes, `NO_COLOR`) it writes one
//! plain line per finished case and nothing else: no escape codes, no carriage returns,
//! nothing that makes a log file unreadable.
//!
//! Progress goes to stderr so stdout stays for the libtest-compatible harness output.
//! It never sees a request or an answer, only case ids and verdicts, so it cannot leak
//! a secret.

use crate::verdict::Verdict;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Progress of one run; shared by reference between the threads that run cases.
pub struct Progress {
    total: usize,
    done: AtomicUsize,
    started: Instant,
    display: Display,
}

enum Display {
    /// A live bar on a terminal.
    Bar(ProgressBar),
    /// One line per finished case.
    Lines,
}

impl Progress {
    /// Progress for a run of `total` cases, drawn according to where stderr goes.
    pub fn new(total: usize) -> Progress {
        let interactive = std::io::stderr().is_terminal() && !no_color();
        Progress::with_mode(total, interactive)
    }

    /// A bar when stderr is a terminal and `NO_COLOR` is unset; `None` otherwise, for
    /// callers whose plain output already has a line per case (libtest's).
    pub fn interactive(total: usize) -> Option<Progress> {
        (std::io::stderr().is_terminal() && !no_color()).then(|| Progress::with_mode(total, true))
    }

    /// Plain lines regardless of the terminal (what `new` picks for pipes and `NO_COLOR`).
    pub fn plain(total: usize) -> Progress {
        Progress::with_mode(total, false)
    }

    fn with_mode(total: usize, interactive: bool) -> Progress {
        let display = if interactive {
            let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            // The template is a literal; if indicatif ever rejected it, the default style is
            // still a usable bar, so the error is not worth failing a run over.
            if let Ok(style) = ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {wide_msg}") {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.enable_steady_tick(Duration::from_millis(200));
            Display::Bar(bar)
        } else {
            Display::Lines
        };
        Progress { total, done: AtomicUsize::new(0), started: Instant::now(), display }
    }

    /// Whether a live bar is drawn (false: plain lines).
    pub fn is_interactive(&self) -> bool {
        matches!(self.display, Display::Bar(_))
    }

    /// A case begins: the bar shows it as the current case. Plain mode prints nothing,
    /// so a log holds exactly one line per case.
    pub fn start_case(&self, id: &str) {
        if let Display::Bar(bar) = &self.display {
            bar.set_message(id.to_string());
        }
    }

    /// A case ended with `verdict`.
    pub fn finish_case(&self, id: &str, verdict: Verdict) {
        let n = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        let line = self.line(n, id, verdict);
        match &self.display {
            Display::Bar(bar) => {
                bar.inc(1);
                // A pass scrolls by in the bar; anything a reader must act on stays on screen.
                if verdict != Verdict::Pass {
                    bar.println(line);
                }
            }
            Display::Lines => {
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "{line}");
            }
        }
    }

    /// Print a line without tearing the bar (for the runner's own messages).
    pub fn println(&self, line: &str) {
        match &self.display {
            Display::Bar(bar) => bar.println(line),
            Display::Lines => {
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            }
        }
    }

    /// The run is over: remove the bar. The runner prints the summary.
    pub fn finish(&self) {
        if let Display::Bar(bar) = &self.display {
            bar.finish_and_clear();
        }
    }

    /// `[ 3/57] FAIL       trio.size.over-limit.mgmt.config-set (0.4 s)`
    fn line(&self, n: usize, id: &str, verdict: Verdict) -> String {
        let width = self.total.to_string().len();
        format!(
            "[{n:>width$}/{total}] {label:<10} {id} ({elapsed})",
            total = self.total,
            label = verdict.label(),
            elapsed = format_elapsed(self.started.elapsed()),
        )
    }
}

/// `NO_COLOR` set to anything non-empty turns off every terminal effect (no-color.org).
fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Elapsed run time, `0.4 s` or `2 min 05 s`.
fn format_elapsed(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 { format!("{secs:.1} s") } else { format!("{} min {:02} s", d.as_secs() / 60, d.as_secs() % 60) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_name_position_verdict_and_case() {
        let p = Progress::plain(57);
        assert!(!p.is_interactive());
        let line = p.line(3, "trio.size.over", Verdict::Fail);
        assert!(line.starts_with("[ 3/57] FAIL "), "{line}");
        assert!(line.contains("trio.size.over ("), "{line}");
        assert!(!line.contains('\u{1b}'), "no escape codes in plain mode: {line:?}");
    }

    #[test]
    fn finishing_cases_counts_them() {
        let p = Progress::plain(2);
        p.start_case("a");
        p.finish_case("a", Verdict::Pass);
        p.finish_case("b", Verdict::Error);
        assert_eq!(p.done.load(Ordering::SeqCst), 2);
        p.finish();
    }

    #[test]
    fn elapsed_is_short_and_readable() {
        assert_eq!(format_elapsed(Duration::from_millis(400)), "0.4 s");
        assert_eq!(format_elapsed(Duration::from_secs(125)), "2 min 05 s");
    }
}
