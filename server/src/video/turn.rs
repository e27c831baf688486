//! Time-limited TURN credentials (the "TURN REST API" of draft-uberti-behave-turn-rest, coturn's
//! `use-auth-secret`). With a shared secret configured, each `connect` answer gives every
//! configured TURN server that has no credentials of its own a fresh username
//! `<expiry in Unix seconds>:<pseudonym>` and the credential base64(HMAC-SHA1(secret, username)).
//! coturn checks both with the same secret and no user database. A credential that leaks from a
//! browser stops working when it expires, unlike a static password that every browser sees. The
//! pseudonym is an HMAC of the user's ID, so coturn's logs name no account.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha1::Sha1;

use schulhof_proto::UserId;

/// The shared secret, as read from the command line, environment or config file; `Debug` does
/// not show it (options and configuration may be logged).
#[derive(Clone, serde::Deserialize)]
#[serde(transparent)]
pub struct TurnSecret(pub String);

impl std::str::FromStr for TurnSecret {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(TurnSecret(text.to_owned()))
    }
}

impl std::fmt::Debug for TurnSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TurnSecret(…)")
    }
}

/// How long handed-out credentials stay valid: a school day. (A TURN allocation is refreshed with
/// the same credentials, so they must outlive the lesson; a rejoin fetches new ones.)
pub const CREDENTIAL_LIFETIME_SECS: u64 = 12 * 60 * 60;

/// The ICE servers for one user at `now_unix`: `configured` as it is, plus time-limited
/// credentials for TURN entries without any when `secret` is set.
pub fn ice_servers_for(
    configured: &Value,
    secret: Option<&str>,
    user: UserId,
    now_unix: u64,
) -> Value {
    let (Some(secret), Value::Array(servers)) = (secret, configured) else {
        return configured.clone();
    };
    let username = format!("{}:{}", now_unix + CREDENTIAL_LIFETIME_SECS, pseudonym(secret, user));
    let credential = base64::engine::general_purpose::STANDARD.encode(hmac_sha1(secret, &username));
    let servers = servers
        .iter()
        .map(|server| match server {
            Value::Object(entry)
                if is_turn(entry)
                    && !entry.contains_key("username")
                    && !entry.contains_key("credential") =>
            {
                let mut entry = entry.clone();
                entry.insert("username".into(), Value::String(username.clone()));
                entry.insert("credential".into(), Value::String(credential.clone()));
                Value::Object(entry)
            }
            other => other.clone(),
        })
        .collect();
    Value::Array(servers)
}

/// Checks the configured ICE servers: a TURN entry carries both `username` and `credential` or
/// neither (then it needs the secret). Returns the problem, in words.
pub fn check_entries(configured: &Value, secret: Option<&TurnSecret>) -> Result<(), String> {
    let Value::Array(servers) = configured else { return Ok(()) };
    for server in servers {
        let Value::Object(entry) = server else {
            return Err(format!("{server} is not an RTCIceServer object"));
        };
        if !is_turn(entry) {
            continue;
        }
        match (entry.contains_key("username"), entry.contains_key("credential")) {
            (true, true) => {}
            (false, false) if secret.is_some() => {}
            (false, false) => {
                return Err(format!("{server} has no credentials and no TURN secret is set"));
            }
            _ => return Err(format!("{server} needs both username and credential, or neither")),
        }
    }
    Ok(())
}

/// Whether an RTCIceServer entry names a TURN server (`turn:` or `turns:` URLs).
fn is_turn(entry: &serde_json::Map<String, Value>) -> bool {
    let is_turn_url = |url: &Value| {
        url.as_str().is_some_and(|u| {
            let scheme = u.split(':').next().unwrap_or_default().to_ascii_lowercase();
            scheme == "turn" || scheme == "turns"
        })
    };
    match entry.get("urls") {
        Some(Value::Array(urls)) => urls.iter().any(is_turn_url),
        Some(url) => is_turn_url(url),
        None => false,
    }
}

/// 16 hex digits that stand for the user towards the TURN server.
fn pseudonym(secret: &str, user: UserId) -> String {
    let digest = hmac_sha1(secret, &format!("pseudonym:{}", user.0));
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn hmac_sha1(secret: &str, message: &str) -> Vec<u8> {
    // HMAC takes a key of any length, so this cannot fail; an empty output would only make the
    // TURN server refuse the credential.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret.as_bytes()) else { return Vec::new() };
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const USER: UserId = UserId(uuid::Uuid::from_u128(42));

    #[test]
    fn credentials_follow_the_turn_rest_scheme() {
        // Reference values from Python's hmac/hashlib for the same secret and messages.
        assert_eq!(pseudonym("turn-secret", USER), "c03187aeb459a2b5");
        let username = "1700043200:3f2a9c1d0e4b5a6c";
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(hmac_sha1("turn-secret", username)),
            "Z7suF4ddpOJk97Y2SJQB/ks+2YQ="
        );
    }

    #[test]
    fn only_turn_entries_without_credentials_get_them() {
        let configured = json!([
            {"urls": ["stun:stun.example.org:3478"]},
            {"urls": ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:443"]},
            {"urls": "turn:other.example.org", "username": "static", "credential": "kept"},
        ]);
        let servers = ice_servers_for(&configured, Some("turn-secret"), USER, 1_700_000_000);
        assert_eq!(servers[0], configured[0], "STUN needs no credentials");
        let username = servers[1]["username"].as_str().unwrap();
        let (expiry, who) = username.split_once(':').unwrap();
        assert_eq!(expiry, (1_700_000_000 + CREDENTIAL_LIFETIME_SECS).to_string());
        assert_eq!(who, pseudonym("turn-secret", USER));
        let expected =
            base64::engine::general_purpose::STANDARD.encode(hmac_sha1("turn-secret", username));
        assert_eq!(servers[1]["credential"], json!(expected));
        assert_eq!(servers[2], configured[2], "configured credentials are kept");
        // Without a secret the configuration is handed out as it is.
        assert_eq!(ice_servers_for(&configured, None, USER, 1_700_000_000), configured);
    }

    #[test]
    fn turn_entries_need_both_credentials_or_the_secret() {
        let secret = TurnSecret("s".into());
        let bare = json!([{"urls": "TURN:turn.example.org"}, {"urls": ["stun:stun.example.org"]}]);
        assert!(check_entries(&bare, Some(&secret)).is_ok());
        assert!(check_entries(&bare, None).unwrap_err().contains("no TURN secret"));
        let half = json!([{"urls": "turns:t.example.org:443", "username": "u"}]);
        assert!(check_entries(&half, Some(&secret)).unwrap_err().contains("both"));
        let full = json!([{"urls": "turns:t.example.org:443", "username": "u", "credential": "c"}]);
        assert!(check_entries(&full, None).is_ok());
        assert!(check_entries(&json!(["turn:x"]), None).is_err());
        // An entry with only a credential is not overwritten either.
        let only = json!([{"urls": "turn:t.example.org", "credential": "c"}]);
        assert_eq!(ice_servers_for(&only, Some("s"), USER, 1), only);
    }
}
