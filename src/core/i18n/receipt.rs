//! The words of the buyer's receipt (issue 21): the e-mail a buyer gets
//! once his purchase is recorded, in both languages. A struct of its own
//! beside [`Texts`](super::Texts), so that a missing translation is a
//! compile error; the risk notice is the site's own
//! ([`Texts::risk_notice`](super::Texts)).

use super::Lang;

/// The receipt's words. `{amount}`, `{provider}`, `{reference}`,
/// `{title}`, `{value}`, `{order}`, `{link}`, `{risk_title}`, `{risk}`,
/// `{isin}` and `{new_isin}` are filled by `core::purchase::receipt`.
pub struct ReceiptTexts {
    pub subject: &'static str,
    pub body: &'static str,
    /// `{title}` when the bought title passed to the buyer.
    pub title_transfer: &'static str,
    /// `{title}` when a new title was split off for the buyer.
    pub title_split: &'static str,
}

impl Lang {
    /// The receipt's words in this language.
    pub fn receipt(self) -> &'static ReceiptTexts {
        match self {
            Lang::En => &EN,
            Lang::Fr => &FR,
        }
    }
}

pub static EN: ReceiptTexts = ReceiptTexts {
    subject: "PayBook: your receipt for {amount} ({new_isin})",
    body: "Thank you for your purchase. You paid the seller directly through {provider}; PayBook never holds money.\n\n\
Amount paid: {amount}\n\
Paid through: {provider}, reference {reference}\n\
Title received: {title}\n\
Its declared value: {value}\n\
Order: {order}, {link}\n\n\
{risk_title}: {risk}\n",
    title_transfer: "{isin}",
    title_split: "{new_isin}, a new title split from {isin}",
};

pub static FR: ReceiptTexts = ReceiptTexts {
    subject: "PayBook : votre reçu pour {amount} ({new_isin})",
    body: "Merci pour votre achat. Vous avez payé le vendeur directement par {provider} ; PayBook ne détient jamais d'argent.\n\n\
Montant payé : {amount}\n\
Payé par : {provider}, référence {reference}\n\
Titre reçu : {title}\n\
Sa valeur déclarée : {value}\n\
Ordre : {order}, {link}\n\n\
{risk_title} : {risk}\n",
    title_transfer: "{isin}",
    title_split: "{new_isin}, un nouveau titre issu de {isin}",
};
