//! `AppState`: everything a request handler may use, built once at start-up and shared behind an
//! `Arc`. There are no globals; tests build their own state through `server::run`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::auth::throttle::{LoginThrottle, ThrottleRules};
use crate::clock::Clock;
use crate::config::Config;
use crate::hub::Hub;
use crate::hub::cluster::Cluster;
use crate::messenger::rules::WriteBudget;
use crate::metrics::Metrics;
use crate::polls::live::LiveResults;
use crate::store::Store;

pub type SharedState = Arc<AppState>;

/// Full-cost password hashes computed at once (two per core on the reference machine).
const PASSWORD_WORKERS: usize = 4;

pub struct AppState {
    pub config: Config,
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub metrics: Metrics,
    pub hub: Hub,
    /// The Redis link when several nodes act as one platform.
    pub cluster: Option<Arc<Cluster>>,
    /// Live poll results (coalescing) and the countdown closer's wake-up.
    pub polls: LiveResults,
    /// Open live documents (one room task each) and document connections per user.
    pub documents: crate::documents::LiveDocuments,
    /// Video lessons: the SFU and the running lessons of this node.
    pub video: crate::video::Video,
    /// Caps concurrent full-cost argon2 computations (19 MiB each): a login storm waits here
    /// instead of exhausting memory.
    pub password_work: tokio::sync::Semaphore,
    throttle: Mutex<LoginThrottle>,
    /// Chat write budgets per user (messages, edits, reactions).
    chat_writes: Mutex<HashMap<schulhof_proto::UserId, WriteBudget>>,
    /// A real argon2id hash of a random password: verified against when a login name does not
    /// exist, so that answer takes as long as a wrong password.
    pub dummy_password_hash: String,
}

impl AppState {
    pub fn new(
        config: Config,
        store: Store,
        clock: Arc<dyn Clock>,
        dummy_password_hash: String,
        hub: Hub,
        cluster: Option<Arc<Cluster>>,
        video: crate::video::Video,
    ) -> Self {
        Self {
            config,
            store,
            clock,
            metrics: Metrics::new(),
            hub,
            cluster,
            polls: LiveResults::default(),
            documents: crate::documents::LiveDocuments::default(),
            video,
            password_work: tokio::sync::Semaphore::new(PASSWORD_WORKERS),
            throttle: Mutex::new(LoginThrottle::new(ThrottleRules::default())),
            chat_writes: Mutex::default(),
            dummy_password_hash,
        }
    }

    /// The login throttle. Held only for a few map operations, never across `.await`.
    pub fn throttle(&self) -> MutexGuard<'_, LoginThrottle> {
        self.throttle.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The chat write budgets. Held only for a map lookup, never across `.await`.
    pub fn chat_writes(&self) -> MutexGuard<'_, HashMap<schulhof_proto::UserId, WriteBudget>> {
        self.chat_writes.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}
