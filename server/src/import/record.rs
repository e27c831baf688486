//! One line of an import file turned into an `ImportRecord`, or the reason it is rejected: required
//! fields present, dates real calendar dates (`dd.mm.yyyy`, `d.m.yyyy` or `yyyy-mm-dd`, written
//! back as `yyyy-mm-dd`), the SchILD status a number, child IDs split on `,` or `|`.

use super::mapping::ColumnPositions;
use super::parse::ImportKind;
use super::reject::RejectReason;

/// The longest import ID schulhof stores.
const MAX_IMPORT_ID_LENGTH: usize = 64;
/// The longest name (display name or class) schulhof stores.
const MAX_NAME_LENGTH: usize = 100;

/// One person from the file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ImportRecord {
    /// The 1-based physical line of the file where the record starts.
    pub line: usize,
    pub import_id: String,
    pub first_name: String,
    pub last_name: String,
    /// The call name ("Rufname") if the file gives one, else the first name.
    pub display_first_name: String,
    pub class: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    pub schild_status: Option<u32>,
    /// The login name column as written in the file (checked when the plan uses it).
    pub login: Option<String>,
    pub email: Option<String>,
    /// For parents: the import IDs of their children, without duplicates, in file order.
    pub child_import_ids: Vec<String>,
}

impl ImportRecord {
    /// `"{display_first_name} {last_name}"`, the display name an account gets.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.display_first_name, self.last_name)
    }
}

/// Reads one data row (fields already trimmed). `header_width` is the number of header columns up
/// to the last named one; shorter rows are rejected, longer ones only if the extra fields hold
/// something. The duplicate check is the caller's.
pub(crate) fn read_record(
    line: usize,
    fields: &[&str],
    header_width: usize,
    columns: &ColumnPositions,
    kind: ImportKind,
) -> Result<ImportRecord, RejectReason> {
    let found = fields.len();
    if found < header_width {
        return Err(RejectReason::TooFewFields { expected: header_width, found });
    }
    if fields.iter().skip(header_width).any(|field| !field.is_empty()) {
        return Err(RejectReason::TooManyFields { expected: header_width, found });
    }
    let field = |index: usize| fields.get(index).copied().unwrap_or("");
    let optional = |index: Option<usize>| {
        index.map(field).filter(|value| !value.is_empty()).map(str::to_owned)
    };

    let import_id = field(columns.import_id);
    if import_id.is_empty() {
        return Err(RejectReason::MissingImportId);
    }
    if import_id.chars().count() > MAX_IMPORT_ID_LENGTH || import_id.chars().any(char::is_control) {
        return Err(RejectReason::InvalidImportId { value: import_id.to_owned() });
    }

    let last_name = field(columns.last_name);
    let first_name = field(columns.first_name);
    if last_name.is_empty() || first_name.is_empty() {
        return Err(RejectReason::MissingName);
    }
    let display_first_name = optional(columns.call_name).unwrap_or_else(|| first_name.to_owned());
    for name in [first_name, last_name, &display_first_name] {
        if name.chars().any(char::is_control) {
            return Err(RejectReason::InvalidName { value: name.to_owned() });
        }
    }
    let display_name = format!("{display_first_name} {last_name}");
    if display_name.chars().count() > MAX_NAME_LENGTH {
        return Err(RejectReason::InvalidName { value: display_name });
    }

    let class = optional(columns.class);
    if let Some(class) = &class
        && (class.chars().count() > MAX_NAME_LENGTH || class.chars().any(char::is_control))
    {
        return Err(RejectReason::InvalidClass { value: class.clone() });
    }
    if kind == ImportKind::Pupils && class.is_none() {
        return Err(RejectReason::MissingClass);
    }

    let birth_date = match optional(columns.birth_date) {
        None => None,
        Some(value) => match parse_date(&value) {
            Some(date) => Some(date),
            None => return Err(RejectReason::InvalidBirthDate { value }),
        },
    };
    let schild_status = match optional(columns.status) {
        None => None,
        Some(value) => match value.parse::<u32>() {
            Ok(status) => Some(status),
            Err(_) => return Err(RejectReason::InvalidStatus { value }),
        },
    };
    let email = optional(columns.email);
    if let Some(value) = &email
        && !looks_like_email(value)
    {
        return Err(RejectReason::InvalidEmail { value: value.clone() });
    }

    Ok(ImportRecord {
        line,
        import_id: import_id.to_owned(),
        first_name: first_name.to_owned(),
        last_name: last_name.to_owned(),
        display_first_name,
        class,
        birth_date,
        schild_status,
        login: optional(columns.login),
        email,
        child_import_ids: columns
            .child_import_id
            .map(|index| split_child_ids(field(index)))
            .unwrap_or_default(),
    })
}

/// A date `dd.mm.yyyy`, `d.m.yyyy` or `yyyy-mm-dd` as `yyyy-mm-dd`, if it is a real calendar date
/// between 1900 and 2100.
pub(crate) fn parse_date(text: &str) -> Option<String> {
    let (day, month, year) = if let Some((year, rest)) = text.split_once('-') {
        let (month, day) = rest.split_once('-')?;
        if year.len() != 4 || month.len() != 2 || day.len() != 2 {
            return None;
        }
        (day, month, year)
    } else {
        let mut parts = text.split('.');
        let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some()
            || !(1..=2).contains(&day.len())
            || !(1..=2).contains(&month.len())
        {
            return None;
        }
        if year.len() != 4 {
            return None;
        }
        (day, month, year)
    };
    let all_digits = [day, month, year].iter().all(|part| part.chars().all(|c| c.is_ascii_digit()));
    if !all_digits {
        return None;
    }
    let (day, month, year) =
        (day.parse::<u32>().ok()?, month.parse::<u32>().ok()?, year.parse::<u32>().ok()?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1900..=2100).contains(&year) || day == 0 || day > days_in_month {
        return None;
    }
    Some(format!("{year:04}-{month:02}-{day:02}"))
}

