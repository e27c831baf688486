//! Prometheus metrics, exposed at `/metrics`. The registry lives in the app state (no global
//! recorder), so several servers in one test process keep separate counts. Labels never carry
//! personal data.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use crate::state::SharedState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LoginLabels {
    pub outcome: &'static str,
}

pub struct Metrics {
    registry: Registry,
    pub http_requests: Family<HttpLabels, Counter>,
    pub logins: Family<LoginLabels, Counter>,
    pub chat_messages: Counter,
    pub poll_votes: Counter,
    pub poll_broadcasts: Counter,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("schulhof");
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            http_requests.clone(),
        );
        let logins = Family::<LoginLabels, Counter>::default();
        registry.register("logins", "Login attempts by outcome", logins.clone());
        let chat_messages = Counter::default();
        registry.register("chat_messages", "Chat messages stored", chat_messages.clone());
        let poll_votes = Counter::default();
        registry.register("poll_votes", "Poll votes stored", poll_votes.clone());
        let poll_broadcasts = Counter::default();
        registry.register(
            "poll_result_broadcasts",
            "Live poll result broadcasts (coalesced)",
            poll_broadcasts.clone(),
        );
        Self { registry, http_requests, logins, chat_messages, poll_votes, poll_broadcasts }
    }

    pub fn login(&self, outcome: &'static str) {
        self.logins.get_or_create(&LoginLabels { outcome }).inc();
    }

    /// The metrics in Prometheus text format.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Middleware: counts every request by method, matched route (not the raw path) and status.
pub async fn count_requests(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let labels = HttpLabels { method, route, status: response.status().as_u16() };
    state.metrics.http_requests.get_or_create(&labels).inc();
    response
}
