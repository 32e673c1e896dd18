//! What each party of an order may see of PayPal's answers (spec §6,
//! security review F10; `core::privacy`). Both parties read the same trace rows, but a
//! PayPal answer carries the other party's data: the seller's PayPal
//! e-mail and fee in DoExpressCheckoutPayment, the payer's identity in
//! GetExpressCheckoutDetails and GetTransactionDetails, and the EC token
//! (which lets whoever holds it return to or cancel the buyer's order).
//!
//! So a trace is shown through an **allow-list** per role: a field not
//! named here is never shown, whatever PayPal adds tomorrow. Names are
//! compared without their repetition prefixes and suffixes
//! (`PAYMENTINFO_0_`, `PAYMENTREQUEST_0_`, `L_..0`), so `L_ERRORCODE0` and
//! `PAYMENTINFO_0_ERRORCODE` are both `ERRORCODE`.

use serde_json::{Map, Value};

use crate::core::privacy::Role;

/// Neutral facts of a call: its outcome, its errors, the payment's id,
/// status and amount. Identical for both parties.
const SHARED: &[&str] = &[
    "METHOD",
    "ACK",
    "TIMESTAMP",
    "CORRELATIONID",
    "VERSION",
    "BUILD",
    "ERRORCODE",
    "SHORTMESSAGE",
    "LONGMESSAGE",
    "SEVERITYCODE",
    "TRANSACTIONID",
    "TRANSACTIONTYPE",
    "PAYMENTTYPE",
    "ORDERTIME",
    "PAYMENTSTATUS",
    "PENDINGREASON",
    "REASONCODE",
    "CHECKOUTSTATUS",
    // `<order>-<attempt>`: which payment attempt of this order a call was.
    "MSGSUBID",
    "AMT",
    "CURRENCYCODE",
];

/// What PayPal charged the seller: his own business, not the buyer's.
const SELLER_ONLY: &[&str] = &["FEEAMT", "SETTLEAMT"];

/// A field's name without PayPal's repetition markers: `PAYMENTINFO_0_AMT`
/// → `AMT`, `PAYMENTREQUEST_0_CURRENCYCODE` → `CURRENCYCODE`,
/// `L_ERRORCODE0` → `ERRORCODE`.
fn base_name(name: &str) -> &str {
    let mut name = name;
    for prefix in ["PAYMENTINFO_", "PAYMENTREQUEST_"] {
        if let Some(rest) = name.strip_prefix(prefix) {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 {
                if let Some(tail) = rest.get(digits..).and_then(|t| t.strip_prefix('_')) {
                    name = tail;
                }
            }
        }
    }
    if let Some(rest) = name.strip_prefix("L_") {
        let trimmed = rest.trim_end_matches(|c: char| c.is_ascii_digit());
        if trimmed.len() < rest.len() {
            name = trimmed;
        }
    }
    name
}

/// Whether a reader in `role` may see the field `name` of a PSP call.
pub fn may_see(role: Role, name: &str) -> bool {
    let base = base_name(name);
    SHARED.contains(&base) || (role == Role::Seller && SELLER_ONLY.contains(&base))
}

