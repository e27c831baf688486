//! `schulhof import`: the import from the command line. It prints a readable summary of the plan
//! (or JSON with `--json`), progress while applying, and can write the credentials sheet of the
//! new accounts to a directory (files readable by the owner only).

use std::io::Write;

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, ImportArgs, ImportKindArg};
use crate::credentials_sheet::{credentials_csv, credentials_html};
use crate::import::{ImportKind, ImportPlan};
use crate::importer::{self, Actor, ImportFile};
use crate::maintenance::SYSTEM_ACTOR;
use crate::store::Store;

type CommandResult = Result<(), Box<dyn std::error::Error>>;

fn kind_of(arg: ImportKindArg) -> ImportKind {
    match arg {
        ImportKindArg::Pupils => ImportKind::Pupils,
        ImportKindArg::Teachers => ImportKind::Teachers,
        ImportKindArg::Parents => ImportKind::Parents,
    }
}

/// Runs the import command.
pub async fn run(config: Config, args: ImportArgs) -> CommandResult {
    let bytes = std::fs::read(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let store = Store::open(&config.database).await?;
    let result = run_with_store(&store, &config, args, bytes).await;
    store.close().await;
    result
}

async fn run_with_store(
    store: &Store,
    config: &Config,
    args: ImportArgs,
    bytes: Vec<u8>,
) -> CommandResult {
    let school = store
        .school_by_slug(&args.school)
        .await?
        .ok_or_else(|| format!("no school with the slug {:?}", args.school))?;
    let kind = kind_of(args.kind);
    let file = ImportFile { school: school.id, kind, bytes, mapping: None };
    let preview = importer::preview(store, file.clone()).await?;
    if args.dry_run {
        if args.json {
            println!("{}", serde_json::to_string(&preview)?);
        } else {
            println!(
                "Datei / file: {} records, encoding {}, separator {:?}",
                preview.file.records, preview.file.encoding, preview.file.separator
            );
            print_plan(&preview.plan);
            println!("\nTrockenlauf: nichts wurde geschrieben. / Dry run: nothing was written.");
        }
        return Ok(());
    }
    let mut progress = |done: usize, total: usize| {
        if !args.json {
            eprint!("\r{done}/{total}");
            let _ = std::io::stderr().flush();
        }
    };
    let actor = Actor { id: None, login: SYSTEM_ACTOR };
    let now = SystemClock.now_ms();
    let applied = importer::apply(store, file, actor, now, &mut progress).await?;
    if let Some(dir) = &args.credentials_dir {
        let rows = store.import_credentials(school.id, &applied.run_id, now).await?;
        let url = config
            .public_url
            .as_ref()
            .map_or_else(|| "der Schulplattform".to_owned(), |u| u.origin().ascii_serialization());
        write_private(&dir.join("credentials.csv"), credentials_csv(&rows).as_bytes())?;
        write_private(
            &dir.join("credentials.html"),
            credentials_html(&school.name, &url, &rows).as_bytes(),
        )?;
        store.discard_import_credentials(school.id, &applied.run_id).await?;
    }
    if args.json {
        println!("{}", serde_json::to_string(&applied)?);
    } else {
        eprintln!();
        print_plan(&preview.plan);
        println!("\nAngewendet / applied (run {}).", applied.run_id);
        if !applied.unresolved_links.is_empty() {
            println!(
                "{} Eltern-Kind-Verknüpfungen ohne bekanntes Kind / links to unknown children",
                applied.unresolved_links.len()
            );
        }
        match &args.credentials_dir {
            Some(dir) => println!("Zugangsdaten / credentials: {}", dir.display()),
            None if applied.credentials > 0 => println!(
                "{} Zugangsdaten liegen 7 Tage in der Verwaltung bereit / credentials wait in the admin pages for 7 days",
                applied.credentials
            ),
            None => {}
        }
    }
    Ok(())
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

fn print_plan(plan: &ImportPlan) {
    let s = plan.summary();
    println!(
        "Neu / new: {} · Geändert / updated: {} · Klassenwechsel / moves: {} · neue Klassen / new classes: {} · \
         umbenannt / renamed: {} · deaktiviert / deactivated: {} · reaktiviert / reactivated: {} · \
         Eltern-Verknüpfungen / parent links: +{} −{} · abgelehnt / rejected: {}",
        s.creates,
        s.updates,
        s.moves,
        s.class_creates,
        s.class_renames,
        s.deactivations,
        s.reactivations,
        s.parent_links,
        s.parent_unlinks,
        s.rejected
    );
    for rejected in &plan.rejected {
        println!("  Zeile / line {}: {}", rejected.line, rejected.reason.message());
    }
    if plan.is_noop() {
        println!("Keine Änderungen. / No changes.");
    }
}
