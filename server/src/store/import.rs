//! The import's database side: the snapshot of import-managed accounts a plan is made against,
//! and applying a plan in ONE transaction (renames, new classes, accounts, updates, class moves,
//! deactivations, reactivations, parent links, the one-time credentials and the audit entry), so
//! an import is either fully applied or not at all.

use std::collections::{HashMap, HashSet};

use schulhof_proto::{Role, SchoolId, UserId, UserStatus};

use super::rows::parse_id;
use super::{Store, StoreError, map_unique, on_pool};
use crate::import::{DirectorySnapshot, ExistingUser, ImportPlan, ParentLink, UserField};

/// A new account of the plan, ready to insert (`plan.creates[i]` ↔ `new_accounts[i]`).
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub id: UserId,
    pub status: UserStatus,
    pub password: String,
    pub password_hash: String,
}

/// Everything one apply needs.
#[derive(Debug)]
pub struct ImportApply<'a> {
    pub school: SchoolId,
    pub role: Role,
    pub plan: &'a ImportPlan,
    pub new_accounts: Vec<NewAccount>,
    pub run_id: String,
    pub actor_id: Option<UserId>,
    pub actor_login: &'a str,
    pub now_ms: i64,
    pub credentials_expire_at: i64,
}

/// What the apply could not do: links to children whose import ID is unknown.
#[derive(Debug, Default, Clone)]
pub struct ImportApplied {
    pub unresolved_links: Vec<ParentLink>,
}

/// One row of the credentials sheet.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct CredentialRow {
    pub class_name: Option<String>,
    pub display_name: String,
    pub login: String,
    pub password: String,
}

#[derive(sqlx::FromRow)]
struct SnapshotRow {
    id: String,
    import_id: String,
    login: String,
    display_name: String,
    birth_date: Option<String>,
    status: String,
}

/// Calls `progress(done, total)` every `STEP` items.
const PROGRESS_STEP: usize = 50;

