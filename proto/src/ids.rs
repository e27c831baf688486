//! Typed identifiers. Every ID is a UUID (v7, so they sort by creation time) wrapped in its own type,
//! so a `GroupId` can never be passed where a `UserId` is meant.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered ID.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

typed_id!(
    /// A school: the tenant every other record belongs to.
    SchoolId
);
typed_id!(
    /// A user account (pupil, teacher, parent or admin) of one school.
    UserId
);
typed_id!(
    /// A group: a class, a course or a custom group.
    GroupId
);
typed_id!(
    /// The public handle of a login session (never the secret token itself).
    SessionId
);
typed_id!(
    /// A chat room (messenger). A class room's ID is its group's ID.
    ChatRoomId
);
typed_id!(
    /// A chat message.
    MessageId
);
typed_id!(
    /// A quick poll ("Schnellumfrage").
    PollId
);
typed_id!(
    /// A live document (office document, text or whiteboard).
    DocumentId
);
typed_id!(
    /// A stored version of a live document (automatic or named).
    DocumentVersionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_json() {
        let id = UserId::new();
        assert_eq!(id.to_string().parse::<UserId>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<UserId>(&json).unwrap(), id);
        assert!("not-a-uuid".parse::<UserId>().is_err());
    }
}
