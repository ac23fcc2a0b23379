//! The history database: SQLite (a file next to the inventory, zero setup) or
//! PostgreSQL (shared by CI shards and lab machines), behind one small interface.
//!
//! Both speak the same SQL: the schema uses only `TEXT` and `BIGINT` columns, text keys
//! made by the tool (no auto-increment, whose syntax differs), and `ON CONFLICT`, which
//! both understand. Statements are written with PostgreSQL's `$1` placeholders and
//! turned into SQLite's `?1` here. The schema evolves through numbered migrations
//! recorded in `schema_migrations`, applied under a lock (SQLite `BEGIN IMMEDIATE`,
//! PostgreSQL an advisory lock) so two shards starting at once do not both apply them.
//!
//! SQLite calls block, so they run on one thread that owns the connection; the
//! PostgreSQL client is async. A database URL may carry a password: [`Database::location`] is the redacted
//! form, the only one ever shown.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A parameter of a statement; nulls carry their column type (PostgreSQL checks it).
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Int(Option<i64>),
    Text(Option<String>),
}

impl From<i64> for Param {
    fn from(v: i64) -> Param {
        Param::Int(Some(v))
    }
}

impl From<u64> for Param {
    fn from(v: u64) -> Param {
        Param::Int(Some(i64::try_from(v).unwrap_or(i64::MAX)))
    }
}

impl From<usize> for Param {
    fn from(v: usize) -> Param {
        Param::Int(Some(i64::try_from(v).unwrap_or(i64::MAX)))
    }
}

impl From<&str> for Param {
    fn from(v: &str) -> Param {
        Param::Text(Some(v.to_string()))
    }
}

impl From<String> for Param {
    fn from(v: String) -> Param {
        Param::Text(Some(v))
    }
}

impl From<&String> for Param {
    fn from(v: &String) -> Param {
        Param::Text(Some(v.clone()))
    }
}

impl From<Option<String>> for Param {
    fn from(v: Option<String>) -> Param {
        Param::Text(v)
    }
}

impl From<Option<u64>> for Param {
    fn from(v: Option<u64>) -> Param {
        Param::Int(v.map(|x| i64::try_from(x).unwrap_or(i64::MAX)))
    }
}

/// One value read back.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
}

/// One row read back, with typed accessors that never panic.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Cell>);

impl Row {
    pub fn text(&self, i: usize) -> Option<String> {
        match self.0.get(i) {
            Some(Cell::Text(s)) => Some(s.clone()),
            Some(Cell::Int(n)) => Some(n.to_string()),
            _ => None,
        }
    }

    pub fn int(&self, i: usize) -> Option<i64> {
        match self.0.get(i) {
            Some(Cell::Int(n)) => Some(*n),
            Some(Cell::Text(s)) => s.parse().ok(),
            _ => None,
        }
    }
}

/// A statement with its parameters, for [`Database::transaction`].
#[derive(Debug, Clone)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<Param>,
}

impl Statement {
    pub fn new(sql: impl Into<String>, params: Vec<Param>) -> Statement {
        Statement { sql: sql.into(), params }
    }
}

/// Why the history database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open the history database {location}: {detail} (hint: {hint})")]
    Open { location: String, detail: String, hint: String },
    #[error("history database {location}: {detail}")]
    Query { location: String, detail: String },
    #[error(
        "history database {location} has schema version {found}, newer than this polyconform knows ({known}) (hint: upgrade polyconform, or use another --db)"
    )]
    Newer { location: String, found: i64, known: i64 },
}

/// One schema change. Versions only grow; a released migration is never edited.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration, in order. Add new ones at the end with the next version.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "runs, case results and reservations",
    sql: "
