//! The command line: every subcommand, flag and help text, in one place.
//!
//! This file only describes arguments; each subcommand's behaviour lives in its module
//! (`run::command`, `emulator::command`, ...). Flag names are a contract with scripts
//! and CI jobs: change them only with a deprecation.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "polyconform",
    version,
    about = "Conformance and fuzz test harness for the REST API of Poly VVX and Trio phones",
    long_about = "Conformance and fuzz test harness for the REST API of Poly (Polycom) phones: \
VVX on UC Software 5.9.0 and Poly Trio 8300/8500/8800 on UC Software 5.9.1.\n\n\
Start here:\n  polyconform run                      every case against the built-in emulator\n  \
polyconform run --target https://10.0.0.5 --insecure   against a phone (password from POLYCONFORM_PASSWORD)\n  \
polyconform list                     what the manuals define, as data\n  \
polyconform emulate                  a reference phone on 127.0.0.1\n\n\
Exit codes, in this order: 1 at least one FAIL (or fuzz finding), even when other cases \
are ERROR; 2 nothing FAILed but something could not be judged (usage error, bad data file, \
target unreachable, TLS failure, an ERROR case); 0 everything judged, no FAIL.\n\n\
A FAIL always quotes a manual sentence that states the outcome; where the manual has two \
readings the other one is NON-STRICT or INFO (suites/errata.toml). `polyconform emulate \
--list-readings` lists the other readings the built-in emulator can play (`run --reading`).",
    after_help = "Each subcommand has its own --help."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the conformance suites against a phone, or the built-in emulator when no --target is given.
    Run(RunArgs),
    /// Fuzz a phone with schema-driven malformed input; shrink and save each finding.
    Fuzz(FuzzArgs),
    /// Re-send saved fuzz reproducers and report each as STILL FAILING / FIXED / ERROR.
    Replay(ReplayArgs),
    /// Start the reference emulator of a phone (runs until interrupted).
    Emulate(EmulateArgs),
    /// List the catalogue: endpoints with method, path, safety class, schema and case count.
    List(ListArgs),
    /// Validate schemas (against the meta-schema), profiles, errata and suite files.
    Lint(LintArgs),
    /// Record the shape of every safe endpoint's answer as a baseline under snapshots/NAME/.
    Snapshot(SnapshotArgs),
    /// Nightly lab runs: every phone of an inventory at once, history, CI shards, merged reports.
    Lab(crate::lab::cli::LabArgs),
}

/// How to reach and authenticate to one phone. Shared by run, fuzz, replay and snapshot.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// Base URL of the phone, e.g. `https://10.0.0.5` or `http://127.0.0.1:8080`.
    /// Without it the built-in emulator is started on 127.0.0.1 and used.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Firmware profile: which endpoints, codes and limits apply.
    #[arg(long, value_name = "PROFILE", default_value = "trio-5.9.1")]
    pub profile: String,
    /// REST user name (the phone's admin account).
    #[arg(long, value_name = "NAME", default_value = "Polycom")]
    pub username: String,
    /// Read the password from the first line of this file.
    /// Default: the environment variable POLYCONFORM_PASSWORD.
    #[arg(long, value_name = "PATH", conflicts_with = "password")]
    pub password_file: Option<PathBuf>,
    /// The password on the command line (visible in the process list: prefer
    /// POLYCONFORM_PASSWORD or --password-file).
    #[arg(long, value_name = "PW")]
    pub password: Option<String>,
    /// Accept any TLS certificate (phones ship certificates for MAC-based names).
    #[arg(long, conflicts_with_all = ["pin_sha256", "ca_cert"])]
    pub insecure: bool,
    /// Accept only the certificate with this SHA-256 fingerprint (hex, colons allowed).
    #[arg(long, value_name = "HEX", conflicts_with = "ca_cert")]
    pub pin_sha256: Option<String>,
    /// Trust certificates issued by this CA (PEM file).
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,
    /// Per-request timeout; a request that takes longer is judged as a hang.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Pause between two requests to a fragile phone.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub pace_ms: u64,
    /// Read schemas/ and suites/ from this directory instead of the built-in copy.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

