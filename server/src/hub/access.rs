//! Who may use the hub and its topics, decided against the database: at the upgrade (account
//! state, modules), on every subscribe (membership, module), and again for open connections
//! whenever something that grants access changes (`recheck_user`, called by the routes after
//! logouts, revocations, status, consent, membership and module changes). Publishing is checked
//! per message in the core: only to topics the connection holds, and those are taken away at once
//! when access ends.

use schulhof_proto::hub::{HubErrorCode, Topic, close_code};
use schulhof_proto::{ChatRoomId, Module, PollId, SchoolId, SessionId, UserId, UserStatus};

use super::cluster::ClusterEvent;
use super::errors::from_api;

use crate::state::SharedState;
use crate::store::{AuthenticatedSession, StoreError};
use crate::{messenger, polls};

/// Modules whose features ride on the hub; a school needs one of them switched on.
pub const HUB_MODULES: [Module; 3] = [Module::Messenger, Module::Polls, Module::Video];

/// Why an authenticated session may not open the hub at all, as a close code and reason.
pub async fn refusal(
    state: &SharedState,
    session: &AuthenticatedSession,
) -> Result<Option<(u16, &'static str)>, StoreError> {
    if session.user.status != UserStatus::Active {
        return Ok(Some((close_code::ACCOUNT_RESTRICTED, "account restricted")));
    }
    if session.user.must_change_password {
        return Ok(Some((close_code::ACCOUNT_RESTRICTED, "password change required")));
    }
    if !any_hub_module(state, session.school.id).await? {
        return Ok(Some((close_code::MODULE_DISABLED, "module disabled")));
    }
    Ok(None)
}

async fn any_hub_module(state: &SharedState, school: SchoolId) -> Result<bool, StoreError> {
    let switches = state.store.module_switches(school).await?;
    Ok(switches.iter().any(|s| s.enabled && HUB_MODULES.contains(&s.module)))
}

/// May this session subscribe to (and so publish on) `topic`?
pub async fn authorize(
    state: &SharedState,
    session: &AuthenticatedSession,
    topic: &Topic,
) -> Result<(), HubErrorCode> {
    let school = session.school.id;
    let internal = |error: StoreError| {
        tracing::error!(%error, "hub authorization failed");
        HubErrorCode::Internal
    };
    match topic {
        Topic::User(user) if *user == session.user.id => Ok(()),
        Topic::User(_) => Err(HubErrorCode::Forbidden),
        Topic::Group(group) => {
            if !any_hub_module(state, school).await.map_err(internal)? {
                return Err(HubErrorCode::ModuleDisabled);
            }
            match state
                .store
                .membership_role(school, *group, session.user.id)
                .await
                .map_err(internal)?
            {
                Some(_) => Ok(()),
                None => Err(HubErrorCode::Forbidden),
            }
        }
        Topic::Chat(room) => {
            module_on(state, school, Module::Messenger).await?;
            let room: ChatRoomId = room.parse().map_err(|_| HubErrorCode::Forbidden)?;
            messenger::service::membership(state, session, room).await.map_err(|e| from_api(&e))?;
            Ok(())
        }
        Topic::Video(group) => {
            module_on(state, school, Module::Video).await?;
            if session.user.status != UserStatus::Active {
                return Err(HubErrorCode::Forbidden);
            }
            let member = state
                .store
                .membership_role(school, *group, session.user.id)
                .await
                .map_err(internal)?;
            let invited = state.video.is_invited(*group, session.user.id);
            if member.is_some() || invited { Ok(()) } else { Err(HubErrorCode::Forbidden) }
        }
        Topic::Poll(poll) => {
            module_on(state, school, Module::Polls).await?;
            let poll: PollId = poll.parse().map_err(|_| HubErrorCode::Forbidden)?;
            polls::service::visible_poll(state, session, poll).await.map_err(|e| from_api(&e))?;
            Ok(())
        }
    }
}

async fn module_on(
    state: &SharedState,
    school: SchoolId,
    module: Module,
) -> Result<(), HubErrorCode> {
    match state.store.module_enabled(school, module).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(HubErrorCode::ModuleDisabled),
        Err(error) => {
            tracing::error!(%error, "hub authorization failed");
            Err(HubErrorCode::Internal)
        }
    }
}

