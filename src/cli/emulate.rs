//! `polyconform emulate`: run the reference phone, or an emulated rack of them, until
//! interrupted.
//!
//! The first stdout line is exactly `listening on http://HOST:PORT` (or `https://`),
//! flushed at once, so scripts can start it on port 0 and read the address; with
//! `--tls` a second line gives the certificate fingerprint. The password is never
//! printed.
//!
//! `--rack N` starts N phones on one switchboard (numbers 1001..1000+N, see
//! `emulator::switchboard`): one `listening on` line per phone, in order, each followed
//! by its fingerprint line with `--tls`. `--profile`, `--fault` and `--reading` take
//! `I:VALUE` for phone I alone (1-based), a plain VALUE for every phone.
//! `--inventory-out FILE` writes a lab inventory of the rack before the first line is
//! printed, so a script that has read the N lines can use the file.

use super::bounds;
use super::exit::{CANNOT_JUDGE, OK, code};
use crate::catalogue::Catalogue;
use crate::emulator::{Emulator, EmulatorConfig, ParallelMode, Switchboard, faults, readings};
use clap::Args;
use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// The profile a phone is when `--profile` names none.
const DEFAULT_PROFILE: &str = "trio-5.9.1";
/// The largest rack: enough for any lab, small enough that a typo (`--rack 10000`) does
/// not eat the machine's ports and file descriptors.
const MAX_RACK: usize = 256;
/// Where the inventory tells `lab run` to find the rack's password.
const PASSWORD_ENV: &str = "POLYCONFORM_PASSWORD";

#[derive(Debug, Clone, Args)]
#[command(after_help = "The first line on stdout is exactly `listening on http://HOST:PORT` \
(or https://), so scripts can use port 0.\n\n\
An emulated rack: --rack N starts N phones on one switchboard, numbers 1001..1000+N, and \
prints one `listening on` line per phone, in order. A phone that dials another's number \
rings it (Offering there, RingBack here) until it is answered, refused or ended; any other \
number is answered by the far end by itself, as with one phone. No SIP and no media: only \
the call states and logs the REST API shows.\n\n\
Examples:\n  \
polyconform emulate --rack 4 --inventory-out rack.toml\n  \
polyconform lab run --inventory rack.toml\n  \
polyconform emulate --rack 2 --profile 2:vvx-5.9.0 --fault 2:size-limit-missing --control")]
pub struct EmulateArgs {
    /// Address to listen on; port 0 picks a free port. With --rack: port 0 gives every
    /// phone a free port, port P gives phones 1..N the ports P..P+N-1.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: String,
    /// Which phone to be (default trio-5.9.1). With --rack, `I:PROFILE` (e.g.
    /// `2:vvx-5.9.0`) is phone I's, a plain PROFILE every other phone's.
    #[arg(long, value_name = "[I:]PROFILE")]
    pub profile: Vec<String>,
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
    #[arg(long, value_name = "MS", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(*bounds::LATENCY_MS.start()..=*bounds::LATENCY_MS.end()))]
    pub latency_ms: u64,
    /// Misbehave on purpose (repeatable); see --list-faults. With --rack, `I:NAME` is for
    /// phone I only (1-based), a plain NAME for every phone.
    #[arg(long, value_name = "[I:]NAME")]
    pub fault: Vec<String>,
    /// Print every fault with a one-line description and exit.
    #[arg(long)]
    pub list_faults: bool,
    /// Play another documented reading of the manual instead of the preferred one
    /// (repeatable); `all-other` plays every reading of the profile at once. With --rack,
    /// `I:NAME` is for phone I only, a plain NAME for every phone.
    #[arg(long = "reading", value_name = "[I:]NAME")]
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
    #[arg(long, value_name = "MS", default_value_t = 2000,
          value_parser = clap::value_parser!(u64).range(*bounds::REBOOT_MS.start()..=*bounds::REBOOT_MS.end()))]
    pub reboot_ms: u64,
    /// Start with the REST API disabled (apps.restapi.enabled=0): every API path answers 404.
    #[arg(long)]
    pub api_disabled: bool,
    /// Start N phones that call each other: one switchboard, numbers 1001..1000+N, one
    /// `listening on` line per phone, in order (at most 256). --profile, --fault and
    /// --reading apply to every phone, or as `I:VALUE` to phone I alone; the other flags
    /// to every phone.
    #[arg(long, value_name = "N")]
    pub rack: Option<usize>,
    /// With --rack: write a lab inventory of the rack to FILE (`polyconform lab run
    /// --inventory FILE`): one `[[device]]` per phone named rack-I, peers paired 1<->2,
    /// 3<->4, ... (with an odd N the last phone has no peer), the password read from
    /// POLYCONFORM_PASSWORD, never written. An existing FILE is left alone unless --force.
    #[arg(long, value_name = "FILE", requires = "rack")]
    pub inventory_out: Option<PathBuf>,
    /// With --inventory-out: replace FILE if it exists.
    #[arg(long, requires = "inventory_out")]
    pub force: bool,
}