impl TargetArgs {
    /// What the command line gives with no target option: the built-in emulator of
    /// `profile`, default user, 10 s timeout (for benches and tests that drive the API).
    pub fn builtin(profile: &str) -> TargetArgs {
        TargetArgs {
            target: None,
            profile: profile.into(),
            username: "Polycom".into(),
            password_file: None,
            password: None,
            insecure: false,
            pin_sha256: None,
            ca_cert: None,
            timeout: 10.0,
            pace_ms: 0,
            data: None,
        }
    }
}

#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Arguments after `--` go to the test harness, as with `cargo test`: \
a name filter, --skip PATTERN, --exact, --list [--format terse], --ignored, --nocapture.\n\n\
Exit codes: 1 at least one FAIL (even with ERROR cases), else 2 when a case is ERROR or the \
run could not judge, else 0.\n\n\
Examples:\n  polyconform run\n  polyconform run -- --list\n  polyconform run -- auth. --skip wrong-password\n  \
POLYCONFORM_PASSWORD=... polyconform run --target https://10.0.0.5 --insecure --report-dir out"
)]
pub struct RunArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Also run destructive and session-breaking endpoints (reboot, resets, sign-in) on a
    /// --target. Always on for the built-in emulator, which is thrown away after the run.
    #[arg(long)]
    pub allow_destructive: bool,
    /// Judge every ambiguity against the device: NON-STRICT becomes FAIL.
    #[arg(long)]
    pub strict: bool,
    /// Write JUnit XML, a JSON report and an HTML report into this directory.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Compare answers with the baseline snapshots/NAME/ and report every difference.
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,
    /// Known deviations: case ids (or patterns) expected to FAIL on this profile.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// A second phone that can call the target, so answer/ignore/reject can be tested.
    #[arg(long, value_name = "URL")]
    pub peer: Option<String>,
    /// Number the run dials for call-flow cases (must answer automatically on a real phone).
    #[arg(long, value_name = "NUMBER", default_value = "1000")]
    pub dial: String,
    /// Built-in emulator only: simulate these faults (see `polyconform emulate --list-faults`).
    #[arg(long = "emulator-fault", value_name = "NAME")]
    pub emulator_faults: Vec<String>,
    /// Built-in emulator only: play another documented reading of the manual instead of the
    /// preferred one (repeatable; `all-other` plays every reading of the profile at once).
    /// No reading may earn a FAIL: this is how a misreading of ours shows. See
    /// `polyconform emulate --list-readings`.
    #[arg(long = "reading", value_name = "NAME")]
    pub readings: Vec<String>,
    /// Built-in emulator only: added latency per request.
    #[arg(long = "emulator-latency-ms", value_name = "MS", default_value_t = 0)]
    pub emulator_latency_ms: u64,
    /// Built-in emulator only: how long a reboot or reset takes the phone away
    /// (default 2000, as `polyconform emulate --reboot-ms`).
    #[arg(long = "emulator-reboot-ms", value_name = "MS")]
    pub emulator_reboot_ms: Option<u64>,
    /// Arguments for the libtest-compatible harness (filters, --list, --exact, --skip).
    #[arg(last = true, value_name = "LIBTEST-ARGS")]
    pub libtest: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct FuzzArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Seed of the generator: the same seed against the same target sends the same sequence.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long, value_name = "SECS")]
    pub duration: Option<u64>,
    /// Stop after this many generated cases.
    #[arg(long, value_name = "N")]
    pub cases: Option<u64>,
    /// Only endpoints whose id or path contains this text (repeatable).
    #[arg(long, value_name = "PATTERN")]
    pub endpoint: Vec<String>,
    /// Also fuzz endpoints that change state (config/set, dial, ...); changes are restored.
    #[arg(long)]
    pub allow_mutating: bool,
    /// Where reproducers are saved (default: fuzz/repros/<profile>/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write JUnit XML, a JSON report and an HTML report into this directory.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Built-in emulator only: simulate these faults.
    #[arg(long = "emulator-fault", value_name = "NAME")]
    pub emulator_faults: Vec<String>,
    /// Built-in emulator only: play another documented reading of the manual (repeatable,
    /// or `all-other`); see `polyconform emulate --list-readings`.
    #[arg(long = "reading", value_name = "NAME")]
    pub readings: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// A reproducer file, or a directory of them.
    #[arg(value_name = "FILE|DIR")]
    pub path: PathBuf,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Built-in emulator only: simulate these faults.
    #[arg(long = "emulator-fault", value_name = "NAME")]
    pub emulator_faults: Vec<String>,
}

