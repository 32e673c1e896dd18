//! Turns the user guide's Markdown (`docs/user-guide.{en,fr}.md`, the one
//! source) into the HTML that `/docs` serves (`core::guide`), so that the
//! page cannot drift from the Markdown. Runs on the build machine only:
//! pulldown-cmark is a build-dependency, the wasm carries just the HTML.
//!
//! On the page the guide sits under the page's own `<h1>`, so every heading
//! goes one level down, and each gets the `id` GitHub gives it (the guide's
//! table of contents links work in both places). Image paths relative to
//! `docs/` (`screenshots/x.png`) become the site's `/screenshots/x.png`
//! (wrangler's static assets), and links to the other language's Markdown
//! become `/docs?lang=..`. Raw HTML is refused: the page is escaped text.

use std::path::Path;

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

const GUIDES: [&str; 2] = ["user-guide.en", "user-guide.fr"];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for name in GUIDES {
        let source = format!("docs/{name}.md");
        println!("cargo:rerun-if-changed={source}");
        let markdown = std::fs::read_to_string(&source)
            .unwrap_or_else(|e| panic!("cannot read {source}: {e}"));
        let page = to_html(&markdown).unwrap_or_else(|e| panic!("{source}: {e}"));
        std::fs::write(Path::new(&out_dir).join(format!("{name}.html")), page)
            .expect("OUT_DIR is writable");
    }
}

/// The guide's HTML as `/docs` shows it, or what in the Markdown is refused.
fn to_html(markdown: &str) -> Result<String, String> {
    let events: Vec<Event> = Parser::new_ext(markdown, Options::ENABLE_TABLES).collect();
    let mut out = Vec::with_capacity(events.len());
    for (at, event) in events.iter().enumerate() {
        out.push(match event.clone() {
            Event::Html(raw) | Event::InlineHtml(raw) => {
                return Err(format!("raw HTML is not allowed: {raw}"))
            }
            Event::Start(Tag::Heading {
                level,
                classes,
                attrs,
                ..
            }) => Event::Start(Tag::Heading {
                level: lower(level),
                id: Some(CowStr::from(slug(&heading_text(&events[at + 1..])))),
                classes,
                attrs,
            }),
            Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(lower(level))),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                if !dest_url.starts_with("screenshots/") {
                    return Err(format!("images live in docs/screenshots/: {dest_url}"));
                }
                Event::Start(Tag::Image {
                    link_type,
                    dest_url: CowStr::from(format!("/{dest_url}")),
                    title,
                    id,
                })
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url: CowStr::from(site_link(&dest_url)?),
                title,
                id,
            }),
            other => other,
        });
    }
    let mut page = String::new();
    html::push_html(&mut page, out.into_iter());
    Ok(page)
}

/// One level down (the page's `<h1>` is its title).
fn lower(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    }
}

/// The text of the heading that starts at `events` (up to its end).
fn heading_text(events: &[Event]) -> String {
    let mut text = String::new();
    for event in events {
        match event {
            Event::End(TagEnd::Heading(_)) => break,
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            _ => {}
        }
    }
    text
}

/// GitHub's anchor for a heading: lower case, spaces to `-`, letters,
/// digits, `-` and `_` kept, everything else dropped.
fn slug(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// A link as the site serves it: anchors and absolute URLs stay, the
/// guides' Markdown files become `/docs` in their language; any other
/// relative link would be broken on the site, so it is refused.
fn site_link(dest: &str) -> Result<String, String> {
    match dest {
        "user-guide.en.md" => Ok("/docs?lang=en".into()),
        "user-guide.fr.md" => Ok("/docs?lang=fr".into()),
        d if d.starts_with('#') || d.starts_with('/') || d.starts_with("https://") => {
            Ok(d.to_string())
        }
        d if d.starts_with("mailto:") => Ok(d.to_string()),
        d => Err(format!("a link the site cannot follow: {d}")),
    }
}
