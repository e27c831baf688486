//! Server-side publishing: the messenger and the polls announce changes on hub topics through
//! `publish`, which numbers and delivers the message locally on a single node, or appends it to
//! the Redis event stream in a cluster (every node then delivers it to its own subscribers).

use schulhof_proto::UserId;
use schulhof_proto::hub::Topic;

use super::cluster::ClusterEvent;
use super::core::Payload;
use crate::state::SharedState;

/// Publishes `body` on `topic` on behalf of `from` (the user whose action it reports). A failure
/// to reach Redis is logged: the change itself is already stored, and clients catch up from the
/// database after their next `resync` or reconnect.
pub async fn publish(state: &SharedState, topic: Topic, from: UserId, body: serde_json::Value) {
    let now = state.now_ms();
    match &state.cluster {
        Some(cluster) => {
            let event = ClusterEvent::Message { topic, from, at: now, body };
            if let Err(error) = cluster.publish(&event).await {
                tracing::warn!(%error, "hub notification not sent");
            }
        }
        None => state.hub.apply(now, |core, out| {
            core.deliver(topic, None, from, now, Payload::Json(body), out);
        }),
    }
}
