//! Import of users from SchILD exports and generic CSV files, as a pure core without I/O.
//! `parse` turns the bytes of a file into records (with `mapping`, `record` and `reject`), `plan`
//! compares them with a snapshot of the directory and lists every change a dry run shows
//! (`classes` decides class renames), and `logins` makes login names. Applying a plan (SQL,
//! passwords, audit) is the store's job, outside this module.

mod classes;
pub mod logins;
pub mod mapping;
pub mod parse;
pub mod plan;
pub mod record;
pub mod reject;
#[cfg(test)]
mod testkit;

pub use logins::{base_login, unique_login};
pub use mapping::{ColumnMapping, detect_mapping};
pub use parse::{FileEncoding, ImportKind, ParseError, ParsedFile, parse};
pub use plan::{
    ClassMove, ClassRename, Deactivation, DeactivationReason, DirectorySnapshot, ExistingUser,
    FieldChange, ImportPlan, ParentLink, PlanSummary, PlannedCreate, PlannedUpdate, Reactivation,
    SkippedRecord, UserField, plan,
};
pub use record::ImportRecord;
pub use reject::{RejectReason, RejectedLine};
