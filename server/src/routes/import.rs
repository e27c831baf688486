//! Admin API for imports: a dry-run preview, the apply (streamed as JSON lines with progress, so a
//! large file shows a progress bar), the credentials sheet of a run (HTML and CSV) and the saved
//! column mapping profiles per kind of import.

use std::convert::Infallible;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use schulhof_proto::ErrorCode;
use serde::Deserialize;

use crate::auth::AdminSession;
use crate::credentials_sheet::{credentials_csv, credentials_html};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::import::parse::MAX_FILE_BYTES;
use crate::import::{ColumnMapping, ImportKind};
use crate::importer::{self, Actor, ImportError, ImportFile, Preview};
use crate::state::SharedState;

/// Largest accepted import upload (the parser's own limit).
pub const MAX_IMPORT_BYTES: usize = MAX_FILE_BYTES;

#[derive(Debug, Deserialize)]
pub struct KindQuery {
    kind: ImportKind,
}

impl From<ImportError> for ApiError {
    fn from(error: ImportError) -> Self {
        match error {
            ImportError::Parse(parse) => ApiError::with_messages(
                ErrorCode::ImportFileInvalid,
                parse.message(),
                parse.message_de(),
            ),
            ImportError::Store(store) => store.into(),
            other => ApiError::internal(other),
        }
    }
}

fn file_bytes(body: Result<Bytes, BytesRejection>) -> Result<Vec<u8>, ApiError> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(ErrorCode::BodyTooLarge)
        } else {
            ApiError::new(ErrorCode::ImportFileInvalid)
        }
    })?;
    if bytes.is_empty() {
        return Err(ApiError::with_messages(
            ErrorCode::ImportFileInvalid,
            "The file is empty.",
            "Die Datei ist leer.",
        ));
    }
    Ok(bytes.to_vec())
}

pub async fn preview(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiQuery(query): ApiQuery<KindQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Preview>, ApiError> {
    let bytes = file_bytes(body)?;
    let file = ImportFile { school: admin.school.id, kind: query.kind, bytes, mapping: None };
    Ok(Json(importer::preview(&state.store, file).await?))
}

/// Applies the file and answers with JSON lines: `{"type":"progress","done":…,"total":…}` while
/// the transaction runs, then `{"type":"done",…}` or `{"type":"error",…}`. The import runs in its
/// own task, so it completes (all or nothing) even if the client goes away.
pub async fn apply(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiQuery(query): ApiQuery<KindQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = file_bytes(body)?;
    let (lines, receiver) = tokio::sync::mpsc::channel::<String>(64);
    tokio::spawn(async move {
        let progress_lines = lines.clone();
        // Progress lines are snapshots: when the client reads slowly a newer one replaces an
        // unsent one (try_send), while the final line below is always delivered or the client
        // is gone.
        let mut progress = move |done: usize, total: usize| {
            let line = serde_json::json!({ "type": "progress", "done": done, "total": total });
            let _ = progress_lines.try_send(format!("{line}\n"));
        };
        let actor = Actor { id: Some(admin.user.id), login: &admin.user.login };
        let now = state.now_ms();
        let file = ImportFile { school: admin.school.id, kind: query.kind, bytes, mapping: None };
        let result = importer::apply(&state.store, file, actor, now, &mut progress).await;
        let line = match result {
            Ok(applied) => serde_json::json!({ "type": "done", "result": applied }),
            Err(error) => {
                let error = ApiError::from(error);
                serde_json::json!({ "type": "error", "error": error.body() })
            }
        };
        let _ = lines.send(format!("{line}\n")).await;
    });
    let body =
        Body::from_stream(futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|line| (Ok::<_, Infallible>(line), receiver))
        }));
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

#[derive(Debug, Deserialize)]
pub struct RunPath {
    run: String,
}

pub async fn credentials_sheet_csv(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(path): ApiPath<RunPath>,
) -> Result<Response, ApiError> {
    let rows = state.store.import_credentials(admin.school.id, &path.run, state.now_ms()).await?;
    if rows.is_empty() {
        return Err(ApiError::not_found());
    }
    let disposition = "attachment; filename=\"zugangsdaten.csv\"";
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        credentials_csv(&rows),
    )
        .into_response())
}

pub async fn credentials_sheet_html(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(path): ApiPath<RunPath>,
) -> Result<Response, ApiError> {
    let rows = state.store.import_credentials(admin.school.id, &path.run, state.now_ms()).await?;
    if rows.is_empty() {
        return Err(ApiError::not_found());
    }
    let url = state
        .config
        .public_url
        .as_ref()
        .map_or_else(|| "der Schulplattform".to_owned(), |u| u.origin().ascii_serialization());
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        credentials_html(&admin.school.name, &url, &rows),
    )
        .into_response())
}

/// Deletes a run's credentials once they have been handed out.
pub async fn discard_credentials(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(path): ApiPath<RunPath>,
) -> Result<StatusCode, ApiError> {
    state.store.discard_import_credentials(admin.school.id, &path.run).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub struct KindPath {
    kind: ImportKind,
}

pub async fn profile(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(path): ApiPath<KindPath>,
) -> Result<Json<ColumnMapping>, ApiError> {
    let mapping = state.store.import_profile(admin.school.id, path.kind).await?;
    mapping.map(Json).ok_or_else(ApiError::not_found)
}

pub async fn save_profile(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(path): ApiPath<KindPath>,
    ApiJson(mapping): ApiJson<ColumnMapping>,
) -> Result<Json<ColumnMapping>, ApiError> {
    for (field, header) in [
        ("import_id", &mapping.import_id),
        ("last_name", &mapping.last_name),
        ("first_name", &mapping.first_name),
    ] {
        if header.trim().is_empty() {
            return Err(ApiError::invalid(
                field,
                "Import ID, last name and first name need a column.",
                "Import-ID, Nachname und Vorname brauchen eine Spalte.",
            ));
        }
    }
    state.store.save_import_profile(admin.school.id, path.kind, &mapping, state.now_ms()).await?;
    crate::audit::record(
        &state,
        &admin,
        "import.profile_saved",
        Some(path.kind.as_str().to_owned()),
        "column mapping",
    )
    .await?;
    Ok(Json(mapping))
}