CREATE TABLE lab_runs (
    id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    started_ms BIGINT NOT NULL,
    tool_version TEXT NOT NULL,
    inventory TEXT
);
CREATE TABLE device_runs (
    id TEXT PRIMARY KEY,
    lab_run TEXT NOT NULL REFERENCES lab_runs (id),
    device TEXT NOT NULL,
    target TEXT NOT NULL,
    profile TEXT NOT NULL,
    model TEXT,
    firmware TEXT,
    mac TEXT,
    state TEXT NOT NULL,
    reason TEXT,
    case_shard TEXT,
    started_at TEXT NOT NULL,
    started_ms BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    cases BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    findings BIGINT NOT NULL,
    fuzz_findings BIGINT
);
CREATE INDEX device_runs_by_device ON device_runs (device, started_ms);
CREATE TABLE case_results (
    device_run TEXT NOT NULL REFERENCES device_runs (id) ON DELETE CASCADE,
    case_id TEXT NOT NULL,
    family TEXT NOT NULL,
    verdict TEXT NOT NULL,
    duration_ms BIGINT NOT NULL,
    findings BIGINT NOT NULL,
    PRIMARY KEY (device_run, case_id)
);
CREATE TABLE reservations (
    device TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    acquired_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
",
}];

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
}

/// An open history database.
#[derive(Clone)]
pub struct Database {
    backend: Backend,
    location: String,
}

#[derive(Clone)]
enum Backend {
    Sqlite(SqliteThread),
    Postgres(Arc<tokio::sync::Mutex<tokio_postgres::Client>>),
}

/// The thread that owns the SQLite connection; statements are sent to it as jobs.
///
/// One long-lived thread rather than tokio's blocking pool: a lab run with hundreds of
/// phones would otherwise start a thread per concurrent statement, each with its own
/// allocator arena, and the process would keep that memory.
#[derive(Clone)]
struct SqliteThread(std::sync::mpsc::Sender<SqliteJob>);

type SqliteJob = Box<dyn FnOnce(&mut rusqlite::Connection) + Send>;

impl SqliteThread {
    fn start(mut conn: rusqlite::Connection) -> std::io::Result<SqliteThread> {
        let (tx, rx) = std::sync::mpsc::channel::<SqliteJob>();
        // The thread ends when the last `Database` clone is dropped (the channel closes).
        std::thread::Builder::new().name("polyconform-sqlite".into()).spawn(move || {
            while let Ok(job) = rx.recv() {
                job(&mut conn);
            }
        })?;
        Ok(SqliteThread(tx))
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> T + Send + 'static,
    ) -> Result<T, String> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.0
            .send(Box::new(move |c: &mut rusqlite::Connection| {
                let _ = tx.send(f(c));
            }))
            .map_err(|_| "the SQLite thread has stopped".to_string())?;
        rx.await.map_err(|_| "the SQLite thread stopped during the statement".to_string())
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("location", &self.location).finish()
    }
}

/// Whether `spec` names a PostgreSQL database rather than a SQLite file.
pub fn is_postgres(spec: &str) -> bool {
    spec.starts_with("postgres://") || spec.starts_with("postgresql://")
}

/// `spec` with any password replaced by `***`, fit for messages.
pub fn redact_url(spec: &str) -> String {
    if !is_postgres(spec) {
        return spec.to_string();
    }
    match reqwest::Url::parse(spec) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            // Passwords can also ride in the query (`?password=`).
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    if k.eq_ignore_ascii_case("password") {
                        (k.into_owned(), "***".into())
                    } else {
                        (k.into_owned(), v.into_owned())
                    }
                })
                .collect();
            if !pairs.is_empty() {
                url.query_pairs_mut().clear().extend_pairs(pairs);
            }
            url.to_string()
        }
        Err(_) => "postgres://(unparsable URL)".into(),
    }
}

