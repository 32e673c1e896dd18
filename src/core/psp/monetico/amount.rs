//! Monetico's amounts on the wire: integer cents and an ISO currency
//! written together, `12.34EUR` (`0EUR` for nothing, as the release posts
//! it), and read back strictly: digits, an optional dot with one or two
//! decimals, three upper-case letters; no sign, no space, no float, never
//! rounded (reference A4, D).

use std::fmt;

use crate::core::money::{decimal_cents, plain_cents, Currency};

/// Whole digits accepted: cents stay far inside `i64`.
const MAX_WHOLE_DIGITS: usize = 15;

/// An amount as Monetico writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WireAmount {
    pub cents: i64,
    pub currency: Currency,
}

/// Why a `montant` is not an amount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmountError(pub String);

impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unreadable Monetico amount {:?}", self.0)
    }
}

impl WireAmount {
    pub fn new(cents: i64, currency: Currency) -> WireAmount {
        WireAmount { cents, currency }
    }

    /// Reads `12.34EUR`, `300EUR`, `0EUR`; refuses more than 2 decimals.
    pub fn parse(text: &str) -> Result<WireAmount, AmountError> {
        let refused = || AmountError(text.to_string());
        let split = text.len().checked_sub(3).ok_or_else(refused)?;
        let (number, code) = (text.get(..split), text.get(split..));
        let (Some(number), Some(code)) = (number, code) else {
            return Err(refused());
        };
        // `Currency::parse` trims; the wire allows no space at all.
        let currency = Currency::parse(code)
            .filter(|c| c.as_str() == code)
            .ok_or_else(refused)?;
        let cents = decimal_cents(number, MAX_WHOLE_DIGITS).map_err(|_| refused())?;
        Ok(WireAmount { cents, currency })
    }
}

impl fmt::Display for WireAmount {
    /// `12.34EUR`; zero is `0EUR`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.cents == 0 {
            return write!(f, "0{}", self.currency);
        }
        write!(f, "{}{}", plain_cents(self.cents), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(cents: i64) -> WireAmount {
        WireAmount::new(cents, Currency::EUR)
    }

    #[test]
    fn amounts_are_written_with_two_decimals_and_the_currency() {
        assert_eq!(eur(1234).to_string(), "12.34EUR");
        assert_eq!(eur(1230).to_string(), "12.30EUR");
        assert_eq!(eur(5).to_string(), "0.05EUR");
        assert_eq!(eur(30000).to_string(), "300.00EUR");
    }

    #[test]
    fn nothing_is_written_0eur_as_the_release_posts_it() {
        assert_eq!(eur(0).to_string(), "0EUR");
    }

    #[test]
    fn amounts_of_the_reference_are_read_as_exact_cents() {
        assert_eq!(WireAmount::parse("62.75EUR"), Ok(eur(6275)));
        assert_eq!(WireAmount::parse("300EUR"), Ok(eur(30000)));
        assert_eq!(WireAmount::parse("24.80EUR"), Ok(eur(2480)));
        assert_eq!(WireAmount::parse("12.3EUR"), Ok(eur(1230)));
        assert_eq!(WireAmount::parse("0EUR"), Ok(eur(0)));
        let usd = WireAmount::parse("10.00USD").map(|a| (a.cents, a.currency.to_string()));
        assert_eq!(usd, Ok((1000, "USD".to_string())));
    }

    #[test]
    fn anything_but_digits_two_decimals_and_a_currency_is_refused() {
        for text in [
            "12.345EUR",
            "12.340EUR",
            "12,34EUR",
            "-1.00EUR",
            "+1EUR",
            "12.34",
            "EUR",
            "12.34eur",
            "12.34 EUR",
            " 12.34EUR",
            "12.34EURO",
            "12.EUR",
            ".5EUR",
            "1e3EUR",
            "1_000EUR",
            "",
            "1234567890123456EUR",
            "١٢EUR",
        ] {
            assert_eq!(
                WireAmount::parse(text),
                Err(AmountError(text.to_string())),
                "{text}"
            );
        }
    }
}
