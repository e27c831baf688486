//! `ApiError`: the one error type at the HTTP edge. Every failure becomes a status code plus a JSON
//! body `{code, message, message_de}`; internal details are logged, never sent to the client.

use std::borrow::Cow;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use schulhof_proto::{ErrorBody, ErrorCode};

use crate::store::StoreError;

type Text = Cow<'static, str>;

/// An error answer: a code with English and German messages.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    message: Text,
    message_de: Text,
    field: Option<&'static str>,
    retry_after_seconds: Option<u64>,
}

impl ApiError {
    /// An error with the standard messages for its code.
    pub fn new(code: ErrorCode) -> Self {
        let (message, message_de) = standard_messages(code);
        Self {
            code,
            message: message.into(),
            message_de: message_de.into(),
            field: None,
            retry_after_seconds: None,
        }
    }

    /// A validation error about one request field.
    pub fn invalid(
        field: &'static str,
        message: impl Into<Text>,
        message_de: impl Into<Text>,
    ) -> Self {
        Self {
            code: ErrorCode::ValidationFailed,
            message: message.into(),
            message_de: message_de.into(),
            field: Some(field),
            retry_after_seconds: None,
        }
    }

    /// An error with its own messages instead of the code's standard ones.
    pub fn with_messages(
        code: ErrorCode,
        message: impl Into<Text>,
        message_de: impl Into<Text>,
    ) -> Self {
        Self { message: message.into(), message_de: message_de.into(), ..Self::new(code) }
    }

    /// The JSON body this error answers with.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code,
            message: self.message.to_string(),
            message_de: self.message_de.to_string(),
            field: self.field.map(str::to_owned),
        }
    }

    /// Too many login attempts; retry after the given time.
    pub fn throttled(retry_after_seconds: u64) -> Self {
        Self {
            retry_after_seconds: Some(retry_after_seconds.max(1)),
            ..Self::new(ErrorCode::LoginThrottled)
        }
    }

    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound)
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden)
    }

    /// An unexpected failure: logged here, shown to the client only as `internal`.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        Self::new(ErrorCode::Internal)
    }
}

