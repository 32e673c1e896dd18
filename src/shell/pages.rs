//! The askama page structs: one per template, each carrying the [`Layout`]
//! the base template needs. Values are formatted for the request's language
//! before they reach a template; askama escapes everything it prints.

use askama::Template;

use crate::core::account::FormErrors;
use crate::core::i18n::{Lang, Texts};

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
}

/// One line of a trades table, formatted for display.
pub struct TradeLine {
    pub at: String,
    pub isin: String,
    pub amount: String,
    pub new_isin: String,
    pub new_value: String,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub layout: Layout,
    pub trades: Vec<TradeLine>,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub status: u16,
    pub message: &'static str,
}

/// A form's problems as the page shows them: field name → message.
#[derive(Default)]
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
    pub api_username: String,
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
    pub api_username: String,
    pub credentials_refused: bool,
    /// Which form the errors belong to: "password", "credentials" or "".
    pub action: &'static str,
    pub errors: Errors,
    pub new_api_username: String,
    pub notice: &'static str,
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

#[derive(Template)]
#[template(path = "emulator_accounts.html")]
pub struct EmulatorAccountsPage {
    pub layout: Layout,
    pub account: Option<crate::shell::emulator::AccountView>,
    pub error: &'static str,
    pub email: String,
    pub balance: String,
}

#[derive(Template)]
#[template(path = "emulator_mail.html")]
pub struct EmulatorMailPage {
    pub layout: Layout,
    pub messages: Vec<crate::core::sql::outbox::Message>,
}