/// Where the phones' password came from: the inventory tells the operator what to set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PasswordFrom {
    Flag,
    Environment,
    Default,
}

/// What `emulate` was asked to start: one phone, or the phones of a rack in order.
#[derive(Debug)]
struct Plan {
    phones: Vec<EmulatorConfig>,
    rack: bool,
    password_from: PasswordFrom,
    inventory_out: Option<PathBuf>,
    force: bool,
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
        Ok(plan) => serve(plan),
        Err(msg) => {
            eprintln!("error: {msg}");
            code(CANNOT_JUDGE)
        }
    }
}

fn prepare(args: &EmulateArgs) -> Result<Plan, String> {
    let count = match args.rack {
        None => 1,
        Some(0) => {
            return Err(
                "--rack 0 starts no phone (hint: --rack 2 starts two phones that call each other; leave --rack out for one phone)"
                    .into(),
            );
        }
        Some(n) if n > MAX_RACK => {
            return Err(format!(
                "--rack {n} is more phones than one command serves (hint: at most {MAX_RACK}; start several racks on different ports for more)"
            ));
        }
        Some(n) => n,
    };
    let rack = args.rack.is_some();
    let profiles = per_phone("--profile", &args.profile, count, rack)?;
    let fault_names = per_phone("--fault", &args.fault, count, rack)?;
    let reading_names = per_phone("--reading", &args.readings, count, rack)?;
    let catalogue = Catalogue::embedded().map_err(|e| format!("the built-in data files do not load:\n{e}"))?;
    let listen = parse_listen(&args.listen)?;
    let addresses = rack_addresses(listen, count)?;
    let (password, password_from) = match &args.password {
        Some(p) => (p.clone(), PasswordFrom::Flag),
        None => match std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty()) {
            Some(p) => (p, PasswordFrom::Environment),
            None => ("polyconform".into(), PasswordFrom::Default),
        },
    };
    if let Some(path) = &args.inventory_out
        && !args.force
        && path.exists()
    {
        return Err(format!(
            "--inventory-out {}: the file exists (hint: give another path, or add --force to replace it)",
            path.display()
        ));
    }
    let switchboard = rack.then(Switchboard::new);
    let mut phones = Vec::with_capacity(count);
    for i in 0..count {
        // Messages about one phone of a rack say which; a single phone's stay as they were.
        let which = |flag: &'static str| {
            move |msg: String| if rack { format!("{flag} for phone {} of the rack: {msg}", i + 1) } else { msg }
        };
        let profile_id = profiles[i].last().map(String::as_str).unwrap_or(DEFAULT_PROFILE);
        let profile = catalogue.profile(profile_id).map_err(which("--profile"))?.clone();
        faults::parse_faults(&fault_names[i]).map_err(which("--fault"))?;
        let readings = readings::resolve(&catalogue, &profile.id, &reading_names[i]).map_err(which("--reading"))?;
        let mut config = EmulatorConfig::new(profile);
        config.listen = addresses[i];
        config.username = args.username.clone();
        config.password = password.clone();
        config.tls = args.tls;
        config.latency = Duration::from_millis(args.latency_ms);
        config.faults = fault_names[i].clone();
        config.readings = readings;
        config.parallel = args.parallel;
        config.control = args.control;
        config.reboot = Duration::from_millis(args.reboot_ms);
        config.api_enabled = !args.api_disabled;
        if rack {
            config.number = Some(rack_number(i));
            config.switchboard = switchboard.clone();
        }
        phones.push(config);
    }
    Ok(Plan { phones, rack, password_from, inventory_out: args.inventory_out.clone(), force: args.force })
}

