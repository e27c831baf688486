//! The address book module ("Adressbuch"): the people who share a group with me, with the groups
//! we share. A module like any other: refused when the school has not switched it on, and for
//! restricted accounts.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use schulhof_proto::{Module, Role, UserId, UserStatus};
use serde::Serialize;

use crate::auth::CurrentSession;
use crate::auth::modules::require_module;
use crate::error::ApiError;
use crate::state::SharedState;

/// One person in the address book.
#[derive(Debug, Serialize)]
pub struct AddressBookEntry {
    pub user_id: UserId,
    pub display_name: String,
    pub role: Role,
    pub groups: Vec<String>,
}

pub async fn address_book(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<Vec<AddressBookEntry>>, ApiError> {
    require_module(&state, &session, Module::AddressBook).await?;
    let school = session.school.id;
    let mut people: BTreeMap<UserId, AddressBookEntry> = BTreeMap::new();
    for mine in state.store.groups_of_user(school, session.user.id).await? {
        for member in state.store.members(school, mine.group.id).await? {
            let active = matches!(member.user.status, UserStatus::Active | UserStatus::Restricted);
            if member.user.id == session.user.id || !active {
                continue;
            }
            let entry = people.entry(member.user.id).or_insert_with(|| AddressBookEntry {
                user_id: member.user.id,
                display_name: member.user.display_name.clone(),
                role: member.user.role,
                groups: Vec::new(),
            });
            entry.groups.push(mine.group.name.clone());
        }
    }
    let mut entries: Vec<AddressBookEntry> = people.into_values().collect();
    entries.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    Ok(Json(entries))
}
