//! Live documents as objects on the wire (docs/documents.md): office documents, texts and
//! whiteboards with their owner, shares and the caller's access.

use serde::{Deserialize, Serialize};

use crate::directory::text_enum;
use crate::ids::{DocumentId, DocumentVersionId, GroupId, UserId};

text_enum!(
    /// What a live document is: an office document, a collaborative text ("Text") or a whiteboard
    /// ("Tafel").
    DocumentKind { Office = "office", Text = "text", Board = "board" }
);

text_enum!(
    /// What a share allows.
    ShareAccess { Read = "read", Write = "write" }
);

text_enum!(
    /// What the caller may do with a document.
    DocumentAccess { Read = "read", Write = "write", Owner = "owner" }
);

/// One share: with a group (all its members) or with one user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentShare {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<GroupId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    pub access: ShareAccess,
}

/// A document as the caller sees it (`shares` only for its owner).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub id: DocumentId,
    pub kind: DocumentKind,
    pub title: String,
    pub owner_id: Option<UserId>,
    pub owner_name: String,
    pub my_access: DocumentAccess,
    pub shares: Option<Vec<DocumentShare>>,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateDocumentRequest {
    pub kind: DocumentKind,
    pub title: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenameDocumentRequest {
    pub title: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharesRequest {
    pub shares: Vec<DocumentShare>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentList {
    pub documents: Vec<Document>,
}

/// Someone named in a document's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRef {
    pub id: UserId,
    pub name: String,
}

/// A stored version of a document: automatic (`name` null) or named.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentVersion {
    pub id: DocumentVersionId,
    pub name: Option<String>,
    pub auto: bool,
    pub created_at: i64,
    pub created_by: Option<PersonRef>,
    pub size_bytes: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentVersionList {
    pub versions: Vec<DocumentVersion>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameVersionRequest {
    pub name: String,
}

/// Who edited a document, with how many updates and when last.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentAuthor {
    pub user_id: UserId,
    pub name: String,
    pub updates: i64,
    pub last_edit_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentAuthorList {
    pub authors: Vec<DocumentAuthor>,
}

/// A token for `/yjs/<document>?token=…` (reusable until it expires or the session ends).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentToken {
    pub token: String,
    pub expires_in_seconds: i64,
}
