//! Test helpers for plans: existing accounts, snapshots, and `apply`, a small simulation of what
//! the apply step does to the directory, so tests can check that planning again is a no-op.

use schulhof_proto::{UserId, UserStatus};

use super::plan::{DirectorySnapshot, ExistingUser, ImportPlan, UserField};

/// An active import-managed account with a fresh ID.
pub(crate) fn user(
    import_id: &str,
    login: &str,
    display_name: &str,
    class: Option<&str>,
) -> ExistingUser {
    ExistingUser {
        id: UserId::new(),
        import_id: import_id.into(),
        login: login.into(),
        display_name: display_name.into(),
        birth_date: None,
        class: class.map(Into::into),
        status: UserStatus::Active,
        child_import_ids: Vec::new(),
    }
}

/// A snapshot holding `users`, their logins and their classes.
pub(crate) fn snapshot(users: Vec<ExistingUser>) -> DirectorySnapshot {
    DirectorySnapshot {
        taken_logins: users.iter().map(|u| u.login.clone()).collect(),
        class_names: users.iter().filter_map(|u| u.class.clone()).collect(),
        users,
    }
}

/// What the apply step does, on a snapshot: renames, class creates, creates, updates, moves,
/// status changes and links.
pub(crate) fn apply(directory: &DirectorySnapshot, plan: &ImportPlan) -> DirectorySnapshot {
    let mut next = directory.clone();
    for rename in &plan.class_renames {
        assert!(next.class_names.remove(&rename.from));
        assert!(next.class_names.insert(rename.to.clone()));
        for user in &mut next.users {
            if user.class.as_ref() == Some(&rename.from) {
                user.class = Some(rename.to.clone());
            }
        }
    }
    for class in &plan.class_creates {
        assert!(next.class_names.insert(class.clone()), "{class} exists");
    }
    for create in &plan.creates {
        assert!(next.taken_logins.insert(create.login.clone()));
        next.users.push(ExistingUser {
            id: UserId::new(),
            import_id: create.import_id.clone(),
            login: create.login.clone(),
            display_name: create.display_name.clone(),
            birth_date: create.birth_date.clone(),
            class: create.class.clone(),
            status: UserStatus::Active,
            child_import_ids: Vec::new(),
        });
    }
    let find = |users: &mut Vec<ExistingUser>, id: UserId| -> usize {
        users.iter().position(|u| u.id == id).unwrap()
    };
    for update in &plan.updates {
        let index = find(&mut next.users, update.user_id);
        for change in &update.changes {
            match change.field {
                UserField::DisplayName => {
                    next.users[index].display_name = change.new.clone().unwrap()
                }
                UserField::BirthDate => next.users[index].birth_date = change.new.clone(),
            }
        }
    }
    for class_move in &plan.moves {
        assert!(next.class_names.contains(&class_move.to));
        let index = find(&mut next.users, class_move.user_id);
        next.users[index].class = Some(class_move.to.clone());
    }
    for deactivation in &plan.deactivations {
        let index = find(&mut next.users, deactivation.user_id);
        next.users[index].status = UserStatus::Inactive;
    }
    for reactivation in &plan.reactivations {
        let index = find(&mut next.users, reactivation.user_id);
        next.users[index].status = UserStatus::Active;
    }
    for link in &plan.parent_links {
        let parent = next.users.iter_mut().find(|u| u.import_id == link.parent_import_id).unwrap();
        assert!(!parent.child_import_ids.contains(&link.child_import_id));
        parent.child_import_ids.push(link.child_import_id.clone());
    }
    for unlink in &plan.parent_unlinks {
        let parent =
            next.users.iter_mut().find(|u| u.import_id == unlink.parent_import_id).unwrap();
        parent.child_import_ids.retain(|c| *c != unlink.child_import_id);
    }
    next
}
