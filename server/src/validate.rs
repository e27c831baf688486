//! Validation of directory input: login names, display and group names, birth dates, import IDs
//! and new passwords. Each check returns the cleaned value or an `ApiError` naming the field in
//! English and German.

use crate::error::ApiError;

/// Login names: 1–64 of `a-z 0-9 . _ -`, starting with a letter or digit; stored lower-case.
pub fn login(raw: &str) -> Result<String, ApiError> {
    let login = raw.trim().to_lowercase();
    let valid_chars =
        login.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c));
    let valid_start = login.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if login.is_empty() || login.len() > 64 || !valid_chars || !valid_start {
        return Err(ApiError::invalid(
            "login",
            "Login names have 1 to 64 characters: a–z, 0–9, dot, dash, underscore.",
            "Anmeldenamen haben 1 bis 64 Zeichen: a–z, 0–9, Punkt, Bindestrich, Unterstrich.",
        ));
    }
    Ok(login)
}

/// A person's or group's name: 1–100 characters after trimming, no control characters.
pub fn name(field: &'static str, raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            field,
            "Names must have 1 to 100 characters.",
            "Namen müssen 1 bis 100 Zeichen haben.",
        ));
    }
    Ok(name.to_owned())
}

/// A calendar date `YYYY-MM-DD` between 1900 and 2100; empty means none.
pub fn birth_date(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::invalid(
            "birth_date",
            "Birth dates are written YYYY-MM-DD.",
            "Geburtsdaten werden als JJJJ-MM-TT geschrieben.",
        )
    };
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(invalid());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(invalid());
    }
    let (Ok(year), Ok(month), Ok(day)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>())
    else {
        return Err(invalid());
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(invalid()),
    };
    if !(1900..=2100).contains(&year) || day == 0 || day > days {
        return Err(invalid());
    }
    Ok(Some(text.to_owned()))
}

/// An import ID from the school administration software: 1–64 printable characters; empty
/// means none.
pub fn import_id(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > 64 || text.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "import_id",
            "Import IDs have at most 64 characters.",
            "Import-IDs haben höchstens 64 Zeichen.",
        ));
    }
    Ok(Some(text.to_owned()))
}

/// A password someone chose: 8–256 characters.
pub fn new_password(raw: &str) -> Result<(), ApiError> {
    let length = raw.chars().count();
    if !(8..=256).contains(&length) {
        return Err(ApiError::invalid(
            "new_password",
            "Passwords need at least 8 characters.",
            "Passwörter brauchen mindestens 8 Zeichen.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_lowercased_and_restricted() {
        assert_eq!(login("  Anna.Mueller ").unwrap(), "anna.mueller");
        assert!(login("").is_err());
        assert!(login(".anna").is_err());
        assert!(login("anna müller").is_err());
        assert!(login(&"a".repeat(65)).is_err());
    }

    #[test]
    fn birth_dates_must_exist() {
        assert_eq!(birth_date(Some("2012-02-29")).unwrap().as_deref(), Some("2012-02-29"));
        assert!(birth_date(Some("2013-02-29")).is_err());
        assert!(birth_date(Some("01.02.2012")).is_err());
        assert!(birth_date(Some("2012-13-01")).is_err());
        assert_eq!(birth_date(Some(" ")).unwrap(), None);
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("display_name", " Jörg Groß ").unwrap(), "Jörg Groß");
        assert!(name("display_name", "   ").is_err());
        assert!(name("display_name", "a\nb").is_err());
        assert!(name("display_name", &"ß".repeat(101)).is_err());
    }
}