/// The part of a trace's fields (a JSON object of NVP fields) that `role`
/// may see; anything that is not an object shows as nothing.
pub fn visible_fields(role: Role, fields: &Value) -> Value {
    let Value::Object(map) = fields else {
        return Value::Null;
    };
    Value::Object(
        map.iter()
            .filter(|(name, _)| may_see(role, name))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect::<Map<String, Value>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A DoExpressCheckoutPayment answer as PayPal gives it (shape of the
    /// recorded sandbox answer in the NVP tests).
    fn do_payment_answer() -> Value {
        json!({
            "TOKEN": "EC-9J76236023054520Y",
            "TIMESTAMP": "2022-11-11T00:00:19Z",
            "CORRELATIONID": "e1b4cff42265c",
            "ACK": "Success",
            "PAYMENTINFO_0_TRANSACTIONID": "17G53960CL6245248",
            "PAYMENTINFO_0_AMT": "20.00",
            "PAYMENTINFO_0_FEEAMT": "0.98",
            "PAYMENTINFO_0_CURRENCYCODE": "EUR",
            "PAYMENTINFO_0_PAYMENTSTATUS": "Completed",
            "PAYMENTINFO_0_SECUREMERCHANTACCOUNTID": "XBAQ9CSARUZ7J",
            "PAYMENTINFO_0_SELLERPAYPALACCOUNTID": "seller@example.org",
            "PAYMENTINFO_0_ERRORCODE": "0",
            "L_ERRORCODE0": "10486",
            "L_LONGMESSAGE0": "declined",
        })
    }

    /// A GetTransactionDetails answer: the payer's identity and the
    /// seller's e-mail.
    fn transaction_answer() -> Value {
        json!({
            "ACK": "Success",
            "TRANSACTIONID": "17G53960CL6245248",
            "PAYMENTSTATUS": "Completed",
            "AMT": "20.00",
            "FEEAMT": "0.98",
            "CURRENCYCODE": "EUR",
            "RECEIVEREMAIL": "seller@example.org",
            "RECEIVERBUSINESS": "seller@example.org",
            "RECEIVERID": "XBAQ9CSARUZ7J",
            "EMAIL": "buyer@example.org",
            "PAYERID": "Y8K3PSJYN24D4",
            "FIRSTNAME": "Alice",
            "LASTNAME": "Martin",
            "BUSINESS": "Alice SARL",
            "COUNTRYCODE": "FR",
            "SHIPTOSTREET": "1 rue de la Paix",
            "PAYMENTREQUEST_0_SHIPTONAME": "Alice Martin",
        })
    }

    #[test]
    fn the_buyer_never_sees_the_sellers_email_fee_or_the_token() {
        let shown = visible_fields(Role::Buyer, &do_payment_answer());
        let text = shown.to_string();
        assert!(!text.contains("seller@example.org"), "{text}");
        assert!(!text.contains("XBAQ9CSARUZ7J"), "{text}");
        assert!(!text.contains("EC-9J76"), "{text}");
        assert!(shown.get("PAYMENTINFO_0_FEEAMT").is_none(), "{text}");
        assert_eq!(shown["ACK"], "Success");
        assert_eq!(shown["PAYMENTINFO_0_TRANSACTIONID"], "17G53960CL6245248");
        assert_eq!(shown["PAYMENTINFO_0_AMT"], "20.00");
        assert_eq!(shown["PAYMENTINFO_0_PAYMENTSTATUS"], "Completed");
        assert_eq!(shown["CORRELATIONID"], "e1b4cff42265c");
        assert_eq!(shown["L_ERRORCODE0"], "10486");
        assert_eq!(shown["L_LONGMESSAGE0"], "declined");
        assert_eq!(shown["PAYMENTINFO_0_ERRORCODE"], "0");
        let request = json!({"METHOD": "DoExpressCheckoutPayment", "TOKEN": "EC-1", "PAYERID": "Y8K3PSJYN24D4", "MSGSUBID": "abc-2"});
        assert_eq!(
            visible_fields(Role::Buyer, &request),
            json!({"METHOD": "DoExpressCheckoutPayment", "MSGSUBID": "abc-2"}),
            "the attempt is shown, not the token or the payer"
        );
    }

    #[test]
    fn the_seller_sees_his_fee_but_never_the_payers_identity_or_the_token() {
        let shown = visible_fields(Role::Seller, &transaction_answer());
        let text = shown.to_string();
        for secret in [
            "buyer@example.org",
            "Y8K3PSJYN24D4",
            "Alice",
            "Martin",
            "FR",
            "rue de la Paix",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(shown["FEEAMT"], "0.98");
        assert_eq!(shown["AMT"], "20.00");
        let paid = visible_fields(Role::Seller, &do_payment_answer());
        assert_eq!(paid["PAYMENTINFO_0_FEEAMT"], "0.98");
        assert!(paid.get("TOKEN").is_none());
    }

    #[test]
    fn the_buyer_does_not_see_the_fee_of_a_transaction_either() {
        let shown = visible_fields(Role::Buyer, &transaction_answer());
        assert!(shown.get("FEEAMT").is_none());
        assert!(!shown.to_string().contains("seller@example.org"));
    }

    #[test]
    fn unknown_fields_and_non_objects_show_nothing() {
        assert_eq!(
            visible_fields(Role::Seller, &json!({"NEWFIELD": "x", "AMTX": "1"})),
            json!({})
        );
        assert_eq!(visible_fields(Role::Buyer, &Value::Null), Value::Null);
        assert_eq!(visible_fields(Role::Buyer, &json!("ACK")), Value::Null);
    }

    #[test]
    fn repetition_markers_are_stripped_only_when_well_formed() {
        assert_eq!(base_name("PAYMENTINFO_0_AMT"), "AMT");
        assert_eq!(base_name("PAYMENTREQUEST_12_CURRENCYCODE"), "CURRENCYCODE");
        assert_eq!(base_name("L_ERRORCODE3"), "ERRORCODE");
        assert_eq!(base_name("PAYMENTINFO_X_AMT"), "PAYMENTINFO_X_AMT");
        assert_eq!(base_name("L_"), "L_");
        assert!(!may_see(Role::Seller, "PAYMENTINFO_X_AMT"));
        assert_eq!(Role::parse("seller"), Role::Seller);
        assert_eq!(Role::parse("anything"), Role::Buyer);
    }
}
