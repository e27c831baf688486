//! School administration records: consents, module switches, the audit log and login events.
//! Audit summaries never contain names; they refer to users by ID, so a purge leaves no personal
//! data behind in the log.

use std::collections::HashMap;

use schulhof_proto::{AuditEntry, Consent, ConsentGiver, Module, ModuleSwitch, SchoolId, UserId};

use super::rows::parse_id;
use super::{Store, StoreError, on_pool};

/// An audit entry to append.
#[derive(Debug, Clone)]
pub struct NewAuditEntry<'a> {
    pub school: SchoolId,
    pub actor_id: Option<UserId>,
    pub actor_login: &'a str,
    pub action: &'static str,
    pub target_id: Option<String>,
    pub summary: String,
}

#[derive(sqlx::FromRow)]
struct ConsentRow {
    id: String,
    user_id: String,
    given_by: String,
    recorded_by: Option<String>,
    recorded_at: i64,
    withdrawn_at: Option<i64>,
}

impl ConsentRow {
    fn into_consent(self) -> Result<(UserId, Consent), StoreError> {
        let given_by = ConsentGiver::parse(&self.given_by)
            .ok_or_else(|| StoreError::Corrupt(format!("bad consent giver {:?}", self.given_by)))?;
        let consent = Consent {
            id: self.id,
            given_by,
            recorded_at: self.recorded_at,
            recorded_by: self.recorded_by.as_deref().map(parse_id).transpose()?,
            withdrawn_at: self.withdrawn_at,
        };
        Ok((parse_id(&self.user_id)?, consent))
    }
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: String,
    at: i64,
    actor_id: Option<String>,
    actor_login: String,
    action: String,
    target_id: Option<String>,
    summary: String,
}

