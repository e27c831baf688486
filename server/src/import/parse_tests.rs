//! Tests of `parse`: encodings, separators, quoting, line numbers, header mapping, rejected lines
//! and limits. The inputs are built here; one test also reads a copy of the shared SchILD sample.

use super::*;

fn pupils(text: &str) -> ParsedFile {
    parse(text.as_bytes(), ImportKind::Pupils, None).unwrap()
}

fn ids(parsed: &ParsedFile) -> Vec<&str> {
    parsed.records.iter().map(|r| r.import_id.as_str()).collect()
}

fn lines(parsed: &ParsedFile) -> Vec<usize> {
    parsed.records.iter().map(|r| r.line).collect()
}

const SCHILD_HEADER: &str = "Interne ID-Nummer;Nachname;Vorname;Klasse;Geburtsdatum;Status";

#[test]
fn windows_1252_umlauts_survive() {
    let text = format!(
        "{SCHILD_HEADER}\r\n1;Müller;Jörg;5a;01.02.2012;2\r\n2;Groß;Iñigo;5b;3.4.2011;2\r\n\
         3;Çelik;Zoë;6a;2010-12-24;2\r\n4;Hoffmann;Søren;6a;;\r\n"
    );
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err());
    let parsed = parse(&bytes, ImportKind::Pupils, None).unwrap();
    assert_eq!(parsed.encoding, FileEncoding::Windows1252);
    assert_eq!(parsed.separator, ';');
    let names: Vec<String> = parsed.records.iter().map(|r| r.display_name()).collect();
    assert_eq!(names, ["Jörg Müller", "Iñigo Groß", "Zoë Çelik", "Søren Hoffmann"]);
    let dates: Vec<Option<&str>> = parsed.records.iter().map(|r| r.birth_date.as_deref()).collect();
    assert_eq!(dates, [Some("2012-02-01"), Some("2011-04-03"), Some("2010-12-24"), None]);
    assert_eq!(lines(&parsed), [2, 3, 4, 5]);
    assert!(parsed.rejected.is_empty());
}

#[test]
fn utf8_with_bom_is_detected_and_stripped() {
    let text = format!("\u{feff}{SCHILD_HEADER}\n1;Weiß;Anaïs;Q1;13.10.2008;2\n");
    let parsed = pupils(&text);
    assert_eq!(parsed.encoding, FileEncoding::Utf8WithBom);
    assert_eq!(parsed.headers[0], "Interne ID-Nummer");
    assert_eq!(parsed.mapping.import_id, "Interne ID-Nummer");
    assert_eq!(parsed.records[0].display_name(), "Anaïs Weiß");

    let parsed = pupils(&text[3..]);
    assert_eq!(parsed.encoding, FileEncoding::Utf8);
    assert_eq!(parsed.records[0].display_name(), "Anaïs Weiß");
}

#[test]
fn utf16_with_bom_is_read() {
    let text = "Interne ID-Nummer\tNachname\tVorname\tKlasse\r\n1\tGroß\tZoë\t5a\r\n";
    let mut little_endian = vec![0xFF, 0xFE];
    let mut big_endian = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        little_endian.extend(unit.to_le_bytes());
        big_endian.extend(unit.to_be_bytes());
    }
    for (bytes, encoding) in
        [(little_endian, FileEncoding::Utf16Le), (big_endian, FileEncoding::Utf16Be)]
    {
        let parsed = parse(&bytes, ImportKind::Pupils, None).unwrap();
        assert_eq!(parsed.encoding, encoding);
        assert_eq!(parsed.separator, '\t');
        assert_eq!(parsed.records[0].display_name(), "Zoë Groß");
    }
}

