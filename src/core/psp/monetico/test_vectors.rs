//! The reference's key and MAC vectors (`tests/fixtures/psp/monetico/
//! vectors.txt`), read for the unit tests of `key` and `mac`.

use super::key::UsableKey;

const VECTORS: &str = include_str!("../../../../tests/fixtures/psp/monetico/vectors.txt");

/// One line of the fixture.
#[derive(Debug)]
pub enum Vector<'a> {
    Derive {
        cle: &'a str,
        usable_hex: &'a str,
    },
    Positional {
        key: UsableKey,
        input: &'a str,
        mac: &'a str,
    },
    Sorted {
        key: UsableKey,
        input: &'a str,
        mac: &'a str,
    },
}

fn decode_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("fixture hex"))
        .collect()
}

fn key(text: &str) -> UsableKey {
    if let Some(cle) = text.strip_prefix("cle:") {
        UsableKey::derive(cle).expect("fixture key")
    } else {
        let raw = text.strip_prefix("raw:").expect("cle: or raw:");
        UsableKey::from_bytes(&decode_hex(raw))
    }
}

/// Every vector of the fixture, in file order.
pub fn vectors() -> Vec<Vector<'static>> {
    VECTORS
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let parts: Vec<&str> = line.split('\t').collect();
            match parts[0] {
                "derive" => Vector::Derive {
                    cle: parts[1],
                    usable_hex: parts[2],
                },
                "positional" => Vector::Positional {
                    key: key(parts[1]),
                    input: parts[2],
                    mac: parts[3],
                },
                "sorted" => Vector::Sorted {
                    key: key(parts[1]),
                    input: parts[2],
                    mac: parts[3],
                },
                other => panic!("unknown vector kind {other}"),
            }
        })
        .collect()
}
