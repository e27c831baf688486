//! The `schulhof` binary: parse the command line, set up logging, run the chosen subcommand.

use clap::Parser;
use schulhof_server::commands;
use schulhof_server::config::{AdminCommand, Cli, Command, Config};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config = match Config::resolve(cli.options) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("schulhof: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    let filter = EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();

    let result = match cli.command {
        Command::Serve => commands::serve(config, shutdown_signal()).await,
        Command::Admin(AdminCommand::Create { school, login, json }) => {
            commands::admin_create(config, &school, &login, json).await
        }
        Command::Import(args) => schulhof_server::import_command::run(config, args).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("schulhof: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
