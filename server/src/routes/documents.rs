//! Live documents as objects under `/api/documents` (docs/documents.md): create, list (mine,
//! shared with me, trash), read, rename, share with groups or users (read/write), move to the
//! trash and restore. Each kind needs its module (office → documents, text → texts, board →
//! boards); someone without access gets 404.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use schulhof_proto::{
    CreateDocumentRequest, Document, DocumentAccess, DocumentId, DocumentKind, DocumentList,
    ErrorCode, Module, RenameDocumentRequest, SharesRequest,
};
use serde::Deserialize;

use crate::auth::CurrentSession;
use crate::auth::modules::require_module;
use crate::documents::EvictReason;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::SharedState;
use crate::store::{AuthenticatedSession, DocumentRecord, DocumentView};

pub(crate) fn module_of(kind: DocumentKind) -> Module {
    match kind {
        DocumentKind::Office => Module::Documents,
        DocumentKind::Text => Module::Texts,
        DocumentKind::Board => Module::Boards,
    }
}

fn title(text: &str) -> Result<String, ApiError> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 200 || trimmed.chars().any(char::is_control)
    {
        return Err(ApiError::invalid(
            "title",
            "The title needs 1 to 200 characters.",
            "Der Titel braucht 1 bis 200 Zeichen.",
        ));
    }
    Ok(trimmed.to_owned())
}

async fn to_document(state: &SharedState, record: DocumentRecord) -> Result<Document, ApiError> {
    let my_access = record.access.ok_or_else(ApiError::not_found)?;
    let shares = if my_access == DocumentAccess::Owner {
        Some(state.store.document_shares(record.id).await?)
    } else {
        None
    };
    Ok(Document {
        id: record.id,
        kind: record.kind,
        title: record.title,
        owner_id: record.owner_id,
        owner_name: record.owner_name,
        my_access,
        shares,
        created_at: record.created_at,
        updated_at: record.updated_at,
        deleted_at: record.deleted_at,
    })
}

/// A document the caller may use, with its module switched on (404 without access; documents in
/// the trash only for their owner).
pub(crate) async fn usable(
    state: &SharedState,
    session: &AuthenticatedSession,
    id: DocumentId,
) -> Result<DocumentRecord, ApiError> {
    let record = state.store.document(session.school.id, session.user.id, id).await?;
    let access = record.access.ok_or_else(ApiError::not_found)?;
    if record.deleted_at.is_some() && access != DocumentAccess::Owner {
        return Err(ApiError::not_found());
    }
    require_module(state, session, module_of(record.kind)).await?;
    Ok(record)
}

pub(crate) fn require(record: &DocumentRecord, needed: DocumentAccess) -> Result<(), ApiError> {
    let rank = |a: Option<DocumentAccess>| match a {
        Some(DocumentAccess::Owner) => 3,
        Some(DocumentAccess::Write) => 2,
        Some(DocumentAccess::Read) => 1,
        None => 0,
    };
    if rank(record.access) >= rank(Some(needed)) { Ok(()) } else { Err(ApiError::forbidden()) }
}

pub async fn create(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiJson(request): ApiJson<CreateDocumentRequest>,
) -> Result<(StatusCode, Json<Document>), ApiError> {
    require_module(&state, &session, module_of(request.kind)).await?;
    let title = title(&request.title)?;
    let (school, me) = (session.school.id, session.user.id);
    let id = state.store.create_document(school, me, request.kind, &title, state.now_ms()).await?;
    let record = state.store.document(school, me, id).await?;
    Ok((StatusCode::CREATED, Json(to_document(&state, record).await?)))
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    view: Option<String>,
}

pub async fn list(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<DocumentList>, ApiError> {
    let view = match query.view.as_deref().unwrap_or("mine") {
        "mine" => DocumentView::Mine,
        "shared" => DocumentView::Shared,
        "trash" => DocumentView::Trash,
        _ => {
            return Err(ApiError::invalid(
                "view",
                "view is mine, shared or trash.",
                "view ist mine, shared oder trash.",
            ));
        }
    };
    let switches = state.store.module_switches(session.school.id).await?;
    let enabled =
        |kind: DocumentKind| switches.iter().any(|s| s.enabled && s.module == module_of(kind));
    if !DocumentKind::ALL.iter().any(|k| enabled(*k)) {
        return Err(ApiError::new(ErrorCode::ModuleDisabled));
    }
    let mut documents = Vec::new();
    for record in state.store.documents(session.school.id, session.user.id, view).await? {
        if enabled(record.kind) {
            documents.push(to_document(&state, record).await?);
        }
    }
    Ok(Json(DocumentList { documents }))
}

pub async fn get(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<DocumentId>,
) -> Result<Json<Document>, ApiError> {
    let record = usable(&state, &session, id).await?;
    Ok(Json(to_document(&state, record).await?))
}

pub async fn rename(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<DocumentId>,
    ApiJson(request): ApiJson<RenameDocumentRequest>,
) -> Result<Json<Document>, ApiError> {
    let record = usable(&state, &session, id).await?;
    require(&record, DocumentAccess::Write)?;
    let title = title(&request.title)?;
    state.store.rename_document(id, &title, state.now_ms()).await?;
    let record = state.store.document(session.school.id, session.user.id, id).await?;
    Ok(Json(to_document(&state, record).await?))
}

pub async fn share(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<DocumentId>,
    ApiJson(request): ApiJson<SharesRequest>,
) -> Result<Json<Document>, ApiError> {
    let record = usable(&state, &session, id).await?;
    require(&record, DocumentAccess::Owner)?;
    let well_formed = request.shares.iter().all(|s| s.group_id.is_some() != s.user_id.is_some());
    if !well_formed || request.shares.len() > 100 {
        return Err(ApiError::invalid(
            "shares",
            "Each share names either a group or a user (at most 100 shares).",
            "Jede Freigabe nennt entweder eine Gruppe oder eine Person (höchstens 100).",
        ));
    }
    let school = session.school.id;
    state.store.replace_document_shares(school, id, &request.shares, state.now_ms()).await?;
    // Open connections are admitted again with the new shares (others see 4404 then).
    crate::documents::evict(&state, id, EvictReason::AccessChanged).await;
    let record = state.store.document(school, session.user.id, id).await?;
    Ok(Json(to_document(&state, record).await?))
}

pub async fn delete(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<DocumentId>,
) -> Result<StatusCode, ApiError> {
    let record = usable(&state, &session, id).await?;
    require(&record, DocumentAccess::Owner)?;
    state.store.set_document_deleted(id, Some(state.now_ms())).await?;
    crate::documents::evict(&state, id, EvictReason::Deleted).await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn restore(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<DocumentId>,
) -> Result<Json<Document>, ApiError> {
    let record = usable(&state, &session, id).await?;
    require(&record, DocumentAccess::Owner)?;
    state.store.set_document_deleted(id, None).await?;
    let record = state.store.document(session.school.id, session.user.id, id).await?;
    Ok(Json(to_document(&state, record).await?))
}
