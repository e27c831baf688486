//! The messenger's rules as pure functions, tested without a database: message text and emoji
//! validation, @mentions, who moderates a room, who may write in it (muting), and who may start a
//! direct chat with whom.

use schulhof_proto::{Role, RoomKind, RoomRole};

/// Longest message text, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Longest room title, in characters.
pub const MAX_TITLE_CHARS: usize = 100;
/// Length of the reply preview, in characters.
pub const REPLY_PREVIEW_CHARS: usize = 120;

/// Why a text or emoji is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextProblem {
    Empty,
    TooLong,
}

/// Trims a message text and checks its length (1–4,000 characters).
pub fn message_text(text: &str) -> Result<String, TextProblem> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(TextProblem::Empty);
    }
    if trimmed.chars().count() > MAX_TEXT_CHARS {
        return Err(TextProblem::TooLong);
    }
    Ok(trimmed.to_owned())
}

/// Trims a room title and checks its length (1–100 characters, no control characters).
pub fn room_title(text: &str) -> Result<String, TextProblem> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.chars().any(char::is_control) {
        return Err(TextProblem::Empty);
    }
    if trimmed.chars().count() > MAX_TITLE_CHARS {
        return Err(TextProblem::TooLong);
    }
    Ok(trimmed.to_owned())
}

/// An emoji reaction: 1–16 bytes, no letters, digits, spaces or control characters.
pub fn is_valid_emoji(emoji: &str) -> bool {
    !emoji.is_empty()
        && emoji.len() <= 16
        && emoji.chars().all(|c| !c.is_alphanumeric() && !c.is_whitespace() && !c.is_control())
}

/// The login names a text mentions (`@login`), each once, in order of appearance. A mention starts
/// at the text's start or after a non-word character.
pub fn mentioned_logins(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut previous: Option<char> = None;
    for (index, c) in text.char_indices() {
        let at_word_start = previous.is_none_or(|p| !(p.is_alphanumeric() || p == '.' || p == '_'));
        previous = Some(c);
        if c != '@' || !at_word_start {
            continue;
        }
        let rest = &text[index + 1..];
        let login: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .collect();
        let login = login.trim_end_matches(['.', '-', '_']).to_ascii_lowercase();
        if !login.is_empty() && !found.contains(&login) {
            found.push(login);
        }
    }
    found
}

/// The first characters of a text, for reply previews.
pub fn preview(text: &str) -> String {
    text.chars().take(REPLY_PREVIEW_CHARS).collect()
}

/// Does this member moderate the room? Group rooms: the owner. Class rooms: the group's leaders
/// and every teacher or admin member. Direct rooms: nobody.
pub fn is_moderator(kind: RoomKind, role: RoomRole, school_role: Role) -> bool {
    match kind {
        RoomKind::Direct => false,
        RoomKind::Group => role == RoomRole::Owner,
        RoomKind::Class => {
            role == RoomRole::Leader || matches!(school_role, Role::Teacher | Role::Admin)
        }
    }
}

/// May a member write? In a muted room only moderators may.
pub fn may_write(muted: bool, moderator: bool) -> bool {
    !muted || moderator
}

/// Who may start group rooms (teachers and admins).
pub fn may_create_rooms(role: Role) -> bool {
    matches!(role, Role::Teacher | Role::Admin)
}

/// May `from` start a direct chat with `to` (same school, checked by the caller)? Pupil↔pupil
/// only when the school allows it; a parent and a pupil only when the pupil is the parent's child.
pub fn direct_chat_allowed(
    from: Role,
    to: Role,
    pupil_direct_chats: bool,
    parent_of_the_pupil: bool,
) -> bool {
    match (from, to) {
        (Role::Pupil, Role::Pupil) => pupil_direct_chats,
        (Role::Parent, Role::Pupil) | (Role::Pupil, Role::Parent) => parent_of_the_pupil,
        _ => true,
    }
}

/// Messages, edits and reactions a user may send per second (sustained) and at once (burst).
pub const WRITES_PER_SECOND: f64 = 5.0;
pub const WRITE_BURST: f64 = 20.0;

/// A token bucket for one user's chat writes: `WRITE_BURST` at once, then `WRITES_PER_SECOND`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WriteBudget {
    tokens: f64,
    last_ms: i64,
}

