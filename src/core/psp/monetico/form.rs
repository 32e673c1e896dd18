//! The outgoing payment form (`paiement.cgi`, reference A4): the fields
//! PayBook's page posts through the buyer's browser, built from integer
//! cents and sealed with the sorted MAC. Values are raw here; the page
//! HTML-escapes them when it renders (the MAC is over the raw values).
//! `texte-libre` is echoed back by the bank in clear: it carries only the
//! order's reference, never a secret.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::amount::WireAmount;
use super::key::UsableKey;
use super::mac::{self, Layout, MAC_FIELD, VERSION};
use super::paris;
use crate::core::i18n::Lang;
use crate::core::time::UtcTime;

/// A checkout to seal.
#[derive(Clone, Debug)]
pub struct PaymentRequest<'a> {
    /// The merchant's terminal number (7 characters).
    pub tpe: &'a str,
    /// The "code société" the bank gave the merchant.
    pub societe: &'a str,
    /// The order's reference, unique per TPE (`^[0-9A-Za-z]{1,50}$`).
    pub reference: &'a str,
    pub amount: WireAmount,
    /// Now: written as the bank expects, in Paris time.
    pub at: UtcTime,
    pub lang: Lang,
    pub mail: Option<&'a str>,
    pub url_ok: &'a str,
    pub url_err: &'a str,
    /// The order context as JSON (3DS2), sent base64-encoded.
    pub contexte_commande: Option<&'a str>,
}

/// Why a request cannot be sealed (a programming or configuration error:
/// the account and order were checked before).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormError {
    Tpe,
    Societe,
    Reference,
    /// Zero or negative, where the call needs money.
    Amount,
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FormError::Tpe => "the Monetico TPE is not 7 letters or digits",
            FormError::Societe => "the Monetico société code is empty or not plain ASCII",
            FormError::Reference => "the reference is not 1 to 50 letters or digits",
            FormError::Amount => "the amount is not positive",
        })
    }
}

