//! The directory as clients see it: schools, users, groups, memberships and sessions, plus the
//! request bodies of the auth and admin API (see docs/api.md).

use serde::{Deserialize, Serialize};

use crate::ids::{GroupId, SchoolId, SessionId, UserId};

/// Declares an enum whose wire and stored form is a fixed lower-case text.
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and wire form.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stored and wire form.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

pub(crate) use text_enum;

text_enum!(
    /// What a user is at the school.
    Role { Pupil = "pupil", Teacher = "teacher", Parent = "parent", Admin = "admin" }
);
text_enum!(
    /// Account state (IServ's model): restricted accounts exist but every module is blocked;
    /// inactive accounts cannot log in; deleted accounts wait for the purge.
    UserStatus { Active = "active", Restricted = "restricted", Inactive = "inactive", Deleted = "deleted" }
);
text_enum!(
    /// What a group is for.
    GroupKind { Class = "class", Course = "course", Custom = "custom" }
);
text_enum!(
    /// A member's role in a group: leaders (e.g. the class teacher) manage it.
    MemberRole { Member = "member", Leader = "leader" }
);

/// A school (tenant).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct School {
    pub id: SchoolId,
    pub name: String,
    pub slug: String,
}

/// A user account as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub status: UserStatus,
    pub import_id: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    pub must_change_password: bool,
    pub created_at: i64,
}

/// A group with its member count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: GroupId,
    pub name: String,
    pub kind: GroupKind,
    pub owner_id: Option<UserId>,
    pub member_count: i64,
}

/// A group seen from one member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyGroup {
    #[serde(flatten)]
    pub group: Group,
    pub my_role: MemberRole,
}

/// One member of a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub user: User,
    pub role: MemberRole,
}

/// A login session, identified by its public ID.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id: SessionId,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub user_agent: Option<String>,
    pub current: bool,
}

/// The logged-in user, their school and the modules the school has switched on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user: User,
    pub school: School,
    #[serde(default)]
    pub modules: Vec<crate::admin::Module>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
    #[serde(default)]
    pub school: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WsTicket {
    pub ticket: String,
    pub expires_in_seconds: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreateUserRequest {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    #[serde(default)]
    pub birth_date: Option<String>,
    #[serde(default)]
    pub import_id: Option<String>,
    /// Consents already on file (pupils): they decide whether the account starts `active` or
    /// `restricted`.
    #[serde(default)]
    pub consents: Vec<crate::admin::ConsentGiver>,
}

/// A created user and the initial password, shown exactly once.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreatedUser {
    pub user: User,
    pub initial_password: String,
}

/// `None` leaves a field as it is; for nullable fields `Some(None)` clears it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct UpdateUserRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<Option<String>>,
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub import_id: Option<Option<String>>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SetStatusRequest {
    pub status: UserStatus,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PasswordReset {
    pub initial_password: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreateGroupRequest {
    pub name: String,
    pub kind: GroupKind,
    #[serde(default)]
    pub owner_id: Option<UserId>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct UpdateGroupRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<GroupKind>,
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<Option<UserId>>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SetMemberRequest {
    pub role: MemberRole,
}

/// Distinguishes a missing field (`None`) from an explicit `null` (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}
