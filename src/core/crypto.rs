//! Pure cryptography of PayBook: SHA-256 and HMAC-SHA256 helpers, a
//! constant-time comparison, the signed tokens carried in cookies (session and
//! CSRF), the stored password-hash format with a native PBKDF2-HMAC-SHA256
//! reference, and the AES-256-GCM sealing of PSP credentials at rest.
//!
//! Nothing here does I/O or draws randomness: callers pass salts and nonces
//! in. In the Worker the expensive PBKDF2 derivation runs through the
//! runtime's WebCrypto (`crate::shell::webcrypto`); [`pbkdf2_sha256`] here is
//! the native reference the tests check that output against.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// SHA-256 block size in bytes: the HMAC key is padded (or hashed) to this.
const SHA256_BLOCK: usize = 64;
/// Length of an AES-GCM nonce in bytes.
pub(crate) const NONCE_LEN: usize = 12;
/// Length of an AES-GCM authentication tag in bytes.
const TAG_LEN: usize = 16;
/// Prefix of a sealed value; names the format version.
const SEALED_PREFIX: &str = "v1.";
/// Scheme name at the start of a stored password hash made without pepper
/// (before `PASSWORD_PEPPER`): still verified, upgraded at the next login.
const PASSWORD_SCHEME: &str = "pbkdf2-sha256";
/// Scheme of a peppered hash: PBKDF2 over HMAC-SHA256(pepper, password)
/// (see `crate::core::password`).
const PASSWORD_SCHEME_PEPPERED: &str = "pbkdf2-sha256-pepper";
/// Largest iteration count accepted from a stored password hash.
const MAX_ITERATIONS: u32 = 10_000_000;
/// Shortest salt accepted from a stored password hash, in bytes.
const MIN_SALT: usize = 8;
/// Longest salt accepted from a stored password hash, in bytes.
const MAX_SALT: usize = 64;

/// Lower-case hex of `bytes`.
fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Value of one lower-case hex digit; upper case is rejected so that a
/// signature has exactly one spelling.
fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// Decodes exactly 64 lower-case hex characters into 32 bytes.
fn from_hex_32(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        *slot = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
    }
    Some(out)
}

/// Lower-case hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    to_hex(&Sha256::digest(data))
}

/// An HMAC-SHA256 instance keyed with `key`.
///
/// HMAC zero-pads keys up to the block size and hashes longer keys first
/// (RFC 2104); doing that here gives a block-sized key, so the infallible
/// constructor applies and no error path is needed.
fn keyed_hmac(key: &[u8]) -> Hmac<Sha256> {
    let mut block = [0u8; SHA256_BLOCK];
    if key.len() > SHA256_BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    <Hmac<Sha256> as KeyInit>::new(&block.into())
}

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = keyed_hmac(key);
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Whether `a` and `b` are equal, looking at every byte whatever the content
/// (only a length mismatch returns early, and lengths are not secret here).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// The MAC binding `token` to `purpose` under `secret`.
fn token_mac(secret: &str, purpose: &str, token: &str) -> [u8; 32] {
    let mut mac = keyed_hmac(secret.as_bytes());
    mac.update(purpose.as_bytes());
    mac.update(b":");
    mac.update(token.as_bytes());
    mac.finalize().into_bytes().into()
}

/// Signs `token` for `purpose`: `"{token}.{hex(hmac(secret, purpose:token))}"`.
///
/// The purpose (e.g. `"session"`, `"csrf"`) is part of the MAC, so a value
/// signed for one purpose never verifies for another under the same secret.
/// Purposes are fixed names chosen by the code and must not contain `':'`.
pub fn sign(secret: &str, purpose: &str, token: &str) -> String {
    format!("{token}.{}", to_hex(&token_mac(secret, purpose, token)))
}

