//! School administration on the wire: consent records, module switches, the audit log and import
//! results (see docs/api.md).

use serde::{Deserialize, Serialize};

use crate::directory::text_enum;
use crate::ids::UserId;

text_enum!(
    /// Who gave a consent: the parents (guardians) or the pupil.
    ConsentGiver { Parents = "parents", Pupil = "pupil" }
);

text_enum!(
    /// The platform's modules that a school switches on (after its school conference decided).
    Module {
        Messenger = "messenger",
        Video = "video",
        Documents = "documents",
        Texts = "texts",
        Boards = "boards",
        Polls = "polls",
        Files = "files",
        Mail = "mail",
        AddressBook = "addressbook",
    }
);

/// One consent record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub id: String,
    pub given_by: ConsentGiver,
    pub recorded_at: i64,
    pub recorded_by: Option<UserId>,
    pub withdrawn_at: Option<i64>,
}

/// A pupil's consents and what the age rule requires today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentState {
    pub user_id: UserId,
    /// Who must consent at the pupil's age (<14 parents, 14–15 both, 16+ the pupil).
    pub required: Vec<ConsentGiver>,
    /// Current (not withdrawn) consents.
    pub present: Vec<ConsentGiver>,
    pub satisfied: bool,
    pub records: Vec<Consent>,
}

/// Records (or withdraws) a consent for many users at once, e.g. a ticked class list.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BulkConsentRequest {
    pub user_ids: Vec<UserId>,
    pub given_by: ConsentGiver,
    /// `false` withdraws the consent.
    pub given: bool,
}

/// A module's switch at a school.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleSwitch {
    pub module: Module,
    pub enabled: bool,
    pub changed_at: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SetModuleRequest {
    pub enabled: bool,
}

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    pub at: i64,
    pub actor_id: Option<UserId>,
    pub actor_login: String,
    pub action: String,
    pub target_id: Option<String>,
    pub summary: String,
}
