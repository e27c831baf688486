//! The one `Config` of a schulhof process, and the command line that produces it. Every option can
//! come from a flag, an environment variable or an optional TOML file (`--config`), in that order of
//! precedence; defaults fill the rest. The result is validated once and passed down explicitly.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use serde::Deserialize;
use url::Url;

/// The command line of the `schulhof` binary.
#[derive(Debug, Parser)]
#[command(name = "schulhof", version, about = "schulhof — the open school platform")]
pub struct Cli {
    #[command(flatten)]
    pub options: ConfigOptions,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the platform (HTTP API, web client, real-time hub).
    Serve,
    /// Administrative tasks on the directory.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Import users from a SchILD export or a CSV file (dry run first with --dry-run).
    Import(ImportArgs),
}

/// `schulhof import FILE --school SLUG [--kind pupils] [--dry-run] [--json]`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The SchILD export or CSV file.
    pub file: PathBuf,
    /// The school's slug (shown by `schulhof admin create`), e.g. gymnasium-musterstadt.
    #[arg(long)]
    pub school: String,
    /// What the file holds.
    #[arg(long, value_enum, default_value = "pupils")]
    pub kind: ImportKindArg,
    /// Only show what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print machine-readable JSON instead of the readable summary.
    #[arg(long)]
    pub json: bool,
    /// Write the credentials sheet of new accounts (credentials.html, credentials.csv) here.
    #[arg(long)]
    pub credentials_dir: Option<PathBuf>,
}

/// The kinds of import on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ImportKindArg {
    Pupils,
    Teachers,
    Parents,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a school (if it does not exist yet) and an admin account in it, and print the
    /// admin's one-time password.
    Create {
        /// The school's full name, e.g. "Gymnasium Musterstadt".
        #[arg(long)]
        school: String,
        /// The admin's login name.
        #[arg(long, default_value = "admin")]
        login: String,
        /// Print one JSON line instead of the readable text.
        #[arg(long)]
        json: bool,
    },
}

