//! The answer's envelope and the shapes shared by every answer (failure,
//! SetExpressCheckout, GetBalance, amounts), and the reading of a request.

use super::refusal::ErrorText;
use super::{Fields, BUILD};
use crate::core::money::Amount;
use crate::core::sql::emulator::Account;
use crate::core::time::UtcTime;

/// TIMESTAMP, CORRELATIONID, ACK, VERSION, BUILD: every answer has them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    pub timestamp: UtcTime,
    pub correlation_id: String,
    /// The caller's VERSION, echoed.
    pub version: String,
}

impl Envelope {
    pub fn fields(&self, ack: &str) -> Fields {
        pairs(&[
            ("TIMESTAMP", &self.timestamp.to_string()),
            ("CORRELATIONID", &self.correlation_id),
            ("ACK", ack),
            ("VERSION", &self.version),
            ("BUILD", BUILD),
        ])
    }
}

pub(super) fn pairs(list: &[(&str, &str)]) -> Fields {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

pub(super) fn push(fields: &mut Fields, name: &str, value: &str) {
    fields.push((name.to_owned(), value.to_owned()));
}

pub(super) fn push_error(fields: &mut Fields, error: &ErrorText, severity: &str) {
    push(fields, "L_ERRORCODE0", &error.code);
    push(fields, "L_SHORTMESSAGE0", &error.short);
    push(fields, "L_LONGMESSAGE0", &error.long);
    push(fields, "L_SEVERITYCODE0", severity);
}

/// `ACK=Failure` with one error, exactly as PayPal shapes it.
pub fn failure(envelope: &Envelope, error: &ErrorText) -> Fields {
    let mut fields = envelope.fields("Failure");
    push_error(&mut fields, error, "Error");
    fields
}

/// SetExpressCheckout's answer: `TOKEN` first, then the envelope.
pub fn set_express_checkout_answer(envelope: &Envelope, token: &str) -> Fields {
    let mut fields = pairs(&[("TOKEN", token)]);
    fields.extend(envelope.fields("Success"));
    fields
}

/// GetBalance's answer for one account.
pub fn balance_answer(envelope: &Envelope, account: &Account) -> Fields {
    let mut fields = envelope.fields("Success");
    push(&mut fields, "L_AMT0", &plain(account.balance_cents));
    push(&mut fields, "L_CURRENCYCODE0", &account.currency);
    fields
}

/// Cents as `12.30`; negative as `-12.30` (IPN `mc_gross` of a refund).
pub fn plain(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A decoded NVP request.
pub struct Request<'a> {
    fields: &'a [(String, String)],
}

impl<'a> Request<'a> {
    pub fn new(fields: &'a [(String, String)]) -> Request<'a> {
        Request { fields }
    }

    /// The value of `name`, or "" when absent.
    pub fn get(&self, name: &str) -> &'a str {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The trimmed value of `name` when present and not blank.
    pub fn value(&self, name: &str) -> Option<&'a str> {
        Some(self.get(name).trim()).filter(|v| !v.is_empty())
    }

    pub(super) fn owned(&self, name: &str) -> Option<String> {
        self.value(name).map(str::to_owned)
    }
}

/// Parses an amount as PayPal requires it: exactly 2 decimals, a `.`
/// separator, optional `,` thousands separators (`1,234.56`), no sign.
pub fn parse_paypal_amount(text: &str) -> Option<Amount> {
    let (whole, fraction) = text.trim().split_once('.')?;
    if fraction.len() != 2 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let groups: Vec<&str> = whole.split(',').collect();
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let well_grouped = match groups.as_slice() {
        [single] => digits_only(single),
        [first, rest @ ..] => {
            digits_only(first)
                && first.len() <= 3
                && rest.iter().all(|g| g.len() == 3 && digits_only(g))
        }
        [] => false,
    };
    let joined: String = groups.concat();
    if !well_grouped || joined.len() > 9 {
        return None;
    }
    Amount::parse_decimal(&format!("{joined}.{fraction}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::psp::paypal::emulator::refusal::Refusal;
    use crate::core::psp::paypal::emulator::test_support::*;
    use crate::core::psp::paypal::nvp::{encode_like_paypal, NvpResponse};

    #[test]
    fn failures_encode_byte_for_byte_like_paypals_recordings() {
        let env = Envelope {
            timestamp: UtcTime::parse("2022-11-29T03:40:14Z").unwrap_or(now()),
            correlation_id: "63e6dca691d60".to_owned(),
            version: "204".to_owned(),
        };
        let mut body = encode_like_paypal(&failure(&env, &Refusal::TokenExpired.error()));
        body = body.replace("BUILD=58807128", "BUILD=57888165");
        assert_eq!(
            body,
            include_str!(
                "../../../../../tests/fixtures/psp/paypal/emulator_10411_expired_token.nvp"
            )
        );
        let unfunded = encode_like_paypal(&failure(&env, &Refusal::Unfunded.error()));
        assert!(unfunded.contains("L_SHORTMESSAGE0=This%20transaction%20couldn%27t%20be%20completed%2e&L_LONGMESSAGE0=This%20transaction%20couldn%27t%20be%20completed%2e%20Please%20redirect%20your%20customer%20to%20PayPal%2e"), "{unfunded}");
    }

    #[test]
    fn paypal_amounts_need_exactly_two_decimals() {
        let cents = |t: &str| parse_paypal_amount(t).map(Amount::cents);
        assert_eq!(cents("20.00"), Some(2_000));
        assert_eq!(cents("1,234.56"), Some(123_456));
        assert_eq!(cents("0.01"), Some(1));
        for bad in [
            "20",
            "20.0",
            "20.000",
            "-1.00",
            "1,23.00",
            ",123.00",
            "1e3.00",
            "",
            "a.bc",
            "1234567890.00",
        ] {
            assert_eq!(cents(bad), None, "{bad}");
        }
    }

    #[test]
    fn plain_amounts_carry_a_sign_when_negative() {
        assert_eq!(plain(0), "0.00");
        assert_eq!(plain(1_995), "19.95");
        assert_eq!(plain(-5), "-0.05");
        let answer = NvpResponse::from_fields(balance_answer(
            &envelope(),
            &Account {
                balance_cents: 7_700,
                ..receiver()
            },
        ));
        assert_eq!(answer.get("L_AMT0"), Some("77.00"));
        assert_eq!(answer.get("L_CURRENCYCODE0"), Some("EUR"));
        assert_eq!(answer.get("ACK"), Some("Success"));
    }
}
