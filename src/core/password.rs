//! The password-hashing policy: a server-side pepper (`PASSWORD_PEPPER`)
//! applied as HMAC-SHA256(pepper, password) before PBKDF2, so that a copy of
//! the database alone is not enough to test guesses, and the rule that says
//! when a stored hash is older than the current parameters and is rewritten
//! at the next successful login. The stored format is
//! `crate::core::crypto::PasswordHash`; the PBKDF2 itself runs in the shell
//! (WebCrypto).

use super::crypto::{self, PasswordHash};

/// Fewest PBKDF2 iterations accepted outside emulator mode (Cloudflare's
/// WebCrypto refuses more than this, so it is also the most).
pub const MIN_ITERATIONS_OUTSIDE_EMULATOR: u32 = 100_000;

/// What PBKDF2 derives from for a new hash: HMAC-SHA256(pepper, password).
/// A pepper of any length works (HMAC hashes long keys first).
pub fn peppered_input(pepper: &str, password: &str) -> [u8; 32] {
    crypto::hmac_sha256(pepper.as_bytes(), password.as_bytes())
}

/// The PBKDF2 input for checking `password` against `stored`: peppered when
/// the hash was made with the pepper, the password itself for older hashes.
pub fn input_for(stored: &PasswordHash, pepper: &str, password: &str) -> Vec<u8> {
    if stored.peppered {
        peppered_input(pepper, password).to_vec()
    } else {
        password.as_bytes().to_vec()
    }
}

/// Whether a stored hash was made with older parameters than today's (no
/// pepper, or fewer iterations), so that a successful login rewrites it.
pub fn needs_rehash(stored: &PasswordHash, iterations: u32) -> bool {
    !stored.peppered || stored.iterations < iterations
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(peppered: bool, iterations: u32) -> PasswordHash {
        PasswordHash {
            peppered,
            iterations,
            salt: vec![7u8; 16],
            hash: [1u8; 32],
        }
    }

    #[test]
    fn the_stored_format_records_the_pepper_and_parses_back() {
        let new = stored(true, 100_000);
        let text = new.to_stored();
        assert!(text.starts_with("pbkdf2-sha256-pepper$100000$"), "{text}");
        assert_eq!(PasswordHash::parse(&text), Some(new));
        let old = stored(false, 100_000);
        let text = old.to_stored();
        assert!(text.starts_with("pbkdf2-sha256$100000$"), "{text}");
        assert_eq!(PasswordHash::parse(&text), Some(old));
        assert_eq!(
            PasswordHash::parse(&text.replacen("pbkdf2-sha256", "pbkdf2-sha256-salt", 1)),
            None
        );
    }

    #[test]
    fn hashes_without_pepper_or_with_fewer_iterations_need_a_rehash() {
        assert!(needs_rehash(&stored(false, 100_000), 100_000));
        assert!(needs_rehash(&stored(true, 10_000), 100_000));
        assert!(!needs_rehash(&stored(true, 100_000), 100_000));
        // A hash stronger than today's setting is kept, not weakened.
        assert!(!needs_rehash(&stored(true, 200_000), 100_000));
    }

    #[test]
    fn the_pepper_changes_what_pbkdf2_derives_from() {
        let input = peppered_input("pepper one", "correct horse");
        assert_eq!(input, crypto::hmac_sha256(b"pepper one", b"correct horse"));
        assert_ne!(input, peppered_input("pepper two", "correct horse"));
        assert_eq!(
            input_for(&stored(true, 1), "pepper one", "correct horse"),
            input.to_vec()
        );
        assert_eq!(
            input_for(&stored(false, 1), "pepper one", "correct horse"),
            b"correct horse".to_vec()
        );
    }

    #[test]
    fn a_peppered_hash_does_not_verify_without_the_right_pepper() {
        let salt = [5u8; 16];
        let derived = crypto::pbkdf2_sha256(&peppered_input("pepper", "pw"), &salt, 10);
        let hash = PasswordHash {
            peppered: true,
            iterations: 10,
            salt: salt.to_vec(),
            hash: derived,
        };
        let right = crypto::pbkdf2_sha256(&input_for(&hash, "pepper", "pw"), &salt, 10);
        let wrong = crypto::pbkdf2_sha256(&input_for(&hash, "other", "pw"), &salt, 10);
        let unpeppered = crypto::pbkdf2_sha256(b"pw", &salt, 10);
        assert!(hash.matches(&right));
        assert!(!hash.matches(&wrong));
        assert!(!hash.matches(&unpeppered));
    }
}