/// Options shared by every subcommand. All are optional here; `Config::resolve` applies the TOML
/// file and the defaults.
#[derive(Debug, Clone, Default, Args, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigOptions {
    /// A TOML file with any of these options (kebab-case keys, e.g. `data-dir = "/srv/schulhof"`).
    #[arg(long, global = true, env = "SCHULHOF_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, global = true, env = "SCHULHOF_BIND")]
    pub bind: Option<SocketAddr>,
    /// Directory for the SQLite database and files [default: ./data].
    #[arg(long, global = true, env = "SCHULHOF_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL URL (postgres://…); without it schulhof uses SQLite in the data directory.
    #[arg(long, global = true, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Redis URL for running several server processes as one platform.
    #[arg(long, global = true, env = "REDIS_URL")]
    pub redis_url: Option<String>,
    /// The URL people use to reach the platform, e.g. https://schule.example.org. It decides the
    /// allowed Origin and whether cookies are `Secure`. Without it the request's Host is trusted.
    #[arg(long, global = true, env = "SCHULHOF_PUBLIC_URL")]
    pub public_url: Option<Url>,
    /// Log filter, e.g. `info` or `schulhof_server=debug` [default: info].
    #[arg(long, global = true, env = "SCHULHOF_LOG")]
    pub log_level: Option<String>,
    /// Prefix of every Redis key, shared by the nodes of one platform [default: schulhof].
    #[arg(long, global = true, env = "SCHULHOF_REDIS_PREFIX")]
    pub redis_prefix: Option<String>,
    /// Seconds a node's hub presence entries live without renewal (a crashed node's users go
    /// offline after this) [default: 30].
    #[arg(long, global = true, env = "SCHULHOF_PRESENCE_TTL_SECONDS")]
    pub presence_ttl_seconds: Option<u32>,
    /// Days a deactivated or deleted account is kept before it is purged [default: 30].
    #[arg(long, global = true, env = "SCHULHOF_PURGE_GRACE_DAYS")]
    pub purge_grace_days: Option<u32>,
    /// Days IP addresses of login events are kept [default: 7].
    #[arg(long, global = true, env = "SCHULHOF_IP_RETENTION_DAYS")]
    pub ip_retention_days: Option<u32>,
    /// Directory with the built web client [default: ./web/dist].
    #[arg(long, global = true, env = "SCHULHOF_WEB_DIR")]
    pub web_dir: Option<PathBuf>,
    /// UDP address of the video SFU (one socket for all lessons) [default: 127.0.0.1:0, any
    /// free port; in production e.g. 0.0.0.0:40000].
    #[arg(long, global = true, env = "SCHULHOF_VIDEO_UDP")]
    pub video_udp: Option<SocketAddr>,
    /// ICE-TCP address of the video SFU (fallback where UDP is blocked) [default: 127.0.0.1:0].
    #[arg(long, global = true, env = "SCHULHOF_VIDEO_TCP")]
    pub video_tcp: Option<SocketAddr>,
    /// The address browsers reach the SFU at, announced as its ICE candidate (behind NAT: the
    /// public IP) [default: the UDP address].
    #[arg(long, global = true, env = "SCHULHOF_VIDEO_PUBLIC_IP")]
    pub video_public_ip: Option<std::net::IpAddr>,
    /// STUN/TURN servers for the browsers, as JSON (`[{"urls":[…],"username":…,"credential":…}]`).
    #[arg(long, global = true, env = "SCHULHOF_VIDEO_ICE_SERVERS")]
    pub video_ice_servers: Option<String>,
    /// Shared secret of the TURN servers (coturn `use-auth-secret` + `static-auth-secret`): TURN
    /// entries of the ICE servers without credentials get time-limited ones per user. Prefer the
    /// environment or the config file to the command line (visible in `ps`).
    #[arg(long, global = true, env = "SCHULHOF_VIDEO_TURN_SECRET", hide_env_values = true)]
    pub video_turn_secret: Option<crate::video::turn::TurnSecret>,
    /// This node's public base URL for video lessons it hosts (several nodes: each its own)
    /// [default: the public URL].
    #[arg(long, global = true, env = "SCHULHOF_VIDEO_NODE_URL")]
    pub video_node_url: Option<Url>,
}

/// Where the directory lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    /// SQLite file (WAL mode), created on first start.
    Sqlite { path: PathBuf },
    /// PostgreSQL server.
    Postgres { url: String },
}

/// The validated configuration of one process.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub database: DatabaseConfig,
    pub redis_url: Option<String>,
    pub redis_prefix: String,
    pub presence_ttl_seconds: u32,
    pub public_url: Option<Url>,
    pub log_level: String,
    pub web_dir: PathBuf,
    pub retention: Retention,
    /// Limits of the real-time hub (documented defaults; tests may change them).
    pub hub: crate::hub::core::HubLimits,
    /// Limits of live documents (documented defaults; tests may change them).
    pub documents: crate::documents::DocumentLimits,
    /// The video SFU: addresses, caps and ICE servers.
    pub video: crate::video::VideoConfig,
}

/// How long data about people is kept (DSGVO deletion concept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Days between deactivation and purge of an account.
    pub purge_grace_days: u32,
    /// Days IP addresses in login events are kept.
    pub ip_retention_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Self { purge_grace_days: 30, ip_retention_days: 7 }
    }
}

impl Retention {
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;

    pub fn purge_grace_ms(self) -> i64 {
        i64::from(self.purge_grace_days) * Self::DAY_MS
    }

