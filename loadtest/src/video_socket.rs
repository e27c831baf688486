//! Receiving with the kernel's arrival time. The engine (`video_engine`) wakes once per tick
//! (1 ms) instead of once per datagram — a context switch costs this VM more than handling a
//! packet — so a datagram may wait up to a tick in its socket. For the peers that measure
//! latency the socket has `SO_TIMESTAMPNS` on, and the arrival instant is taken from the kernel's
//! receive time (wall clock): now − (wall clock now − kernel time), both wall clock readings a
//! few microseconds apart, so clock slewing does not matter.

use std::io::{self, IoSliceMut};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nix::sys::socket::{
    ControlMessageOwned, MsgFlags, SockaddrStorage, recvmsg, setsockopt, sockopt,
};
use nix::sys::time::TimeSpec;

/// Asks the kernel to stamp every datagram with its arrival time.
pub fn enable_timestamps(socket: &UdpSocket) -> Result<(), String> {
    setsockopt(socket, sockopt::ReceiveTimestampns, &true).map_err(|e| e.to_string())
}

/// A control message buffer big enough for one timestamp.
pub fn cmsg_buffer() -> Vec<u8> {
    nix::cmsg_space!(TimeSpec)
}

/// Receives one datagram: (length, source, arrival instant).
pub fn recv_stamped(
    socket: &UdpSocket,
    buf: &mut [u8],
    cmsg: &mut [u8],
) -> io::Result<(usize, SocketAddr, Instant)> {
    let mut iov = [IoSliceMut::new(buf)];
    let message = recvmsg::<SockaddrStorage>(
        socket.as_raw_fd(),
        &mut iov,
        Some(cmsg),
        MsgFlags::MSG_DONTWAIT,
    )
    .map_err(io::Error::from)?;
    let now = Instant::now();
    let source = message
        .address
        .and_then(|a| {
            a.as_sockaddr_in().map(|v4| SocketAddr::from(std::net::SocketAddrV4::from(*v4)))
        })
        .ok_or_else(|| io::Error::other("no IPv4 source"))?;
    let mut arrived = now;
    if let Ok(cmsgs) = message.cmsgs() {
        for cmsg in cmsgs {
            if let ControlMessageOwned::ScmTimestampns(stamp) = cmsg {
                arrived = now.checked_sub(age(stamp)).unwrap_or(now);
            }
        }
    }
    Ok((message.bytes, source, arrived))
}

/// How long ago (wall clock) the kernel stamped a datagram.
fn age(stamp: TimeSpec) -> Duration {
    let stamped = Duration::new(
        u64::try_from(stamp.tv_sec()).unwrap_or(0),
        u32::try_from(stamp.tv_nsec()).unwrap_or(0),
    );
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    now.saturating_sub(stamped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamped_datagram_arrived_before_it_was_read() {
        let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
        enable_timestamps(&receiver).unwrap();
        // The kernel switches receive timestamps on for everyone from a work queue: until then a
        // datagram is stamped when it is read.
        std::thread::sleep(Duration::from_millis(100));
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        let sent = Instant::now();
        sender.send_to(b"hello", receiver.local_addr().unwrap()).unwrap();
        std::thread::sleep(Duration::from_millis(30));
        let mut buf = [0u8; 64];
        let mut cmsg = cmsg_buffer();
        let (len, source, arrived) = recv_stamped(&receiver, &mut buf, &mut cmsg).unwrap();
        assert_eq!(&buf[..len], b"hello");
        assert_eq!(source, sender.local_addr().unwrap());
        let read = Instant::now();
        assert!(read.duration_since(arrived) >= Duration::from_millis(25), "{arrived:?}");
        assert!(arrived.duration_since(sent) < Duration::from_millis(10));
        let error = recv_stamped(&receiver, &mut buf, &mut cmsg).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::WouldBlock);
    }
}
