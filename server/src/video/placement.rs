//! Which node hosts a lesson when several nodes share Redis (docs/video.md, ARCHITECTURE.md
//! "Video lessons across nodes"). A lesson lives on one node; its key names that node and lives
//! as long as the node renews it. Nodes announce their URL and free capacity under keys that
//! expire with the node. Locating a lesson is one GET (plus, for a new or orphaned lesson, one
//! read of the node list and one atomic claim), so there is no central allocator to queue
//! behind at 08:00: each lesson's claim touches only its own key.
//!
//! Keys: `{prefix}:video:node:{id}` = `{"url":…,"free":N}` (TTL = presence TTL),
//! `{prefix}:video:nodes` = set of node IDs, `{prefix}:video:lesson:{group}` = node ID
//! (TTL = 2 × presence TTL, renewed by the host).

use std::time::Duration;

use redis::AsyncCommands;
use schulhof_proto::GroupId;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::state::SharedState;

/// KEYS[1] lesson key; ARGV: expected holder ('' = none), new holder, TTL ms. Sets the key only
/// if it still holds what the caller saw; returns the holder afterwards.
const CLAIM: &str = r"
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return ARGV[2]
end
return current
";

/// KEYS[1] lesson key; ARGV: this node, TTL ms. Renews (or retakes after a Redis restart) the
/// key of a lesson this node hosts, unless another node took it over meanwhile.
const RENEW: &str = r"
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
";

#[derive(Debug, Serialize, Deserialize)]
struct NodeInfo {
    url: String,
    free: i64,
}

/// Where a lesson is (or will be) hosted.
#[derive(Debug, PartialEq, Eq)]
pub enum Location {
    /// On this node.
    Here,
    /// On another node: its hub URL (`ws://…/ws` or `wss://…/ws`).
    Elsewhere(String),
}

fn hub_url(base: &str) -> String {
    let mut url = base.trim_end_matches('/').to_owned();
    if let Some(rest) = url.strip_prefix("https://") {
        url = format!("wss://{rest}");
    } else if let Some(rest) = url.strip_prefix("http://") {
        url = format!("ws://{rest}");
    }
    format!("{url}/ws")
}

/// Finds (or assigns) the node of `group`'s lesson. Without Redis it is always this node.
pub async fn locate(state: &SharedState, group: GroupId) -> redis::RedisResult<Location> {
    let Some(cluster) = &state.cluster else { return Ok(Location::Here) };
    let (mut redis, prefix, me) = cluster.redis();
    let lesson_key = format!("{prefix}:video:lesson:{group}");
    let node_key = |id: &str| format!("{prefix}:video:node:{id}");
    let current: Option<String> = redis.get(&lesson_key).await?;
    if let Some(holder) = &current {
        if holder == me {
            return Ok(Location::Here);
        }
        let info: Option<String> = redis.get(node_key(holder)).await?;
        if let Some(info) = info.and_then(|i| serde_json::from_str::<NodeInfo>(&i).ok()) {
            return Ok(Location::Elsewhere(hub_url(&info.url)));
        }
        // The holder is gone: the lesson is reassigned below.
    }
    let nodes_key = format!("{prefix}:video:nodes");
    let ids: Vec<String> = redis.smembers(&nodes_key).await?;
    let mut best: Option<(String, NodeInfo)> = None;
    for id in ids {
        let info: Option<String> = redis.get(node_key(&id)).await?;
        match info.and_then(|i| serde_json::from_str::<NodeInfo>(&i).ok()) {
            Some(info) if best.as_ref().is_none_or(|(_, b)| info.free > b.free) => {
                best = Some((id, info))
            }
            Some(_) => {}
            None => {
                let _: i64 = redis.srem(&nodes_key, &id).await?;
            }
        }
    }
    // Prefer this node (the asker is connected here) unless another has clearly more room.
    let max = i64::try_from(state.video.config.max_lessons).unwrap_or(i64::MAX);
    let mine = max - i64::try_from(state.video.lessons().by_group.len()).unwrap_or(0);
    let chosen = match best {
        Some((id, info)) if info.free > 0 && info.free > mine + max / 10 => id,
        _ if mine > 0 => me.to_owned(),
        Some((id, info)) if info.free > 0 => id,
        _ => me.to_owned(),
    };
    let ttl = 2 * cluster.ttl_ms();
    let holder: String = redis::Script::new(CLAIM)
        .key(&lesson_key)
        .arg(current.unwrap_or_default())
        .arg(&chosen)
        .arg(ttl)
        .invoke_async(&mut redis)
        .await?;
    if holder == me {
        return Ok(Location::Here);
    }
    let info: Option<String> = redis.get(node_key(&holder)).await?;
    match info.and_then(|i| serde_json::from_str::<NodeInfo>(&i).ok()) {
        Some(info) => Ok(Location::Elsewhere(hub_url(&info.url))),
        None => Ok(Location::Here),
    }
}

/// Announces this node (URL, free lesson slots) and renews the keys of the lessons it hosts,
/// every third of the TTL, for as long as the node runs.
pub async fn run(state: SharedState, node_url: Url) {
    let Some(cluster) = state.cluster.clone() else { return };
    let ttl = cluster.ttl_ms().max(300);
    let every = Duration::from_millis(u64::try_from(ttl / 3).unwrap_or(1000));
    loop {
        if let Err(error) = renew(&state, &cluster, &node_url, ttl).await {
            tracing::warn!(%error, "video placement renewal failed");
        }
        tokio::time::sleep(every).await;
    }
}

async fn renew(
    state: &SharedState,
    cluster: &crate::hub::cluster::Cluster,
    node_url: &Url,
    ttl: i64,
) -> redis::RedisResult<()> {
    let (mut redis, prefix, me) = cluster.redis();
    let groups: Vec<GroupId> = state.video.lessons().by_group.keys().copied().collect();
    let free = i64::try_from(state.video.config.max_lessons).unwrap_or(i64::MAX)
        - i64::try_from(groups.len()).unwrap_or(0);
    let info =
        serde_json::to_string(&NodeInfo { url: node_url.to_string(), free }).unwrap_or_default();
    let _: () = redis
        .pset_ex(format!("{prefix}:video:node:{me}"), info, u64::try_from(ttl).unwrap_or(1000))
        .await?;
    let _: i64 = redis.sadd(format!("{prefix}:video:nodes"), me).await?;
    for group in groups {
        let _: i64 = redis::Script::new(RENEW)
            .key(format!("{prefix}:video:lesson:{group}"))
            .arg(me)
            .arg(2 * ttl)
            .invoke_async(&mut redis)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::hub_url;

    #[test]
    fn node_urls_become_hub_urls() {
        assert_eq!(hub_url("https://a.example.org/"), "wss://a.example.org/ws");
        assert_eq!(hub_url("http://127.0.0.1:8081"), "ws://127.0.0.1:8081/ws");
    }
}
