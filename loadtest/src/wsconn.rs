//! Opening one WebSocket: a TCP socket bound to the generator's own loopback address (with
//! `IP_BIND_ADDRESS_NO_PORT`, so the port is picked at connect time per destination), then the
//! client handshake with small buffers — the default 128 KiB read buffer per connection would cost
//! the generator gigabytes at 19,000 connections.

use std::net::{IpAddr, SocketAddr};

use nix::sys::socket::{setsockopt, sockopt::IpBindAddressNoPort};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

pub type Socket = WebSocketStream<TcpStream>;

/// Hub frames are at most 64 KiB; the generator's are tiny.
pub fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_write_buffer_size(256 * 1024)
        .max_message_size(Some(64 * 1024))
        .max_frame_size(Some(64 * 1024))
}

/// `ws://host:port/path?query` → `host:port`.
pub fn authority(url: &str) -> Result<&str, String> {
    let rest =
        url.strip_prefix("ws://").ok_or_else(|| format!("{url}: only ws:// URLs are supported"))?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.is_empty() {
        return Err(format!("{url}: no host"));
    }
    Ok(authority)
}

/// Why opening failed, in words short enough to tally.
#[derive(Debug)]
pub enum OpenError {
    Connect(String),
    /// The server answered the upgrade with this HTTP status.
    Status(u16),
    Handshake(String),
}

impl OpenError {
    pub fn kind(&self) -> String {
        match self {
            OpenError::Connect(_) => "tcp_connect".to_owned(),
            OpenError::Status(status) => format!("upgrade_http_{status}"),
            OpenError::Handshake(_) => "ws_handshake".to_owned(),
        }
    }
}

/// Resolves the server's address once (the generator talks to one server).
pub async fn resolve(url: &str) -> Result<SocketAddr, String> {
    let authority = authority(url)?;
    tokio::net::lookup_host(authority)
        .await
        .map_err(|error| format!("{authority}: {error}"))?
        .find(SocketAddr::is_ipv4)
        .ok_or_else(|| format!("{authority}: no IPv4 address"))
}

pub async fn open(
    url: &str,
    server: SocketAddr,
    bind_ip: Option<IpAddr>,
) -> Result<Socket, OpenError> {
    let connect = |error: std::io::Error| OpenError::Connect(error.to_string());
    let socket = TcpSocket::new_v4().map_err(connect)?;
    if let Some(ip) = bind_ip {
        setsockopt(&socket, IpBindAddressNoPort, &true)
            .map_err(|error| OpenError::Connect(error.to_string()))?;
        socket.bind(SocketAddr::new(ip, 0)).map_err(connect)?;
    }
    socket.set_nodelay(true).map_err(connect)?;
    let stream = socket.connect(server).await.map_err(connect)?;
    match tokio_tungstenite::client_async_with_config(url, stream, Some(config())).await {
        Ok((socket, _response)) => Ok(socket),
        Err(WsError::Http(response)) => Err(OpenError::Status(response.status().as_u16())),
        Err(error) => Err(OpenError::Handshake(error.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authority_is_taken_from_the_url() {
        assert_eq!(authority("ws://127.0.0.1:8080/ws?ticket=abc").unwrap(), "127.0.0.1:8080");
        assert_eq!(authority("ws://127.0.0.1:9001").unwrap(), "127.0.0.1:9001");
        assert_eq!(authority("ws://localhost:9001?x=1").unwrap(), "localhost:9001");
        assert!(authority("http://127.0.0.1").is_err());
        assert!(authority("ws:///ws").is_err());
    }

    #[test]
    fn buffers_are_small() {
        let config = config();
        assert_eq!(config.read_buffer_size, 4096);
        assert!(config.max_write_buffer_size > config.write_buffer_size);
    }
}
