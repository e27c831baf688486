//! Tests of `plan`: creates and logins, updates, moves and renames, leavers, deactivations,
//! reactivations, parent links, and the rule that planning again after applying changes nothing
//! (checked with `apply`, a small simulation of the apply step on a snapshot).

use schulhof_proto::{UserId, UserStatus};

use super::*;
use crate::import::parse::parse;
use crate::import::testkit::{apply, snapshot, user};

const HEADER: &str = "Interne ID-Nummer;Nachname;Vorname;Klasse;Geburtsdatum;Status";

fn parsed(kind: ImportKind, text: &str) -> ParsedFile {
    parse(text.as_bytes(), kind, None).unwrap()
}

fn pupils(rows: &[&str]) -> ParsedFile {
    parsed(ImportKind::Pupils, &format!("{HEADER}\n{}\n", rows.join("\n")))
}

/// `plan`, under a name the tests' `let plan = …` does not shadow.
fn plan_of(file: &ParsedFile, directory: &DirectorySnapshot) -> ImportPlan {
    plan(file, directory)
}

fn logins(plan: &ImportPlan) -> Vec<&str> {
    plan.creates.iter().map(|c| c.login.as_str()).collect()
}

#[test]
fn new_pupils_are_created_with_unique_logins() {
    let file = pupils(&[
        "1;Müller;Anna;5a;01.02.2012;2",
        "2;Müller;Anna;5b;03.04.2012;2",
        "3;Groß;Jörg;5a;;",
    ]);
    let plan = plan_of(&file, &DirectorySnapshot::default());
    assert_eq!(logins(&plan), ["anna.mueller", "anna.mueller2", "joerg.gross"]);
    let first = &plan.creates[0];
    assert_eq!(first.line, 2);
    assert_eq!(first.display_name, "Anna Müller");
    assert_eq!(first.class.as_deref(), Some("5a"));
    assert_eq!(first.birth_date.as_deref(), Some("2012-02-01"));
    assert_eq!(plan.class_creates, ["5a", "5b"]);
    assert!(plan.deactivations.is_empty() && plan.class_renames.is_empty());

    // Taken logins of the whole school (other roles too) are avoided.
    let mut directory = DirectorySnapshot::default();
    directory.taken_logins.insert("anna.mueller".into());
    let plan = plan_of(&file, &directory);
    assert_eq!(logins(&plan), ["anna.mueller2", "anna.mueller3", "joerg.gross"]);
}

#[test]
fn names_are_transliterated_into_logins() {
    let file = pupils(&[
        "1;Müller;Leon;5a;;",
        "2;Groß;Lea;5a;;",
        "3;Çelik;Ali;5a;;",
        "4;Núñez;Iñigo;5a;;",
        "5;Weiß;Zoë;5a;;",
        "6;Hoffmann;Søren;5a;;",
        "7;von der Heide;Anna-Lena;5a;;",
    ]);
    let plan = plan_of(&file, &DirectorySnapshot::default());
    assert_eq!(
        logins(&plan),
        [
            "leon.mueller",
            "lea.gross",
            "ali.celik",
            "inigo.nunez",
            "zoe.weiss",
            "soren.hoffmann",
            "anna-lena.von-der-heide"
        ]
    );
}

#[test]
fn logins_from_the_file_are_used_when_valid() {
    let text = "Import-ID;Vorname;Nachname;Account\nT1;Jörg;Lehmann;JLehmann\nT2;Petra;Schulz;petra schulz\nT3;Jens;Lang;taken\n";
    let file = parsed(ImportKind::Teachers, text);
    let mut directory = DirectorySnapshot::default();
    directory.taken_logins.insert("taken".into());
    let plan = plan_of(&file, &directory);
    assert_eq!(logins(&plan), ["jlehmann", "petra.schulz", "taken2"]);
    // Teachers get no class even from a "Klasse/Information" column.
    assert!(plan.creates.iter().all(|c| c.class.is_none()));
    assert!(plan.class_creates.is_empty());
}

#[test]
fn a_name_change_updates_the_display_name_and_keeps_the_login() {
    let mut anna = user("1", "anna.mueller", "Anna Müller", Some("5a"));
    anna.birth_date = Some("2012-02-01".into());
    let directory = snapshot(vec![anna.clone()]);
    let file = pupils(&["1;Schmidt;Anna;5a;02.02.2012;2"]);
    let plan = plan_of(&file, &directory);
    assert!(plan.creates.is_empty());
    assert_eq!(plan.updates.len(), 1);
    let update = &plan.updates[0];
    assert_eq!(update.user_id, anna.id);
    assert_eq!(
        update.changes,
        [
            FieldChange {
                field: UserField::DisplayName,
                old: Some("Anna Müller".into()),
                new: Some("Anna Schmidt".into())
            },
            FieldChange {
                field: UserField::BirthDate,
                old: Some("2012-02-01".into()),
                new: Some("2012-02-02".into())
            }
        ]
    );
    let after = apply(&directory, &plan);
    assert_eq!(after.users[0].login, "anna.mueller");
    assert!(plan_of(&file, &after).is_noop());
}

