//! The spend request, parsed at the edge into domain types (api.md §3):
//! the fields as read from JSON or XML (`Fields`), then checked one by
//! one into a `SpendRequest`, each refusal a numbered error naming its
//! field. The amount is read exactly (`rust_decimal`, never a float) from
//! any number of digits.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::error::{ApiError, ErrorKind};
use crate::core::isin::Isin;
use crate::core::time::UtcTime;

/// A field's value as the body carried it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scalar {
    Text(String),
    Int(i64),
    /// A JSON value of another type (a float, a bool, an object...).
    Other,
}

/// A request's fields by name (a JSON object's members, an XML root's
/// child elements).
pub type Fields = BTreeMap<String, Scalar>;

/// Longest `description` kept, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 1_000;

/// An amount as the API reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpendAmount {
    /// Zero: a test spend.
    Zero,
    /// A positive amount in cents.
    Cents(i64),
    /// More than any amount in cents can hold: surely above `MAX_AMOUNT`.
    Huge,
}

/// Parses `^[0-9]+(\.[0-9]+)?$` of any length with at most `decimals`
/// significant decimals: the amount and its canonical text (no leading
/// zeros, no trailing decimal zeros: `0012.50` is `12.5`).
pub fn parse_amount(text: &str, decimals: u32) -> Result<(SpendAmount, String), ApiError> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (text.contains('.') && !digits(fraction)) {
        return Err(ApiError::on(ErrorKind::AmountMalformed, "amount"));
    }
    let whole = whole.trim_start_matches('0');
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > decimals as usize {
        return Err(ApiError::on(ErrorKind::AmountTooPrecise, "amount"));
    }
    let canonical = match (whole.is_empty(), fraction.is_empty()) {
        (true, true) => "0".to_string(),
        (true, false) => format!("0.{fraction}"),
        (false, true) => whole.to_string(),
        (false, false) => format!("{whole}.{fraction}"),
    };
    // 15 whole digits keep cents far inside i64 and rust_decimal's 28.
    if whole.len() > 15 {
        return Ok((SpendAmount::Huge, canonical));
    }
    let mut value = Decimal::from_str_exact(&canonical)
        .map_err(|_| ApiError::on(ErrorKind::AmountMalformed, "amount"))?;
    value.rescale(decimals);
    let cents = i64::try_from(value.mantissa())
        .map_err(|_| ApiError::on(ErrorKind::AmountMalformed, "amount"))?;
    let amount = if cents == 0 {
        SpendAmount::Zero
    } else {
        SpendAmount::Cents(cents)
    };
    Ok((amount, canonical))
}

/// A checked spend request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpendRequest {
    pub spend_id: Option<String>,
    pub payer: String,
    pub payee: Option<String>,
    pub isin: String,
    pub amount: SpendAmount,
    /// The amount's canonical text (`12.5`).
    pub amount_text: String,
    pub currency: String,
    pub profit_rate: i64,
    pub psp: Option<String>,
    pub description: Option<String>,
    pub action_at: Option<String>,
}

/// What the request is checked against.
pub struct SpendContext<'a> {
    /// The key's client's e-mail; `None`: the caller checks `payer`
    /// later ([`check_payer`]), once its key is read.
    pub payer_email: Option<&'a str>,
    pub currency: &'a str,
    pub decimals: u32,
    pub now: UtcTime,
}

fn text<'a>(fields: &'a Fields, name: &str) -> Result<Option<&'a str>, ApiError> {
    match fields.get(name) {
        None => Ok(None),
        Some(Scalar::Text(t)) => Ok(Some(t.as_str())),
        Some(Scalar::Int(_) | Scalar::Other) => Err(ApiError::on(ErrorKind::FieldInvalid, name)),
    }
}

fn required<'a>(fields: &'a Fields, name: &str) -> Result<&'a str, ApiError> {
    text(fields, name)?.ok_or_else(|| ApiError::on(ErrorKind::FieldInvalid, name))
}

/// `primitive_version` (JSON member or XML `version` attribute): only 1.
pub fn check_version(fields: &Fields) -> Result<(), ApiError> {
    match fields.get("primitive_version") {
        None => Ok(()),
        Some(Scalar::Int(1)) => Ok(()),
        Some(Scalar::Text(t)) if t == "1" => Ok(()),
        Some(_) => Err(ApiError::on(ErrorKind::VersionUnknown, "primitive_version")),
    }
}

/// A `spend_id`: 1 to 64 of `[A-Za-z0-9._:-]`.
pub fn valid_spend_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

