//! The card page's input: the card number (12 to 19 digits, Luhn-valid;
//! spaces and dashes as people type them are ignored), how it is shown
//! back masked, its brand, and the buyer's choice (`pay`, `refuse`,
//! `cancel`) as the response code it gives.

use crate::core::psp::sips::codes::ResponseCode;

/// What the buyer clicked on the card page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardAction {
    /// The card is authorized (`00`).
    Pay,
    /// The issuer refuses it (`05`).
    Refuse,
    /// The buyer gives up (`17`).
    Cancel,
}

impl CardAction {
    pub fn parse(text: &str) -> Option<CardAction> {
        match text.trim() {
            "pay" => Some(CardAction::Pay),
            "refuse" => Some(CardAction::Refuse),
            "cancel" => Some(CardAction::Cancel),
            _other => None,
        }
    }

    /// The response code the choice gives.
    pub fn response_code(self) -> ResponseCode {
        match self {
            CardAction::Pay => ResponseCode::Accepted,
            CardAction::Refuse => ResponseCode::Refused,
            CardAction::Cancel => ResponseCode::CanceledByBuyer,
        }
    }

    /// Whether the choice needs a valid card number (giving up does not).
    pub fn needs_card(self) -> bool {
        match self {
            CardAction::Pay | CardAction::Refuse => true,
            CardAction::Cancel => false,
        }
    }
}

/// The digits of a typed card number if it is one: 12 to 19 digits once
/// spaces and dashes are removed, with a valid Luhn check digit.
pub fn card_digits(typed: &str) -> Option<String> {
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
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The card number as Sips shows it (`maskedPan`): the first four and the
/// last two digits, `#` between.
pub fn masked_pan(digits: &str) -> String {
    let head: String = digits.chars().take(4).collect();
    let tail: String = digits
        .chars()
        .skip(digits.len().saturating_sub(2))
        .collect();
    let hidden = "#".repeat(digits.len().saturating_sub(6));
    format!("{head}{hidden}{tail}")
}

/// `paymentMeanBrand` of a card number, by its first digit.
pub fn brand(digits: &str) -> &'static str {
    match digits.as_bytes().first() {
        Some(b'4') => "VISA",
        Some(b'5' | b'2') => "MASTERCARD",
        Some(b'3') => "AMEX",
        Some(_) | None => "CB",
    }
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
        ] {
            assert!(card_digits(good).is_some(), "{good}");
        }
        for bad in [
            "4111111111111112",
            "",
            "41111111111",
            "41000000000000000000",
            "4111a11111111111",
            "0000 0000 000x",
        ] {
            assert_eq!(card_digits(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_pan_is_masked_as_sips_shows_it() {
        assert_eq!(masked_pan("4100000000000000"), "4100##########00");
        assert_eq!(brand("4100000000000000"), "VISA");
        assert_eq!(brand("5555555555554444"), "MASTERCARD");
    }

    #[test]
    fn each_choice_gives_its_code_and_only_cancel_needs_no_card() {
        assert_eq!(
            CardAction::parse("pay").map(CardAction::response_code),
            Some(ResponseCode::Accepted)
        );
        assert_eq!(
            CardAction::parse("refuse").map(CardAction::response_code),
            Some(ResponseCode::Refused)
        );
        assert_eq!(
            CardAction::parse("cancel").map(CardAction::response_code),
            Some(ResponseCode::CanceledByBuyer)
        );
        assert_eq!(CardAction::parse("steal"), None);
        assert!(!CardAction::Cancel.needs_card());
        assert!(CardAction::Pay.needs_card() && CardAction::Refuse.needs_card());
    }
}