#[test]
fn tab_and_comma_separators_are_detected() {
    let text = "Interne ID-Nummer\tNachname\tVorname\tKlasse\n1\tMeier, Jr.\tAnna\t5a\n";
    let parsed = pupils(text);
    assert_eq!(parsed.separator, '\t');
    assert_eq!(parsed.records[0].last_name, "Meier, Jr.");

    let text =
        "\"Interne ID-Nummer\",\"Nachname; Familie\",Vorname,Klasse\n1,\"Meier; Schulz\",Anna,5a\n";
    let parsed = parse(
        text.as_bytes(),
        ImportKind::Pupils,
        Some(&ColumnMapping {
            last_name: "Nachname; Familie".into(),
            ..detect_mapping(
                &["Interne ID-Nummer", "Nachname", "Vorname", "Klasse"].map(String::from),
                ImportKind::Pupils,
            )
            .unwrap()
        }),
    )
    .unwrap();
    assert_eq!(parsed.separator, ',');
    assert_eq!(parsed.records[0].last_name, "Meier; Schulz");
}

#[test]
fn quoted_fields_keep_separators_quotes_and_line_breaks() {
    let text = "Import-ID;Vorname;Nachname;Klasse/Information\n\
        1;\"Anna; Maria\";\"O\"\"Neill\";5a\n\
        2;Ben;Becker;\"5b\nZusatz\"\n\
        3;\"Clara\";\"Dorn\n\nDornbusch\";5c\n\
        4;Dana;Ernst;6a\n\
        5;Emil;Fuchs;6b\n";
    let parsed = pupils(text);
    assert_eq!(ids(&parsed), ["1", "4", "5"]);
    assert_eq!(parsed.records[0].first_name, "Anna; Maria");
    assert_eq!(parsed.records[0].last_name, "O\"Neill");
    // Records after quoted line breaks still carry their physical line numbers.
    assert_eq!(lines(&parsed), [2, 8, 9]);
    let rejected: Vec<(usize, &RejectReason)> =
        parsed.rejected.iter().map(|r| (r.line, &r.reason)).collect();
    assert!(matches!(
        rejected.as_slice(),
        [(3, RejectReason::InvalidClass { .. }), (5, RejectReason::InvalidName { .. })]
    ));
}

#[test]
fn empty_lines_are_skipped_and_counted() {
    let text = "\n\nImport-ID;Vorname;Nachname;Klasse/Information\n\n1;Anna;Arndt;5a\n;;;\n   \n\r\n2;Ben;Bork;5b\n\n";
    let parsed = pupils(text);
    assert_eq!(parsed.headers[0], "Import-ID");
    assert_eq!(ids(&parsed), ["1", "2"]);
    assert_eq!(lines(&parsed), [5, 9]);
    assert!(parsed.rejected.is_empty());
}

#[test]
fn line_numbers_follow_crlf_and_lone_cr() {
    let crlf = "Import-ID;Vorname;Nachname;Klasse/Information\r\n1;A;B;5a\r\n\r\n2;C;D;5b\r\n";
    assert_eq!(lines(&pupils(crlf)), [2, 4]);
    let cr = "Import-ID;Vorname;Nachname;Klasse/Information\r1;A;B;5a\r\r2;C;D;5b\r";
    assert_eq!(lines(&pupils(cr)), [2, 4]);
}

#[test]
fn missing_columns_are_an_error() {
    let text = "Import-ID;Nachname;Klasse\n1;Arndt;5a\n";
    assert_eq!(
        parse(text.as_bytes(), ImportKind::Pupils, None).unwrap_err(),
        ParseError::MissingColumns(vec!["first_name".into()])
    );
    let mapping = ColumnMapping {
        import_id: "Import-ID".into(),
        last_name: "Nachname".into(),
        first_name: "Vorname".into(),
        call_name: None,
        class: Some("Klasse".into()),
        birth_date: Some("Geburtstag".into()),
        status: None,
        login: None,
        email: None,
        child_import_id: None,
    };
    let error = parse(text.as_bytes(), ImportKind::Pupils, Some(&mapping)).unwrap_err();
    assert_eq!(error, ParseError::MissingColumns(vec!["Geburtstag".into(), "Vorname".into()]));
    assert_eq!(error.message(), "The file lacks these columns: Geburtstag, Vorname.");
    assert_eq!(error.message_de(), "In der Datei fehlen diese Spalten: Geburtstag, Vorname.");
}

