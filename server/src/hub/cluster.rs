//! Scale-out over Redis: several `schulhof serve` processes act as one hub. Every message and
//! every access change goes through one Redis Stream (`<prefix>:hub:events`) that all nodes read
//! from their last entry ID on, so a node that loses its Redis connection picks up where it
//! stopped (delivery is at-least-once per node within the stream's length; duplicates are
//! recognised by sequence number, and a gap — e.g. after trimming — sends `resync`). Messages on
//! persistent topics get their per-topic sequence number from an atomic INCR + XADD script, so
//! every node sees the same numbers in the same order. Presence lives in one sorted set per topic
//! with entries `<user>|<node>` scored by their expiry; each node refreshes its own entries and
//! sweeps expired ones, so the users of a crashed node go offline within the TTL.

use std::sync::Arc;
use std::time::Duration;

use redis::AsyncCommands;
use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::streams::{StreamReadOptions, StreamReadReply};
use schulhof_proto::hub::Topic;
use schulhof_proto::{DocumentId, SchoolId, SessionId, UserId};
use serde::{Deserialize, Serialize};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::core::Payload;
use crate::state::SharedState;

/// Entries kept in the event stream (approximately).
const STREAM_LENGTH: usize = 200_000;

/// An event every node applies.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "k", rename_all = "snake_case")]
pub enum ClusterEvent {
    Message {
        topic: Topic,
        from: UserId,
        at: i64,
        body: serde_json::Value,
    },
    /// A binary payload, base64 in the stream.
    Binary {
        topic: Topic,
        from: UserId,
        at: i64,
        payload: String,
    },
    Presence {
        topic: Topic,
        user: UserId,
        joined: bool,
    },
    Recheck {
        user: UserId,
    },
    RecheckSchool {
        school: SchoolId,
    },
    CloseSession {
        session: SessionId,
    },
    /// A live document's log grew up to `seq` (nodes with it open read the new updates).
    DocumentChanged {
        document: DocumentId,
        seq: i64,
    },
    /// A live document's connections must close (deleted, or shares changed).
    DocumentEvicted {
        document: DocumentId,
        reason: crate::documents::EvictReason,
    },
}

/// This node's link to Redis.
pub struct Cluster {
    node: String,
    prefix: String,
    client: redis::Client,
    commands: ConnectionManager,
    presence_ttl_ms: i64,
}

const PUBLISH: &str = r"
local seq = 0
if ARGV[2] == '1' then seq = redis.call('INCR', KEYS[1]) end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 's', seq, 'e', ARGV[1])
return seq
";

/// KEYS: presence zset, stream. ARGV: member, user prefix, expiry, now, joined, event, maxlen.
/// Adds or removes this node's entry and announces the change when no other live entry of the
/// user exists (so a second tab or node does not announce again).
const PRESENCE: &str = r"
local others = 0
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[4], '+inf')) do
  if m ~= ARGV[1] and string.sub(m, 1, #ARGV[2]) == ARGV[2] then others = 1 break end
end
if ARGV[5] == '1' then redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1]) else redis.call('ZREM', KEYS[1], ARGV[1]) end
if others == 0 then redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', 's', 0, 'e', ARGV[6]) end
return others
";

/// KEYS: presence zset, stream. ARGV: now, topic, maxlen. Removes expired entries (crashed
/// nodes) and announces users who have no live entry left.
const SWEEP: &str = r#"
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
if #expired == 0 then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
local live = {}
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
  live[string.match(m, '^[^|]+')] = true
end
local gone = {}
for _, m in ipairs(expired) do
  local user = string.match(m, '^[^|]+')
  if not live[user] and not gone[user] then
    gone[user] = true
    local event = '{"k":"presence","topic":"' .. ARGV[2] .. '","user":"' .. user .. '","joined":false}'
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 's', 0, 'e', event)
  end
end
return #expired
"#;

impl Cluster {
    /// Connects to Redis (`redis://…`) with a key prefix shared by the nodes of one platform.
    pub async fn connect(
        url: &str,
        prefix: &str,
        presence_ttl_ms: i64,
    ) -> redis::RedisResult<Self> {
        let client = redis::Client::open(url)?;
        let commands = client.get_connection_manager().await?;
        Ok(Self {
            node: uuid::Uuid::new_v4().simple().to_string(),
            prefix: prefix.to_owned(),
            client,
            commands,
            presence_ttl_ms,
        })
    }

    fn key(&self, suffix: &str) -> String {
        format!("{}:hub:{suffix}", self.prefix)
    }