/// Clients may publish on group topics; on chat topics only typing notices and on poll topics
/// only votes (both checked by the socket driver); `user:` topics are written by the server only.
pub fn may_publish(topic: &Topic) -> bool {
    matches!(topic, Topic::Group(_) | Topic::Chat(_) | Topic::Poll(_))
}

/// Something that grants `user` access changed: every node re-checks that user's connections.
pub async fn recheck_user(state: &SharedState, user: UserId) {
    if let Some(cluster) = &state.cluster {
        match cluster.publish(&ClusterEvent::Recheck { user }).await {
            Ok(_) => return,
            Err(error) => tracing::warn!(%error, "cluster recheck not sent; checking this node"),
        }
    }
    recheck_local(state, user).await;
}

/// A session ended (logout): its sockets close on every node.
pub async fn end_session(state: &SharedState, session: SessionId) {
    if let Some(cluster) = &state.cluster {
        match cluster.publish(&ClusterEvent::CloseSession { session }).await {
            Ok(_) => return,
            Err(error) => tracing::warn!(%error, "cluster close not sent; closing on this node"),
        }
    }
    state.hub.close_session(session, close_code::UNAUTHENTICATED, "logged out", state.now_ms());
}

/// Re-checks every open connection of `user` on this node: sessions that ended or whose user
/// lost access are closed; topics the user may no longer use are unsubscribed.
pub async fn recheck_local(state: &SharedState, user: UserId) {
    // Live documents: the user's document connections are admitted again (memberships, status,
    // sessions may have changed); y-websocket reconnects at once and resyncs.
    state.documents.notify_all(|| schulhof_collab::driver::Control::EvictAuthor {
        author: user,
        code: schulhof_collab::driver::close_code::TRY_AGAIN,
        reason: "access changed",
    });
    for (conn, session_id, topics) in state.hub.connections_of(user) {
        let now = state.now_ms();
        let session = match state.store.session_by_id(session_id, now).await {
            Ok(Some(session)) => session,
            Ok(None) => {
                state.hub.close(conn, close_code::UNAUTHENTICATED, "session ended", now);
                continue;
            }
            Err(error) => {
                tracing::warn!(%error, "hub recheck failed");
                continue;
            }
        };
        match refusal(state, &session).await {
            Ok(Some((code, reason))) => {
                state.hub.close(conn, code, reason, now);
                continue;
            }
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(%error, "hub recheck failed");
                continue;
            }
        }
        for topic in topics {
            let reason = match authorize(state, &session, &topic).await {
                Ok(()) | Err(HubErrorCode::Internal) => continue,
                Err(HubErrorCode::ModuleDisabled) => "module_disabled",
                Err(_) => "membership_removed",
            };
            state.hub.kick(user, &topic, reason, now);
            if matches!(topic, Topic::Video(_)) {
                // Out of the group (or the module off): out of its video lesson at once.
                crate::video::connection_closed(state, conn).await;
            }
        }
    }
}

/// `recheck_user` for many users.
pub async fn recheck_users(state: &SharedState, users: impl IntoIterator<Item = UserId>) {
    for user in users {
        recheck_user(state, user).await;
    }
}

/// `recheck_local` for many users.
pub async fn recheck_local_users(state: &SharedState, users: impl IntoIterator<Item = UserId>) {
    for user in users {
        recheck_local(state, user).await;
    }
}

/// Re-checks everyone connected to a school (after a module switch), on every node.
pub async fn recheck_school(state: &SharedState, school: SchoolId) {
    if let Some(cluster) = &state.cluster {
        match cluster.publish(&ClusterEvent::RecheckSchool { school }).await {
            Ok(_) => return,
            Err(error) => tracing::warn!(%error, "cluster recheck not sent; checking this node"),
        }
    }
    recheck_school_local(state, school).await;
}

/// Re-checks this node's hub connections of a school and admits its open document connections
/// again (modules may have been switched off).
pub async fn recheck_school_local(state: &SharedState, school: SchoolId) {
    recheck_local_users(state, state.hub.users_of_school(school)).await;
    state.documents.notify_school(school, || schulhof_collab::driver::Control::Evict {
        code: schulhof_collab::driver::close_code::TRY_AGAIN,
        reason: "access changed",
    });
}