    pub fn ip_retention_ms(self) -> i64 {
        i64::from(self.ip_retention_days) * Self::DAY_MS
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {path} is not valid: {source}")]
    Parse { path: PathBuf, source: Box<toml::de::Error> },
    #[error("DATABASE_URL must start with postgres:// or postgresql:// (got {0:?})")]
    DatabaseUrl(String),
    #[error("the public URL must be http:// or https:// without a path (got {0})")]
    PublicUrl(Url),
    #[error("video ICE servers must be a JSON array (got {0:?})")]
    IceServers(String),
    #[error("video ICE servers: {0}")]
    TurnServer(String),
}

impl Config {
    /// Applies the optional TOML file under the given options, then the defaults, and validates.
    pub fn resolve(options: ConfigOptions) -> Result<Self, ConfigError> {
        let file = match &options.config {
            Some(path) => read_file(path)?,
            None => ConfigOptions::default(),
        };
        let data_dir = options.data_dir.or(file.data_dir).unwrap_or_else(|| PathBuf::from("data"));
        let database = match options.database_url.or(file.database_url) {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                DatabaseConfig::Postgres { url }
            }
            Some(url) => return Err(ConfigError::DatabaseUrl(url)),
            None => DatabaseConfig::Sqlite { path: data_dir.join("schulhof.db") },
        };
        let public_url = options.public_url.or(file.public_url);
        if let Some(url) = &public_url {
            let path_ok = url.path() == "/" || url.path().is_empty();
            if !matches!(url.scheme(), "http" | "https") || !path_ok || url.host().is_none() {
                return Err(ConfigError::PublicUrl(url.clone()));
            }
        }
        let turn_secret = options
            .video_turn_secret
            .or(file.video_turn_secret)
            .filter(|secret| !secret.0.is_empty());
        let ice_servers = match options.video_ice_servers.or(file.video_ice_servers) {
            Some(text) => match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(servers) if servers.is_array() => servers,
                _ => return Err(ConfigError::IceServers(text)),
            },
            None => serde_json::Value::Array(Vec::new()),
        };
        crate::video::turn::check_entries(&ice_servers, turn_secret.as_ref())
            .map_err(ConfigError::TurnServer)?;
        Ok(Self {
            bind: options.bind.or(file.bind).unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080))),
            data_dir,
            database,
            redis_url: options.redis_url.or(file.redis_url),
            redis_prefix: options
                .redis_prefix
                .or(file.redis_prefix)
                .unwrap_or_else(|| "schulhof".to_owned()),
            presence_ttl_seconds: options
                .presence_ttl_seconds
                .or(file.presence_ttl_seconds)
                .unwrap_or(30)
                .max(1),
            public_url,
            log_level: options.log_level.or(file.log_level).unwrap_or_else(|| "info".to_owned()),
            web_dir: options.web_dir.or(file.web_dir).unwrap_or_else(|| PathBuf::from("web/dist")),
            hub: crate::hub::core::HubLimits::default(),
            documents: crate::documents::DocumentLimits::default(),
            video: crate::video::VideoConfig {
                udp: options
                    .video_udp
                    .or(file.video_udp)
                    .unwrap_or(crate::video::VideoConfig::LOOPBACK_ANY),
                tcp: options
                    .video_tcp
                    .or(file.video_tcp)
                    .or(Some(crate::video::VideoConfig::LOOPBACK_ANY)),
                public_ip: options.video_public_ip.or(file.video_public_ip),
                ice_servers,
                turn_secret,
                node_url: options.video_node_url.or(file.video_node_url),
                ..crate::video::VideoConfig::default()
            },
            retention: Retention {
                purge_grace_days: options
                    .purge_grace_days
                    .or(file.purge_grace_days)
                    .unwrap_or(Retention::default().purge_grace_days),
                ip_retention_days: options
                    .ip_retention_days
                    .or(file.ip_retention_days)
                    .unwrap_or(Retention::default().ip_retention_days),
            },
        })
    }

    /// A configuration for tests and tools: SQLite in `data_dir`, everything else default.
    pub fn for_data_dir(data_dir: &Path) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.to_owned(),
            database: DatabaseConfig::Sqlite { path: data_dir.join("schulhof.db") },
            redis_url: None,
            redis_prefix: "schulhof".to_owned(),
            presence_ttl_seconds: 30,
            public_url: None,
            log_level: "info".to_owned(),
            web_dir: PathBuf::from("web/dist"),
            retention: Retention::default(),
            hub: crate::hub::core::HubLimits::default(),
            documents: crate::documents::DocumentLimits::default(),
            video: crate::video::VideoConfig::default(),
        }
    }

    /// True when the platform is reached over https (cookies get `Secure` and `__Host-`).
    pub fn is_https(&self) -> bool {
        self.public_url.as_ref().is_some_and(|url| url.scheme() == "https")
    }
}

