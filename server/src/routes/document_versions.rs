//! Versions, attribution and tokens of live documents (docs/documents.md): list versions, name
//! the current state, fetch an old version's content (a Yjs update the client shows read-only),
//! restore an old version as a new change on top (after saving the current state as an automatic
//! version), who edited, and the reusable document token for `/yjs/<doc>?token=…`. Reading
//! needs read access, changing needs write access; the current state always comes from the
//! document's room (opened for the request if nobody has it open), so it includes every update.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use schulhof_collab::driver::Control;
use schulhof_proto::{
    DocumentAccess, DocumentAuthorList, DocumentId, DocumentToken, DocumentVersion,
    DocumentVersionId, DocumentVersionList, NameVersionRequest, SchoolId, UserId,
};
use tokio::sync::oneshot;

use super::documents::{require, usable};
use crate::auth::CurrentSession;
use crate::auth::token::{hash_token, new_token};
use crate::documents::roots_of;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::state::SharedState;

/// How long a document token stays valid (the session must stay valid too).
const TOKEN_TTL_SECONDS: i64 = 12 * 3600;

fn unavailable(reason: &str) -> ApiError {
    tracing::warn!(reason, "document room unavailable");
    ApiError::internal("the document is not available right now")
}

/// The document's current state and the log position it covers, from its room.
async fn current_state(
    state: &SharedState,
    doc: DocumentId,
    school: SchoolId,
) -> Result<(i64, Vec<u8>), ApiError> {
    let (reply, answer) = oneshot::channel();
    state.documents.send(state, doc, school, Control::State { reply });
    answer.await.map_err(|_| unavailable("room ended"))?.map_err(|e| unavailable(&e))
}

async fn version_answer(
    state: &SharedState,
    doc: DocumentId,
    id: DocumentVersionId,
) -> Result<DocumentVersion, ApiError> {
    let versions = state.store.document_versions(doc).await?;
    versions.into_iter().find(|v| v.id == id).ok_or_else(ApiError::not_found)
}

pub async fn list(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<DocumentId>,
) -> Result<Json<DocumentVersionList>, ApiError> {
    usable(&state, &session, id).await?;
    Ok(Json(DocumentVersionList { versions: state.store.document_versions(id).await? }))
}

pub async fn name(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<DocumentId>,
    ApiJson(request): ApiJson<NameVersionRequest>,
) -> Result<(StatusCode, Json<DocumentVersion>), ApiError> {
    let record = usable(&state, &session, id).await?;
    require(&record, DocumentAccess::Write)?;
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "name",
            "The name needs 1 to 100 characters.",
            "Der Name braucht 1 bis 100 Zeichen.",
        ));
    }
    let (seq, content) = current_state(&state, id, session.school.id).await?;
    let me = Some(session.user.id);
    let version = state
        .store
        .insert_document_version(id, Some(name), seq, &content, me, state.now_ms())
        .await?;
    Ok((StatusCode::CREATED, Json(version_answer(&state, id, version).await?)))
}

pub async fn content(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath((id, version)): ApiPath<(DocumentId, DocumentVersionId)>,
) -> Result<impl IntoResponse, ApiError> {
    usable(&state, &session, id).await?;
    let bytes = state.store.document_version_state(id, version).await?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], Bytes::from(bytes)))
}

pub async fn restore(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath((id, version)): ApiPath<(DocumentId, DocumentVersionId)>,
) -> Result<Json<DocumentVersion>, ApiError> {
    let record = usable(&state, &session, id).await?;
    require(&record, DocumentAccess::Write)?;
    let old_state = state.store.document_version_state(id, version).await?;
    let me: UserId = session.user.id;
    // The state before restoring stays reachable as an automatic version.
    let (seq, current) = current_state(&state, id, session.school.id).await?;
    let before = state
        .store
        .insert_document_version(id, None, seq, &current, Some(me), state.now_ms())
        .await?;
    let (reply, done) = oneshot::channel();
    let roots = roots_of(record.kind);
    state.documents.send(
        &state,
        id,
        session.school.id,
        Control::Restore { old_state, roots, author: me, reply },
    );
    done.await.map_err(|_| unavailable("room ended"))?.map_err(|e| unavailable(&e))?;
    Ok(Json(version_answer(&state, id, before).await?))
}

pub async fn authors(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<DocumentId>,
) -> Result<Json<DocumentAuthorList>, ApiError> {
    usable(&state, &session, id).await?;
    Ok(Json(DocumentAuthorList { authors: state.store.document_authors(id).await? }))
}

pub async fn token(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<DocumentId>,
) -> Result<Json<DocumentToken>, ApiError> {
    usable(&state, &session, id).await?;
    let token = new_token().map_err(ApiError::internal)?;
    let expires_at = state.now_ms() + TOKEN_TTL_SECONDS * 1000;
    state
        .store
        .create_document_token(&hash_token(&token), session.session_id, id, expires_at)
        .await?;
    Ok(Json(DocumentToken { token, expires_in_seconds: TOKEN_TTL_SECONDS }))
}
