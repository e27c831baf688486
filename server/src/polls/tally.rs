//! The quick polls' rules as pure functions and small state machines, tested without a database
//! or socket: poll validation, vote normalisation (single/multiple choice), counting, ballot keys
//! (anonymity), who sees results, and the coalescer that limits live result broadcasts.

use sha2::{Digest, Sha256};

use schulhof_proto::{PollId, PollState, UserId};

pub const MAX_QUESTION_CHARS: usize = 500;
pub const MAX_OPTION_CHARS: usize = 200;
pub const MIN_OPTIONS: usize = 2;
pub const MAX_OPTIONS: usize = 10;
pub const MIN_DURATION_SECONDS: u32 = 10;
pub const MAX_DURATION_SECONDS: u32 = 24 * 3600;
/// Live results go out at most this often per poll (when the node is not busy).
pub const RESULTS_INTERVAL_MS: i64 = 100;
/// The longest interval between live results of one poll, however busy the node is.
pub const MAX_RESULTS_INTERVAL_MS: i64 = 2000;
/// Result broadcasts per second a node aims to stay under (each reaches a class of ~30): above it
/// every poll's interval stretches in proportion.
pub const BROADCAST_BUDGET_PER_S: i64 = 400;

/// A poll's question and options after validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollSpec {
    pub question: String,
    pub options: Vec<String>,
    pub duration_seconds: Option<u32>,
}

/// Why a poll is refused: the field and the English and German message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpecProblem {
    pub field: &'static str,
    pub message: &'static str,
    pub message_de: &'static str,
}

const fn problem(field: &'static str, message: &'static str, de: &'static str) -> SpecProblem {
    SpecProblem { field, message, message_de: de }
}

/// Trims and checks a poll's question, options (2–10, distinct, 1–200 characters) and countdown.
pub fn poll_spec(
    question: &str,
    options: &[String],
    duration_seconds: Option<u32>,
) -> Result<PollSpec, SpecProblem> {
    let question = question.trim();
    if question.is_empty() || question.chars().count() > MAX_QUESTION_CHARS {
        return Err(problem(
            "question",
            "The question needs 1 to 500 characters.",
            "Die Frage braucht 1 bis 500 Zeichen.",
        ));
    }
    if !(MIN_OPTIONS..=MAX_OPTIONS).contains(&options.len()) {
        return Err(problem(
            "options",
            "A poll needs 2 to 10 options.",
            "Eine Umfrage braucht 2 bis 10 Antworten.",
        ));
    }
    let mut cleaned: Vec<String> = Vec::with_capacity(options.len());
    for option in options {
        let option = option.trim();
        if option.is_empty() || option.chars().count() > MAX_OPTION_CHARS || option.contains('\n') {
            return Err(problem(
                "options",
                "Each option needs 1 to 200 characters on one line.",
                "Jede Antwort braucht 1 bis 200 Zeichen in einer Zeile.",
            ));
        }
        if cleaned.iter().any(|o| o.eq_ignore_ascii_case(option)) {
            return Err(problem(
                "options",
                "The options must differ.",
                "Die Antworten müssen sich unterscheiden.",
            ));
        }
        cleaned.push(option.to_owned());
    }
    if let Some(seconds) = duration_seconds
        && !(MIN_DURATION_SECONDS..=MAX_DURATION_SECONDS).contains(&seconds)
    {
        return Err(problem(
            "duration_seconds",
            "The countdown must be between 10 seconds and 24 hours.",
            "Der Countdown muss zwischen 10 Sekunden und 24 Stunden liegen.",
        ));
    }
    Ok(PollSpec { question: question.to_owned(), options: cleaned, duration_seconds })
}

/// The choices do not fit the poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidVote;

/// Checks a vote: single choice needs exactly one option; multiple choice one or more distinct
/// options; every index names an option. Returns the indexes in ascending order.
pub fn normalize_vote(
    multiple: bool,
    option_count: usize,
    choices: &[u8],
) -> Result<Vec<u8>, InvalidVote> {
    let mut sorted = choices.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let valid = !sorted.is_empty()
        && sorted.len() == choices.len()
        && sorted.iter().all(|&c| usize::from(c) < option_count)
        && (multiple || sorted.len() == 1);
    if valid { Ok(sorted) } else { Err(InvalidVote) }
}

/// The stored form of a vote: `"0,2"`.
pub fn encode_choices(choices: &[u8]) -> String {
    choices.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
}

/// Reads a stored vote; `None` for corrupt text.
pub fn decode_choices(text: &str) -> Option<Vec<u8>> {
    text.split(',').map(|c| c.parse().ok()).collect()
}

/// Counts ballots: votes per option and the number of voters.
pub fn count<'a>(
    option_count: usize,
    ballots: impl IntoIterator<Item = &'a [u8]>,
) -> (Vec<u64>, u64) {
    let mut counts = vec![0u64; option_count];
    let mut voters = 0;
    for ballot in ballots {
        voters += 1;
        for &choice in ballot {
            if let Some(slot) = counts.get_mut(usize::from(choice)) {
                *slot += 1;
            }
        }
    }
    (counts, voters)
}

