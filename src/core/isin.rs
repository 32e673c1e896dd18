//! ISINs (ISO 6166): `ZZ` + 9 upper-case alphanumerics (the NSIN) + a Luhn
//! check digit computed over the letters-as-numbers expansion. `ZZ` is no
//! ISO 3166 country, so a PayBook ISIN is never mistaken for a real security.

use std::fmt;

/// A well-formed ISIN (any prefix); PayBook issues only `ZZ` ones.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Isin(String);

/// Why a text is not an ISIN (the `/isin` page's `reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsinError {
    Length,
    Characters,
    CheckDigit,
}

impl IsinError {
    /// The stable name used in JSON (`reason`).
    pub fn as_str(self) -> &'static str {
        match self {
            IsinError::Length => "length",
            IsinError::Characters => "characters",
            IsinError::CheckDigit => "check_digit",
        }
    }
}

const ALPHANUMERIC: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

impl Isin {
    /// Parses a code as typed: trimmed and upper-cased first.
    pub fn parse(input: &str) -> Result<Isin, IsinError> {
        let code = input.trim().to_ascii_uppercase();
        if code.chars().count() != 12 {
            return Err(IsinError::Length);
        }
        let b = code.as_bytes();
        let letters_ok = b[..2].iter().all(u8::is_ascii_uppercase);
        let nsin_ok = b[2..11]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !letters_ok || !nsin_ok || !b[11].is_ascii_digit() {
            return Err(IsinError::Characters);
        }
        if check_digit(&b[..11]) != b[11] - b'0' {
            return Err(IsinError::CheckDigit);
        }
        Ok(Isin(code))
    }

    /// A new PayBook ISIN from 9 random bytes (one NSIN character each).
    /// The caller supplies randomness so that the core stays deterministic.
    pub fn issue(random: [u8; 9]) -> Isin {
        let mut code = String::with_capacity(12);
        code.push_str("ZZ");
        for byte in random {
            code.push(ALPHANUMERIC[usize::from(byte) % 36] as char);
        }
        let digit = check_digit(code.as_bytes());
        code.push((b'0' + digit) as char);
        Isin(code)
    }

    /// Whether this is one of ours (prefix `ZZ`).
    pub fn is_paybook(&self) -> bool {
        self.0.starts_with("ZZ")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Isin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Letters become two digits (A=10 … Z=35), then Luhn over the digit string:
/// double every second digit from the right, sum the digits, and the check
/// digit brings the total to a multiple of ten.
fn check_digit(body: &[u8]) -> u8 {
    let mut digits: Vec<u8> = Vec::with_capacity(22);
    for &c in body {
        if c.is_ascii_digit() {
            digits.push(c - b'0');
        } else {
            let n = c - b'A' + 10;
            digits.push(n / 10);
            digits.push(n % 10);
        }
    }
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let d = u32::from(d);
        sum += if i % 2 == 0 {
            let twice = d * 2;
            twice / 10 + twice % 10
        } else {
            d
        };
    }
    ((10 - sum % 10) % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_world_isins_validate() {
        for code in [
            "US0378331005",
            "AU0000XVGZA3",
            "GB0002634946",
            "FR0000131104",
            "DE000BAY0017",
        ] {
            assert_eq!(
                Isin::parse(code).map(|i| i.to_string()),
                Ok(code.to_string()),
                "{code}"
            );
        }
    }

    #[test]
    fn input_is_trimmed_and_upper_cased() {
        assert_eq!(
            Isin::parse("  us0378331005 ").map(|i| i.to_string()),
            Ok("US0378331005".into())
        );
    }

    #[test]
    fn each_reason_is_reported() {
        assert_eq!(Isin::parse("US037833100"), Err(IsinError::Length));
        assert_eq!(Isin::parse("US03783310055"), Err(IsinError::Length));
        assert_eq!(Isin::parse("US03783310-5"), Err(IsinError::Characters));
        assert_eq!(Isin::parse("1S0378331005"), Err(IsinError::Characters));
        assert_eq!(Isin::parse("US037833100A"), Err(IsinError::Characters));
        assert_eq!(Isin::parse("US0378331006"), Err(IsinError::CheckDigit));
    }

    #[test]
    fn issued_isins_are_paybook_and_valid_for_every_byte_pattern() {
        for seed in 0u8..=255 {
            let random = [
                seed,
                seed.wrapping_mul(7),
                3,
                250,
                seed ^ 0x5a,
                9,
                36,
                71,
                seed,
            ];
            let isin = Isin::issue(random);
            assert!(isin.is_paybook());
            assert_eq!(Isin::parse(isin.as_str()), Ok(isin.clone()));
        }
    }

    #[test]
    fn one_changed_character_breaks_the_check_digit() {
        let isin = Isin::issue([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        let mut changed = isin.as_str().as_bytes().to_vec();
        changed[5] = if changed[5] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(changed).unwrap_or_default();
        assert_eq!(Isin::parse(&changed), Err(IsinError::CheckDigit));
    }
}
