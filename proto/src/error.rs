//! The error body of every API answer that is not a success, and the closed list of error codes.
//! Clients branch on `code`; `message` (English) and `message_de` (German) are for people.

use serde::{Deserialize, Serialize};

/// Machine-readable error codes. The HTTP status belongs to the code, so it is fixed here too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidJson,
    ValidationFailed,
    Unauthenticated,
    InvalidCredentials,
    AccountRestricted,
    AccountInactive,
    PasswordChangeRequired,
    ModuleDisabled,
    Forbidden,
    CsrfOriginMismatch,
    NotFound,
    ConflictLoginTaken,
    ConflictGroupNameTaken,
    ConflictImportIdTaken,
    BodyTooLarge,
    UnsupportedMediaType,
    LoginThrottled,
    RateLimited,
    SchoolRequired,
    ImportFileInvalid,
    RoomMuted,
    NotModerator,
    DirectChatNotAllowed,
    RoomManagedByGroup,
    PollClosed,
    PollStillOpen,
    PollNotDraft,
    InvalidVote,
    NotPollOwner,
    Internal,
    Unavailable,
}

impl ErrorCode {
    /// The HTTP status code that goes with this error.
    pub fn http_status(self) -> u16 {
        match self {
            Self::InvalidJson
            | Self::SchoolRequired
            | Self::ImportFileInvalid
            | Self::InvalidVote => 400,
            Self::Unauthenticated | Self::InvalidCredentials => 401,
            Self::AccountRestricted
            | Self::AccountInactive
            | Self::PasswordChangeRequired
            | Self::ModuleDisabled
            | Self::Forbidden
            | Self::CsrfOriginMismatch
            | Self::RoomMuted
            | Self::NotModerator
            | Self::DirectChatNotAllowed
            | Self::NotPollOwner => 403,
            Self::NotFound => 404,
            Self::ConflictLoginTaken
            | Self::ConflictGroupNameTaken
            | Self::ConflictImportIdTaken
            | Self::RoomManagedByGroup
            | Self::PollClosed
            | Self::PollStillOpen
            | Self::PollNotDraft => 409,
            Self::BodyTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::ValidationFailed => 422,
            Self::LoginThrottled | Self::RateLimited => 429,
            Self::Internal => 500,
            Self::Unavailable => 503,
        }
    }
}

/// The JSON body of an error answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    pub message_de: String,
    /// The request field the error is about, for validation errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