#[test]
fn an_empty_or_unmapped_birth_date_keeps_the_stored_one() {
    let mut anna = user("1", "anna.mueller", "Anna Müller", Some("5a"));
    anna.birth_date = Some("2012-02-01".into());
    let directory = snapshot(vec![anna]);
    assert!(plan_of(&pupils(&["1;Müller;Anna;5a;;2"]), &directory).is_noop());
    let without_column =
        parsed(ImportKind::Pupils, "Interne ID-Nummer;Nachname;Vorname;Klasse\n1;Müller;Anna;5a\n");
    assert!(plan_of(&without_column, &directory).is_noop());
}

#[test]
fn a_class_change_is_a_move() {
    let anna = user("1", "anna", "Anna Arndt", Some("5a"));
    let ben = user("2", "ben", "Ben Bork", Some("5a"));
    let clara = user("3", "clara", "Clara Cramer", Some("5b"));
    let directory = snapshot(vec![anna.clone(), ben, clara]);
    let file = pupils(&["1;Arndt;Anna;5b;;2", "2;Bork;Ben;5a;;2", "3;Cramer;Clara;5b;;2"]);
    let plan = plan_of(&file, &directory);
    assert_eq!(
        plan.moves,
        [ClassMove {
            line: 2,
            user_id: anna.id,
            import_id: "1".into(),
            display_name: "Anna Arndt".into(),
            from: Some("5a".into()),
            to: "5b".into()
        }]
    );
    assert!(plan.class_creates.is_empty() && plan.class_renames.is_empty());
    assert!(plan_of(&file, &apply(&directory, &plan)).is_noop());
}

#[test]
fn a_class_moving_up_together_is_renamed() {
    let directory = snapshot(vec![
        user("1", "anna", "Anna Arndt", Some("5a")),
        user("2", "ben", "Ben Bork", Some("5a")),
        user("3", "clara", "Clara Cramer", Some("6a")),
    ]);
    let file = pupils(&[
        "1;Arndt;Anna;6a;;2",
        "2;Bork;Ben;6a;;2",
        "3;Cramer;Clara;7a;;2",
        "4;Dorn;Dana;5a;;2",
    ]);
    let plan = plan_of(&file, &directory);
    let renames: Vec<(&str, &str)> =
        plan.class_renames.iter().map(|r| (r.from.as_str(), r.to.as_str())).collect();
    assert_eq!(renames, [("6a", "7a"), ("5a", "6a")]);
    assert_eq!(plan.class_creates, ["5a"]);
    assert_eq!(plan.moves.len(), 3);
    let after = apply(&directory, &plan);
    assert!(plan_of(&file, &after).is_noop());
}

#[test]
fn leavers_are_not_created_and_active_ones_are_deactivated() {
    let left = user("1", "anna", "Anna Arndt", Some("10a"));
    let mut already_inactive = user("2", "ben", "Ben Bork", Some("10a"));
    already_inactive.status = UserStatus::Inactive;
    let mut restricted = user("3", "clara", "Clara Cramer", Some("10a"));
    restricted.status = UserStatus::Restricted;
    let directory = snapshot(vec![left.clone(), already_inactive, restricted.clone()]);
    let file = pupils(&[
        "1;Arndt;Anna;10a;;8",
        "2;Bork;Ben;10a;;9",
        "3;Cramer;Clara;10a;;10",
        "4;Dorn;Dana;10a;;8",
        "5;Ernst;Emil;10a;;9",
        "6;Fuchs;Finn;10a;;10",
        "7;Groß;Gina;10a;;2",
    ]);
    let plan = plan_of(&file, &directory);
    assert_eq!(logins(&plan), ["gina.gross"]);
    let skipped: Vec<(usize, &str)> =
        plan.skipped_leavers.iter().map(|s| (s.line, s.import_id.as_str())).collect();
    assert_eq!(skipped, [(5, "4"), (6, "5"), (7, "6")]);
    let deactivated: Vec<(UserId, DeactivationReason)> =
        plan.deactivations.iter().map(|d| (d.user_id, d.reason)).collect();
    assert_eq!(
        deactivated,
        [
            (left.id, DeactivationReason::Left { schild_status: 8 }),
            (restricted.id, DeactivationReason::Left { schild_status: 10 })
        ]
    );
    assert!(plan.updates.is_empty() && plan.moves.is_empty() && plan.reactivations.is_empty());
    assert!(plan.class_creates.is_empty());
    assert!(plan_of(&file, &apply(&directory, &plan)).is_noop());
}

