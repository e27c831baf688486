//! Recording admin actions in the audit log: who (the admin's ID and login), when, on what, and a
//! short summary without names (IDs only), so the log keeps no personal data after a purge.

use crate::error::ApiError;
use crate::state::SharedState;
use crate::store::{AuthenticatedSession, NewAuditEntry};

/// Appends an entry for an action of the session's user.
pub async fn record(
    state: &SharedState,
    actor: &AuthenticatedSession,
    action: &'static str,
    target: Option<String>,
    summary: impl Into<String>,
) -> Result<(), ApiError> {
    let entry = NewAuditEntry {
        school: actor.school.id,
        actor_id: Some(actor.user.id),
        actor_login: &actor.user.login,
        action,
        target_id: target,
        summary: summary.into(),
    };
    state.store.append_audit(&entry, state.now_ms()).await?;
    Ok(())
}