/// The token inside `value` when `value` was made by [`sign`] with the same
/// `secret` and `purpose`; `None` for any other input, malformed ones
/// included. The MAC is compared in constant time.
pub fn verify_signed<'a>(secret: &str, purpose: &str, value: &'a str) -> Option<&'a str> {
    let (token, mac_hex) = value.rsplit_once('.')?;
    let given = from_hex_32(mac_hex)?;
    let expected = token_mac(secret, purpose, token);
    constant_time_eq(&given, &expected).then_some(token)
}

/// PBKDF2-HMAC-SHA256 (RFC 8018) producing one 32-byte block.
///
/// This is the native reference; the Worker derives password hashes through
/// WebCrypto, which is much faster within the CPU limit. An iteration count
/// of 0 is treated as 1.
pub fn pbkdf2_sha256(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    let prf = keyed_hmac(password);
    let mut first = prf.clone();
    first.update(salt);
    first.update(&1u32.to_be_bytes());
    let mut u: [u8; 32] = first.finalize().into_bytes().into();
    let mut t = u;
    for _ in 1..iterations {
        let mut next = prf.clone();
        next.update(&u);
        u = next.finalize().into_bytes().into();
        for (acc, byte) in t.iter_mut().zip(u) {
            *acc ^= byte;
        }
    }
    t
}

/// A stored password hash:
/// `<scheme>$<iterations>$<salt b64>$<hash b64>`, both in standard base64
/// without padding; the scheme is `pbkdf2-sha256-pepper` (peppered) or the
/// older `pbkdf2-sha256` (no pepper).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordHash {
    /// Whether the PBKDF2 input was HMAC-SHA256(pepper, password).
    pub peppered: bool,
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub hash: [u8; 32],
}

impl PasswordHash {
    /// The text stored in the database.
    pub fn to_stored(&self) -> String {
        let scheme = if self.peppered {
            PASSWORD_SCHEME_PEPPERED
        } else {
            PASSWORD_SCHEME
        };
        format!(
            "{scheme}${}${}${}",
            self.iterations,
            STANDARD_NO_PAD.encode(&self.salt),
            STANDARD_NO_PAD.encode(self.hash)
        )
    }

    /// Parses stored text strictly: the right scheme, a canonical decimal
    /// iteration count in `1..=10_000_000`, a salt of 8 to 64 bytes and a
    /// hash of exactly 32 bytes, in canonical unpadded base64.
    pub fn parse(stored: &str) -> Option<PasswordHash> {
        let mut parts = stored.split('$');
        let scheme = parts.next()?;
        let iterations_text = parts.next()?;
        let salt_text = parts.next()?;
        let hash_text = parts.next()?;
        let peppered = match scheme {
            PASSWORD_SCHEME_PEPPERED => true,
            PASSWORD_SCHEME => false,
            _ => return None,
        };
        if parts.next().is_some() {
            return None;
        }
        if iterations_text.is_empty()
            || !iterations_text.bytes().all(|b| b.is_ascii_digit())
            || iterations_text.starts_with('0')
        {
            return None;
        }
        let iterations: u32 = iterations_text.parse().ok()?;
        if !(1..=MAX_ITERATIONS).contains(&iterations) {
            return None;
        }
        let salt = STANDARD_NO_PAD.decode(salt_text).ok()?;
        if !(MIN_SALT..=MAX_SALT).contains(&salt.len()) {
            return None;
        }
        let hash: [u8; 32] = STANDARD_NO_PAD.decode(hash_text).ok()?.try_into().ok()?;
        Some(PasswordHash {
            peppered,
            iterations,
            salt,
            hash,
        })
    }

    /// Whether `derived` (the PBKDF2 output for the candidate password with
    /// this salt and iteration count) equals the stored hash, in constant time.
    pub fn matches(&self, derived: &[u8]) -> bool {
        constant_time_eq(&self.hash, derived)
    }
}

