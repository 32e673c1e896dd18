//! The IPN: its fields in PayPal's order, the body form-encoded as PayPal
//! does, its date format, the payer's country and the postback's message.

use super::answer::{plain, push};
use super::{Fields, IPN_NOTIFY_VERSION};
use crate::core::psp::paypal::nvp::{PaymentStatus, PendingReason};
use crate::core::time::UtcTime;

/// One IPN message, before encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipn<'a> {
    pub txn_id: &'a str,
    /// The payment a later event (refund, reversal) is about.
    pub parent_txn_id: Option<&'a str>,
    /// `express_checkout` for a payment; none for later events.
    pub txn_type: Option<&'a str>,
    pub payment_status: &'a PaymentStatus,
    pub pending_reason: Option<&'a PendingReason>,
    /// `chargeback`, `refund`, … for later events.
    pub reason_code: Option<&'a str>,
    /// Negative for money going back to the payer.
    pub gross_cents: i64,
    pub currency: &'a str,
    pub invoice: Option<&'a str>,
    pub custom: Option<&'a str>,
    pub payer_id: &'a str,
    pub payer_email: &'a str,
    pub receiver_id: &'a str,
    pub receiver_email: &'a str,
    pub payment_date: UtcTime,
    pub residence_country: &'a str,
    pub verify_sign: &'a str,
    pub ipn_track_id: &'a str,
}

/// The IPN's fields in the order of PayPal's recorded sample.
pub fn ipn_fields(ipn: &Ipn) -> Fields {
    let mut fields = Vec::new();
    push(&mut fields, "mc_gross", &plain(ipn.gross_cents));
    if let Some(invoice) = ipn.invoice {
        push(&mut fields, "invoice", invoice);
    }
    if let Some(parent) = ipn.parent_txn_id {
        push(&mut fields, "parent_txn_id", parent);
    }
    push(&mut fields, "protection_eligibility", "Ineligible");
    push(&mut fields, "payer_id", ipn.payer_id);
    push(&mut fields, "tax", "0.00");
    push(
        &mut fields,
        "payment_date",
        &ipn_payment_date(ipn.payment_date),
    );
    push(
        &mut fields,
        "payment_status",
        &ipn.payment_status.as_ipn_str(),
    );
    if let Some(reason) = ipn.pending_reason {
        push(&mut fields, "pending_reason", reason.as_str());
    }
    if let Some(reason) = ipn.reason_code {
        push(&mut fields, "reason_code", reason);
    }
    push(&mut fields, "charset", "UTF-8");
    push(&mut fields, "mc_fee", "0.00");
    push(&mut fields, "notify_version", IPN_NOTIFY_VERSION);
    push(&mut fields, "custom", ipn.custom.unwrap_or(""));
    push(&mut fields, "payer_status", "verified");
    // PayPal sends the payer's name; the emulator's accounts have only an
    // e-mail, so it is made from it (`rené.dupont@…` → René Dupont).
    let (first_name, last_name) =
        crate::core::psp::paypal::emulator_ipn::payer_names(ipn.payer_email);
    push(&mut fields, "first_name", &first_name);
    push(&mut fields, "last_name", &last_name);
    push(&mut fields, "business", ipn.receiver_email);
    push(&mut fields, "quantity", "1");
    push(&mut fields, "verify_sign", ipn.verify_sign);
    push(&mut fields, "payer_email", ipn.payer_email);
    push(&mut fields, "txn_id", ipn.txn_id);
    push(&mut fields, "payment_type", "instant");
    push(&mut fields, "receiver_email", ipn.receiver_email);
    push(&mut fields, "receiver_id", ipn.receiver_id);
    if let Some(txn_type) = ipn.txn_type {
        push(&mut fields, "txn_type", txn_type);
    }
    push(&mut fields, "mc_currency", ipn.currency);
    push(&mut fields, "residence_country", ipn.residence_country);
    push(&mut fields, "test_ipn", "1");
    push(&mut fields, "ipn_track_id", ipn.ipn_track_id);
    fields
}

/// What an IPN body leaves unescaped: alphanumerics and `-._*` (HTML form
/// encoding); a space is `+`, every other byte `%XX` in upper case, as in
/// PayPal's sample (`payment_date=20%3A12%3A59+Jan+13%2C+2009+PST`).
pub(super) fn form_encode_into(out: &mut String, text: &str) {
    form_encode_bytes_into(out, text.as_bytes());
}

/// Form-encodes bytes as PayPal does: unreserved characters as they are,
/// space as `+`, every other byte `%XX` (so any charset's bytes encode).
pub(in crate::core::psp::paypal) fn form_encode_bytes_into(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in bytes {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'*') {
            out.push(char::from(byte));
        } else if byte == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
}

/// Form-encodes fields the way PayPal encodes an IPN body.
pub fn form_encode(fields: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        form_encode_into(&mut out, name);
        out.push('=');
        form_encode_into(&mut out, value);
    }
    out
}

