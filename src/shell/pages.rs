//! The askama page structs: one per template, each carrying the [`Layout`]
//! the base template needs. Values are formatted for the request's language
//! before they reach a template; askama escapes everything it prints.

use askama::Template;

use crate::core::account::FormErrors;
use crate::core::browse::TradeRow;
use crate::core::cells::{MaskedEmail, MoneyCell, TimeCell};
use crate::core::i18n::{Lang, Texts};
use crate::core::money::format_cents;
use crate::core::psp::ProviderId;
use crate::core::receiving::{self, AccountInput};

/// What every page's frame (menu, banner, footer) needs.
pub struct Layout {
    pub t: &'static Texts,
    pub lang: Lang,
    pub emulator: bool,
    /// The current path, for the language switch link.
    pub path: String,
    pub signed_in: bool,
    /// For the menu's logout form.
    pub csrf_token: String,
    /// The meta description, Open Graph tags and `hreflang` alternates.
    pub seo: crate::core::seo::Head,
}

/// One line of a trades table in the page's language. Its cells borrow
/// the row and write themselves into the page (`core::cells`): no string
/// per cell.
pub struct TradeLine<'a> {
    pub at: TimeCell<'a>,
    pub isin: &'a str,
    pub amount: MoneyCell<'a>,
    pub profit_rate: i64,
    pub buyer: MaskedEmail<'a>,
    pub seller: MaskedEmail<'a>,
    pub new_isin: &'a str,
    pub new_value: MoneyCell<'a>,
    /// None when the title passed to the buyer (nothing shown).
    pub seller_value: Option<MoneyCell<'a>>,
    pub status: &'static str,
}

impl<'a> TradeLine<'a> {
    pub fn new(t: &'a TradeRow, lang: Lang) -> TradeLine<'a> {
        let texts = lang.texts();
        let money = |cents| MoneyCell {
            cents,
            currency: &t.currency,
            lang,
        };
        TradeLine {
            at: TimeCell { text: &t.at, lang },
            isin: &t.isin,
            amount: money(t.amount_cents),
            profit_rate: t.profit_rate,
            buyer: MaskedEmail(&t.buyer_email),
            seller: MaskedEmail(&t.seller_email),
            new_isin: &t.new_isin,
            new_value: money(t.new_value_cents),
            seller_value: t.seller_value_cents.map(money),
            status: if t.status == "chargeback" {
                texts.status_chargeback
            } else {
                texts.status_processed
            },
        }
    }
}

/// `12,30 EUR` in French, `12.30 EUR` in English.
pub fn money(cents: i64, currency: &str, lang: Lang) -> String {
    format!("{} {currency}", format_cents(cents, lang))
}

/// Links to the neighbouring pages of a list.
pub struct Pager {
    /// The list's URL up to and including `?` or `&`.
    pub base: String,
    pub previous: Option<i64>,
    pub next: Option<i64>,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage<'a> {
    pub layout: Layout,
    pub trades: Vec<TradeLine<'a>>,
}

/// A title on the market, formatted.
pub struct MarketLine {
    pub isin: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "market.html")]
pub struct MarketPage {
    pub layout: Layout,
    pub filter: String,
    pub error: &'static str,
    pub titles: Vec<MarketLine>,
    pub pager: Pager,
}

#[derive(Template)]
#[template(path = "title.html")]
pub struct TitlePage<'a> {
    pub layout: Layout,
    pub isin: String,
    pub value: String,
    pub holder: String,
    pub issued_at: String,
    pub split_from: Option<String>,
    pub claimed: bool,
    pub disputed: bool,
    pub voided: bool,
    pub other_currency: bool,
    pub in_parts: bool,
    pub buyable: bool,
    pub trades: Vec<TradeLine<'a>>,
    pub pager: Pager,
    /// The declared value over time (`core::chart`).
    pub chart: Option<crate::core::chart::View<'a>>,
}

