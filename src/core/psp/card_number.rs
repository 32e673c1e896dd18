//! A card number as typed on a card provider's page (the built-in
//! emulators' card pages, Sips' and Monetico's): 12 to 19 digits once the
//! spaces and dashes people type are removed, with a valid Luhn check
//! digit. Real card data never reaches PayBook; this serves the emulators.

/// The digits of a typed card number if it is one.
pub fn digits(typed: &str) -> Option<String> {
    let digits: String = typed.chars().filter(|c| *c != ' ' && *c != '-').collect();
    let plain = (12..=19).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    (plain && luhn_valid(&digits)).then_some(digits)
}

/// The Luhn check of a string of ASCII digits.
fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b.wrapping_sub(b'0'));
            match (i % 2 == 1, d * 2) {
                (true, doubled) if doubled > 9 => doubled - 9,
                (true, doubled) => doubled,
                (false, _) => d,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_card_numbers_pass_luhn_and_typos_do_not() {
        for good in [
            "4111111111111111",
            "4111 1111 1111 1111",
            "5555-5555-5555-4444",
            "378282246310005",
            "4100000000000000004",
            "424242424242",
            "000000000000",
        ] {
            assert!(digits(good).is_some(), "{good}");
        }
        assert_eq!(
            digits("4000 0000 0000 0002").as_deref(),
            Some("4000000000000002")
        );
        for bad in [
            "4111111111111112",
            "",
            "42",
            "41111111111",
            "41000000000000000000",
            "4111a11111111111",
            "0000 0000 000x",
            "٤000000000000002",
        ] {
            assert_eq!(digits(bad), None, "{bad}");
        }
    }
}
