//! The WebRTC SFU for video lessons. This crate will hold the sans-IO forwarding core on `str0m`
//! (`handle_input(now, …)` / `poll_output()`), per-peer state, layer routing and one thin UDP/TCP
//! driver. It never depends on axum or sqlx. Nothing is implemented here yet; see issue
//! "Video lessons: WebRTC SFU (str0m) with classroom controls".
