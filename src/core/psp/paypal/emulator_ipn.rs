//! The emulator's IPN options beyond PayPal's happy path, so that tests can
//! play what live PayPal does: IPNs written in the receiving account's
//! charset (`windows-1252`, PayPal's default, or UTF-8), the payer's name
//! in them, and a postback (`/ipn-verify`) that fails once
//! (`method=ipn-verify` faults: `drop=1` loses the answer, `error_code=N`
//! answers something other than `VERIFIED`/`INVALID`).

use serde::Deserialize;

use super::charset::to_windows_1252;
use super::emulator::{form_encode, form_encode_bytes_into, ipn_fields, FaultKind, Fields, Ipn};
use crate::core::sql::{Param, Stmt};

/// The `method` of a fault on the IPN postback.
pub const IPN_VERIFY_METHOD: &str = "ipn-verify";

// An account's IPN charset is a `settings` row keyed
// `emulator_ipn_charset:<account id>` (absent: UTF-8), so that the
// emulator's tables keep their shape.

/// Sets the charset of the account with this e-mail (in the batch that
/// creates or finds it).
pub fn set_charset(email: &str, charset: IpnCharset) -> Stmt {
    Stmt::new(
        "INSERT INTO settings (key, value) \
         SELECT 'emulator_ipn_charset:' || id, ?2 FROM emulator_accounts WHERE email = ?1 \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        vec![Param::from(email), Param::from(charset.as_str())],
    )
}

/// The charset of the account calling with this API username.
pub fn charset_by_api_username(api_username: &str) -> Stmt {
    Stmt::new(
        "SELECT value FROM settings WHERE key = 'emulator_ipn_charset:' || \
         (SELECT id FROM emulator_accounts WHERE api_username = ?1)",
        vec![Param::from(api_username)],
    )
}

/// The charset of the receiver of transaction `id`.
pub fn charset_by_transaction(id: &str) -> Stmt {
    Stmt::new(
        "SELECT value FROM settings WHERE key = 'emulator_ipn_charset:' || \
         (SELECT receiver_account_id FROM emulator_transactions WHERE id = ?1)",
        vec![Param::from(id)],
    )
}

/// A charset row as read; none or an unknown value is UTF-8.
#[derive(Deserialize)]
pub struct CharsetRow {
    pub value: String,
}

impl IpnCharset {
    pub fn of(row: Option<CharsetRow>) -> IpnCharset {
        row.and_then(|r| IpnCharset::parse(&r.value))
            .unwrap_or_default()
    }
}

/// The charsets the emulator writes IPNs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum IpnCharset {
    #[default]
    Utf8,
    Windows1252,
}

impl IpnCharset {
    /// A charset as posted (`UTF-8`, `windows-1252`, any case); `None`
    /// for any other.
    pub fn parse(name: &str) -> Option<IpnCharset> {
        [IpnCharset::Utf8, IpnCharset::Windows1252]
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// As PayPal spells it in the `charset` field.
    pub fn as_str(self) -> &'static str {
        match self {
            IpnCharset::Utf8 => "UTF-8",
            IpnCharset::Windows1252 => "windows-1252",
        }
    }
}

/// The payer's first and last names made from an e-mail's local part:
/// `rené.dupont@example.org` → (`René`, `Dupont`).
pub fn payer_names(email: &str) -> (String, String) {
    let local = email.split('@').next().unwrap_or_default();
    let local = local.split('+').next().unwrap_or_default();
    let (first, last) = local.split_once('.').unwrap_or((local, ""));
    let capital = |word: &str| {
        let mut chars = word.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    };
    (capital(first), capital(&last.replace('.', " ")))
}

/// The IPN body in `charset`: its fields, with `charset` naming it, form
/// encoded like PayPal's from the bytes of that charset (a character
/// windows-1252 lacks becomes `?`, as PayPal writes it).
pub fn ipn_body_in(ipn: &Ipn, charset: IpnCharset) -> String {
    let mut fields: Fields = ipn_fields(ipn);
    for (name, value) in &mut fields {
        if name == "charset" {
            *value = charset.as_str().to_owned();
        }
    }
    match charset {
        IpnCharset::Utf8 => form_encode(&fields),
        IpnCharset::Windows1252 => form_encode_bytes(&fields, |text| {
            text.chars()
                .map(|c| to_windows_1252(c).unwrap_or(b'?'))
                .collect()
        }),
    }
}

/// Form-encodes fields from the bytes `bytes_of` gives each text.
fn form_encode_bytes(fields: &Fields, bytes_of: impl Fn(&str) -> Vec<u8>) -> String {
    let mut out = String::new();
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        form_encode_bytes_into(&mut out, &bytes_of(name));
        out.push('=');
        form_encode_bytes_into(&mut out, &bytes_of(value));
    }
    out
}

