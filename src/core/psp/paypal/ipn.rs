//! PayPal Instant Payment Notifications as the platform reads them: the
//! fields of a message (decoded from the exact bytes received in the
//! charset the message names, which are also what the postback sends
//! back), the postback body and what its answer means, and the order an
//! INVNUM of ours names. What a verified message does is `core::notify`'s.

use super::charset::{self, FormError};
use super::nvp::PaymentStatus;
use crate::core::money::Amount;
use crate::core::psp::notice::Notice;
use crate::core::psp::ProviderId;

/// The postback PayPal verifies: `cmd=_notify-validate&` + the bytes as
/// received, unaltered.
pub fn postback_body(received: &[u8]) -> Vec<u8> {
    let mut body = b"cmd=_notify-validate&".to_vec();
    body.extend_from_slice(received);
    body
}

/// What PayPal's answer to the postback says about a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// `VERIFIED`: PayPal sent these exact bytes.
    Verified,
    /// `INVALID`: PayPal did not send them; the message is forged.
    Forged,
    /// Anything else (no answer, a timeout, an HTTP error, another text):
    /// nothing is known, the message must come again.
    Unknown(String),
}

/// Reads the postback's answer: only a 200 whose body is literally
/// `VERIFIED` or `INVALID` says something.
pub fn verdict(http_status: u16, answer: &str) -> Verdict {
    match (http_status, answer.trim()) {
        (200, "VERIFIED") => Verdict::Verified,
        (200, "INVALID") => Verdict::Forged,
        (200, other) => Verdict::Unknown(format!(
            "answer {:?}",
            other.chars().take(40).collect::<String>()
        )),
        (status, _) => Verdict::Unknown(format!("HTTP {status}")),
    }
}

/// Why a body is not a notification we can use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotificationError {
    /// A bad escape, or bytes that are not text in the message's charset.
    Undecodable,
    /// A key sent twice: PayPal never does, and which one PayPal checked
    /// cannot be known.
    DuplicateKey(String),
    /// A `charset` the platform cannot decode.
    UnknownCharset(String),
    MissingField(&'static str),
}

impl From<FormError> for NotificationError {
    fn from(e: FormError) -> Self {
        match e {
            FormError::BadEscape | FormError::NotText => NotificationError::Undecodable,
            FormError::DuplicateKey(k) => NotificationError::DuplicateKey(k),
            FormError::UnknownCharset(c) => NotificationError::UnknownCharset(c),
        }
    }
}

/// Reads a message from text (the stored, ASCII form of its bytes).
pub fn parse(body: &str) -> Result<Notice, NotificationError> {
    parse_bytes(body.as_bytes())
}

/// Reads a message from the exact bytes received.
pub fn parse_bytes(body: &[u8]) -> Result<Notice, NotificationError> {
    let fields = charset::decode_form(body)?;
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let txn_id = get("txn_id").ok_or(NotificationError::MissingField("txn_id"))?;
    let status_text =
        get("payment_status").ok_or(NotificationError::MissingField("payment_status"))?;
    let gross = get("mc_gross").and_then(|g| Amount::parse_decimal(g.trim_start_matches('-')));
    Ok(Notice {
        provider: ProviderId::Paypal,
        reference: txn_id,
        parent_reference: get("parent_txn_id"),
        state: PaymentStatus::parse(&status_text).state(),
        status_text,
        gross,
        currency: get("mc_currency"),
        invoice: get("invoice"),
        receiver_id: get("receiver_id"),
        receiver_email: get("receiver_email"),
    })
}

