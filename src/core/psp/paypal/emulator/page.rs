//! The emulator's checkout page: the buyer's language, the page's texts in
//! both languages, and return URLs with their query joined.

use super::ipn::form_encode_into;
use crate::core::i18n::Lang;

/// The buyer's language: French for a `fr_*` LOCALECODE (or `fr`), else
/// English.
pub fn checkout_lang(locale_code: Option<&str>) -> Lang {
    match locale_code.and_then(Lang::parse) {
        Some(Lang::Fr) => Lang::Fr,
        Some(Lang::En) | None => Lang::En,
    }
}

/// Every text of the emulator's checkout page.
pub struct CheckoutTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub receiver: &'static str,
    pub amount: &'static str,
    pub email: &'static str,
    pub pay: &'static str,
    pub cancel: &'static str,
    pub unknown_email: &'static str,
    pub not_found: &'static str,
    pub create_account: &'static str,
}

const CHECKOUT_EN: CheckoutTexts = CheckoutTexts {
    title: "Pay with PayPal (emulated)",
    intro: "Log in with the e-mail of an emulated PayPal account to approve this payment. No password is asked and no real money moves.",
    receiver: "Pay to",
    amount: "Amount",
    email: "Your PayPal e-mail",
    pay: "Pay now",
    cancel: "Cancel and return to the merchant",
    unknown_email: "No emulated PayPal account has this e-mail.",
    not_found: "This checkout session is unknown or has expired.",
    create_account: "Create an emulated PayPal account",
};

const CHECKOUT_FR: CheckoutTexts = CheckoutTexts {
    title: "Payer avec PayPal (émulé)",
    intro: "Connectez-vous avec l'e-mail d'un compte PayPal émulé pour approuver ce paiement. Aucun mot de passe n'est demandé et aucun argent réel ne circule.",
    receiver: "Bénéficiaire",
    amount: "Montant",
    email: "Votre e-mail PayPal",
    pay: "Payer maintenant",
    cancel: "Annuler et revenir chez le marchand",
    unknown_email: "Aucun compte PayPal émulé n'a cet e-mail.",
    not_found: "Cette session de paiement est inconnue ou a expiré.",
    create_account: "Créer un compte PayPal émulé",
};

pub fn checkout_texts(lang: Lang) -> &'static CheckoutTexts {
    match lang {
        Lang::En => &CHECKOUT_EN,
        Lang::Fr => &CHECKOUT_FR,
    }
}

/// `url` with `pairs` added to its query (`?` or `&` as needed, before any
/// `#fragment`), values form-encoded.
pub fn with_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (url, None),
    };
    let mut out = base.to_owned();
    for (name, value) in pairs {
        let separator = if !out.contains('?') {
            "?"
        } else if out.ends_with('?') || out.ends_with('&') {
            ""
        } else {
            "&"
        };
        out.push_str(separator);
        form_encode_into(&mut out, name);
        out.push('=');
        form_encode_into(&mut out, value);
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checkout_page_speaks_the_buyers_language() {
        assert_eq!(checkout_lang(Some("fr_FR")), Lang::Fr);
        assert_eq!(checkout_lang(Some("fr_CA")), Lang::Fr);
        assert_eq!(checkout_lang(Some("en_US")), Lang::En);
        assert_eq!(checkout_lang(Some("de_DE")), Lang::En);
        assert_eq!(checkout_lang(None), Lang::En);
        assert_eq!(checkout_texts(Lang::Fr).pay, "Payer maintenant");
        assert_eq!(checkout_texts(Lang::En).pay, "Pay now");
    }

    #[test]
    fn return_urls_get_their_query_joined_correctly() {
        assert_eq!(
            with_query(
                "https://a.example/r",
                &[("token", "EC-1"), ("PayerID", "P1")]
            ),
            "https://a.example/r?token=EC-1&PayerID=P1"
        );
        assert_eq!(
            with_query("https://a.example/c?order=7", &[("token", "EC-1")]),
            "https://a.example/c?order=7&token=EC-1"
        );
        assert_eq!(
            with_query("https://a.example/c?", &[("token", "EC-1")]),
            "https://a.example/c?token=EC-1"
        );
        assert_eq!(
            with_query("https://a.example/c#top", &[("token", "a b&c")]),
            "https://a.example/c?token=a+b%26c#top"
        );
    }
}
