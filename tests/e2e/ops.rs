//! Operations endpoints, security headers, the web client's files and graceful shutdown.

use reqwest::StatusCode;
use testkit::TestServer;

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let server = TestServer::start().await;
    let client = server.client();
    let health = client.get("/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.text().await.unwrap(), "ok");
    assert_eq!(client.get("/readyz").await.status(), StatusCode::OK);
    let _ = server.admin().await;
    let metrics = client.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("schulhof_logins_total{outcome=\"ok\"}"), "{metrics}");
    assert!(
        metrics.contains(
            "schulhof_http_requests_total{method=\"POST\",route=\"/api/auth/login\",status=\"200\"}"
        ),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_web_client_is_served_with_strict_headers_for_any_page_path() {
    let server = TestServer::start().await;
    std::fs::write(server.web_dir.join("app.js"), "console.log('schulhof')").unwrap();
    let client = server.client();
    for path in ["/", "/admin/users", "/dashboard"] {
        let response = client.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let csp =
            response.headers().get("content-security-policy").unwrap().to_str().unwrap().to_owned();
        assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self'"));
        assert_eq!(response.headers().get("x-content-type-options").unwrap(), "nosniff");
        assert!(response.text().await.unwrap().contains("<title>schulhof</title>"));
    }
    let script = client.get("/app.js").await;
    assert_eq!(script.text().await.unwrap(), "console.log('schulhof')");
    server.stop().await;
}

#[tokio::test]
async fn shutdown_finishes_and_the_port_closes() {
    let server = TestServer::start().await;
    let addr = server.addr;
    server.stop().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "port still open after shutdown");
}
