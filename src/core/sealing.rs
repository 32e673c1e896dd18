//! Sealing of the sellers' PSP credentials at rest, format v2: the AES-256-GCM
//! key is derived from `CREDENTIALS_KEY` with HKDF-SHA256 (RFC 5869) under a
//! purpose label, each value is bound by AAD to the row it belongs to (client,
//! credentials version, API username), and the sealed text names the key it
//! was sealed under (`v2.<kid>.<base64>`), so that the operator can rotate the
//! key: values sealed under `CREDENTIALS_KEY_PREVIOUS` still open, and the
//! cron re-seals them under the current key.
//!
//! Values of the v1 format (`crate::core::crypto::seal`: SHA-256 of the
//! secret as the key, no AAD, no key id) still open, under either key, and
//! are re-sealed like the others.
//!
//! Pure: callers pass the nonce in.

use super::crypto::{self, CryptoError, NONCE_LEN};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};

/// Prefix of a v2 sealed value.
const V2_PREFIX: &str = "v2.";
/// Prefix of a v1 sealed value.
const V1_PREFIX: &str = "v1.";
/// HKDF salt: fixed, names the application (RFC 5869 §3.1 allows a constant).
const HKDF_SALT: &[u8] = b"paybook";
/// HKDF info of the AES-256-GCM key that seals PSP credentials.
const PURPOSE_AES: &[u8] = b"paybook/psp-credentials/aes-256-gcm/v2";
/// HKDF info of the key id: public, so derived apart from the key itself.
const PURPOSE_KID: &[u8] = b"paybook/psp-credentials/key-id/v2";
/// Length of a key id in bytes (shown as 8 hex characters).
const KID_LEN: usize = 4;

/// HKDF-SHA256 (RFC 5869): extract with `salt`, expand with `info` to
/// `LEN` bytes. `LEN` is at most 255 × 32 by the RFC; our uses ask for 32
/// bytes or less, and a larger `LEN` is cut to that bound (zeros after it).
pub fn hkdf_sha256<const LEN: usize>(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; LEN] {
    let prk = crypto::hmac_sha256(salt, ikm);
    let mut out = [0u8; LEN];
    let mut previous: Vec<u8> = Vec::new();
    let mut filled = 0;
    let mut counter: u8 = 1;
    while filled < LEN {
        let mut block = previous.clone();
        block.extend_from_slice(info);
        block.push(counter);
        let t = crypto::hmac_sha256(&prk, &block);
        let take = (LEN - filled).min(t.len());
        out[filled..filled + take].copy_from_slice(&t[..take]);
        filled += take;
        previous = t.to_vec();
        counter = match counter.checked_add(1) {
            Some(c) => c,
            None => break,
        };
    }
    out
}

/// One credentials key: its AES key and its public id.
#[derive(Clone)]
pub struct SealingKey {
    /// The secret as configured, for opening v1 values (SHA-256 of it).
    secret: String,
    aes: [u8; 32],
    kid: String,
}

impl SealingKey {
    /// Derives the key and its id from the configured secret; `None` when the
    /// secret is empty.
    pub fn new(secret: &str) -> Option<SealingKey> {
        if secret.is_empty() {
            return None;
        }
        let aes = hkdf_sha256::<32>(HKDF_SALT, secret.as_bytes(), PURPOSE_AES);
        let kid_bytes = hkdf_sha256::<KID_LEN>(HKDF_SALT, secret.as_bytes(), PURPOSE_KID);
        let kid = kid_bytes.iter().map(|b| format!("{b:02x}")).collect();
        Some(SealingKey {
            secret: secret.to_string(),
            aes,
            kid,
        })
    }

    /// The key id written into values sealed under this key.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&Key::<Aes256Gcm>::from(self.aes))
    }
}

impl std::fmt::Debug for SealingKey {
    // Keys never reach a log, not even through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealingKey {{ kid: {} }}", self.kid)
    }
}

/// The current key, which seals, and the previous one, which only opens.
#[derive(Clone, Debug)]
pub struct Keyring {
    pub current: SealingKey,
    pub previous: Option<SealingKey>,
}

/// The row a sealed value belongs to; part of the AAD, so a value copied to
/// another client, version or username does not open.
#[derive(Clone, Copy, Debug)]
pub struct Binding<'a> {
    pub client_id: i64,
    pub version: i64,
    pub api_username: &'a str,
}

