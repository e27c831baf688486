//! Wire types shared by the schulhof server, the end-to-end tests and the load generator: typed IDs,
//! the directory's enums and JSON shapes, and the error body every API error carries. Only serde
//! lives here (no tokio, no sqlx, no HTTP), so any client can depend on it.

pub mod admin;
pub mod chat;
pub mod directory;
pub mod documents;
pub mod error;
pub mod hub;
pub mod ids;
pub mod poll;

pub use admin::*;
pub use chat::*;
pub use directory::*;
pub use documents::*;
pub use error::{ErrorBody, ErrorCode};
pub use ids::*;
pub use poll::*;