#[derive(Template)]
#[template(path = "history.html")]
pub struct HistoryPage<'a> {
    pub layout: Layout,
    pub trades: Vec<TradeLine<'a>>,
    pub pager: Pager,
    pub ledger: LedgerHead,
}

/// The ledger's head as `/history` shows it (backoffice.md §4).
pub struct LedgerHead {
    pub t: &'static crate::core::i18n::LedgerTexts,
    pub n: i64,
    /// Empty while the migrated entries are not sealed yet.
    pub hash: String,
}

impl LedgerHead {
    pub fn new(head: Option<&crate::core::ledger::view::HeadRow>, lang: Lang) -> LedgerHead {
        let (n, hash) = match head {
            Some(h) => (h.n, h.hash.clone().unwrap_or_default()),
            None => (0, crate::core::ledger::GENESIS_HASH.to_string()),
        };
        LedgerHead {
            t: lang.ledger(),
            n,
            hash,
        }
    }
}

#[derive(Template)]
#[template(path = "claims.html")]
pub struct ClaimsPage {
    pub layout: Layout,
    pub email: String,
    pub isin_balance: String,
    pub psp_balance: Option<String>,
    pub psp_error: String,
    /// He has a PayPal account (card providers have no balance to show).
    pub psp_balance_offered: bool,
    pub titles: Vec<MarketLine>,
}

#[derive(Template)]
#[template(path = "isin.html")]
pub struct IsinPage {
    pub layout: Layout,
    pub code: String,
    pub checked: bool,
    pub valid: bool,
    pub reason: &'static str,
    pub paybook: bool,
    pub issued: bool,
}

#[derive(Template)]
#[template(path = "contact.html")]
pub struct ContactPage {
    pub layout: Layout,
    pub operator_name: String,
    pub contact_email: String,
}

#[derive(Template)]
#[template(path = "docs.html")]
pub struct DocsPage {
    pub layout: Layout,
}

#[derive(Template)]
#[template(path = "source.html")]
pub struct SourcePage {
    pub layout: Layout,
    pub source_url: String,
    /// The commit this build runs and where its source is.
    pub commit: &'static str,
    pub link: crate::core::seo::SourceLink,
    pub st: &'static crate::core::i18n::SeoTexts,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub status: u16,
    pub message: &'static str,
}

