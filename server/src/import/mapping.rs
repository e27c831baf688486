//! Which column of an import file holds which field. A `ColumnMapping` names the header of each
//! logical field; admins can save one as a profile, or `detect_mapping` recognises the headers of
//! SchILD exports and of the common generic format
//! `Import-ID;Vorname;Nachname;Klasse/Information;Account;Passwort;Email;Geburtsdatum;Gruppen`.

use serde::{Deserialize, Serialize};

use super::parse::{ImportKind, ParseError};

/// The header name of each logical field. Header names are compared case-insensitively and
/// without surrounding spaces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    /// The stable ID from the school administration software.
    pub import_id: String,
    pub last_name: String,
    pub first_name: String,
    /// SchILD's "Rufname": the name a person goes by; shown instead of the first name if present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_name: Option<String>,
    /// The class; required for pupils.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// SchILD's status number (2 active, 8 graduated, 9 left, 10 former).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// A login name chosen by the file instead of the generated one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// For parents: the import IDs of their children, separated by `,` or `|`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_import_id: Option<String>,
}

/// Header names `detect_mapping` recognises for each field (lower-case), best first.
const IMPORT_ID_HEADERS: &[&str] = &[
    "interne id-nummer",
    "externe id-nummer",
    "eindeutige nummer (guid)",
    "import-id",
    "importid",
];
const LAST_NAME_HEADERS: &[&str] = &["nachname", "familienname"];
const FIRST_NAME_HEADERS: &[&str] = &["vorname"];
const CALL_NAME_HEADERS: &[&str] = &["rufname"];
const CLASS_HEADERS: &[&str] = &["klasse", "klasse/information"];
const BIRTH_DATE_HEADERS: &[&str] = &["geburtsdatum"];
const STATUS_HEADERS: &[&str] = &["status"];
const LOGIN_HEADERS: &[&str] = &["account", "login", "anmeldename"];
const EMAIL_HEADERS: &[&str] = &["e-mail (privat)", "e-mail", "email"];
const CHILD_IMPORT_ID_HEADERS: &[&str] =
    &["schüler-id", "schueler-id", "kind-id", "import-id kind", "import-id schüler"];

/// Recognises the columns of a file from its header line. Fails with
/// `ParseError::MissingColumns` naming the logical fields (`import_id`, `last_name`, `first_name`,
/// and `class` for pupils) that no header matches.
pub fn detect_mapping(headers: &[String], kind: ImportKind) -> Result<ColumnMapping, ParseError> {
    let find = |candidates: &[&str]| -> Option<String> {
        candidates.iter().find_map(|candidate| {
            headers
                .iter()
                .find(|header| normalize_header(header) == *candidate)
                .map(|header| header.trim().to_owned())
        })
    };
    let import_id = find(IMPORT_ID_HEADERS);
    let last_name = find(LAST_NAME_HEADERS);
    let first_name = find(FIRST_NAME_HEADERS);
    let class = find(CLASS_HEADERS);

    let mut missing = Vec::new();
    if import_id.is_none() {
        missing.push("import_id".to_owned());
    }
    if last_name.is_none() {
        missing.push("last_name".to_owned());
    }
    if first_name.is_none() {
        missing.push("first_name".to_owned());
    }
    let class_missing = kind == ImportKind::Pupils && class.is_none();
    if class_missing {
        missing.push("class".to_owned());
    }
    let (Some(import_id), Some(last_name), Some(first_name), false) =
        (import_id, last_name, first_name, class_missing)
    else {
        return Err(ParseError::MissingColumns(missing));
    };

    Ok(ColumnMapping {
        import_id,
        last_name,
        first_name,
        call_name: find(CALL_NAME_HEADERS),
        class,
        birth_date: find(BIRTH_DATE_HEADERS),
        status: find(STATUS_HEADERS),
        login: find(LOGIN_HEADERS),
        email: find(EMAIL_HEADERS),
        child_import_id: match kind {
            ImportKind::Parents => find(CHILD_IMPORT_ID_HEADERS),
            ImportKind::Pupils | ImportKind::Teachers => None,
        },
    })
}

/// The positions of the mapped columns in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ColumnPositions {
    pub import_id: usize,
    pub last_name: usize,
    pub first_name: usize,
    pub call_name: Option<usize>,
    pub class: Option<usize>,
    pub birth_date: Option<usize>,
    pub status: Option<usize>,
    pub login: Option<usize>,
    pub email: Option<usize>,
    pub child_import_id: Option<usize>,
}

impl ColumnMapping {
    /// Every header name the mapping uses.
    fn header_names(&self) -> impl Iterator<Item = &str> {
        [&self.import_id, &self.last_name, &self.first_name].into_iter().map(String::as_str).chain(
            [
                &self.call_name,
                &self.class,
                &self.birth_date,
                &self.status,
                &self.login,
                &self.email,
                &self.child_import_id,
            ]
            .into_iter()
            .filter_map(Option::as_deref),
        )
    }

    /// Finds every mapped header in `headers`. Fails with `ParseError::MissingColumns` naming the
    /// header names that are not in the file (or `class` if a pupil mapping has no class column).
    pub(crate) fn positions(
        &self,
        headers: &[String],
        kind: ImportKind,
    ) -> Result<ColumnPositions, ParseError> {
        if kind == ImportKind::Pupils && self.class.is_none() {
            return Err(ParseError::MissingColumns(vec!["class".to_owned()]));
        }
        let index = |name: &str| {
            let wanted = normalize_header(name);
            headers.iter().position(|header| normalize_header(header) == wanted)
        };
        let mut missing: Vec<String> =
            self.header_names().filter(|name| index(name).is_none()).map(str::to_owned).collect();
        missing.sort();
        missing.dedup();
        let (Some(import_id), Some(last_name), Some(first_name), true) = (
            index(&self.import_id),
            index(&self.last_name),
            index(&self.first_name),
            missing.is_empty(),
        ) else {
            return Err(ParseError::MissingColumns(missing));
        };
        let optional = |name: &Option<String>| name.as_deref().and_then(index);
        Ok(ColumnPositions {
            import_id,
            last_name,
            first_name,
            call_name: optional(&self.call_name),
            class: optional(&self.class),
            birth_date: optional(&self.birth_date),
            status: optional(&self.status),
            login: optional(&self.login),
            email: optional(&self.email),
            child_import_id: optional(&self.child_import_id),
        })
    }
}

