//! Languages and every text a page shows. A page never hard-codes words:
//! templates read them from the [`Texts`] of the request's language, so a
//! missing translation is a compile error, not an English word in French.

use super::accept;

mod a11y;
pub mod admin_lists;
pub mod admin_orders;
pub mod dashboard;
mod en;
mod forms;
mod fr;
mod ledger;
mod paypal_permission;
mod receipt;
mod receiving;
mod refund;
mod seo;

pub use en::EN;
pub use forms::{Checks, FieldCheck};
pub use fr::FR;
pub use ledger::LedgerTexts;
pub use paypal_permission::PermissionTexts;
pub use receipt::ReceiptTexts;
pub use receiving::ReceivingTexts;
pub use refund::RefundTexts;
pub use seo::SeoTexts;

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
    /// Registrations kept racing for the same new client id.
    pub register_busy: &'static str,
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
    pub buy_title: &'static str,
    pub buy_intro: &'static str,
    pub buy_field_isin: &'static str,
    pub buy_field_amount: &'static str,
    pub buy_field_rate: &'static str,
    pub buy_preview_submit: &'static str,
    pub buy_preview_title: &'static str,
    pub buy_current_value: &'static str,
    pub buy_you_pay: &'static str,
    pub buy_case_transfer: &'static str,
    pub buy_case_split: &'static str,
    pub buy_your_title: &'static str,
    pub buy_seller_keeps: &'static str,
    pub buy_seller_gain: &'static str,
    pub buy_confirm_submit: &'static str,
    pub buy_psp_refused: &'static str,
    pub buy_psp_unreachable: &'static str,
    pub buy_pay_card: &'static str,
    pub checkout_title: &'static str,
    pub checkout_intro: &'static str,
    pub checkout_submit: &'static str,
    pub orders_title: &'static str,
    pub orders_none: &'static str,
    pub col_role: &'static str,
    pub col_order: &'static str,
    pub role_buyer: &'static str,
    pub role_seller: &'static str,
    pub order_title: &'static str,
    pub order_status: &'static str,
    pub order_transaction: &'static str,
    pub order_trace: &'static str,
    pub order_continue: &'static str,
    pub order_cancel: &'static str,
    pub order_confirming: &'static str,
    pub order_psp_pending: &'static str,
    pub order_needs_review: &'static str,
    pub order_failed: &'static str,
    pub order_title_unavailable: &'static str,
    pub order_processed: &'static str,
    pub order_canceled: &'static str,
    pub order_chargeback: &'static str,
    pub status_name_processed: &'static str,
    pub status_name_test: &'static str,
    pub status_name_pending: &'static str,
    pub status_name_canceled: &'static str,
    pub status_name_failed: &'static str,
    pub status_name_chargeback: &'static str,
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
    /// A processed trade whose payment PayPal partly refunded or reversed.
    pub order_partly_returned: &'static str,
    /// An order not recorded yet whose payment PayPal partly refunded.
    pub order_partly_returned_open: &'static str,
    pub trace_col_method: &'static str,
    pub trace_col_ack: &'static str,
    pub trace_col_errors: &'static str,
    pub trace_col_correlation: &'static str,
    pub trace_col_fields: &'static str,
    pub emulator_page_banner: &'static str,
    pub emulator_accounts_title: &'static str,
    pub emulator_payer_id: &'static str,
    pub emulator_balance: &'static str,
    pub emulator_api_username: &'static str,
    pub emulator_api_password: &'static str,
    pub emulator_api_signature: &'static str,
    pub emulator_create_account: &'static str,
    pub emulator_email: &'static str,
    pub emulator_create: &'static str,
    pub emulator_mail_title: &'static str,
    pub emulator_mail_to: &'static str,
    pub form_too_large_retype: &'static str,
    // The account page's Automation section (API keys, issue 18).
    pub account_automation_title: &'static str,
    pub account_automation_note: &'static str,
    pub account_api_key_name: &'static str,
    pub account_api_key_create: &'static str,
    pub account_api_key_revoke: &'static str,
    pub account_api_key_new: &'static str,
    pub account_api_key_none: &'static str,
    pub account_api_key_created: &'static str,
    pub account_api_key_last_used: &'static str,
    pub account_api_key_name_invalid: &'static str,
    pub account_api_key_limit: &'static str,
    pub order_description: &'static str,
}

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