/// Whether `tpe` is a TPE number: 7 ASCII letters or digits.
pub fn valid_tpe(tpe: &str) -> bool {
    tpe.len() == 7 && tpe.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Whether `societe` is a société code: 1 to 100 printable ASCII
/// characters, none of them a space.
pub fn valid_societe(societe: &str) -> bool {
    (1..=100).contains(&societe.len()) && societe.bytes().all(|b| b.is_ascii_graphic())
}

/// Whether `reference` is a Monetico reference: 1 to 50 ASCII letters or
/// digits (legacy accounts took at most 12).
pub fn valid_reference(reference: &str) -> bool {
    (1..=50).contains(&reference.len()) && reference.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// `lgue` for a page language.
pub fn lgue(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "FR",
        Lang::En => "EN",
    }
}

/// The form's fields in the order A4 lists them, `MAC` last.
pub fn payment_fields(
    request: &PaymentRequest<'_>,
    key: &UsableKey,
) -> Result<Vec<(&'static str, String)>, FormError> {
    check_merchant(request.tpe, request.societe, request.reference)?;
    if request.amount.cents <= 0 {
        return Err(FormError::Amount);
    }
    let mut fields = vec![
        ("version", VERSION.to_string()),
        ("TPE", request.tpe.to_string()),
        ("date", paris::request_date(request.at)),
        ("montant", request.amount.to_string()),
        ("reference", request.reference.to_string()),
        // Echoed in clear by the bank: the reference, nothing secret.
        ("texte-libre", request.reference.to_string()),
        ("lgue", lgue(request.lang).to_string()),
        ("societe", request.societe.to_string()),
        ("mail", request.mail.unwrap_or("").to_string()),
        ("url_retour_ok", request.url_ok.to_string()),
        ("url_retour_err", request.url_err.to_string()),
    ];
    if let Some(json) = request.contexte_commande {
        fields.push(("contexte_commande", STANDARD.encode(json)));
    }
    Ok(seal(fields, key))
}

/// Checks the merchant's TPE and société and the order's reference.
pub fn check_merchant(tpe: &str, societe: &str, reference: &str) -> Result<(), FormError> {
    if !valid_tpe(tpe) {
        return Err(FormError::Tpe);
    }
    if !valid_societe(societe) {
        return Err(FormError::Societe);
    }
    if !valid_reference(reference) {
        return Err(FormError::Reference);
    }
    Ok(())
}

/// Appends the sorted MAC of `fields` to them.
pub fn seal(
    mut fields: Vec<(&'static str, String)>,
    key: &UsableKey,
) -> Vec<(&'static str, String)> {
    let code = mac::compute(
        key,
        Layout::Sorted,
        fields.iter().map(|(n, v)| (*n, v.as_str())),
    );
    fields.push((MAC_FIELD, code.to_hex()));
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::money::Currency;

    fn key() -> UsableKey {
        UsableKey::derive("0123456789ABCDEF0123456789ABCDEF01234567").expect("key")
    }

    fn request() -> PaymentRequest<'static> {
        PaymentRequest {
            tpe: "1234567",
            societe: "monSite1",
            reference: "ORD42",
            amount: WireAmount::new(1234, Currency::EUR),
            // 10:40:10 in Paris (summer).
            at: UtcTime::parse("2018-07-17T08:40:10Z").expect("utc"),
            lang: Lang::Fr,
            mail: Some("buyer@example.org"),
            url_ok: "https://paybook.example/psp/monetico/return?ok=1",
            url_err: "https://paybook.example/psp/monetico/return?ok=0",
            contexte_commande: Some(r#"{"billing":{"country":"FR"}}"#),
        }
    }

    #[test]
    fn the_form_posts_the_fields_of_the_reference_in_order_with_the_mac_last() {
        let fields = payment_fields(&request(), &key()).expect("fields");
        let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "version",
                "TPE",
                "date",
                "montant",
                "reference",
                "texte-libre",
                "lgue",
                "societe",
                "mail",
                "url_retour_ok",
                "url_retour_err",
                "contexte_commande",
                "MAC"
            ]
        );
        let value = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(value("version"), Some("3.0"));
        assert_eq!(value("TPE"), Some("1234567"));
        assert_eq!(value("date"), Some("17/07/2018:10:40:10"));
        assert_eq!(value("montant"), Some("12.34EUR"));
        assert_eq!(value("reference"), Some("ORD42"));
        assert_eq!(value("lgue"), Some("FR"));
        assert_eq!(value("societe"), Some("monSite1"));
        assert_eq!(value("mail"), Some("buyer@example.org"));
        assert_eq!(
            value("contexte_commande"),
            Some("eyJiaWxsaW5nIjp7ImNvdW50cnkiOiJGUiJ9fQ==")
        );
    }

    #[test]
    fn the_mac_is_the_sorted_mac_of_every_other_field() {
        let fields = payment_fields(&request(), &key()).expect("fields");
        let (last, rest) = fields.split_last().expect("fields");
        assert_eq!(last.0, "MAC");
        let sealed = mac::sealed_string(Layout::Sorted, rest.iter().map(|(n, v)| (*n, v.as_str())));
        assert!(
            sealed.starts_with("TPE=1234567*contexte_commande="),
            "{sealed}"
        );
        assert!(mac::verify(&key(), &sealed, &last.1));
        assert_eq!(last.1, last.1.to_ascii_uppercase());
    }

    #[test]
    fn texte_libre_carries_only_the_reference() {
        let fields = payment_fields(&request(), &key()).expect("fields");
        let texte = fields
            .iter()
            .find(|(n, _)| *n == "texte-libre")
            .map(|(_, v)| v.as_str());
        assert_eq!(texte, Some("ORD42"));
    }

    #[test]
    fn english_buyers_get_lgue_en_and_no_mail_or_context_posts_them_empty_or_not_at_all() {
        let mut english = request();
        english.lang = Lang::En;
        english.mail = None;
        english.contexte_commande = None;
        let fields = payment_fields(&english, &key()).expect("fields");
        let value = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(value("lgue"), Some("EN"));
        assert_eq!(value("mail"), Some(""));
        assert_eq!(value("contexte_commande"), None);
    }

    type Spoil = fn(&mut PaymentRequest<'static>);

    #[test]
    fn a_malformed_account_reference_or_amount_is_refused() {
        let cases: [(Spoil, FormError); 7] = [
            (|r| r.tpe = "123456", FormError::Tpe),
            (|r| r.tpe = "12345 7", FormError::Tpe),
            (|r| r.societe = "", FormError::Societe),
            (|r| r.societe = "mon site", FormError::Societe),
            (|r| r.reference = "ORD-42", FormError::Reference),
            (|r| r.reference = "", FormError::Reference),
            (
                |r| r.amount = WireAmount::new(0, Currency::EUR),
                FormError::Amount,
            ),
        ];
        for (spoil, error) in cases {
            let mut bad = request();
            spoil(&mut bad);
            assert_eq!(
                payment_fields(&bad, &key()).map(|_| ()),
                Err(error),
                "{bad:?}"
            );
        }
        assert!(valid_reference(&"A".repeat(50)));
        assert!(!valid_reference(&"A".repeat(51)));
    }
}
