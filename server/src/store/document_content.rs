//! The content of live documents: the update log (appended in order, one transaction per batch,
//! positions from a per-document counter so that commits are ordered per document on every node),
//! the snapshot the log is compacted into (only ever replaced by a newer one), versions, per-user
//! attribution and the reusable document tokens of WebSocket clients.

use schulhof_proto::{
    DocumentAuthor, DocumentId, DocumentVersion, DocumentVersionId, PersonRef, SessionId, UserId,
};

use super::rows::parse_id;
use super::{AuthenticatedSession, Store, StoreError, on_pool, on_writer};

#[derive(sqlx::FromRow)]
struct VersionRow {
    id: String,
    name: Option<String>,
    created_at: i64,
    created_by: Option<String>,
    creator_name: Option<String>,
    size_bytes: i64,
}

/// An update and who made it (`None`: the server itself).
pub type AuthoredUpdate = (Option<UserId>, Vec<u8>);

/// Rows per multi-row INSERT (5 parameters each, well under every back-end's limit).
const ROWS_PER_INSERT: usize = 100;

/// `($1, $2, …), ($k+1, …)` for `rows` rows of `columns` parameters.
fn placeholders(rows: usize, columns: usize) -> String {
    let mut sql = String::new();
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", row * columns + column + 1));
        }
        sql.push(')');
    }
    sql
}

/// How many updates each author made in a batch.
fn edits_per_author(batch: &[AuthoredUpdate]) -> Vec<(UserId, i64)> {
    let mut per_author: Vec<(UserId, i64)> = Vec::new();
    for author in batch.iter().filter_map(|(author, _)| *author) {
        match per_author.iter_mut().find(|(a, _)| *a == author) {
            Some((_, n)) => *n += 1,
            None => per_author.push((author, 1)),
        }
    }
    per_author
}