/// Child import IDs separated by `,` or `|`, trimmed, without empty entries or duplicates.
fn split_child_ids(text: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for id in text.split([',', '|']).map(str::trim) {
        if !id.is_empty() && !ids.iter().any(|known| known == id) {
            ids.push(id.to_owned());
        }
    }
    ids
}

/// A plausibility check, not RFC 5322: one `@` with something on both sides, no spaces.
fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !text.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pupil_columns() -> ColumnPositions {
        ColumnPositions {
            import_id: 0,
            last_name: 1,
            first_name: 2,
            call_name: Some(3),
            class: Some(4),
            birth_date: Some(5),
            status: Some(6),
            login: None,
            email: Some(7),
            child_import_id: None,
        }
    }

    fn read(fields: &[&str]) -> Result<ImportRecord, RejectReason> {
        read_record(7, fields, 8, &pupil_columns(), ImportKind::Pupils)
    }

    #[test]
    fn a_complete_line_becomes_a_record() {
        let record =
            read(&["1001", "Groß", "Maximilian", "Max", "5a", "1.2.2012", "2", ""]).unwrap();
        assert_eq!(record.line, 7);
        assert_eq!(record.display_first_name, "Max");
        assert_eq!(record.display_name(), "Max Groß");
        assert_eq!(record.birth_date.as_deref(), Some("2012-02-01"));
        assert_eq!(record.schild_status, Some(2));
        assert_eq!(record.email, None);
        let record = read(&["1001", "Groß", "Maximilian", "", "5a", "", "", "m@x.de"]).unwrap();
        assert_eq!(record.display_first_name, "Maximilian");
        assert_eq!((record.birth_date, record.schild_status), (None, None));
        assert_eq!(record.email.as_deref(), Some("m@x.de"));
    }

    #[test]
    fn field_counts_are_checked() {
        assert_eq!(
            read(&["1001", "Groß", "Max"]),
            Err(RejectReason::TooFewFields { expected: 8, found: 3 })
        );
        let long = ["1001", "Groß", "Max", "", "5a", "", "", "", "", "surplus"];
        assert_eq!(read(&long), Err(RejectReason::TooManyFields { expected: 8, found: 10 }));
        // Trailing empty fields (a separator at the end of the line) are harmless.
        assert!(read(&["1001", "Groß", "Max", "", "5a", "", "", "", "", ""]).is_ok());
    }

    #[test]
    fn required_fields_are_checked() {
        let base = ["1001", "Groß", "Max", "", "5a", "", "", ""];
        let with = |index: usize, value: &'static str| {
            let mut fields = base;
            fields[index] = value;
            read(&fields)
        };
        assert_eq!(with(0, ""), Err(RejectReason::MissingImportId));
        assert!(matches!(with(0, "x\u{7}"), Err(RejectReason::InvalidImportId { .. })));
        assert_eq!(with(1, ""), Err(RejectReason::MissingName));
        assert_eq!(with(2, ""), Err(RejectReason::MissingName));
        assert!(matches!(with(2, "Max\nMoritz"), Err(RejectReason::InvalidName { .. })));
        assert_eq!(with(4, ""), Err(RejectReason::MissingClass));
        assert_eq!(with(6, "aktiv"), Err(RejectReason::InvalidStatus { value: "aktiv".into() }));
        assert_eq!(
            with(7, "max at example.org"),
            Err(RejectReason::InvalidEmail { value: "max at example.org".into() })
        );
        // Teachers need no class.
        let fields = ["1001", "Groß", "Max", "", "", "", "", ""];
        assert!(read_record(2, &fields, 8, &pupil_columns(), ImportKind::Teachers).is_ok());
    }

    #[test]
    fn dates_must_exist() {
        assert_eq!(parse_date("28.02.2012").as_deref(), Some("2012-02-28"));
        assert_eq!(parse_date("1.7.2014").as_deref(), Some("2014-07-01"));
        assert_eq!(parse_date("2012-02-29").as_deref(), Some("2012-02-29"));
        assert_eq!(parse_date("29.02.2000").as_deref(), Some("2000-02-29"));
        for invalid in [
            "29.02.2013",
            "31.04.2012",
            "00.01.2012",
            "1.13.2012",
            "01.01.12",
            "2012-2-1",
            "01.01.1850",
            "+1.01.2012",
            "01.01.2012.",
            "gestern",
            "29.02.1900",
        ] {
            assert_eq!(parse_date(invalid), None, "{invalid}");
        }
        assert_eq!(
            read(&["1001", "Groß", "Max", "", "5a", "31.02.2012", "", ""]),
            Err(RejectReason::InvalidBirthDate { value: "31.02.2012".into() })
        );
    }

    #[test]
    fn child_ids_are_split() {
        assert_eq!(split_child_ids("1001, 1002|1003,,1001"), ["1001", "1002", "1003"]);
        assert!(split_child_ids("").is_empty());
    }
}