/// Why sealing or opening a credential failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptoError {
    /// The key material is empty (e.g. an unset `CREDENTIALS_KEY`).
    EmptyKey,
    /// The sealed value does not start with a known version prefix.
    UnknownVersion,
    /// The sealed value is not valid base64.
    BadEncoding,
    /// The sealed value is too short to hold a nonce and a tag.
    TooShort,
    /// Encryption failed.
    Encrypt,
    /// Authentication failed: wrong key or the value was altered.
    Decrypt,
    /// The sealed value names a key id that is neither the current nor the
    /// previous credentials key.
    UnknownKey,
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            CryptoError::EmptyKey => "the key material is empty",
            CryptoError::UnknownVersion => "the sealed value has an unknown version prefix",
            CryptoError::BadEncoding => "the sealed value is not valid base64",
            CryptoError::TooShort => "the sealed value is too short",
            CryptoError::Encrypt => "encryption failed",
            CryptoError::Decrypt => "the sealed value does not authenticate (wrong key or altered)",
            CryptoError::UnknownKey => "the sealed value names an unknown key id",
        };
        f.write_str(text)
    }
}

impl std::error::Error for CryptoError {}

/// The AES-256-GCM cipher keyed with SHA-256 of `key_material`, so any secret
/// string serves as the key.
fn cipher(key_material: &str) -> Result<Aes256Gcm, CryptoError> {
    if key_material.is_empty() {
        return Err(CryptoError::EmptyKey);
    }
    let key: [u8; 32] = Sha256::digest(key_material.as_bytes()).into();
    Ok(Aes256Gcm::new(&Key::<Aes256Gcm>::from(key)))
}

/// Seals `plaintext` with AES-256-GCM under SHA-256(`key_material`) and the
/// caller's `nonce` (which must never repeat for one key; draw it at random).
/// Returns `"v1." + base64(nonce || ciphertext || tag)`, standard alphabet,
/// no padding.
pub fn seal(key_material: &str, nonce: [u8; 12], plaintext: &[u8]) -> Result<String, CryptoError> {
    let cipher = cipher(key_material)?;
    let sealed = cipher
        .encrypt(&Nonce::from(nonce), plaintext)
        .map_err(|_| CryptoError::Encrypt)?;
    Ok(format!("{SEALED_PREFIX}{}", encode_sealed(nonce, &sealed)))
}

/// `base64(nonce || ciphertext || tag)`, the body of the v1 and v2 formats.
pub(crate) fn encode_sealed(nonce: [u8; NONCE_LEN], ciphertext: &[u8]) -> String {
    let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(ciphertext);
    STANDARD_NO_PAD.encode(blob)
}

/// The nonce and the ciphertext (with its tag) of a body made by
/// [`encode_sealed`]; malformed or too short bodies are errors.
pub(crate) fn decode_sealed(body: &str) -> Result<([u8; NONCE_LEN], Vec<u8>), CryptoError> {
    let mut blob = STANDARD_NO_PAD
        .decode(body)
        .map_err(|_| CryptoError::BadEncoding)?;
    if blob.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::TooShort);
    }
    let ciphertext = blob.split_off(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = blob.try_into().map_err(|_| CryptoError::TooShort)?;
    Ok((nonce, ciphertext))
}

