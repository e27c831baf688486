//! Seeded, reproducible choices: a small SplitMix64 generator (its output never changes between
//! crate versions, unlike `rand`'s), German-school names with umlauts and other non-ASCII letters,
//! class names and the passwords the load generator sets for every account.

/// SplitMix64: tiny, fast and good enough for picking names; fixed forever for a given seed.
#[derive(Clone, Debug)]
pub struct SeededRng {
    state: u64,
}

impl SeededRng {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0; the tiny modulo bias does not matter here).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let index = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        items.get(index).copied().unwrap_or("")
    }
}

pub const LAST_NAMES: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weiß",
    "Groß",
    "Schäfer",
    "Köhler",
    "Öztürk",
    "Yılmaz",
    "Çelik",
    "Nguyen",
    "Becker",
    "Hoffmann",
    "Wagner",
    "Kowalski",
    "Jürgens",
    "Krüger",
    "Bär",
    "Şahin",
    "Popescu",
    "Lehmann",
    "Zimmermann",
    "Hartmann",
];

pub const FIRST_NAMES: &[&str] = &[
    "Jörg", "Zoë", "Anaïs", "Søren", "Lea", "Ben", "Ömer", "Chloé", "Mia", "Noah", "Emilia",
    "Finn", "Hannah", "Elias", "Leonie", "Jonas", "Ayşe", "Mehmet", "Lukas", "Sophie", "Maja",
    "Paul", "Lina", "Björn", "Jülide", "Matteo", "Élodie", "Tomás",
];

/// The class names of a school with `count` classes: 5a, 6a, …, 12a, 5b, … (grades 5 to 12, then
/// the next letter; past `z` the letter doubles: `5aa`).
pub fn class_names(count: usize) -> Vec<String> {
    (0..count)
        .map(|index| {
            let grade = 5 + index % 8;
            format!("{grade}{}", letter_suffix(index / 8))
        })
        .collect()
}

/// `0 → a`, `25 → z`, `26 → aa`, `27 → ab`, …
fn letter_suffix(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        let digit = u8::try_from(index % 26).unwrap_or(0);
        letters.push(char::from(b'a' + digit));
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.iter().rev().collect()
}

/// The grade (5–12) of a class name made by [`class_names`].
pub fn grade_of(class_name: &str) -> u32 {
    let digits: String = class_name.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or(5)
}

/// The password the load generator gives an account after the forced first change: derived from
/// the seed and the login, so a later run can recompute it.
pub fn derived_password(seed: u64, login: &str) -> String {
    let mut hash = seed ^ 0xCBF2_9CE4_8422_2325;
    for byte in login.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
    }
    let mut rng = SeededRng::new(hash);
    format!("Lt-{:016x}", rng.next_u64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_fixed_for_a_seed() {
        let mut a = SeededRng::new(7);
        let mut b = SeededRng::new(7);
        let first: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let second: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(first, second);
        // SplitMix64's published first output for seed 0.
        assert_eq!(SeededRng::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_ne!(SeededRng::new(8).next_u64(), first[0]);
    }

    #[test]
    fn class_names_are_unique_and_carry_their_grade() {
        let names = class_names(300);
        let unique: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), 300);
        assert_eq!(&names[..3], ["5a", "6a", "7a"]);
        assert_eq!(names[8], "5b");
        assert_eq!(names[8 * 26], "5aa");
        assert_eq!(grade_of("12c"), 12);
        assert_eq!(grade_of("9zz"), 9);
    }

    #[test]
    fn derived_passwords_are_stable_long_enough_and_differ() {
        let one = derived_password(42, "lea.mueller");
        assert_eq!(one, derived_password(42, "lea.mueller"));
        assert_ne!(one, derived_password(43, "lea.mueller"));
        assert_ne!(one, derived_password(42, "lea.mueller2"));
        assert!(one.len() >= 8);
    }
}
