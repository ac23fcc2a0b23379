//! Reservations: one run at a time per phone, on this machine and across machines.
//!
//! Two runs on one phone would make each other's results meaningless (the phone answers
//! 403 to the second request in flight, a call placed by one run shows up in the other's
//! call status). So before a phone is touched, its run takes:
//!
//! 1. an exclusive lock on `<inventory stem>.locks/<phone>.lock` (`File::try_lock`,
//!    released by the OS even if the process dies), which covers every process on this
//!    machine, and
//! 2. a row in the history database's `reservations` table, taken with one atomic upsert
//!    that only succeeds if the row is free, expired, or already ours. This covers other
//!    machines sharing a PostgreSQL database. The row has an expiry that a background
//!    task renews, so a crashed run frees the phone after one lease.
//!
//! A phone that is reserved is reported BUSY with who holds it; it is never waited for,
//! so one stuck run cannot stall the whole nightly run.

use super::database::{Database, DbError};
use crate::record::clock::{now_ms, rfc3339};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Who holds a reservation: `host:pid:run-id`, readable by the person who finds a phone busy.
pub fn holder_id(run_id: &str) -> String {
    format!("{}:{}:{run_id}", host_name(), std::process::id())
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into())
}

/// Takes and releases reservations for one lab run.
#[derive(Debug, Clone)]
pub struct Reservations {
    lock_dir: PathBuf,
    db: Option<Database>,
    holder: String,
    lease: Duration,
}

/// The answer to a claim.
#[derive(Debug)]
pub enum Claim {
    Taken(Reservation),
    /// Someone else has it: who, in words.
    Busy(String),
}

/// A held reservation. Call [`Reservation::release`]; if it is only dropped, the lock
/// file is released at once and the database row when its lease runs out.
#[derive(Debug)]
pub struct Reservation {
    device: String,
    _lock: File,
    db: Option<(Database, String)>,
    renewer: Option<tokio::task::JoinHandle<()>>,
}

impl Reservations {
    pub fn new(lock_dir: PathBuf, db: Option<Database>, holder: String, lease: Duration) -> Reservations {
        Reservations { lock_dir, db, holder, lease: lease.max(Duration::from_secs(1)) }
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Try to reserve `device` now. Errors only when the lock directory or database fails.
    pub async fn claim(&self, device: &str) -> Result<Claim, ReservationError> {
        let lock = match lock_file(&self.lock_dir, device, &self.holder)? {
            Ok(file) => file,
            Err(other) => {
                return Ok(Claim::Busy(format!("reserved by another run on this machine ({other})")));
            }
        };
        let Some(db) = &self.db else {
            return Ok(Claim::Taken(Reservation { device: device.to_string(), _lock: lock, db: None, renewer: None }));
        };
        match take(db, device, &self.holder, self.lease).await? {
            Ok(()) => {
                let renewer = tokio::spawn(renew_loop(db.clone(), device.to_string(), self.holder.clone(), self.lease));
                Ok(Claim::Taken(Reservation {
                    device: device.to_string(),
                    _lock: lock,
                    db: Some((db.clone(), self.holder.clone())),
                    renewer: Some(renewer),
                }))
            }
            Err(other) => Ok(Claim::Busy(format!("reserved by another run ({other})"))),
        }
    }
}

impl Reservation {
    pub fn device(&self) -> &str {
        &self.device
    }