#[test]
fn a_given_mapping_is_used() {
    let text = "Nr;Name;Vorname;Gruppe\n7;Arndt;Anna;5a\n";
    let mapping = ColumnMapping {
        import_id: "nr".into(),
        last_name: "Name".into(),
        first_name: "Vorname".into(),
        call_name: None,
        class: Some("Gruppe".into()),
        birth_date: None,
        status: None,
        login: None,
        email: None,
        child_import_id: None,
    };
    let parsed = parse(text.as_bytes(), ImportKind::Pupils, Some(&mapping)).unwrap();
    assert_eq!(parsed.mapping, mapping);
    assert_eq!(parsed.records[0].import_id, "7");
    assert_eq!(parsed.records[0].class.as_deref(), Some("5a"));
}

#[test]
fn duplicate_import_ids_keep_the_first_occurrence() {
    let text = format!(
        "{SCHILD_HEADER}\n1;Arndt;Anna;5a;;2\n2;Bork;Ben;5a;;2\n1;Cramer;Clara;5b;;2\n2;;;;;\n1;Dorn;Dana;5c;;2\n"
    );
    let parsed = pupils(&text);
    assert_eq!(ids(&parsed), ["1", "2"]);
    assert_eq!(parsed.records[0].last_name, "Arndt");
    let rejected: Vec<(usize, Option<&str>, &RejectReason)> =
        parsed.rejected.iter().map(|r| (r.line, r.import_id.as_deref(), &r.reason)).collect();
    assert_eq!(
        rejected,
        [
            (4, Some("1"), &RejectReason::DuplicateImportId { first_line: 2 }),
            (5, Some("2"), &RejectReason::DuplicateImportId { first_line: 3 }),
            (6, Some("1"), &RejectReason::DuplicateImportId { first_line: 2 }),
        ]
    );
}

#[test]
fn bad_lines_are_rejected_with_their_numbers_and_the_rest_is_kept() {
    let text = format!(
        "{SCHILD_HEADER}\n1;Arndt;Anna;5a;31.02.2012;2\n;Bork;Ben;5a;;2\n3;Cramer;;5a;;2\n\
         4;Dorn;Dana;;;2\n5;Ernst;Emil;5b;;aktiv\n6;Fuchs;Finn;5b\n7;Groß;Gina;5c;01.01.2012;2;x\n\
         8;Hahn;Hanna;5c;01.01.2012;2\n"
    );
    let parsed = pupils(&text);
    assert_eq!(ids(&parsed), ["8"]);
    assert_eq!(lines(&parsed), [9]);
    let rejected: Vec<(usize, RejectReason)> =
        parsed.rejected.iter().map(|r| (r.line, r.reason.clone())).collect();
    assert_eq!(
        rejected,
        [
            (2, RejectReason::InvalidBirthDate { value: "31.02.2012".into() }),
            (3, RejectReason::MissingImportId),
            (4, RejectReason::MissingName),
            (5, RejectReason::MissingClass),
            (6, RejectReason::InvalidStatus { value: "aktiv".into() }),
            (7, RejectReason::TooFewFields { expected: 6, found: 4 }),
            (8, RejectReason::TooManyFields { expected: 6, found: 7 }),
        ]
    );
    assert_eq!(parsed.rejected[0].import_id.as_deref(), Some("1"));
    assert_eq!(parsed.rejected[1].import_id, None);
}

#[test]
fn the_generic_header_gives_logins_and_emails() {
    let text = "Import-ID;Vorname;Nachname;Klasse/Information;Account;Passwort;Email;Geburtsdatum;Gruppen\n\
        T1;Jörg;Lehmann;Mathe;jlehmann;geheim;j.lehmann@example.org;12.03.1975;Fachschaft\n\
        T2;Petra;Schulz;;;;;;\n";
    let parsed = parse(text.as_bytes(), ImportKind::Teachers, None).unwrap();
    assert_eq!(parsed.mapping.login.as_deref(), Some("Account"));
    let first = &parsed.records[0];
    assert_eq!(first.login.as_deref(), Some("jlehmann"));
    assert_eq!(first.email.as_deref(), Some("j.lehmann@example.org"));
    assert_eq!(first.birth_date.as_deref(), Some("1975-03-12"));
    let second = &parsed.records[1];
    assert_eq!((second.login.as_deref(), second.class.as_deref()), (None, None));
}