/// A form's problems as the page shows them: field name → message.
#[derive(Default, Clone)]
pub struct Errors(Vec<(&'static str, String)>);

impl Errors {
    pub fn new(errors: &FormErrors, lang: Lang) -> Errors {
        Errors(
            errors
                .iter()
                .map(|(f, p)| (f.name(), p.message(lang).to_string()))
                .collect(),
        )
    }

    /// A problem of one field, in words already chosen.
    pub fn push(&mut self, field: &'static str, message: String) {
        self.0.push((field, message));
    }

    /// A problem of the whole form, with the PSP's words when it refused.
    pub fn with_form_message(mut self, message: String) -> Errors {
        self.0.push(("form", message));
        self
    }

    pub fn of(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Template)]
#[template(path = "register.html")]
pub struct RegisterPage {
    pub layout: Layout,
    pub errors: Errors,
    pub email: String,
    pub receiving: ReceivingForm,
    pub accept_terms: bool,
    pub next: String,
    /// `?next=...` (encoded) or empty.
    pub next_query: String,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub errors: Errors,
    pub email: String,
    pub next: String,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub layout: Layout,
    pub email: String,
    /// His PayPal account was refused (the alert).
    pub credentials_refused: bool,
    /// Which form the errors belong to: "password", "psp_account",
    /// "psp_account_remove" or "".
    pub action: &'static str,
    pub errors: Errors,
    /// His current receiving accounts.
    pub accounts: Vec<AccountLine>,
    /// The add-or-replace form (its errors when `action` is "psp_account").
    pub receiving: ReceivingForm,
    pub notice: &'static str,
    /// The "Automation" section (API keys, issue 18).
    pub automation: Automation,
    /// PayPal by permission, and his current PayPal account still holds
    /// stored API credentials: the "move" form is shown.
    pub paypal_move: bool,
}

/// A current receiving account, as the account page lists it.
pub struct AccountLine {
    pub psp: &'static str,
    pub name: &'static str,
    pub public_ref: String,
    pub refused: bool,
}

/// A provider offered on a receiving-account form.
pub struct ProviderChoice {
    pub id: &'static str,
    pub name: &'static str,
    pub checked: bool,
}

/// The receiving-account fields of a form (`receiving_fields.html`): the
/// providers offered (one chosen), each one's fields under its heading,
/// and what was typed (secrets never).
pub struct ReceivingForm {
    pub t: &'static crate::core::i18n::ReceivingTexts,
    pub emulator: bool,
    pub choices: Vec<ProviderChoice>,
    pub paypal: bool,
    pub sips: bool,
    pub monetico: bool,
    pub errors: Errors,
    pub api_username: String,
    pub sips_merchant_id: String,
    pub sips_key_version: String,
    pub monetico_tpe: String,
    pub monetico_societe: String,
    /// PayPal by permission (`PAYPAL_SELLER_AUTH=permission`): the guide
    /// and the e-mail field instead of the API credentials.
    pub paypal_permission: bool,
    pub pt: &'static crate::core::i18n::PermissionTexts,
    /// PayBook's API username, which the seller grants the permissions to.
    pub platform_api_username: String,
    pub paypal_email: String,
}

impl ReceivingForm {
    /// The form of a deployment calling PayPal by permission: PayPal's
    /// fieldset asks for the e-mail, after the guide naming
    /// `platform_api_username`.
    pub fn by_permission(mut self, platform_api_username: &str) -> ReceivingForm {
        self.paypal_permission = true;
        self.platform_api_username = platform_api_username.to_string();
        self
    }

    /// The form offering `enabled` (in that order), with the values
    /// `typed` gives (a form's value by name) and their problems.
    pub fn new(
        layout: &Layout,
        enabled: &[ProviderId],
        typed: &dyn Fn(&str) -> String,
        errors: Errors,
    ) -> ReceivingForm {
        let input = AccountInput {
            psp: typed("psp"),
            ..AccountInput::default()
        };
        let chosen = input.provider(enabled).ok().or(enabled.first().copied());
        ReceivingForm {
            t: layout.lang.receiving(),
            emulator: layout.emulator,
            choices: enabled
                .iter()
                .map(|p| ProviderChoice {
                    id: p.as_str(),
                    name: receiving::display_name(*p),
                    checked: Some(*p) == chosen,
                })
                .collect(),
            paypal: enabled.contains(&ProviderId::Paypal),
            sips: enabled.contains(&ProviderId::Sips),
            monetico: enabled.contains(&ProviderId::Monetico),
            errors,
            api_username: typed("api_username"),
            sips_merchant_id: typed("sips_merchant_id"),
            sips_key_version: typed("sips_key_version"),
            monetico_tpe: typed("monetico_tpe"),
            monetico_societe: typed("monetico_societe"),
            paypal_permission: false,
            pt: layout.lang.permission(),
            platform_api_username: String::new(),
            paypal_email: typed("paypal_email"),
        }
    }
}

#[derive(Template)]
#[template(path = "password_reset.html")]
pub struct PasswordResetPage {
    pub layout: Layout,
    pub errors: Errors,
    pub email: String,
    pub sent: bool,
}

#[derive(Template)]
#[template(path = "password_reset_new.html")]
pub struct PasswordResetNewPage {
    pub layout: Layout,
    pub errors: Errors,
    pub token: String,
    pub usable: bool,
}

#[derive(Template)]
#[template(path = "terms.html")]
pub struct TermsPage {
    pub layout: Layout,
    pub operator_name: String,
    pub contact_email: String,
}

#[cfg(feature = "emulators")]
#[derive(Template)]
#[template(path = "emulator_accounts.html")]
pub struct EmulatorAccountsPage {
    pub layout: Layout,
    pub account: Option<AccountView>,
    pub error: &'static str,
    pub email: String,
    pub balance: String,
}

#[cfg(feature = "emulators")]
#[derive(Template)]
#[template(path = "emulator_mail.html")]
pub struct EmulatorMailPage {
    pub layout: Layout,
    pub messages: Vec<crate::core::sql::outbox::Message>,
}

/// An account as its page shows it.
#[cfg(feature = "emulators")]
pub struct AccountView {
    pub email: String,
    pub payer_id: String,
    pub balance: String,
    pub api_username: String,
    pub api_password: String,
    pub api_signature: String,
}

/// The preview of a purchase, formatted.
pub struct BuyPreview {
    pub current_value: String,
    pub amount: String,
    pub split: bool,
    pub new_value: String,
    pub seller_value: String,
    /// The ways to pay the holder accepts, the default first.
    pub choices: Vec<PayChoice>,
}

#[derive(Template)]
#[template(path = "buy.html")]
pub struct BuyPage {
    pub layout: Layout,
    pub errors: Errors,
    pub isin: String,
    pub amount: String,
    pub profit_rate: String,
    pub preview: Option<BuyPreview>,
    /// The bounds of one payment, for the amount's checks in the page.
    pub limits: crate::core::purchase::Limits,
}

/// A way to pay offered on the buy page: the `psp` value its button
/// posts and its label.
pub struct PayChoice {
    pub psp: &'static str,
    pub label: String,
}

/// The page whose form the buyer's browser posts to a card provider's
/// payment page (by its button, or at once with JavaScript).
#[derive(Template)]
#[template(path = "checkout_form.html")]
pub struct CheckoutFormPage {
    pub layout: Layout,
    pub order_id: String,
    pub action: String,
    pub fields: Vec<(String, String)>,
}

/// An order line, formatted.
pub struct OrderLine {
    pub id: String,
    pub role: &'static str,
    pub isin: String,
    pub amount: String,
    pub profit_rate: i64,
    pub status: &'static str,
    pub code: i64,
    pub substate: String,
    pub created_at: String,
}

#[derive(Template)]
#[template(path = "orders.html")]
pub struct OrdersPage {
    pub layout: Layout,
    pub orders: Vec<OrderLine>,
    pub pager: Pager,
}

/// A trace line, formatted.
pub struct TraceLine {
    pub at: String,
    pub method: String,
    pub ack: String,
    pub error_codes: String,
    pub correlation_id: String,
    pub fields: String,
}

#[derive(Template)]
#[template(path = "order.html")]
pub struct OrderPage {
    pub layout: Layout,
    pub o: OrderLine,
    pub transaction_id: Option<String>,
    pub new_isin: Option<String>,
    pub explanation: &'static str,
    pub psp_error: String,
    pub can_continue: bool,
    pub continue_url: String,
    pub can_cancel: bool,
    pub traces: Vec<TraceLine>,
    /// The spend's description (the automation API's), to both parties.
    pub description: Option<String>,
    pub refund: RefundBlock,
}

/// The order page's refund: its state (both parties), the seller's form
/// while he may refund, and why a request was refused.
pub struct RefundBlock {
    pub t: &'static crate::core::i18n::RefundTexts,
    pub offered: bool,
    pub state_text: String,
    pub error: String,
}

/// The account page's "Automation" section: the live API keys, and a key
/// just created (its secret, shown this once).
#[derive(Default)]
pub struct Automation {
    pub keys: Vec<crate::core::api::sql::KeyRow>,
    pub new_key: String,
    pub error: &'static str,
    /// Whether `keys` was read (a page that did not read it lists none).
    pub loaded: bool,
}
