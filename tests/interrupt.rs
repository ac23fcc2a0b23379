//! Ctrl-C leaves the phone as the run found it, wherever it lands: inside a case that
//! writes config (before, between and after its writes) and inside a case that dials
//! (before the dial, between the dial request and its answer, while the call is up).
//!
//! The phone is a `polyconform emulate --latency-ms 250` process, so every request is in
//! flight for a quarter of a second and the signals below land inside requests as well
//! as between them. After each interrupted run the test reads the phone itself: the
//! config the case writes equals what it was before, and no call exists. The run exits
//! 130 and writes the report of what ran, marked interrupted.

use polyconform::device::tls::Trust;
use polyconform::device::{Credentials, Device, DeviceConfig};
use polyconform::phone::Phone;
use polyconform::record::model::RunRecord;
use std::process::{Command, Stdio};
use std::time::Duration;

mod emulator_process;
use emulator_process::EmulatorProcess;

const BIN: &str = env!("CARGO_BIN_EXE_polyconform");
const PASSWORD: &str = "interrupt-pass";
const KEY: &str = "log.level.change.sip";

/// The emulator, and the phone's state read through the harness's own API module.
struct Emulate {
    process: EmulatorProcess,
}

impl Emulate {
    fn start() -> Emulate {
        // Queue: the test's own reads wait for a request the run left in flight.
        Emulate { process: EmulatorProcess::start(&["--latency-ms", "250", "--parallel", "queue"], PASSWORD) }
    }

    /// The phone, through the harness's own API module (not the run under test).
    fn phone<R>(&self, f: impl AsyncFnOnce(&mut Phone<'static, &Device>) -> R) -> R {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let device = Device::new(DeviceConfig {
            base_url: self.process.url.clone(),
            credentials: Credentials { username: "Polycom".into(), password: PASSWORD.into() },
            trust: Trust::System,
            timeout: Duration::from_secs(10),
            pace: Duration::ZERO,
            max_body: 1 << 20,
        })
        .unwrap();
        runtime.block_on(async { f(&mut Phone::manual(&device)).await })
    }

    fn config(&self) -> String {
        let names = vec![KEY.to_string()];
        let values = self.phone(async |p| p.read_config("config", &names).await.expect("config/get answers"));
        values.get(KEY).cloned().unwrap_or_default()
    }

    fn calls(&self) -> usize {
        self.phone(async |p| p.calls("calls").await.expect("callStatus answers")).len()
    }
}

/// Run `case` alone against the emulator, send SIGINT after `after`, and return the exit
/// code, stderr and the report.
fn interrupted_run(emu: &Emulate, case: &str, after: Duration, name: &str) -> (Option<i32>, String, Option<RunRecord>) {
    let dir = std::env::temp_dir().join(format!("polyconform-interrupt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let child = Command::new(BIN)
        .args(["run", "--target", &emu.process.url, "--report-dir", dir.to_str().unwrap(), "--", "--exact", case])
        .env("POLYCONFORM_PASSWORD", PASSWORD)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let out = child.wait_with_output().unwrap();
    let record = std::fs::read_to_string(dir.join("report.json")).ok().map(|t| serde_json::from_str(&t).unwrap());
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned(), record)
}

/// The signal points: across the preflight, the setup and every step of a short case.
const POINTS_MS: [u64; 8] = [200, 450, 700, 950, 1200, 1450, 1700, 2200];

#[test]
fn ctrl_c_anywhere_in_a_config_writing_case_leaves_the_config_as_it_was() {
    let emu = Emulate::start();
    let before = emu.config();
    for ms in POINTS_MS {
        let (code, stderr, record) =
            interrupted_run(&emu, "trio.mgmt.config-set.applied", Duration::from_millis(ms), &format!("config-{ms}"));
        // None: the signal came before the run installed its handler (during the
        // preflight, a GET): the default action ended it before it changed anything.
        assert!(matches!(code, None | Some(0) | Some(130)), "signal at {ms} ms: exit {code:?}\n{stderr}");
        assert!(!stderr.contains("RESTORE FAILED"), "signal at {ms} ms: {stderr}");
        eprintln!("config, signal at {ms} ms: exit {code:?}");
        assert_eq!(emu.config(), before, "signal at {ms} ms: {KEY} is back to its value\n{stderr}");
        if code == Some(130) {
            assert!(stderr.contains("the phone was put back"), "{stderr}");
            // A signal during the preflight stops before any case: no report then.
            if let Some(r) = record {
                assert!(r.ended_early.as_deref().unwrap_or("").starts_with("interrupted"), "{:?}", r.ended_early);
            }
        }
    }
}

#[test]
fn ctrl_c_anywhere_in_a_dial_case_leaves_no_call() {
    let emu = Emulate::start();
    for ms in POINTS_MS {
        let (code, stderr, _) =
            interrupted_run(&emu, "trio.callctrl.dial.places-call", Duration::from_millis(ms), &format!("dial-{ms}"));
        // None: the signal came before the run installed its handler (during the
        // preflight, a GET): the default action ended it before it changed anything.
        assert!(matches!(code, None | Some(0) | Some(130)), "signal at {ms} ms: exit {code:?}\n{stderr}");
        assert!(!stderr.contains("RESTORE FAILED"), "signal at {ms} ms: {stderr}");
        eprintln!("dial, signal at {ms} ms: exit {code:?}");
        assert_eq!(emu.calls(), 0, "signal at {ms} ms: no call is left up\n{stderr}");
    }
}
