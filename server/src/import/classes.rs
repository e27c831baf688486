//! Which class groups an import renames and creates. A class X is renamed to Y when every current
//! import-managed member of X moves to Y, no other class moves wholly to Y, and Y is free at that
//! moment: either it does not exist, or an earlier rename in the list took its old group away
//! (so 6a→7a followed by 5a→6a carries both groups up a year). Every other class the file needs
//! and the directory lacks after the renames is created.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use schulhof_proto::UserId;

use super::plan::{ClassMove, ClassRename, DirectorySnapshot};

/// The renames, in the order they must be applied, and the classes to create (sorted).
pub(crate) fn plan_class_changes(
    directory: &DirectorySnapshot,
    moves: &[ClassMove],
    classes_after_import: &BTreeSet<String>,
) -> (Vec<ClassRename>, Vec<String>) {
    let renames = ordered_renames(directory, rename_candidates(directory, moves));

    let mut existing_after_renames: HashSet<&str> =
        directory.class_names.iter().map(String::as_str).collect();
    for rename in &renames {
        existing_after_renames.remove(rename.from.as_str());
    }
    for rename in &renames {
        existing_after_renames.insert(rename.to.as_str());
    }
    let creates = classes_after_import
        .iter()
        .filter(|class| !existing_after_renames.contains(class.as_str()))
        .cloned()
        .collect();
    (renames, creates)
}

/// Classes whose members all move to one and the same class, keyed by that class; only targets
/// with a single such source are kept.
fn rename_candidates(
    directory: &DirectorySnapshot,
    moves: &[ClassMove],
) -> BTreeMap<String, String> {
    let target_of: HashMap<UserId, &str> =
        moves.iter().map(|class_move| (class_move.user_id, class_move.to.as_str())).collect();
    let mut members_by_class: BTreeMap<&str, Vec<UserId>> = BTreeMap::new();
    for user in &directory.users {
        if let Some(class) = &user.class {
            members_by_class.entry(class).or_default().push(user.id);
        }
    }

    let mut sources_by_target: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (class, members) in &members_by_class {
        let targets: BTreeSet<Option<&str>> =
            members.iter().map(|member| target_of.get(member).copied()).collect();
        if let [Some(target)] = targets.into_iter().collect::<Vec<_>>().as_slice() {
            sources_by_target.entry(target).or_default().push(class);
        }
    }
    sources_by_target
        .into_iter()
        .filter_map(|(target, sources)| match sources.as_slice() {
            [source] => Some(((*source).to_owned(), target.to_owned())),
            _ => None,
        })
        .collect()
}

/// Accepts candidates (source → target) whose target is free, freeing each source in turn, until
/// no further candidate fits. Cycles (5a↔5b) stay moves.
fn ordered_renames(
    directory: &DirectorySnapshot,
    mut candidates: BTreeMap<String, String>,
) -> Vec<ClassRename> {
    let mut occupied: HashSet<String> = directory.class_names.clone();
    occupied.extend(directory.users.iter().filter_map(|user| user.class.clone()));
    let mut renames = Vec::new();
    loop {
        let free = candidates
            .iter()
            .find(|(_, target)| !occupied.contains(*target))
            .map(|(source, target)| (source.clone(), target.clone()));
        let Some((from, to)) = free else {
            return renames;
        };
        candidates.remove(&from);
        occupied.remove(&from);
        occupied.insert(to.clone());
        renames.push(ClassRename { from, to });
    }
}

#[cfg(test)]
mod tests {
    use schulhof_proto::UserStatus;

    use super::*;
    use crate::import::plan::ExistingUser;

    fn pupil(id: u128, class: &str) -> ExistingUser {
        ExistingUser {
            id: UserId(uuid::Uuid::from_u128(id)),
            import_id: id.to_string(),
            login: format!("pupil{id}"),
            display_name: format!("Pupil {id}"),
            birth_date: None,
            class: Some(class.to_owned()),
            status: UserStatus::Active,
            child_import_ids: Vec::new(),
        }
    }

    fn moved(user: &ExistingUser, to: &str) -> ClassMove {
        ClassMove {
            line: 0,
            user_id: user.id,
            import_id: user.import_id.clone(),
            display_name: user.display_name.clone(),
            from: user.class.clone(),
            to: to.to_owned(),
        }
    }

