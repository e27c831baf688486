//! Per-core CPU use from `/proc/stat` for the video benchmark. The server is pinned to core 0 and
//! the generator to core 1, so a core's busy share minus the pinned process's own share is work
//! of other processes (a compiler on this shared machine) or kernel work charged to nobody
//! (softirq time when the kernel accounts IRQ time separately): a step with much of it is marked
//! `noisy`. The softirq share is reported too, since packet delivery on loopback and veth runs
//! there.

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
}
