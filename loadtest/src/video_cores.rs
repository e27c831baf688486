//! Per-core CPU use from `/proc/stat` for the video benchmark. The server is pinned to core 0 and
//! the generator to core 1, so a core's busy share minus the pinned process's own share is work
//! of other processes (a compiler on this shared machine) or kernel work charged to nobody
//! (softirq time when the kernel accounts IRQ time separately): a step with much of it is marked
//! `noisy`. The softirq share is reported too, since packet delivery on loopback and veth runs
//! there. The UDP counters of a network namespace (`/proc/<pid>/net/snmp`) show datagrams dropped
//! because a socket's receive buffer was full — at the server or at the generator.

use serde::Serialize;

/// Jiffies of one core: (busy, softirq, total).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Jiffies {
    busy: u64,
    softirq: u64,
    total: u64,
}

/// A sample of every core.
#[derive(Clone, Debug, Default)]
pub struct CoreSample(Vec<Jiffies>);

/// One core's shares over a window.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct CoreShare {
    pub busy: f64,
    pub softirq: f64,
}

fn parse(stat: &str) -> CoreSample {
    let mut cores = Vec::new();
    for line in stat.lines() {
        let Some(rest) = line.strip_prefix("cpu") else { continue };
        if rest.starts_with(' ') {
            continue; // the all-cores line
        }
        let fields: Vec<u64> =
            rest.split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
        // user nice system idle iowait irq softirq steal …
        let total: u64 = fields.iter().take(8).sum();
        let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
        let softirq = fields.get(6).copied().unwrap_or(0);
        cores.push(Jiffies { busy: total.saturating_sub(idle), softirq, total });
    }
    CoreSample(cores)
}

pub fn sample() -> CoreSample {
    std::fs::read_to_string("/proc/stat").map(|text| parse(&text)).unwrap_or_default()
}

/// Shares of each core between two samples.
pub fn shares(before: &CoreSample, after: &CoreSample) -> Vec<CoreShare> {
    before
        .0
        .iter()
        .zip(&after.0)
        .map(|(a, b)| {
            let total = b.total.saturating_sub(a.total).max(1) as f64;
            CoreShare {
                busy: crate::report::round3(b.busy.saturating_sub(a.busy) as f64 / total),
                softirq: crate::report::round3(b.softirq.saturating_sub(a.softirq) as f64 / total),
            }
        })
        .collect()
}

/// `Udp:` counters of the network namespace `/proc/<dir>` lives in (`self` or a PID).
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct UdpCounters {
    pub in_datagrams: u64,
    pub rcvbuf_errors: u64,
    pub sndbuf_errors: u64,
}

fn parse_udp(snmp: &str) -> Option<UdpCounters> {
    let mut lines = snmp.lines().filter(|line| line.starts_with("Udp:"));
    let names: Vec<&str> = lines.next()?.split_whitespace().collect();
    let values: Vec<&str> = lines.next()?.split_whitespace().collect();
    let get = |name: &str| {
        let at = names.iter().position(|n| *n == name)?;
        values.get(at)?.parse::<u64>().ok()
    };
    Some(UdpCounters {
        in_datagrams: get("InDatagrams")?,
        rcvbuf_errors: get("RcvbufErrors")?,
        sndbuf_errors: get("SndbufErrors")?,
    })
}

/// The UDP counters seen by process `pid` (`None`: this process).
pub fn udp_counters(pid: Option<u32>) -> Option<UdpCounters> {
    let dir = pid.map_or_else(|| "self".to_owned(), |pid| pid.to_string());
    parse_udp(&std::fs::read_to_string(format!("/proc/{dir}/net/snmp")).ok()?)
}

/// Counter increments between two readings.
pub fn udp_delta(before: Option<UdpCounters>, after: Option<UdpCounters>) -> Option<UdpCounters> {
    let (b, a) = (before?, after?);
    Some(UdpCounters {
        in_datagrams: a.in_datagrams.saturating_sub(b.in_datagrams),
        rcvbuf_errors: a.rcvbuf_errors.saturating_sub(b.rcvbuf_errors),
        sndbuf_errors: a.sndbuf_errors.saturating_sub(b.sndbuf_errors),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_per_core() {
        let before =
            parse("cpu  1 1 1 1 1 1 1 1\ncpu0 10 0 10 80 0 0 0 0 0 0\ncpu1 0 0 0 100 0 0 0 0\n");
        let after =
            parse("cpu  1 1 1 1 1 1 1 1\ncpu0 40 0 20 120 0 0 20 0 0 0\ncpu1 50 0 0 150 0 0 0 0\n");
        let shares = shares(&before, &after);
        assert_eq!(shares.len(), 2);
        assert_eq!(shares[0], CoreShare { busy: 0.6, softirq: 0.2 });
        assert_eq!(shares[1], CoreShare { busy: 0.5, softirq: 0.0 });
    }

    #[test]
    fn udp_counters_are_read_by_name() {
        let snmp = "Tcp: A B\nTcp: 1 2\nUdp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors\nUdp: 100 1 7 50 7 2\nUdpLite: InDatagrams RcvbufErrors\nUdpLite: 0 0\n";
        let counters = parse_udp(snmp).unwrap();
        assert_eq!(counters, UdpCounters { in_datagrams: 100, rcvbuf_errors: 7, sndbuf_errors: 2 });
        assert!(udp_counters(None).is_some());
    }
}
