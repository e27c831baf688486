//! The testkit for schulhof's end-to-end tests: `TestServer::start()` runs the real server
//! (`schulhof_server::run`) on 127.0.0.1:0 with a fresh database — SQLite in a temp dir, or a new
//! PostgreSQL database when `SCHULHOF_TEST_DATABASE_URL` is set — and hands out real HTTP clients
//! with cookie jars and hub (WebSocket) clients. The same tests therefore run on both back-ends.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod hub_client;
pub mod media_peer;
pub mod node;
pub mod yjs_client;

use std::net::SocketAddr;
use std::path::PathBuf;

use reqwest::{Method, Response, StatusCode};
use schulhof_proto::{ErrorBody, ErrorCode, Me, School};
use schulhof_server::bootstrap::create_school_admin;
use schulhof_server::clock::{Clock, SystemClock};
use schulhof_server::config::{Config, DatabaseConfig};
use schulhof_server::store::Store;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The admin password every test school's admin gets after the first login.
pub const ADMIN_PASSWORD: &str = "Admin-Passwort-1";
/// The password `TestServer::login_first_time` sets for a user.
pub const USER_PASSWORD: &str = "Eigenes-Passwort-1";

/// A running server with one school ("Gymnasium Musterstadt") and its admin.
pub struct TestServer {
    pub addr: SocketAddr,
    /// The configuration the server runs with (peers reuse its database and Redis settings).
    pub config: Config,
    pub school: School,
    pub admin_login: String,
    pub store: Store,
    pub web_dir: PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<Result<(), schulhof_server::ServerError>>>,
    _data_dir: tempfile::TempDir,
}

/// The database for one test server: SQLite by default, a fresh PostgreSQL database on request.
async fn fresh_database(data_dir: &std::path::Path) -> DatabaseConfig {
    match std::env::var("SCHULHOF_TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            use sqlx::Connection;
            let name = format!("schulhof_t_{}", uuid::Uuid::new_v4().simple());
            let mut conn =
                sqlx::PgConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create test database");
            conn.close().await.ok();
            let mut url = url::Url::parse(&admin_url).expect("SCHULHOF_TEST_DATABASE_URL is a URL");
            url.set_path(&name);
            DatabaseConfig::Postgres { url: url.to_string() }
        }
        _ => DatabaseConfig::Sqlite { path: data_dir.join("schulhof.db") },
    }
}

impl TestServer {
    /// Starts a server with one school whose admin has already set `ADMIN_PASSWORD`.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts a server after letting the test adjust the config.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::for_data_dir(data_dir.path());
        config.database = fresh_database(data_dir.path()).await;
        config.web_dir = data_dir.path().join("web");
        if let Some(url) = configured_redis_url() {
            config.redis_url = Some(url);
        }
        // Servers of different tests share one Redis; each platform gets its own key prefix.
        config.redis_prefix = format!("schulhof-test-{}", uuid::Uuid::new_v4().simple());
        std::fs::create_dir_all(&config.web_dir).unwrap();
        std::fs::write(config.web_dir.join("index.html"), "<!doctype html><title>schulhof</title>")
            .unwrap();
        adjust(&mut config);

