//! The consent rule of German school clouds and what follows from it: a pupil under 14 needs the
//! parents' consent, at 14 and 15 the parents' and the pupil's, from 16 the pupil's alone. A pupil
//! without the needed consent is `restricted`; with it, `active`. `reevaluate` applies the rule to
//! pupils after consents change, after an import, and daily (birthdays move pupils across ages).

use schulhof_proto::{ConsentGiver, ConsentState, Role, SchoolId, User, UserId, UserStatus};
use time::{Date, OffsetDateTime};

use crate::store::{NewAuditEntry, Store, StoreError, UserFilter};

/// The calendar date (UTC) of a millisecond timestamp.
pub fn date_of(now_ms: i64) -> Date {
    OffsetDateTime::from_unix_timestamp(now_ms.div_euclid(1000))
        .map(OffsetDateTime::date)
        .unwrap_or(Date::MIN)
}

/// Full years between `birth` and `today`.
pub fn age_on(birth: Date, today: Date) -> i32 {
    let mut age = today.year() - birth.year();
    if (today.month() as u8, today.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    age
}

/// Who must consent for a pupil born on `birth_date` (`YYYY-MM-DD`). An unknown or unreadable
/// birth date is treated as "under 14": the parents must consent.
pub fn required_givers(birth_date: Option<&str>, today: Date) -> Vec<ConsentGiver> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let age =
        birth_date.and_then(|d| Date::parse(d, format).ok()).map(|birth| age_on(birth, today));
    match age {
        Some(age) if age >= 16 => vec![ConsentGiver::Pupil],
        Some(age) if age >= 14 => vec![ConsentGiver::Parents, ConsentGiver::Pupil],
        _ => vec![ConsentGiver::Parents],
    }
}

/// The status a pupil should have, given the consents present.
pub fn status_for(required: &[ConsentGiver], present: &[ConsentGiver]) -> UserStatus {
    if required.iter().all(|giver| present.contains(giver)) {
        UserStatus::Active
    } else {
        UserStatus::Restricted
    }
}

/// A pupil's consents and what is required of them today.
pub async fn consent_state(
    store: &Store,
    school: SchoolId,
    user: &User,
    now_ms: i64,
) -> Result<ConsentState, StoreError> {
    let records = store.consents(school, user.id).await?;
    let present: Vec<ConsentGiver> =
        records.iter().filter(|c| c.withdrawn_at.is_none()).map(|c| c.given_by).collect();
    let required = if user.role == Role::Pupil {
        required_givers(user.birth_date.as_deref(), date_of(now_ms))
    } else {
        Vec::new()
    };
    let satisfied = status_for(&required, &present) == UserStatus::Active;
    Ok(ConsentState { user_id: user.id, required, present, satisfied, records })
}

/// A status change made by `reevaluate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub user: UserId,
    pub from: UserStatus,
    pub to: UserStatus,
}

/// Sets every active or restricted pupil of the school (or only `only`) to the status the consent
/// rule gives today, and audits each change under `actor`.
pub async fn reevaluate(
    store: &Store,
    school: SchoolId,
    only: Option<&[UserId]>,
    actor: (Option<UserId>, &str),
    now_ms: i64,
) -> Result<Vec<StatusChange>, StoreError> {
    let pupils =
        store.list_users(school, &UserFilter { role: Some(Role::Pupil), status: None }).await?;
    // Consents are read after the pupils: an account created in between (with its consents, in
    // one transaction) is then either not in the list or seen with its consents.
    let consents = store.current_consents(school).await?;
    let today = date_of(now_ms);
    let mut changes = Vec::new();
    for pupil in pupils {
        if only.is_some_and(|ids| !ids.contains(&pupil.id)) {
            continue;
        }
        if !matches!(pupil.status, UserStatus::Active | UserStatus::Restricted) {
            continue;
        }
        let present = consents.get(&pupil.id).map(Vec::as_slice).unwrap_or_default();
        let wanted = status_for(&required_givers(pupil.birth_date.as_deref(), today), present);
        if wanted != pupil.status {
            store.set_user_status(school, pupil.id, wanted, now_ms).await?;
            let entry = NewAuditEntry {
                school,
                actor_id: actor.0,
                actor_login: actor.1,
                action: "user.status",
                target_id: Some(pupil.id.to_string()),
                summary: format!("consent rule: {} → {}", pupil.status.as_str(), wanted.as_str()),
            };
            store.append_audit(&entry, now_ms).await?;
            changes.push(StatusChange { user: pupil.id, from: pupil.status, to: wanted });
        }
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_age_rule_picks_who_must_consent() {
        let today = date!(2026 - 11 - 28);
        assert_eq!(required_givers(Some("2013-11-29"), today), [ConsentGiver::Parents], "12 years");
        assert_eq!(
            required_givers(Some("2012-11-28"), today),
            [ConsentGiver::Parents, ConsentGiver::Pupil],
            "14 today"
        );
        assert_eq!(
            required_givers(Some("2010-11-29"), today),
            [ConsentGiver::Parents, ConsentGiver::Pupil],
            "15"
        );
        assert_eq!(required_givers(Some("2010-11-28"), today), [ConsentGiver::Pupil], "16 today");
        assert_eq!(required_givers(None, today), [ConsentGiver::Parents]);
        assert_eq!(required_givers(Some("kaputt"), today), [ConsentGiver::Parents]);
    }

    #[test]
    fn status_follows_the_consents() {
        let both = [ConsentGiver::Parents, ConsentGiver::Pupil];
        assert_eq!(status_for(&both, &[ConsentGiver::Parents]), UserStatus::Restricted);
        assert_eq!(status_for(&both, &both), UserStatus::Active);
        assert_eq!(status_for(&[], &[]), UserStatus::Active);
    }

    #[test]
    fn dates_come_from_milliseconds() {
        assert_eq!(date_of(0), date!(1970 - 01 - 01));
        assert_eq!(date_of(1_795_000_000_000), date!(2026 - 11 - 18));
    }
}
