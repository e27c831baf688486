//! The HTTP surface: `/api/…` (JSON, see docs/api.md), the operations endpoints, and the built web
//! client for every other path. Cross-cutting layers live here: body limit, same-origin check,
//! request metrics and security headers.

mod addressbook;
mod administration;
mod auth;
mod chat;
mod document_versions;
pub(crate) mod documents;
mod groups;
mod import;
mod me;
mod ops;
mod polls;
mod users;
mod video;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware;
use axum::routing::{get, post, put};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::auth::csrf::require_same_origin;
use crate::error::ApiError;
use crate::metrics::count_requests;
use crate::state::SharedState;

/// Largest accepted request body.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The whole application: every route with its layers.
pub fn app(state: SharedState) -> Router {
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/ws-ticket", post(auth::ws_ticket))
        .route("/me", get(me::me))
        .route("/me/groups", get(me::my_groups))
        .route("/me/children", get(me::my_children))
        .route("/me/password", post(me::change_password))
        .route("/me/sessions", get(me::my_sessions))
        .route("/me/sessions/{id}", axum::routing::delete(me::revoke_my_session))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}", get(users::get).patch(users::update).delete(users::delete))
        .route("/users/{id}/status", put(users::set_status))
        .route("/users/{id}/password-reset", post(users::reset_password))
        .route("/users/{id}/groups", get(users::groups))
        .route("/users/{id}/sessions", get(users::sessions).delete(users::revoke_sessions))
        .route("/users/{id}/sessions/{session}", axum::routing::delete(users::revoke_session))
        .route("/users/{id}/children", get(users::children))
        .route("/users/{id}/children/{child}", put(users::link_child).delete(users::unlink_child))
        .route("/groups", get(groups::list).post(groups::create))
        .route("/groups/{id}", get(groups::get).patch(groups::update).delete(groups::delete))
        .route("/groups/{id}/members", get(groups::members))
        .route("/groups/{id}/members/{user}", put(groups::set_member).delete(groups::remove_member))
        .route("/users/{id}/consents", get(administration::user_consents))
        .route("/users/{id}/export", get(administration::export_user))
        .route("/consents", post(administration::bulk_consent))
        .route("/modules", get(administration::modules))
        .route("/modules/{module}", put(administration::set_module))
        .route("/audit", get(administration::audit_log))
        .route("/addressbook", get(addressbook::address_book))
        .route("/chat/rooms", get(chat::rooms).post(chat::create_room))
        .route("/chat/direct", post(chat::direct))
        .route("/chat/rooms/{id}", get(chat::room))
        .route("/chat/rooms/{id}/muted", put(chat::set_muted))
        .route("/chat/rooms/{id}/members", post(chat::add_members))
        .route("/chat/rooms/{id}/members/{user}", axum::routing::delete(chat::remove_member))
        .route("/chat/rooms/{id}/messages", get(chat::messages).post(chat::send))
        .route("/chat/rooms/{id}/read", put(chat::mark_read))
        .route("/chat/messages/{id}", axum::routing::patch(chat::edit).delete(chat::delete))
        .route("/chat/messages/{id}/reactions", post(chat::react))
        .route("/chat/search", get(chat::search))
        .route("/chat/contacts", get(chat::contacts))
        .route("/chat/settings", get(chat::settings).put(chat::save_settings))
        .route("/video/lessons", get(video::lessons))
        .route("/video/settings", get(video::settings).put(video::save_settings))
        .route("/video/{group}/connect", get(video::connect))
        .route("/documents", get(documents::list).post(documents::create))
        .route(
            "/documents/{id}",
            get(documents::get).patch(documents::rename).delete(documents::delete),
        )
        .route("/documents/{id}/shares", put(documents::share))
        .route("/documents/{id}/restore", post(documents::restore))
        .route("/documents/{id}/token", post(document_versions::token))
        .route("/documents/{id}/authors", get(document_versions::authors))
        .route(
            "/documents/{id}/versions",
            get(document_versions::list).post(document_versions::name),
        )
        .route("/documents/{id}/versions/{version}/content", get(document_versions::content))
        .route("/documents/{id}/versions/{version}/restore", post(document_versions::restore))
        .route("/polls", get(polls::list).post(polls::create))
        .route("/polls/{id}", get(polls::get).put(polls::update).delete(polls::delete))
        .route("/polls/{id}/open", post(polls::open))
        .route("/polls/{id}/close", post(polls::close))
        .route("/polls/{id}/vote", put(polls::vote))
        .route("/polls/{id}/results.csv", get(polls::results_csv))
        .route(
            "/import/preview",
            post(import::preview).layer(DefaultBodyLimit::max(import::MAX_IMPORT_BYTES)),
        )
        .route(
            "/import/apply",
            post(import::apply).layer(DefaultBodyLimit::max(import::MAX_IMPORT_BYTES)),
        )
        .route("/import/runs/{run}/credentials.csv", get(import::credentials_sheet_csv))
        .route("/import/runs/{run}/credentials.html", get(import::credentials_sheet_html))
        .route("/import/runs/{run}/credentials", axum::routing::delete(import::discard_credentials))
        .route("/import/profiles/{kind}", get(import::profile).put(import::save_profile))
        .fallback(|| async { ApiError::not_found() })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .route_layer(middleware::from_fn_with_state(state.clone(), count_requests))
        .layer(middleware::from_fn_with_state(state.clone(), require_same_origin));

    let web_dir = &state.config.web_dir;
    let web = ServeDir::new(web_dir).fallback(ServeFile::new(web_dir.join("index.html")));

    Router::new()
        .nest("/api", api)
        .route("/ws", get(crate::hub::socket::upgrade))
        .route("/yjs/{document}", get(crate::documents::socket::upgrade))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .fallback_service(web)
        .layer(security_header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; \
             frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        ))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::REFERRER_POLICY, "same-origin"))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        .with_state(state)
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}
