//! Languages and every text a page shows. A page never hard-codes words:
//! templates read them from the [`Texts`] of the request's language, so a
//! missing translation is a compile error, not an English word in French.

use super::accept;

/// A language PayBook speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// `en` or `fr` (case-insensitive, region ignored: `fr-CA` is French).
    pub fn parse(text: &str) -> Option<Lang> {
        let primary = text.trim().split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else if primary.eq_ignore_ascii_case("fr") {
            Some(Lang::Fr)
        } else {
            None
        }
    }

    /// The request's language: `?lang=`, then the cookie, then the best
    /// supported entry of Accept-Language, then English. Unknown values at
    /// any step are ignored.
    pub fn negotiate(query: Option<&str>, cookie: Option<&str>, accept: Option<&str>) -> Lang {
        query
            .and_then(Lang::parse)
            .or_else(|| cookie.and_then(Lang::parse))
            .or_else(|| accept.and_then(best_accepted))
            .unwrap_or_default()
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::Fr => &FR,
        }
    }

    /// PayPal's LOCALECODE for this language.
    pub fn paypal_locale(self) -> &'static str {
        match self {
            Lang::En => "en_US",
            Lang::Fr => "fr_FR",
        }
    }
}

/// The supported language with the highest `q` in an Accept-Language value
/// (the first one listed wins a tie).
fn best_accepted(header: &str) -> Option<Lang> {
    let mut best: Option<(u16, Lang)> = None;
    for entry in header.split(',') {
        let mut parts = entry.split(';');
        let Some(lang) = parts.next().and_then(Lang::parse) else { continue };
        let mut weight: u16 = 1000;
        for param in parts {
            if let Some(q) = param.trim().strip_prefix("q=") {
                weight = accept::quality(q).unwrap_or(0);
            }
        }
        if weight > 0 && best.is_none_or(|(w, _)| weight > w) {
            best = Some((weight, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// Every word on every page, per language.
pub struct Texts {
    pub lang_name: &'static str,
    pub other_lang_code: &'static str,
    pub other_lang_name: &'static str,
    pub site_tagline: &'static str,
    pub menu_home: &'static str,
    pub menu_market: &'static str,
    pub menu_buy: &'static str,
    pub menu_orders: &'static str,
    pub menu_claims: &'static str,
    pub menu_history: &'static str,
    pub menu_contact: &'static str,
    pub menu_docs: &'static str,
    pub menu_register: &'static str,
    pub menu_login: &'static str,
    pub menu_account: &'static str,
    pub menu_logout: &'static str,
    pub emulator_banner: &'static str,
    pub risk_title: &'static str,
    pub risk_notice: &'static str,
    pub home_title: &'static str,
    pub home_intro: &'static str,
    pub home_how: &'static str,
    pub home_latest_trades: &'static str,
    pub home_no_trades: &'static str,
    pub col_date: &'static str,
    pub col_isin: &'static str,
    pub col_amount: &'static str,
    pub col_new_value: &'static str,
    pub footer_licence: &'static str,
    pub footer_source: &'static str,
    pub error_title: &'static str,
    pub error_not_found: &'static str,
    pub error_internal: &'static str,
    pub error_unavailable: &'static str,
    pub error_back_home: &'static str,
}

pub static EN: Texts = Texts {
    lang_name: "English",
    other_lang_code: "fr",
    other_lang_name: "Français",
    site_tagline: "Peer-to-peer trading of titles, paid directly through PayPal",
    menu_home: "Home",
    menu_market: "Market",
    menu_buy: "Buy",
    menu_orders: "My orders",
    menu_claims: "My claims",
    menu_history: "History",
    menu_contact: "Contact",
    menu_docs: "Documents",
    menu_register: "Register",
    menu_login: "Log in",
    menu_account: "Account",
    menu_logout: "Log out",
    emulator_banner: "Demonstration site: payments go through an emulated PayPal, no real money moves.",
    risk_title: "Risk notice",
    risk_notice: "A title's value is only declared: it is not money. A title is worth what a next buyer pays for it, if one ever does. The total declared value grows with every trade while the money does not. You can lose what you pay.",
    home_title: "PayBook",
    home_intro: "PayBook records titles (claims identified by ISINs starting with ZZ) and their trades between participants. A buyer pays the seller directly through PayPal; PayBook never holds money. It keeps who holds which title, every order, every trade and PayPal's trace of every payment, so that every claim can be verified through the public history.",
    home_how: "Each participant receives an initiation title on registration. Buying a title for at least its declared value transfers it; paying less splits it. The buyer chooses a profit rate that sets the new declared value. Nobody's money grows except through another participant's payment.",
    home_latest_trades: "Latest trades",
    home_no_trades: "No trade yet.",
    col_date: "Date",
    col_isin: "ISIN",
    col_amount: "Amount paid",
    col_new_value: "New declared value",
    footer_licence: "Free software under the GNU GPL, version 3 or later.",
    footer_source: "Source code",
    error_title: "Error",
    error_not_found: "This page does not exist.",
    error_internal: "Something went wrong on our side. Nothing was paid or changed by this error; please try again.",
    error_unavailable: "The site is not available right now (maintenance or configuration). Please try again later.",
    error_back_home: "Back to the home page",
};

pub static FR: Texts = Texts {
    lang_name: "Français",
    other_lang_code: "en",
    other_lang_name: "English",
    site_tagline: "Échange de titres entre particuliers, payés directement par PayPal",
    menu_home: "Accueil",
    menu_market: "Marché",
    menu_buy: "Acheter",
    menu_orders: "Mes ordres",
    menu_claims: "Mes créances",
    menu_history: "Historique",
    menu_contact: "Contact",
    menu_docs: "Documents",
    menu_register: "Inscription",
    menu_login: "Connexion",
    menu_account: "Compte",
    menu_logout: "Déconnexion",
    emulator_banner: "Site de démonstration : les paiements passent par un PayPal émulé, aucun argent réel ne circule.",
    risk_title: "Avertissement sur les risques",
    risk_notice: "La valeur d'un titre est seulement déclarée : ce n'est pas de l'argent. Un titre vaut ce qu'un prochain acheteur paiera pour lui, si jamais il y en a un. La valeur déclarée totale augmente à chaque échange, l'argent non. Vous pouvez perdre ce que vous payez.",
    home_title: "PayBook",
    home_intro: "PayBook enregistre des titres (des créances identifiées par un ISIN commençant par ZZ) et leurs échanges entre participants. L'acheteur paie le vendeur directement par PayPal ; PayBook ne détient jamais d'argent. Il garde qui détient quel titre, chaque ordre, chaque échange et la trace PayPal de chaque paiement, afin que toute créance puisse être vérifiée dans l'historique public.",
    home_how: "Chaque participant reçoit un titre d'initiation à l'inscription. Acheter un titre au moins à sa valeur déclarée le transfère ; payer moins le divise. L'acheteur choisit un taux de profit qui fixe la nouvelle valeur déclarée. L'argent de personne n'augmente, sauf par le paiement d'un autre participant.",
    home_latest_trades: "Derniers échanges",
    home_no_trades: "Aucun échange pour l'instant.",
    col_date: "Date",
    col_isin: "ISIN",
    col_amount: "Montant payé",
    col_new_value: "Nouvelle valeur déclarée",
    footer_licence: "Logiciel libre sous licence GNU GPL, version 3 ou ultérieure.",
    footer_source: "Code source",
    error_title: "Erreur",
    error_not_found: "Cette page n'existe pas.",
    error_internal: "Une erreur s'est produite de notre côté. Rien n'a été payé ni modifié par cette erreur ; veuillez réessayer.",
    error_unavailable: "Le site n'est pas disponible pour le moment (maintenance ou configuration). Veuillez réessayer plus tard.",
    error_back_home: "Retour à l'accueil",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_beats_cookie_beats_accept_language() {
        assert_eq!(Lang::negotiate(Some("fr"), Some("en"), Some("en")), Lang::Fr);
        assert_eq!(Lang::negotiate(None, Some("fr"), Some("en")), Lang::Fr);
        assert_eq!(Lang::negotiate(None, None, Some("fr-FR,fr;q=0.9,en;q=0.8")), Lang::Fr);
        assert_eq!(Lang::negotiate(None, None, None), Lang::En);
    }

    #[test]
    fn unknown_values_are_ignored_at_every_step() {
        assert_eq!(Lang::negotiate(Some("de"), Some("fr"), None), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("xx"), Some("??"), Some("de")), Lang::En);
    }

    #[test]
    fn accept_language_weights_are_honoured() {
        assert_eq!(Lang::negotiate(None, None, Some("en;q=0.5, fr;q=0.8")), Lang::Fr);
        assert_eq!(Lang::negotiate(None, None, Some("de, fr;q=0.1, en;q=0.2")), Lang::En);
        assert_eq!(Lang::negotiate(None, None, Some("fr;q=0, en;q=0.1")), Lang::En);
        assert_eq!(Lang::negotiate(None, None, Some("fr;q=bogus")), Lang::En);
    }
}