    /// Give the phone back: the database row is deleted, then the lock file unlocked.
    pub async fn release(mut self) {
        if let Some(r) = self.renewer.take() {
            r.abort();
        }
        if let Some((db, holder)) = self.db.take() {
            // A failure here only delays the next run until the lease expires.
            let _ = db
                .execute(
                    "DELETE FROM reservations WHERE device = $1 AND holder = $2",
                    vec![self.device.as_str().into(), holder.into()],
                )
                .await;
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(r) = self.renewer.take() {
            r.abort();
        }
    }
}

/// Why reserving could not even be attempted.
#[derive(Debug, thiserror::Error)]
pub enum ReservationError {
    #[error(
        "cannot use the lock directory {dir}: {detail} (hint: the directory next to the inventory must be writable)"
    )]
    LockDir { dir: String, detail: String },
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Lock `<dir>/<device>.lock`. `Ok(Err(holder))` when another process (or another
/// claim in this one) holds it.
fn lock_file(dir: &Path, device: &str, holder: &str) -> Result<Result<File, String>, ReservationError> {
    let err = |e: std::io::Error| ReservationError::LockDir { dir: dir.display().to_string(), detail: e.to_string() };
    std::fs::create_dir_all(dir).map_err(err)?;
    let path = dir.join(format!("{device}.lock"));
    let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(err)?;
    match file.try_lock() {
        Ok(()) => {
            // Tell whoever finds the phone busy who has it; a failed write costs only that.
            let _ = file.set_len(0);
            let _ = file.rewind();
            let _ = write!(file, "{holder} since {}", rfc3339(now_ms()));
            let _ = file.flush();
            Ok(Ok(file))
        }
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            let who = text.trim();
            Ok(Err(if who.is_empty() { "holder unknown".into() } else { who.chars().take(200).collect() }))
        }
        Err(TryLockError::Error(e)) => Err(err(e)),
    }
}

/// Take the database reservation of `device`: one atomic upsert that changes a row only
/// when it is free, expired or ours. `Ok(Err(holder))` when someone else holds it.
pub async fn take(db: &Database, device: &str, holder: &str, lease: Duration) -> Result<Result<(), String>, DbError> {
    let now = now_ms();
    let expires = now.saturating_add(lease.as_millis() as i64);
    let changed = db
        .execute(
            "INSERT INTO reservations (device, holder, acquired_ms, expires_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (device) DO UPDATE SET holder = excluded.holder, acquired_ms = excluded.acquired_ms, expires_ms = excluded.expires_ms \
             WHERE reservations.expires_ms < $3 OR reservations.holder = $2",
            vec![device.into(), holder.into(), now.into(), expires.into()],
        )
        .await?;
    if changed > 0 {
        return Ok(Ok(()));
    }
    let rows = db
        .query("SELECT holder, acquired_ms, expires_ms FROM reservations WHERE device = $1", vec![device.into()])
        .await?;
    Ok(Err(match rows.first() {
        Some(r) => format!(
            "{} since {}, lease until {}",
            r.text(0).unwrap_or_default(),
            rfc3339(r.int(1).unwrap_or(0)),
            rfc3339(r.int(2).unwrap_or(0))
        ),
        // Released between the two statements: report it rather than loop.
        None => "a run that just released it; try again".into(),
    }))
}

async fn renew_loop(db: Database, device: String, holder: String, lease: Duration) {
    let every = (lease / 3).max(Duration::from_millis(200));
    loop {
        tokio::time::sleep(every).await;
        let expires = now_ms().saturating_add(lease.as_millis() as i64);
        let _ = db
            .execute(
                "UPDATE reservations SET expires_ms = $1 WHERE device = $2 AND holder = $3",
                vec![expires.into(), device.as_str().into(), holder.as_str().into()],
            )
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("polyconform-res-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[tokio::test]
    async fn a_lock_file_excludes_a_second_claim_until_released() {
        let dir = temp_dir("lock");
        let a = Reservations::new(dir.join("locks"), None, "host:1:run-a".into(), Duration::from_secs(60));
        let b = Reservations::new(dir.join("locks"), None, "host:2:run-b".into(), Duration::from_secs(60));
        let Claim::Taken(held) = a.claim("trio-a").await.unwrap() else { panic!("first claim must succeed") };
        match b.claim("trio-a").await.unwrap() {
            Claim::Busy(who) => assert!(who.contains("on this machine") && who.contains("host:1:run-a"), "{who}"),
            Claim::Taken(_) => panic!("the phone was taken twice"),
        }
        assert!(matches!(b.claim("trio-b").await.unwrap(), Claim::Taken(_)), "other phones are free");
        held.release().await;
        assert!(matches!(b.claim("trio-a").await.unwrap(), Claim::Taken(_)), "released phones can be taken");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn database_reservations_exclude_other_machines_until_release_or_expiry() {
        let dir = temp_dir("db");
        let db = Database::open(dir.join("h.sqlite").to_str().unwrap()).await.unwrap();
        // Two "machines": separate lock directories, one shared database.
        let here = Reservations::new(dir.join("here"), Some(db.clone()), "here:1:r1".into(), Duration::from_secs(60));
        let there =
            Reservations::new(dir.join("there"), Some(db.clone()), "there:9:r2".into(), Duration::from_secs(60));
        let Claim::Taken(held) = here.claim("vvx-b").await.unwrap() else { panic!("first claim must succeed") };
        match there.claim("vvx-b").await.unwrap() {
            Claim::Busy(who) => assert!(who.contains("here:1:r1") && who.contains("lease until"), "{who}"),
            Claim::Taken(_) => panic!("the phone was taken by two machines"),
        }
        held.release().await;
        let Claim::Taken(theirs) = there.claim("vvx-b").await.unwrap() else { panic!("a released phone must be free") };
        drop(theirs);

        // A holder that died: its row expires and the phone is free again.
        db.execute("UPDATE reservations SET expires_ms = $1", vec![(now_ms() - 1).into()]).await.unwrap();
        assert!(matches!(here.claim("vvx-b").await.unwrap(), Claim::Taken(_)));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn the_atomic_take_lets_exactly_one_of_many_concurrent_claimants_win() {
        let dir = temp_dir("race");
        let db = Database::open(dir.join("h.sqlite").to_str().unwrap()).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..16 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                take(&db, "phone", &format!("holder-{i}"), Duration::from_secs(60)).await.unwrap().is_ok()
            }));
        }
        let mut winners = 0;
        for t in tasks {
            winners += usize::from(t.await.unwrap());
        }
        assert_eq!(winners, 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn holder_ids_name_host_process_and_run() {
        let h = holder_id("nightly-7");
        assert!(h.ends_with(&format!(":{}:nightly-7", std::process::id())), "{h}");
    }
}