impl Database {
    /// Open `spec`: a `postgres://` URL, or the path of a SQLite file (created if missing),
    /// optionally written `sqlite://PATH`. Migrations are applied.
    pub async fn open(spec: &str) -> Result<Database, DbError> {
        let db = if is_postgres(spec) {
            Database::connect_postgres(spec).await?
        } else {
            Database::open_sqlite(Path::new(spec.strip_prefix("sqlite://").unwrap_or(spec))).await?
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Where the database is, with secrets redacted.
    pub fn location(&self) -> &str {
        &self.location
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    async fn open_sqlite(path: &Path) -> Result<Database, DbError> {
        let location = path.display().to_string();
        let p: PathBuf = path.to_path_buf();
        let loc = location.clone();
        let conn = tokio::task::spawn_blocking(move || -> Result<rusqlite::Connection, DbError> {
            let open_err = |detail: String| DbError::Open {
                location: loc.clone(),
                detail,
                hint: "the directory must exist and be writable; or give --db".into(),
            };
            let conn = rusqlite::Connection::open(&p).map_err(|e| open_err(e.to_string()))?;
            // Several lab processes on one machine share the file: wait for each other's
            // writes instead of failing with SQLITE_BUSY.
            conn.busy_timeout(Duration::from_secs(30)).map_err(|e| open_err(e.to_string()))?;
            conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| open_err(e.to_string()))?;
            conn.pragma_update(None, "foreign_keys", "ON").map_err(|e| open_err(e.to_string()))?;
            Ok(conn)
        })
        .await
        .map_err(|e| DbError::Open {
            location: location.clone(),
            detail: e.to_string(),
            hint: "retry".into(),
        })??;
        let thread = SqliteThread::start(conn).map_err(|e| DbError::Open {
            location: location.clone(),
            detail: format!("cannot start its thread: {e}"),
            hint: "retry".into(),
        })?;
        Ok(Database { backend: Backend::Sqlite(thread), location })
    }

    async fn connect_postgres(url: &str) -> Result<Database, DbError> {
        let location = redact_url(url);
        let connect = tokio_postgres::connect(url, tokio_postgres::NoTls);
        let (client, connection) = match tokio::time::timeout(Duration::from_secs(30), connect).await {
            Ok(Ok(pair)) => pair,
            Ok(Err(e)) => {
                return Err(DbError::Open {
                    location,
                    detail: pg_detail(&e),
                    hint: "check host, port, user, password and database name in the URL (POLYCONFORM_LAB_DB keeps the password off the command line)".into(),
                });
            }
            Err(_) => {
                return Err(DbError::Open {
                    location,
                    detail: "no answer within 30 s".into(),
                    hint: "is the server running and reachable?".into(),
                });
            }
        };
        // The connection object performs the I/O; it ends when the client is dropped.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Database { backend: Backend::Postgres(Arc::new(tokio::sync::Mutex::new(client))), location })
    }

    fn query_err(&self, detail: String) -> DbError {
        DbError::Query { location: self.location.clone(), detail }
    }

    /// Run one statement; the number of rows it changed.
    pub async fn execute(&self, sql: &str, params: Vec<Param>) -> Result<u64, DbError> {
        let mut counts = self.transaction(vec![Statement::new(sql, params)]).await?;
        Ok(counts.pop().unwrap_or(0))
    }

    /// Run statements in one transaction: all or nothing. Returns each one's changed-row count.
    pub async fn transaction(&self, statements: Vec<Statement>) -> Result<Vec<u64>, DbError> {
        match &self.backend {
            Backend::Sqlite(thread) => {
                let result = thread
                    .run(move |c| -> Result<Vec<u64>, String> {
                        let tx = c
                            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                            .map_err(|e| e.to_string())?;
                        let mut counts = Vec::with_capacity(statements.len());
                        for s in &statements {
                            let n = tx
                                .execute(
                                    &sqlite_sql(&s.sql),
                                    rusqlite::params_from_iter(s.params.iter().map(sqlite_param)),
                                )
                                .map_err(|e| format!("{e} in `{}`", first_words(&s.sql)))?;
                            counts.push(n as u64);
                        }
                        tx.commit().map_err(|e| e.to_string())?;
                        Ok(counts)
                    })
                    .await
                    .and_then(|r| r);
                result.map_err(|d| self.query_err(d))
            }
            Backend::Postgres(client) => {
                let mut client = client.lock().await;
                let tx = client.transaction().await.map_err(|e| self.query_err(pg_detail(&e)))?;
                let mut counts = Vec::with_capacity(statements.len());
                for s in &statements {
                    let boxed = pg_params(&s.params);
                    let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
                        boxed.iter().map(|b| b.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
                    let n = tx
                        .execute(s.sql.as_str(), &refs)
                        .await
                        .map_err(|e| self.query_err(format!("{} in `{}`", pg_detail(&e), first_words(&s.sql))))?;
                    counts.push(n);
                }
                tx.commit().await.map_err(|e| self.query_err(pg_detail(&e)))?;
                Ok(counts)
            }
        }
    }

    /// Read rows.
    pub async fn query(&self, sql: &str, params: Vec<Param>) -> Result<Vec<Row>, DbError> {
        match &self.backend {
            Backend::Sqlite(thread) => {
                let sql = sql.to_string();
                let result = thread
                    .run(move |c| -> Result<Vec<Row>, String> {
                        let mut stmt =
                            c.prepare(&sqlite_sql(&sql)).map_err(|e| format!("{e} in `{}`", first_words(&sql)))?;
                        let width = stmt.column_count();
                        let mut rows = stmt
                            .query(rusqlite::params_from_iter(params.iter().map(sqlite_param)))
                            .map_err(|e| e.to_string())?;
                        let mut out = Vec::new();
                        while let Some(r) = rows.next().map_err(|e| e.to_string())? {
                            let mut cells = Vec::with_capacity(width);
                            for i in 0..width {
                                cells.push(match r.get_ref(i).map_err(|e| e.to_string())? {
                                    rusqlite::types::ValueRef::Null => Cell::Null,
                                    rusqlite::types::ValueRef::Integer(n) => Cell::Int(n),
                                    rusqlite::types::ValueRef::Real(f) => Cell::Int(f as i64),
                                    rusqlite::types::ValueRef::Text(t) => {
                                        Cell::Text(String::from_utf8_lossy(t).into_owned())
                                    }
                                    rusqlite::types::ValueRef::Blob(b) => {
                                        Cell::Text(String::from_utf8_lossy(b).into_owned())
                                    }
                                });
                            }
                            out.push(Row(cells));
                        }
                        Ok(out)
                    })
                    .await
                    .and_then(|r| r);
                result.map_err(|d| self.query_err(d))
            }
            Backend::Postgres(client) => {
                let client = client.lock().await;
                let boxed = pg_params(&params);
                let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
                    boxed.iter().map(|b| b.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
                let rows = client
                    .query(sql, &refs)
                    .await
                    .map_err(|e| self.query_err(format!("{} in `{}`", pg_detail(&e), first_words(sql))))?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let mut cells = Vec::with_capacity(r.len());
                    for (i, col) in r.columns().iter().enumerate() {
                        use tokio_postgres::types::Type;
                        let t = col.type_();
                        let cell = if *t == Type::INT8 {
                            r.try_get::<_, Option<i64>>(i).map(|v| v.map(Cell::Int))
                        } else if *t == Type::INT4 {
                            r.try_get::<_, Option<i32>>(i).map(|v| v.map(|n| Cell::Int(n.into())))
                        } else if *t == Type::INT2 {
                            r.try_get::<_, Option<i16>>(i).map(|v| v.map(|n| Cell::Int(n.into())))
                        } else if *t == Type::BOOL {
                            r.try_get::<_, Option<bool>>(i).map(|v| v.map(|b| Cell::Int(b.into())))
                        } else {
                            r.try_get::<_, Option<String>>(i).map(|v| v.map(Cell::Text))
                        };
                        cells.push(
                            cell.map_err(|e| self.query_err(format!("column `{}`: {}", col.name(), pg_detail(&e))))?
                                .unwrap_or(Cell::Null),
                        );
                    }
                    out.push(Row(cells));
                }
                Ok(out)
            }
        }
    }

    /// The schema version recorded in the database (0 for a new database).
    pub async fn schema_version(&self) -> Result<i64, DbError> {
        self.ensure_migrations_table().await?;
        let rows = self.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", vec![]).await?;
        Ok(rows.first().and_then(|r| r.int(0)).unwrap_or(0))
    }

    async fn ensure_migrations_table(&self) -> Result<(), DbError> {
        let sql = "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
        match &self.backend {
            // Two shards creating the table at once: PostgreSQL may report a duplicate
            // even with IF NOT EXISTS; the advisory lock serialises the creators.
            Backend::Postgres(client) => {
                let mut client = client.lock().await;
                let tx = client.transaction().await.map_err(|e| self.query_err(pg_detail(&e)))?;
                tx.batch_execute(&format!("SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK}); {sql}"))
                    .await
                    .map_err(|e| self.query_err(pg_detail(&e)))?;
                tx.commit().await.map_err(|e| self.query_err(pg_detail(&e)))
            }
            Backend::Sqlite(_) => self.execute(sql, vec![]).await.map(|_| ()),
        }
    }

    /// Apply every migration not yet applied; returns the schema version reached.
    pub async fn migrate(&self) -> Result<i64, DbError> {
        let known = latest_version();
        self.ensure_migrations_table().await?;
        let now = crate::record::clock::now_rfc3339();
        match &self.backend {
            Backend::Sqlite(thread) => {
                let result = thread
                    .run(move |c| -> Result<i64, Result<String, i64>> {
                        let tx = c
                            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                            .map_err(|e| Ok(e.to_string()))?;
                        let current: i64 = tx
                            .query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))
                            .map_err(|e| Ok(e.to_string()))?;
                        if current > known {
                            return Err(Err(current));
                        }
                        for m in MIGRATIONS.iter().filter(|m| m.version > current) {
                            tx.execute_batch(m.sql)
                                .map_err(|e| Ok(format!("migration {} ({}): {e}", m.version, m.name)))?;
                            tx.execute(
                                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                                rusqlite::params![m.version, m.name, now],
                            )
                            .map_err(|e| Ok(e.to_string()))?;
                        }
                        tx.commit().map_err(|e| Ok(e.to_string()))?;
                        Ok(known.max(current))
                    })
                    .await
                    .map_err(Ok)
                    .and_then(|r| r);
                result.map_err(|e| match e {
                    Ok(detail) => self.query_err(detail),
                    Err(found) => DbError::Newer { location: self.location.clone(), found, known },
                })
            }
            Backend::Postgres(client) => {
                let mut client = client.lock().await;
                let tx = client.transaction().await.map_err(|e| self.query_err(pg_detail(&e)))?;
                tx.batch_execute(&format!("SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})"))
                    .await
                    .map_err(|e| self.query_err(pg_detail(&e)))?;
                let row = tx
                    .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])
                    .await
                    .map_err(|e| self.query_err(pg_detail(&e)))?;
                let current: i64 = row.try_get(0).map_err(|e| self.query_err(pg_detail(&e)))?;
                if current > known {
                    return Err(DbError::Newer { location: self.location.clone(), found: current, known });
                }
                for m in MIGRATIONS.iter().filter(|m| m.version > current) {
                    tx.batch_execute(m.sql).await.map_err(|e| {
                        self.query_err(format!("migration {} ({}): {}", m.version, m.name, pg_detail(&e)))
                    })?;
                    tx.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                        &[&m.version, &m.name, &now],
                    )
                    .await
                    .map_err(|e| self.query_err(pg_detail(&e)))?;
                }
                tx.commit().await.map_err(|e| self.query_err(pg_detail(&e)))?;
                Ok(known.max(current))
            }
        }
    }
}