fn profit_rate(fields: &Fields) -> Result<i64, ApiError> {
    let rate = match fields.get("profit_rate") {
        None => return Ok(100),
        Some(Scalar::Int(n)) => Some(*n),
        Some(Scalar::Text(t))
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) && t.len() <= 3 =>
        {
            t.parse().ok()
        }
        Some(_) => None,
    };
    rate.filter(|r| (0..=100).contains(r))
        .ok_or_else(|| ApiError::on(ErrorKind::FieldInvalid, "profit_rate"))
}

/// Checks the fields into a spend, in the order a caller fixes them:
/// shape first (1xxx), then who pays (2003), then what the platform
/// refuses as it stands (3003, 3006).
pub fn parse_spend(fields: &Fields, cx: &SpendContext<'_>) -> Result<SpendRequest, ApiError> {
    check_version(fields)?;
    let spend_id = text(fields, "spend_id")?.map(str::to_string);
    if spend_id.as_deref().is_some_and(|id| !valid_spend_id(id)) {
        return Err(ApiError::on(ErrorKind::FieldInvalid, "spend_id"));
    }
    let payer = required(fields, "payer")?;
    let payee = text(fields, "payee")?;
    let isin = Isin::parse(required(fields, "isin")?)
        .map_err(|_| ApiError::on(ErrorKind::FieldInvalid, "isin"))?;
    let (amount, amount_text) = parse_amount(required(fields, "amount")?, cx.decimals)?;
    let currency = required(fields, "currency")?;
    let profit_rate = profit_rate(fields)?;
    let psp = text(fields, "psp")?.filter(|p| !p.is_empty());
    let description = text(fields, "description")?;
    if description.is_some_and(|d| d.chars().count() > DESCRIPTION_MAX_CHARS) {
        return Err(ApiError::on(ErrorKind::FieldInvalid, "description"));
    }
    let action_at = text(fields, "action_at")?;
    let when = match action_at {
        None => None,
        Some(t) => Some(
            UtcTime::parse(t).ok_or_else(|| ApiError::on(ErrorKind::FieldInvalid, "action_at"))?,
        ),
    };
    let payer = payer.trim().to_ascii_lowercase();
    if let Some(email) = cx.payer_email {
        check_payer(&payer, email)?;
    }
    if currency != cx.currency {
        return Err(ApiError::on(ErrorKind::CurrencyRefused, "currency"));
    }
    if when.is_some_and(|w| w > cx.now) {
        return Err(ApiError::on(ErrorKind::ActionInFuture, "action_at"));
    }
    Ok(SpendRequest {
        spend_id,
        payer,
        payee: payee.map(|p| p.trim().to_ascii_lowercase()),
        isin: isin.as_str().to_string(),
        amount,
        amount_text,
        currency: currency.to_string(),
        profit_rate,
        psp: psp.map(str::to_string),
        description: description.map(str::to_string),
        action_at: action_at.map(str::to_string),
    })
}

/// A spend is made in its payer's context: `payer` must be the key's
/// client (2003).
pub fn check_payer(payer: &str, key_email: &str) -> Result<(), ApiError> {
    if payer.eq_ignore_ascii_case(key_email) {
        Ok(())
    } else {
        Err(ApiError::on(ErrorKind::PayerNotYou, "payer"))
    }
}

impl SpendRequest {
    /// The fields that make two spends the same spend (api.md
    /// idempotency), as stored with the `spend_id`.
    pub fn fingerprint(&self) -> Value {
        json!({
            "payer": self.payer,
            "payee": self.payee,
            "isin": self.isin,
            "amount": self.amount_text,
            "currency": self.currency,
            "profit_rate": self.profit_rate,
            "psp": self.psp,
            "description": self.description,
            "action_at": self.action_at,
        })
    }