/// The key a ballot is stored under. Named polls: the user's ID. Anonymous polls: a SHA-256 of the
/// poll's secret salt, the poll and the user — the same voter finds their ballot again (to change
/// it) while the poll is open, and once the salt is erased at closing nobody can link a ballot to
/// a person.
pub fn ballot_key(salt: Option<&str>, poll: PollId, user: UserId) -> String {
    match salt {
        None => user.to_string(),
        Some(salt) => {
            let digest = Sha256::new()
                .chain_update(salt.as_bytes())
                .chain_update(poll.0.as_bytes())
                .chain_update(user.0.as_bytes())
                .finalize();
            digest.iter().map(|b| format!("{b:02x}")).collect()
        }
    }
}

/// May this viewer see the counts? Always once closed; while open, unless the owner hides them
/// from everyone else.
pub fn counts_visible(hide_results: bool, state: PollState, viewer_is_owner: bool) -> bool {
    !hide_results || viewer_is_owner || state == PollState::Closed
}

/// What the driver should do about a poll whose results changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Broadcast {
    /// Send the current results now.
    Now,
    /// Send them at this time (arm a timer).
    At(i64),
    /// A send is already scheduled; it will carry this change too.
    Pending,
}

/// Limits live result broadcasts of one poll to one per `interval_ms`: the first change after a
/// quiet period goes out at once, later ones are gathered into one broadcast at the end of the
/// interval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coalescer {
    interval_ms: i64,
    last_sent_ms: Option<i64>,
    scheduled: bool,
}

impl Coalescer {
    pub fn new(interval_ms: i64) -> Self {
        Self { interval_ms, last_sent_ms: None, scheduled: false }
    }

    /// Sets the interval for the next decisions (see `BroadcastGovernor`).
    pub fn set_interval(&mut self, interval_ms: i64) {
        self.interval_ms = interval_ms;
    }

    /// The results changed at `now_ms`.
    pub fn changed(&mut self, now_ms: i64) -> Broadcast {
        if self.scheduled {
            return Broadcast::Pending;
        }
        match self.last_sent_ms {
            Some(last) if now_ms < last + self.interval_ms => {
                self.scheduled = true;
                Broadcast::At(last + self.interval_ms)
            }
            _ => {
                self.last_sent_ms = Some(now_ms);
                Broadcast::Now
            }
        }
    }

    /// The timer armed by `Broadcast::At` fired: send now.
    pub fn fired(&mut self, now_ms: i64) {
        self.scheduled = false;
        self.last_sent_ms = Some(now_ms);
    }

    /// No broadcast has gone out for a whole interval and none is scheduled: the state can go.
    pub fn is_idle(&self, now_ms: i64) -> bool {
        !self.scheduled && self.last_sent_ms.is_none_or(|last| now_ms >= last + self.interval_ms)
    }
}

/// Stretches the per-poll interval while the whole node broadcasts more than its budget (a whole
/// school voting at once): once a second the interval is scaled by broadcasts / budget (up to
/// `MAX_RESULTS_INTERVAL_MS`), and halved again (down to `RESULTS_INTERVAL_MS`) when the node is
/// below half its budget. One class voting alone sees results every 100 ms; 600 classes voting
/// together see them about once a second instead of flooding every socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BroadcastGovernor {
    window_start_ms: i64,
    in_window: i64,
    interval_ms: i64,
}

impl BroadcastGovernor {
    pub fn new(now_ms: i64) -> Self {
        Self { window_start_ms: now_ms, in_window: 0, interval_ms: RESULTS_INTERVAL_MS }
    }

    fn roll(&mut self, now_ms: i64) {
        if now_ms < self.window_start_ms + 1000 {
            return;
        }
        let rate = if now_ms < self.window_start_ms + 2000 { self.in_window } else { 0 };
        if rate > BROADCAST_BUDGET_PER_S {
            self.interval_ms = self.interval_ms * rate / BROADCAST_BUDGET_PER_S;
        } else if rate < BROADCAST_BUDGET_PER_S / 2 {
            self.interval_ms /= 2;
        }
        self.interval_ms = self.interval_ms.clamp(RESULTS_INTERVAL_MS, MAX_RESULTS_INTERVAL_MS);
        self.window_start_ms = now_ms;
        self.in_window = 0;
    }

    /// A broadcast went out.
    pub fn record(&mut self, now_ms: i64) {
        self.roll(now_ms);
        self.in_window += 1;
    }

