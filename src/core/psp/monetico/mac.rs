//! Monetico's MACs: HMAC-SHA1 under the usable key over either the sorted
//! `key=value` string of version 3.0 (A6: every field posted but `MAC`,
//! empty ones included, sorted by byte order, joined with `*`) or the
//! positional string of the legacy kits (A5: CGI1 for the request, CGI2 for
//! the notification). Sent upper-case (as Monetico sends its own);
//! received ones are compared case-insensitively, in constant time, on the
//! decoded bytes.

use std::collections::BTreeMap;

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac as _};
use sha1::{Digest, Sha1};

use super::key::UsableKey;
use crate::core::crypto::constant_time_eq;

/// The field that carries the MAC, never part of what it seals.
pub const MAC_FIELD: &str = "MAC";

/// The protocol version every modern Monetico form posts, and the value the
/// positional CGI2 string uses (the bank does not post it back).
pub const VERSION: &str = "3.0";

/// The request's positional fields (`CMCIC_CGI1_FIELDS`): 19, joined with
/// `*`, no trailing star. `montant` carries its currency (`62.75EUR`).
pub const CGI1_FIELDS: [&str; 19] = [
    "TPE",
    "date",
    "montant",
    "reference",
    "texte-libre",
    "version",
    "lgue",
    "societe",
    "mail",
    "nbrech",
    "dateech1",
    "montantech1",
    "dateech2",
    "montantech2",
    "dateech3",
    "montantech3",
    "dateech4",
    "montantech4",
    "options",
];

/// The notification's positional fields (`CMCIC_CGI2_FIELDS`): 20, each
/// followed by `*`.
pub const CGI2_FIELDS: [&str; 20] = [
    "TPE",
    "date",
    "montant",
    "reference",
    "texte-libre",
    "version",
    "code-retour",
    "cvx",
    "vld",
    "brand",
    "status3ds",
    "numauto",
    "motifrefus",
    "originecb",
    "bincb",
    "hpancb",
    "ipclient",
    "originetr",
    "veres",
    "pares",
];

/// Which string a MAC seals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Version 3.0 as Monetico speaks it today (A6).
    Sorted,
    /// The legacy kits' request string (A5, CGI1).
    PositionalRequest,
    /// The legacy kits' notification string (A5, CGI2).
    PositionalNotification,
}

/// An HMAC-SHA1 value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mac([u8; 20]);

impl Mac {
    /// 40 upper-case hex characters, as posted.
    pub fn to_hex(self) -> String {
        hex_lower(&self.0).to_ascii_uppercase()
    }

    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }
}

/// SHA-1's block size in bytes.
const SHA1_BLOCK: usize = 64;

/// HMAC-SHA1 of `message` under `key`.
pub fn hmac_sha1(key: &UsableKey, message: &[u8]) -> Mac {
    // Keys longer than SHA-1's block are hashed first (RFC 2104); a usable
    // key is 20 bytes, so this only serves odd legacy keys. Building from a
    // full block never fails, unlike `new_from_slice`.
    let digest;
    let source: &[u8] = if key.as_bytes().len() > SHA1_BLOCK {
        digest = Sha1::digest(key.as_bytes());
        &digest
    } else {
        key.as_bytes()
    };
    let mut block = [0u8; SHA1_BLOCK];
    for (slot, byte) in block.iter_mut().zip(source) {
        *slot = *byte;
    }
    let mut mac = <Hmac<Sha1> as KeyInit>::new(&block.into());
    mac.update(message);
    Mac(mac.finalize().into_bytes().into())
}

/// The string `layout` seals, from the fields as posted (raw, decoded
/// values; `MAC` ignored; a positional field absent is empty).
pub fn sealed_string<'a, I>(layout: Layout, fields: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    // Byte order of the keys (PHP `ksort`, C# `StringComparer.Ordinal`).
    let fields: BTreeMap<&str, &str> = fields
        .into_iter()
        .filter(|(name, _)| *name != MAC_FIELD)
        .collect();
    let value = |name: &str| fields.get(name).copied().unwrap_or("");
    match layout {
        Layout::Sorted => fields
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("*"),
        Layout::PositionalRequest => CGI1_FIELDS.map(value).join("*"),
        Layout::PositionalNotification => CGI2_FIELDS
            .map(|name| match (name, fields.get(name)) {
                ("version", None) => VERSION,
                (_, found) => found.copied().unwrap_or(""),
            })
            .iter()
            .fold(String::new(), |out, v| out + v + "*"),
    }
}

/// The MAC of `fields` under `key` in `layout`.
pub fn compute<'a, I>(key: &UsableKey, layout: Layout, fields: I) -> Mac
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    hmac_sha1(key, sealed_string(layout, fields).as_bytes())
}

/// Whether `received` (hex, either case) is the MAC of `sealed` under
/// `key`; compared in constant time on the decoded bytes.
pub fn verify(key: &UsableKey, sealed: &str, received: &str) -> bool {
    match decode_hex(received) {
        Some(bytes) => constant_time_eq(hmac_sha1(key, sealed.as_bytes()).as_bytes(), &bytes),
        None => false,
    }
}

/// Lower-case hex of `bytes`.
pub fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The bytes of hex text of either case; `None` for an odd length or a
/// character that is not hex.
pub fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks_exact(2)
        .map(|pair| Some(hex_value(*pair.first()?)? << 4 | hex_value(*pair.get(1)?)?))
        .collect()
}

