//! The HTTP API as the load generator uses it: one shared `reqwest` client (bound to `--bind-ip`,
//! a bounded pool) and the session cookie passed per request, so one client serves thousands of
//! accounts. No `Origin` header is sent: non-browser clients pass the CSRF check without one.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::header::{COOKIE, HeaderValue, SET_COOKIE};
use reqwest::{Method, StatusCode};
use schulhof_proto::{ChangePasswordRequest, LoginRequest, Me, WsTicket};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// An API failure: the HTTP status (0 when the request did not get an answer) and the text.
#[derive(Debug)]
pub struct ApiFailure {
    pub status: u16,
    pub message: String,
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}: {}", self.status, self.message)
    }
}

impl From<ApiFailure> for String {
    fn from(failure: ApiFailure) -> String {
        failure.to_string()
    }
}

fn transport(error: reqwest::Error) -> ApiFailure {
    ApiFailure { status: 0, message: error.to_string() }
}

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

/// A logged-in session: the `name=value` cookie and who it belongs to.
#[derive(Clone, Debug)]
pub struct LoggedIn {
    pub cookie: String,
    pub me: Me,
}

impl Api {
    /// `base`: e.g. `http://127.0.0.1:8080`; `pool`: idle connections kept (bounds the sockets).
    pub fn new(base: &str, bind_ip: Option<IpAddr>, pool: usize) -> Result<Api, String> {
        let http = reqwest::Client::builder()
            .local_address(bind_ip)
            .pool_max_idle_per_host(pool)
            .timeout(Duration::from_secs(120))
            .connect_timeout(Duration::from_secs(10))
            .tcp_nodelay(true)
            .build()
            .map_err(|error| error.to_string())?;
        Ok(Api { http, base: base.trim_end_matches('/').to_owned() })
    }

    fn request(&self, method: Method, path: &str, cookie: Option<&str>) -> reqwest::RequestBuilder {
        let mut builder = self.http.request(method, format!("{}{path}", self.base));
        if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(c).ok()) {
            builder = builder.header(COOKIE, cookie);
        }
        builder
    }

    async fn check(response: reqwest::Response) -> Result<reqwest::Response, ApiFailure> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let text = response.text().await.unwrap_or_default();
        Err(ApiFailure { status: status.as_u16(), message: text })
    }

    /// Sends a JSON body (or none) and decodes a JSON answer.
    pub async fn json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        body: Option<&B>,
    ) -> Result<T, ApiFailure> {
        let mut builder = self.request(method, path, cookie);
        if let Some(body) = body {
            builder = builder.json(body);
        }
        let response = Self::check(builder.send().await.map_err(transport)?).await?;
        response.json().await.map_err(transport)
    }

    /// Sends a JSON body (or none) and expects no content.
    pub async fn send<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        body: Option<&B>,
    ) -> Result<StatusCode, ApiFailure> {
        let mut builder = self.request(method, path, cookie);
        if let Some(body) = body {
            builder = builder.json(body);
        }
        let response = Self::check(builder.send().await.map_err(transport)?).await?;
        Ok(response.status())
    }

    /// A raw body in, the whole answer as text out.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Result<String, ApiFailure> {
        let mut builder = self.request(method, path, cookie);
        if let Some(body) = body {
            builder = builder.body(body);
        }
        let response = Self::check(builder.send().await.map_err(transport)?).await?;
        response.text().await.map_err(transport)
    }

    pub async fn login(
        &self,
        login: &str,
        password: &str,
        school: &str,
    ) -> Result<LoggedIn, ApiFailure> {
        let body = LoginRequest {
            login: login.to_owned(),
            password: password.to_owned(),
            school: Some(school.to_owned()),
        };
        let response = self
            .request(Method::POST, "/api/auth/login", None)
            .json(&body)
            .send()
            .await
            .map_err(transport)?;
        let response = Self::check(response).await?;
        let cookie = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(session_cookie)
            .ok_or_else(|| ApiFailure { status: 200, message: "login set no cookie".into() })?;
        let me: Me = response.json().await.map_err(transport)?;
        Ok(LoggedIn { cookie, me })
    }

    pub async fn change_password(
        &self,
        cookie: &str,
        current: &str,
        new: &str,
    ) -> Result<(), ApiFailure> {
        let body = ChangePasswordRequest {
            current_password: current.to_owned(),
            new_password: new.to_owned(),
        };
        self.send(Method::POST, "/api/me/password", Some(cookie), Some(&body)).await?;
        Ok(())
    }

    pub async fn ws_ticket(&self, cookie: &str) -> Result<String, ApiFailure> {
        let ticket: WsTicket =
            self.json::<(), _>(Method::POST, "/api/auth/ws-ticket", Some(cookie), None).await?;
        Ok(ticket.ticket)
    }
}

/// `schulhof_session=abc; Path=/; HttpOnly` → `schulhof_session=abc` (empty values are removals).
pub fn session_cookie(set_cookie: &str) -> Option<String> {
    let pair = set_cookie.split(';').next()?.trim();
    let (name, value) = pair.split_once('=')?;
    (name.ends_with("schulhof_session") && !value.is_empty()).then(|| pair.to_owned())
}

/// `http://host:port` → `ws://host:port` (the hub lives on the same origin).
pub fn ws_base(http_base: &str) -> String {
    let base = http_base.trim_end_matches('/');
    if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_picked_from_set_cookie() {
        assert_eq!(
            session_cookie("schulhof_session=abc123; Path=/; HttpOnly; SameSite=Lax").as_deref(),
            Some("schulhof_session=abc123")
        );
        assert_eq!(
            session_cookie("__Host-schulhof_session=x; Secure").as_deref(),
            Some("__Host-schulhof_session=x")
        );
        assert_eq!(session_cookie("schulhof_session=; Max-Age=0"), None);
        assert_eq!(session_cookie("other=1"), None);
    }

    #[test]
    fn websocket_urls_follow_the_http_base() {
        assert_eq!(ws_base("http://127.0.0.1:8080/"), "ws://127.0.0.1:8080");
        assert_eq!(ws_base("https://schule.example"), "wss://schule.example");
        assert_eq!(ws_base("ws://127.0.0.1:9001"), "ws://127.0.0.1:9001");
    }
}
