//! Money: integer cents and an ISO 4217 currency code. Amounts are parsed from
//! what a person types (`1,20`, `1.2`) or from what a PSP or the configuration
//! says (`10000.00`), and formatted per language for pages (`1,20` in French)
//! and always as `1.20` on the wire and in JSON. Never a float: decimals are
//! read exactly with `rust_decimal` ([`decimal_cents`]), and amounts are
//! integer cents inside.

use std::fmt;

use rust_decimal::Decimal;

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
        // The French decimal comma is the dot; a second separator stays and
        // is refused.
        decimal_cents(&text.replacen(',', ".", 1), TYPED_WHOLE_DIGITS)
            .map(|cents| Amount { cents })
            .map_err(|_| AmountError::Malformed)
    }

    /// Parses a machine-written decimal (`10000.00`, `1.5`, `0`), as found in
    /// the configuration, in PSP answers and notifications and in the
    /// emulator's requests: trimmed, a dot separator, no sign, at most 2
    /// decimals and 15 whole digits.
    pub fn parse_decimal(text: &str) -> Option<Amount> {
        decimal_cents(text.trim(), MACHINE_WHOLE_DIGITS)
            .ok()
            .map(|cents| Amount { cents })
    }

    /// `12.30`: the wire and JSON form.
    pub fn to_plain(self) -> String {
        plain_cents(self.cents)
    }

    /// The form shown on pages: `1,234.50` in English, `1 234,50` in French
    /// (narrow no-break space between thousands).
    pub fn format(self, lang: Lang) -> String {
        format_cents(self.cents, lang)
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

/// Stored cents in the wire and JSON form (`12.30`), whatever their sign
/// (`-0.50`): a stored value is shown as it is, never turned into 0.
pub fn plain_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let size = cents.unsigned_abs();
    format!("{sign}{}.{:02}", size / 100, size % 100)
}

/// Stored cents as a page shows them: `1,234.50` in English, `1 234,50`
/// in French (narrow no-break space between thousands), `-` before a
/// negative value.
pub fn format_cents(cents: i64, lang: Lang) -> String {
    let (group, decimal) = match lang {
        Lang::En => (",", "."),
        Lang::Fr => ("\u{202f}", ","),
    };
    let sign = if cents < 0 { "-" } else { "" };
    let size = cents.unsigned_abs();
    let units = (size / 100).to_string();
    let mut grouped = String::with_capacity(units.len() + 4);
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push_str(group);
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}{decimal}{:02}", size % 100)
}

/// Whole digits a person may type (the spec's `[0-9]{1,5}`).
const TYPED_WHOLE_DIGITS: usize = 5;
/// Whole digits a machine may write: cents stay far inside `i64`.
const MACHINE_WHOLE_DIGITS: usize = 15;

/// Why a decimal is not an amount of cents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecimalError {
    /// Not `digits[.digits]`: a sign, an exponent, `_`, a space or a second
    /// separator inside, or a side of the dot empty.
    Malformed,
    /// More whole digits than the field allows.
    OutOfRange,
    /// More than 2 decimals, even zeros (`10.000`): never rounded.
    TooManyDecimals,
}

