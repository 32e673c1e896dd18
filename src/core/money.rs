//! Money: integer cents and an ISO 4217 currency code. Amounts are parsed from
//! what a person types (`1,20`, `1.2`) or from what a PSP or the configuration
//! says (`10000.00`), and formatted per language for pages (`1,20` in French)
//! and always as `1.20` on the wire and in JSON. Never a float; exact integer
//! arithmetic throughout.

use std::fmt;

use super::i18n::Lang;

/// A non-negative amount of money in cents (hundredths of the currency unit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount {
    cents: i64,
}

/// Why typed text is not an amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmountError {
    /// Nothing was typed.
    Empty,
    /// Not digits with an optional `.` or `,` and at most 2 decimals, or too
    /// many digits: signs, separators, symbols and exponents land here.
    Malformed,
}

impl Amount {
    pub const ZERO: Amount = Amount { cents: 0 };

    /// The amount of `cents`; `None` when negative.
    pub fn from_cents(cents: i64) -> Option<Amount> {
        (cents >= 0).then_some(Amount { cents })
    }

    pub fn cents(self) -> i64 {
        self.cents
    }

    /// Parses what a person typed: trimmed, then
    /// `^[0-9]{1,5}([.,][0-9]{1,2})?$` (the spec's rule), so `1,20` and
    /// `1.2` both mean 1.20.
    pub fn parse(input: &str) -> Result<Amount, AmountError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(AmountError::Empty);
        }
        let (whole, fraction) = match text.find(['.', ',']) {
            Some(at) => (&text[..at], Some(&text[at + 1..])),
            None => (text, None),
        };
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 5 || !digits_only(whole) {
            return Err(AmountError::Malformed);
        }
        let fraction_cents = match fraction {
            None => 0,
            Some(f) if (1..=2).contains(&f.len()) && digits_only(f) => {
                let n: i64 = f.parse().map_err(|_| AmountError::Malformed)?;
                if f.len() == 1 {
                    n * 10
                } else {
                    n
                }
            }
            Some(_) => return Err(AmountError::Malformed),
        };
        let units: i64 = whole.parse().map_err(|_| AmountError::Malformed)?;
        Ok(Amount {
            cents: units * 100 + fraction_cents,
        })
    }

    /// Parses a machine-written decimal (`10000.00`, `1.5`, `0`), as found in
    /// the configuration and in PSP answers: a dot separator, no sign, at
    /// most 2 decimals.
    pub fn parse_decimal(text: &str) -> Option<Amount> {
        // Digits, then optionally a dot and one or two digits: exact integer
        // arithmetic, no float and no decimal library needed (it would add
        // to the wasm for one rule).
        let text = text.trim();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || whole.len() > 15
            || !digits(whole)
            || fraction.len() > 2
            || !digits(fraction)
        {
            return None;
        }
        if text.contains('.') && fraction.is_empty() {
            return None;
        }
        let units: i64 = whole.parse().ok()?;
        let cents: i64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().ok()? * 10,
            _ => fraction.parse().ok()?,
        };
        units
            .checked_mul(100)?
            .checked_add(cents)
            .and_then(Amount::from_cents)
    }

    /// `12.30`: the wire and JSON form.
    pub fn to_plain(self) -> String {
        format!("{}.{:02}", self.cents / 100, self.cents % 100)
    }

    /// The form shown on pages: `1,234.50` in English, `1 234,50` in French
    /// (narrow no-break space between thousands).
    pub fn format(self, lang: Lang) -> String {
        let (group, decimal) = match lang {
            Lang::En => (",", "."),
            Lang::Fr => ("\u{202f}", ","),
        };
        let units = (self.cents / 100).to_string();
        let mut grouped = String::with_capacity(units.len() + 4);
        for (i, c) in units.chars().enumerate() {
            if i > 0 && (units.len() - i).is_multiple_of(3) {
                grouped.push_str(group);
            }
            grouped.push(c);
        }
        format!("{grouped}{decimal}{:02}", self.cents % 100)
    }

    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.cents
            .checked_add(other.cents)
            .map(|cents| Amount { cents })
    }

    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        self.cents
            .checked_sub(other.cents)
            .and_then(Amount::from_cents)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_plain())
    }
}

