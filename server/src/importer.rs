//! The import as a service, shared by the HTTP API and the `schulhof import` command: parse the
//! file (with the given mapping, the school's saved profile, or detection), plan it against the
//! directory, and — unless it is a dry run — generate initial passwords and apply the plan in one
//! transaction, then let the consent rule settle returning pupils.

use schulhof_proto::{Role, SchoolId, UserId, UserStatus};
use serde::Serialize;

use crate::auth::password::{PasswordError, hash_generated_passwords};
use crate::auth::token::new_initial_password;
use crate::consent;
use crate::import::{
    ColumnMapping, ImportKind, ImportPlan, ParentLink, ParseError, ParsedFile, PlanSummary, parse,
    plan,
};
use crate::store::{ImportApply, NewAccount, Store, StoreError};

/// How long the credentials of an import stay retrievable.
pub const CREDENTIALS_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}", .0.message())]
    Parse(#[from] ParseError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password generation failed: {0}")]
    Password(String),
    #[error("import task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl From<PasswordError> for ImportError {
    fn from(error: PasswordError) -> Self {
        Self::Password(error.to_string())
    }
}

/// What a file looks like to the importer.
#[derive(Debug, Clone, Serialize)]
pub struct FileInfo {
    pub encoding: &'static str,
    pub separator: char,
    pub headers: Vec<String>,
    pub mapping: ColumnMapping,
    pub records: usize,
}

/// The dry run: everything an apply would change, and nothing written.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub file: FileInfo,
    pub summary: PlanSummary,
    pub plan: ImportPlan,
}

/// The outcome of an apply.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    pub run_id: String,
    pub summary: PlanSummary,
    /// How many new accounts have initial passwords waiting on the credentials sheet.
    pub credentials: usize,
    /// Parent links whose child import ID is not a pupil of the school.
    pub unresolved_links: Vec<ParentLink>,
}

/// A file to import into a school.
#[derive(Debug, Clone)]
pub struct ImportFile {
    pub school: SchoolId,
    pub kind: ImportKind,
    pub bytes: Vec<u8>,
    /// Column mapping; `None` uses the school's saved profile, else detection.
    pub mapping: Option<ColumnMapping>,
}

/// Who runs the import (for the audit log).
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub id: Option<UserId>,
    pub login: &'a str,
}

/// Parses and plans off the async workers (a 20 MB file takes a moment).
async fn parse_and_plan(
    store: &Store,
    file: ImportFile,
) -> Result<(ParsedFile, ImportPlan), ImportError> {
    let ImportFile { school, kind, bytes, mapping } = file;
    let mapping = match mapping {
        Some(mapping) => Some(mapping),
        None => store.import_profile(school, kind).await?,
    };
    let parsed =
        tokio::task::spawn_blocking(move || parse(&bytes, kind, mapping.as_ref())).await??;
    let snapshot = store.import_snapshot(school, kind.role()).await?;
    let planned = plan(&parsed, &snapshot);
    Ok((parsed, planned))
}

/// The dry run.
pub async fn preview(store: &Store, file: ImportFile) -> Result<Preview, ImportError> {
    let (parsed, planned) = parse_and_plan(store, file).await?;
    Ok(Preview {
        file: FileInfo {
            encoding: parsed.encoding.as_str(),
            separator: parsed.separator,
            headers: parsed.headers,
            mapping: parsed.mapping,
            records: parsed.records.len(),
        },
        summary: planned.summary(),
        plan: planned,
    })
}

/// Plans and applies the file; `progress(done, total)` follows the database work.
pub async fn apply(
    store: &Store,
    file: ImportFile,
    actor: Actor<'_>,
    now_ms: i64,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<Applied, ImportError> {
    let (school, kind) = (file.school, file.kind);
    let (_, planned) = parse_and_plan(store, file).await?;
    let passwords = planned
        .creates
        .iter()
        .map(|_| new_initial_password().map_err(|e| ImportError::Password(e.to_string())))
        .collect::<Result<Vec<String>, _>>()?;
    let hashes = hash_generated_passwords(passwords.clone()).await?;
    // New pupils have no consent on file yet, so they start restricted.
    let status =
        if kind.role() == Role::Pupil { UserStatus::Restricted } else { UserStatus::Active };
    let new_accounts = passwords
        .into_iter()
        .zip(hashes)
        .map(|(password, password_hash)| NewAccount {
            id: UserId::new(),
            status,
            password,
            password_hash,
        })
        .collect();
    let run_id = uuid::Uuid::now_v7().to_string();
    let input = ImportApply {
        school,
        role: kind.role(),
        plan: &planned,
        new_accounts,
        run_id: run_id.clone(),
        actor_id: actor.id,
        actor_login: actor.login,
        now_ms,
        credentials_expire_at: now_ms + CREDENTIALS_TTL_MS,
    };
    let applied = store.apply_import(&input, progress).await?;
    if kind == ImportKind::Pupils && !planned.reactivations.is_empty() {
        let returning: Vec<UserId> = planned.reactivations.iter().map(|r| r.user_id).collect();
        consent::reevaluate(store, school, Some(&returning), (actor.id, actor.login), now_ms)
            .await?;
    }
    Ok(Applied {
        run_id,
        summary: planned.summary(),
        credentials: planned.creates.len(),
        unresolved_links: applied.unresolved_links,
    })
}
