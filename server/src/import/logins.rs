//! Login names for imported users: `vorname.nachname`, lower-case and transliterated to plain ASCII
//! (ä→ae, ö→oe, ü→ue, ß→ss, other accents stripped), with a number appended when the name is taken.
//! The rules match the login names the rest of schulhof accepts: 1–64 of `a-z 0-9 . _ -`, starting
//! with a letter or digit.

use std::collections::HashSet;

/// The longest login name schulhof accepts.
pub const MAX_LOGIN_LENGTH: usize = 64;

/// Used when a name has no character that survives transliteration.
const FALLBACK_LOGIN: &str = "user";

/// The generated login for a person, before collisions are resolved: `vorname.nachname`.
///
/// `base_login("Anna-Lena", "von der Heide")` is `anna-lena.von-der-heide`; `base_login("Iñigo",
/// "Groß")` is `inigo.gross`. The result has only `[a-z0-9.-]`, at most 64 characters, and is never
/// empty.
pub fn base_login(first: &str, last: &str) -> String {
    let first = login_part(first);
    let last = login_part(last);
    let joined = match (first.is_empty(), last.is_empty()) {
        (false, false) => format!("{first}.{last}"),
        (false, true) => first,
        (true, false) => last,
        (true, true) => FALLBACK_LOGIN.to_owned(),
    };
    truncate_login(&joined, MAX_LOGIN_LENGTH)
}

/// `base` if it is free, else `base2`, `base3`, … whichever comes first. `taken` holds lower-case
/// login names. The result stays within 64 characters by shortening `base` before the number.
pub fn unique_login(base: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_owned();
    }
    (2_u64..)
        .map(|number| {
            let suffix = number.to_string();
            let stem = truncate_login(base, MAX_LOGIN_LENGTH - suffix.len());
            format!("{stem}{suffix}")
        })
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or_else(|| FALLBACK_LOGIN.to_owned())
}

/// Whether `login` is a login name schulhof accepts as it is (lower-case, 1–64 of
/// `a-z 0-9 . _ -`, starting with a letter or digit).
pub fn is_valid_login(login: &str) -> bool {
    let valid_chars =
        login.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c));
    let valid_start = login.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    login.len() <= MAX_LOGIN_LENGTH && valid_chars && valid_start
}

/// A login name given by the file, trimmed and lower-cased, if schulhof accepts it.
pub fn normalize_given_login(raw: &str) -> Option<String> {
    let login = raw.trim().to_lowercase();
    is_valid_login(&login).then_some(login)
}

/// One name transliterated: lower-case ASCII letters and digits, every other run of characters
/// turned into a single `-`, no `-` at either end.
fn login_part(name: &str) -> String {
    let mut ascii = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            'ä' | 'Ä' => ascii.push_str("ae"),
            'ö' | 'Ö' => ascii.push_str("oe"),
            'ü' | 'Ü' => ascii.push_str("ue"),
            'ß' | 'ẞ' => ascii.push_str("ss"),
            _ => ascii.push_str(deunicode::deunicode_char(c).unwrap_or("-")),
        }
    }
    let mut part = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            part.push(c.to_ascii_lowercase());
        } else if !part.is_empty() && !part.ends_with('-') {
            part.push('-');
        }
    }
    part.trim_end_matches('-').to_owned()
}

/// The first `max` characters of an ASCII login, without a dangling `-` or `.` at the end.
fn truncate_login(login: &str, max: usize) -> String {
    let cut: String = login.chars().take(max).collect();
    let trimmed = cut.trim_end_matches(['-', '.']);
    if trimmed.is_empty() { FALLBACK_LOGIN.to_owned() } else { trimmed.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_letters_are_transliterated() {
        assert_eq!(base_login("Anna", "Müller"), "anna.mueller");
        assert_eq!(base_login("Jörg", "Groß"), "joerg.gross");
        assert_eq!(base_login("ÄNNE", "ÖZTÜRK"), "aenne.oeztuerk");
        assert_eq!(base_login("Maria", "STRAẞE"), "maria.strasse");
    }

    #[test]
    fn other_accents_are_stripped() {
        assert_eq!(base_login("Ali", "Çelik"), "ali.celik");
        assert_eq!(base_login("Iñigo", "Núñez"), "inigo.nunez");
        assert_eq!(base_login("Zoë", "Weiß"), "zoe.weiss");
        assert_eq!(base_login("Søren", "Kierkegaard"), "soren.kierkegaard");
        assert_eq!(base_login("René", "Lefèvre"), "rene.lefevre");
        assert_eq!(base_login("Anaïs", "Dvořák"), "anais.dvorak");
    }

    #[test]
    fn separators_become_single_dashes() {
        assert_eq!(base_login("Anna-Lena", "von der Heide"), "anna-lena.von-der-heide");
        assert_eq!(base_login("Liam", "O'Brien"), "liam.o-brien");
        assert_eq!(base_login(" -Max- ", "  Meier  "), "max.meier");
        assert_eq!(base_login("Jean  --  Luc", "Picard"), "jean-luc.picard");
    }

    #[test]
    fn odd_names_still_give_a_valid_login() {
        assert_eq!(base_login("", "Meier"), "meier");
        assert_eq!(base_login("Max", "!!!"), "max");
        assert_eq!(base_login("---", "'"), "user");
        for login in [
            base_login("Ωmega", "Straße"),
            base_login("李", "王"),
            base_login(&"Ä".repeat(80), "Becker"),
        ] {
            assert!(is_valid_login(&login), "{login}");
        }
    }

    #[test]
    fn long_names_are_cut_to_64_characters() {
        let login = base_login(&"a".repeat(40), &"b".repeat(40));
        assert_eq!(login.len(), 64);
        assert!(login.starts_with(&format!("{}.", "a".repeat(40))));
        // A cut right after the dot must not leave the dot dangling.
        let login = base_login(&"a".repeat(64), "b");
        assert_eq!(login, "a".repeat(64));
    }

    #[test]
    fn collisions_get_the_first_free_number() {
        let mut taken = HashSet::new();
        assert_eq!(unique_login("anna.mueller", &taken), "anna.mueller");
        taken.insert("anna.mueller".to_owned());
        assert_eq!(unique_login("anna.mueller", &taken), "anna.mueller2");
        taken.insert("anna.mueller2".to_owned());
        taken.insert("anna.mueller4".to_owned());
        assert_eq!(unique_login("anna.mueller", &taken), "anna.mueller3");
    }

    #[test]
    fn numbered_logins_stay_within_64_characters() {
        let base = "x".repeat(64);
        let taken = HashSet::from([base.clone()]);
        let login = unique_login(&base, &taken);
        assert_eq!(login, format!("{}2", "x".repeat(63)));
        assert!(is_valid_login(&login));
    }

    #[test]
    fn given_logins_are_checked() {
        assert_eq!(normalize_given_login(" A.Mueller_2 ").as_deref(), Some("a.mueller_2"));
        assert_eq!(normalize_given_login(""), None);
        assert_eq!(normalize_given_login(".anna"), None);
        assert_eq!(normalize_given_login("anna müller"), None);
        assert_eq!(normalize_given_login(&"a".repeat(65)), None);
    }
}