/// Phone `i` (0-based) of a rack has number 1001 + i.
fn rack_number(i: usize) -> String {
    (1001 + i).to_string()
}

/// The values of a repeatable flag for each of `count` phones: a plain VALUE goes to
/// every phone, `I:VALUE` to phone I only (1-based; only with --rack). `--profile` takes
/// one value per phone: a plain one for all, `I:` ones to set phones apart.
fn per_phone(flag: &str, values: &[String], count: usize, rack: bool) -> Result<Vec<Vec<String>>, String> {
    let mut plain: Vec<String> = Vec::new();
    let mut own: Vec<Vec<String>> = vec![Vec::new(); count];
    for value in values {
        match value.split_once(':').filter(|(i, _)| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit())) {
            None => plain.push(value.clone()),
            Some((index, _)) if !rack => {
                return Err(format!(
                    "{flag} {value} names phone {index}, and phones are numbered only in a rack (hint: add --rack N, or drop the `{index}:`)"
                ));
            }
            Some((index, v)) => {
                let i = index.parse::<usize>().ok().filter(|i| (1..=count).contains(i)).ok_or_else(|| {
                    format!(
                        "{flag} {value} names phone {index}, but the rack has phones 1 to {count} (hint: give `I:{v}` with I from 1 to {count}, or a plain `{v}` for every phone)"
                    )
                })?;
                own[i - 1].push(v.to_string());
            }
        }
    }
    let single = flag == "--profile";
    if single && plain.len() > 1 {
        return Err(format!(
            "--profile is given {} times for every phone ({}) (hint: one plain --profile for all phones; `--profile I:PROFILE` for phone I, e.g. --profile 2:vvx-5.9.0)",
            plain.len(),
            plain.join(", ")
        ));
    }
    for (i, mine) in own.iter_mut().enumerate() {
        if single && mine.len() > 1 {
            return Err(format!(
                "--profile is given {} times for phone {} ({}) (hint: one `--profile {}:PROFILE` per phone)",
                mine.len(),
                i + 1,
                mine.join(", "),
                i + 1
            ));
        }
        if single && !mine.is_empty() {
            continue;
        }
        let mut all = plain.clone();
        all.append(mine);
        *mine = all;
    }
    Ok(own)
}

/// Where each phone listens: port 0 gives every phone a free port, port P the ports
/// P..P+count-1, all on the host of --listen.
fn rack_addresses(listen: SocketAddr, count: usize) -> Result<Vec<SocketAddr>, String> {
    let first = listen.port();
    if first == 0 {
        return Ok(vec![listen; count]);
    }
    let last = usize::from(first) + count - 1;
    if last > usize::from(u16::MAX) {
        return Err(format!(
            "--listen {listen} with --rack {count} needs the ports {first} to {last}, past 65535 (hint: a lower first port, or port 0 for free ports)"
        ));
    }
    Ok((0..count)
        .map(|i| {
            let mut a = listen;
            a.set_port(first + i as u16);
            a
        })
        .collect())
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

fn serve(plan: Plan) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return code(CANNOT_JUDGE);
        }
    };
    runtime.block_on(async move {
        // The inventory names the user only when it is not the phones' usual `Polycom`.
        let username = plan.phones.first().map(|c| c.username.clone()).filter(|u| u != "Polycom");
        let mut emulators = Vec::with_capacity(plan.phones.len());
        let mut profiles = Vec::with_capacity(plan.phones.len());
        for (i, config) in plan.phones.into_iter().enumerate() {
            profiles.push((config.profile.id.clone(), config.faults.clone(), config.readings.clone()));
            match Emulator::start(config).await {
                Ok(e) => emulators.push(e),
                Err(e) if plan.rack => {
                    eprintln!("error: phone {} of the rack: {e} (hint: with a fixed --listen port, every port of the range must be free; port 0 picks free ones)", i + 1);
                    return code(CANNOT_JUDGE);
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return code(CANNOT_JUDGE);
                }
            }
        }
        if let Some(path) = &plan.inventory_out {
            let phones: Vec<RackPhone> = emulators
                .iter()
                .zip(&profiles)
                .map(|(e, (profile, faults, readings))| RackPhone {
                    url: e.url(),
                    number: e.number().to_string(),
                    fingerprint: e.fingerprint(),
                    profile,
                    faults,
                    readings,
                })
                .collect();
            let text = inventory_text(&phones, &username, plan.password_from);
            if let Err(e) = write_inventory(path, &text, plan.force) {
                eprintln!("error: --inventory-out {}: {e}", path.display());
                return code(CANNOT_JUDGE);
            }
        }
        {
            let mut out = std::io::stdout().lock();
            for emulator in &emulators {
                let _ = writeln!(out, "listening on {}", emulator.url());
                if let Some(fp) = emulator.fingerprint() {
                    let _ = writeln!(out, "certificate sha256 {fp}");
                }
            }
            let _ = out.flush();
        }
        if plan.rack {
            for (i, (e, (profile, _, _))) in emulators.iter().zip(&profiles).enumerate() {
                eprintln!("rack-{}: number {} at {} ({profile})", i + 1, e.number(), e.url());
            }
            if let Some(path) = &plan.inventory_out {
                eprintln!("inventory written to {} (polyconform lab run --inventory {})", path.display(), path.display());
            }
        }
        interrupted().await;
        for emulator in emulators {
            emulator.stop().await;
        }
        code(OK)
    })
}