impl Store {
    /// The import-managed accounts of one role, with their class and children, plus every login
    /// and class name of the school.
    pub async fn import_snapshot(
        &self,
        school: SchoolId,
        role: Role,
    ) -> Result<DirectorySnapshot, StoreError> {
        let school_text = school.to_string();
        let (rows, classes, children, logins, class_names) = on_pool!(self, |pool| {
            let rows: Vec<SnapshotRow> = sqlx::query_as(
                "SELECT id, import_id, login, display_name, birth_date, status FROM users \
                 WHERE school_id = $1 AND role = $2 AND import_id IS NOT NULL ORDER BY import_id",
            )
            .bind(&school_text)
            .bind(role.as_str())
            .fetch_all(pool)
            .await?;
            let classes: Vec<(String, String)> = sqlx::query_as(
                "SELECT m.user_id, g.name FROM memberships m JOIN school_groups g ON g.id = m.group_id \
                 WHERE m.school_id = $1 AND g.kind = 'class' ORDER BY g.name",
            )
            .bind(&school_text)
            .fetch_all(pool)
            .await?;
            let children: Vec<(String, String)> = sqlx::query_as(
                "SELECT p.parent_id, u.import_id FROM parent_links p JOIN users u ON u.id = p.child_id \
                 WHERE p.school_id = $1 AND u.import_id IS NOT NULL ORDER BY u.import_id",
            )
            .bind(&school_text)
            .fetch_all(pool)
            .await?;
            let logins: Vec<String> =
                sqlx::query_scalar("SELECT login FROM users WHERE school_id = $1")
                    .bind(&school_text)
                    .fetch_all(pool)
                    .await?;
            let class_names: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM school_groups WHERE school_id = $1 AND kind = 'class'",
            )
            .bind(&school_text)
            .fetch_all(pool)
            .await?;
            Ok::<_, sqlx::Error>((rows, classes, children, logins, class_names))
        })?;
        let mut class_of: HashMap<String, String> = HashMap::new();
        for (user, class) in classes {
            class_of.entry(user).or_insert(class);
        }
        let mut children_of: HashMap<String, Vec<String>> = HashMap::new();
        for (parent, child) in children {
            children_of.entry(parent).or_default().push(child);
        }
        let users = rows
            .into_iter()
            .map(|row| {
                Ok(ExistingUser {
                    id: parse_id(&row.id)?,
                    class: class_of.remove(&row.id),
                    child_import_ids: children_of.remove(&row.id).unwrap_or_default(),
                    import_id: row.import_id,
                    login: row.login,
                    display_name: row.display_name,
                    birth_date: row.birth_date,
                    status: UserStatus::parse(&row.status).ok_or_else(|| {
                        StoreError::Corrupt(format!("bad status {:?}", row.status))
                    })?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(DirectorySnapshot {
            users,
            taken_logins: logins.into_iter().collect::<HashSet<_>>(),
            class_names: class_names.into_iter().collect(),
        })
    }

    /// Applies a plan in one transaction; `progress(done, total)` is called along the way.
    pub async fn apply_import(
        &self,
        input: &ImportApply<'_>,
        progress: &mut (dyn FnMut(usize, usize) + Send),
    ) -> Result<ImportApplied, StoreError> {
        on_pool!(self, |pool| apply_in_transaction!(pool, input, progress))
    }

    /// The credentials of an import run, sorted by class and name.
    pub async fn import_credentials(
        &self,
        school: SchoolId,
        run_id: &str,
        now_ms: i64,
    ) -> Result<Vec<CredentialRow>, StoreError> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as::<_, CredentialRow>(
                "SELECT class_name, display_name, login, password FROM import_credentials \
                 WHERE school_id = $1 AND run_id = $2 AND expires_at > $3 \
                 ORDER BY class_name, display_name, login",
            )
            .bind(school.to_string())
            .bind(run_id)
            .bind(now_ms)
            .fetch_all(pool)
            .await
        })?)
    }

    /// Deletes the credentials of an import run (after they were handed out).
    pub async fn discard_import_credentials(
        &self,
        school: SchoolId,
        run_id: &str,
    ) -> Result<u64, StoreError> {
        Ok(on_pool!(self, |pool| {
            sqlx::query("DELETE FROM import_credentials WHERE school_id = $1 AND run_id = $2")
                .bind(school.to_string())
                .bind(run_id)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?)
    }
}

/// The body of `apply_import`, written once and compiled for each back-end's pool.
macro_rules! apply_in_transaction {
    ($pool:ident, $input:ident, $progress:ident) => {{
        let input = $input;
        let plan = input.plan;
        let school = input.school.to_string();
        let now = input.now_ms;
        let total = plan.creates.len()
            + plan.updates.len()
            + plan.moves.len()
            + plan.deactivations.len()
            + plan.reactivations.len()
            + plan.parent_links.len()
            + plan.parent_unlinks.len();
        $progress(0, total);
        let mut done = 0usize;
        let mut tick = |done: &mut usize| {
            *done += 1;
            if *done % PROGRESS_STEP == 0 || *done == total {
                $progress(*done, total);
            }
        };
        let mut tx = $pool.begin().await?;

        // 1. Renames (in plan order: a rename may free the next one's name), 2. new classes.
        for rename in &plan.class_renames {
            sqlx::query("UPDATE school_groups SET name = $3 WHERE school_id = $1 AND name = $2 AND kind = 'class'")
                .bind(&school)
                .bind(&rename.from)
                .bind(&rename.to)
                .execute(&mut *tx)
                .await
                .map_err(map_unique)?;
        }
        for class in &plan.class_creates {
            sqlx::query(
                "INSERT INTO school_groups (id, school_id, name, kind, owner_id, created_at) \
                 VALUES ($1, $2, $3, 'class', NULL, $4)",
            )
            .bind(schulhof_proto::GroupId::new().to_string())
            .bind(&school)
            .bind(class)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(map_unique)?;
        }
        let class_ids: HashMap<String, String> = sqlx::query_as::<_, (String, String)>(
            "SELECT name, id FROM school_groups WHERE school_id = $1 AND kind = 'class'",
        )
        .bind(&school)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        let class_id = |name: &str| {
            class_ids.get(name).cloned().ok_or_else(|| StoreError::Corrupt(format!("class {name:?} missing")))
        };

        // 3. New accounts (with class membership and their one-time credentials).
        for (create, account) in plan.creates.iter().zip(&input.new_accounts) {
            let id = account.id.to_string();
            sqlx::query(
                "INSERT INTO users (id, school_id, login, display_name, role, status, import_id, \
                 birth_date, email, password_hash, must_change_password, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11)",
            )
            .bind(&id)
            .bind(&school)
            .bind(&create.login)
            .bind(&create.display_name)
            .bind(input.role.as_str())
            .bind(account.status.as_str())
            .bind(&create.import_id)
            .bind(&create.birth_date)
            .bind(&create.email)
            .bind(&account.password_hash)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(map_unique)?;
            if let (Role::Pupil, Some(class)) = (input.role, &create.class) {
                sqlx::query(
                    "INSERT INTO memberships (group_id, user_id, school_id, role, created_at) \
                     VALUES ($1, $2, $3, 'member', $4)",
                )
                .bind(class_id(class)?)
                .bind(&id)
                .bind(&school)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "INSERT INTO import_credentials (run_id, school_id, user_id, class_name, login, \
                 display_name, password, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&input.run_id)
            .bind(&school)
            .bind(&id)
            .bind(&create.class)
            .bind(&create.login)
            .bind(&create.display_name)
            .bind(&account.password)
            .bind(input.credentials_expire_at)
            .execute(&mut *tx)
            .await?;
            tick(&mut done);
        }

        // 4. Updates, then class moves ("`to` becomes the pupil's only class").
        for update in &plan.updates {
            for change in &update.changes {
                let sql = match change.field {
                    UserField::DisplayName => "UPDATE users SET display_name = $3, updated_at = $4 WHERE school_id = $1 AND id = $2",
                    UserField::BirthDate => "UPDATE users SET birth_date = $3, updated_at = $4 WHERE school_id = $1 AND id = $2",
                };
                sqlx::query(sql)
                    .bind(&school)
                    .bind(update.user_id.to_string())
                    .bind(&change.new)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tick(&mut done);
        }
        for class_move in &plan.moves {
            let user = class_move.user_id.to_string();
            let target = class_id(&class_move.to)?;
            sqlx::query(
                "DELETE FROM memberships WHERE school_id = $1 AND user_id = $2 AND group_id <> $3 \
                 AND group_id IN (SELECT id FROM school_groups WHERE school_id = $1 AND kind = 'class')",
            )
            .bind(&school)
            .bind(&user)
            .bind(&target)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO memberships (group_id, user_id, school_id, role, created_at) \
                 VALUES ($1, $2, $3, 'member', $4) ON CONFLICT (group_id, user_id) DO NOTHING",
            )
            .bind(&target)
            .bind(&user)
            .bind(&school)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tick(&mut done);
        }

        // 5. Leavers lose sessions and class memberships; returning accounts come back.
        for deactivation in &plan.deactivations {
            let user = deactivation.user_id.to_string();
            sqlx::query(
                "UPDATE users SET status = 'inactive', updated_at = $3, \
                 deactivated_at = COALESCE(deactivated_at, $3) WHERE school_id = $1 AND id = $2",
            )
            .bind(&school)
            .bind(&user)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM sessions WHERE school_id = $1 AND user_id = $2")
                .bind(&school)
                .bind(&user)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "DELETE FROM memberships WHERE school_id = $1 AND user_id = $2 \
                 AND group_id IN (SELECT id FROM school_groups WHERE school_id = $1 AND kind = 'class')",
            )
            .bind(&school)
            .bind(&user)
            .execute(&mut *tx)
            .await?;
            tick(&mut done);
        }
        // Returning pupils come back restricted; the consent rule (run after commit) lifts that.
        let back_status = if input.role == Role::Pupil { "restricted" } else { "active" };
        for reactivation in &plan.reactivations {
            sqlx::query(
                "UPDATE users SET status = $3, updated_at = $4, deactivated_at = NULL \
                 WHERE school_id = $1 AND id = $2",
            )
            .bind(&school)
            .bind(reactivation.user_id.to_string())
            .bind(back_status)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tick(&mut done);
        }

        // 6. Parent links by import IDs.
        let mut applied = ImportApplied::default();
        if !plan.parent_links.is_empty() || !plan.parent_unlinks.is_empty() {
            let ids: HashMap<(String, String), String> = sqlx::query_as::<_, (String, String, String)>(
                "SELECT role, import_id, id FROM users WHERE school_id = $1 AND import_id IS NOT NULL \
                 AND role IN ('parent', 'pupil')",
            )
            .bind(&school)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|(role, import_id, id)| ((role, import_id), id))
            .collect();
            let find = |role: &str, import_id: &str| ids.get(&(role.to_owned(), import_id.to_owned())).cloned();
            for link in &plan.parent_links {
                match (find("parent", &link.parent_import_id), find("pupil", &link.child_import_id)) {
                    (Some(parent), Some(child)) => {
                        sqlx::query(
                            "INSERT INTO parent_links (parent_id, child_id, school_id, created_at) \
                             VALUES ($1, $2, $3, $4) ON CONFLICT (parent_id, child_id) DO NOTHING",
                        )
                        .bind(parent)
                        .bind(child)
                        .bind(&school)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                    _ => applied.unresolved_links.push(link.clone()),
                }
                tick(&mut done);
            }
            for link in &plan.parent_unlinks {
                if let (Some(parent), Some(child)) =
                    (find("parent", &link.parent_import_id), find("pupil", &link.child_import_id))
                {
                    sqlx::query("DELETE FROM parent_links WHERE school_id = $1 AND parent_id = $2 AND child_id = $3")
                        .bind(&school)
                        .bind(parent)
                        .bind(child)
                        .execute(&mut *tx)
                        .await?;
                }
                tick(&mut done);
            }
        }

        // 7. The audit entry is part of the same transaction.
        let summary = serde_json::to_string(&plan.summary()).unwrap_or_default();
        sqlx::query(
            "INSERT INTO audit_log (id, school_id, at, actor_id, actor_login, action, target_id, summary) \
             VALUES ($1, $2, $3, $4, $5, 'import.applied', $6, $7)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(&school)
        .bind(now)
        .bind(input.actor_id.map(|a| a.to_string()))
        .bind(input.actor_login)
        .bind(format!("{}:{}", plan.kind.as_str(), input.run_id))
        .bind(format!("import {} {summary}", plan.kind.as_str()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(applied)
    }};
}
use apply_in_transaction;

impl Store {
    /// The saved column mapping of a school for one kind of import, if any.
    pub async fn import_profile(
        &self,
        school: SchoolId,
        kind: crate::import::ImportKind,
    ) -> Result<Option<crate::import::ColumnMapping>, StoreError> {
        let text: Option<String> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT mapping FROM import_profiles WHERE school_id = $1 AND kind = $2",
            )
            .bind(school.to_string())
            .bind(kind.as_str())
            .fetch_optional(pool)
            .await
        })?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()
    }

    /// Saves (replaces) the column mapping of a school for one kind of import.
    pub async fn save_import_profile(
        &self,
        school: SchoolId,
        kind: crate::import::ImportKind,
        mapping: &crate::import::ColumnMapping,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let text =
            serde_json::to_string(mapping).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO import_profiles (school_id, kind, mapping, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (school_id, kind) DO UPDATE SET mapping = excluded.mapping, \
                 updated_at = excluded.updated_at",
            )
            .bind(school.to_string())
            .bind(kind.as_str())
            .bind(text)
            .bind(now_ms)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }
}