    /// A command connection, the key prefix and this node's ID, for other services' keys
    /// (video lesson placement).
    pub fn redis(&self) -> (ConnectionManager, &str, &str) {
        (self.commands.clone(), &self.prefix, &self.node)
    }

    /// How long a node's entries live without renewal.
    pub fn ttl_ms(&self) -> i64 {
        self.presence_ttl_ms
    }

    fn stream(&self) -> String {
        self.key("events")
    }

    /// Appends an event; messages on persistent topics get their sequence number (returned).
    pub async fn publish(&self, event: &ClusterEvent) -> redis::RedisResult<u64> {
        let json = serde_json::to_string(event).unwrap_or_default();
        let counted = match event {
            ClusterEvent::Message { topic, .. } | ClusterEvent::Binary { topic, .. }
                if topic.is_persistent() =>
            {
                Some(topic)
            }
            _ => None,
        };
        let seq_key =
            counted.map_or_else(|| self.key("seq:none"), |t| self.key(&format!("seq:{t}")));
        let mut conn = self.commands.clone();
        redis::Script::new(PUBLISH)
            .key(seq_key)
            .key(self.stream())
            .arg(json)
            .arg(if counted.is_some() { "1" } else { "0" })
            .arg(STREAM_LENGTH)
            .invoke_async(&mut conn)
            .await
    }

    /// A topic's latest sequence number and the users online on it, cluster-wide.
    pub async fn topic_state(
        &self,
        topic: &Topic,
        now_ms: i64,
    ) -> redis::RedisResult<(u64, Vec<UserId>)> {
        let mut conn = self.commands.clone();
        let seq: Option<u64> = conn.get(self.key(&format!("seq:{topic}"))).await?;
        let mut online = Vec::new();
        if topic.has_presence() {
            let members: Vec<String> =
                conn.zrangebyscore(self.key(&format!("presence:{topic}")), now_ms, "+inf").await?;
            online = members.iter().filter_map(|m| m.split('|').next()?.parse().ok()).collect();
            online.sort();
            online.dedup();
        }
        Ok((seq.unwrap_or(0), online))
    }

    /// This node's user joined or left a presence topic.
    pub async fn presence_changed(
        &self,
        topic: &Topic,
        user: UserId,
        joined: bool,
        now_ms: i64,
    ) -> redis::RedisResult<()> {
        let event = ClusterEvent::Presence { topic: topic.clone(), user, joined };
        let mut conn = self.commands.clone();
        let _: i64 = redis::Script::new(PRESENCE)
            .key(self.key(&format!("presence:{topic}")))
            .key(self.stream())
            .arg(format!("{user}|{}", self.node))
            .arg(format!("{user}|"))
            .arg(now_ms + self.presence_ttl_ms)
            .arg(now_ms)
            .arg(if joined { "1" } else { "0" })
            .arg(serde_json::to_string(&event).unwrap_or_default())
            .arg(STREAM_LENGTH)
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }

    /// Renews this node's presence entries and sweeps expired ones of the given topics.
    pub async fn keep_presence(
        &self,
        local: &[(Topic, UserId)],
        now_ms: i64,
    ) -> redis::RedisResult<()> {
        let mut conn = self.commands.clone();
        let mut pipe = redis::pipe();
        for (topic, user) in local {
            pipe.zadd(
                self.key(&format!("presence:{topic}")),
                format!("{user}|{}", self.node),
                now_ms + self.presence_ttl_ms,
            )
            .ignore();
        }
        let _: () = pipe.query_async(&mut conn).await?;
        let mut topics: Vec<&Topic> = local.iter().map(|(t, _)| t).collect();
        topics.sort();
        topics.dedup();
        for topic in topics {
            let _: i64 = redis::Script::new(SWEEP)
                .key(self.key(&format!("presence:{topic}")))
                .key(self.stream())
                .arg(now_ms)
                .arg(topic.to_string())
                .arg(STREAM_LENGTH)
                .invoke_async(&mut conn)
                .await?;
        }
        Ok(())
    }

    /// How often presence entries are renewed.
    pub fn presence_interval(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.presence_ttl_ms / 3).unwrap_or(1000).max(100))
    }

    async fn reader_connection(&self) -> redis::RedisResult<MultiplexedConnection> {
        let config = redis::AsyncConnectionConfig::new().set_response_timeout(None);
        self.client.get_multiplexed_async_connection_with_config(&config).await
    }

    /// The ID of the newest stream entry ("0-0" when empty): reading starts after it.
    async fn last_entry_id(&self) -> redis::RedisResult<String> {
        let mut conn = self.commands.clone();
        let reply: redis::streams::StreamRangeReply =
            conn.xrevrange_count(self.stream(), "+", "-", 1).await?;
        Ok(reply.ids.first().map_or_else(|| "0-0".to_owned(), |entry| entry.id.clone()))
    }
}