/// An ISO 4217 currency code: three upper-case ASCII letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// The default currency of a deployment.
    pub const EUR: Currency = Currency(*b"EUR");

    pub fn parse(text: &str) -> Option<Currency> {
        let b = text.trim().as_bytes();
        if b.len() == 3 && b.iter().all(|c| c.is_ascii_uppercase()) {
            Some(Currency([b[0], b[1], b[2]]))
        } else {
            None
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cents(text: &str) -> i64 {
        Amount::parse(text).map(Amount::cents).unwrap_or(-1)
    }

    #[test]
    fn typed_amounts_accept_comma_or_dot_and_one_or_two_decimals() {
        assert_eq!(cents("1,20"), 120);
        assert_eq!(cents("1.2"), 120);
        assert_eq!(cents(" 1.20 "), 120);
        assert_eq!(cents("0"), 0);
        assert_eq!(cents("99999.99"), 9_999_999);
        assert_eq!(cents("00012,05"), 1_205);
    }

    #[test]
    fn typed_amounts_refuse_signs_separators_symbols_exponents_and_extra_decimals() {
        for bad in [
            "-1", "+1", "1,000.00", "1 000", "€1", "1€", "1e3", "1.234", "1.", ".5", "123456",
            "1,2,3", "١٢", "0x10", "NaN",
        ] {
            assert_eq!(Amount::parse(bad), Err(AmountError::Malformed), "{bad}");
        }
        assert_eq!(Amount::parse("  "), Err(AmountError::Empty));
    }

    #[test]
    fn machine_decimals_parse_exactly() {
        assert_eq!(
            Amount::parse_decimal("10000.00").map(Amount::cents),
            Some(1_000_000)
        );
        assert_eq!(Amount::parse_decimal("1.5").map(Amount::cents), Some(150));
        assert_eq!(Amount::parse_decimal("0").map(Amount::cents), Some(0));
        assert_eq!(Amount::parse_decimal("1.005"), None);
        assert_eq!(Amount::parse_decimal("-1.00"), None);
        assert_eq!(Amount::parse_decimal("1e2"), None);
        assert_eq!(Amount::parse_decimal("1."), None);
        assert_eq!(Amount::parse_decimal(".5"), None);
        assert_eq!(Amount::parse_decimal("20.50"), Amount::from_cents(2_050));
        assert_eq!(Amount::parse_decimal(""), None);
    }

    #[test]
    fn formats_per_language_and_plain_for_the_wire() {
        let a = Amount::from_cents(123_450).unwrap_or_default();
        assert_eq!(a.to_plain(), "1234.50");
        assert_eq!(a.format(Lang::En), "1,234.50");
        assert_eq!(a.format(Lang::Fr), "1\u{202f}234,50");
        let small = Amount::from_cents(120).unwrap_or_default();
        assert_eq!(small.format(Lang::Fr), "1,20");
        assert_eq!(Amount::ZERO.to_plain(), "0.00");
    }

    #[test]
    fn negative_cents_are_not_an_amount() {
        assert_eq!(Amount::from_cents(-1), None);
        let one = Amount::from_cents(100).unwrap_or_default();
        assert_eq!(Amount::ZERO.checked_sub(one), None);
    }

    #[test]
    fn currency_codes_are_three_upper_case_letters() {
        assert_eq!(
            Currency::parse("EUR").map(|c| c.to_string()),
            Some("EUR".into())
        );
        assert_eq!(Currency::parse("eur"), None);
        assert_eq!(Currency::parse("EURO"), None);
    }
}
