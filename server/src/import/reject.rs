//! Why a line of an import file is not imported: `RejectReason` with English and German
//! messages, and `RejectedLine`, which serializes with both messages for the preview.

use serde::ser::{Serialize, SerializeStruct, Serializer};

/// A line of the file that is not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedLine {
    /// The 1-based physical line of the file where the record starts.
    pub line: usize,
    pub import_id: Option<String>,
    pub reason: RejectReason,
}

/// Why a line is not imported. Serialized with a `code` tag, e.g.
/// `{"code": "invalid_birth_date", "value": "31.02.2012"}`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RejectReason {
    /// The line has fewer fields than the header.
    TooFewFields {
        expected: usize,
        found: usize,
    },
    /// The line has non-empty fields beyond the last header column.
    TooManyFields {
        expected: usize,
        found: usize,
    },
    MissingImportId,
    /// Longer than 64 characters or containing control characters.
    InvalidImportId {
        value: String,
    },
    /// Last name or first name is empty.
    MissingName,
    /// A name longer than 100 characters or containing control characters (e.g. a line break).
    InvalidName {
        value: String,
    },
    /// A pupil without a class.
    MissingClass,
    InvalidClass {
        value: String,
    },
    InvalidBirthDate {
        value: String,
    },
    InvalidStatus {
        value: String,
    },
    InvalidEmail {
        value: String,
    },
    /// The import ID already appeared on an earlier line; the first occurrence wins.
    DuplicateImportId {
        first_line: usize,
    },
}

impl RejectReason {
    /// The reason in English.
    pub fn message(&self) -> String {
        match self {
            Self::TooFewFields { expected, found } => {
                format!("The line has {found} fields, the header has {expected}.")
            }
            Self::TooManyFields { expected, found } => {
                format!("The line has {found} fields, the header only {expected}.")
            }
            Self::MissingImportId => "The import ID is empty.".to_owned(),
            Self::InvalidImportId { value } => {
                format!(
                    "The import ID \"{value}\" is longer than 64 characters or contains control characters."
                )
            }
            Self::MissingName => "Last name or first name is empty.".to_owned(),
            Self::InvalidName { value } => format!(
                "The name \"{value}\" is longer than 100 characters or contains a line break."
            ),
            Self::MissingClass => "The class is empty.".to_owned(),
            Self::InvalidClass { value } => format!(
                "The class \"{value}\" is longer than 100 characters or contains a line break."
            ),
            Self::InvalidBirthDate { value } => {
                format!("\"{value}\" is not a valid date of birth (expected DD.MM.YYYY).")
            }
            Self::InvalidStatus { value } => {
                format!("\"{value}\" is not a valid SchILD status (expected a number).")
            }
            Self::InvalidEmail { value } => format!("\"{value}\" is not an e-mail address."),
            Self::DuplicateImportId { first_line } => {
                format!("The import ID already appears on line {first_line}.")
            }
        }
    }

    /// The reason in German.
    pub fn message_de(&self) -> String {
        match self {
            Self::TooFewFields { expected, found } => {
                format!("Die Zeile hat {found} Felder, die Kopfzeile {expected}.")
            }
            Self::TooManyFields { expected, found } => {
                format!("Die Zeile hat {found} Felder, die Kopfzeile nur {expected}.")
            }
            Self::MissingImportId => "Die Import-ID ist leer.".to_owned(),
            Self::InvalidImportId { value } => format!(
                "Die Import-ID „{value}“ ist länger als 64 Zeichen oder enthält Steuerzeichen."
            ),
            Self::MissingName => "Nachname oder Vorname ist leer.".to_owned(),
            Self::InvalidName { value } => format!(
                "Der Name „{value}“ ist länger als 100 Zeichen oder enthält einen Zeilenumbruch."
            ),
            Self::MissingClass => "Die Klasse ist leer.".to_owned(),
            Self::InvalidClass { value } => format!(
                "Die Klasse „{value}“ ist länger als 100 Zeichen oder enthält einen Zeilenumbruch."
            ),
            Self::InvalidBirthDate { value } => {
                format!("„{value}“ ist kein gültiges Geburtsdatum (erwartet TT.MM.JJJJ).")
            }
            Self::InvalidStatus { value } => {
                format!("„{value}“ ist kein gültiger SchILD-Status (erwartet eine Zahl).")
            }
            Self::InvalidEmail { value } => format!("„{value}“ ist keine E-Mail-Adresse."),
            Self::DuplicateImportId { first_line } => {
                format!("Die Import-ID steht bereits in Zeile {first_line}.")
            }
        }
    }
}

/// Serialized with the messages, so a preview can show them as they are:
/// `{"line", "import_id", "reason": {"code", …}, "message", "message_de"}`.
impl Serialize for RejectedLine {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("RejectedLine", 5)?;
        state.serialize_field("line", &self.line)?;
        state.serialize_field("import_id", &self.import_id)?;
        state.serialize_field("reason", &self.reason)?;
        state.serialize_field("message", &self.reason.message())?;
        state.serialize_field("message_de", &self.reason.message_de())?;
        state.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejections_explain_themselves_in_both_languages() {
        let rejected = RejectedLine {
            line: 4,
            import_id: Some("1001".into()),
            reason: RejectReason::DuplicateImportId { first_line: 2 },
        };
        assert_eq!(rejected.reason.message(), "The import ID already appears on line 2.");
        assert_eq!(rejected.reason.message_de(), "Die Import-ID steht bereits in Zeile 2.");
        let json = serde_json::to_value(&rejected).unwrap();
        assert_eq!(json["reason"]["code"], "duplicate_import_id");
        assert_eq!(json["reason"]["first_line"], 2);
        assert_eq!(json["message_de"], "Die Import-ID steht bereits in Zeile 2.");
    }

    #[test]
    fn every_reason_has_both_messages() {
        let value = || "x".to_owned();
        let reasons = [
            RejectReason::TooFewFields { expected: 3, found: 2 },
            RejectReason::TooManyFields { expected: 3, found: 4 },
            RejectReason::MissingImportId,
            RejectReason::InvalidImportId { value: value() },
            RejectReason::MissingName,
            RejectReason::InvalidName { value: value() },
            RejectReason::MissingClass,
            RejectReason::InvalidClass { value: value() },
            RejectReason::InvalidBirthDate { value: value() },
            RejectReason::InvalidStatus { value: value() },
            RejectReason::InvalidEmail { value: value() },
            RejectReason::DuplicateImportId { first_line: 2 },
        ];
        for reason in reasons {
            assert!(reason.message().ends_with('.'), "{reason:?}");
            assert!(reason.message_de().ends_with('.'), "{reason:?}");
            assert_ne!(reason.message(), reason.message_de());
        }
    }
}
