//! The dry run of an import: compares a parsed file with a snapshot of the import-managed accounts
//! and lists every change (creates, updates, class moves and renames, deactivations,
//! reactivations, parent links) without performing any. The result is what the preview shows and
//! what the apply step executes; planning the same file again after applying yields a no-op plan.

use std::collections::{BTreeSet, HashMap, HashSet};

use schulhof_proto::{UserId, UserStatus};
use serde::Serialize;

use super::classes::plan_class_changes;
use super::logins::{base_login, normalize_given_login, unique_login};
use super::parse::{ImportKind, ParsedFile};
use super::record::ImportRecord;
use super::reject::RejectedLine;

/// SchILD statuses of people who have left the school: 8 graduated, 9 left, 10 former.
pub const LEAVER_STATUSES: [u32; 3] = [8, 9, 10];

/// The state of the directory the plan is made against.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DirectorySnapshot {
    /// The import-managed accounts (those with an import ID) of the role being imported, in any
    /// status.
    pub users: Vec<ExistingUser>,
    /// Every login name of the school (all roles, with or without import ID), lower-case.
    pub taken_logins: HashSet<String>,
    /// The names of all class groups of the school.
    pub class_names: HashSet<String>,
}

/// An import-managed account as it is now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExistingUser {
    pub id: UserId,
    pub import_id: String,
    pub login: String,
    pub display_name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// The name of the pupil's current class group.
    pub class: Option<String>,
    pub status: UserStatus,
    /// For parents: the import IDs of the children they are linked to now.
    pub child_import_ids: Vec<String>,
}

/// Everything an import would change. Lists from file records are in line order, others as noted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportPlan {
    pub kind: ImportKind,
    pub creates: Vec<PlannedCreate>,
    pub updates: Vec<PlannedUpdate>,
    /// Pupils whose class changes, including those covered by a class rename.
    pub moves: Vec<ClassMove>,
    /// In the order they must be applied (a rename may free the name the next one takes), before
    /// `class_creates` and `moves`.
    pub class_renames: Vec<ClassRename>,
    /// Sorted by name.
    pub class_creates: Vec<String>,
    /// Sorted by import ID.
    pub deactivations: Vec<Deactivation>,
    pub reactivations: Vec<Reactivation>,
    /// Every parent–child link to add, for new and existing parents, sorted. The apply step
    /// resolves the child import IDs to pupils and reports unknown ones.
    pub parent_links: Vec<ParentLink>,
    /// Links the file no longer lists, sorted.
    pub parent_unlinks: Vec<ParentLink>,
    /// New import IDs with a leaver status: not created.
    pub skipped_leavers: Vec<SkippedRecord>,
    /// Import IDs of accounts that are marked deleted (waiting for the purge): left alone.
    pub skipped_deleted: Vec<SkippedRecord>,
    /// The lines the parser rejected. Accounts whose import ID appears here are left alone.
    pub rejected: Vec<RejectedLine>,
}

/// A new account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedCreate {
    pub line: usize,
    pub import_id: String,
    /// Unique among existing and planned logins.
    pub login: String,
    pub display_name: String,
    /// Pupils only.
    pub class: Option<String>,
    pub birth_date: Option<String>,
    pub email: Option<String>,
    /// For the preview; the links themselves are in `ImportPlan::parent_links`.
    pub child_import_ids: Vec<String>,
}

/// Changed fields of an existing account. The login name never changes on re-import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedUpdate {
    pub line: usize,
    pub user_id: UserId,
    pub import_id: String,
    pub changes: Vec<FieldChange>,
}

/// The account fields an import updates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UserField {
    DisplayName,
    BirthDate,
}

/// One field's old and new value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: UserField,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A pupil changing class.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClassMove {
    pub line: usize,
    pub user_id: UserId,
    pub import_id: String,
    pub display_name: String,
    pub from: Option<String>,
    pub to: String,
}

/// A class group renamed because all its members move on together (e.g. 5a → 6a).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClassRename {
    pub from: String,
    pub to: String,
}

/// An account to deactivate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Deactivation {
    pub user_id: UserId,
    pub import_id: String,
    pub display_name: String,
    pub reason: DeactivationReason,
}

/// Why an account is deactivated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeactivationReason {
    /// The import ID is not in the file.
    MissingFromFile,
    /// The file gives a leaver status (8, 9 or 10).
    Left { schild_status: u32 },
}

/// An inactive account whose import ID is back in the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reactivation {
    pub line: usize,
    pub user_id: UserId,
    pub import_id: String,
    pub display_name: String,
}

/// A parent–child link by import IDs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ParentLink {
    pub parent_import_id: String,
    pub child_import_id: String,
}

/// A file record the plan does nothing with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkippedRecord {
    pub line: usize,
    pub import_id: String,
}