    /// The amount as the purchase flow reads it (`12.50`).
    pub fn flow_amount(&self) -> String {
        match self.amount {
            SpendAmount::Zero => "0".into(),
            SpendAmount::Cents(c) => crate::core::money::plain_cents(c),
            SpendAmount::Huge => self.amount_text.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(text: &str) -> Result<(SpendAmount, String), u16> {
        parse_amount(text, 2).map_err(|e| e.kind.number())
    }

    #[test]
    fn the_issues_amounts_read_exactly_or_are_refused_with_their_numbers() {
        assert_eq!(
            amount("0012.50"),
            Ok((SpendAmount::Cents(1250), "12.5".into()))
        );
        assert_eq!(
            amount("12.5"),
            Ok((SpendAmount::Cents(1250), "12.5".into()))
        );
        assert_eq!(amount("12"), Ok((SpendAmount::Cents(1200), "12".into())));
        assert_eq!(amount("0"), Ok((SpendAmount::Zero, "0".into())));
        assert_eq!(amount("0.00"), Ok((SpendAmount::Zero, "0".into())));
        assert_eq!(amount("1.005"), Err(1002));
        assert_eq!(amount("1.500"), Ok((SpendAmount::Cents(150), "1.5".into())));
        for bad in [
            "-1", "1e3", "1,5", " 1", "1 ", "", ".5", "5.", "+1", "1.2.3", "١",
        ] {
            assert_eq!(amount(bad), Err(1001), "{bad:?}");
        }
    }

    #[test]
    fn an_amount_of_any_length_is_read_without_overflow() {
        let long = format!("{}.25", "9".repeat(400));
        assert_eq!(amount(&long).map(|a| a.0), Ok(SpendAmount::Huge));
        let zeros = format!("{}1.{}", "0".repeat(500), "0".repeat(500));
        assert_eq!(amount(&zeros), Ok((SpendAmount::Cents(100), "1".into())));
        let precise = format!("1.{}1", "0".repeat(300));
        assert_eq!(amount(&precise), Err(1002));
    }

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Scalar::Text(v.to_string())))
            .collect()
    }

    fn cx() -> SpendContext<'static> {
        SpendContext {
            payer_email: Some("alice@example.com"),
            currency: "EUR",
            decimals: 2,
            now: UtcTime::parse("2026-12-01T10:00:00Z").unwrap_or(UtcTime::from_unix_seconds(0)),
        }
    }

    const GOOD: [(&str, &str); 4] = [
        ("payer", "Alice@example.com"),
        ("isin", "ZZ0000000008"),
        ("amount", "12.50"),
        ("currency", "EUR"),
    ];

    fn number(pairs: &[(&str, &str)]) -> (u16, Option<String>) {
        let mut f = fields(&GOOD);
        f.extend(fields(pairs));
        match parse_spend(&f, &cx()) {
            Ok(_) => (0, None),
            Err(e) => (e.kind.number(), e.field),
        }
    }

    #[test]
    fn each_refusal_has_its_number_and_names_its_field() {
        assert_eq!(number(&[]).0, 0, "isin check digit must be valid");
        assert_eq!(
            number(&[("payer", "bob@example.com")]),
            (2003, Some("payer".into()))
        );
        assert_eq!(
            number(&[("currency", "USD")]),
            (3003, Some("currency".into()))
        );
        assert_eq!(
            number(&[("spend_id", "a b")]),
            (1003, Some("spend_id".into()))
        );
        assert_eq!(number(&[("spend_id", &"x".repeat(65))]).0, 1003);
        assert_eq!(
            number(&[("profit_rate", "101")]),
            (1003, Some("profit_rate".into()))
        );
        assert_eq!(number(&[("action_at", "2026-12-01T10:00:01Z")]).0, 3006);
        assert_eq!(number(&[("action_at", "2026-12-01T10:00:00Z")]).0, 0);
        assert_eq!(number(&[("action_at", "tomorrow")]).0, 1003);
        assert_eq!(number(&[("description", &"é".repeat(1000))]).0, 0);
        assert_eq!(number(&[("description", &"é".repeat(1001))]).0, 1003);
        assert_eq!(number(&[("primitive_version", "2")]).0, 1004);
    }

    #[test]
    fn a_missing_or_mistyped_field_is_named() {
        let mut f = fields(&GOOD);
        f.remove("isin");
        let err = parse_spend(&f, &cx()).err();
        assert_eq!(err.map(|e| e.field), Some(Some("isin".into())));
        let mut f = fields(&GOOD);
        f.insert("amount".into(), Scalar::Int(12));
        let err = parse_spend(&f, &cx()).err();
        assert_eq!(
            err.map(|e| (e.kind.number(), e.field)),
            Some((1003, Some("amount".into())))
        );
    }

    #[test]
    fn two_spellings_of_one_amount_have_one_fingerprint() {
        let a = parse_spend(&fields(&GOOD), &cx()).map(|s| s.fingerprint());
        let mut f = fields(&GOOD);
        f.insert("amount".into(), Scalar::Text("0012.5".into()));
        f.insert("profit_rate".into(), Scalar::Int(100));
        let b = parse_spend(&f, &cx()).map(|s| s.fingerprint());
        assert!(a.is_ok());
        assert_eq!(a, b);
    }
}
