//! The school's files on the way in and out: a SchILD-style pupil export (semicolon-separated,
//! UTF-8, one line per pupil) generated from a seed, and the credentials sheet the import answers
//! with (`Klasse;Name;Anmeldename;Passwort`, UTF-8 with BOM).

use std::fmt::Write as _;

use crate::seed::{FIRST_NAMES, LAST_NAMES, SeededRng, class_names, grade_of};

/// Pupils per class; a class in the benchmarks is these plus one teacher.
pub const PUPILS_PER_CLASS: usize = 30;

/// The header SchILD exports and the import detects.
pub const SCHILD_HEADER: &str = "Interne ID-Nummer;Nachname;Vorname;Klasse;Geburtsdatum;Status";

/// The year birth dates are counted back from (kept fixed so a seed always gives the same file).
const REFERENCE_YEAR: u32 = 2026;

/// One generated pupil.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pupil {
    pub import_id: String,
    pub last_name: String,
    pub first_name: String,
    pub class_name: String,
    /// `DD.MM.YYYY`, as SchILD writes it.
    pub birth_date: String,
}

/// `classes` × 30 pupils, reproducible from `seed`.
pub fn generate_pupils(classes: usize, seed: u64) -> Vec<Pupil> {
    let mut rng = SeededRng::new(seed);
    let mut pupils = Vec::with_capacity(classes * PUPILS_PER_CLASS);
    for (class_index, class_name) in class_names(classes).into_iter().enumerate() {
        let grade = grade_of(&class_name);
        for place in 0..PUPILS_PER_CLASS {
            let age = grade + 5 + u32::try_from(rng.below(2)).unwrap_or(0);
            let year = REFERENCE_YEAR - age;
            let month = 1 + rng.below(12);
            let day = 1 + rng.below(28);
            pupils.push(Pupil {
                import_id: (100_000 + class_index * PUPILS_PER_CLASS + place).to_string(),
                last_name: rng.pick(LAST_NAMES).to_owned(),
                first_name: rng.pick(FIRST_NAMES).to_owned(),
                class_name: class_name.clone(),
                birth_date: format!("{day:02}.{month:02}.{year}"),
            });
        }
    }
    pupils
}

/// The pupils as a SchILD export: header, then one `;`-separated line each, CRLF line ends.
pub fn schild_csv(pupils: &[Pupil]) -> String {
    let mut text = String::from(SCHILD_HEADER);
    text.push_str("\r\n");
    for pupil in pupils {
        // Status 2 = active pupil in SchILD.
        let _ = write!(
            text,
            "{};{};{};{};{};2\r\n",
            pupil.import_id, pupil.last_name, pupil.first_name, pupil.class_name, pupil.birth_date
        );
    }
    text
}

/// One line of the credentials sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    pub class_name: String,
    pub name: String,
    pub login: String,
    pub password: String,
}

/// Reads the credentials CSV the server produces (a BOM and quoted fields are fine).
pub fn parse_credentials(text: &str) -> Result<Vec<Credential>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader =
        csv::ReaderBuilder::new().delimiter(b';').has_headers(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|error| format!("credentials CSV: {error}"))?.clone();
    let expected = ["Klasse", "Name", "Anmeldename", "Passwort"];
    if headers.iter().collect::<Vec<_>>() != expected {
        return Err(format!("credentials CSV: unexpected header {headers:?}"));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| format!("credentials CSV: {error}"))?;
        let field = |index: usize| record.get(index).unwrap_or("").to_owned();
        rows.push(Credential {
            class_name: field(0),
            name: field(1),
            login: field(2),
            password: field(3),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_reproducible_from_the_seed() {
        assert_eq!(schild_csv(&generate_pupils(3, 9)), schild_csv(&generate_pupils(3, 9)));
        assert_ne!(schild_csv(&generate_pupils(3, 9)), schild_csv(&generate_pupils(3, 10)));
    }

    #[test]
    fn every_class_has_thirty_pupils_with_unique_ids() {
        let pupils = generate_pupils(4, 1);
        assert_eq!(pupils.len(), 120);
        let ids: std::collections::BTreeSet<_> = pupils.iter().map(|p| &p.import_id).collect();
        assert_eq!(ids.len(), 120);
        let in_6a = pupils.iter().filter(|p| p.class_name == "6a").count();
        assert_eq!(in_6a, 30);
    }

    #[test]
    fn lines_have_the_schild_shape() {
        let text = schild_csv(&generate_pupils(1, 3));
        let mut lines = text.split("\r\n");
        assert_eq!(lines.next(), Some(SCHILD_HEADER));
        let first: Vec<&str> = lines.next().unwrap().split(';').collect();
        assert_eq!(first.len(), 6);
        assert_eq!(first[0], "100000");
        assert_eq!(first[3], "5a");
        assert_eq!(first[5], "2");
        let date: Vec<&str> = first[4].split('.').collect();
        assert_eq!(date.len(), 3);
        let year: u32 = date[2].parse().unwrap();
        assert!((2015..=2016).contains(&year), "{year}");
        assert!(text.ends_with("\r\n"));
    }

    #[test]
    fn credentials_parse_with_bom_and_quotes() {
        let text = "\u{feff}Klasse;Name;Anmeldename;Passwort\r\n5a;Zoë Groß;zoe.gross;abc-def\r\n\
                    ;\"Semi;Colon\";semi.colon;xy\r\n";
        let rows = parse_credentials(text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "Zoë Groß");
        assert_eq!(rows[0].login, "zoe.gross");
        assert_eq!(rows[1].class_name, "");
        assert_eq!(rows[1].name, "Semi;Colon");
        assert!(parse_credentials("a;b\r\n").is_err());
    }
}