fn read_file(path: &Path) -> Result<ConfigOptions, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
    toml::from_str(&text)
        .map_err(|source| ConfigError::Parse { path: path.to_owned(), source: Box::new(source) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_file_and_file_beats_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("schulhof.toml");
        std::fs::write(
            &file,
            "bind = \"127.0.0.1:9000\"\ndata-dir = \"/srv/x\"\nlog-level = \"debug\"\n",
        )
        .unwrap();
        let options = ConfigOptions {
            config: Some(file),
            data_dir: Some(PathBuf::from("/flag")),
            ..Default::default()
        };
        let config = Config::resolve(options).unwrap();
        assert_eq!(config.bind, "127.0.0.1:9000".parse().unwrap());
        assert_eq!(config.data_dir, PathBuf::from("/flag"));
        assert_eq!(config.log_level, "debug");
        assert_eq!(
            config.database,
            DatabaseConfig::Sqlite { path: PathBuf::from("/flag/schulhof.db") }
        );
    }

    #[test]
    fn video_defaults_to_loopback_and_ice_servers_must_be_a_json_array() {
        let config = Config::resolve(ConfigOptions::default()).unwrap();
        assert_eq!(config.video.udp, crate::video::VideoConfig::LOOPBACK_ANY);
        assert_eq!(config.video.ice_servers, serde_json::json!([]));
        let options = ConfigOptions {
            video_ice_servers: Some(
                r#"[{"urls":["turn:turn.example.org:3478"],"username":"u","credential":"c"}]"#
                    .into(),
            ),
            ..Default::default()
        };
        assert_eq!(
            Config::resolve(options).unwrap().video.ice_servers[0]["urls"][0],
            "turn:turn.example.org:3478"
        );
        let options =
            ConfigOptions { video_ice_servers: Some("turn:x".into()), ..Default::default() };
        assert!(matches!(Config::resolve(options), Err(ConfigError::IceServers(_))));
    }

    #[test]
    fn the_turn_secret_is_optional_and_never_printed() {
        assert!(Config::resolve(ConfigOptions::default()).unwrap().video.turn_secret.is_none());
        let secret = |s: &str| Some(crate::video::turn::TurnSecret(s.into()));
        let empty = ConfigOptions { video_turn_secret: secret(""), ..Default::default() };
        assert!(Config::resolve(empty).unwrap().video.turn_secret.is_none());
        let options = ConfigOptions {
            video_turn_secret: secret("s3cr3t-xyz"),
            video_ice_servers: Some(r#"[{"urls":"turn:t.example.org"}]"#.into()),
            ..Default::default()
        };
        assert!(!format!("{options:?}").contains("s3cr3t-xyz"));
        let config = Config::resolve(options).unwrap();
        assert_eq!(config.video.turn_secret.as_ref().map(|s| s.0.as_str()), Some("s3cr3t-xyz"));
        assert!(!format!("{config:?}").contains("s3cr3t-xyz"));
        // A TURN server without credentials needs the secret.
        let options = ConfigOptions {
            video_ice_servers: Some(r#"[{"urls":"turn:t.example.org"}]"#.into()),
            ..Default::default()
        };
        assert!(matches!(Config::resolve(options), Err(ConfigError::TurnServer(_))));
    }

    #[test]
    fn rejects_unknown_keys_bad_database_urls_and_public_urls_with_paths() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "bnd = \"x\"\n").unwrap();
        let options = ConfigOptions { config: Some(file), ..Default::default() };
        assert!(matches!(Config::resolve(options), Err(ConfigError::Parse { .. })));

        let options =
            ConfigOptions { database_url: Some("mysql://x".into()), ..Default::default() };
        assert!(matches!(Config::resolve(options), Err(ConfigError::DatabaseUrl(_))));

        let options = ConfigOptions {
            public_url: Some("https://schule.example/app".parse().unwrap()),
            ..Default::default()
        };
        assert!(matches!(Config::resolve(options), Err(ConfigError::PublicUrl(_))));
    }
}