/// What the emulated phone does with a request that arrives while another is processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ParallelMode {
    /// Answer HTTP 403 (the manual's first reading).
    #[default]
    Reject,
    /// Queue it and answer when its turn comes.
    Queue,
}

#[derive(Debug, Clone, Args)]
#[command(
    after_help = "The first line on stdout is exactly `listening on http://HOST:PORT` \
(or https://), so scripts can use port 0."
)]
pub struct EmulateArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: String,
    /// Which phone to be.
    #[arg(long, value_name = "PROFILE", default_value = "trio-5.9.1")]
    pub profile: String,
    #[arg(long, value_name = "NAME", default_value = "Polycom")]
    pub username: String,
    /// Admin password. The factory default `456` makes every API call answer Status 4010.
    /// Default: POLYCONFORM_PASSWORD, else `polyconform`.
    #[arg(long, value_name = "PW")]
    pub password: Option<String>,
    /// Serve HTTPS with a self-signed certificate generated at start.
    #[arg(long)]
    pub tls: bool,
    /// Added latency for every request (the phone stays busy meanwhile).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub latency_ms: u64,
    /// Misbehave on purpose (repeatable); see --list-faults.
    #[arg(long, value_name = "NAME")]
    pub fault: Vec<String>,
    /// Print every fault with a one-line description and exit.
    #[arg(long)]
    pub list_faults: bool,
    /// Play another documented reading of the manual instead of the preferred one
    /// (repeatable); `all-other` plays every reading of the profile at once.
    #[arg(long = "reading", value_name = "NAME")]
    pub readings: Vec<String>,
    /// Print every reading (the erratum it comes from, its profiles, what the phone then
    /// does) and exit.
    #[arg(long)]
    pub list_readings: bool,
    /// A request arriving while another is processed gets 403, or waits its turn.
    #[arg(long, value_enum, default_value_t = ParallelMode::Reject)]
    pub parallel: ParallelMode,
    /// Serve the control endpoints under /control (inject an incoming call, health).
    #[arg(long)]
    pub control: bool,
    /// How long a reboot or reset takes the phone away.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub reboot_ms: u64,
    /// Start with the REST API disabled (apps.restapi.enabled=0): every API path answers 404.
    #[arg(long)]
    pub api_disabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ListFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Only this profile (default: every profile).
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Read schemas/ and suites/ from this directory instead of the built-in copy.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
#[command(
    after_help = "PATH may be a project directory (with schemas/ and suites/), a single \
suite file (checked against the built-in profiles and schemas), or omitted for the built-in data."
)]
pub struct LintArgs {
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Baseline name: written to snapshots/NAME/.
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// Directory that holds the baselines.
    #[arg(long, value_name = "DIR", default_value = "snapshots")]
    pub snapshots: PathBuf,
    /// Built-in emulator only: simulate these faults.
    #[arg(long = "emulator-fault", value_name = "NAME")]
    pub emulator_faults: Vec<String>,
}
