//! Login throttling as a sans-IO state machine: it is fed the time and the outcome of each attempt
//! and answers whether another attempt is allowed. Failures are counted per account and per client
//! IP address in a sliding window. (Per process: with several nodes each counts on its own.)

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;

/// Limits for one kind of key.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max_failures: usize,
    pub window_ms: i64,
}

/// The throttle's rules.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleRules {
    pub per_account: Limit,
    pub per_ip: Limit,
}

impl Default for ThrottleRules {
    fn default() -> Self {
        let window_ms = 15 * 60 * 1000;
        Self {
            per_account: Limit { max_failures: 5, window_ms },
            per_ip: Limit { max_failures: 20, window_ms },
        }
    }
}

/// Failure times per key within the window.
#[derive(Debug)]
struct Window<K> {
    limit: Limit,
    failures: HashMap<K, VecDeque<i64>>,
}

impl<K: Hash + Eq + Clone> Window<K> {
    fn new(limit: Limit) -> Self {
        Self { limit, failures: HashMap::new() }
    }

    /// Milliseconds until `key` may try again, or `None` if it may now.
    fn blocked_for(&mut self, now_ms: i64, key: &K) -> Option<i64> {
        let times = self.failures.get_mut(key)?;
        while times.front().is_some_and(|t| *t + self.limit.window_ms <= now_ms) {
            times.pop_front();
        }
        if times.is_empty() {
            self.failures.remove(key);
            return None;
        }
        if times.len() < self.limit.max_failures {
            return None;
        }
        // Allowed again when enough old failures have left the window.
        let index = times.len() - self.limit.max_failures;
        times.get(index).map(|t| t + self.limit.window_ms - now_ms)
    }

    fn record(&mut self, now_ms: i64, key: K) {
        self.failures.entry(key).or_default().push_back(now_ms);
    }

    fn forget(&mut self, key: &K) {
        self.failures.remove(key);
    }

    /// Drops keys whose failures all left the window, to bound memory.
    fn prune(&mut self, now_ms: i64) {
        let window = self.limit.window_ms;
        self.failures.retain(|_, times| times.back().is_some_and(|t| t + window > now_ms));
    }
}

/// Counts failed logins and refuses attempts over the limits.
#[derive(Debug)]
pub struct LoginThrottle {
    accounts: Window<String>,
    ips: Window<IpAddr>,
    attempts_since_prune: u32,
}

impl LoginThrottle {
    pub fn new(rules: ThrottleRules) -> Self {
        Self {
            accounts: Window::new(rules.per_account),
            ips: Window::new(rules.per_ip),
            attempts_since_prune: 0,
        }
    }

    /// `Err(ms)` when an attempt for this account or from this IP must wait `ms` milliseconds.
    pub fn check(&mut self, now_ms: i64, account: &str, ip: IpAddr) -> Result<(), i64> {
        self.attempts_since_prune += 1;
        if self.attempts_since_prune >= 1024 {
            self.accounts.prune(now_ms);
            self.ips.prune(now_ms);
            self.attempts_since_prune = 0;
        }
        let account_wait = self.accounts.blocked_for(now_ms, &account.to_owned());
        let ip_wait = self.ips.blocked_for(now_ms, &ip);
        match account_wait.max(ip_wait) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    pub fn record_failure(&mut self, now_ms: i64, account: &str, ip: IpAddr) {
        self.accounts.record(now_ms, account.to_owned());
        self.ips.record(now_ms, ip);
    }

    /// A successful login clears the account's failures (not the IP's: one good password must
    /// not reset an address that is guessing many accounts).
    pub fn record_success(&mut self, account: &str) {
        self.accounts.forget(&account.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const MINUTE: i64 = 60_000;

    #[test]
    fn account_is_blocked_after_five_failures_until_the_window_passes() {
        let mut throttle = LoginThrottle::new(ThrottleRules::default());
        for i in 0..5 {
            assert!(throttle.check(i * MINUTE, "anna", IP).is_ok());
            throttle.record_failure(i * MINUTE, "anna", IP);
        }
        let wait = throttle.check(5 * MINUTE, "anna", IP).unwrap_err();
        assert_eq!(wait, 10 * MINUTE);
        assert!(throttle.check(5 * MINUTE, "ben", IP).is_ok(), "other accounts are not blocked");
        assert!(
            throttle.check(15 * MINUTE, "anna", IP).is_ok(),
            "the oldest failure left the window"
        );
    }

    #[test]
    fn ip_is_blocked_after_twenty_failures_across_accounts() {
        let mut throttle = LoginThrottle::new(ThrottleRules::default());
        for i in 0..20 {
            throttle.record_failure(1000 + i, &format!("user{i}"), IP);
        }
        assert!(throttle.check(2000, "someone-new", IP).is_err());
        let other_ip = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));
        assert!(throttle.check(2000, "someone-new", other_ip).is_ok());
    }

    #[test]
    fn success_clears_the_account() {
        let mut throttle = LoginThrottle::new(ThrottleRules::default());
        for i in 0..4 {
            throttle.record_failure(i, "anna", IP);
        }
        throttle.record_success("anna");
        throttle.record_failure(10, "anna", IP);
        assert!(throttle.check(11, "anna", IP).is_ok());
    }
}
