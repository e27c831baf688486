//! The schulhof server: the only crate that knows HTTP, cookies, SQL (and later Redis). `run` is
//! the entry point for the binary and for tests: it opens the store, builds the shared state and
//! serves the application on the given listener until `shutdown` completes, with the hourly
//! housekeeping (`maintenance`) beside it.

pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod clock;
pub mod commands;
pub mod config;
pub mod consent;
pub mod credentials_sheet;
pub mod documents;
pub mod error;
pub mod extract;
pub mod hub;
pub mod import;
pub mod import_command;
pub mod importer;
pub mod maintenance;
pub mod messenger;
pub mod metrics;
pub mod polls;
pub mod routes;
pub mod state;
pub mod store;
pub mod validate;
pub mod video;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::serve::ListenerExt;
use schulhof_collab::driver::Control;
use tokio::net::TcpListener;

use crate::auth::password::hash_password;
use crate::auth::token::new_token;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::hub::Hub;
use crate::hub::cluster::Cluster;
use crate::state::{AppState, SharedState};
use crate::store::{Store, StoreError};

pub use routes::app;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot prepare password hashing: {0}")]
    Startup(String),
    #[error("cannot reach Redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("server I/O failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Serves schulhof on `listener` until `shutdown` resolves, then finishes open requests.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let mut config = config;
    if config.video.node_url.is_none() {
        // This node's address for video lessons it hosts (other nodes direct users here).
        config.video.node_url = config
            .public_url
            .clone()
            .or_else(|| url::Url::parse(&format!("http://{}", listener.local_addr().ok()?)).ok());
    }
    let store = Store::open(&config.database).await?;
    let (hub, cluster, presence_changes) = match &config.redis_url {
        Some(url) => {
            let ttl = i64::from(config.presence_ttl_seconds) * 1000;
            let cluster = Arc::new(Cluster::connect(url, &config.redis_prefix, ttl).await?);
            let (hub, changes) = Hub::clustered(config.hub);
            (hub, Some(cluster), Some(changes))
        }
        None => (Hub::new(config.hub), None, None),
    };
    let state =
        build_state(config, store.clone(), Arc::new(SystemClock), hub, cluster.clone()).await?;
    let mut tasks = vec![
        tokio::spawn(maintenance::run_periodically(state.clone())),
        tokio::spawn(polls::live::run_countdowns(state.clone())),
    ];
    if let Some(queue) = state.documents.take_append_queue() {
        tasks.push(tokio::spawn(documents::writer::run(state.clone(), queue)));
    }
    if let Some(queue) = state.polls.take_vote_queue() {
        tasks.push(tokio::spawn(polls::writer::run(state.clone(), queue)));
    }
    if cluster.is_some() {
        tasks.push(tokio::spawn(documents::run_catch_up(state.clone())));
    }
    if let Some(events) = state.video.take_events() {
        tasks.push(tokio::spawn(video::run_events(state.clone(), events)));
    }
    tasks.push(tokio::spawn(video::run_metrics(state.clone())));
    if let Some(node_url) = state.video.config.node_url.clone() {
        tasks.push(tokio::spawn(video::placement::run(state.clone(), node_url)));
    }
    if let (Some(cluster), Some(changes)) = (cluster, presence_changes) {
        tasks.extend(hub::cluster::start(&state, cluster, changes).await?);
    }
    tracing::info!(
        addr = %listener.local_addr()?,
        backend = store.backend(),
        redis = state.cluster.is_some(),
        "schulhof listening"
    );

    let hub_state = state.clone();
    let shutdown = async move {
        shutdown.await;
        // Video participants are told to rejoin (on another node) before the hub closes.
        hub_state.video.drain(&hub_state).await;
        // Upgraded WebSockets do not hold up the HTTP shutdown: tell their clients to go.
        hub_state.hub.close_all(hub_state.now_ms());
        hub_state.documents.notify_all(|| Control::Evict {
            code: documents::socket::refusal::GOING_AWAY,
            reason: "server shutting down",
        });
    };
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    // Small hub frames must leave at once: without TCP_NODELAY, Nagle's algorithm and delayed
    // ACKs hold them back for tens of milliseconds.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
    });
    let result = axum::serve(listener, service).with_graceful_shutdown(shutdown).await;
    for task in tasks {
        task.abort();
    }
    store.close().await;
    tracing::info!("schulhof stopped");
    Ok(result?)
}

/// Builds the shared state (computes the dummy hash used for unknown login names).
pub async fn build_state(
    config: Config,
    store: Store,
    clock: Arc<dyn Clock>,
    hub: Hub,
    cluster: Option<Arc<Cluster>>,
) -> Result<SharedState, ServerError> {
    let secret = new_token().map_err(|e| ServerError::Startup(e.to_string()))?;
    let dummy = hash_password(secret).await.map_err(|e| ServerError::Startup(e.to_string()))?;
    let video = video::Video::start(config.video.clone())
        .await
        .map_err(|e| ServerError::Startup(format!("video SFU: {e}")))?;
    Ok(Arc::new(AppState::new(config, store, clock, dummy, hub, cluster, video)))
}