/// The IPN body: its fields, form-encoded like PayPal's.
pub fn ipn_body(ipn: &Ipn) -> String {
    form_encode(&ipn_fields(ipn))
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `payment_date` as PayPal writes it, in Pacific Standard Time (UTC − 8):
/// `20:12:59 Jan 13, 2009 PST`.
pub fn ipn_payment_date(at: UtcTime) -> String {
    let (year, month, day, hour, minute, second) = at.plus_seconds(-8 * 3_600).parts();
    let month_name = usize::try_from(month - 1)
        .ok()
        .and_then(|m| MONTHS.get(m))
        .copied()
        .unwrap_or("Jan");
    format!("{hour:02}:{minute:02}:{second:02} {month_name} {day:02}, {year} PST")
}

/// The payer's country, from the checkout's LOCALECODE (`fr_FR` → FR, a
/// bare country `US` → US), US when unknown.
pub fn residence_country(locale_code: Option<&str>) -> &str {
    let code = locale_code.unwrap_or("");
    let country = match code.split_once(['_', '-']) {
        Some((_, country)) => country,
        None => code,
    };
    if country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()) {
        country
    } else {
        "US"
    }
}

/// The bytes after `cmd=_notify-validate&` of a postback, if it has them.
pub fn postback_message(body: &str) -> Option<&str> {
    body.strip_prefix("cmd=_notify-validate&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::psp::paypal::emulator::test_support::*;
    use crate::core::psp::paypal::nvp::decode;

    #[test]
    fn ipn_dates_are_pacific_standard_time() {
        let at = UtcTime::parse("2009-01-14T04:12:59Z").unwrap_or(now());
        assert_eq!(ipn_payment_date(at), "20:12:59 Jan 13, 2009 PST");
        let at = UtcTime::parse("2016-12-07T20:58:38Z").unwrap_or(now());
        assert_eq!(ipn_payment_date(at), "12:58:38 Dec 07, 2016 PST");
    }

    #[test]
    fn ipn_bodies_are_encoded_like_paypals_sample() {
        let status = PaymentStatus::Completed;
        let ipn = Ipn {
            txn_id: "61E67681CH3238416",
            parent_txn_id: None,
            txn_type: Some("express_checkout"),
            payment_status: &status,
            pending_reason: None,
            reason_code: None,
            gross_cents: 1_995,
            currency: "USD",
            invoice: Some("PB-abc-7"),
            custom: None,
            payer_id: "LPLWNMTBWMFAY",
            payer_email: "gpmac_1231902590_per@paypal.com",
            receiver_id: "S8XGHLYDW9T3S",
            receiver_email: "gpmac_1231902686_biz@paypal.com",
            payment_date: UtcTime::parse("2009-01-14T04:12:59Z").unwrap_or(now()),
            residence_country: "US",
            verify_sign: "AtkOfCXbDm2hu0ZELryHFjY-Vb7PAUvS6nMXgysbElEn9v-1XcmSoGtf",
            ipn_track_id: "86fbd5b89e3b4",
        };
        let body = ipn_body(&ipn);
        assert!(body.starts_with("mc_gross=19.95&invoice=PB-abc-7&protection_eligibility=Ineligible&payer_id=LPLWNMTBWMFAY&tax=0.00&payment_date=20%3A12%3A59+Jan+13%2C+2009+PST&payment_status=Completed&charset=UTF-8&mc_fee=0.00&notify_version=3.9&custom=&payer_status=verified&"), "{body}");
        assert!(body.contains("&verify_sign=AtkOfCXbDm2hu0ZELryHFjY-Vb7PAUvS6nMXgysbElEn9v-1XcmSoGtf&payer_email=gpmac_1231902590_per%40paypal.com&txn_id=61E67681CH3238416&payment_type=instant&receiver_email=gpmac_1231902686_biz%40paypal.com&receiver_id=S8XGHLYDW9T3S&txn_type=express_checkout&mc_currency=USD&"), "{body}");
        assert!(body.ends_with("&ipn_track_id=86fbd5b89e3b4"), "{body}");
        let decoded = decode(&body).unwrap_or_default();
        assert_eq!(decoded, ipn_fields(&ipn));

        let refunded = PaymentStatus::CanceledReversal;
        let reason = PendingReason::PaymentReview;
        let later = Ipn {
            parent_txn_id: Some("61E67681CH3238416"),
            txn_id: "3HD08833MR473623T",
            txn_type: None,
            payment_status: &refunded,
            pending_reason: Some(&reason),
            reason_code: Some("chargeback"),
            gross_cents: -1_995,
            ..ipn
        };
        let body = ipn_body(&later);
        assert!(
            body.starts_with("mc_gross=-19.95&invoice=PB-abc-7&parent_txn_id=61E67681CH3238416&"),
            "{body}"
        );
        assert!(body.contains("&payment_status=Canceled_Reversal&pending_reason=paymentreview&reason_code=chargeback&"), "{body}");
        assert!(!body.contains("txn_type"), "{body}");
    }

    #[test]
    fn residence_countries_come_from_the_locale() {
        assert_eq!(residence_country(Some("fr_FR")), "FR");
        assert_eq!(residence_country(Some("en-GB")), "GB");
        assert_eq!(residence_country(Some("DE")), "DE");
        assert_eq!(residence_country(Some("fr")), "US");
        assert_eq!(residence_country(None), "US");
        assert_eq!(postback_message("cmd=_notify-validate&a=1"), Some("a=1"));
        assert_eq!(postback_message("a=1"), None);
    }
}
