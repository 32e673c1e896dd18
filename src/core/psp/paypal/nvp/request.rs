//! NVP requests: the methods the platform calls, API credentials (never
//! shown by `{:?}`) and `NvpRequest`, the ordered fields of one call.

use std::fmt;

use super::codec::{encode_pairs, is_unreserved, UPPER_HEX};
use super::VERSION;

/// The NVP methods the platform calls (and the emulator answers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    SetExpressCheckout,
    GetExpressCheckoutDetails,
    DoExpressCheckoutPayment,
    GetBalance,
    GetTransactionDetails,
    RefundTransaction,
}

impl Method {
    pub const ALL: [Method; 6] = [
        Method::SetExpressCheckout,
        Method::GetExpressCheckoutDetails,
        Method::DoExpressCheckoutPayment,
        Method::GetBalance,
        Method::GetTransactionDetails,
        Method::RefundTransaction,
    ];

    /// The `METHOD` value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::SetExpressCheckout => "SetExpressCheckout",
            Method::GetExpressCheckoutDetails => "GetExpressCheckoutDetails",
            Method::DoExpressCheckoutPayment => "DoExpressCheckoutPayment",
            Method::GetBalance => "GetBalance",
            Method::GetTransactionDetails => "GetTransactionDetails",
            Method::RefundTransaction => "RefundTransaction",
        }
    }

    /// The method named exactly `text`; `None` for any other (PayPal
    /// answers 81002 to those).
    pub fn parse(text: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// API signature credentials of one PayPal account.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
    pub signature: String,
}

// Hand-written so that a `{:?}` in a log or trace never leaks a secret.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("signature", &"<redacted>")
            .finish()
    }
}

/// The fields that carry credentials; never written to a trace.
const SECRET_FIELDS: [&str; 3] = ["USER", "PWD", "SIGNATURE"];

/// One NVP call: ordered (name, value) pairs, starting with the credentials,
/// `METHOD` and `VERSION`.
#[derive(Clone, PartialEq, Eq)]
pub struct NvpRequest {
    method: Method,
    fields: Vec<(String, String)>,
}

impl NvpRequest {
    /// A call of `method` with `credentials` and VERSION 204.
    pub fn new(method: Method, credentials: &Credentials) -> NvpRequest {
        NvpRequest {
            method,
            fields: vec![
                ("USER".to_owned(), credentials.username.clone()),
                ("PWD".to_owned(), credentials.password.clone()),
                ("SIGNATURE".to_owned(), credentials.signature.clone()),
                ("METHOD".to_owned(), method.as_str().to_owned()),
                ("VERSION".to_owned(), VERSION.to_owned()),
            ],
        }
    }

    /// Sets `name` to `value`: replaces the value in place when the name is
    /// already there (a name never appears twice on the wire), else appends.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> NvpRequest {
        let (name, value) = (name.into(), value.into());
        match self.fields.iter_mut().find(|(n, _)| *n == name) {
            Some(existing) => existing.1 = value,
            None => self.fields.push((name, value)),
        }
        self
    }

    pub fn method(&self) -> Method {
        self.method
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// All fields in order, credentials included: only for encoding.
    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    /// The form-encoded body (`&` separators, `%XX` escapes, space as
    /// `%20`): what is POSTed to the NVP endpoint.
    pub fn encode(&self) -> String {
        encode_pairs(&self.fields, is_unreserved, UPPER_HEX)
    }

    /// The fields without USER, PWD and SIGNATURE, for audit traces: secrets
    /// never reach a trace.
    pub fn redacted(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .filter(|(name, _)| !SECRET_FIELDS.contains(&name.as_str()))
            .cloned()
            .collect()
    }

    /// The body as [`encode`](Self::encode) sends it, without USER, PWD and
    /// SIGNATURE: the wire bytes a trace keeps.
    pub fn encode_redacted(&self) -> String {
        encode_pairs(&self.redacted(), is_unreserved, UPPER_HEX)
    }
}

