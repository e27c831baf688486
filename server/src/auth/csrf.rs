//! Defence against cross-site request forgery, on top of SameSite=Lax cookies: a state-changing
//! request (anything but GET/HEAD/OPTIONS) must come from the platform's own origin. Browsers send
//! `Origin` on such requests; when it is missing (non-browser clients), `Sec-Fetch-Site`, if sent,
//! must say the request is same-origin.

use axum::extract::{Request, State};
use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::Response;
use schulhof_proto::ErrorCode;

use crate::config::Config;
use crate::error::ApiError;
use crate::state::SharedState;

/// The origin the platform is served from: the configured public URL, else the request's Host.
pub fn expected_origin(config: &Config, headers: &HeaderMap) -> Option<String> {
    match &config.public_url {
        Some(url) => Some(url.origin().ascii_serialization()),
        None => {
            headers.get(HOST).and_then(|h| h.to_str().ok()).map(|host| format!("http://{host}"))
        }
    }
}

/// True when the request may change state from where it came.
pub fn is_same_origin(config: &Config, headers: &HeaderMap) -> bool {
    match headers.get(ORIGIN) {
        Some(origin) => {
            let expected = expected_origin(config, headers);
            origin.to_str().ok().is_some_and(|o| Some(o) == expected.as_deref())
        }
        None => headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_none_or(|site| site == "same-origin" || site == "none"),
    }
}

/// Middleware: refuses cross-origin state-changing requests with `403 csrf_origin_mismatch`.
pub async fn require_same_origin(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !is_same_origin(&state.config, request.headers()) {
        return Err(ApiError::new(ErrorCode::CsrfOriginMismatch));
    }
    Ok(next.run(request).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn origin_must_match_host_or_public_url() {
        let mut config = Config::for_data_dir(std::path::Path::new("/tmp"));
        assert!(is_same_origin(&config, &headers(&[("host", "a:1"), ("origin", "http://a:1")])));
        assert!(!is_same_origin(&config, &headers(&[("host", "a:1"), ("origin", "http://evil")])));
        assert!(!is_same_origin(&config, &headers(&[("host", "a:1"), ("origin", "null")])));
        assert!(is_same_origin(&config, &headers(&[("host", "a:1")])), "non-browser client");
        assert!(!is_same_origin(
            &config,
            &headers(&[("host", "a:1"), ("sec-fetch-site", "cross-site")])
        ));

        config.public_url = Some("https://schule.example".parse().unwrap());
        assert!(is_same_origin(
            &config,
            &headers(&[("host", "x"), ("origin", "https://schule.example")])
        ));
        assert!(!is_same_origin(&config, &headers(&[("host", "x"), ("origin", "http://x")])));
    }
}