/// Opens a value made by [`seal`]. A wrong key, any alteration or a malformed
/// value gives an error.
pub fn open(key_material: &str, sealed: &str) -> Result<Vec<u8>, CryptoError> {
    let cipher = cipher(key_material)?;
    let body = sealed
        .strip_prefix(SEALED_PREFIX)
        .ok_or(CryptoError::UnknownVersion)?;
    let (nonce, ciphertext) = decode_sealed(body)?;
    cipher
        .decrypt(&Nonce::from(nonce), ciphertext.as_slice())
        .map_err(|_| CryptoError::Decrypt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        to_hex(bytes)
    }

    /// Deterministic pseudo-random bytes (xorshift), for "random-ish" inputs.
    fn pseudo_random(seed: u64, len: usize) -> Vec<u8> {
        let mut state = seed | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect()
    }

    fn reference_pbkdf2(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
        let mut out = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut out);
        out
    }

    // --- hashing and comparison -------------------------------------------

    #[test]
    fn sha256_hex_matches_known_digests_in_lower_case() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn hmac_sha256_matches_rfc4231_vectors() {
        assert_eq!(
            hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Key longer than the block size: hashed first.
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn hmac_sha256_agrees_with_the_hmac_crate_for_every_key_length_around_the_block() {
        for len in [0usize, 1, 31, 32, 63, 64, 65, 128, 200] {
            let key = pseudo_random(len as u64 + 7, len);
            let message = pseudo_random(len as u64 + 99, 50);
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap();
            mac.update(&message);
            let expected: [u8; 32] = mac.finalize().into_bytes().into();
            assert_eq!(hmac_sha256(&key, &message), expected, "key length {len}");
        }
    }

    #[test]
    fn constant_time_eq_is_true_only_for_equal_bytes_of_equal_length() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"bbc"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"abc", b""));
    }

    // --- PBKDF2 -------------------------------------------------------------

    #[test]
    fn pbkdf2_matches_known_vector_for_1_iteration() {
        assert_eq!(
            hex(&pbkdf2_sha256(b"password", b"salt", 1)),
            "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"
        );
    }

    #[test]
    fn pbkdf2_matches_known_vector_for_2_iterations() {
        // The widely published vector, confirmed against the `pbkdf2` crate
        // (a variant ending in ...2a72ecd2e4fb3c2e6ec8d8b1 is wrong).
        let expected = "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43";
        assert_eq!(hex(&reference_pbkdf2(b"password", b"salt", 2)), expected);
        assert_eq!(hex(&pbkdf2_sha256(b"password", b"salt", 2)), expected);
    }

    #[test]
    fn pbkdf2_matches_known_vector_for_4096_iterations() {
        assert_eq!(
            hex(&pbkdf2_sha256(b"password", b"salt", 4096)),
            "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"
        );
    }

    #[test]
    fn pbkdf2_agrees_with_the_pbkdf2_crate_on_varied_inputs() {
        for seed in 1..=12u64 {
            let password = pseudo_random(seed, (seed as usize * 11) % 97);
            let salt = pseudo_random(seed * 1_000 + 3, 8 + (seed as usize * 5) % 57);
            let iterations = 1 + (seed as u32 * 37) % 300;
            assert_eq!(
                pbkdf2_sha256(&password, &salt, iterations),
                reference_pbkdf2(&password, &salt, iterations),
                "seed {seed}"
            );
        }
    }

    #[test]
    fn pbkdf2_agrees_with_the_pbkdf2_crate_at_100_000_iterations() {
        let password = pseudo_random(42, 24);
        let salt = pseudo_random(4242, 16);
        assert_eq!(
            pbkdf2_sha256(&password, &salt, 100_000),
            reference_pbkdf2(&password, &salt, 100_000)
        );
    }

    #[test]
    fn pbkdf2_treats_zero_iterations_as_one() {
        assert_eq!(
            pbkdf2_sha256(b"password", b"salt", 0),
            pbkdf2_sha256(b"password", b"salt", 1)
        );
    }

    // --- stored password hashes ---------------------------------------------

    fn sample_hash() -> PasswordHash {
        let salt = pseudo_random(7, 16);
        let hash = pbkdf2_sha256(b"correct horse", &salt, 1_000);
        PasswordHash {
            peppered: false,
            iterations: 1_000,
            salt,
            hash,
        }
    }

    #[test]
    fn password_hash_round_trips_through_its_stored_form() {
        let original = sample_hash();
        let stored = original.to_stored();
        assert!(stored.starts_with("pbkdf2-sha256$1000$"));
        assert!(!stored.contains('='), "no base64 padding: {stored}");
        assert_eq!(PasswordHash::parse(&stored), Some(original));
    }

    #[test]
    fn password_hash_stored_form_has_the_documented_layout() {
        let hash = PasswordHash {
            peppered: false,
            iterations: 600_000,
            salt: vec![0u8; 8],
            hash: [0xffu8; 32],
        };
        assert_eq!(
            hash.to_stored(),
            "pbkdf2-sha256$600000$AAAAAAAAAAA$//////////////////////////////////////////8"
        );
    }

    #[test]
    fn password_hash_matches_only_the_derivation_of_the_right_password() {
        let stored = sample_hash();
        let right = pbkdf2_sha256(b"correct horse", &stored.salt, stored.iterations);
        let wrong = pbkdf2_sha256(b"correct horsE", &stored.salt, stored.iterations);
        assert!(stored.matches(&right));
        assert!(!stored.matches(&wrong));
        assert!(!stored.matches(&right[..31]));
        assert!(!stored.matches(&[]));
    }

    #[test]
    fn password_hash_parse_rejects_malformed_strings() {
        let good = sample_hash().to_stored();
        let parts: Vec<&str> = good.split('$').collect();
        let (salt, hash) = (parts[2], parts[3]);
        let salt_7 = STANDARD_NO_PAD.encode([1u8; 7]);
        let salt_65 = STANDARD_NO_PAD.encode([1u8; 65]);
        let hash_31 = STANDARD_NO_PAD.encode([1u8; 31]);
        let hash_33 = STANDARD_NO_PAD.encode([1u8; 33]);
        let padded_salt = base64::engine::general_purpose::STANDARD.encode(pseudo_random(7, 16));
        let bad = [
            String::new(),
            "pbkdf2-sha256".to_string(),
            format!("pbkdf2-sha256$1000${salt}"),
            format!("pbkdf2-sha256$1000${salt}${hash}$extra"),
            format!("pbkdf2-sha1$1000${salt}${hash}"),
            format!("PBKDF2-SHA256$1000${salt}${hash}"),
            format!("pbkdf2-sha256$0${salt}${hash}"),
            format!("pbkdf2-sha256$10000001${salt}${hash}"),
            format!("pbkdf2-sha256$99999999999${salt}${hash}"),
            format!("pbkdf2-sha256$-5${salt}${hash}"),
            format!("pbkdf2-sha256$+5${salt}${hash}"),
            format!("pbkdf2-sha256$01000${salt}${hash}"),
            format!("pbkdf2-sha256$ 1000${salt}${hash}"),
            format!("pbkdf2-sha256$${salt}${hash}"),
            format!("pbkdf2-sha256$1000$${hash}"),
            format!("pbkdf2-sha256$1000${salt}$"),
            format!("pbkdf2-sha256$1000${salt_7}${hash}"),
            format!("pbkdf2-sha256$1000${salt_65}${hash}"),
            format!("pbkdf2-sha256$1000${salt}${hash_31}"),
            format!("pbkdf2-sha256$1000${salt}${hash_33}"),
            format!("pbkdf2-sha256$1000${padded_salt}${hash}"),
            format!("pbkdf2-sha256$1000$not*base64${hash}"),
            format!("pbkdf2-sha256$1000${salt}${hash}!"),
        ];
        for text in bad {
            assert_eq!(PasswordHash::parse(&text), None, "accepted {text:?}");
        }
    }

    #[test]
    fn password_hash_parse_accepts_the_iteration_and_salt_bounds() {
        let hash = STANDARD_NO_PAD.encode([3u8; 32]);
        for (iterations, salt_len) in [(1u32, 8usize), (10_000_000, 64)] {
            let salt = STANDARD_NO_PAD.encode(vec![5u8; salt_len]);
            let text = format!("pbkdf2-sha256${iterations}${salt}${hash}");
            let parsed = PasswordHash::parse(&text).unwrap();
            assert_eq!(parsed.iterations, iterations);
            assert_eq!(parsed.salt.len(), salt_len);
        }
    }

    // --- sealing ------------------------------------------------------------

    const KEY: &str = "a credentials key from the environment";
    const NONCE: [u8; 12] = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 12];

    #[test]
    fn seal_then_open_returns_the_plaintext() {
        for plaintext in [&b""[..], b"x", b"{\"api_key\":\"sk_live_123\"}"] {
            let sealed = seal(KEY, NONCE, plaintext).unwrap();
            assert!(sealed.starts_with("v1."));
            assert_eq!(open(KEY, &sealed).unwrap(), plaintext);
        }
    }

    #[test]
    fn sealed_value_does_not_contain_the_plaintext() {
        let sealed = seal(KEY, NONCE, b"sk_live_secret").unwrap();
        let blob = STANDARD_NO_PAD.decode(&sealed[3..]).unwrap();
        assert_eq!(&blob[..12], &NONCE);
        assert_eq!(blob.len(), 12 + 14 + 16);
        assert!(!blob.windows(14).any(|w| w == b"sk_live_secret"));
    }

    #[test]
    fn open_with_the_wrong_key_fails() {
        let sealed = seal(KEY, NONCE, b"secret").unwrap();
        assert_eq!(open("another key", &sealed), Err(CryptoError::Decrypt));
    }

    #[test]
    fn open_fails_when_any_byte_of_the_sealed_blob_is_flipped() {
        let sealed = seal(KEY, NONCE, b"secret").unwrap();
        let blob = STANDARD_NO_PAD.decode(&sealed[3..]).unwrap();
        for i in 0..blob.len() {
            let mut tampered = blob.clone();
            tampered[i] ^= 0x01;
            let text = format!("v1.{}", STANDARD_NO_PAD.encode(&tampered));
            assert_eq!(open(KEY, &text), Err(CryptoError::Decrypt), "byte {i}");
        }
    }

    #[test]
    fn open_fails_on_truncated_values() {
        let sealed = seal(KEY, NONCE, b"secret").unwrap();
        let blob = STANDARD_NO_PAD.decode(&sealed[3..]).unwrap();
        for len in 0..blob.len() {
            let text = format!("v1.{}", STANDARD_NO_PAD.encode(&blob[..len]));
            assert!(open(KEY, &text).is_err(), "length {len}");
        }
        assert_eq!(open(KEY, "v1."), Err(CryptoError::TooShort));
    }

    #[test]
    fn open_rejects_bad_formats_without_panicking() {
        let sealed = seal(KEY, NONCE, b"secret").unwrap();
        assert_eq!(open(KEY, ""), Err(CryptoError::UnknownVersion));
        assert_eq!(open(KEY, &sealed[3..]), Err(CryptoError::UnknownVersion));
        assert_eq!(
            open(KEY, &sealed.replacen("v1.", "v2.", 1)),
            Err(CryptoError::UnknownVersion)
        );
        assert_eq!(open(KEY, "v1.***"), Err(CryptoError::BadEncoding));
        assert_eq!(
            open(KEY, &format!("{sealed}=")),
            Err(CryptoError::BadEncoding)
        );
        assert_eq!(open(KEY, "v1.é"), Err(CryptoError::BadEncoding));
    }

    #[test]
    fn different_nonces_give_different_sealed_values() {
        let mut other = NONCE;
        other[0] ^= 0xff;
        let a = seal(KEY, NONCE, b"secret").unwrap();
        let b = seal(KEY, other, b"secret").unwrap();
        assert_ne!(a, b);
        assert_ne!(
            a[3 + 16..],
            b[3 + 16..],
            "ciphertexts differ, not just nonces"
        );
        assert_eq!(open(KEY, &a).unwrap(), b"secret");
        assert_eq!(open(KEY, &b).unwrap(), b"secret");
    }

    #[test]
    fn seal_and_open_refuse_an_empty_key() {
        assert_eq!(seal("", NONCE, b"secret"), Err(CryptoError::EmptyKey));
        let sealed = seal(KEY, NONCE, b"secret").unwrap();
        assert_eq!(open("", &sealed), Err(CryptoError::EmptyKey));
    }

    #[test]
    fn crypto_errors_display_a_message() {
        for error in [
            CryptoError::EmptyKey,
            CryptoError::UnknownVersion,
            CryptoError::BadEncoding,
            CryptoError::TooShort,
            CryptoError::Encrypt,
            CryptoError::Decrypt,
            CryptoError::UnknownKey,
        ] {
            assert!(!error.to_string().is_empty());
        }
    }

    // --- signed tokens ------------------------------------------------------

    const SECRET: &str = "session secret";

    #[test]
    fn signed_token_verifies_and_returns_the_token() {
        let signed = sign(SECRET, "session", "abc123");
        assert!(signed.starts_with("abc123."));
        assert_eq!(signed.len(), "abc123.".len() + 64);
        assert_eq!(verify_signed(SECRET, "session", &signed), Some("abc123"));
    }

    #[test]
    fn signed_token_has_the_documented_mac() {
        let expected = format!(
            "tok.{}",
            hex(&hmac_sha256(SECRET.as_bytes(), b"session:tok"))
        );
        assert_eq!(sign(SECRET, "session", "tok"), expected);
    }

    #[test]
    fn signed_token_fails_under_a_wrong_secret() {
        let signed = sign(SECRET, "session", "abc123");
        assert_eq!(verify_signed("other secret", "session", &signed), None);
    }

    #[test]
    fn signed_token_for_one_purpose_does_not_verify_for_another() {
        let session = sign(SECRET, "session", "abc123");
        let csrf = sign(SECRET, "csrf", "abc123");
        assert_ne!(session, csrf);
        assert_eq!(verify_signed(SECRET, "csrf", &session), None);
        assert_eq!(verify_signed(SECRET, "session", &csrf), None);
    }

    #[test]
    fn tampered_signed_token_fails() {
        let signed = sign(SECRET, "session", "abc123");
        let mac = &signed["abc123.".len()..];
        assert_eq!(
            verify_signed(SECRET, "session", &format!("abc124.{mac}")),
            None
        );
        assert_eq!(
            verify_signed(SECRET, "session", &format!("abc12.{mac}")),
            None
        );
        assert_eq!(verify_signed(SECRET, "session", &format!(".{mac}")), None);
        let mut flipped = signed.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert_eq!(verify_signed(SECRET, "session", &flipped), None);
        assert_eq!(
            verify_signed(SECRET, "session", &signed.to_uppercase()),
            None
        );
        assert_eq!(
            verify_signed(SECRET, "session", &format!("{signed}0")),
            None
        );
        assert_eq!(
            verify_signed(SECRET, "session", &signed[..signed.len() - 1]),
            None
        );
    }

    #[test]
    fn upper_case_mac_is_not_accepted() {
        let signed = sign(SECRET, "session", "abc123");
        let (token, mac) = signed.rsplit_once('.').unwrap();
        let upper = format!("{token}.{}", mac.to_uppercase());
        assert_ne!(upper, signed, "mac has letters to change case of");
        assert_eq!(verify_signed(SECRET, "session", &upper), None);
    }

    #[test]
    fn garbage_signed_values_return_none() {
        let non_hex = format!("abc.{}", "g".repeat(64));
        let multibyte = format!("abc.{}", "é".repeat(32));
        for value in [
            "",
            ".",
            "a.b.c",
            "abc",
            "abc.",
            "..",
            non_hex.as_str(),
            multibyte.as_str(),
        ] {
            assert_eq!(verify_signed(SECRET, "session", value), None, "{value:?}");
        }
    }

    #[test]
    fn token_containing_dots_round_trips() {
        let signed = sign(SECRET, "csrf", "a.b.c");
        assert_eq!(verify_signed(SECRET, "csrf", &signed), Some("a.b.c"));
    }
}
