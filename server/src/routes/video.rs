//! Video lesson HTTP endpoints (docs/video.md): the running lessons in my groups (with media
//! counters for their moderators and admins), where to connect for a lesson (this node's hub or
//! another node's), and the school's rule that pupils join with their camera off.

use axum::Json;
use axum::extract::State;
use schulhof_proto::directory::{Role, UserStatus};
use schulhof_proto::{ErrorCode, GroupId, Module};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::audit;
use crate::auth::modules::require_module;
use crate::auth::{AdminSession, CurrentSession};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::state::SharedState;
use crate::store::AuthenticatedSession;

async fn video_on(state: &SharedState, session: &AuthenticatedSession) -> Result<(), ApiError> {
    if session.user.status != UserStatus::Active {
        return Err(ApiError::new(ErrorCode::AccountRestricted));
    }
    require_module(state, session, Module::Video).await
}

/// `GET /api/video/lessons`: lessons running now in the caller's groups or invited to.
pub async fn lessons(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<Vec<Value>>, ApiError> {
    video_on(&state, &session).await?;
    let groups = state.store.groups_of_user(session.school.id, session.user.id).await?;
    let staff = matches!(session.user.role, Role::Teacher | Role::Admin);
    let running: Vec<(GroupId, String, i64, usize, Vec<schulhof_sfu::RoomId>)> = {
        let lessons = state.video.lessons();
        let mine: std::collections::HashSet<GroupId> = groups.iter().map(|g| g.group.id).collect();
        lessons
            .by_group
            .values()
            .filter(|l| mine.contains(&l.group) || l.invited.contains(&session.user.id))
            .map(|l| {
                let joined = l.members.values().filter(|m| !m.waiting).count();
                (l.group, l.title.clone(), l.started_at, joined, l.media_rooms.clone())
            })
            .collect()
    };
    let mut out = Vec::new();
    for (group, title, started_at, participants, rooms) in running {
        let mut entry = json!({
            "group": group, "title": title, "started_at": started_at, "participants": participants,
        });
        if staff {
            let stats = state
                .video
                .engine
                .call(move |sfu, _| crate::video::lesson_stats(sfu, &rooms))
                .await
                .unwrap_or_default();
            entry["stats"] = json!({
                "forwarded_packets": stats.forwarded_packets,
                "forwarded_bytes": stats.forwarded_bytes,
                "ingress_loss": stats.ingress_loss,
            });
        }
        out.push(entry);
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize)]
pub struct GroupPath {
    group: GroupId,
}

/// `GET /api/video/{group}/connect`: which hub to signal on, and the ICE servers.
pub async fn connect(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(GroupPath { group }): ApiPath<GroupPath>,
) -> Result<Json<Value>, ApiError> {
    video_on(&state, &session).await?;
    let member = state.store.membership_role(session.school.id, group, session.user.id).await?;
    let invited = state.video.is_invited(group, session.user.id);
    if member.is_none() && !invited {
        return Err(ApiError::not_found());
    }
    let ws_url = match crate::video::placement::locate(&state, group).await {
        Ok(crate::video::placement::Location::Here) => Value::Null,
        Ok(crate::video::placement::Location::Elsewhere(url)) => Value::String(url),
        Err(error) => {
            tracing::warn!(%error, "video placement failed");
            return Err(ApiError::new(ErrorCode::Unavailable));
        }
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let config = &state.video.config;
    let ice_servers = crate::video::turn::ice_servers_for(
        &config.ice_servers,
        config.turn_secret.as_ref().map(|s| s.0.as_str()),
        session.user.id,
        now,
    );
    Ok(Json(json!({ "ws_url": ws_url, "ice_servers": ice_servers })))
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideoSettings {
    pupil_camera_off: bool,
}

/// `GET /api/video/settings`.
pub async fn settings(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<VideoSettings>, ApiError> {
    let pupil_camera_off = state.store.video_pupil_camera_off(session.school.id).await?;
    Ok(Json(VideoSettings { pupil_camera_off }))
}

/// `PUT /api/video/settings` (school admins; audited).
pub async fn save_settings(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiJson(request): ApiJson<VideoSettings>,
) -> Result<Json<VideoSettings>, ApiError> {
    state.store.set_video_pupil_camera_off(admin.school.id, request.pupil_camera_off).await?;
    let summary = format!("pupil_camera_off={}", request.pupil_camera_off);
    audit::record(&state, &admin, "video.settings", None, summary).await?;
    Ok(Json(request))
}