/// How many changes of each kind a plan holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PlanSummary {
    pub creates: usize,
    pub updates: usize,
    pub moves: usize,
    pub class_creates: usize,
    pub class_renames: usize,
    pub deactivations: usize,
    pub reactivations: usize,
    pub parent_links: usize,
    pub parent_unlinks: usize,
    pub skipped_leavers: usize,
    pub rejected: usize,
}

impl ImportPlan {
    fn empty(kind: ImportKind, rejected: Vec<RejectedLine>) -> Self {
        Self {
            kind,
            creates: Vec::new(),
            updates: Vec::new(),
            moves: Vec::new(),
            class_renames: Vec::new(),
            class_creates: Vec::new(),
            deactivations: Vec::new(),
            reactivations: Vec::new(),
            parent_links: Vec::new(),
            parent_unlinks: Vec::new(),
            skipped_leavers: Vec::new(),
            skipped_deleted: Vec::new(),
            rejected,
        }
    }

    /// The counts for the preview's headline.
    pub fn summary(&self) -> PlanSummary {
        PlanSummary {
            creates: self.creates.len(),
            updates: self.updates.len(),
            moves: self.moves.len(),
            class_creates: self.class_creates.len(),
            class_renames: self.class_renames.len(),
            deactivations: self.deactivations.len(),
            reactivations: self.reactivations.len(),
            parent_links: self.parent_links.len(),
            parent_unlinks: self.parent_unlinks.len(),
            skipped_leavers: self.skipped_leavers.len(),
            rejected: self.rejected.len(),
        }
    }

    /// Whether applying the plan would change nothing (rejected and skipped lines change nothing).
    pub fn is_noop(&self) -> bool {
        self.creates.is_empty()
            && self.updates.is_empty()
            && self.moves.is_empty()
            && self.class_renames.is_empty()
            && self.class_creates.is_empty()
            && self.deactivations.is_empty()
            && self.reactivations.is_empty()
            && self.parent_links.is_empty()
            && self.parent_unlinks.is_empty()
    }
}

/// Plans the import of `parsed` into the directory described by `directory`.
pub fn plan(parsed: &ParsedFile, directory: &DirectorySnapshot) -> ImportPlan {
    let mut planner = Planner {
        parsed,
        plan: ImportPlan::empty(parsed.kind, parsed.rejected.clone()),
        taken_logins: directory.taken_logins.clone(),
        classes_after_import: BTreeSet::new(),
    };
    let mut existing_by_import_id: HashMap<&str, &ExistingUser> = HashMap::new();
    for user in &directory.users {
        existing_by_import_id.entry(user.import_id.as_str()).or_insert(user);
    }

    for record in &parsed.records {
        match existing_by_import_id.get(record.import_id.as_str()) {
            None => planner.new_record(record),
            Some(user) => planner.known_record(record, user),
        }
    }
    planner.missing_from_file(&directory.users);

    let mut plan = planner.plan;
    if parsed.kind == ImportKind::Pupils {
        let (renames, creates) =
            plan_class_changes(directory, &plan.moves, &planner.classes_after_import);
        plan.class_renames = renames;
        plan.class_creates = creates;
    }
    plan.deactivations.sort_by(|a, b| a.import_id.cmp(&b.import_id));
    plan.parent_links.sort();
    plan.parent_unlinks.sort();
    plan
}

/// The working state of `plan`.
struct Planner<'file> {
    parsed: &'file ParsedFile,
    plan: ImportPlan,
    /// Existing logins plus those planned so far.
    taken_logins: HashSet<String>,
    /// Classes of the pupils that will have an account after the import.
    classes_after_import: BTreeSet<String>,
}