impl Binding<'_> {
    /// `paybook-credentials|<client_id>|<version>|<api_username>`: the
    /// username is last, so that a `|` inside it cannot shift the others.
    fn aad(&self) -> Vec<u8> {
        format!(
            "paybook-credentials|{}|{}|{}",
            self.client_id, self.version, self.api_username
        )
        .into_bytes()
    }
}

impl Keyring {
    /// Seals `plaintext` for `binding` under the current key:
    /// `v2.<kid>.<base64(nonce || ciphertext || tag)>`.
    pub fn seal(
        &self,
        binding: Binding,
        nonce: [u8; NONCE_LEN],
        plaintext: &[u8],
    ) -> Result<String, CryptoError> {
        let aad = binding.aad();
        let sealed = self
            .current
            .cipher()
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::Encrypt)?;
        Ok(format!(
            "{V2_PREFIX}{}.{}",
            self.current.kid,
            crypto::encode_sealed(nonce, &sealed)
        ))
    }

    /// Opens a v2 value (under the key its id names) or a v1 value (under
    /// either key). Anything else, a wrong binding included, is an error.
    pub fn open(&self, binding: Binding, sealed: &str) -> Result<Vec<u8>, CryptoError> {
        if sealed.starts_with(V1_PREFIX) {
            return crypto::open(&self.current.secret, sealed).or_else(|first| {
                match &self.previous {
                    Some(previous) => crypto::open(&previous.secret, sealed),
                    None => Err(first),
                }
            });
        }
        let body = sealed
            .strip_prefix(V2_PREFIX)
            .ok_or(CryptoError::UnknownVersion)?;
        let (kid, encoded) = body.split_once('.').ok_or(CryptoError::BadEncoding)?;
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.kid == kid)
            .ok_or(CryptoError::UnknownKey)?;
        let (nonce, ciphertext) = crypto::decode_sealed(encoded)?;
        let aad = binding.aad();
        key.cipher()
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::Decrypt)
    }

    /// Whether `sealed` is already in the current format under the current
    /// key (nothing to re-seal).
    pub fn is_current(&self, sealed: &str) -> bool {
        sealed.starts_with(&self.current_prefix())
    }

    /// `v2.<current kid>.`: values starting otherwise are due for re-sealing.
    pub fn current_prefix(&self) -> String {
        format!("{V2_PREFIX}{}.", self.current.kid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD_NO_PAD;
    use base64::Engine;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn hkdf_matches_rfc5869_test_case_1() {
        let ikm = [0x0bu8; 22];
        let salt = unhex("000102030405060708090a0b0c");
        let info = unhex("f0f1f2f3f4f5f6f7f8f9");
        let okm = hkdf_sha256::<42>(&salt, &ikm, &info);
        assert_eq!(
            hex(&okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        );
    }

    #[test]
    fn hkdf_matches_rfc5869_test_case_3_with_empty_salt_and_info() {
        let okm = hkdf_sha256::<42>(&[], &[0x0bu8; 22], &[]);
        assert_eq!(
            hex(&okm),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
        );
    }

    #[test]
    fn the_aes_key_is_not_sha256_of_the_secret_and_depends_on_the_purpose() {
        let key = SealingKey::new("a long enough credentials key for tests").unwrap();
        let sha = crypto::sha256_hex(b"a long enough credentials key for tests");
        assert_ne!(hex(&key.aes), sha);
        let kid_full = hkdf_sha256::<32>(HKDF_SALT, key.secret.as_bytes(), PURPOSE_KID);
        assert_ne!(kid_full, key.aes);
        assert_eq!(key.kid().len(), 8);
        assert!(SealingKey::new("").is_none());
    }

    const CURRENT: &str = "current credentials key, 32+ characters long";
    const PREVIOUS: &str = "previous credentials key, 32+ characters long";
    const NONCE: [u8; 12] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

    fn ring(current: &str, previous: Option<&str>) -> Keyring {
        Keyring {
            current: SealingKey::new(current).unwrap(),
            previous: previous.map(|p| SealingKey::new(p).unwrap()),
        }
    }

    fn binding(client_id: i64, version: i64, api_username: &str) -> Binding<'_> {
        Binding {
            client_id,
            version,
            api_username,
        }
    }

    #[test]
    fn sealed_value_names_its_format_and_key_and_opens_for_its_own_row() {
        let ring = ring(CURRENT, None);
        let row = binding(7, 2, "seller_api1.example.org");
        let sealed = ring.seal(row, NONCE, b"{\"password\":\"p\"}").unwrap();
        assert!(sealed.starts_with(&format!("v2.{}.", ring.current.kid())));
        assert!(ring.is_current(&sealed));
        assert_eq!(ring.open(row, &sealed).unwrap(), b"{\"password\":\"p\"}");
    }

    #[test]
    fn a_sealed_value_moved_to_another_client_version_or_username_does_not_open() {
        let ring = ring(CURRENT, None);
        let sealed = ring
            .seal(binding(7, 2, "a_api1"), NONCE, b"secret")
            .unwrap();
        for other in [
            binding(8, 2, "a_api1"),
            binding(7, 1, "a_api1"),
            binding(7, 2, "b_api1"),
            binding(72, 2, "a_api1"),
        ] {
            assert_eq!(ring.open(other, &sealed), Err(CryptoError::Decrypt));
        }
    }

    #[test]
    fn values_sealed_under_the_previous_key_open_after_rotation_and_reseal_under_the_new() {
        let before = ring(PREVIOUS, None);
        let row = binding(3, 1, "u_api1");
        let old = before.seal(row, NONCE, b"secret").unwrap();
        let after = ring(CURRENT, Some(PREVIOUS));
        assert!(!after.is_current(&old));
        assert_eq!(after.open(row, &old).unwrap(), b"secret");
        let resealed = after.seal(row, NONCE, b"secret").unwrap();
        assert!(after.is_current(&resealed));
        // Once the previous key is dropped, only the re-sealed value opens.
        let later = ring(CURRENT, None);
        assert_eq!(later.open(row, &old), Err(CryptoError::UnknownKey));
        assert_eq!(later.open(row, &resealed).unwrap(), b"secret");
    }

    #[test]
    fn v1_values_open_under_the_current_or_the_previous_key() {
        let row = binding(3, 1, "u_api1");
        let v1_current = crypto::seal(CURRENT, NONCE, b"one").unwrap();
        let v1_previous = crypto::seal(PREVIOUS, NONCE, b"two").unwrap();
        let ring = ring(CURRENT, Some(PREVIOUS));
        assert_eq!(ring.open(row, &v1_current).unwrap(), b"one");
        assert_eq!(ring.open(row, &v1_previous).unwrap(), b"two");
        assert!(!ring.is_current(&v1_current));
        let without_previous = super::tests::ring(CURRENT, None);
        assert_eq!(
            without_previous.open(row, &v1_previous),
            Err(CryptoError::Decrypt)
        );
    }

    #[test]
    fn altered_or_malformed_v2_values_are_refused_without_panicking() {
        let ring = ring(CURRENT, None);
        let row = binding(1, 1, "x");
        let sealed = ring.seal(row, NONCE, b"secret").unwrap();
        let prefix = ring.current_prefix();
        let blob = STANDARD_NO_PAD.decode(&sealed[prefix.len()..]).unwrap();
        for i in 0..blob.len() {
            let mut tampered = blob.clone();
            tampered[i] ^= 1;
            let text = format!("{prefix}{}", STANDARD_NO_PAD.encode(&tampered));
            assert_eq!(ring.open(row, &text), Err(CryptoError::Decrypt), "byte {i}");
        }
        assert_eq!(ring.open(row, ""), Err(CryptoError::UnknownVersion));
        assert_eq!(
            ring.open(row, "v3.abc.def"),
            Err(CryptoError::UnknownVersion)
        );
        assert_eq!(ring.open(row, "v2.nokid"), Err(CryptoError::BadEncoding));
        assert_eq!(
            ring.open(row, &format!("{prefix}***")),
            Err(CryptoError::BadEncoding)
        );
        assert_eq!(ring.open(row, &prefix), Err(CryptoError::TooShort));
        assert_eq!(
            ring.open(row, &sealed.replacen(ring.current.kid(), "00000000", 1)),
            Err(CryptoError::UnknownKey)
        );
    }

    #[test]
    fn debug_of_a_key_shows_only_its_id() {
        let key = SealingKey::new(CURRENT).unwrap();
        let text = format!("{key:?}");
        assert!(!text.contains(CURRENT));
        assert!(text.contains(key.kid()));
    }
}
