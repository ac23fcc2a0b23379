//! `polyconform emulate`: run the reference phone until interrupted.
//!
//! The first stdout line is exactly `listening on http://HOST:PORT` (or `https://`),
//! flushed at once, so scripts can start it on port 0 and read the address; with
//! `--tls` a second line gives the certificate fingerprint. The password is never
//! printed.

use super::exit::{CANNOT_JUDGE, OK, code};
use crate::catalogue::Catalogue;
use crate::emulator::{Emulator, EmulatorConfig, ParallelMode, faults, readings};
use clap::Args;
use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Clone, Args)]
#[command(after_help = "The first line on stdout is exactly `listening on http://HOST:PORT` \
(or https://), so scripts can use port 0.")]
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

pub fn emulate(args: EmulateArgs) -> ExitCode {
    if args.list_faults {
        let width = faults().iter().map(|f| f.name.len()).max().unwrap_or(0);
        let fam = faults().iter().map(|f| f.family.len()).max().unwrap_or(0);
        let mut out = std::io::stdout().lock();
        for f in faults() {
            let _ = writeln!(out, "{:width$}  {:fam$}  {}", f.name, f.family, f.description);
        }
        return code(OK);
    }
    if args.list_readings {
        return list_readings();
    }
    match prepare(&args) {
        Ok(config) => serve(config),
        Err(msg) => {
            eprintln!("error: {msg}");
            code(CANNOT_JUDGE)
        }
    }
}

fn prepare(args: &EmulateArgs) -> Result<EmulatorConfig, String> {
    faults::parse_faults(&args.fault)?;
    let catalogue = Catalogue::embedded().map_err(|e| format!("the built-in data files do not load:\n{e}"))?;
    let profile = catalogue.profile(&args.profile)?.clone();
    let readings = readings::resolve(&catalogue, &profile.id, &args.readings)?;
    let listen = parse_listen(&args.listen)?;
    let password = match &args.password {
        Some(p) => p.clone(),
        None => {
            std::env::var("POLYCONFORM_PASSWORD").ok().filter(|p| !p.is_empty()).unwrap_or_else(|| "polyconform".into())
        }
    };
    let mut config = EmulatorConfig::new(profile);
    config.listen = listen;
    config.username = args.username.clone();
    config.password = password;
    config.tls = args.tls;
    config.latency = Duration::from_millis(args.latency_ms);
    config.faults = args.fault.clone();
    config.readings = readings;
    config.parallel = args.parallel;
    config.control = args.control;
    config.reboot = Duration::from_millis(args.reboot_ms);
    config.api_enabled = !args.api_disabled;
    Ok(config)
}

/// One line per reading: erratum, its level, the profiles it applies to, name, what the
/// phone then does. The text comes from `suites/errata.toml`, the one place it is written.
fn list_readings() -> ExitCode {
    let catalogue = match Catalogue::embedded() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: the built-in data files do not load:\n{e}");
            return code(CANNOT_JUDGE);
        }
    };
    let rows: Vec<(&crate::catalogue::Erratum, &str)> =
        catalogue.errata.iter().filter_map(|e| Some((e, e.reading.as_deref()?))).collect();
    let width = rows.iter().map(|(_, n)| n.len()).max().unwrap_or(0);
    let mut out = std::io::stdout().lock();
    for (e, name) in rows {
        let profiles = e.manuals.join(",");
        let _ = writeln!(
            out,
            "{:<4} {:<9} {name:width$}  [{profiles}]  {}",
            e.id,
            e.verdict.label().to_ascii_lowercase(),
            e.plays.as_deref().unwrap_or("")
        );
    }
    let _ = writeln!(out, "{:<4} {:<9} {:width$}  every reading of the profile at once", "", "", readings::ALL_OTHER);
    code(OK)
}

fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    text.to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("`{text}` is not an address to listen on (hint: HOST:PORT such as 127.0.0.1:8080, or port 0 for a free port)"))
}

fn serve(config: EmulatorConfig) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return code(CANNOT_JUDGE);
        }
    };
    runtime.block_on(async move {
        let emulator = match Emulator::start(config).await {
            Ok(e) => e,
            Err(e) => {
                eprintln!("error: {e}");
                return code(CANNOT_JUDGE);
            }
        };
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "listening on {}", emulator.url());
            if let Some(fp) = emulator.fingerprint() {
                let _ = writeln!(out, "certificate sha256 {fp}");
            }
            let _ = out.flush();
        }
        interrupted().await;
        emulator.stop().await;
        code(OK)
    })
}

/// Ctrl-C, or SIGTERM where there is one (service managers and CI stop processes so).
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
