//! Getting the first admin in: create a school (if it does not exist yet) and an admin account with
//! a one-time password that must be changed at first login. There are no default passwords.

use schulhof_proto::{Role, School, User, UserStatus};

use crate::auth::password::hash_password;
use crate::auth::token::new_initial_password;
use crate::store::{NewUser, Store, StoreError};
use crate::validate;

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("{0}")]
    Invalid(String),
    #[error("the login name {0:?} already exists at this school")]
    LoginTaken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot create a password: {0}")]
    Password(String),
}

/// The created admin and the password to hand over (shown once).
#[derive(Debug)]
pub struct Bootstrapped {
    pub school: School,
    pub admin: User,
    pub password: String,
}

/// A URL-safe identifier from a school's name: "Gymnasium Musterstadt" → "gymnasium-musterstadt".
pub fn slug_for(name: &str) -> String {
    let mut slug = String::new();
    for c in name.to_lowercase().chars() {
        match c {
            'ä' => slug.push_str("ae"),
            'ö' => slug.push_str("oe"),
            'ü' => slug.push_str("ue"),
            'ß' => slug.push_str("ss"),
            c if c.is_ascii_alphanumeric() => slug.push(c),
            _ if !slug.ends_with('-') && !slug.is_empty() => slug.push('-'),
            _ => {}
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// Creates the school (or finds it by its slug) and a new admin in it.
pub async fn create_school_admin(
    store: &Store,
    school_name: &str,
    login: &str,
    now_ms: i64,
) -> Result<Bootstrapped, BootstrapError> {
    let name = validate::name("school", school_name).map_err(|_| {
        BootstrapError::Invalid("the school name must have 1 to 100 characters".into())
    })?;
    let login = validate::login(login).map_err(|_| {
        BootstrapError::Invalid("login names have 1 to 64 characters: a–z, 0–9, . - _".into())
    })?;
    let slug = slug_for(&name);
    if slug.is_empty() {
        return Err(BootstrapError::Invalid("the school name needs letters or digits".into()));
    }
    let school = match store.school_by_slug(&slug).await? {
        Some(school) => school,
        None => store.create_school(&name, &slug, now_ms).await?,
    };
    let password = new_initial_password().map_err(|e| BootstrapError::Password(e.to_string()))?;
    let password_hash = hash_password(password.clone())
        .await
        .map_err(|e| BootstrapError::Password(e.to_string()))?;
    let new = NewUser {
        login: login.clone(),
        display_name: "Administrator".into(),
        role: Role::Admin,
        status: UserStatus::Active,
        import_id: None,
        birth_date: None,
        email: None,
        password_hash,
        must_change_password: true,
        consents: Vec::new(),
        consent_recorded_by: None,
    };
    let admin = match store.create_user(school.id, new, now_ms).await {
        Ok(admin) => admin,
        Err(StoreError::LoginTaken) => return Err(BootstrapError::LoginTaken(login)),
        Err(other) => return Err(other.into()),
    };
    Ok(Bootstrapped { school, admin, password })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_transliterated() {
        assert_eq!(slug_for("Gymnasium Musterstadt"), "gymnasium-musterstadt");
        assert_eq!(slug_for("  Gesamtschule Köln-Süd (GE) "), "gesamtschule-koeln-sued-ge");
        assert_eq!(slug_for("Straße 1"), "strasse-1");
        assert_eq!(slug_for("!!!"), "");
    }
}