#[test]
fn call_names_are_preferred_for_display() {
    let text = "Interne ID-Nummer;Nachname;Vorname;Rufname;Klasse\n1;Weber;Maximilian Johannes;Max;5a\n2;Weber;Lena;;5a\n";
    let parsed = pupils(text);
    assert_eq!(parsed.records[0].display_name(), "Max Weber");
    assert_eq!(parsed.records[0].first_name, "Maximilian Johannes");
    assert_eq!(parsed.records[1].display_name(), "Lena Weber");
}

#[test]
fn parents_list_their_children() {
    let text = "Import-ID;Vorname;Nachname;Kind-ID\nP1;Eva;Arndt;\"1001, 1002\"\nP2;Karl;Bork;1003|1004\nP3;Uwe;Cramer;\n";
    let parsed = parse(text.as_bytes(), ImportKind::Parents, None).unwrap();
    let children: Vec<Vec<String>> =
        parsed.records.iter().map(|r| r.child_import_ids.clone()).collect();
    assert_eq!(children, [vec!["1001", "1002"], vec!["1003", "1004"], vec![]]);
}

#[test]
fn files_without_a_header_are_refused() {
    for text in ["", "\n\n", "\r\n ; ;\r\n"] {
        assert_eq!(
            parse(text.as_bytes(), ImportKind::Pupils, None).unwrap_err(),
            ParseError::NoHeader
        );
    }
}

#[test]
fn a_header_without_records_is_an_empty_file() {
    let parsed = pupils(SCHILD_HEADER);
    assert!(parsed.records.is_empty() && parsed.rejected.is_empty());
}

#[test]
fn oversized_files_are_refused() {
    let bytes = vec![b'a'; MAX_FILE_BYTES + 1];
    let error = parse(&bytes, ImportKind::Pupils, None).unwrap_err();
    assert!(matches!(error, ParseError::FileTooLarge { .. }));
    assert!(error.message_de().contains("20 MB"));

    let mut text = String::from("Import-ID;Vorname;Nachname;Klasse/Information\n");
    for id in 0..=MAX_RECORDS {
        text.push_str(&format!("{id};A;B;5a\n"));
    }
    assert!(text.len() < MAX_FILE_BYTES);
    let error = parse(text.as_bytes(), ImportKind::Pupils, None).unwrap_err();
    assert_eq!(error, ParseError::TooManyRecords { limit: MAX_RECORDS });
}

#[test]
fn import_kinds_have_roles_and_wire_names() {
    assert_eq!(ImportKind::Pupils.role(), Role::Pupil);
    assert_eq!(ImportKind::Teachers.role(), Role::Teacher);
    assert_eq!(ImportKind::Parents.role(), Role::Parent);
    assert_eq!(serde_json::to_string(&ImportKind::Parents).unwrap(), "\"parents\"");
    assert_eq!(serde_json::from_str::<ImportKind>("\"teachers\"").unwrap(), ImportKind::Teachers);
}

#[test]
fn parsed_files_serialize_for_the_preview() {
    let parsed = pupils(&format!("{SCHILD_HEADER}\n1;Arndt;Anna;5a;;2\n;Bork;Ben;5a;;2\n"));
    let json = serde_json::to_value(&parsed).unwrap();
    assert_eq!(json["encoding"], "utf-8");
    assert_eq!(json["separator"], ";");
    assert_eq!(json["kind"], "pupils");
    assert_eq!(json["records"][0]["import_id"], "1");
    assert_eq!(json["rejected"][0]["reason"]["code"], "missing_import_id");
    assert_eq!(json["rejected"][0]["message_de"], "Die Import-ID ist leer.");
}

/// A copy of the shared SchILD sample (Windows-1252, 40 pupils).
#[test]
fn the_schild_sample_reads_cleanly() {
    let bytes = include_bytes!("testdata/schild-sample.csv");
    let parsed = parse(bytes, ImportKind::Pupils, None).unwrap();
    assert_eq!(parsed.encoding, FileEncoding::Windows1252);
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    assert_eq!(parsed.records[0].display_name(), "Emma Kühn");
    assert_eq!(parsed.records.len(), 40);
    assert!(parsed.records.iter().any(|r| r.last_name == "Çelik"));
}
