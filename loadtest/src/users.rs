//! The population file `users.json` that `populate` writes and `run` reads: the school's classes
//! and, per account, login, password, role, class group and the session cookie of the last login
//! (so a run can resume sessions instead of paying for a password hash per client). With `--peer`
//! a fake population of the same shape stands in (no server accounts behind it).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::schild::PUPILS_PER_CLASS;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersFile {
    pub server: String,
    pub school: String,
    pub seed: u64,
    pub admin: Account,
    pub classes: Vec<ClassEntry>,
    pub users: Vec<UserEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub login: String,
    pub password: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassEntry {
    /// The class group's ID (topic `group:<id>`).
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserEntry {
    pub login: String,
    pub password: String,
    /// `pupil` or `teacher`.
    pub role: String,
    /// The class group the account belongs to (teachers: the class they lead).
    pub class_id: String,
    /// `name=value` of the session cookie, when a login succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookie: Option<String>,
}

impl UsersFile {
    pub fn load(path: &Path) -> Result<UsersFile, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("reading {}: {error}", path.display()))?;
        serde_json::from_str(&text).map_err(|error| format!("parsing {}: {error}", path.display()))
    }

    pub fn save(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|error| error.to_string())?;
        std::fs::write(path, text).map_err(|error| format!("writing {}: {error}", path.display()))
    }

    /// The members of each class, in the file's class order (index into `users`).
    pub fn members_by_class(&self) -> Vec<Vec<usize>> {
        self.classes
            .iter()
            .map(|class| {
                self.users
                    .iter()
                    .enumerate()
                    .filter(|(_, user)| user.class_id == class.id)
                    .map(|(index, _)| index)
                    .collect()
            })
            .collect()
    }
}

/// A stand-in population for the peer: `classes` classes of 30 pupils and a teacher, with IDs
/// shaped like schulhof's (UUIDs) so topics look the same on the wire.
pub fn fake_population(classes: usize) -> UsersFile {
    let class_entries: Vec<ClassEntry> = (0..classes)
        .map(|index| ClassEntry {
            id: format!("00000000-0000-4000-8000-{index:012x}"),
            name: format!("class-{index}"),
        })
        .collect();
    let mut users = Vec::with_capacity(classes * (PUPILS_PER_CLASS + 1));
    for class in &class_entries {
        for place in 0..=PUPILS_PER_CLASS {
            let role = if place == PUPILS_PER_CLASS { "teacher" } else { "pupil" };
            users.push(UserEntry {
                login: format!("{}-{place}", class.name),
                password: String::new(),
                role: role.to_owned(),
                class_id: class.id.clone(),
                cookie: None,
            });
        }
    }
    UsersFile {
        server: String::new(),
        school: "peer".to_owned(),
        seed: 0,
        admin: Account { login: String::new(), password: String::new() },
        classes: class_entries,
        users,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fake_population_has_31_per_class_and_valid_group_ids() {
        let population = fake_population(3);
        assert_eq!(population.users.len(), 93);
        let members = population.members_by_class();
        assert_eq!(members.iter().map(Vec::len).collect::<Vec<_>>(), [31, 31, 31]);
        for class in &population.classes {
            let topic = format!("group:{}", class.id);
            assert!(topic.parse::<schulhof_proto::hub::Topic>().is_ok(), "{topic}");
        }
    }

    #[test]
    fn the_file_round_trips() {
        let population = fake_population(1);
        let dir = std::env::temp_dir().join(format!("loadtest-users-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("users.json");
        population.save(&path).unwrap();
        assert_eq!(UsersFile::load(&path).unwrap(), population);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