impl WriteBudget {
    pub fn new(now_ms: i64) -> Self {
        Self { tokens: WRITE_BURST, last_ms: now_ms }
    }

    /// Takes one write; `false` when the budget is used up.
    pub fn take(&mut self, now_ms: i64) -> bool {
        let elapsed = (now_ms - self.last_ms).max(0) as f64 / 1000.0;
        self.tokens = (self.tokens + elapsed * WRITES_PER_SECOND).min(WRITE_BURST);
        self.last_ms = now_ms;
        if self.tokens < 1.0 {
            return false;
        }
        self.tokens -= 1.0;
        true
    }

    /// Full again: the entry can be forgotten.
    pub fn is_full(&self, now_ms: i64) -> bool {
        let elapsed = (now_ms - self.last_ms).max(0) as f64 / 1000.0;
        self.tokens + elapsed * WRITES_PER_SECOND >= WRITE_BURST
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_trimmed_and_limited() {
        assert_eq!(message_text("  Hallo  "), Ok("Hallo".into()));
        assert_eq!(message_text(" \n "), Err(TextProblem::Empty));
        assert_eq!(message_text(&"ä".repeat(4000)).map(|t| t.chars().count()), Ok(4000));
        assert_eq!(message_text(&"ä".repeat(4001)), Err(TextProblem::TooLong));
        assert_eq!(room_title("Bio\u{7}"), Err(TextProblem::Empty));
    }

    #[test]
    fn emoji_must_not_be_words() {
        assert!(is_valid_emoji("👍"));
        assert!(is_valid_emoji("👩‍🏫"));
        assert!(!is_valid_emoji(""));
        assert!(!is_valid_emoji("ok"));
        assert!(!is_valid_emoji("👍 "));
        assert!(!is_valid_emoji(&"👍".repeat(5)));
    }

    #[test]
    fn mentions_are_found_once_and_not_inside_mail_addresses() {
        assert_eq!(
            mentioned_logins("@anna.schmidt und @Max.Mueller, bitte! @anna.schmidt"),
            vec!["anna.schmidt".to_owned(), "max.mueller".to_owned()]
        );
        assert!(mentioned_logins("schreib an lehrer@schule.de").is_empty());
        assert_eq!(mentioned_logins("(@tom)."), vec!["tom".to_owned()]);
        assert!(mentioned_logins("@ nobody").is_empty());
    }

    #[test]
    fn moderators_and_muting() {
        assert!(is_moderator(RoomKind::Class, RoomRole::Member, Role::Teacher));
        assert!(is_moderator(RoomKind::Class, RoomRole::Leader, Role::Pupil));
        assert!(!is_moderator(RoomKind::Class, RoomRole::Member, Role::Pupil));
        assert!(is_moderator(RoomKind::Group, RoomRole::Owner, Role::Teacher));
        assert!(!is_moderator(RoomKind::Group, RoomRole::Member, Role::Teacher));
        assert!(!is_moderator(RoomKind::Direct, RoomRole::Member, Role::Admin));
        assert!(may_write(false, false));
        assert!(!may_write(true, false));
        assert!(may_write(true, true));
    }

    #[test]
    fn write_budget_allows_bursts_then_the_sustained_rate() {
        let mut budget = WriteBudget::new(0);
        assert_eq!((0..25).filter(|_| budget.take(0)).count(), 20);
        assert!(!budget.take(100));
        assert!(budget.take(200), "one token per 200 ms");
        assert!(!budget.take(200));
        assert!(budget.is_full(10_000));
    }

    #[test]
    fn direct_chat_rules() {
        assert!(direct_chat_allowed(Role::Pupil, Role::Pupil, true, false));
        assert!(!direct_chat_allowed(Role::Pupil, Role::Pupil, false, false));
        assert!(direct_chat_allowed(Role::Pupil, Role::Teacher, false, false));
        assert!(!direct_chat_allowed(Role::Parent, Role::Pupil, true, false));
        assert!(direct_chat_allowed(Role::Parent, Role::Pupil, true, true));
        assert!(direct_chat_allowed(Role::Parent, Role::Teacher, false, false));
    }
}