impl Planner<'_> {
    fn tracks_classes(&self) -> bool {
        self.parsed.kind == ImportKind::Pupils
    }

    fn tracks_birth_dates(&self) -> bool {
        self.parsed.mapping.birth_date.is_some()
    }

    /// Without a child column the file says nothing about links, so none are removed.
    fn tracks_children(&self) -> bool {
        self.parsed.kind == ImportKind::Parents && self.parsed.mapping.child_import_id.is_some()
    }

    /// A record whose import ID has no account yet.
    fn new_record(&mut self, record: &ImportRecord) {
        if leaver_status(record).is_some() {
            self.plan
                .skipped_leavers
                .push(SkippedRecord { line: record.line, import_id: record.import_id.clone() });
            return;
        }
        let login = self.new_login(record);
        let class = record.class.clone().filter(|_| self.tracks_classes());
        if let Some(class) = &class {
            self.classes_after_import.insert(class.clone());
        }
        let child_import_ids =
            if self.tracks_children() { record.child_import_ids.clone() } else { Vec::new() };
        for child in &child_import_ids {
            self.plan.parent_links.push(ParentLink {
                parent_import_id: record.import_id.clone(),
                child_import_id: child.clone(),
            });
        }
        self.plan.creates.push(PlannedCreate {
            line: record.line,
            import_id: record.import_id.clone(),
            login,
            display_name: record.display_name(),
            class,
            birth_date: record.birth_date.clone(),
            email: record.email.clone(),
            child_import_ids,
        });
    }

    /// The file's login if it is valid, else `vorname.nachname` (with the call name), made unique.
    fn new_login(&mut self, record: &ImportRecord) -> String {
        let base = record
            .login
            .as_deref()
            .and_then(normalize_given_login)
            .unwrap_or_else(|| base_login(&record.display_first_name, &record.last_name));
        let login = unique_login(&base, &self.taken_logins);
        self.taken_logins.insert(login.clone());
        login
    }

    /// A record whose import ID belongs to an existing account.
    fn known_record(&mut self, record: &ImportRecord, user: &ExistingUser) {
        if user.status == UserStatus::Deleted {
            self.plan
                .skipped_deleted
                .push(SkippedRecord { line: record.line, import_id: record.import_id.clone() });
            return;
        }
        if let Some(schild_status) = leaver_status(record) {
            if is_enabled(user.status) {
                self.plan.deactivations.push(Deactivation {
                    user_id: user.id,
                    import_id: user.import_id.clone(),
                    display_name: user.display_name.clone(),
                    reason: DeactivationReason::Left { schild_status },
                });
            }
            return;
        }
        let display_name = record.display_name();
        if user.status == UserStatus::Inactive {
            self.plan.reactivations.push(Reactivation {
                line: record.line,
                user_id: user.id,
                import_id: user.import_id.clone(),
                display_name: display_name.clone(),
            });
        }
        self.field_changes(record, user, &display_name);
        if self.tracks_classes()
            && let Some(class) = &record.class
        {
            self.classes_after_import.insert(class.clone());
            if user.class.as_ref() != Some(class) {
                self.plan.moves.push(ClassMove {
                    line: record.line,
                    user_id: user.id,
                    import_id: user.import_id.clone(),
                    display_name,
                    from: user.class.clone(),
                    to: class.clone(),
                });
            }
        }
        if self.tracks_children() {
            self.link_changes(record, user);
        }
    }

    /// Display name and birth date. An empty birth date in the file keeps the stored one.
    fn field_changes(&mut self, record: &ImportRecord, user: &ExistingUser, display_name: &str) {
        let mut changes = Vec::new();
        if user.display_name != display_name {
            changes.push(FieldChange {
                field: UserField::DisplayName,
                old: Some(user.display_name.clone()),
                new: Some(display_name.to_owned()),
            });
        }
        if self.tracks_birth_dates()
            && record.birth_date.is_some()
            && record.birth_date != user.birth_date
        {
            changes.push(FieldChange {
                field: UserField::BirthDate,
                old: user.birth_date.clone(),
                new: record.birth_date.clone(),
            });
        }
        if !changes.is_empty() {
            self.plan.updates.push(PlannedUpdate {
                line: record.line,
                user_id: user.id,
                import_id: user.import_id.clone(),
                changes,
            });
        }
    }

    fn link_changes(&mut self, record: &ImportRecord, user: &ExistingUser) {
        let link = |child: &String| ParentLink {
            parent_import_id: user.import_id.clone(),
            child_import_id: child.clone(),
        };
        for child in &record.child_import_ids {
            if !user.child_import_ids.contains(child) {
                self.plan.parent_links.push(link(child));
            }
        }
        for child in &user.child_import_ids {
            if !record.child_import_ids.contains(child) {
                self.plan.parent_unlinks.push(link(child));
            }
        }
    }

    /// Enabled accounts whose import ID is in no line of the file, not even a rejected one.
    fn missing_from_file(&mut self, users: &[ExistingUser]) {
        let in_file: HashSet<&str> = self
            .parsed
            .records
            .iter()
            .map(|record| record.import_id.as_str())
            .chain(self.parsed.rejected.iter().filter_map(|rejected| rejected.import_id.as_deref()))
            .collect();
        for user in users {
            if is_enabled(user.status) && !in_file.contains(user.import_id.as_str()) {
                self.plan.deactivations.push(Deactivation {
                    user_id: user.id,
                    import_id: user.import_id.clone(),
                    display_name: user.display_name.clone(),
                    reason: DeactivationReason::MissingFromFile,
                });
            }
        }
    }
}

/// The record's SchILD status if it marks a leaver.
fn leaver_status(record: &ImportRecord) -> Option<u32> {
    record.schild_status.filter(|status| LEAVER_STATUSES.contains(status))
}

/// Accounts an import may deactivate.
fn is_enabled(status: UserStatus) -> bool {
    matches!(status, UserStatus::Active | UserStatus::Restricted)
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
