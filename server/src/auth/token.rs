//! Random secrets (session tokens, WebSocket tickets, initial passwords) and the one-way hash under
//! which tokens are stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Fills a buffer from the operating system's CSPRNG.
fn random_bytes<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}

/// A new 256-bit secret token, URL-safe base64.
pub fn new_token() -> Result<String, getrandom::Error> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// The stored form of a token: hex SHA-256.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Letters and digits that cannot be confused when read off paper (no 0/O, 1/l/I).
const READABLE: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// An initial password to hand out on paper: 12 readable characters in groups of four
/// (about 69 bits).
pub fn new_initial_password() -> Result<String, getrandom::Error> {
    let bytes = random_bytes::<12>()?;
    let mut out = String::with_capacity(14);
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        // 55 symbols; the modulo bias of 256 % 55 is negligible for one-time passwords.
        out.push(char::from(READABLE[usize::from(*byte) % READABLE.len()]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hash_stably() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), hash_token(&b));
        assert_eq!(hash_token("abc").len(), 64);
    }

    #[test]
    fn initial_passwords_are_readable() {
        let password = new_initial_password().unwrap();
        assert_eq!(password.len(), 14);
        assert!(password.chars().all(|c| c == '-' || READABLE.contains(&(c as u8))));
        assert_eq!(password.matches('-').count(), 2);
    }
}