fn standard_messages(code: ErrorCode) -> (&'static str, &'static str) {
    match code {
        ErrorCode::InvalidJson => {
            ("The request body is not valid JSON.", "Die Anfrage enthält kein gültiges JSON.")
        }
        ErrorCode::ValidationFailed => {
            ("The request contains invalid values.", "Die Anfrage enthält ungültige Werte.")
        }
        ErrorCode::Unauthenticated => ("Please log in.", "Bitte melde dich an."),
        ErrorCode::InvalidCredentials => {
            ("Login name or password is wrong.", "Anmeldename oder Passwort ist falsch.")
        }
        ErrorCode::AccountRestricted => (
            "Your account is restricted because the required consent is missing. Please contact your school.",
            "Dein Konto ist eingeschränkt, weil die nötige Einwilligung fehlt. Bitte wende dich an deine Schule.",
        ),
        ErrorCode::AccountInactive => (
            "Your account is deactivated. Please contact your school.",
            "Dein Konto ist deaktiviert. Bitte wende dich an deine Schule.",
        ),
        ErrorCode::PasswordChangeRequired => {
            ("Please set your own password first.", "Bitte lege zuerst ein eigenes Passwort fest.")
        }
        ErrorCode::ModuleDisabled => (
            "This module is not switched on at your school.",
            "Dieses Modul ist an deiner Schule nicht freigeschaltet.",
        ),
        ErrorCode::ImportFileInvalid => {
            ("The import file cannot be read.", "Die Importdatei kann nicht gelesen werden.")
        }
        ErrorCode::Forbidden => {
            ("You are not allowed to do this.", "Dazu bist du nicht berechtigt.")
        }
        ErrorCode::CsrfOriginMismatch => {
            ("The request did not come from this site.", "Die Anfrage kam nicht von dieser Seite.")
        }
        ErrorCode::NotFound => ("Not found.", "Nicht gefunden."),
        ErrorCode::ConflictLoginTaken => {
            ("This login name is already taken.", "Dieser Anmeldename ist schon vergeben.")
        }
        ErrorCode::ConflictGroupNameTaken => (
            "A group with this name already exists.",
            "Eine Gruppe mit diesem Namen gibt es schon.",
        ),
        ErrorCode::ConflictImportIdTaken => {
            ("This import ID is already in use.", "Diese Import-ID ist schon vergeben.")
        }
        ErrorCode::BodyTooLarge => ("The request is too large.", "Die Anfrage ist zu groß."),
        ErrorCode::UnsupportedMediaType => (
            "The request must be JSON (Content-Type: application/json).",
            "Die Anfrage muss JSON sein (Content-Type: application/json).",
        ),
        ErrorCode::RateLimited => (
            "Too many requests; please wait a moment.",
            "Zu viele Anfragen; bitte warte einen Moment.",
        ),
        ErrorCode::LoginThrottled => (
            "Too many login attempts. Please wait a moment.",
            "Zu viele Anmeldeversuche. Bitte warte einen Moment.",
        ),
        ErrorCode::SchoolRequired => (
            "This login name exists at several schools. Please choose your school.",
            "Diesen Anmeldenamen gibt es an mehreren Schulen. Bitte wähle deine Schule.",
        ),
        ErrorCode::RoomMuted => (
            "The room is muted: only its moderators may write.",
            "Der Raum ist stummgeschaltet: Nur Moderierende dürfen schreiben.",
        ),
        ErrorCode::NotModerator => (
            "Only the room's moderators may do this.",
            "Das dürfen nur die Moderierenden des Raums.",
        ),
        ErrorCode::DirectChatNotAllowed => (
            "You may not start a direct chat with this person.",
            "Mit dieser Person darfst du keinen Direktchat beginnen.",
        ),
        ErrorCode::RoomManagedByGroup => (
            "The members of a class room follow the class; change the group instead.",
            "Die Mitglieder eines Klassenraums folgen der Klasse; ändere stattdessen die Gruppe.",
        ),
        ErrorCode::PollClosed => ("The poll is not open.", "Die Umfrage ist nicht geöffnet."),
        ErrorCode::PollStillOpen => (
            "The results can be exported once the poll is closed.",
            "Die Ergebnisse können nach dem Schließen der Umfrage exportiert werden.",
        ),
        ErrorCode::PollNotDraft => {
            ("Only a draft can be changed.", "Nur ein Entwurf kann geändert werden.")
        }
        ErrorCode::InvalidVote => {
            ("These choices do not fit the poll.", "Diese Auswahl passt nicht zur Umfrage.")
        }
        ErrorCode::NotPollOwner => (
            "Only the poll's owner may do this.",
            "Das darf nur die Person, die die Umfrage erstellt hat.",
        ),
        ErrorCode::Internal => {
            ("Something went wrong on the server.", "Auf dem Server ist ein Fehler aufgetreten.")
        }
        ErrorCode::Unavailable => {
            ("The service is not available right now.", "Der Dienst ist gerade nicht erreichbar.")
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after_seconds {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::not_found(),
            StoreError::LoginTaken => {
                Self { field: Some("login"), ..Self::new(ErrorCode::ConflictLoginTaken) }
            }
            StoreError::ImportIdTaken => {
                Self { field: Some("import_id"), ..Self::new(ErrorCode::ConflictImportIdTaken) }
            }
            StoreError::GroupNameTaken => {
                Self { field: Some("name"), ..Self::new(ErrorCode::ConflictGroupNameTaken) }
            }
            other => Self::internal(other),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Self::new(ErrorCode::BodyTooLarge),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::new(ErrorCode::UnsupportedMediaType),
            StatusCode::UNPROCESSABLE_ENTITY => Self {
                message: rejection.body_text().into(),
                message_de: format!("Ungültige Anfrage: {}", rejection.body_text()).into(),
                ..Self::new(ErrorCode::ValidationFailed)
            },
            _ => Self::new(ErrorCode::InvalidJson),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        Self::not_found()
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self {
            message: rejection.body_text().into(),
            message_de: format!("Ungültiger Filter: {}", rejection.body_text()).into(),
            ..Self::new(ErrorCode::ValidationFailed)
        }
    }
}