/// What the inventory says about one phone of the rack.
struct RackPhone<'a> {
    url: String,
    number: String,
    fingerprint: Option<String>,
    profile: &'a str,
    faults: &'a [String],
    readings: &'a [String],
}

/// The peer of phone `i` (0-based) of `count`: phones are paired 1<->2, 3<->4, ...; the
/// last phone of an odd rack has none (calling it from a phone that is already some other
/// phone's peer would put two lab runs on one phone at once).
fn rack_peer(i: usize, count: usize) -> Option<usize> {
    let partner = i ^ 1;
    (partner < count).then_some(partner)
}

/// A TOML string literal.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The lab inventory of a running rack (format: `lab::inventory`). Secrets are never
/// written: the password is read from POLYCONFORM_PASSWORD by `lab run`. What each phone
/// plays (faults, readings) is a comment, for the operator; `control` stays off, as a
/// rack phone's incoming calls come from its peer.
fn inventory_text(phones: &[RackPhone<'_>], username: &Option<String>, password_from: PasswordFrom) -> String {
    let n = phones.len();
    let mut t = String::new();
    t.push_str(&format!("# An emulated rack: `polyconform emulate --rack {n}`, {n} phone(s) on one switchboard.\n"));
    t.push_str("# Valid while that command runs: the phones listen at the targets below.\n");
    t.push_str("# The phones call each other by number (rack-1 is 1001, rack-2 is 1002, ...); any other\n");
    t.push_str("# number, such as the default `dial` 1000, is answered by the far end by itself.\n");
    t.push_str("# Peers are paired rack-1 <-> rack-2, rack-3 <-> rack-4, ...; with an odd count the last\n");
    t.push_str("# phone has no peer (its answer/ignore/reject cases are NOT-TESTED).\n");
    t.push_str("#\n");
    match password_from {
        PasswordFrom::Flag => t.push_str(&format!(
            "# The rack was started with --password: set {PASSWORD_ENV} to that password for `lab run`\n# (it is never written here).\n"
        )),
        PasswordFrom::Environment => t.push_str(&format!(
            "# The rack's password came from {PASSWORD_ENV}: run `lab run` with the same variable set.\n"
        )),
        PasswordFrom::Default => t.push_str(&format!(
            "# The rack uses the emulator's default password (`polyconform emulate --help`, --password):\n# set {PASSWORD_ENV} to it for `lab run`.\n"
        )),
    }
    t.push_str("\n[defaults]\n");
    t.push_str(&format!("password_env = {}\n", quoted(PASSWORD_ENV)));
    if let Some(user) = username {
        t.push_str(&format!("username = {}\n", quoted(user)));
    }
    for (i, phone) in phones.iter().enumerate() {
        t.push('\n');
        t.push_str(&format!("# rack-{}: number {}", i + 1, phone.number));
        if phone.faults.is_empty() && phone.readings.is_empty() {
            t.push_str(", plays the manual as our suites read it");
        }
        t.push('\n');
        if !phone.faults.is_empty() {
            t.push_str(&format!("# faults (deliberate defects): {}\n", phone.faults.join(", ")));
        }
        if !phone.readings.is_empty() {
            t.push_str(&format!("# other readings of the manual: {}\n", phone.readings.join(", ")));
        }
        if rack_peer(i, n).is_none() {
            t.push_str("# no peer: the odd phone out\n");
        }
        t.push_str("[[device]]\n");
        t.push_str(&format!("name = {}\n", quoted(&format!("rack-{}", i + 1))));
        t.push_str(&format!("target = {}\n", quoted(&phone.url)));
        t.push_str(&format!("profile = {}\n", quoted(phone.profile)));
        if let Some(fp) = &phone.fingerprint {
            t.push_str(&format!("pin_sha256 = {}\n", quoted(fp)));
        }
        if let Some(peer) = rack_peer(i, n) {
            t.push_str(&format!("peer = {}\n", quoted(&format!("rack-{}", peer + 1))));
        }
        t.push_str("tags = [\"rack\"]\n");
    }
    t
}

/// Write the inventory; without `force` an existing file is an error, checked by the
/// creation itself so nothing written meanwhile is replaced.
fn write_inventory(path: &std::path::Path, text: &str, force: bool) -> Result<(), String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            "the file exists (hint: give another path, or add --force to replace it)".to_string()
        }
        _ => format!("cannot write the inventory: {e} (hint: give a path in a writable directory)"),
    })?;
    file.write_all(text.as_bytes()).map_err(|e| format!("cannot write the inventory: {e}"))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn plain_values_go_to_every_phone_indexed_ones_to_one() {
        let got = per_phone("--fault", &strings(&["a", "2:b", "3:c"]), 3, true).unwrap();
        assert_eq!(got, [strings(&["a"]), strings(&["a", "b"]), strings(&["a", "c"])]);
        let got = per_phone("--profile", &strings(&["vvx-5.9.0", "1:trio-5.9.1"]), 2, true).unwrap();
        assert_eq!(got, [strings(&["trio-5.9.1"]), strings(&["vvx-5.9.0"])], "a phone's own profile wins");
        assert!(per_phone("--profile", &strings(&["2:a", "2:b"]), 2, true).unwrap_err().contains("phone 2"));
        assert!(per_phone("--fault", &strings(&["1:a"]), 1, false).unwrap_err().contains("--rack"));
        assert!(per_phone("--fault", &strings(&["99999999999999999999999:a"]), 2, true).is_err());
    }

    #[test]
    fn peers_pair_up_and_the_odd_phone_out_has_none() {
        let peers: Vec<Option<usize>> = (0..5).map(|i| rack_peer(i, 5)).collect();
        assert_eq!(peers, [Some(1), Some(0), Some(3), Some(2), None]);
        assert_eq!(rack_peer(0, 1), None);
    }

    #[test]
    fn a_fixed_first_port_gives_consecutive_ports() {
        let listen: SocketAddr = "127.0.0.1:9000".parse().unwrap();
        let ports: Vec<u16> = rack_addresses(listen, 3).unwrap().iter().map(|a| a.port()).collect();
        assert_eq!(ports, [9000, 9001, 9002]);
        assert!(rack_addresses("127.0.0.1:0".parse().unwrap(), 2).unwrap().iter().all(|a| a.port() == 0));
        assert!(rack_addresses("[::1]:65535".parse().unwrap(), 2).unwrap_err().contains("--listen"));
    }

    #[test]
    fn the_inventory_pins_tls_phones_and_names_a_custom_user() {
        let faults = strings(&["size-limit-missing"]);
        let phones = [
            RackPhone {
                url: "https://127.0.0.1:1".into(),
                number: "1001".into(),
                fingerprint: Some("AB:CD".into()),
                profile: "trio-5.9.1",
                faults: &faults,
                readings: &[],
            },
            RackPhone {
                url: "https://127.0.0.1:2".into(),
                number: "1002".into(),
                fingerprint: None,
                profile: "vvx-5.9.0",
                faults: &[],
                readings: &[],
            },
        ];
        let text = inventory_text(&phones, &Some("admin \"x\"".into()), PasswordFrom::Environment);
        assert!(text.contains("pin_sha256 = \"AB:CD\""), "{text}");
        assert!(text.contains("username = 'admin \"x\"'") || text.contains(r#"username = "admin \"x\"""#), "{text}");
        assert!(text.contains("# faults (deliberate defects): size-limit-missing"), "{text}");
        assert!(text.contains("came from POLYCONFORM_PASSWORD"), "{text}");
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(parsed["device"].as_array().unwrap().len(), 2);
    }
}
