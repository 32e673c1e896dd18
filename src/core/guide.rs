//! The user guide `/docs` serves, in the page's language: HTML made at
//! build time by `build.rs` from `docs/user-guide.{en,fr}.md`, the one
//! source (the e2e test `guide::the_docs_page_serves_the_markdown_guide`
//! fails when the served page and the Markdown disagree).

use crate::core::i18n::Lang;

/// The English guide's HTML.
pub const EN: &str = include_str!(concat!(env!("OUT_DIR"), "/user-guide.en.html"));
/// The French guide's HTML.
pub const FR: &str = include_str!(concat!(env!("OUT_DIR"), "/user-guide.fr.html"));

/// The guide in `lang` (by reference: askama passes its arguments so).
pub fn html(lang: &Lang) -> &'static str {
    match lang {
        Lang::En => EN,
        Lang::Fr => FR,
    }
}
