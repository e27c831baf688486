//! Request extractors whose rejections are `ApiError`s, so malformed JSON, unknown IDs in the path
//! and bad query strings all answer with the usual `{code, message}` body.

use axum::extract::{FromRequest, FromRequestParts};

use crate::error::ApiError;

/// A JSON body (max 64 KiB, see the router's body limit).
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// Path parameters; a malformed ID answers `404 not_found`.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// Query parameters; a bad value answers `422 validation_failed`.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);
