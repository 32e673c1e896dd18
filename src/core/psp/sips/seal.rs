//! Sips seals (reference part B3 and B5). The Paypage seal covers the raw
//! `Data` string exactly as posted (plain, or its base64 form when
//! `Encode=base64`): HMAC-SHA-256 keyed with the secret key's UTF-8 bytes,
//! or the older SHA-256 of `Data` followed by the key; both lower-case hex.
//! The JSON seal (Paypage JSON and Office) is HMAC-SHA-256 over the values,
//! without names, of every field sorted by name (objects recursed, lists in
//! order), `keyVersion`, `sealAlgorithm` and `seal` left out. Received seals
//! are compared in constant time.

use crate::core::crypto::{constant_time_eq, hmac_sha256, sha256_hex};

/// `SealAlgorithm` as Sips spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SealAlgorithm {
    HmacSha256,
    /// Older accounts; Sips' default when `SealAlgorithm` is absent.
    Sha256,
}

impl SealAlgorithm {
    pub const ALL: [SealAlgorithm; 2] = [SealAlgorithm::HmacSha256, SealAlgorithm::Sha256];

    pub fn as_str(self) -> &'static str {
        match self {
            SealAlgorithm::HmacSha256 => "HMAC-SHA-256",
            SealAlgorithm::Sha256 => "SHA-256",
        }
    }

    /// The algorithm named `text` (exact spelling); anything else is `None`.
    pub fn parse(text: &str) -> Option<SealAlgorithm> {
        SealAlgorithm::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// The JSON fields a JSON seal leaves out.
const UNSEALED_JSON_FIELDS: [&str; 3] = ["keyVersion", "sealAlgorithm", "seal"];

/// Lower-case hex of `bytes`.
fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The Paypage seal of `data` (as posted) under `secret_key`.
pub fn paypage_seal(algorithm: SealAlgorithm, data: &str, secret_key: &str) -> String {
    match algorithm {
        SealAlgorithm::HmacSha256 => {
            hex_lower(&hmac_sha256(secret_key.as_bytes(), data.as_bytes()))
        }
        SealAlgorithm::Sha256 => sha256_hex(format!("{data}{secret_key}").as_bytes()),
    }
}

/// Whether `seal` is the Paypage seal of `data` under `secret_key`. Hex
/// case is not significant; the comparison takes the same time whatever
/// the content.
pub fn verify_paypage_seal(
    algorithm: SealAlgorithm,
    data: &str,
    secret_key: &str,
    seal: &str,
) -> bool {
    let expected = paypage_seal(algorithm, data, secret_key);
    constant_time_eq(expected.as_bytes(), seal.to_ascii_lowercase().as_bytes())
}

/// The string a JSON seal covers: the values of `message`'s fields sorted
/// by name, objects recursed, lists in order, nulls contributing nothing.
pub fn json_seal_string(message: &serde_json::Value) -> String {
    let mut out = String::new();
    match message {
        serde_json::Value::Object(fields) => {
            let mut names: Vec<&String> = fields
                .keys()
                .filter(|name| !UNSEALED_JSON_FIELDS.contains(&name.as_str()))
                .collect();
            names.sort();
            for name in names {
                if let Some(value) = fields.get(name) {
                    push_values(&mut out, value);
                }
            }
        }
        serde_json::Value::Null
        | serde_json::Value::Bool(_)
        | serde_json::Value::Number(_)
        | serde_json::Value::String(_)
        | serde_json::Value::Array(_) => push_values(&mut out, message),
    }
    out
}

/// Appends the values `value` contributes to a seal string (nested objects
/// keep every field: the exclusions apply to the message's own fields).
fn push_values(out: &mut String, value: &serde_json::Value) {
    match value {
        serde_json::Value::Null => {}
        serde_json::Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        serde_json::Value::Number(n) => out.push_str(&n.to_string()),
        serde_json::Value::String(s) => out.push_str(s),
        serde_json::Value::Array(items) => items.iter().for_each(|item| push_values(out, item)),
        serde_json::Value::Object(fields) => {
            let mut names: Vec<&String> = fields.keys().collect();
            names.sort();
            for name in names {
                if let Some(nested) = fields.get(name) {
                    push_values(out, nested);
                }
            }
        }
    }
}

/// The JSON seal of `message` under `secret_key`.
pub fn json_seal(message: &serde_json::Value, secret_key: &str) -> String {
    let sealed = json_seal_string(message);
    hex_lower(&hmac_sha256(secret_key.as_bytes(), sealed.as_bytes()))
}

/// Whether `message` carries (in `seal`) its own JSON seal under
/// `secret_key`. A message without a text `seal` is not sealed.
pub fn verify_json_seal(message: &serde_json::Value, secret_key: &str) -> bool {
    let Some(seal) = message.get("seal").and_then(serde_json::Value::as_str) else {
        return false;
    };
    let expected = json_seal(message, secret_key);
    constant_time_eq(expected.as_bytes(), seal.to_ascii_lowercase().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::psp::sips::fixtures::{paypage_seal_vectors, JSON_SEAL_VECTOR};
    use base64::Engine;

    fn algorithm(name: &str) -> SealAlgorithm {
        SealAlgorithm::parse(name).expect("known algorithm in the fixture")
    }

    #[test]
    fn every_public_paypage_vector_of_the_reference_is_reproduced() {
        let vectors = paypage_seal_vectors();
        assert_eq!(vectors.len(), 7, "every vector of reference part B3");
        for v in &vectors {
            assert_eq!(
                paypage_seal(algorithm(v.algorithm), v.data, v.key),
                v.seal,
                "{}",
                v.source
            );
        }
    }

    #[test]
    fn every_public_paypage_vector_verifies_and_a_changed_byte_does_not() {
        for v in paypage_seal_vectors() {
            let algo = algorithm(v.algorithm);
            assert!(
                verify_paypage_seal(algo, v.data, v.key, v.seal),
                "{}",
                v.source
            );
            assert!(
                verify_paypage_seal(algo, v.data, v.key, &v.seal.to_uppercase()),
                "hex case is not significant: {}",
                v.source
            );
            let tampered = format!("{}x", v.data);
            assert!(
                !verify_paypage_seal(algo, &tampered, v.key, v.seal),
                "{}",
                v.source
            );
            let wrong_key = format!("{}2", v.key);
            assert!(
                !verify_paypage_seal(algo, v.data, &wrong_key, v.seal),
                "{}",
                v.source
            );
        }
    }

    #[test]
    fn a_seal_made_with_one_algorithm_does_not_verify_with_the_other() {
        for v in paypage_seal_vectors() {
            let other = match algorithm(v.algorithm) {
                SealAlgorithm::HmacSha256 => SealAlgorithm::Sha256,
                SealAlgorithm::Sha256 => SealAlgorithm::HmacSha256,
            };
            assert!(
                !verify_paypage_seal(other, v.data, v.key, v.seal),
                "{}",
                v.source
            );
        }
    }

    #[test]
    fn a_truncated_empty_or_non_hex_seal_is_refused() {
        let v = &paypage_seal_vectors()[0];
        let algo = algorithm(v.algorithm);
        for bad in ["", &v.seal[..63], &format!("{}0", v.seal), "zz"] {
            assert!(!verify_paypage_seal(algo, v.data, v.key, bad), "{bad:?}");
        }
    }

    #[test]
    fn the_base64_vector_is_the_plain_vectors_data_encoded() {
        let vectors = paypage_seal_vectors();
        let plain = vectors
            .iter()
            .find(|v| v.source == "computed HMAC over plain Data")
            .expect("plain vector");
        let encoded = vectors
            .iter()
            .find(|v| v.source.contains("base64"))
            .expect("base64 vector");
        let expected = base64::engine::general_purpose::STANDARD.encode(plain.data);
        assert_eq!(encoded.data, expected);
    }

    fn json_vector() -> serde_json::Value {
        serde_json::from_str(JSON_SEAL_VECTOR).expect("fixture is JSON")
    }

    #[test]
    fn the_json_seal_string_is_the_values_sorted_by_name_without_key_version() {
        let v = json_vector();
        assert_eq!(
            json_seal_string(&v["request"]),
            v["sealString"].as_str().unwrap()
        );
    }

    #[test]
    fn the_public_json_seal_vector_is_reproduced_and_verifies() {
        let v = json_vector();
        let key = v["secretKey"].as_str().unwrap();
        let seal = v["seal"].as_str().unwrap();
        assert_eq!(json_seal(&v["request"], key), seal);
        let mut sealed = v["request"].clone();
        sealed["seal"] = serde_json::Value::from(seal);
        assert!(verify_json_seal(&sealed, key));
        assert!(!verify_json_seal(&sealed, "secret124"));
        sealed["amount"] = serde_json::Value::from(2501);
        assert!(
            !verify_json_seal(&sealed, key),
            "a changed amount breaks the seal"
        );
    }

    #[test]
    fn a_json_message_without_a_seal_does_not_verify() {
        let v = json_vector();
        assert!(!verify_json_seal(&v["request"], "secret123"));
        let mut numeric = v["request"].clone();
        numeric["seal"] = serde_json::Value::from(1);
        assert!(!verify_json_seal(&numeric, "secret123"));
    }

    #[test]
    fn json_lists_keep_their_order_and_nested_objects_are_sorted() {
        let message = serde_json::json!({
            "b": ["2", "1"], "a": {"z": "Z", "y": 3, "n": null}, "seal": "x", "c": true
        });
        assert_eq!(json_seal_string(&message), "3Z21true");
    }

    #[test]
    fn the_algorithm_names_are_sips_spellings_and_nothing_else() {
        assert_eq!(
            SealAlgorithm::parse("HMAC-SHA-256"),
            Some(SealAlgorithm::HmacSha256)
        );
        assert_eq!(SealAlgorithm::parse("SHA-256"), Some(SealAlgorithm::Sha256));
        assert_eq!(SealAlgorithm::parse("hmac-sha-256"), None);
        assert_eq!(SealAlgorithm::parse(""), None);
    }
}