// Hand-written so that `{:?}` shows the redacted fields only.
impl fmt::Debug for NvpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NvpRequest")
            .field("method", &self.method)
            .field("fields", &self.redacted())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::*;
    use super::*;
    use crate::core::money::Amount;

    #[test]
    fn requests_start_with_credentials_method_and_version_and_encode_as_a_form() {
        let request = NvpRequest::new(Method::SetExpressCheckout, &credentials())
            .field(
                "PAYMENTREQUEST_0_AMT",
                Amount::from_cents(2_000).unwrap_or_default().to_plain(),
            )
            .field("L_PAYMENTREQUEST_0_NAME0", "FR0000120271")
            .field(
                "RETURNURL",
                "https://pay.example/psp/paypal/return?order=7&x=a b",
            );
        let names: Vec<&str> = request.fields().iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "USER",
                "PWD",
                "SIGNATURE",
                "METHOD",
                "VERSION",
                "PAYMENTREQUEST_0_AMT",
                "L_PAYMENTREQUEST_0_NAME0",
                "RETURNURL"
            ]
        );
        assert_eq!(request.method(), Method::SetExpressCheckout);
        assert_eq!(request.get("METHOD"), Some("SetExpressCheckout"));
        assert_eq!(request.get("VERSION"), Some("204"));
        assert_eq!(request.get("NOSHIPPING"), None);
        let body = request.encode();
        assert!(
            body.starts_with("USER=seller_api1.example.com&PWD=S3CR3TPWD&SIGNATURE="),
            "{body}"
        );
        assert!(
            body.contains("&METHOD=SetExpressCheckout&VERSION=204&PAYMENTREQUEST_0_AMT=20.00&"),
            "{body}"
        );
        assert!(
            body.ends_with("&RETURNURL=https%3A%2F%2Fpay.example%2Fpsp%2Fpaypal%2Freturn%3Forder%3D7%26x%3Da%20b"),
            "{body}"
        );
        assert_eq!(
            decode_request(&body).ok().as_deref(),
            Some(request.fields())
        );
    }

    #[test]
    fn the_redacted_body_is_the_body_sent_without_user_password_and_signature() {
        let request = NvpRequest::new(Method::GetBalance, &credentials()).field("NOTE", "a b&c");
        let redacted = request.encode_redacted();
        assert_eq!(redacted, "METHOD=GetBalance&VERSION=204&NOTE=a%20b%26c");
        assert!(request.encode().ends_with(&format!("&{redacted}")));
        for secret in ["seller_api1", "S3CR3TPWD", "SIGNATURE", "USER", "PWD"] {
            assert!(!redacted.contains(secret), "{secret} in {redacted}");
        }
    }

    #[test]
    fn setting_a_field_twice_replaces_it_in_place() {
        let request = NvpRequest::new(Method::DoExpressCheckoutPayment, &credentials())
            .field("MSGSUBID", "42-1")
            .field("TOKEN", "EC-1")
            .field("MSGSUBID", "42-2");
        assert_eq!(request.get("MSGSUBID"), Some("42-2"));
        let msgsubids = request
            .fields()
            .iter()
            .filter(|(n, _)| n == "MSGSUBID")
            .count();
        assert_eq!(msgsubids, 1);
        assert_eq!(request.fields()[5].0, "MSGSUBID");
    }

    #[test]
    fn secrets_never_reach_a_trace_or_debug_output() {
        let request =
            NvpRequest::new(Method::GetBalance, &credentials()).field("RETURNALLCURRENCIES", "0");
        let redacted = request.redacted();
        for (name, value) in &redacted {
            assert!(
                !["USER", "PWD", "SIGNATURE"].contains(&name.as_str()),
                "{name}"
            );
            assert!(
                !value.contains("S3CR3TPWD") && !value.contains("SIGNATURE"),
                "{value}"
            );
        }
        assert_eq!(
            redacted,
            pairs(&[
                ("METHOD", "GetBalance"),
                ("VERSION", "204"),
                ("RETURNALLCURRENCIES", "0")
            ])
        );
        let debug = format!("{request:?} {:?}", credentials());
        assert!(!debug.contains("S3CR3TPWD"), "{debug}");
        assert!(!debug.contains("An5ns1Kso7MWUdW4ErQKJJJ4qi4"), "{debug}");
    }

    #[test]
    fn tricky_values_round_trip_through_both_encodings() {
        let fields = pairs(&[
            ("NOTE", "a&b=c%d+e f"),
            ("NAME", "Société Générale é"),
            ("EMPTY", ""),
            ("SYMBOLS", "~!*'();:@$,/?#[]\"<>\\^`{|}"),
            ("LINES", "one\r\ntwo\ttab"),
        ]);
        let mut request = NvpRequest::new(Method::GetTransactionDetails, &credentials());
        for (name, value) in &fields {
            request = request.field(name.as_str(), value.as_str());
        }
        assert_eq!(
            decode(&request.encode()).ok().as_deref(),
            Some(request.fields())
        );
        let like_paypal = encode_like_paypal(&fields);
        assert!(!like_paypal.contains('+') && !like_paypal.contains(' '));
        assert_eq!(decode(&like_paypal), Ok(fields.clone()));
        assert!(
            like_paypal.contains("NAME=Soci%c3%a9t%c3%a9%20G%c3%a9n%c3%a9rale%20%c3%a9"),
            "{like_paypal}"
        );
        assert!(
            like_paypal.contains("NOTE=a%26b%3dc%25d%2be%20f"),
            "{like_paypal}"
        );
    }

    #[test]
    fn methods_round_trip_and_unknown_names_are_refused() {
        for method in Method::ALL {
            assert_eq!(Method::parse(method.as_str()), Some(method));
        }
        assert_eq!(
            Method::parse("DoExpressCheckoutPayment"),
            Some(Method::DoExpressCheckoutPayment)
        );
        assert_eq!(
            Method::parse("RefundTransaction"),
            Some(Method::RefundTransaction)
        );
        assert_eq!(Method::parse("refundtransaction"), None);
        assert_eq!(Method::parse(""), None);
        assert_eq!(VERSION, "204");
    }
}
