//! PayPal Instant Payment Notifications as the platform reads them: the
//! fields of a message (decoded from the exact bytes received, which are
//! also what the postback sends back), the postback body, and the order an
//! INVNUM of ours names. What a verified message does is `core::notify`'s.

use super::nvp::{self, PaymentStatus};
use crate::core::money::Amount;

/// The postback PayPal verifies: `cmd=_notify-validate&` + the bytes as
/// received, unaltered.
pub fn postback_body(received: &str) -> String {
    format!("cmd=_notify-validate&{received}")
}

/// The fields of one notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub txn_id: String,
    pub parent_txn_id: Option<String>,
    pub payment_status: PaymentStatus,
    /// As sent, for recording each (txn_id, status) once.
    pub payment_status_text: String,
    /// Absent or unreadable amounts are `None`; refunds are negative on the
    /// wire, so only the magnitude is kept.
    pub gross: Option<Amount>,
    pub currency: Option<String>,
    pub invoice: Option<String>,
    pub receiver_id: Option<String>,
    pub receiver_email: Option<String>,
}

/// Why a body is not a notification we can use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotificationError {
    Undecodable,
    MissingField(&'static str),
}

pub fn parse(body: &str) -> Result<Notification, NotificationError> {
    let fields = nvp::decode(body).map_err(|_| NotificationError::Undecodable)?;
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
    Ok(Notification {
        txn_id,
        parent_txn_id: get("parent_txn_id"),
        payment_status: PaymentStatus::parse(&status_text),
        payment_status_text: status_text,
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
        assert_eq!(n.txn_id, "61E67681CH3238416");
        assert_eq!(n.payment_status, PaymentStatus::Completed);
        assert_eq!(n.gross.map(Amount::cents), Some(1995));
        assert_eq!(n.currency.as_deref(), Some("USD"));
        assert_eq!(n.receiver_id.as_deref(), Some("S8XGHLYDW9T3S"));
        assert_eq!(
            n.receiver_email.as_deref(),
            Some("gpmac_1231902686_biz@paypal.com")
        );
        assert!(postback_body(SAMPLE).starts_with("cmd=_notify-validate&mc_gross=19.95&"));
    }

    #[test]
    fn refunds_and_canceled_reversals_are_read() {
        let refund = parse("txn_id=3HD&parent_txn_id=1V55&payment_status=Refunded&mc_gross=-150&mc_currency=JPY&reason_code=refund").expect("parses");
        assert_eq!(refund.payment_status, PaymentStatus::Refunded);
        assert_eq!(refund.parent_txn_id.as_deref(), Some("1V55"));
        assert_eq!(refund.gross.map(Amount::cents), Some(15_000));
        let canceled = parse("txn_id=9&parent_txn_id=1V55&payment_status=Canceled_Reversal&mc_gross=150&mc_currency=JPY").expect("parses");
        assert_eq!(canceled.payment_status, PaymentStatus::CanceledReversal);
        assert_eq!(
            parse("payment_status=Completed"),
            Err(NotificationError::MissingField("txn_id"))
        );
        assert_eq!(parse("txn_id=%zz"), Err(NotificationError::Undecodable));
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
