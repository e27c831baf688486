//! Authentication and the permission checks every request passes: password hashing (argon2id),
//! opaque session tokens in a cookie, login throttling, the same-origin check against CSRF, and the
//! extractors that turn a request into "this user of this school" (`CurrentSession`, `AdminSession`, and `SessionAllowingPasswordChange` for users who must
//! still replace an initial password).

pub mod csrf;
pub mod modules;
pub mod password;
pub mod session;
pub mod throttle;
pub mod token;

pub use session::{AdminSession, CurrentSession, SessionAllowingPasswordChange};