        let store = Store::open(&config.database).await.expect("open store");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let web_dir = config.web_dir.clone();
        let server_config = config.clone();
        let handle = tokio::spawn(schulhof_server::run(listener, config, async {
            let _ = rx.await;
        }));
        let mut server = Self {
            addr,
            config: server_config,
            school: School { id: Default::default(), name: String::new(), slug: String::new() },
            admin_login: "admin".into(),
            store,
            web_dir,
            shutdown: Some(tx),
            handle: Some(handle),
            _data_dir: data_dir,
        };
        let (school, login) = server.add_school("Gymnasium Musterstadt").await;
        server.school = school;
        server.admin_login = login;
        server
    }

    /// Creates another school with an admin (password `ADMIN_PASSWORD`); returns it and the login.
    pub async fn add_school(&self, name: &str) -> (School, String) {
        let created = create_school_admin(&self.store, name, "admin", SystemClock.now_ms())
            .await
            .expect("bootstrap school");
        let client = self.client();
        let me: Me = client
            .post_ok(
                "/api/auth/login",
                &serde_json::json!({
                    "login": "admin", "password": created.password, "school": created.school.slug
                }),
            )
            .await;
        assert!(me.user.must_change_password);
        client
            .post_status(
                "/api/me/password",
                &serde_json::json!({ "current_password": created.password, "new_password": ADMIN_PASSWORD }),
                StatusCode::NO_CONTENT,
            )
            .await;
        (created.school, created.admin.login)
    }

    /// A client for another node of the same platform.
    pub fn client_for(&self, base: &str) -> Client {
        let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
        Client { http, base: base.to_owned() }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client with an empty cookie jar.
    pub fn client(&self) -> Client {
        let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
        Client { http, base: self.base_url() }
    }

    /// A client logged in as the given user (in the default school).
    pub async fn login(&self, login: &str, password: &str) -> Client {
        let client = self.client();
        let response = client.login(login, password, Some(&self.school.slug)).await;
        assert_eq!(response.status(), StatusCode::OK, "login of {login} failed");
        client
    }

    /// Logs a new user in with the initial password and sets `USER_PASSWORD`, as the web client
    /// makes them do; returns the logged-in client.
    pub async fn login_first_time(&self, login: &str, initial_password: &str) -> Client {
        let client = self.login(login, initial_password).await;
        client
            .post_status(
                "/api/me/password",
                &serde_json::json!({ "current_password": initial_password, "new_password": USER_PASSWORD }),
                StatusCode::NO_CONTENT,
            )
            .await;
        client
    }

    /// A client logged in as the default school's admin.
    pub async fn admin(&self) -> Client {
        self.login(&self.admin_login, ADMIN_PASSWORD).await
    }

    /// Stops the server gracefully and starts it again on the same address, database and data
    /// directory (sessions survive, in-memory hub state does not).
    pub async fn restart(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.expect("server task").expect("server ended cleanly");
        }
        let mut listener = None;
        for _ in 0..50 {
            match tokio::net::TcpListener::bind(self.addr).await {
                Ok(bound) => {
                    listener = Some(bound);
                    break;
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
            }
        }
        let listener = listener.expect("bind the same address again");
        let (tx, rx) = oneshot::channel::<()>();
        self.handle =
            Some(tokio::spawn(schulhof_server::run(listener, self.config.clone(), async {
                let _ = rx.await;
            })));
        self.shutdown = Some(tx);
    }

    /// Stops the server gracefully and waits for `run` to return.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.expect("server task").expect("server ended cleanly");
        }
    }
}

/// A real HTTP client with a cookie jar, bound to one server.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn login(&self, login: &str, password: &str, school: Option<&str>) -> Response {
        self.send(
            Method::POST,
            "/api/auth/login",
            Some(&serde_json::json!({
                "login": login, "password": password, "school": school
            })),
        )
        .await
    }

    pub async fn send<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Response {
        let mut request = self.http.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send::<()>(Method::GET, path, None).await
    }

    /// GET that must answer 200 with JSON.
    pub async fn get_ok<T: DeserializeOwned>(&self, path: &str) -> T {
        json_ok(self.get(path).await, StatusCode::OK).await
    }

    /// POST that must answer 200/201 with JSON.
    pub async fn post_ok<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> T {
        let response = self.send(Method::POST, path, Some(body)).await;
        let status = response.status();
        assert!(status == StatusCode::OK || status == StatusCode::CREATED, "POST {path}: {status}");
        response.json().await.expect("JSON body")
    }

    pub async fn post_status<B: Serialize>(&self, path: &str, body: &B, expected: StatusCode) {
        let response = self.send(Method::POST, path, Some(body)).await;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status, expected, "POST {path}: {text}");
    }

    pub async fn put_status<B: Serialize>(&self, path: &str, body: &B, expected: StatusCode) {
        let response = self.send(Method::PUT, path, Some(body)).await;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status, expected, "PUT {path}: {text}");
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.send::<()>(Method::DELETE, path, None).await
    }
}

/// Asserts the status and decodes the JSON body.
pub async fn json_ok<T: DeserializeOwned>(response: Response, expected: StatusCode) -> T {
    let status = response.status();
    let url = response.url().to_string();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(status, expected, "{url}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: bad JSON {e}: {text}"))
}

/// Asserts that a response is the given API error, and returns its body.
pub async fn expect_error(response: Response, code: ErrorCode) -> ErrorBody {
    let status = response.status();
    let url = response.url().to_string();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(status.as_u16(), code.http_status(), "{url}: {text}");
    let body: ErrorBody =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: {e}: {text}"));
    assert_eq!(body.code, code, "{url}: {text}");
    assert!(!body.message.is_empty() && !body.message_de.is_empty());
    body
}

/// The Redis of the PostgreSQL + Redis run (`SCHULHOF_TEST_REDIS_URL`), if set.
fn configured_redis_url() -> Option<String> {
    std::env::var("SCHULHOF_TEST_REDIS_URL").ok().filter(|url| !url.is_empty())
}

/// Redis for the cluster tests, which always need one: the configured one, else the local one.
pub fn redis_url() -> String {
    configured_redis_url().unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned())
}
