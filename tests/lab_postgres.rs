//! The lab history in a real PostgreSQL server: the same schema and migrations as
//! SQLite, reservations taken atomically by concurrent claimants, and `polyconform lab`
//! recording two runs and showing the regression between them.
//!
//! The server: POLYCONFORM_PG_URL when set (a database is created in it for the test
//! and dropped after), else, as root with apt available, a throw-away cluster started
//! by `.ci/postgres.sh` (which installs Debian's postgresql package if missing) and
//! stopped at the end. Otherwise the test prints SKIP, except in CI (CI=true), where a
//! skipped database test would hide a broken history: there it fails.

use polyconform::catalogue::Catalogue;
use polyconform::emulator::{Emulator, EmulatorConfig};
use polyconform::lab::database::{Database, latest_version};
use polyconform::lab::reservation::{Claim, Reservations, take};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const PASSWORD: &str = "pg-lab-Secret-7";

/// A cluster this test started; stopped when dropped, even if an assertion fails.
struct Cluster(Option<PathBuf>);

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(dir) = &self.0 {
            let _ = Command::new("bash").arg(script()).arg("stop").arg(dir).status();
        }
    }
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/postgres.sh")
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

fn has_postgres_or_apt() -> bool {
    let installed = std::fs::read_dir("/usr/lib/postgresql").map(|mut d| d.next().is_some()).unwrap_or(false);
    installed || Command::new("apt-get").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// The server URL and the cluster guard, or why there is none.
fn server() -> Result<(String, Cluster), String> {
    if let Ok(url) = std::env::var("POLYCONFORM_PG_URL")
        && !url.trim().is_empty()
    {
        return Ok((url, Cluster(None)));
    }
    if !is_root() || !has_postgres_or_apt() {
        return Err(
            "POLYCONFORM_PG_URL is not set and .ci/postgres.sh needs root with apt-get (or an installed PostgreSQL)"
                .into(),
        );
    }
    // Under /tmp: the `postgres` user must be able to reach the cluster directory.
    let dir = PathBuf::from(format!("/tmp/polyconform-pg-test-{}", std::process::id()));
    let out = Command::new("bash")
        .arg(script())
        .arg("start")
        .arg(&dir)
        .output()
        .map_err(|e| format!("cannot run .ci/postgres.sh: {e}"))?;
    let cluster = Cluster(Some(dir));
    if !out.status.success() {
        return Err(format!(".ci/postgres.sh start failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let url = String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or("").trim().to_string();
    Ok((url, cluster))
}

/// `url` with its database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let mut u = reqwest::Url::parse(url).expect("server URL parses");
    u.set_path(&format!("/{name}"));
    u.to_string()
}

async fn admin(url: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.expect("admin connection");
    let task = tokio::spawn(connection);
    client.batch_execute(sql).await.unwrap_or_else(|e| panic!("`{sql}`: {e:?}"));
    drop(client);
    let _ = task.await;
}

#[test]
fn lab_history_and_reservations_in_postgresql() {
    let (url, _cluster) = match server() {
        Ok(s) => s,
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("the PostgreSQL test must run in CI, but: {why}")
        }
        Err(why) => {
            println!("SKIP lab_history_and_reservations_in_postgresql: {why}");
            return;
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let name = format!("polyconform_lab_{}_{}", std::process::id(), polyconform::record::clock::now_ms());
    runtime.block_on(admin(&url, &format!("CREATE DATABASE {name}")));
    let db_url = with_database(&url, &name);

    runtime.block_on(async {
        // Shards starting together: migrations are applied once, under the advisory lock.
        let opens: Vec<_> = (0..4)
            .map(|_| {
                tokio::spawn({
                    let u = db_url.clone();
                    async move { Database::open(&u).await }
                })
            })
            .collect();
        for o in opens {
            let db = o.await.unwrap().expect("concurrent opens all succeed");
            assert!(db.is_postgres());
        }
        let db = Database::open(&db_url).await.unwrap();
        assert_eq!(db.schema_version().await.unwrap(), latest_version());
        let applied = db.query("SELECT count(*) FROM schema_migrations", vec![]).await.unwrap();
        assert_eq!(applied[0].int(0), Some(latest_version()), "each migration recorded once");

        // Exactly one of many concurrent claimants wins the atomic take.
        let mut tasks = Vec::new();
        for i in 0..16 {
            let db = Database::open(&db_url).await.unwrap();
            tasks.push(tokio::spawn(async move {
                take(&db, "trio-a", &format!("machine-{i}"), Duration::from_secs(60)).await.unwrap().is_ok()
            }));
        }
        let mut winners = 0;
        for t in tasks {
            winners += usize::from(t.await.unwrap());
        }
        assert_eq!(winners, 1);
        // Another machine (its own lock directory) sees the phone busy, with the holder.
        let lock_dir = std::env::temp_dir().join(format!("polyconform-pg-locks-{}", std::process::id()));
        let other =
            Reservations::new(lock_dir.clone(), Some(db.clone()), "other-machine:1:r".into(), Duration::from_secs(60));
        match other.claim("trio-a").await.unwrap() {
            Claim::Busy(who) => assert!(who.contains("machine-"), "{who}"),
            Claim::Taken(_) => panic!("taken twice"),
        }
        db.execute("UPDATE reservations SET expires_ms = 0", vec![]).await.unwrap();
        let Claim::Taken(held) = other.claim("trio-a").await.unwrap() else { panic!("an expired reservation is free") };
        held.release().await;
        assert!(
            db.query("SELECT holder FROM reservations", vec![]).await.unwrap().is_empty(),
            "released rows are gone"
        );
        let _ = std::fs::remove_dir_all(&lock_dir);
    });

    // The CLI against PostgreSQL: two runs, a fault switched on between them.
    let dir = std::env::temp_dir().join(format!("polyconform-lab-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let catalogue = Catalogue::embedded().unwrap();
    let mut emulators = Vec::new();
    let mut inventory = String::from("[defaults]\npassword_env = \"PG_LAB_PW\"\ncontrol = true\n");
    for (i, profile) in ["trio-5.9.1", "vvx-5.9.0", "trio-5.9.1"].iter().enumerate() {
        let mut config = EmulatorConfig::new(catalogue.profile(profile).unwrap().clone());
        config.password = PASSWORD.into();
        config.control = true;
        let emu = runtime.block_on(Emulator::start(config)).unwrap();
        inventory.push_str(&format!(
            "\n[[device]]\nname = \"pg-{i}\"\ntarget = \"{}\"\nprofile = \"{profile}\"\n",
            emu.url()
        ));
        emulators.push(emu);
    }
    std::fs::write(dir.join("lab.toml"), &inventory).unwrap();
    let lab = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_polyconform"))
            .arg("lab")
            .args(args)
            .current_dir(&dir)
            .env("PG_LAB_PW", PASSWORD)
            .env("POLYCONFORM_LAB_DB", &db_url)
            .output()
            .unwrap()
    };
    let run = |id: &str| {
        lab(&["run", "--inventory", "lab.toml", "--run-id", id, "--report-dir", id, "--filter", "content-type.missing"])
    };
    let first = run("pg-night-1");
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&first.stdout),
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        String::from_utf8_lossy(&first.stdout).contains("history postgres://"),
        "the database in use is named (redacted)"
    );
    emulators[1].set_faults(vec!["content-type-ignored".into()]).unwrap();
    let second = run("pg-night-2");
    assert_eq!(second.status.code(), Some(1), "{}", String::from_utf8_lossy(&second.stdout));
    assert!(!dir.join("lab.history.sqlite").exists(), "with a database URL no SQLite file is made");

    let history = lab(&["history", "--format", "json"]);
    assert_eq!(history.status.code(), Some(0), "{}", String::from_utf8_lossy(&history.stderr));
    let views: Value = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(views.as_array().unwrap().len(), 3);
    for v in views.as_array().unwrap() {
        let changes = v["since_previous_run"].as_array().unwrap();
        if v["device"] == "pg-1" {
            assert!(!changes.is_empty() && changes.iter().all(|c| c["kind"] == "new-fail"), "{v}");
        } else {
            assert!(changes.is_empty(), "{v}");
        }
        assert_eq!(v["durations"].as_array().unwrap().len(), 2);
    }

    runtime.block_on(async move {
        for e in emulators {
            e.stop().await;
        }
    });
    runtime.block_on(admin(&url, &format!("DROP DATABASE {name} WITH (FORCE)")));
    std::fs::remove_dir_all(&dir).unwrap();
}