fn normalize_header(header: &str) -> String {
    header.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(line: &str) -> Vec<String> {
        line.split(';').map(str::to_owned).collect()
    }

    #[test]
    fn schild_headers_are_recognised() {
        let found = detect_mapping(
            &headers("Externe ID-Nummer;Interne ID-Nummer;NACHNAME;vorname;Rufname;Klasse;Geburtsdatum;Status;E-Mail (privat)"),
            ImportKind::Pupils,
        )
        .unwrap();
        assert_eq!(found.import_id, "Interne ID-Nummer");
        assert_eq!(found.last_name, "NACHNAME");
        assert_eq!(found.first_name, "vorname");
        assert_eq!(found.call_name.as_deref(), Some("Rufname"));
        assert_eq!(found.class.as_deref(), Some("Klasse"));
        assert_eq!(found.birth_date.as_deref(), Some("Geburtsdatum"));
        assert_eq!(found.status.as_deref(), Some("Status"));
        assert_eq!(found.email.as_deref(), Some("E-Mail (privat)"));
        assert_eq!(found.login, None);
    }

    #[test]
    fn the_generic_header_is_recognised() {
        let found = detect_mapping(
            &headers(
                "Import-ID;Vorname;Nachname;Klasse/Information;Account;Passwort;Email;Geburtsdatum;Gruppen",
            ),
            ImportKind::Pupils,
        )
        .unwrap();
        assert_eq!(found.import_id, "Import-ID");
        assert_eq!(found.class.as_deref(), Some("Klasse/Information"));
        assert_eq!(found.login.as_deref(), Some("Account"));
        assert_eq!(found.email.as_deref(), Some("Email"));
        assert_eq!(found.birth_date.as_deref(), Some("Geburtsdatum"));
    }

    #[test]
    fn child_columns_are_recognised_for_parents_only() {
        let line = headers("Import-ID;Vorname;Nachname;Import-ID Kind");
        let parents = detect_mapping(&line, ImportKind::Parents).unwrap();
        assert_eq!(parents.import_id, "Import-ID");
        assert_eq!(parents.child_import_id.as_deref(), Some("Import-ID Kind"));
        let teachers = detect_mapping(&line, ImportKind::Teachers).unwrap();
        assert_eq!(teachers.child_import_id, None);
        let line = headers("Import-ID;Vorname;Nachname;Schüler-ID");
        let parents = detect_mapping(&line, ImportKind::Parents).unwrap();
        assert_eq!(parents.child_import_id.as_deref(), Some("Schüler-ID"));
    }

    #[test]
    fn missing_required_fields_are_named() {
        let error =
            detect_mapping(&headers("Nachname;Geburtsdatum"), ImportKind::Pupils).unwrap_err();
        assert_eq!(
            error,
            ParseError::MissingColumns(vec![
                "import_id".into(),
                "first_name".into(),
                "class".into()
            ])
        );
        // Teachers need no class.
        assert!(
            detect_mapping(&headers("Import-ID;Nachname;Vorname"), ImportKind::Teachers).is_ok()
        );
        let error =
            detect_mapping(&headers("Import-ID;Nachname;Vorname"), ImportKind::Pupils).unwrap_err();
        assert_eq!(error, ParseError::MissingColumns(vec!["class".into()]));
    }

    #[test]
    fn a_given_mapping_must_match_the_file() {
        let mapping = ColumnMapping {
            import_id: "Nummer".into(),
            last_name: "Name".into(),
            first_name: "Vorname".into(),
            call_name: None,
            class: Some("Lerngruppe".into()),
            birth_date: Some("Geboren".into()),
            status: None,
            login: None,
            email: None,
            child_import_id: None,
        };
        let file = headers(" nummer ;NAME;Vorname;Lerngruppe");
        let error = mapping.positions(&file, ImportKind::Pupils).unwrap_err();
        assert_eq!(error, ParseError::MissingColumns(vec!["Geboren".into()]));

        let mapping = ColumnMapping { birth_date: None, ..mapping };
        let positions = mapping.positions(&file, ImportKind::Pupils).unwrap();
        assert_eq!((positions.import_id, positions.last_name), (0, 1));
        assert_eq!(positions.class, Some(3));

        let no_class = ColumnMapping { class: None, ..mapping };
        assert_eq!(
            no_class.positions(&file, ImportKind::Pupils).unwrap_err(),
            ParseError::MissingColumns(vec!["class".into()])
        );
        assert!(no_class.positions(&file, ImportKind::Teachers).is_ok());
    }

    #[test]
    fn mappings_round_trip_as_json_profiles() {
        let mapping = detect_mapping(
            &headers("Import-ID;Vorname;Nachname;Klasse/Information"),
            ImportKind::Pupils,
        )
        .unwrap();
        let json = serde_json::to_string(&mapping).unwrap();
        assert_eq!(serde_json::from_str::<ColumnMapping>(&json).unwrap(), mapping);
        let saved: ColumnMapping =
            serde_json::from_str(r#"{"import_id":"Nr","last_name":"Name","first_name":"Vorname"}"#)
                .unwrap();
        assert_eq!(saved.class, None);
    }
}