    /// The interval every poll should keep now.
    pub fn interval_ms(&mut self, now_ms: i64) -> i64 {
        self.roll(now_ms);
        self.interval_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn specs_are_validated() {
        let spec = poll_spec(" Frage? ", &options(&[" Ja", "Nein "]), Some(60)).unwrap();
        assert_eq!(spec.question, "Frage?");
        assert_eq!(spec.options, ["Ja", "Nein"]);
        assert_eq!(poll_spec("", &options(&["a", "b"]), None).unwrap_err().field, "question");
        assert_eq!(poll_spec("q", &options(&["a"]), None).unwrap_err().field, "options");
        assert_eq!(poll_spec("q", &options(&["a"; 11]), None).unwrap_err().field, "options");
        assert_eq!(poll_spec("q", &options(&["Ja", "ja"]), None).unwrap_err().field, "options");
        assert_eq!(poll_spec("q", &options(&["a", " "]), None).unwrap_err().field, "options");
        let too_short = poll_spec("q", &options(&["a", "b"]), Some(5)).unwrap_err();
        assert_eq!(too_short.field, "duration_seconds");
    }

    #[test]
    fn votes_follow_the_choice_mode() {
        assert_eq!(normalize_vote(false, 3, &[2]), Ok(vec![2]));
        assert_eq!(normalize_vote(false, 3, &[0, 1]), Err(InvalidVote));
        assert_eq!(normalize_vote(false, 3, &[]), Err(InvalidVote));
        assert_eq!(normalize_vote(false, 3, &[3]), Err(InvalidVote));
        assert_eq!(normalize_vote(true, 3, &[2, 0]), Ok(vec![0, 2]));
        assert_eq!(normalize_vote(true, 3, &[1, 1]), Err(InvalidVote));
        assert_eq!(decode_choices(&encode_choices(&[0, 2])), Some(vec![0, 2]));
        assert_eq!(decode_choices("x"), None);
    }

    #[test]
    fn counting_sums_every_ballot_once() {
        let ballots: Vec<Vec<u8>> = vec![vec![0], vec![1], vec![1], vec![0, 1]];
        let (counts, voters) = count(3, ballots.iter().map(Vec::as_slice));
        assert_eq!(counts, [2, 3, 0]);
        assert_eq!(voters, 4);
    }

    #[test]
    fn anonymous_ballot_keys_reveal_nobody() {
        let (poll, anna, ben) = (PollId::new(), UserId::new(), UserId::new());
        let key = ballot_key(Some("salt-1"), poll, anna);
        assert_eq!(key, ballot_key(Some("salt-1"), poll, anna), "stable while the salt exists");
        assert_ne!(key, ballot_key(Some("salt-1"), poll, ben));
        assert_ne!(key, ballot_key(Some("salt-2"), poll, anna), "another salt, another key");
        assert!(!key.contains(&anna.to_string()));
        assert_eq!(ballot_key(None, poll, anna), anna.to_string());
    }

    #[test]
    fn hidden_results_are_for_the_owner_until_closing() {
        assert!(counts_visible(false, PollState::Open, false));
        assert!(!counts_visible(true, PollState::Open, false));
        assert!(counts_visible(true, PollState::Open, true));
        assert!(counts_visible(true, PollState::Closed, false));
    }

    #[test]
    fn a_busy_node_stretches_the_interval_and_relaxes_again() {
        let mut governor = BroadcastGovernor::new(0);
        assert_eq!(governor.interval_ms(0), RESULTS_INTERVAL_MS);
        // 600 broadcasts a second against a budget of 400: the interval grows by 1.5× a second.
        let mut now = 0;
        let mut seen = Vec::new();
        for _ in 0..4 {
            for _ in 0..600 {
                governor.record(now);
            }
            now += 1000;
            seen.push(governor.interval_ms(now));
        }
        assert_eq!(seen, [150, 225, 337, 505]);
        // Stays stretched up to the cap under heavier load, then relaxes when it is quiet.
        for _ in 0..100_000 {
            governor.record(now);
        }
        assert_eq!(governor.interval_ms(now + 1000), MAX_RESULTS_INTERVAL_MS);
        assert_eq!(governor.interval_ms(now + 5000), 1000);
        assert_eq!(governor.interval_ms(now + 10_000), 500);
        let mut c = Coalescer::new(100);
        c.set_interval(300);
        assert_eq!(c.changed(0), Broadcast::Now);
        assert_eq!(c.changed(10), Broadcast::At(300));
    }

    #[test]
    fn coalescer_sends_at_most_once_per_interval() {
        let mut c = Coalescer::new(100);
        assert_eq!(c.changed(1000), Broadcast::Now);
        assert_eq!(c.changed(1010), Broadcast::At(1100));
        assert_eq!(c.changed(1050), Broadcast::Pending);
        assert!(!c.is_idle(1099));
        c.fired(1100);
        assert_eq!(c.changed(1150), Broadcast::At(1200));
        c.fired(1200);
        assert!(c.is_idle(1300));
        assert_eq!(c.changed(1300), Broadcast::Now);
        // 30 votes within 50 ms: one broadcast now, one at the end of the interval.
        let mut c = Coalescer::new(100);
        let sent = (0..30)
            .map(|i| c.changed(5000 + i))
            .filter(|d| !matches!(d, Broadcast::Pending))
            .count();
        assert_eq!(sent, 2);
    }
}
