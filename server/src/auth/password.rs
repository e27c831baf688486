//! Password hashing with argon2id (OWASP minimum parameters, the crate's defaults). Hashing is
//! CPU-heavy, so it runs on the blocking thread pool, never on the async workers.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("hashing task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// Hashes a password into a PHC string (`$argon2id$v=19$…`).
pub async fn hash_password(password: String) -> Result<String, PasswordError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| PasswordError::Hash(e.to_string()))
    })
    .await?
}

/// Hashes many generated initial passwords (an import) with argon2id at a lower cost
/// (m = 1 MiB, t = 1) on both cores. That is safe only because these passwords are random with
/// about 69 bits of entropy, far beyond any offline guessing, and must be replaced at the first
/// login, where the chosen password gets the full-cost hash.
pub async fn hash_generated_passwords(
    passwords: Vec<String>,
) -> Result<Vec<String>, PasswordError> {
    let params = Params::new(1024, 1, 1, None).map_err(|e| PasswordError::Hash(e.to_string()))?;
    let half = passwords.len().div_ceil(2);
    let mut chunks: Vec<Vec<String>> =
        passwords.chunks(half.max(1)).map(<[String]>::to_vec).collect();
    let mut tasks = Vec::new();
    for chunk in chunks.drain(..) {
        let params = params.clone();
        tasks.push(tokio::task::spawn_blocking(move || {
            let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
            chunk
                .iter()
                .map(|p| hasher.hash_password(p.as_bytes()).map(|h| h.to_string()))
                .collect::<Result<Vec<String>, _>>()
                .map_err(|e| PasswordError::Hash(e.to_string()))
        }));
    }
    let mut hashes = Vec::with_capacity(passwords.len());
    for task in tasks {
        hashes.extend(task.await??);
    }
    Ok(hashes)
}

/// Checks a password against a stored PHC string. A malformed hash never matches.
pub async fn verify_password(password: String, hash: String) -> Result<bool, PasswordError> {
    Ok(tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
        })
    })
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_argon2id_and_verifies() {
        let hash = hash_password("Schulhof-2026!".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("Schulhof-2026!".into(), hash.clone()).await.unwrap());
        assert!(!verify_password("schulhof-2026!".into(), hash).await.unwrap());
        assert!(!verify_password("x".into(), "not a hash".into()).await.unwrap());
    }
}