/// Key of the PostgreSQL advisory lock held while migrating ("pcnf" in ASCII).
const PG_MIGRATION_LOCK: i64 = 0x70636e66;

/// `$1` placeholders become `?1` (SQLite reads `$1` as a *named* parameter).
fn sqlite_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

fn sqlite_param(p: &Param) -> rusqlite::types::Value {
    match p {
        Param::Int(Some(n)) => rusqlite::types::Value::Integer(*n),
        Param::Text(Some(s)) => rusqlite::types::Value::Text(s.clone()),
        Param::Int(None) | Param::Text(None) => rusqlite::types::Value::Null,
    }
}

fn pg_params(params: &[Param]) -> Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>> {
    params
        .iter()
        .map(|p| -> Box<dyn tokio_postgres::types::ToSql + Sync + Send> {
            match p {
                Param::Int(v) => Box::new(*v),
                Param::Text(v) => Box::new(v.clone()),
            }
        })
        .collect()
}

/// The server's message (tokio-postgres' Display says only "db error").
fn pg_detail(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => {
            let mut s = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(x) = src {
                s = format!("{s}: {x}");
                src = x.source();
            }
            s
        }
    }
}

fn first_words(sql: &str) -> String {
    sql.split_whitespace().take(6).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("polyconform-db-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("history.sqlite")
    }

    #[test]
    fn placeholders_are_rewritten_for_sqlite_only_where_numbered() {
        assert_eq!(
            sqlite_sql("SELECT a FROM t WHERE b = $1 AND c = $12 AND d = '$x'"),
            "SELECT a FROM t WHERE b = ?1 AND c = ?12 AND d = '$x'"
        );
    }

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://lab:pw@db.example:5432/history"),
            "postgres://lab:***@db.example:5432/history"
        );
        assert_eq!(
            redact_url("postgresql://lab@db/h?password=pw&sslmode=disable"),
            "postgresql://lab@db/h?password=***&sslmode=disable"
        );
        assert_eq!(redact_url("lab.history.sqlite"), "lab.history.sqlite");
    }

    #[tokio::test]
    async fn sqlite_migrates_once_and_records_the_version() {
        let path = temp_db("migrate");
        let db = Database::open(path.to_str().unwrap()).await.unwrap();
        assert_eq!(db.schema_version().await.unwrap(), latest_version());
        // Opening again applies nothing twice (it would fail on CREATE TABLE).
        let again = Database::open(&format!("sqlite://{}", path.display())).await.unwrap();
        assert_eq!(again.schema_version().await.unwrap(), latest_version());
        let rows = again.query("SELECT version, name FROM schema_migrations ORDER BY version", vec![]).await.unwrap();
        assert_eq!(rows.len(), MIGRATIONS.len());
        assert_eq!(rows[0].text(1).as_deref(), Some(MIGRATIONS[0].name));
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[tokio::test]
    async fn a_newer_schema_is_refused_with_a_hint() {
        let path = temp_db("newer");
        let db = Database::open(path.to_str().unwrap()).await.unwrap();
        db.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            vec![999i64.into(), "future".into(), "now".into()],
        )
        .await
        .unwrap();
        let e = Database::open(path.to_str().unwrap()).await.unwrap_err().to_string();
        assert!(e.contains("schema version 999") && e.contains("hint: upgrade polyconform"), "{e}");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[tokio::test]
    async fn transactions_are_all_or_nothing_and_nulls_round_trip() {
        let path = temp_db("tx");
        let db = Database::open(path.to_str().unwrap()).await.unwrap();
        let insert = "INSERT INTO reservations (device, holder, acquired_ms, expires_ms) VALUES ($1, $2, $3, $4)";
        let ok = Statement::new(insert, vec!["a".into(), "h".into(), 1i64.into(), 2i64.into()]);
        let dup = Statement::new(insert, vec!["a".into(), "h".into(), 1i64.into(), 2i64.into()]);
        assert!(db.transaction(vec![ok.clone(), dup]).await.is_err());
        assert!(
            db.query("SELECT device FROM reservations", vec![]).await.unwrap().is_empty(),
            "the first insert was rolled back"
        );
        assert_eq!(db.transaction(vec![ok]).await.unwrap(), vec![1]);
        db.execute(
            "INSERT INTO lab_runs (id, started_at, started_ms, tool_version, inventory) VALUES ($1, $2, $3, $4, $5)",
            vec!["r1".into(), "t".into(), 5i64.into(), "0.1".into(), Param::Text(None)],
        )
        .await
        .unwrap();
        let rows =
            db.query("SELECT inventory, started_ms FROM lab_runs WHERE id = $1", vec!["r1".into()]).await.unwrap();
        assert_eq!(rows[0].0[0], Cell::Null);
        assert_eq!(rows[0].int(1), Some(5));
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[tokio::test]
    async fn an_unwritable_location_is_an_open_error_with_a_hint() {
        let e = Database::open("/nonexistent-dir-polyconform/x.sqlite").await.unwrap_err().to_string();
        assert!(e.contains("cannot open the history database") && e.contains("hint:"), "{e}");
    }
}
