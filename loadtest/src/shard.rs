//! Sharding the load over several generator processes. A process may hold at most 19,000 sockets
//! (the machine allows 20,000 file descriptors per process), so a large run is split by whole
//! classes: `--shard I/N` takes the I-th of N contiguous slices. Whole classes keep every
//! publisher and every receiver of a topic in one process, so latencies need no shared clock.

use std::ops::Range;

/// Sockets one generator process may open (WebSockets plus HTTP connections plus a margin).
pub const MAX_SOCKETS_PER_PROCESS: usize = 19_000;

/// The I-th (from 0) of N slices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Parses `I/N` with `0 <= I < N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (index, count) = text
            .split_once('/')
            .ok_or_else(|| format!("shard {text:?}: expected I/N, e.g. 0/3"))?;
        let index: usize =
            index.trim().parse().map_err(|_| format!("shard {text:?}: I is not a number"))?;
        let count: usize =
            count.trim().parse().map_err(|_| format!("shard {text:?}: N is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!("shard {text:?}: need 0 <= I < N"));
        }
        Ok(Shard { index, count })
    }

    /// This shard's slice of `total` items: contiguous, sizes differ by at most one, and the
    /// slices of all shards cover `0..total` exactly once.
    pub fn slice(self, total: usize) -> Range<usize> {
        let base = total / self.count;
        let extra = total % self.count;
        let start = self.index * base + self.index.min(extra);
        let len = base + usize::from(self.index < extra);
        start..start + len
    }
}

/// Refuses a plan that would need more sockets than one process may hold.
pub fn check_socket_budget(websockets: usize, http_connections: usize) -> Result<(), String> {
    let needed = websockets + http_connections + 64;
    if needed > MAX_SOCKETS_PER_PROCESS {
        return Err(format!(
            "{websockets} WebSockets + {http_connections} HTTP connections exceed the \
             {MAX_SOCKETS_PER_PROCESS} sockets one process may hold: shard with --shard I/N \
             (e.g. {} processes) and bind each to its own --bind-ip 127.0.0.X",
            needed.div_ceil(MAX_SOCKETS_PER_PROCESS - http_connections - 64).max(2)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_valid_and_refuses_invalid() {
        assert_eq!(Shard::parse("1/3"), Ok(Shard { index: 1, count: 3 }));
        assert!(Shard::parse("3/3").is_err());
        assert!(Shard::parse("0/0").is_err());
        assert!(Shard::parse("x/2").is_err());
        assert!(Shard::parse("2").is_err());
    }

    #[test]
    fn slices_cover_everything_once() {
        for total in [0, 1, 7, 10, 31, 650] {
            for count in 1..=7 {
                let mut covered = Vec::new();
                for index in 0..count {
                    let slice = Shard { index, count }.slice(total);
                    assert!(slice.len() >= total / count && slice.len() <= total / count + 1);
                    covered.extend(slice);
                }
                assert_eq!(covered, (0..total).collect::<Vec<_>>(), "{total} {count}");
            }
        }
        assert_eq!(Shard::WHOLE.slice(5), 0..5);
    }

    #[test]
    fn the_socket_budget_is_enforced() {
        assert!(check_socket_budget(18_000, 256).is_ok());
        let error = check_socket_budget(20_000 * 31 / 31, 256).unwrap_err();
        assert!(error.contains("--shard"), "{error}");
    }
}
