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
        let Some(lang) = parts.next().and_then(Lang::parse) else {
            continue;
        };
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
    pub error_bad_request: &'static str,
    pub error_csrf: &'static str,
    pub error_too_large: &'static str,
    pub error_rate_limited: &'static str,
    pub error_login_required: &'static str,
    pub form_errors_intro: &'static str,
    pub field_email: &'static str,
    pub field_password: &'static str,
    pub field_password_login: &'static str,
    pub field_api_username: &'static str,
    pub field_api_password: &'static str,
    pub field_api_signature: &'static str,
    pub field_accept_terms: &'static str,
    pub field_current_password: &'static str,
    pub field_new_password: &'static str,
    pub register_title: &'static str,
    pub register_intro: &'static str,
    pub register_emulator_hint: &'static str,
    pub register_emulator_link: &'static str,
    pub register_submit: &'static str,
    pub register_initiation: &'static str,
    pub login_title: &'static str,
    pub login_submit: &'static str,
    pub login_forgot: &'static str,
    pub login_no_account: &'static str,
    pub account_title: &'static str,
    pub account_email: &'static str,
    pub account_api_username: &'static str,
    pub account_credentials_refused: &'static str,
    pub account_password_title: &'static str,
    pub account_password_submit: &'static str,
    pub account_password_done: &'static str,
    pub account_credentials_title: &'static str,
    pub account_credentials_note: &'static str,
    pub account_credentials_submit: &'static str,
    pub account_credentials_done: &'static str,
    pub reset_title: &'static str,
    pub reset_intro: &'static str,
    pub reset_submit: &'static str,
    pub reset_sent: &'static str,
    pub reset_new_title: &'static str,
    pub reset_new_submit: &'static str,
    pub reset_mail_subject: &'static str,
    pub reset_mail_body: &'static str,
    pub reset_mail_ignore: &'static str,
    pub terms_title: &'static str,
    pub terms_use: &'static str,
    pub terms_risk: &'static str,
    pub terms_privacy: &'static str,
    pub terms_operator: &'static str,
    pub psp_code: &'static str,
    pub market_title: &'static str,
    pub market_intro: &'static str,
    pub market_filter: &'static str,
    pub market_filter_submit: &'static str,
    pub market_empty: &'static str,
    pub invalid_isin: &'static str,
    pub invalid_page: &'static str,
    pub col_value: &'static str,
    pub col_currency: &'static str,
    pub col_holder: &'static str,
    pub col_buyer: &'static str,
    pub col_seller: &'static str,
    pub col_profit_rate: &'static str,
    pub col_seller_value: &'static str,
    pub col_status: &'static str,
    pub action_buy: &'static str,
    pub next_page: &'static str,
    pub previous_page: &'static str,
    pub title_title: &'static str,
    pub title_holder: &'static str,
    pub title_issued_at: &'static str,
    pub title_issued_by: &'static str,
    pub title_issued_initiation: &'static str,
    pub title_issued_split: &'static str,
    pub title_claimed: &'static str,
    pub title_disputed: &'static str,
    pub title_voided: &'static str,
    pub title_in_parts: &'static str,
    pub title_other_currency: &'static str,
    pub title_trades: &'static str,
    pub history_title: &'static str,
    pub history_intro: &'static str,
    pub status_processed: &'static str,
    pub status_chargeback: &'static str,
    pub claims_title: &'static str,
    pub claims_isin_balance: &'static str,
    pub claims_psp_balance: &'static str,
    pub claims_psp_unavailable: &'static str,
    pub claims_honest: &'static str,
    pub claims_titles: &'static str,
    pub claims_none: &'static str,
    pub isin_title: &'static str,
    pub isin_intro: &'static str,
    pub isin_code: &'static str,
    pub isin_submit: &'static str,
    pub isin_valid: &'static str,
    pub isin_reason_length: &'static str,
    pub isin_reason_characters: &'static str,
    pub isin_reason_check_digit: &'static str,
    pub isin_paybook: &'static str,
    pub isin_not_paybook: &'static str,
    pub isin_issued: &'static str,
    pub isin_not_issued: &'static str,
    pub contact_title: &'static str,
    pub contact_intro: &'static str,
    pub contact_note: &'static str,
    pub docs_title: &'static str,
    pub docs_how: &'static str,
    pub docs_how_text: &'static str,
    pub docs_rules: &'static str,
    pub docs_rule_transfer: &'static str,
    pub docs_rule_split: &'static str,
    pub docs_rule_honest: &'static str,
    pub docs_statuses: &'static str,
    pub docs_status_list: &'static str,
    pub source_title: &'static str,
    pub source_text: &'static str,
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
    error_bad_request: "This request could not be read.",
    error_csrf: "This form has expired or did not come from this site. Reload the page and try again.",
    error_too_large: "This request is too large (16 KiB at most).",
    error_rate_limited: "Too many attempts. Please wait a few minutes and try again.",
    error_login_required: "Please log in first.",
    form_errors_intro: "Please correct the fields marked below.",
    field_email: "E-mail address",
    field_password: "Password (8 to 128 characters)",
    field_password_login: "Password",
    field_api_username: "PayPal API username",
    field_api_password: "PayPal API password",
    field_api_signature: "PayPal API signature",
    field_accept_terms: "I accept the terms of use and the risk notice.",
    field_current_password: "Current password",
    field_new_password: "New password (8 to 128 characters)",
    register_title: "Register",
    register_intro: "Register with the API credentials of your PayPal account: buyers pay you directly on PayPal with them. PayBook checks them with PayPal at once and stores them encrypted; it never shows them back.",
    register_emulator_hint: "Demonstration mode: create an emulated PayPal account (with its API credentials) on",
    register_emulator_link: "the emulator's account page",
    register_submit: "Create my account",
    register_initiation: "You receive an initiation title on registration.",
    login_title: "Log in",
    login_submit: "Log in",
    login_forgot: "Forgot your password?",
    login_no_account: "No account yet?",
    account_title: "Your account",
    account_email: "E-mail address",
    account_api_username: "PayPal API username",
    account_credentials_refused: "PayPal refuses your stored API credentials: your titles cannot be bought until you update them below.",
    account_password_title: "Change your password",
    account_password_submit: "Change password",
    account_password_done: "Your password was changed. Your other sessions have ended.",
    account_credentials_title: "Change your PayPal API credentials",
    account_credentials_note: "Orders already made keep using the credentials they were made with.",
    account_credentials_submit: "Check and save credentials",
    account_credentials_done: "Your new PayPal API credentials were checked with PayPal and saved.",
    reset_title: "Reset your password",
    reset_intro: "Enter your e-mail address: if an account uses it, we send it a link to choose a new password, valid for one hour.",
    reset_submit: "Send the link",
    reset_sent: "If an account uses this address, a link was sent to it. It is valid for one hour and can be used once.",
    reset_new_title: "Choose a new password",
    reset_new_submit: "Save the new password",
    reset_mail_subject: "PayBook: reset your password",
    reset_mail_body: "Someone (probably you) asked to reset the password of your PayBook account. Open this link within one hour to choose a new password; it works once:",
    reset_mail_ignore: "If you did not ask for this, ignore this message: nothing changes.",
    terms_title: "Terms of use, risks and privacy",
    terms_use: "PayBook is a free pilot service that records titles and their trades. It does not hold, transfer or receive money: every payment goes directly from the buyer to the seller through PayPal, under PayPal's own terms. The operator of this site takes no fee.",
    terms_risk: "A title's declared value is not money and gives no right to be paid by anyone. Nothing guarantees that anyone will ever buy your title. Paying for a title can mean losing what you pay. Only pay what you can afford to lose.",
    terms_privacy: "PayBook keeps your e-mail address, a slow hash of your password, your PayPal API credentials (encrypted), your language, your titles, orders and trades, and PayPal's trace of your payments. Public pages show e-mail addresses masked (a***@example.org). Nothing is sold or shared beyond PayPal, which processes your payments.",
    terms_operator: "This deployment is operated by",
    psp_code: "PayPal error",
    market_title: "Market",
    market_intro: "Every title and its declared value. Buying one pays its holder directly through PayPal.",
    market_filter: "Filter by ISIN",
    market_filter_submit: "Show",
    market_empty: "No title matches.",
    invalid_isin: "This is not a valid ISIN.",
    invalid_page: "This page number is not valid.",
    col_value: "Declared value",
    col_currency: "Currency",
    col_holder: "Holder",
    col_buyer: "Buyer",
    col_seller: "Seller",
    col_profit_rate: "Profit rate",
    col_seller_value: "Seller keeps",
    col_status: "Status",
    action_buy: "Buy",
    next_page: "Next page",
    previous_page: "Previous page",
    title_title: "Title",
    title_holder: "Holder",
    title_issued_at: "Issued",
    title_issued_by: "How it was issued",
    title_issued_initiation: "Initiation title, issued on registration",
    title_issued_split: "Issued to a buyer who paid less than the value of",
    title_claimed: "A payment for this title is being executed: it cannot be bought right now.",
    title_disputed: "Disputed: a payment for this title was reversed after it changed hands.",
    title_voided: "Voided: this title no longer exists (its ISIN is never reused).",
    title_in_parts: "Its value is above the largest single payment: it can only be bought in parts.",
    title_other_currency: "This title is in another currency than this site's: it is shown but cannot be bought.",
    title_trades: "Trades of this title",
    history_title: "History",
    history_intro: "Every trade, newest first. E-mail addresses are masked.",
    status_processed: "processed",
    status_chargeback: "chargeback",
    claims_title: "My claims",
    claims_isin_balance: "ISIN balance: declared value (not money)",
    claims_psp_balance: "PayPal balance (money)",
    claims_psp_unavailable: "Your PayPal balance is not available right now",
    claims_honest: "Declared values are not money and are never added to your PayPal balance. Your money grows only when another participant pays you.",
    claims_titles: "My titles",
    claims_none: "You hold no title.",
    isin_title: "ISIN check",
    isin_intro: "An ISIN is 2 letters, 9 letters or digits and a check digit (ISO 6166). PayBook's ISINs start with ZZ, which is no country, so they are never mistaken for real securities.",
    isin_code: "ISIN",
    isin_submit: "Check",
    isin_valid: "This ISIN is well formed.",
    isin_reason_length: "It must have exactly 12 characters.",
    isin_reason_characters: "It must be 2 letters, 9 letters or digits, then a digit.",
    isin_reason_check_digit: "Its check digit is wrong.",
    isin_paybook: "It is a PayBook ISIN (prefix ZZ).",
    isin_not_paybook: "It is not a PayBook ISIN (PayBook's start with ZZ).",
    isin_issued: "It was issued here.",
    isin_not_issued: "It was not issued here.",
    contact_title: "Contact",
    contact_intro: "This PayBook deployment is run by",
    contact_note: "Payments are made on PayPal: for a payment problem, contact PayPal or the other participant first.",
    docs_title: "Documents",
    docs_how: "How a purchase works",
    docs_how_text: "Choose a title on the market, the amount X you pay and your profit rate r (0 to 100). PayBook shows what will happen, then sends you to PayPal, where you pay the title's holder directly. When you come back, PayBook asks PayPal to execute the payment and records the trade.",
    docs_rules: "The rules",
    docs_rule_transfer: "If X is at least the title's declared value V, the title passes to you with the value X × (100 + r) / 100.",
    docs_rule_split: "If X is less than V, the seller keeps the title at V − X and a new title worth X × (100 + r) / 100 is issued to you.",
    docs_rule_honest: "The seller gains X − V only when X is more than V. Nobody's money grows except through another participant's payment; the total declared value grows with every trade while the money does not.",
    docs_statuses: "Order statuses",
    docs_status_list: "2 processed · 1 test · 0 pending · −1 canceled · −2 failed · −3 chargeback",
    source_title: "Source code",
    source_text: "PayBook is free software: you can redistribute it and modify it under the terms of the GNU General Public License, version 3 or (at your option) any later version. Get the source code of this deployment at",
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
    error_bad_request: "Cette requête n'a pas pu être lue.",
    error_csrf: "Ce formulaire a expiré ou ne vient pas de ce site. Rechargez la page et réessayez.",
    error_too_large: "Cette requête est trop grande (16 Kio au plus).",
    error_rate_limited: "Trop de tentatives. Veuillez patienter quelques minutes puis réessayer.",
    error_login_required: "Veuillez d'abord vous connecter.",
    form_errors_intro: "Veuillez corriger les champs signalés ci-dessous.",
    field_email: "Adresse e-mail",
    field_password: "Mot de passe (8 à 128 caractères)",
    field_password_login: "Mot de passe",
    field_api_username: "Nom d'utilisateur API PayPal",
    field_api_password: "Mot de passe API PayPal",
    field_api_signature: "Signature API PayPal",
    field_accept_terms: "J'accepte les conditions d'utilisation et l'avertissement sur les risques.",
    field_current_password: "Mot de passe actuel",
    field_new_password: "Nouveau mot de passe (8 à 128 caractères)",
    register_title: "Inscription",
    register_intro: "Inscrivez-vous avec les identifiants API de votre compte PayPal : les acheteurs vous paient directement sur PayPal grâce à eux. PayBook les vérifie aussitôt auprès de PayPal et les conserve chiffrés ; il ne les réaffiche jamais.",
    register_emulator_hint: "Mode démonstration : créez un compte PayPal émulé (avec ses identifiants API) sur",
    register_emulator_link: "la page des comptes de l'émulateur",
    register_submit: "Créer mon compte",
    register_initiation: "Vous recevez un titre d'initiation à l'inscription.",
    login_title: "Connexion",
    login_submit: "Se connecter",
    login_forgot: "Mot de passe oublié ?",
    login_no_account: "Pas encore de compte ?",
    account_title: "Votre compte",
    account_email: "Adresse e-mail",
    account_api_username: "Nom d'utilisateur API PayPal",
    account_credentials_refused: "PayPal refuse vos identifiants API enregistrés : vos titres ne peuvent pas être achetés tant que vous ne les avez pas mis à jour ci-dessous.",
    account_password_title: "Changer de mot de passe",
    account_password_submit: "Changer le mot de passe",
    account_password_done: "Votre mot de passe a été changé. Vos autres sessions ont pris fin.",
    account_credentials_title: "Changer vos identifiants API PayPal",
    account_credentials_note: "Les ordres déjà passés continuent d'utiliser les identifiants avec lesquels ils ont été faits.",
    account_credentials_submit: "Vérifier et enregistrer les identifiants",
    account_credentials_done: "Vos nouveaux identifiants API PayPal ont été vérifiés auprès de PayPal et enregistrés.",
    reset_title: "Réinitialiser votre mot de passe",
    reset_intro: "Saisissez votre adresse e-mail : si un compte l'utilise, nous lui envoyons un lien pour choisir un nouveau mot de passe, valable une heure.",
    reset_submit: "Envoyer le lien",
    reset_sent: "Si un compte utilise cette adresse, un lien lui a été envoyé. Il est valable une heure et ne sert qu'une fois.",
    reset_new_title: "Choisir un nouveau mot de passe",
    reset_new_submit: "Enregistrer le nouveau mot de passe",
    reset_mail_subject: "PayBook : réinitialiser votre mot de passe",
    reset_mail_body: "Quelqu'un (sans doute vous) a demandé à réinitialiser le mot de passe de votre compte PayBook. Ouvrez ce lien dans l'heure pour choisir un nouveau mot de passe ; il ne sert qu'une fois :",
    reset_mail_ignore: "Si vous n'avez rien demandé, ignorez ce message : rien ne change.",
    terms_title: "Conditions d'utilisation, risques et vie privée",
    terms_use: "PayBook est un service pilote gratuit qui enregistre des titres et leurs échanges. Il ne détient, ne transfère ni ne reçoit d'argent : chaque paiement va directement de l'acheteur au vendeur par PayPal, selon les conditions de PayPal. L'opérateur de ce site ne prélève aucune commission.",
    terms_risk: "La valeur déclarée d'un titre n'est pas de l'argent et ne donne aucun droit à être payé par quiconque. Rien ne garantit que quelqu'un achètera un jour votre titre. Payer un titre peut signifier perdre ce que vous payez. Ne payez que ce que vous pouvez vous permettre de perdre.",
    terms_privacy: "PayBook conserve votre adresse e-mail, une empreinte lente de votre mot de passe, vos identifiants API PayPal (chiffrés), votre langue, vos titres, ordres et échanges, et la trace PayPal de vos paiements. Les pages publiques affichent les adresses e-mail masquées (a***@example.org). Rien n'est vendu ni partagé au-delà de PayPal, qui traite vos paiements.",
    terms_operator: "Ce site est exploité par",
    psp_code: "Erreur PayPal",
    market_title: "Marché",
    market_intro: "Tous les titres et leur valeur déclarée. En acheter un paie directement son détenteur par PayPal.",
    market_filter: "Filtrer par ISIN",
    market_filter_submit: "Afficher",
    market_empty: "Aucun titre ne correspond.",
    invalid_isin: "Ce n'est pas un ISIN valide.",
    invalid_page: "Ce numéro de page n'est pas valide.",
    col_value: "Valeur déclarée",
    col_currency: "Devise",
    col_holder: "Détenteur",
    col_buyer: "Acheteur",
    col_seller: "Vendeur",
    col_profit_rate: "Taux de profit",
    col_seller_value: "Le vendeur garde",
    col_status: "Statut",
    action_buy: "Acheter",
    next_page: "Page suivante",
    previous_page: "Page précédente",
    title_title: "Titre",
    title_holder: "Détenteur",
    title_issued_at: "Émis",
    title_issued_by: "Origine",
    title_issued_initiation: "Titre d'initiation, émis à l'inscription",
    title_issued_split: "Émis pour un acheteur qui a payé moins que la valeur de",
    title_claimed: "Un paiement pour ce titre est en cours : il ne peut pas être acheté pour l'instant.",
    title_disputed: "Contesté : un paiement pour ce titre a été annulé après qu'il a changé de mains.",
    title_voided: "Annulé : ce titre n'existe plus (son ISIN n'est jamais réutilisé).",
    title_in_parts: "Sa valeur dépasse le plus grand paiement possible : il ne peut être acheté que par parties.",
    title_other_currency: "Ce titre est dans une autre devise que celle du site : il est affiché mais ne peut pas être acheté.",
    title_trades: "Échanges de ce titre",
    history_title: "Historique",
    history_intro: "Tous les échanges, du plus récent au plus ancien. Les adresses e-mail sont masquées.",
    status_processed: "traité",
    status_chargeback: "rétrofacturé",
    claims_title: "Mes créances",
    claims_isin_balance: "Solde ISIN : valeur déclarée (pas de l'argent)",
    claims_psp_balance: "Solde PayPal (argent)",
    claims_psp_unavailable: "Votre solde PayPal n'est pas disponible pour le moment",
    claims_honest: "Les valeurs déclarées ne sont pas de l'argent et ne s'ajoutent jamais à votre solde PayPal. Votre argent n'augmente que lorsqu'un autre participant vous paie.",
    claims_titles: "Mes titres",
    claims_none: "Vous ne détenez aucun titre.",
    isin_title: "Vérification d'ISIN",
    isin_intro: "Un ISIN se compose de 2 lettres, 9 lettres ou chiffres et d'un chiffre de contrôle (ISO 6166). Les ISIN de PayBook commencent par ZZ, qui n'est aucun pays : ils ne sont jamais confondus avec de vrais titres financiers.",
    isin_code: "ISIN",
    isin_submit: "Vérifier",
    isin_valid: "Cet ISIN est bien formé.",
    isin_reason_length: "Il doit avoir exactement 12 caractères.",
    isin_reason_characters: "Il doit comporter 2 lettres, 9 lettres ou chiffres, puis un chiffre.",
    isin_reason_check_digit: "Son chiffre de contrôle est faux.",
    isin_paybook: "C'est un ISIN PayBook (préfixe ZZ).",
    isin_not_paybook: "Ce n'est pas un ISIN PayBook (ceux de PayBook commencent par ZZ).",
    isin_issued: "Il a été émis ici.",
    isin_not_issued: "Il n'a pas été émis ici.",
    contact_title: "Contact",
    contact_intro: "Ce site PayBook est exploité par",
    contact_note: "Les paiements se font sur PayPal : pour un problème de paiement, contactez d'abord PayPal ou l'autre participant.",
    docs_title: "Documents",
    docs_how: "Comment se passe un achat",
    docs_how_text: "Choisissez un titre sur le marché, le montant X que vous payez et votre taux de profit r (0 à 100). PayBook vous montre ce qui va se passer, puis vous envoie sur PayPal où vous payez directement le détenteur du titre. À votre retour, PayBook demande à PayPal d'exécuter le paiement et enregistre l'échange.",
    docs_rules: "Les règles",
    docs_rule_transfer: "Si X est au moins égal à la valeur déclarée V du titre, le titre vous est transmis avec la valeur X × (100 + r) / 100.",
    docs_rule_split: "Si X est inférieur à V, le vendeur garde le titre à V − X et un nouveau titre valant X × (100 + r) / 100 vous est émis.",
    docs_rule_honest: "Le vendeur ne gagne X − V que lorsque X dépasse V. L'argent de personne n'augmente, sauf par le paiement d'un autre participant ; la valeur déclarée totale augmente à chaque échange, l'argent non.",
    docs_statuses: "Statuts des ordres",
    docs_status_list: "2 traité · 1 test · 0 en attente · −1 annulé · −2 échoué · −3 rétrofacturé",
    source_title: "Code source",
    source_text: "PayBook est un logiciel libre : vous pouvez le redistribuer et le modifier selon les termes de la licence publique générale GNU, version 3 ou (à votre choix) toute version ultérieure. Obtenez le code source de ce site sur",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_beats_cookie_beats_accept_language() {
        assert_eq!(
            Lang::negotiate(Some("fr"), Some("en"), Some("en")),
            Lang::Fr
        );
        assert_eq!(Lang::negotiate(None, Some("fr"), Some("en")), Lang::Fr);
        assert_eq!(
            Lang::negotiate(None, None, Some("fr-FR,fr;q=0.9,en;q=0.8")),
            Lang::Fr
        );
        assert_eq!(Lang::negotiate(None, None, None), Lang::En);
    }

    #[test]
    fn unknown_values_are_ignored_at_every_step() {
        assert_eq!(Lang::negotiate(Some("de"), Some("fr"), None), Lang::Fr);
        assert_eq!(
            Lang::negotiate(Some("xx"), Some("??"), Some("de")),
            Lang::En
        );
    }

    #[test]
    fn accept_language_weights_are_honoured() {
        assert_eq!(
            Lang::negotiate(None, None, Some("en;q=0.5, fr;q=0.8")),
            Lang::Fr
        );
        assert_eq!(
            Lang::negotiate(None, None, Some("de, fr;q=0.1, en;q=0.2")),
            Lang::En
        );
        assert_eq!(
            Lang::negotiate(None, None, Some("fr;q=0, en;q=0.1")),
            Lang::En
        );
        assert_eq!(Lang::negotiate(None, None, Some("fr;q=bogus")), Lang::En);
    }
}
