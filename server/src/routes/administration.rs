//! Admin API for school administration: consent records (single and bulk, e.g. a ticked class
//! list), module switches, the audit log, and the data export of one user (DSGVO Art. 15).

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use schulhof_proto::{
    AuditEntry, BulkConsentRequest, ConsentState, Module, ModuleSwitch, Role, SetModuleRequest,
    UserId,
};
use serde::Deserialize;

use crate::auth::AdminSession;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::hub::access;
use crate::state::SharedState;
use crate::{audit, consent};

/// Most users one bulk consent request may name (a whole year group fits).
const MAX_BULK_USERS: usize = 1000;

pub async fn user_consents(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Json<ConsentState>, ApiError> {
    let user = state.store.user(admin.school.id, id).await?;
    Ok(Json(consent::consent_state(&state.store, admin.school.id, &user, state.now_ms()).await?))
}

/// Records or withdraws one giver's consent for many pupils, then applies the consent rule to
/// them (restricted ↔ active). All users are checked first: one unknown or non-pupil ID refuses
/// the whole request, so nothing is half-applied.
pub async fn bulk_consent(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiJson(request): ApiJson<BulkConsentRequest>,
) -> Result<Json<Vec<ConsentState>>, ApiError> {
    if request.user_ids.is_empty() || request.user_ids.len() > MAX_BULK_USERS {
        return Err(ApiError::invalid(
            "user_ids",
            "Name between 1 and 1000 users.",
            "Bitte 1 bis 1000 Personen auswählen.",
        ));
    }
    let school = admin.school.id;
    let mut users = Vec::with_capacity(request.user_ids.len());
    for id in &request.user_ids {
        let user = state.store.user(school, *id).await?;
        if user.role != Role::Pupil {
            return Err(ApiError::invalid(
                "user_ids",
                "Consents are recorded for pupils only.",
                "Einwilligungen werden nur für Schülerinnen und Schüler erfasst.",
            ));
        }
        users.push(user);
    }
    let now = state.now_ms();
    for user in &users {
        let changed = if request.given {
            state
                .store
                .record_consent(school, user.id, request.given_by, Some(admin.user.id), now)
                .await?
        } else {
            state.store.withdraw_consent(school, user.id, request.given_by, now).await?
        };
        if changed {
            let action = if request.given { "consent.recorded" } else { "consent.withdrawn" };
            let summary = format!("given by {}", request.given_by.as_str());
            audit::record(&state, &admin, action, Some(user.id.to_string()), summary).await?;
        }
    }
    let actor = (Some(admin.user.id), admin.user.login.as_str());
    consent::reevaluate(&state.store, school, Some(&request.user_ids), actor, now).await?;
    access::recheck_users(&state, request.user_ids.iter().copied()).await;
    let mut states = Vec::with_capacity(users.len());
    for id in &request.user_ids {
        let user = state.store.user(school, *id).await?;
        states.push(consent::consent_state(&state.store, school, &user, now).await?);
    }
    Ok(Json(states))
}

pub async fn modules(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
) -> Result<Json<Vec<ModuleSwitch>>, ApiError> {
    Ok(Json(state.store.module_switches(admin.school.id).await?))
}

pub async fn set_module(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(module): ApiPath<Module>,
    ApiJson(request): ApiJson<SetModuleRequest>,
) -> Result<Json<ModuleSwitch>, ApiError> {
    let now = state.now_ms();
    state.store.set_module(admin.school.id, module, request.enabled, admin.user.id, now).await?;
    let summary = format!("{} {}", module.as_str(), if request.enabled { "on" } else { "off" });
    audit::record(&state, &admin, "module.switched", Some(module.as_str().to_owned()), summary)
        .await?;
    access::recheck_school(&state, admin.school.id).await;
    Ok(Json(ModuleSwitch { module, enabled: request.enabled, changed_at: Some(now) }))
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    target: Option<String>,
    before: Option<i64>,
    limit: Option<i64>,
}

pub async fn audit_log(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let entries = state
        .store
        .audit_entries(admin.school.id, query.target.as_deref(), query.before, limit)
        .await?;
    Ok(Json(entries))
}

/// Everything stored about one user, as one JSON document to download.
pub async fn export_user(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Response, ApiError> {
    let school = admin.school.id;
    let now = state.now_ms();
    let user = state.store.user(school, id).await?;
    let consents = consent::consent_state(&state.store, school, &user, now).await?;
    let login_events: Vec<serde_json::Value> = state
        .store
        .login_events(school, id)
        .await?
        .into_iter()
        .map(|(at, ip, outcome)| serde_json::json!({ "at": at, "ip": ip, "outcome": outcome }))
        .collect();
    let named_votes: Vec<serde_json::Value> = state
        .store
        .named_ballots_of(school, id)
        .await?
        .into_iter()
        .map(|(poll, question, chosen)| {
            serde_json::json!({ "poll_id": poll, "question": question, "chosen": chosen })
        })
        .collect();
    let document = serde_json::json!({
        "format": "schulhof-user-export/1",
        "exported_at": now,
        "school": admin.school,
        "user": user,
        "groups": state.store.groups_of_user(school, id).await?,
        "children": state.store.children(school, id).await?,
        "parents": state.store.parents(school, id).await?,
        "consents": consents,
        "sessions": state.store.list_sessions(school, id, None, now).await?,
        "login_events": login_events,
        "audit_entries": state.store.audit_entries(school, Some(&id.to_string()), None, 10_000).await?,
        "chat_messages": state.store.messages_by_sender(school, id).await?,
        "poll_votes": named_votes,
    });
    audit::record(&state, &admin, "user.exported", Some(id.to_string()), "data export (Art. 15)")
        .await?;
    let body = serde_json::to_vec_pretty(&document).map_err(ApiError::internal)?;
    let disposition = format!("attachment; filename=\"schulhof-export-{}.json\"", user.login);
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}