#[test]
fn accounts_missing_from_the_file_are_deactivated() {
    let stays = user("1", "anna", "Anna Arndt", Some("5a"));
    let gone = user("2", "ben", "Ben Bork", Some("5a"));
    let mut gone_restricted = user("3", "clara", "Clara Cramer", Some("5a"));
    gone_restricted.status = UserStatus::Restricted;
    let mut gone_inactive = user("4", "dana", "Dana Dorn", Some("5a"));
    gone_inactive.status = UserStatus::Inactive;
    let rejected_in_file = user("5", "emil", "Emil Ernst", Some("5a"));
    let directory = snapshot(vec![
        stays,
        gone.clone(),
        gone_restricted.clone(),
        gone_inactive,
        rejected_in_file,
    ]);
    let file = pupils(&["1;Arndt;Anna;5a;;2", "5;Ernst;Emil;5a;31.02.2012;2"]);
    assert_eq!(file.rejected.len(), 1);
    let plan = plan_of(&file, &directory);
    let deactivated: Vec<(&str, UserId, DeactivationReason)> =
        plan.deactivations.iter().map(|d| (d.import_id.as_str(), d.user_id, d.reason)).collect();
    assert_eq!(
        deactivated,
        [
            ("2", gone.id, DeactivationReason::MissingFromFile),
            ("3", gone_restricted.id, DeactivationReason::MissingFromFile)
        ]
    );
    assert_eq!(plan.summary().rejected, 1);
    assert!(plan_of(&file, &apply(&directory, &plan)).is_noop());
}

#[test]
fn inactive_accounts_back_in_the_file_are_reactivated() {
    let mut returning = user("1", "anna", "Anna Arndt", Some("5a"));
    returning.status = UserStatus::Inactive;
    let mut deleted = user("2", "ben", "Ben Bork", Some("5a"));
    deleted.status = UserStatus::Deleted;
    let directory = snapshot(vec![returning.clone(), deleted]);
    let file = pupils(&["1;Arndt;Anna;6a;;2", "2;Bork;Ben;5a;;2"]);
    let plan = plan_of(&file, &directory);
    assert_eq!(plan.reactivations.len(), 1);
    assert_eq!(plan.reactivations[0].user_id, returning.id);
    assert_eq!(plan.moves.len(), 1);
    assert!(plan.creates.is_empty());
    assert_eq!(plan.skipped_deleted[0].import_id, "2");
    assert!(plan_of(&file, &apply(&directory, &plan)).is_noop());
}

#[test]
fn parents_are_linked_and_unlinked_by_import_id() {
    let mut known = user("P1", "eva.arndt", "Eva Arndt", None);
    known.child_import_ids = vec!["1001".into(), "1002".into()];
    let directory = snapshot(vec![known]);
    let text =
        "Import-ID;Vorname;Nachname;Kind-ID\nP1;Eva;Arndt;1002|1003\nP2;Karl;Bork;\"1004,1005\"\n";
    let file = parsed(ImportKind::Parents, text);
    let plan = plan_of(&file, &directory);
    let pairs = |links: &[ParentLink]| -> Vec<(String, String)> {
        links.iter().map(|l| (l.parent_import_id.clone(), l.child_import_id.clone())).collect()
    };
    let link = |p: &str, c: &str| (p.to_owned(), c.to_owned());
    assert_eq!(
        pairs(&plan.parent_links),
        [link("P1", "1003"), link("P2", "1004"), link("P2", "1005")]
    );
    assert_eq!(pairs(&plan.parent_unlinks), [link("P1", "1001")]);
    assert_eq!(plan.creates[0].child_import_ids, ["1004", "1005"]);
    assert!(plan.class_creates.is_empty());
    assert!(plan_of(&file, &apply(&directory, &plan)).is_noop());

    // A parent file without a child column leaves the links alone.
    let without_children =
        parsed(ImportKind::Parents, "Import-ID;Vorname;Nachname\nP1;Eva;Arndt\nP2;Karl;Bork\n");
    let after = apply(&directory, &plan);
    assert!(plan_of(&without_children, &after).is_noop());
}

