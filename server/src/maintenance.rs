//! Periodic housekeeping, the deletion concept in code: expired sessions and tickets go, IP
//! addresses of login events go after the retention period, accounts deactivated longer than the
//! grace period are purged with everything that hangs on them (and the purge is audited), pupils'
//! statuses follow the consent rule as birthdays pass, and unclaimed import credentials expire.
//! `run_once` takes "now" as a parameter, so tests drive it with any clock.

use std::time::Duration;

use crate::config::Retention;
use crate::consent;
use crate::state::SharedState;
use crate::store::{NewAuditEntry, Store, StoreError};

/// How often the housekeeping runs.
const INTERVAL: Duration = Duration::from_secs(3600);

/// The actor name of automatic changes in the audit log.
pub const SYSTEM_ACTOR: &str = "system";

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MaintenanceReport {
    pub expired_sessions: u64,
    pub login_events_removed: u64,
    pub purged_users: usize,
    pub status_changes: usize,
    pub credentials_expired: u64,
}

/// One housekeeping pass at time `now_ms`.
pub async fn run_once(
    store: &Store,
    retention: Retention,
    now_ms: i64,
) -> Result<MaintenanceReport, StoreError> {
    let mut report = MaintenanceReport {
        expired_sessions: store.purge_expired_sessions(now_ms).await?,
        login_events_removed: store
            .purge_login_events(now_ms - retention.ip_retention_ms())
            .await?,
        credentials_expired: store.purge_expired_credentials(now_ms).await?,
        ..MaintenanceReport::default()
    };
    let purged = store.purge_deactivated_users(now_ms - retention.purge_grace_ms()).await?;
    for (school, user) in &purged {
        let entry = NewAuditEntry {
            school: *school,
            actor_id: None,
            actor_login: SYSTEM_ACTOR,
            action: "user.purged",
            target_id: Some(user.to_string()),
            summary: format!(
                "deactivated more than {} days: account, sessions, memberships, consents removed",
                retention.purge_grace_days
            ),
        };
        store.append_audit(&entry, now_ms).await?;
    }
    report.purged_users = purged.len();
    for school in store.school_ids().await? {
        let changes =
            consent::reevaluate(store, school, None, (None, SYSTEM_ACTOR), now_ms).await?;
        report.status_changes += changes.len();
    }
    Ok(report)
}

/// Runs `run_once` every hour until the task is aborted.
pub async fn run_periodically(state: SharedState) {
    let mut interval = tokio::time::interval(INTERVAL);
    loop {
        interval.tick().await;
        match run_once(&state.store, state.config.retention, state.now_ms()).await {
            Ok(report) if report != MaintenanceReport::default() => {
                tracing::info!(?report, "housekeeping done");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "housekeeping failed"),
        }
        // Statuses and sessions may have changed: open hub connections follow.
        crate::hub::access::recheck_users(&state, state.hub.connected_users()).await;
        state.hub.sweep(state.now_ms());
    }
}
