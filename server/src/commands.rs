//! The subcommands of the `schulhof` binary: `serve` (with first-start bootstrap) and
//! `admin create`. Output meant for people goes to stdout; logs go to stderr.

use std::future::Future;

use tokio::net::TcpListener;

use crate::bootstrap::{Bootstrapped, create_school_admin};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::store::Store;
use crate::{ServerError, run};

/// The school created on a first start without any school.
const FIRST_SCHOOL_NAME: &str = "Meine Schule";

/// `schulhof serve`: on the very first start creates a school and an admin, then serves.
pub async fn serve(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::open(&config.database).await?;
    if store.school_count().await? == 0 {
        let created =
            create_school_admin(&store, FIRST_SCHOOL_NAME, "admin", SystemClock.now_ms()).await?;
        println!("{}", first_start_banner(&created));
    }
    store.close().await;
    if !config.web_dir.join("index.html").exists() {
        tracing::warn!(dir = %config.web_dir.display(), "web client not built; run ./run.sh or npm run build in web/");
    }
    let listener = TcpListener::bind(config.bind).await.map_err(ServerError::Io)?;
    println!("schulhof läuft auf / is running at http://{}", listener.local_addr()?);
    run(listener, config, shutdown).await?;
    Ok(())
}

fn first_start_banner(created: &Bootstrapped) -> String {
    format!(
        "\n==============================================================\n\
         Erster Start: Schule \"{school}\" und Admin-Konto angelegt.\n\
         First start: created school \"{school}\" and an admin account.\n\
         \n  Anmeldename / login:     {login}\n  Einmal-Passwort / password: {password}\n\n\
         Das Passwort wird nur jetzt angezeigt und muss bei der ersten Anmeldung\n\
         geändert werden. / Shown only now; it must be changed at first login.\n\
         ==============================================================\n",
        school = created.school.name,
        login = created.admin.login,
        password = created.password,
    )
}

/// `schulhof admin create`: prints the admin's one-time password (or one JSON line).
pub async fn admin_create(
    config: Config,
    school: &str,
    login: &str,
    json: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::open(&config.database).await?;
    let created = create_school_admin(&store, school, login, SystemClock.now_ms()).await;
    store.close().await;
    let created = created?;
    if json {
        let line = serde_json::json!({
            "school": created.school,
            "login": created.admin.login,
            "password": created.password,
        });
        println!("{line}");
    } else {
        println!(
            "Schule / school: {} ({})\nAnmeldename / login: {}\nEinmal-Passwort / one-time password: {}\n\
             (muss bei der ersten Anmeldung geändert werden / must be changed at first login)",
            created.school.name, created.school.slug, created.admin.login, created.password
        );
    }
    Ok(())
}