impl Store {
    /// All consent records of one user, oldest first.
    pub async fn consents(
        &self,
        school: SchoolId,
        user: UserId,
    ) -> Result<Vec<Consent>, StoreError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, ConsentRow>(
                "SELECT id, user_id, given_by, recorded_by, recorded_at, withdrawn_at FROM consents \
                 WHERE school_id = $1 AND user_id = $2 ORDER BY recorded_at, id",
            )
            .bind(school.to_string())
            .bind(user.to_string())
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(|row| row.into_consent().map(|(_, c)| c)).collect()
    }

    /// The current (not withdrawn) consents of every user of a school.
    pub async fn current_consents(
        &self,
        school: SchoolId,
    ) -> Result<HashMap<UserId, Vec<ConsentGiver>>, StoreError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, ConsentRow>(
                "SELECT id, user_id, given_by, recorded_by, recorded_at, withdrawn_at FROM consents \
                 WHERE school_id = $1 AND withdrawn_at IS NULL",
            )
            .bind(school.to_string())
            .fetch_all(pool)
            .await
        })?;
        let mut map: HashMap<UserId, Vec<ConsentGiver>> = HashMap::new();
        for row in rows {
            let (user, consent) = row.into_consent()?;
            map.entry(user).or_default().push(consent.given_by);
        }
        Ok(map)
    }

    /// Records a consent unless a current one of the same giver exists. Returns whether it was new.
    pub async fn record_consent(
        &self,
        school: SchoolId,
        user: UserId,
        given_by: ConsentGiver,
        recorded_by: Option<UserId>,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let inserted = on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO consents (id, school_id, user_id, given_by, recorded_by, recorded_at) \
                 SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM consents \
                 WHERE school_id = $2 AND user_id = $3 AND given_by = $4 AND withdrawn_at IS NULL)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(school.to_string())
            .bind(user.to_string())
            .bind(given_by.as_str())
            .bind(recorded_by.map(|u| u.to_string()))
            .bind(now_ms)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(inserted > 0)
    }

    /// Marks the current consent of a giver as withdrawn. Returns whether there was one.
    pub async fn withdraw_consent(
        &self,
        school: SchoolId,
        user: UserId,
        given_by: ConsentGiver,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let changed = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE consents SET withdrawn_at = $4 WHERE school_id = $1 AND user_id = $2 \
                 AND given_by = $3 AND withdrawn_at IS NULL",
            )
            .bind(school.to_string())
            .bind(user.to_string())
            .bind(given_by.as_str())
            .bind(now_ms)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(changed > 0)
    }

    /// Every module with its switch at a school; modules never switched are off.
    pub async fn module_switches(&self, school: SchoolId) -> Result<Vec<ModuleSwitch>, StoreError> {
        let rows: Vec<(String, i64, i64)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT module, enabled, changed_at FROM school_modules WHERE school_id = $1",
            )
            .bind(school.to_string())
            .fetch_all(pool)
            .await
        })?;
        Ok(Module::ALL
            .iter()
            .map(|module| {
                let row = rows.iter().find(|(name, _, _)| name == module.as_str());
                ModuleSwitch {
                    module: *module,
                    enabled: row.is_some_and(|(_, enabled, _)| *enabled != 0),
                    changed_at: row.map(|(_, _, at)| *at),
                }
            })
            .collect())
    }

    pub async fn module_enabled(
        &self,
        school: SchoolId,
        module: Module,
    ) -> Result<bool, StoreError> {
        let enabled: Option<i64> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT enabled FROM school_modules WHERE school_id = $1 AND module = $2",
            )
            .bind(school.to_string())
            .bind(module.as_str())
            .fetch_optional(pool)
            .await
        })?;
        Ok(enabled.is_some_and(|e| e != 0))
    }

    pub async fn set_module(
        &self,
        school: SchoolId,
        module: Module,
        enabled: bool,
        changed_by: UserId,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO school_modules (school_id, module, enabled, changed_by, changed_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (school_id, module) DO UPDATE SET \
                 enabled = excluded.enabled, changed_by = excluded.changed_by, \
                 changed_at = excluded.changed_at",
            )
            .bind(school.to_string())
            .bind(module.as_str())
            .bind(i64::from(enabled))
            .bind(changed_by.to_string())
            .bind(now_ms)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Appends to the audit log.
    pub async fn append_audit(
        &self,
        entry: &NewAuditEntry<'_>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO audit_log (id, school_id, at, actor_id, actor_login, action, target_id, summary) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(entry.school.to_string())
            .bind(now_ms)
            .bind(entry.actor_id.map(|a| a.to_string()))
            .bind(entry.actor_login)
            .bind(entry.action)
            .bind(&entry.target_id)
            .bind(&entry.summary)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// The newest audit entries of a school (before `before_ms` if given), optionally only those
    /// about one target.
    pub async fn audit_entries(
        &self,
        school: SchoolId,
        target: Option<&str>,
        before_ms: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, AuditRow>(
                "SELECT id, at, actor_id, actor_login, action, target_id, summary FROM audit_log \
                 WHERE school_id = $1 AND ($2 IS NULL OR target_id = $2) AND ($3 IS NULL OR at < $3) \
                 ORDER BY at DESC, id DESC LIMIT $4",
            )
            .bind(school.to_string())
            .bind(target)
            .bind(before_ms)
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|row| {
                Ok(AuditEntry {
                    id: row.id,
                    at: row.at,
                    actor_id: row.actor_id.as_deref().map(parse_id).transpose()?,
                    actor_login: row.actor_login,
                    action: row.action,
                    target_id: row.target_id,
                    summary: row.summary,
                })
            })
            .collect()
    }

    /// Notes a login attempt with the client's IP address (kept only for the retention period).
    pub async fn record_login_event(
        &self,
        school: Option<SchoolId>,
        user: Option<UserId>,
        ip: &str,
        outcome: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO login_events (id, school_id, user_id, ip, at, outcome) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(school.map(|s| s.to_string()))
            .bind(user.map(|u| u.to_string()))
            .bind(ip)
            .bind(now_ms)
            .bind(outcome)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// A user's login events: (time, IP, outcome), newest first.
    pub async fn login_events(
        &self,
        school: SchoolId,
        user: UserId,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT at, ip, outcome FROM login_events WHERE school_id = $1 AND user_id = $2 \
                 ORDER BY at DESC",
            )
            .bind(school.to_string())
            .bind(user.to_string())
            .fetch_all(pool)
            .await
        })?)
    }

    /// Deletes import credentials whose time is up.
    pub async fn purge_expired_credentials(&self, now_ms: i64) -> Result<u64, StoreError> {
        Ok(on_pool!(self, |pool| {
            sqlx::query("DELETE FROM import_credentials WHERE expires_at <= $1")
                .bind(now_ms)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?)
    }

    /// Deletes login events (and their IP addresses) older than `cutoff_ms`.
    pub async fn purge_login_events(&self, cutoff_ms: i64) -> Result<u64, StoreError> {
        Ok(on_pool!(self, |pool| {
            sqlx::query("DELETE FROM login_events WHERE at < $1")
                .bind(cutoff_ms)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?)
    }
}