/// The order id in an INVNUM we made (`PB-<deployment>-<order>`), when the
/// deployment is ours.
pub fn order_id_from_invoice<'a>(invoice: &'a str, deployment_id: &str) -> Option<&'a str> {
    let rest = invoice.strip_prefix("PB-")?;
    let (deployment, order) = rest.split_once('-')?;
    (deployment == deployment_id && !order.is_empty()).then_some(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "mc_gross=19.95&protection_eligibility=Eligible&payer_id=LPLWNMTBWMFAY&payment_date=20%3A12%3A59+Jan+13%2C+2009+PST&payment_status=Completed&charset=windows-1252&mc_fee=0.88&notify_version=2.6&custom=&payer_status=verified&verify_sign=AtkOfCXbDm2hu0ZELryHFjY-Vb7PAUvS6nMXgysbElEn9v-1XcmSoGtf&payer_email=gpmac_1231902590_per%40paypal.com&txn_id=61E67681CH3238416&payment_type=instant&receiver_email=gpmac_1231902686_biz%40paypal.com&receiver_id=S8XGHLYDW9T3S&txn_type=express_checkout&mc_currency=USD&test_ipn=1";

    #[test]
    fn the_recorded_ipn_sample_parses() {
        let n = parse(SAMPLE).expect("parses");
        assert_eq!(n.reference, "61E67681CH3238416");
        assert_eq!(
            PaymentStatus::parse(&n.status_text),
            PaymentStatus::Completed
        );
        assert_eq!(n.gross.map(Amount::cents), Some(1995));
        assert_eq!(n.currency.as_deref(), Some("USD"));
        assert_eq!(n.receiver_id.as_deref(), Some("S8XGHLYDW9T3S"));
        assert_eq!(
            n.receiver_email.as_deref(),
            Some("gpmac_1231902686_biz@paypal.com")
        );
        assert!(
            postback_body(SAMPLE.as_bytes()).starts_with(b"cmd=_notify-validate&mc_gross=19.95&")
        );
    }

    #[test]
    fn refunds_and_canceled_reversals_are_read() {
        let refund = parse("txn_id=3HD&parent_txn_id=1V55&payment_status=Refunded&mc_gross=-150&mc_currency=JPY&reason_code=refund").expect("parses");
        assert_eq!(
            PaymentStatus::parse(&refund.status_text),
            PaymentStatus::Refunded
        );
        assert_eq!(refund.parent_reference.as_deref(), Some("1V55"));
        assert_eq!(refund.gross.map(Amount::cents), Some(15_000));
        let canceled = parse("txn_id=9&parent_txn_id=1V55&payment_status=Canceled_Reversal&mc_gross=150&mc_currency=JPY").expect("parses");
        assert_eq!(
            PaymentStatus::parse(&canceled.status_text),
            PaymentStatus::CanceledReversal
        );
        assert_eq!(
            parse("payment_status=Completed"),
            Err(NotificationError::MissingField("txn_id"))
        );
        assert_eq!(parse("txn_id=%zz"), Err(NotificationError::Undecodable));
    }

    #[test]
    fn a_windows_1252_message_is_read_and_posted_back_byte_for_byte() {
        let raw = b"txn_id=9T&payment_status=Completed&first_name=Ren%E9&charset=windows-1252&mc_gross=1.50&mc_currency=EUR";
        let n = parse_bytes(raw).expect("parses");
        assert_eq!(n.reference, "9T");
        assert_eq!(
            PaymentStatus::parse(&n.status_text),
            PaymentStatus::Completed
        );
        let mut expected = b"cmd=_notify-validate&".to_vec();
        expected.extend_from_slice(raw);
        assert_eq!(postback_body(raw), expected);
    }

    #[test]
    fn a_message_with_a_duplicated_key_is_refused() {
        assert_eq!(
            parse("txn_id=1&payment_status=Completed&mc_gross=1.50&mc_gross=150.00"),
            Err(NotificationError::DuplicateKey("mc_gross".into()))
        );
        assert_eq!(
            parse("txn_id=1&payment_status=Refunded&payment_status=Completed"),
            Err(NotificationError::DuplicateKey("payment_status".into()))
        );
        assert_eq!(
            parse("txn_id=1&payment_status=Completed&charset=Big5"),
            Err(NotificationError::UnknownCharset("Big5".into()))
        );
    }

    #[test]
    fn only_a_literal_verified_or_invalid_postback_answer_says_something() {
        assert_eq!(verdict(200, "VERIFIED"), Verdict::Verified);
        assert_eq!(verdict(200, "VERIFIED\r\n"), Verdict::Verified);
        assert_eq!(verdict(200, "INVALID"), Verdict::Forged);
        for (status, text) in [
            (200, ""),
            (200, "verified"),
            (200, "<html>busy</html>"),
            (503, "VERIFIED"),
            (500, "INVALID"),
        ] {
            assert!(
                matches!(verdict(status, text), Verdict::Unknown(_)),
                "{status} {text}"
            );
        }
    }

    #[test]
    fn invoices_name_our_orders_only() {
        assert_eq!(
            order_id_from_invoice("PB-abc123-ord9", "abc123"),
            Some("ord9")
        );
        assert_eq!(order_id_from_invoice("PB-other-ord9", "abc123"), None);
        assert_eq!(order_id_from_invoice("INV-1", "abc123"), None);
    }
}