#[test]
fn a_full_year_round_trips_to_a_noop() {
    let first = pupils(&[
        "1;Müller;Anna;5a;01.02.2012;2",
        "2;Müller;Anna;5a;03.04.2012;2",
        "3;Groß;Jörg;6a;;2",
        "4;Çelik;Ali;6a;;2",
        "5;Weiß;Zoë;10a;;2",
    ]);
    let start = DirectorySnapshot::default();
    let first_plan = plan_of(&first, &start);
    let after_first = apply(&start, &first_plan);
    assert!(plan_of(&first, &after_first).is_noop());

    // Next school year: everyone moves up, Zoë graduates, a new pupil arrives, Ali left.
    let second = pupils(&[
        "6;Arndt;Nele;5a;;2",
        "1;Müller;Anna;6a;01.02.2012;2",
        "2;Müller-Lüdenscheidt;Anna;6a;03.04.2012;2",
        "3;Groß;Jörg;7a;;2",
        "5;Weiß;Zoë;10a;;8",
    ]);
    let second_plan = plan_of(&second, &after_first);
    assert_eq!(
        second_plan.summary(),
        PlanSummary {
            creates: 1,
            updates: 1,
            moves: 3,
            class_creates: 1,
            class_renames: 0,
            deactivations: 2,
            reactivations: 0,
            parent_links: 0,
            parent_unlinks: 0,
            skipped_leavers: 0,
            rejected: 0,
        }
    );
    // Ali (deactivated, not moving) stays in 6a: 6a is not renamed to 7a, and 5a cannot take the
    // name 6a, so 7a is created and the pupils move.
    assert_eq!(second_plan.class_creates, ["7a"]);
    let after_second = apply(&after_first, &second_plan);
    assert!(plan_of(&second, &after_second).is_noop());
    let anna = after_second.users.iter().find(|u| u.import_id == "2").unwrap();
    assert_eq!(anna.login, "anna.mueller2");
    assert_eq!(anna.display_name, "Anna Müller-Lüdenscheidt");
}

#[test]
fn two_thousand_pupils_plan_and_replan() {
    const FIRST_NAMES: [&str; 8] = ["Anna", "Ben", "Zoë", "Jörg", "Iñigo", "Søren", "Lea", "Ömer"];
    const LAST_NAMES: [&str; 6] = ["Müller", "Groß", "Çelik", "Weiß", "Schmidt", "Öztürk"];
    let mut text = format!("{HEADER}\r\n");
    for n in 0..2000_usize {
        let first = FIRST_NAMES[n % FIRST_NAMES.len()];
        let last = LAST_NAMES[(n / FIRST_NAMES.len()) % LAST_NAMES.len()];
        let class = format!("{}{}", 5 + n % 6, ["a", "b", "c"][(n / 6) % 3]);
        let day = 1 + n % 28;
        text.push_str(&format!("{};{last};{first};{class};{day:02}.03.2012;2\r\n", 10_000 + n));
    }
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    let file = parse(&bytes, ImportKind::Pupils, None).unwrap();
    assert_eq!(file.records.len(), 2000);
    assert!(file.rejected.is_empty());
    assert_eq!(file.records[1999].line, 2001);

    let start = DirectorySnapshot::default();
    let first_plan = plan_of(&file, &start);
    assert_eq!(first_plan.creates.len(), 2000);
    let unique: HashSet<&str> = logins(&first_plan).into_iter().collect();
    assert_eq!(unique.len(), 2000);
    assert!(unique.contains("anna.mueller") && unique.contains("anna.mueller2"));
    assert!(unique.iter().all(|login| crate::import::logins::is_valid_login(login)));
    assert_eq!(first_plan.class_creates.len(), 18);
    let after = apply(&start, &first_plan);
    assert!(plan_of(&file, &after).is_noop());
}

#[test]
fn plans_serialize_for_the_preview() {
    let directory = snapshot(vec![user("9", "old", "Old Pupil", Some("5a"))]);
    let file = pupils(&["1;Müller;Anna;5a;;2", ";Bork;Ben;5a;;2"]);
    let plan = plan_of(&file, &directory);
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["kind"], "pupils");
    assert_eq!(json["creates"][0]["login"], "anna.mueller");
    assert_eq!(json["deactivations"][0]["reason"]["kind"], "missing_from_file");
    assert_eq!(json["rejected"][0]["reason"]["code"], "missing_import_id");
    let summary = serde_json::to_value(plan.summary()).unwrap();
    assert_eq!(summary["creates"], 1);
    assert_eq!(summary["deactivations"], 1);
    assert!(!plan.is_noop());
}
