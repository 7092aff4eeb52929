//! The rating key (评价码): the secret that proves, on the public tracking page, that the
//! person rating a reply is the requester. The tracking code is public (the wall prints it),
//! so it can never be that proof; the key is given only to the requester (the answer to
//! their own submission, the counter's receipt, the registering channel, an SMS) and only
//! its hash is kept.
//!
//! Eight characters of Crockford's base 32 (digits and capitals without I, L, O, U): read
//! out on the phone and typed on a phone keyboard, shown in two groups of four
//! (`7KQ2-M9XD`). 40 bits: with a handful of wrong guesses allowed per request and hour,
//! guessing one would take millions of years. As typed it is forgiving: case, spaces,
//! dashes and full-width characters are ignored, `O` reads as `0`, `I` and `L` as `1`.
//! Pure: the caller draws the random bytes.

use std::fmt;

/// A rating key in its canonical form (eight characters, no dash).
#[derive(Clone, PartialEq, Eq)]
pub struct RatingKey(String);

impl RatingKey {
    /// Characters of every key.
    pub const LEN: usize = 8;
    /// Crockford's base 32: no I, L, O or U, so nothing is read as something else.
    const ALPHABET: &'static [u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// The key made of `random`, drawn by the caller (the domain draws no random numbers).
    /// Each byte gives one character (256 is a multiple of 32, so each is uniform).
    pub fn generate(random: [u8; Self::LEN]) -> RatingKey {
        RatingKey(
            random
                .iter()
                .map(|b| char::from(Self::ALPHABET[usize::from(b % 32)]))
                .collect(),
        )
    }

    /// A key as a person typed it, or `None` when it cannot be one.
    pub fn parse(text: &str) -> Option<RatingKey> {
        let mut key = String::with_capacity(Self::LEN);
        for c in text.chars() {
            let c = half_width(c).to_ascii_uppercase();
            let c = match c {
                ' ' | '-' | '.' | '\u{3000}' | '\t' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !c.is_ascii() || !Self::ALPHABET.contains(&(c as u8)) || key.len() >= Self::LEN {
                return None;
            }
            key.push(c);
        }
        (key.len() == Self::LEN).then_some(RatingKey(key))
    }

    /// The canonical form: what is hashed and compared.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key as shown and read out: two groups of four (`7KQ2-M9XD`).
    pub fn grouped(&self) -> String {
        let (a, b) = self.0.split_at(Self::LEN / 2);
        format!("{a}-{b}")
    }
}

/// A full-width form (`Ａ`, `７`, `－`) as its ASCII twin; other characters as they are.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        c => c,
    }
}

/// Never printed in logs or panics: a key is a secret.
impl fmt::Debug for RatingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RatingKey(****-****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_eight_unambiguous_characters_in_two_groups() {
        let key = RatingKey::generate([0, 1, 31, 32, 100, 200, 255, 18]);
        assert_eq!(key.as_str(), "01Z048ZJ");
        assert_eq!(key.grouped(), "01Z0-48ZJ");
        for b in 0..=255u8 {
            let k = RatingKey::generate([b; 8]);
            assert!(
                k.as_str().chars().all(|c| !"ILOU".contains(c)),
                "{}",
                k.as_str()
            );
        }
    }

    #[test]
    fn keys_are_read_as_people_type_them() {
        let want = RatingKey::parse("7KQ2M9XD");
        assert!(want.is_some());
        for typed in ["7KQ2-M9XD", "7kq2 m9xd", " 7KQ2－M9XD ", "７ＫＱ２Ｍ９ＸＤ"] {
            assert_eq!(RatingKey::parse(typed), want, "{typed}");
        }
        assert_eq!(RatingKey::parse("O1IL-0000"), RatingKey::parse("0111-0000"));
        for bad in [
            "",
            "7KQ2",
            "7KQ2M9XDX",
            "7KQ2M9XU",
            "评价码7KQ2M9XD",
            "7KQ2M9X!",
        ] {
            assert_eq!(RatingKey::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_key_is_never_printed_by_debug() {
        let key = RatingKey::generate([7; 8]);
        assert!(!format!("{key:?}").contains(key.as_str()));
    }
}