/// Reads the event stream and applies every event to this node, until the task is aborted.
pub async fn run_reader(state: SharedState, cluster: Arc<Cluster>, start_after: String) {
    let mut last = start_after;
    loop {
        let mut conn = match cluster.reader_connection().await {
            Ok(conn) => conn,
            Err(error) => {
                tracing::warn!(%error, "redis reader cannot connect; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            let options = StreamReadOptions::default().block(5000).count(1000);
            let reply: redis::RedisResult<Option<StreamReadReply>> =
                conn.xread_options(&[cluster.stream()], &[&last], &options).await;
            let reply = match reply {
                Ok(reply) => reply,
                Err(error) => {
                    tracing::warn!(%error, "redis stream read failed; reconnecting");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    break;
                }
            };
            for entry in reply.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids) {
                last.clone_from(&entry.id);
                let seq: u64 = entry.get("s").unwrap_or(0);
                let Some(event) =
                    entry.get::<String>("e").and_then(|e| serde_json::from_str(&e).ok())
                else {
                    tracing::warn!(id = %entry.id, "unreadable hub event skipped");
                    continue;
                };
                apply(&state, event, seq).await;
            }
        }
    }
}

/// Applies one event of the stream to this node.
async fn apply(state: &SharedState, event: ClusterEvent, seq: u64) {
    let now = state.now_ms();
    match event {
        ClusterEvent::Message { topic, from, at, body } => {
            let seq = (seq > 0).then_some(seq);
            state.hub.apply(now, |core, out| {
                core.deliver(topic, seq, from, at, Payload::Json(body), out);
            });
        }
        ClusterEvent::Binary { topic, from, at, payload } => {
            let Ok(bytes) = BASE64.decode(payload) else {
                tracing::warn!("undecodable binary hub event skipped");
                return;
            };
            let seq = (seq > 0).then_some(seq);
            state.hub.apply(now, |core, out| {
                core.deliver(topic, seq, from, at, Payload::Binary(bytes), out);
            });
        }
        ClusterEvent::Presence { topic, user, joined } => {
            state.hub.apply(now, |core, out| core.remote_presence(&topic, user, joined, out));
        }
        ClusterEvent::Recheck { user } => super::access::recheck_local(state, user).await,
        ClusterEvent::RecheckSchool { school } => {
            super::access::recheck_school_local(state, school).await;
        }
        ClusterEvent::DocumentChanged { document, seq } => {
            let upto = Some(seq);
            state.documents.notify(document, schulhof_collab::driver::Control::CatchUp { upto });
        }
        ClusterEvent::DocumentEvicted { document, reason } => {
            crate::documents::evict_local(state, document, reason);
        }
        ClusterEvent::CloseSession { session } => state.hub.close_session(
            session,
            schulhof_proto::hub::close_code::UNAUTHENTICATED,
            "session ended",
            now,
        ),
    }
}

/// Forwards this node's presence changes to Redis and keeps its entries alive.
pub async fn run_presence(
    state: SharedState,
    cluster: Arc<Cluster>,
    mut changes: tokio::sync::mpsc::UnboundedReceiver<super::registry::PresenceChange>,
) {
    let mut keep = tokio::time::interval(cluster.presence_interval());
    loop {
        tokio::select! {
            change = changes.recv() => {
                let Some(change) = change else { return };
                let result = cluster.presence_changed(&change.topic, change.user, change.joined, state.now_ms()).await;
                if let Err(error) = result {
                    tracing::warn!(%error, "presence update failed");
                }
            }
            _ = keep.tick() => {
                let local = state.hub.local_presence();
                if let Err(error) = cluster.keep_presence(&local, state.now_ms()).await {
                    tracing::warn!(%error, "presence refresh failed");
                }
            }
        }
    }
}

/// Starts the reader and presence tasks; returns their handles (aborted at shutdown).
pub async fn start(
    state: &SharedState,
    cluster: Arc<Cluster>,
    changes: tokio::sync::mpsc::UnboundedReceiver<super::registry::PresenceChange>,
) -> redis::RedisResult<Vec<tokio::task::JoinHandle<()>>> {
    let start_after = cluster.last_entry_id().await?;
    Ok(vec![
        tokio::spawn(run_reader(state.clone(), cluster.clone(), start_after)),
        tokio::spawn(run_presence(state.clone(), cluster, changes)),
    ])
}
