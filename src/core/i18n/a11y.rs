//! The words only assistive technologies and keyboard users meet (issue
//! 21): the skip link and the names of otherwise silent table columns, in
//! both languages, kept beside [`Texts`](super::Texts) as a struct of their
//! own so that a missing translation is still a compile error.

use super::Lang;

/// The accessibility words.
pub struct A11yTexts {
    /// The first link of every page, to the main content.
    pub skip_to_content: &'static str,
    /// The name of the market's column of "buy" links.
    pub col_action: &'static str,
}

pub static EN: A11yTexts = A11yTexts {
    skip_to_content: "Skip to content",
    col_action: "Action",
};

pub static FR: A11yTexts = A11yTexts {
    skip_to_content: "Aller au contenu",
    col_action: "Action",
};

impl Lang {
    /// The accessibility words in this language.
    pub fn a11y(self) -> &'static A11yTexts {
        match self {
            Lang::En => &EN,
            Lang::Fr => &FR,
        }
    }
}
