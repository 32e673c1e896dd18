//! The askama page structs: one per template, each carrying the [`Layout`]
//! the base template needs. Values are formatted for the request's language
//! before they reach a template; askama escapes everything it prints.

use askama::Template;

use crate::core::i18n::{Lang, Texts};

/// What every page's frame (menu, banner, footer) needs.
pub struct Layout {
    pub t: &'static Texts,
    pub lang: Lang,
    pub emulator: bool,
    /// The current path, for the language switch link.
    pub path: String,
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