/// Reads a posted `method=ipn-verify` fault: exactly one of `drop=1` or
/// `error_code` (digits). The error names the field.
pub fn parse_verify_fault(get: &dyn Fn(&str) -> String) -> Result<FaultKind, &'static str> {
    let field = |name: &str| Some(get(name).trim().to_owned()).filter(|v| !v.is_empty());
    if field("payment_status").is_some() {
        return Err("payment_status");
    }
    match (field("error_code"), field("drop")) {
        (Some(code), None) => {
            if code.len() <= 6 && code.bytes().all(|b| b.is_ascii_digit()) {
                Ok(FaultKind::Error(code))
            } else {
                Err("error_code")
            }
        }
        (None, Some(drop)) => {
            if drop == "1" {
                Ok(FaultKind::Drop)
            } else {
                Err("drop")
            }
        }
        (None, None) | (Some(_), Some(_)) => Err("error_code"),
    }
}

/// The postback's answer: HTTP status and body. Without a fault,
/// `VERIFIED` iff the emulator sent these exact bytes, else `INVALID`; a
/// `drop` fault loses the answer (502, empty), an `error_code` fault
/// answers `ERROR <code>` (neither word PayPal uses).
pub fn postback_answer(fault: Option<&FaultKind>, sent: bool) -> (u16, String) {
    match fault {
        Some(FaultKind::Drop) => (502, String::new()),
        Some(FaultKind::Error(code)) => (200, format!("ERROR {code}")),
        Some(FaultKind::Status { .. }) | None if sent => (200, "VERIFIED".into()),
        Some(FaultKind::Status { .. }) | None => (200, "INVALID".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::psp::paypal::charset::decode_form;
    use crate::core::psp::paypal::nvp::PaymentStatus;
    use crate::core::time::UtcTime;

    #[test]
    fn names_come_from_the_e_mail() {
        assert_eq!(
            payer_names("rené.dupont@example.org"),
            ("René".to_owned(), "Dupont".to_owned())
        );
        assert_eq!(
            payer_names("buyer+1@example.org"),
            ("Buyer".to_owned(), String::new())
        );
    }

    #[test]
    fn a_windows_1252_ipn_carries_the_name_in_one_byte_and_decodes_back() {
        let status = PaymentStatus::Completed;
        let ipn = Ipn {
            txn_id: "61E67681CH3238416",
            parent_txn_id: None,
            txn_type: Some("express_checkout"),
            payment_status: &status,
            pending_reason: None,
            reason_code: None,
            gross_cents: 150,
            currency: "EUR",
            invoice: Some("PB-abc-7"),
            custom: None,
            payer_id: "LPLWNMTBWMFAY",
            payer_email: "rené.dupont@example.org",
            receiver_id: "S8XGHLYDW9T3S",
            receiver_email: "seller@example.org",
            payment_date: UtcTime::parse("2026-01-05T10:00:00Z").expect("time"),
            residence_country: "FR",
            verify_sign: "x",
            ipn_track_id: "y",
        };
        let body = ipn_body_in(&ipn, IpnCharset::Windows1252);
        assert!(body.contains("&first_name=Ren%E9&"), "{body}");
        assert!(body.contains("&charset=windows-1252&"), "{body}");
        assert!(
            body.contains("&payer_email=ren%E9.dupont%40example.org&"),
            "{body}"
        );
        let fields = decode_form(body.as_bytes()).expect("decodes");
        assert!(fields.contains(&("first_name".to_owned(), "René".to_owned())));
        let utf8 = ipn_body_in(&ipn, IpnCharset::Utf8);
        assert!(utf8.contains("&first_name=Ren%C3%A9&"), "{utf8}");
        assert_eq!(utf8, super::super::emulator::ipn_body(&ipn));
    }

    #[test]
    fn postback_faults_lose_or_garble_the_answer() {
        let get = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
                    .unwrap_or_default()
            }
        };
        assert_eq!(
            parse_verify_fault(&get(&[("drop", "1")])),
            Ok(FaultKind::Drop)
        );
        assert_eq!(
            parse_verify_fault(&get(&[("error_code", "500")])),
            Ok(FaultKind::Error("500".into()))
        );
        assert_eq!(parse_verify_fault(&get(&[])), Err("error_code"));
        assert_eq!(
            parse_verify_fault(&get(&[("payment_status", "Pending")])),
            Err("payment_status")
        );
        assert_eq!(postback_answer(None, true), (200, "VERIFIED".into()));
        assert_eq!(postback_answer(None, false), (200, "INVALID".into()));
        assert_eq!(postback_answer(Some(&FaultKind::Drop), true).0, 502);
        assert_eq!(
            postback_answer(Some(&FaultKind::Error("1".into())), true),
            (200, "ERROR 1".into())
        );
    }
}