impl Store {
    /// What lies after log position `after`, in order, each with its position: the snapshot
    /// first if the log was compacted past `after` (it counts as its `upto` position), then the
    /// updates after it. `after = -1` loads the whole document. One statement, so it reads one
    /// consistent state even while another node compacts (PostgreSQL READ COMMITTED).
    pub async fn document_updates_after(
        &self,
        id: DocumentId,
        after: i64,
    ) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
        on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT seq, data FROM ( \
                   SELECT upto_seq AS seq, state AS data, 0 AS part FROM document_snapshots \
                   WHERE document_id = $1 AND upto_seq > $2 \
                   UNION ALL \
                   SELECT u.seq, u.data, 1 AS part FROM document_updates u \
                   WHERE u.document_id = $1 AND u.seq > $2 AND u.seq > COALESCE( \
                     (SELECT s.upto_seq FROM document_snapshots s WHERE s.document_id = $1), $2) \
                 ) entries ORDER BY part, seq",
            )
            .bind(id.to_string())
            .bind(after)
            .fetch_all(pool)
            .await
        })
        .map_err(StoreError::from)
    }

    /// Appends the updates of several documents in one transaction (group commit): per document
    /// its counter `log_seq` moves by the batch size (the row lock orders commits per document on
    /// every node), the updates go in with their positions, and attribution counts one edit per
    /// update for its author. Documents are locked in ID order (no deadlock between nodes).
    /// Returns `(first, last)` per group, `None` for a document that no longer exists.
    pub async fn append_document_groups(
        &self,
        groups: &[(DocumentId, &[AuthoredUpdate])],
        now_ms: i64,
    ) -> Result<Vec<Option<(i64, i64)>>, StoreError> {
        let mut order: Vec<usize> = (0..groups.len()).collect();
        order.sort_by_key(|i| groups[*i].0);
        let mut results = vec![None; groups.len()];
        on_writer!(self, |pool| {
            let mut tx = pool.begin().await?;
            for index in order {
                let (id, batch) = groups[index];
                let count = i64::try_from(batch.len()).unwrap_or(i64::MAX);
                let last: Option<i64> = sqlx::query_scalar(
                    "UPDATE documents SET log_seq = log_seq + $2, updated_at = $3 WHERE id = $1 \
                     RETURNING log_seq",
                )
                .bind(id.to_string())
                .bind(count)
                .bind(now_ms)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(last) = last else { continue };
                let first = last - count + 1;
                for (chunk_start, chunk) in
                    (0_i64..).step_by(ROWS_PER_INSERT).zip(batch.chunks(ROWS_PER_INSERT))
                {
                    let sql = format!(
                        "INSERT INTO document_updates (document_id, seq, data, user_id, created_at) \
                         VALUES {}",
                        placeholders(chunk.len(), 5)
                    );
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for (offset, (author, data)) in (chunk_start..).zip(chunk) {
                        query = query
                            .bind(id.to_string())
                            .bind(first + offset)
                            .bind(data.as_slice())
                            .bind(author.map(|a| a.to_string()))
                            .bind(now_ms);
                    }
                    query.execute(&mut *tx).await?;
                }
                for (author, n) in edits_per_author(batch) {
                    sqlx::query(
                        "INSERT INTO document_authors (document_id, user_id, updates, last_edit_at) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (document_id, user_id) DO UPDATE \
                         SET updates = document_authors.updates + excluded.updates, \
                         last_edit_at = excluded.last_edit_at",
                    )
                    .bind(id.to_string())
                    .bind(author.to_string())
                    .bind(n)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                }
                results[index] = Some((first, last));
            }
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })?;
        Ok(results)
    }

    /// Stores `state` as the snapshot up to `upto` (unless a newer one is stored) and drops the
    /// log up to there, in one transaction.
    pub async fn compact_document(
        &self,
        id: DocumentId,
        upto: i64,
        state: &[u8],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_writer!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO document_snapshots (document_id, upto_seq, state, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (document_id) DO UPDATE \
                 SET upto_seq = excluded.upto_seq, state = excluded.state, \
                 created_at = excluded.created_at \
                 WHERE document_snapshots.upto_seq < excluded.upto_seq",
            )
            .bind(id.to_string())
            .bind(upto)
            .bind(state)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM document_updates WHERE document_id = $1 AND seq <= $2")
                .bind(id.to_string())
                .bind(upto)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Stores a version (automatic when `name` is `None`).
    pub async fn insert_document_version(
        &self,
        id: DocumentId,
        name: Option<&str>,
        upto: i64,
        state: &[u8],
        by: Option<UserId>,
        now_ms: i64,
    ) -> Result<DocumentVersionId, StoreError> {
        let version = DocumentVersionId::new();
        on_writer!(self, |pool| {
            sqlx::query(
                "INSERT INTO document_versions \
                 (id, document_id, name, upto_seq, state, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(version.to_string())
            .bind(id.to_string())
            .bind(name)
            .bind(upto)
            .bind(state)
            .bind(by.map(|b| b.to_string()))
            .bind(now_ms)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(version)
    }

    /// A document's versions, newest first.
    pub async fn document_versions(
        &self,
        id: DocumentId,
    ) -> Result<Vec<DocumentVersion>, StoreError> {
        let rows: Vec<VersionRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT v.id, v.name, v.created_at, v.created_by, u.display_name AS creator_name, \
                 CAST(LENGTH(v.state) AS BIGINT) AS size_bytes \
                 FROM document_versions v LEFT JOIN users u ON u.id = v.created_by \
                 WHERE v.document_id = $1 ORDER BY v.created_at DESC, v.id DESC",
            )
            .bind(id.to_string())
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|row| {
                let created_by = match (row.created_by, row.creator_name) {
                    (Some(by), Some(name)) => Some(PersonRef { id: parse_id(&by)?, name }),
                    _ => None,
                };
                Ok(DocumentVersion {
                    id: parse_id(&row.id)?,
                    auto: row.name.is_none(),
                    name: row.name,
                    created_at: row.created_at,
                    created_by,
                    size_bytes: row.size_bytes,
                })
            })
            .collect()
    }

    /// The stored state of one version of this document.
    pub async fn document_version_state(
        &self,
        id: DocumentId,
        version: DocumentVersionId,
    ) -> Result<Vec<u8>, StoreError> {
        let state: Option<Vec<u8>> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT state FROM document_versions WHERE id = $1 AND document_id = $2",
            )
            .bind(version.to_string())
            .bind(id.to_string())
            .fetch_optional(pool)
            .await
        })?;
        state.ok_or(StoreError::NotFound)
    }

    /// Who edited the document, most recent first.
    pub async fn document_authors(
        &self,
        id: DocumentId,
    ) -> Result<Vec<DocumentAuthor>, StoreError> {
        let rows: Vec<(String, String, i64, i64)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT a.user_id, u.display_name, a.updates, a.last_edit_at \
                 FROM document_authors a JOIN users u ON u.id = a.user_id \
                 WHERE a.document_id = $1 ORDER BY a.last_edit_at DESC",
            )
            .bind(id.to_string())
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|(user, name, updates, last_edit_at)| {
                Ok(DocumentAuthor { user_id: parse_id(&user)?, name, updates, last_edit_at })
            })
            .collect()
    }

    /// Stores a document token (hash) for a session.
    pub async fn create_document_token(
        &self,
        token_hash: &str,
        session: SessionId,
        id: DocumentId,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO document_tokens (token_hash, session_id, document_id, expires_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(token_hash)
            .bind(session.to_string())
            .bind(id.to_string())
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// The still-valid session behind a document token for this document.
    pub async fn document_token_session(
        &self,
        token_hash: &str,
        id: DocumentId,
        now_ms: i64,
    ) -> Result<Option<AuthenticatedSession>, StoreError> {
        let session: Option<String> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT session_id FROM document_tokens \
                 WHERE token_hash = $1 AND document_id = $2 AND expires_at > $3",
            )
            .bind(token_hash)
            .bind(id.to_string())
            .bind(now_ms)
            .fetch_optional(pool)
            .await
        })?;
        match session {
            Some(session) => self.session_by_id(parse_id(&session)?, now_ms).await,
            None => Ok(None),
        }
    }
}
