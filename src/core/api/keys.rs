//! API keys (api.md §2): `pbk_` and 32 base32 characters (160 random
//! bits, the caller's randomness), shown once; stored as their SHA-256
//! with a short prefix for display.

use crate::core::crypto::sha256_hex;

/// Keys a client may hold at once (not revoked).
pub const MAX_KEYS_PER_CLIENT: i64 = 10;

/// Longest key name kept, in characters.
pub const NAME_MAX_CHARS: usize = 100;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The secret from 20 random bytes: `pbk_` + 32 base32 characters.
pub fn secret(random: [u8; 20]) -> String {
    let mut out = String::from("pbk_");
    let mut buffer: u64 = 0;
    let mut bits = 0u32;
    for byte in random {
        buffer = (buffer << 8) | u64::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            let index = ((buffer >> bits) & 31) as usize;
            out.push(char::from(BASE32.get(index).copied().unwrap_or(b'A')));
        }
    }
    out
}

/// What D1 keeps instead of the secret.
pub fn hash(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

/// The part shown in lists: `pbk_` and the first 6 characters.
pub fn prefix(secret: &str) -> String {
    secret.chars().take(10).collect()
}

/// The key from an `Authorization` header: `Bearer pbk_...`.
pub fn from_authorization(header: Option<&str>) -> Option<&str> {
    let (scheme, key) = header?.trim().split_once(' ')?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("bearer") && key.starts_with("pbk_") && key.len() <= 100)
        .then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_pbk_and_32_base32_characters() {
        let s = secret([0xff; 20]);
        assert_eq!(s, format!("pbk_{}", "7".repeat(32)));
        let s = secret([0; 20]);
        assert_eq!(s.len(), 36);
        assert!(s[4..].bytes().all(|b| BASE32.contains(&b)));
        assert_eq!(prefix(&s), "pbk_AAAAAA");
        assert_ne!(hash(&s), s);
        assert_eq!(hash(&s).len(), 64);
    }

    #[test]
    fn only_a_bearer_key_is_read_from_authorization() {
        assert_eq!(from_authorization(Some("Bearer pbk_ABC")), Some("pbk_ABC"));
        assert_eq!(
            from_authorization(Some("bearer  pbk_ABC ")),
            Some("pbk_ABC")
        );
        assert_eq!(from_authorization(Some("Basic pbk_ABC")), None);
        assert_eq!(from_authorization(Some("Bearer xyz")), None);
        assert_eq!(from_authorization(None), None);
    }
}
