//! Resident memory and CPU time of a process, read from `/proc/<pid>/status` and
//! `/proc/<pid>/stat` (Linux). The generator samples the server (given `--server-pid`) and itself:
//! server CPU-seconds per 1,000 deliveries is the most noise-proof efficiency figure, and the
//! generator's own CPU share shows when a round measured the generator instead of the server.

/// Clock ticks per second of `/proc/<pid>/stat` (USER_HZ; 100 on every Linux this runs on).
const TICKS_PER_SECOND: f64 = 100.0;

/// Which process: a PID or this process.
#[derive(Clone, Copy, Debug)]
pub enum Process {
    Pid(u32),
    Myself,
}

impl Process {
    fn dir(self) -> String {
        match self {
            Process::Pid(pid) => format!("/proc/{pid}"),
            Process::Myself => "/proc/self".to_owned(),
        }
    }

    /// Resident set size in bytes.
    pub fn rss_bytes(self) -> Result<u64, String> {
        let path = format!("{}/status", self.dir());
        let text = std::fs::read_to_string(&path).map_err(|error| format!("{path}: {error}"))?;
        parse_vm_rss(&text).ok_or_else(|| format!("{path}: no VmRSS line"))
    }

    /// Voluntary plus involuntary context switches of all the process's threads (a thread that
    /// hands work to another, e.g. to a database worker thread, pays two per hand-off).
    pub fn context_switches(self) -> Result<u64, String> {
        let dir = format!("{}/task", self.dir());
        let entries = std::fs::read_dir(&dir).map_err(|error| format!("{dir}: {error}"))?;
        let mut total = 0;
        for entry in entries.flatten() {
            // A thread may end between listing and reading.
            if let Ok(text) = std::fs::read_to_string(entry.path().join("status")) {
                total += parse_context_switches(&text);
            }
        }
        Ok(total)
    }

    /// User plus system CPU time in seconds.
    pub fn cpu_seconds(self) -> Result<f64, String> {
        let path = format!("{}/stat", self.dir());
        let text = std::fs::read_to_string(&path).map_err(|error| format!("{path}: {error}"))?;
        parse_cpu_ticks(&text)
            .map(|ticks| ticks as f64 / TICKS_PER_SECOND)
            .ok_or_else(|| format!("{path}: unexpected format"))
    }
}

/// `VmRSS:    12345 kB` → bytes.
fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}

/// `voluntary_ctxt_switches` + `nonvoluntary_ctxt_switches` of a status file.
fn parse_context_switches(status: &str) -> u64 {
    status
        .lines()
        .filter(|line| line.contains("ctxt_switches:"))
        .filter_map(|line| line.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum()
}

/// utime + stime (fields 14 and 15) from `/proc/<pid>/stat`; the command name (field 2) may hold
/// spaces and parentheses, so counting starts after its last `)`.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // After the name, field 3 (state) is index 0, so field 14 is index 11.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// A sample of a process's CPU time, RSS and context switches (0 when unreadable).
#[derive(Clone, Copy, Debug, Default)]
pub struct Sample {
    pub cpu_seconds: f64,
    pub rss_bytes: u64,
    pub context_switches: u64,
}

/// Samples a process; `None` when it cannot be read (e.g. no `--server-pid`).
pub fn sample(process: Option<Process>) -> Option<Sample> {
    let process = process?;
    Some(Sample {
        cpu_seconds: process.cpu_seconds().ok()?,
        rss_bytes: process.rss_bytes().ok()?,
        context_switches: process.context_switches().unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_and_stat() {
        let status = "Name:\tschulhof\nVmPeak:\t 9000 kB\nVmRSS:\t   20480 kB\nThreads:\t2\n";
        assert_eq!(parse_vm_rss(status), Some(20480 * 1024));
        let stat = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0";
        assert_eq!(parse_cpu_ticks(stat), Some(300));
        assert_eq!(parse_cpu_ticks("garbage"), None);
        let status = "Name:\tx\nvoluntary_ctxt_switches:\t40\nnonvoluntary_ctxt_switches:\t2\n";
        assert_eq!(parse_context_switches(status), 42);
    }

    #[test]
    fn reads_this_process() {
        assert!(Process::Myself.rss_bytes().unwrap() > 0);
        assert!(Process::Myself.cpu_seconds().unwrap() >= 0.0);
        assert!(Process::Myself.context_switches().unwrap() > 0);
        assert!(sample(Some(Process::Myself)).is_some());
        assert!(sample(None).is_none());
    }
}
