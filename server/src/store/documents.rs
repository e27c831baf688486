//! Live documents as objects: create, read with the caller's access (owner, or a share with the
//! caller or one of the caller's groups), list (mine, shared with me, my trash), rename, replace
//! the shares, move to the trash and restore. Every query is scoped by school.

use schulhof_proto::{
    DocumentAccess, DocumentId, DocumentKind, DocumentShare, SchoolId, ShareAccess, UserId,
};

use super::rows::parse_id;
use super::{Store, StoreError, on_pool};

/// A document with the caller's access (`None`: no access).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentRecord {
    pub id: DocumentId,
    pub kind: DocumentKind,
    pub title: String,
    pub owner_id: Option<UserId>,
    pub owner_name: String,
    pub access: Option<DocumentAccess>,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
}

/// Which documents to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentView {
    Mine,
    Shared,
    Trash,
}

/// Documents with the access of user `$2` in school `$1`.
const WITH_ACCESS: &str = "SELECT d.id, d.kind, d.title, d.owner_id, \
     COALESCE(u.display_name, '') AS owner_name, d.created_at, d.updated_at, d.deleted_at, \
     CASE WHEN d.owner_id = $2 THEN 'owner' \
       WHEN EXISTS (SELECT 1 FROM document_shares s \
         LEFT JOIN memberships m ON m.group_id = s.group_id AND m.user_id = $2 \
         WHERE s.document_id = d.id AND s.access = 'write' \
         AND (s.user_id = $2 OR m.user_id IS NOT NULL)) THEN 'write' \
       WHEN EXISTS (SELECT 1 FROM document_shares s \
         LEFT JOIN memberships m ON m.group_id = s.group_id AND m.user_id = $2 \
         WHERE s.document_id = d.id AND (s.user_id = $2 OR m.user_id IS NOT NULL)) THEN 'read' \
       END AS my_access \
     FROM documents d LEFT JOIN users u ON u.id = d.owner_id WHERE d.school_id = $1";

#[derive(sqlx::FromRow)]
struct DocumentRow {
    id: String,
    kind: String,
    title: String,
    owner_id: Option<String>,
    owner_name: String,
    created_at: i64,
    updated_at: i64,
    deleted_at: Option<i64>,
    my_access: Option<String>,
}

impl DocumentRow {
    fn into_record(self) -> Result<DocumentRecord, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("document {what}"));
        Ok(DocumentRecord {
            id: parse_id(&self.id)?,
            kind: DocumentKind::parse(&self.kind).ok_or_else(|| corrupt("kind"))?,
            title: self.title,
            owner_id: self.owner_id.as_deref().map(parse_id).transpose()?,
            owner_name: self.owner_name,
            access: match self.my_access.as_deref() {
                None => None,
                Some(text) => Some(DocumentAccess::parse(text).ok_or_else(|| corrupt("access"))?),
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
            deleted_at: self.deleted_at,
        })
    }
}

impl Store {
    pub async fn create_document(
        &self,
        school: SchoolId,
        owner: UserId,
        kind: DocumentKind,
        title: &str,
        now_ms: i64,
    ) -> Result<DocumentId, StoreError> {
        let id = DocumentId::new();
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO documents (id, school_id, kind, title, owner_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6)",
            )
            .bind(id.to_string())
            .bind(school.to_string())
            .bind(kind.as_str())
            .bind(title)
            .bind(owner.to_string())
            .bind(now_ms)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(id)
    }

    /// A document of the school with `user`'s access (`NotFound`: no such document here).
    pub async fn document(
        &self,
        school: SchoolId,
        user: UserId,
        id: DocumentId,
    ) -> Result<DocumentRecord, StoreError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, DocumentRow>(sqlx::AssertSqlSafe(format!(
                "{WITH_ACCESS} AND d.id = $3"
            )))
            .bind(school.to_string())
            .bind(user.to_string())
            .bind(id.to_string())
            .fetch_optional(pool)
            .await
        })?;
        row.ok_or(StoreError::NotFound)?.into_record()
    }

    /// The documents `user` owns, has been given, or has in the trash; newest change first.
    pub async fn documents(
        &self,
        school: SchoolId,
        user: UserId,
        view: DocumentView,
    ) -> Result<Vec<DocumentRecord>, StoreError> {
        let filter = match view {
            DocumentView::Mine => "x.my_access = 'owner' AND x.deleted_at IS NULL",
            DocumentView::Shared => "x.my_access IN ('read', 'write') AND x.deleted_at IS NULL",
            DocumentView::Trash => "x.my_access = 'owner' AND x.deleted_at IS NOT NULL",
        };
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, DocumentRow>(sqlx::AssertSqlSafe(format!(
                "SELECT * FROM ({WITH_ACCESS}) x WHERE {filter} \
                 ORDER BY x.updated_at DESC, x.id LIMIT 500"
            )))
            .bind(school.to_string())
            .bind(user.to_string())
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(DocumentRow::into_record).collect()
    }

    pub async fn rename_document(
        &self,
        id: DocumentId,
        title: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query("UPDATE documents SET title = $2, updated_at = $3 WHERE id = $1")
                .bind(id.to_string())
                .bind(title)
                .bind(now_ms)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Moves a document to the trash (`Some(now)`) or back (`None`).
    pub async fn set_document_deleted(
        &self,
        id: DocumentId,
        deleted_at: Option<i64>,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query("UPDATE documents SET deleted_at = $2 WHERE id = $1")
                .bind(id.to_string())
                .bind(deleted_at)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    pub async fn document_shares(&self, id: DocumentId) -> Result<Vec<DocumentShare>, StoreError> {
        let rows: Vec<(Option<String>, Option<String>, String)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT group_id, user_id, access FROM document_shares WHERE document_id = $1 \
                 ORDER BY created_at, group_id, user_id",
            )
            .bind(id.to_string())
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|(group, user, access)| {
                Ok(DocumentShare {
                    group_id: group.as_deref().map(parse_id).transpose()?,
                    user_id: user.as_deref().map(parse_id).transpose()?,
                    access: ShareAccess::parse(&access)
                        .ok_or_else(|| StoreError::Corrupt("share access".into()))?,
                })
            })
            .collect()
    }

    /// Replaces a document's shares in one transaction; every group and user must belong to the
    /// school (`NotFound` otherwise, and nothing changes).
    pub async fn replace_document_shares(
        &self,
        school: SchoolId,
        id: DocumentId,
        shares: &[DocumentShare],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM document_shares WHERE document_id = $1")
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
            for share in shares {
                let (table, target) = match (share.group_id, share.user_id) {
                    (Some(group), None) => ("school_groups", group.to_string()),
                    (None, Some(user)) => ("users", user.to_string()),
                    _ => return Err(StoreError::NotFound),
                };
                let column = if table == "users" { "user_id" } else { "group_id" };
                let added = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO document_shares (document_id, {column}, access, created_at) \
                     SELECT $1, t.id, $3, $4 FROM {table} t WHERE t.school_id = $5 AND t.id = $2 \
                     ON CONFLICT DO NOTHING"
                )))
                .bind(id.to_string())
                .bind(&target)
                .bind(share.access.as_str())
                .bind(now_ms)
                .bind(school.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                let exists: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT id FROM {table} WHERE school_id = $1 AND id = $2"
                )))
                .bind(school.to_string())
                .bind(&target)
                .fetch_optional(&mut *tx)
                .await?;
                if added == 0 && exists.is_none() {
                    return Err(StoreError::NotFound);
                }
            }
            tx.commit().await?;
            Ok(())
        })
    }
}
