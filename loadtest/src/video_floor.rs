//! `udp-floor`: the physical floor of forwarding on this box — what the kernel alone costs to send
//! one 1,200-byte UDP datagram, with `sendmmsg` batches (the cheapest way an SFU can send; on a
//! loopback or veth path the sender's CPU also pays for the delivery into the receiving socket).
//! `send` blasts datagrams at `--to` for `--duration-s` (all at once, or `--rate` per second in
//! 1 ms slices) and reports its own CPU time per datagram; `sink` drains a socket and counts, so
//! the receiving side stays on the other core. The video benchmark states its µs per forwarded
//! packet next to this number.

use std::io::{ErrorKind, IoSlice};
use std::net::{SocketAddr, SocketAddrV4, UdpSocket};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use nix::sys::socket::{ControlMessage, MsgFlags, MultiHeaders, SockaddrIn, sendmmsg};
use serde_json::json;

use crate::procstat::Process;
use crate::report::{emit, round3};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FloorMode {
    Send,
    Sink,
}

/// The `udp-floor` subcommand's options.
#[derive(Debug, clap::Args)]
pub struct FloorOptions {
    #[arg(long, value_enum)]
    pub mode: FloorMode,
    /// send: local address (port 0 = any); sink: the address to listen on.
    #[arg(long)]
    pub bind: SocketAddrV4,
    /// send: where to.
    #[arg(long)]
    pub to: Option<SocketAddrV4>,
    #[arg(long, default_value_t = 1200)]
    pub size: usize,
    /// Datagrams per `sendmmsg` call.
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    /// Datagrams per second (0: as fast as possible).
    #[arg(long, default_value_t = 0)]
    pub rate: u64,
    #[arg(long, default_value_t = 5.0)]
    pub duration_s: f64,
}

pub fn run_floor(options: &FloorOptions) -> Result<(), String> {
    match options.mode {
        FloorMode::Send => send(options),
        FloorMode::Sink => sink(options),
    }
}

fn send(options: &FloorOptions) -> Result<(), String> {
    let to = options.to.ok_or("--to is needed for send")?;
    let socket = UdpSocket::bind(options.bind).map_err(|e| e.to_string())?;
    let batch = options.batch.clamp(1, 1024);
    let payload = vec![0x5a_u8; options.size];
    let slices: Vec<[IoSlice<'_>; 1]> = (0..batch).map(|_| [IoSlice::new(&payload)]).collect();
    let addrs: Vec<Option<SockaddrIn>> = vec![Some(SockaddrIn::from(to)); batch];
    let mut headers = MultiHeaders::<SockaddrIn>::preallocate(batch, None);
    let no_cmsgs: [ControlMessage<'_>; 0] = [];
    let cpu_before = Process::Myself.cpu_seconds()?;
    let started = Instant::now();
    let duration = Duration::from_secs_f64(options.duration_s);
    let mut sent = 0_u64;
    let mut errors = 0_u64;
    let slice = Duration::from_millis(1);
    let per_slice = options.rate.div_ceil(1000).max(1);
    let mut next_slice = started;
    while started.elapsed() < duration {
        let mut budget = if options.rate == 0 { batch as u64 } else { per_slice };
        while budget > 0 {
            let count = budget.min(batch as u64) as usize;
            match sendmmsg(
                socket.as_raw_fd(),
                &mut headers,
                &slices[..count],
                &addrs[..count],
                no_cmsgs,
                MsgFlags::empty(),
            ) {
                Ok(results) => sent += results.count() as u64,
                Err(nix::errno::Errno::EAGAIN | nix::errno::Errno::ENOBUFS) => errors += 1,
                Err(error) => return Err(error.to_string()),
            }
            budget -= count as u64;
        }
        if options.rate > 0 {
            next_slice += slice;
            if let Some(wait) = next_slice.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = Process::Myself.cpu_seconds()? - cpu_before;
    emit(&json!({
        "kind": "udp_floor",
        "size": options.size,
        "batch": batch,
        "rate": options.rate,
        "sent": sent,
        "send_errors": errors,
        "pps": round3(sent as f64 / elapsed),
        "cpu_share": round3(cpu / elapsed),
        "cpu_us_per_packet": if sent > 0 { Some(round3(cpu * 1e6 / sent as f64)) } else { None },
    }))
}

fn sink(options: &FloorOptions) -> Result<(), String> {
    let socket = UdpSocket::bind(options.bind).map_err(|e| e.to_string())?;
    socket.set_read_timeout(Some(Duration::from_millis(200))).map_err(|e| e.to_string())?;
    let mut buf = vec![0_u8; 2048];
    let mut received = 0_u64;
    let mut first: Option<Instant> = None;
    let mut last = Instant::now();
    let deadline = Instant::now() + Duration::from_secs_f64(options.duration_s);
    while Instant::now() < deadline {
        match socket.recv_from(&mut buf) {
            Ok((_, _from)) => {
                received += 1;
                last = Instant::now();
                first.get_or_insert(last);
            }
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(error) => return Err(error.to_string()),
        }
    }
    let span = first.map(|f| last.duration_since(f).as_secs_f64()).unwrap_or(0.0);
    let local: SocketAddr = socket.local_addr().map_err(|e| e.to_string())?;
    emit(&json!({
        "kind": "udp_floor_sink",
        "bind": local.to_string(),
        "received": received,
        "pps": if span > 0.0 { round3(received as f64 / span) } else { 0.0 },
    }))
}