/// The value of one hex digit of either case.
pub fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::psp::monetico::test_vectors::{vectors, Vector};

    fn split_fields(input: &str) -> Vec<(&str, &str)> {
        input
            .split('*')
            .map(|pair| pair.split_once('=').expect("key=value"))
            .collect()
    }

    #[test]
    fn every_positional_vector_of_the_reference_gives_its_mac() {
        let mut checked = 0;
        for vector in vectors() {
            if let Vector::Positional { key, input, mac } = vector {
                assert_eq!(
                    hmac_sha1(&key, input.as_bytes()).to_hex(),
                    mac.to_ascii_uppercase()
                );
                assert!(verify(&key, input, mac), "{input}");
                checked += 1;
            }
        }
        assert_eq!(checked, 4);
    }

    #[test]
    fn positional_strings_are_rebuilt_from_the_fields_in_the_kits_order() {
        let mut checked = 0;
        for vector in vectors() {
            if let Vector::Positional { input, .. } = vector {
                let values: Vec<&str> = input.split('*').collect();
                // CGI1 has 19 fields; CGI2 20, each followed by a star.
                let (layout, names): (Layout, &[&str]) = if values.len() == 21 {
                    (Layout::PositionalNotification, &CGI2_FIELDS)
                } else {
                    (Layout::PositionalRequest, &CGI1_FIELDS)
                };
                // Only the non-empty fields are given, shuffled, with a
                // MAC that must be left out: absent means empty.
                let mut fields: Vec<(&str, &str)> = names
                    .iter()
                    .zip(&values)
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(n, v)| (*n, *v))
                    .collect();
                fields.reverse();
                fields.push(("MAC", "ignored"));
                assert_eq!(sealed_string(layout, fields), input);
                checked += 1;
            }
        }
        assert_eq!(checked, 4);
    }

    #[test]
    fn the_notification_string_uses_version_3_0_when_it_is_not_posted() {
        let sealed = sealed_string(Layout::PositionalNotification, [("TPE", "1234567")]);
        assert_eq!(sealed, format!("1234567*****3.0{}", "*".repeat(15)));
    }

    #[test]
    fn every_sorted_vector_of_the_reference_gives_its_mac_from_shuffled_fields() {
        let mut checked = 0;
        for vector in vectors() {
            if let Vector::Sorted { key, input, mac } = vector {
                let mut fields = split_fields(input);
                fields.reverse();
                fields.push(("MAC", "0000"));
                assert_eq!(sealed_string(Layout::Sorted, fields.clone()), input);
                assert_eq!(
                    compute(&key, Layout::Sorted, fields).to_hex(),
                    mac.to_ascii_uppercase()
                );
                assert!(verify(&key, input, mac));
                checked += 1;
            }
        }
        assert_eq!(checked, 1);
    }

    #[test]
    fn sorting_is_by_bytes_digits_then_upper_then_lower_case() {
        let fields = [
            ("contexte_commande", "c"),
            ("authentification", "a"),
            ("ThreeDSecureChallenge", "t"),
            ("TPE", "1"),
            ("3dsdebrayable", "0"),
        ];
        assert_eq!(
            sealed_string(Layout::Sorted, fields),
            "3dsdebrayable=0*TPE=1*ThreeDSecureChallenge=t*authentification=a*contexte_commande=c"
        );
    }

    #[test]
    fn a_received_mac_is_accepted_in_either_case_and_refused_when_altered() {
        let key = UsableKey::derive("0123456789ABCDEF0123456789ABCDEF01234567").expect("key");
        let sealed = "TPE=1234567*montant=12.30EUR";
        let mac = hmac_sha1(&key, sealed.as_bytes()).to_hex();
        assert_eq!(mac.len(), 40);
        assert!(mac.bytes().all(|b| !b.is_ascii_lowercase()));
        assert!(verify(&key, sealed, &mac));
        assert!(verify(&key, sealed, &mac.to_ascii_lowercase()));
        assert!(!verify(&key, "TPE=1234567*montant=12.31EUR", &mac));
        assert!(!verify(&key, sealed, &mac[..38]));
        assert!(!verify(&key, sealed, &format!("{}zz", &mac[..38])));
        assert!(!verify(&key, sealed, ""));
        let other = UsableKey::derive("1123456789ABCDEF0123456789ABCDEF01234567").expect("key");
        assert!(!verify(&other, sealed, &mac));
    }

    #[test]
    fn hmac_sha1_matches_rfc_2202_for_a_short_and_a_longer_than_block_key() {
        let short = UsableKey::from_bytes(&[0x0b; 20]);
        let mac = hmac_sha1(&short, b"Hi There").to_hex();
        assert_eq!(mac, "B617318655057264E28BC0B6FB378C8EF146BE00");
        let long = UsableKey::from_bytes(&[0xaa; 80]);
        let data = b"Test Using Larger Than Block-Size Key - Hash Key First";
        let mac = hmac_sha1(&long, data).to_hex();
        assert_eq!(mac, "AA4AE5E15272D00E95705637CE8A3B55ED402112");
    }

    #[test]
    fn hex_round_trips_and_refuses_what_is_not_hex() {
        assert_eq!(hex_lower(&[0x00, 0xab, 0x7f]), "00ab7f");
        assert_eq!(decode_hex("00AB7f"), Some(vec![0x00, 0xab, 0x7f]));
        assert_eq!(decode_hex("0"), None);
        assert_eq!(decode_hex("0g"), None);
        assert_eq!(decode_hex("é0"), None);
        assert_eq!(decode_hex(""), Some(vec![]));
    }
}
