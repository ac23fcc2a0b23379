//! `polyconform emulate` as a process of its own on 127.0.0.1, for the tests and
//! benchmarks that drive the real binary against a phone that does not share their
//! process: started with the caller's arguments, its `listening on URL` line (and, over
//! HTTPS, its certificate fingerprint) read, the rest of its output drained so it never
//! blocks on a full pipe, killed when dropped.
//!
//! Benchmarks include this file by path (`#[path = "../tests/emulator_process/mod.rs"]`).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running `polyconform emulate`.
pub struct EmulatorProcess {
    child: Child,
    /// `http://127.0.0.1:PORT` (or `https://...`).
    pub url: String,
    /// Every phone's URL (one unless started with [`EmulatorProcess::rack`]).
    pub urls: Vec<String>,
    /// The `certificate sha256 ...` line of an HTTPS emulator.
    pub fingerprint: Option<String>,
}

impl EmulatorProcess {
    /// `polyconform emulate ARGS` with `password` as its admin password. Without a
    /// `--listen` in `args` the emulator picks its own loopback port.
    pub fn start(args: &[&str], password: &str) -> EmulatorProcess {
        EmulatorProcess::spawn(args, password, 1)
    }

    /// `polyconform emulate --rack N ARGS`: one process, `n` phones, their URLs in [`Self::urls`].
    pub fn rack(n: usize, args: &[&str], password: &str) -> EmulatorProcess {
        let n_text = n.to_string();
        let all: Vec<&str> = ["--rack", n_text.as_str()].into_iter().chain(args.iter().copied()).collect();
        EmulatorProcess::spawn(&all, password, n)
    }

    fn spawn(args: &[&str], password: &str, phones: usize) -> EmulatorProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_polyconform"))
            .arg("emulate")
            .args(args)
            .env("POLYCONFORM_PASSWORD", password)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("`polyconform emulate` starts");
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let mut urls = Vec::new();
        while urls.len() < phones {
            let line = lines.next().expect("one `listening on URL` line per phone").expect("its stdout reads");
            if let Some(url) = line.strip_prefix("listening on ") {
                urls.push(url.trim().to_string());
            }
        }
        let url = urls[0].clone();
        let fingerprint = if phones == 1 && url.starts_with("https") {
            lines.next().and_then(|l| l.ok()).and_then(|l| l.strip_prefix("certificate sha256 ").map(str::to_string))
        } else {
            None
        };
        std::thread::spawn(move || for _ in lines {});
        EmulatorProcess { child, url, urls, fingerprint }
    }

    /// The process id (for its CPU time in `/proc/PID/stat`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
