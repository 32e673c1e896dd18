//! A Monetico merchant's key: the 40-character "clé de sécurité" the bank
//! hands out, checked and turned into the 20 bytes that key the HMAC-SHA1
//! (reference A3). Legacy keys may end in two characters that are not hex;
//! the kits' two last-character rules turn them back into hex, both
//! applied (the PHP kit applies only one and then fails on `...GM`).

use std::fmt;

use super::mac::hex_value;

/// The characters of a clé de sécurité.
pub const KEY_CHARS: usize = 40;

/// The bytes that key every MAC of one merchant (the "représentation
/// opérationnelle"). Its `Debug` never shows them.
#[derive(Clone, PartialEq, Eq)]
pub struct UsableKey(Vec<u8>);

impl fmt::Debug for UsableKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UsableKey({} bytes)", self.0.len())
    }
}

/// Why a typed clé de sécurité is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// Not 40 ASCII characters (`chars` is how many there were).
    Length { chars: usize },
    /// The character at `position` (from 0) is not hex, even after the
    /// last-character rules.
    NotHex { position: usize },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Length { chars } => {
                write!(f, "the key has {chars} characters, not {KEY_CHARS}")
            }
            KeyError::NotHex { position } => {
                write!(
                    f,
                    "character {} of the key is not hexadecimal",
                    position + 1
                )
            }
        }
    }
}

impl UsableKey {
    /// Derives the usable key of a clé de sécurité (A3).
    pub fn derive(cle: &str) -> Result<UsableKey, KeyError> {
        let chars = cle.chars().count();
        if chars != KEY_CHARS || !cle.is_ascii() {
            return Err(KeyError::Length { chars });
        }
        let mut digits: Vec<u8> = cle.bytes().collect();
        // Before-last 'G'..'`' (ASCII 71..96) stands for ASCII-23
        // ('P' -> '9'); a last 'M' stands for '0'. Both rules apply.
        if let Some(before_last) = digits.get_mut(KEY_CHARS - 2) {
            if (71..=96).contains(before_last) {
                *before_last -= 23;
            }
        }
        if let Some(last) = digits.last_mut() {
            if *last == b'M' {
                *last = b'0';
            }
        }
        let mut bytes = Vec::with_capacity(KEY_CHARS / 2);
        for (pair, at) in digits.chunks_exact(2).zip((0..).step_by(2)) {
            let digit = |offset: usize| {
                pair.get(offset)
                    .copied()
                    .and_then(hex_value)
                    .ok_or(KeyError::NotHex {
                        position: at + offset,
                    })
            };
            bytes.push(digit(0)? << 4 | digit(1)?);
        }
        Ok(UsableKey(bytes))
    }

    /// A usable key given as its bytes (the legacy short keys of some
    /// published vectors, and the emulator's own accounts).
    pub fn from_bytes(bytes: &[u8]) -> UsableKey {
        UsableKey(bytes.to_vec())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The usable key as lower-case hex (what the kits print).
    pub fn to_hex(&self) -> String {
        super::mac::hex_lower(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::psp::monetico::test_vectors::{vectors, Vector};

    #[test]
    fn every_derivation_vector_of_the_reference_gives_its_usable_key() {
        let mut checked = 0;
        for vector in vectors() {
            if let Vector::Derive { cle, usable_hex } = vector {
                let key = UsableKey::derive(cle).unwrap_or_else(|e| panic!("{cle}: {e}"));
                assert_eq!(key.to_hex(), usable_hex.to_ascii_lowercase(), "{cle}");
                checked += 1;
            }
        }
        assert_eq!(checked, 4);
    }

    #[test]
    fn lower_case_hex_keys_are_the_same_key() {
        let upper = UsableKey::derive("0123456789ABCDEF0123456789ABCDEF01234567");
        let lower = UsableKey::derive("0123456789abcdef0123456789abcdef01234567");
        assert_eq!(upper, lower);
        assert_eq!(upper.map(|k| k.as_bytes().len()), Ok(20));
    }

    #[test]
    fn a_key_of_another_length_is_refused_with_its_length() {
        assert_eq!(
            UsableKey::derive("0123456789ABCDEF"),
            Err(KeyError::Length { chars: 16 })
        );
        assert_eq!(
            UsableKey::derive("0123456789ABCDEF0123456789ABCDEF012345678"),
            Err(KeyError::Length { chars: 41 })
        );
        assert_eq!(UsableKey::derive(""), Err(KeyError::Length { chars: 0 }));
    }

    #[test]
    fn a_non_ascii_key_is_refused_without_panicking() {
        // 40 bytes but 39 characters: never sliced inside a character.
        let key = "é123456789ABCDEF0123456789ABCDEF0123456";
        assert_eq!(key.len(), 40);
        assert_eq!(UsableKey::derive(key), Err(KeyError::Length { chars: 39 }));
    }

    #[test]
    fn a_non_hex_character_before_the_last_two_is_refused_with_its_position() {
        let key = "0123456789ABCDEF0123456789ABCDEF0123Z567";
        assert_eq!(
            UsableKey::derive(key),
            Err(KeyError::NotHex { position: 36 })
        );
    }

    #[test]
    fn last_characters_no_rule_turns_into_hex_are_refused() {
        // '`' (96) maps to 'I', still not hex; 'Z' last is not 'M'.
        let backtick = "0123456789ABCDEF0123456789ABCDEF012345`0";
        assert_eq!(
            UsableKey::derive(backtick),
            Err(KeyError::NotHex { position: 38 })
        );
        let z = "0123456789ABCDEF0123456789ABCDEF0123450Z";
        assert_eq!(UsableKey::derive(z), Err(KeyError::NotHex { position: 39 }));
    }

    #[test]
    fn the_debug_form_never_shows_the_key() {
        let key = UsableKey::derive("0123456789ABCDEF0123456789ABCDEF01234567");
        let shown = format!("{key:?}");
        assert!(!shown.contains("0123"), "{shown}");
        assert!(!shown.contains("67"), "{shown}");
    }
}
