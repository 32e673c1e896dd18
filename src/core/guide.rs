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

#[cfg(test)]
mod tests {
    use super::*;

    fn percent_decoded(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            match (bytes[at], text.get(at + 1..at + 3)) {
                (b'%', Some(hex)) if u8::from_str_radix(hex, 16).is_ok() => {
                    out.push(u8::from_str_radix(hex, 16).unwrap_or_default());
                    at += 3;
                }
                (byte, _) => {
                    out.push(byte);
                    at += 1;
                }
            }
        }
        String::from_utf8(out).expect("UTF-8 once decoded")
    }

    #[test]
    fn every_contents_link_leads_to_a_heading_of_its_guide() {
        for page in [EN, FR] {
            let anchors: Vec<&str> = page
                .split("href=\"#")
                .skip(1)
                .map(|rest| &rest[..rest.find('"').expect("a closed href")])
                .collect();
            assert!(anchors.len() >= 6, "the contents list its sections");
            for href in anchors {
                // Browsers match the percent-decoded fragment too.
                let id = percent_decoded(href);
                assert!(page.contains(&format!("id=\"{id}\"")), "#{href}");
            }
        }
    }

    #[test]
    fn the_guide_starts_below_the_pages_own_title_and_shows_its_screenshots() {
        for page in [EN, FR] {
            assert!(!page.contains("<h1"), "the page's <h1> is its title");
            let images: Vec<&str> = page.split("<img ").skip(1).collect();
            assert!(images.len() >= 5);
            for image in images {
                assert!(image.starts_with("src=\"/screenshots/guide-"), "{image}");
                assert!(!image.contains("alt=\"\""), "alt text: {image}");
            }
        }
    }
}
