//! Nightly lab runs: many phones at once, with health probes, reservations, a history
//! database, CI shards and combined reports.
//!
//! ```text
//! inventory.toml ─ inventory ─► InventoryDevice (credentials resolved, never inline)
//!   └─ partition ───► this shard's phones (or, for one phone, its cases)
//!   └─ reservation ─► lock file + database row per phone (BUSY if taken)
//!   └─ health ──────► preflight + call status (INCONCLUSIVE / BUSY, not failures)
//!   └─ fleet ───────► one run::Engine per phone, all concurrent, capped
//!                     (spill: wire logs on disk until the phone's reports are written)
//!   └─ history ─────► rows in SQLite / PostgreSQL (database), regression view
//!   └─ report ──────► per phone report.json + junit.xml; combined JSON, JUnit,
//!                     HTML (matrix); `lab merge` joins shard reports
//! ```
//!
//! The command line of `polyconform lab run | history | merge` is `cli::lab`. `record`
//! holds the data of the combined report and `redaction` its masking: `report`, `junit`
//! and `matrix` import them, and `report` calls `junit` and `matrix`, never the other way
//! round.

pub mod database;
pub mod fleet;
pub mod health;
pub mod history;
pub mod inventory;
pub mod junit;
pub mod matrix;
pub mod partition;
pub mod record;
pub mod redaction;
pub mod report;
pub mod reservation;
pub mod spill;
pub mod writer;