/// The exact cents of a plain decimal `digits[.digits]` with at most
/// `max_whole_digits` whole digits and 2 decimals. The text's shape is
/// checked first because `rust_decimal` alone also reads signs, exponents
/// (`1e3`) and `_`; the value is then read exactly (`from_str_exact`, no
/// float, no rounding), so a decimal of any length is refused, never cut.
pub fn decimal_cents(text: &str, max_whole_digits: usize) -> Result<i64, DecimalError> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        return Err(DecimalError::Malformed);
    }
    if whole.len() > max_whole_digits {
        return Err(DecimalError::OutOfRange);
    }
    // The whole part fits, so a value rust_decimal cannot hold exactly has
    // more decimals than its 28 digits.
    let mut value = Decimal::from_str_exact(text).map_err(|_| DecimalError::TooManyDecimals)?;
    if value.scale() > 2 {
        return Err(DecimalError::TooManyDecimals);
    }
    value.rescale(2);
    i64::try_from(value.mantissa()).map_err(|_| DecimalError::OutOfRange)
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

    /// What a decimal reads as through each parser: typed (a person) and
    /// machine (configuration, PSP answers, IPNs, the emulator's requests).
    fn both(text: &str) -> (Option<i64>, Option<i64>) {
        (
            Amount::parse(text).ok().map(Amount::cents),
            Amount::parse_decimal(text).map(Amount::cents),
        )
    }

    #[test]
    fn long_decimals_are_refused_not_rounded() {
        for long in [
            "10.000000000000000000001",
            "10.000",
            "10.001",
            "1.00000000000000000000000000000000000000001",
            "0.0000000000000000000000000000000000000000000000000000000001",
        ] {
            assert_eq!(both(long), (None, None), "{long}");
        }
    }

    #[test]
    fn exponents_signs_and_underscores_are_refused() {
        for bad in [
            "1e3", "1E3", "1e-2", "-0", "-0.00", "+0", "+10", "-10.5", "1_000", "10_00.00", "0x10",
            "inf", "NaN", "1.", ".5", "1..0", "1.2.3", "10 .5", "1 0",
        ] {
            assert_eq!(both(bad), (None, None), "{bad}");
        }
    }

    #[test]
    fn surrounding_spaces_are_trimmed_and_one_or_two_decimals_are_cents() {
        assert_eq!(both(" 10"), (Some(1_000), Some(1_000)));
        assert_eq!(both("10 "), (Some(1_000), Some(1_000)));
        assert_eq!(both("10.5"), (Some(1_050), Some(1_050)));
        assert_eq!(both("10.50"), (Some(1_050), Some(1_050)));
        assert_eq!(both("0.01"), (Some(1), Some(1)));
        assert_eq!(both("0"), (Some(0), Some(0)));
    }

    #[test]
    fn the_french_comma_is_typed_only() {
        assert_eq!(both("10,50"), (Some(1_050), None));
        assert_eq!(both("10,5"), (Some(1_050), None));
        assert_eq!(both("10,500"), (None, None));
        assert_eq!(both("1,000.00"), (None, None));
    }

    #[test]
    fn the_range_is_5_whole_digits_typed_and_15_from_a_machine() {
        assert_eq!(both("99999.99"), (Some(9_999_999), Some(9_999_999)));
        assert_eq!(both("100000"), (None, Some(10_000_000)));
        assert_eq!(
            both("999999999999999.99"),
            (None, Some(99_999_999_999_999_999))
        );
        assert_eq!(both("1000000000000000"), (None, None));
        assert_eq!(both("99999999999999999999999999999999"), (None, None));
    }

    #[test]
    fn decimal_cents_says_why_a_decimal_is_refused() {
        assert_eq!(decimal_cents("12.34", 5), Ok(1_234));
        assert_eq!(decimal_cents("1e3", 5), Err(DecimalError::Malformed));
        assert_eq!(decimal_cents("-0", 5), Err(DecimalError::Malformed));
        assert_eq!(decimal_cents("123456", 5), Err(DecimalError::OutOfRange));
        assert_eq!(
            decimal_cents("10.000000000000000000001", 5),
            Err(DecimalError::TooManyDecimals)
        );
        assert_eq!(
            decimal_cents(&format!("1.{}", "0".repeat(60)), 5),
            Err(DecimalError::TooManyDecimals)
        );
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
    fn stored_cents_are_shown_as_they_are_even_below_zero() {
        assert_eq!(plain_cents(1_234), "12.34");
        assert_eq!(plain_cents(5), "0.05");
        assert_eq!(plain_cents(-50), "-0.50");
        assert_eq!(plain_cents(i64::MIN), "-92233720368547758.08");
        assert_eq!(format_cents(-123_450, Lang::Fr), "-1\u{202f}234,50");
        assert_eq!(format_cents(123_450, Lang::En), "1,234.50");
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
