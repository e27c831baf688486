//! The data access layer: the only place that speaks SQL. One `Store` hides whether the directory
//! lives in SQLite (the embedded default, WAL mode) or PostgreSQL; every query text is written once
//! in portable SQL (`$N` placeholders, integer milliseconds, 0/1 booleans, UUID text IDs) and run
//! on whichever pool is open. Every query on school data is scoped by `school_id`.

mod admin;
mod chat_messages;
mod chat_room_changes;
mod chat_rooms;
mod document_content;
mod documents;
mod groups;
mod import;
mod polls;
mod rows;
mod schools;
mod sessions;
mod users;
mod video;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use admin::NewAuditEntry;
pub use chat_messages::{AppendError, NewMessage};
pub use chat_rooms::{RoomAccess, RoomListing};
pub use document_content::AuthoredUpdate;
pub use documents::{DocumentRecord, DocumentView};
pub use groups::{GroupChanges, NewGroup};
pub use import::{CredentialRow, ImportApplied, ImportApply, NewAccount};
pub use polls::{Ballot, PollFields, PollRecord, VoteRow};
pub use sessions::{AuthenticatedSession, NewSession};
pub use users::{NewUser, UserChanges, UserFilter};

use crate::config::DatabaseConfig;

/// The migrations in `migrations/`, embedded at build time and applied at start-up.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Errors of the data access layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("login name already taken")]
    LoginTaken,
    #[error("import ID already taken")]
    ImportIdTaken,
    #[error("group name already taken")]
    GroupNameTaken,
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("cannot create data directory: {0}")]
    DataDir(#[from] std::io::Error),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code on whichever pool is open. `$pool` is bound to `&SqlitePool` or `&PgPool`;
/// the body is compiled once per back-end, so query texts must be portable.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            crate::store::Pool::Sqlite($pool) => $body,
            crate::store::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Like `on_pool!`, for statements that write on the hot paths (messages, votes, read markers):
/// on SQLite they run on the single writer connection, so concurrent writers queue in the pool
/// instead of meeting SQLITE_BUSY and its sleeping retries; on PostgreSQL on the one pool.
macro_rules! on_writer {
    ($store:expr, |$pool:ident| $body:expr) => {
        match (&$store.pool, &$store.sqlite_writer) {
            (_, Some($pool)) => $body,
            (crate::store::Pool::Sqlite($pool), None) => $body,
            (crate::store::Pool::Postgres($pool), None) => $body,
        }
    };
}
pub(crate) use on_writer;

/// Handle to the directory database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    /// SQLite: one connection for hot-path writes (see `on_writer!`).
    sqlite_writer: Option<SqlitePool>,
}

impl Store {
    /// Opens (and for SQLite creates) the database and applies pending migrations.
    pub async fn open(config: &DatabaseConfig) -> Result<Self, StoreError> {
        let mut writer = None;
        let pool = match config {
            DatabaseConfig::Sqlite { path } => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(options.clone())
                    .await?;
                writer = Some(SqlitePoolOptions::new().max_connections(1).connect_with(options));
                Pool::Sqlite(pool)
            }
            DatabaseConfig::Postgres { url } => {
                let options = sqlx::postgres::PgConnectOptions::from_str(url)?;
                let pool = PgPoolOptions::new()
                    .max_connections(10)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                Pool::Postgres(pool)
            }
        };
        let mut store = Self { pool, sqlite_writer: None };
        on_pool!(store, |pool| MIGRATOR.run(pool).await)?;
        // The writer connects after the migrations, so it sees the final schema.
        if let Some(writer) = writer {
            store.sqlite_writer = Some(writer.await?);
        }
        Ok(store)
    }

    /// True when the database answers a trivial query (used by `/readyz`).
    pub async fn ping(&self) -> bool {
        on_pool!(self, |pool| sqlx::query("SELECT 1").execute(pool).await.map(|_| ())).is_ok()
    }

    /// The back-end's name, for logs.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        if let Some(writer) = &self.sqlite_writer {
            writer.close().await;
        }
        on_pool!(self, |pool| pool.close().await);
    }
}

/// Maps a unique-constraint violation to the matching domain error; anything else stays a
/// database error.
fn map_unique(error: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &error
        && db.is_unique_violation()
    {
        let text = format!("{} {}", db.message(), db.constraint().unwrap_or_default());
        if text.contains("import_id") {
            return StoreError::ImportIdTaken;
        }
        if text.contains("login") {
            return StoreError::LoginTaken;
        }
        if text.contains("name") {
            return StoreError::GroupNameTaken;
        }
    }
    StoreError::Database(error)
}
