//! Batched UDP I/O for the driver: `recvmmsg` takes up to `BATCH` datagrams from the node's
//! socket in one system call, `sendmmsg` sends up to `BATCH` datagrams to as many destinations in
//! one. An SFU sends each incoming packet to ~30 subscribers, so one call per datagram would
//! cost a system call per forwarded packet. Also sizes the socket's kernel buffers: the default
//! (~208 KB) overflows when a burst of keyframes meets a busy core.

use std::io::{self, IoSlice, IoSliceMut};
use std::net::SocketAddr;
use std::os::fd::RawFd;

use nix::errno::Errno;
use nix::sys::socket::{
    ControlMessage, MsgFlags, MultiHeaders, SockaddrStorage, recvmmsg, sendmmsg, setsockopt,
    sockopt,
};
use str0m::net::Transmit;

/// Datagrams per system call.
pub const BATCH: usize = 64;

/// What the driver asks the kernel for as receive and send buffer (the kernel caps it at
/// `net.core.rmem_max` / `wmem_max`; docs/video.md says how to raise those).
pub const SOCKET_BUFFER_BYTES: usize = 8 << 20;

/// Largest datagram the node accepts (above any path MTU).
const DATAGRAM_BYTES: usize = 2048;

/// Asks for big kernel buffers; returns what the kernel granted (receive, send).
pub fn size_buffers(socket: &impl std::os::fd::AsFd) -> (usize, usize) {
    let _ = setsockopt(socket, sockopt::RcvBuf, &SOCKET_BUFFER_BYTES);
    let _ = setsockopt(socket, sockopt::SndBuf, &SOCKET_BUFFER_BYTES);
    let granted = |r: nix::Result<usize>| r.unwrap_or(0);
    (
        granted(nix::sys::socket::getsockopt(socket, sockopt::RcvBuf)),
        granted(nix::sys::socket::getsockopt(socket, sockopt::SndBuf)),
    )
}

/// Receive buffers for one `recvmmsg` call and what the last call got. (The message headers
/// are made per call: nix's `MultiHeaders` holds raw pointers and may not move between threads,
/// and the driver's task may.)
pub struct RecvBatch {
    buffers: Vec<Vec<u8>>,
    received: Vec<(usize, SocketAddr)>,
}

impl Default for RecvBatch {
    fn default() -> Self {
        RecvBatch {
            buffers: vec![vec![0; DATAGRAM_BYTES]; BATCH],
            received: Vec::with_capacity(BATCH),
        }
    }
}

impl RecvBatch {
    /// Takes what is waiting (without blocking); returns how many datagrams arrived.
    pub fn recv(&mut self, fd: RawFd) -> io::Result<usize> {
        self.received.clear();
        let mut slices: Vec<[IoSliceMut<'_>; 1]> =
            self.buffers.iter_mut().map(|b| [IoSliceMut::new(b)]).collect();
        let mut headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
        let results = recvmmsg(fd, &mut headers, slices.iter_mut(), MsgFlags::MSG_DONTWAIT, None)
            .map_err(io::Error::from)?;
        for message in results {
            // A datagram without a usable source address cannot be answered: skip it.
            let Some(source) = message.address.and_then(|a| to_socket_addr(&a)) else {
                self.received.push((0, SocketAddr::from(([0, 0, 0, 0], 0))));
                continue;
            };
            self.received.push((message.bytes, source));
        }
        Ok(self.received.len())
    }

    /// The `i`th datagram of the last call (empty if it had no source address).
    pub fn datagram(&self, i: usize) -> Option<(&[u8], SocketAddr)> {
        let (len, source) = *self.received.get(i)?;
        let bytes = self.buffers.get(i)?.get(..len)?;
        (!bytes.is_empty()).then_some((bytes, source))
    }
}

/// Destination addresses for `sendmmsg` (kept between calls).
#[derive(Default)]
pub struct SendBatch {
    addresses: Vec<Option<SockaddrStorage>>,
}

/// The outcome of one `sendmmsg` call.
pub enum Sent {
    /// This many datagrams from the front were sent.
    Some(usize),
    /// The socket's buffer is full: wait until it is writable.
    WouldBlock,
    /// The first datagram was refused (unreachable, too big, no kernel buffer, …): skip it.
    Refused(io::Error),
}

impl SendBatch {
    /// Sends the datagrams at the front of `transmits` (up to `BATCH`) in one call.
    pub fn send(&mut self, fd: RawFd, transmits: &[Transmit]) -> Sent {
        let transmits = &transmits[..transmits.len().min(BATCH)];
        if transmits.is_empty() {
            return Sent::Some(0);
        }
        self.addresses.clear();
        self.addresses.extend(transmits.iter().map(|t| Some(SockaddrStorage::from(t.destination))));
        let slices: Vec<[IoSlice<'_>; 1]> =
            transmits.iter().map(|t| [IoSlice::new(&t.contents)]).collect();
        let no_cmsgs: [ControlMessage<'_>; 0] = [];
        let mut headers = MultiHeaders::<SockaddrStorage>::preallocate(transmits.len(), None);
        match sendmmsg(fd, &mut headers, &slices, &self.addresses, no_cmsgs, MsgFlags::empty()) {
            Ok(results) => Sent::Some(results.count()),
            Err(Errno::EAGAIN) => Sent::WouldBlock,
            Err(Errno::EINTR) => Sent::Some(0), // interrupted before sending: try again
            Err(error) => Sent::Refused(io::Error::from(error)),
        }
    }
}

fn to_socket_addr(address: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = address.as_sockaddr_in() {
        return Some(SocketAddr::from(std::net::SocketAddrV4::from(*v4)));
    }
    address.as_sockaddr_in6().map(|v6| SocketAddr::from(std::net::SocketAddrV6::from(*v6)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;
    use std::os::fd::AsRawFd;
    use str0m::net::Protocol;

    #[test]
    fn a_batch_goes_out_in_one_call_and_comes_in_in_one_call() {
        let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        let (to, from) = (receiver.local_addr().unwrap(), sender.local_addr().unwrap());
        let transmits: Vec<Transmit> = (0..5u8)
            .map(|i| Transmit {
                proto: Protocol::Udp,
                source: from,
                destination: to,
                contents: vec![i; 100 + usize::from(i)].into(),
            })
            .collect();
        let mut send = SendBatch::default();
        assert!(matches!(send.send(sender.as_raw_fd(), &transmits), Sent::Some(5)));
        std::thread::sleep(std::time::Duration::from_millis(50));
        let mut recv = RecvBatch::default();
        assert_eq!(recv.recv(receiver.as_raw_fd()).unwrap(), 5);
        for i in 0..5u8 {
            let (bytes, source) = recv.datagram(usize::from(i)).unwrap();
            assert_eq!(source, from);
            assert_eq!(bytes, vec![i; 100 + usize::from(i)].as_slice());
        }
        // Nothing more is waiting: the call does not block.
        let error = recv.recv(receiver.as_raw_fd()).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::WouldBlock);
    }

    #[test]
    fn an_unreachable_destination_is_refused_not_retried() {
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        let from = sender.local_addr().unwrap();
        // An IPv6 destination from an IPv4 socket cannot be sent to.
        let transmits = vec![Transmit {
            proto: Protocol::Udp,
            source: from,
            destination: "[::1]:9".parse().unwrap(),
            contents: vec![1; 10].into(),
        }];
        assert!(matches!(
            SendBatch::default().send(sender.as_raw_fd(), &transmits),
            Sent::Refused(_)
        ));
    }
}