    fn directory(users: Vec<ExistingUser>) -> DirectorySnapshot {
        DirectorySnapshot {
            class_names: users.iter().filter_map(|u| u.class.clone()).collect(),
            users,
            taken_logins: HashSet::new(),
        }
    }

    fn classes(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    fn rename(from: &str, to: &str) -> ClassRename {
        ClassRename { from: from.into(), to: to.into() }
    }

    #[test]
    fn a_class_moving_together_to_a_new_name_is_renamed() {
        let users = vec![pupil(1, "5a"), pupil(2, "5a"), pupil(3, "5b")];
        let moves = [moved(&users[0], "6a"), moved(&users[1], "6a")];
        let (renames, creates) =
            plan_class_changes(&directory(users), &moves, &classes(&["6a", "5b"]));
        assert_eq!(renames, [rename("5a", "6a")]);
        assert!(creates.is_empty());
    }

    #[test]
    fn a_class_with_someone_staying_is_not_renamed() {
        let users = vec![pupil(1, "5a"), pupil(2, "5a")];
        let moves = [moved(&users[0], "6a")];
        let (renames, creates) =
            plan_class_changes(&directory(users), &moves, &classes(&["5a", "6a"]));
        assert!(renames.is_empty());
        assert_eq!(creates, ["6a"]);
    }

    #[test]
    fn a_split_class_is_not_renamed() {
        let users = vec![pupil(1, "5a"), pupil(2, "5a")];
        let moves = [moved(&users[0], "6a"), moved(&users[1], "6b")];
        let (renames, creates) =
            plan_class_changes(&directory(users), &moves, &classes(&["6a", "6b"]));
        assert!(renames.is_empty());
        assert_eq!(creates, ["6a", "6b"]);
    }

    #[test]
    fn moving_into_an_existing_class_is_no_rename() {
        let users = vec![pupil(1, "5a"), pupil(2, "6a")];
        let moves = [moved(&users[0], "6a")];
        let (renames, creates) = plan_class_changes(&directory(users), &moves, &classes(&["6a"]));
        assert!(renames.is_empty());
        assert!(creates.is_empty());
    }

    #[test]
    fn two_classes_merging_are_not_renamed() {
        let users = vec![pupil(1, "5a"), pupil(2, "5b")];
        let moves = [moved(&users[0], "6x"), moved(&users[1], "6x")];
        let (renames, creates) = plan_class_changes(&directory(users), &moves, &classes(&["6x"]));
        assert!(renames.is_empty());
        assert_eq!(creates, ["6x"]);
    }

    #[test]
    fn a_year_change_renames_from_the_top_and_recreates_freed_names() {
        let users = vec![pupil(1, "5a"), pupil(2, "6a"), pupil(3, "7a")];
        let moves = [moved(&users[0], "6a"), moved(&users[1], "7a"), moved(&users[2], "8a")];
        // New pupils arrive in 5a.
        let (renames, creates) =
            plan_class_changes(&directory(users), &moves, &classes(&["5a", "6a", "7a", "8a"]));
        assert_eq!(renames, [rename("7a", "8a"), rename("6a", "7a"), rename("5a", "6a")]);
        assert_eq!(creates, ["5a"]);
    }

    #[test]
    fn swapped_classes_stay_moves() {
        let users = vec![pupil(1, "5a"), pupil(2, "5b")];
        let moves = [moved(&users[0], "5b"), moved(&users[1], "5a")];
        let (renames, creates) =
            plan_class_changes(&directory(users), &moves, &classes(&["5a", "5b"]));
        assert!(renames.is_empty());
        assert!(creates.is_empty());
    }

    #[test]
    fn a_class_group_without_import_members_blocks_its_name() {
        let users = vec![pupil(1, "5a")];
        let moves = [moved(&users[0], "6a")];
        let mut directory = directory(users);
        directory.class_names.insert("6a".into());
        let (renames, creates) = plan_class_changes(&directory, &moves, &classes(&["6a"]));
        assert!(renames.is_empty());
        assert!(creates.is_empty());
    }
}
