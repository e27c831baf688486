//! The module check every module's routes (and later the hub) run: a module the school has not
//! switched on is refused for everyone at that school, whatever the client shows.

use schulhof_proto::{ErrorCode, Module};

use crate::error::ApiError;
use crate::state::SharedState;
use crate::store::AuthenticatedSession;

/// `Ok` when the session's school has switched `module` on, else `403 module_disabled`.
pub async fn require_module(
    state: &SharedState,
    session: &AuthenticatedSession,
    module: Module,
) -> Result<(), ApiError> {
    if state.store.module_enabled(session.school.id, module).await? {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::ModuleDisabled))
    }
}
