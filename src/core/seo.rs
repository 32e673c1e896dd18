//! What search engines, link previews and the GPL's offer of source read:
//! each page's meta description and Open Graph tags (chosen from its path,
//! so that no handler has to pass them), its `hreflang` alternates, the
//! sitemap's URLs, and which commit this build runs with the link to its
//! archive (`/source`).

use serde::Deserialize;

use super::i18n::Lang;
use super::isin::Isin;
use super::sql::{Param, Stmt};
use super::time::UtcTime;

/// The commit this build was made from: `scripts/build` exports
/// `PAYBOOK_COMMIT` (`git rev-parse HEAD`); a build without it (outside a
/// git checkout, or a plain `cargo build`) says `unknown`.
pub fn commit() -> &'static str {
    match option_env!("PAYBOOK_COMMIT") {
        Some(c) if is_commit(c) => c,
        _ => UNKNOWN_COMMIT,
    }
}

pub const UNKNOWN_COMMIT: &str = "unknown";

/// A full git object name: 40 (SHA-1) or 64 (SHA-256) lower-case hex digits.
fn is_commit(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Where `/source` sends a visitor for the code of what runs.
#[derive(Debug, PartialEq, Eq)]
pub enum SourceLink {
    /// The forge's archive of exactly this commit.
    Archive(String),
    /// The repository itself (not a forge we know, or no commit known):
    /// the page shows the commit beside it.
    Repository(String),
}

impl SourceLink {
    pub fn url(&self) -> &str {
        match self {
            SourceLink::Archive(url) | SourceLink::Repository(url) => url,
        }
    }
}

/// The archive of `commit` when `source_url` is a repository on a forge
/// whose archives we know how to name (GitHub, GitLab, Codeberg, Gitea,
/// Forgejo), else the repository's URL as configured.
pub fn source_link(source_url: &str, commit: &str) -> SourceLink {
    let repository = source_url.trim().trim_end_matches('/');
    let repository = repository.strip_suffix(".git").unwrap_or(repository);
    let Some(rest) = repository.strip_prefix("https://") else {
        return SourceLink::Repository(source_url.to_string());
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let segments = path.split('/').filter(|s| !s.is_empty()).count();
    if !is_commit(commit) || segments < 2 || rest.contains(['?', '#']) {
        return SourceLink::Repository(source_url.to_string());
    }
    match forge(host) {
        Some(Forge::GitLab) => {
            let name = path.rsplit('/').next().unwrap_or("source");
            SourceLink::Archive(format!(
                "{repository}/-/archive/{commit}/{name}-{commit}.tar.gz"
            ))
        }
        Some(Forge::ArchiveByCommit) => {
            SourceLink::Archive(format!("{repository}/archive/{commit}.tar.gz"))
        }
        None => SourceLink::Repository(source_url.to_string()),
    }
}

/// How a forge names the archive of a commit.
enum Forge {
    /// `/-/archive/<commit>/<name>-<commit>.tar.gz`.
    GitLab,
    /// `/archive/<commit>.tar.gz` (GitHub, Gitea, Forgejo, Codeberg).
    ArchiveByCommit,
}

fn forge(host: &str) -> Option<Forge> {
    let host = host.to_ascii_lowercase();
    if host == "gitlab.com" || host.starts_with("gitlab.") {
        Some(Forge::GitLab)
    } else if ["github.com", "codeberg.org"].contains(&host.as_str())
        || host.starts_with("gitea.")
        || host.starts_with("forgejo.")
    {
        Some(Forge::ArchiveByCommit)
    } else {
        None
    }
}

/// Which page a path shows, for its description.
#[derive(Debug, PartialEq, Eq)]
pub enum PageKind {
    Home,
    Market,
    Title(String),
    Buy,
    History,
    Isin,
    Register,
    Login,
    Terms,
    Contact,
    Docs,
    Source,
    /// A page of one person (orders, claims, account, the back office, the
    /// emulators, password resets) or an error: never indexed.
    Private,
}

impl PageKind {
    pub fn of(path: &str) -> PageKind {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match segments.as_slice() {
            [] if path == "/" => PageKind::Home,
            ["market"] => PageKind::Market,
            ["titles", code] => match Isin::parse(code) {
                Ok(isin) => PageKind::Title(isin.as_str().to_string()),
                Err(_) => PageKind::Private,
            },
            ["buy"] => PageKind::Buy,
            ["history"] => PageKind::History,
            ["isin"] => PageKind::Isin,
            ["register"] => PageKind::Register,
            ["login"] => PageKind::Login,
            ["terms"] => PageKind::Terms,
            ["contact"] => PageKind::Contact,
            ["docs"] => PageKind::Docs,
            ["source"] => PageKind::Source,
            _ => PageKind::Private,
        }
    }
}

/// An alternate language version of a page (`<link rel="alternate">`).
pub struct Alternate {
    pub hreflang: &'static str,
    pub href: String,
}

/// What a page's `<head>` tells search engines and link previews.
pub struct Head {
    pub title: String,
    pub description: String,
    /// Open Graph's `og:url`: this page in this language; empty when the
    /// page has no address of its own (an error).
    pub url: String,
    pub locale: &'static str,
    pub locale_alternate: &'static str,
    /// English, French and `x-default` (no `?lang=`: the visitor's
    /// language is negotiated); empty with `url`.
    pub alternates: Vec<Alternate>,
    pub indexable: bool,
}

impl Head {
    /// The head of `path` in `lang` on the deployment at `base` (empty
    /// `path`: an error page, with no address of its own).
    pub fn new(base: &str, path: &str, lang: Lang) -> Head {
        let kind = if path.is_empty() {
            PageKind::Private
        } else {
            PageKind::of(path)
        };
        let (title, description) = words(&kind, lang);
        let other = match lang {
            Lang::En => Lang::Fr,
            Lang::Fr => Lang::En,
        };
        let located = !path.is_empty() && !base.is_empty();
        let href = |lang: Option<Lang>| match lang {
            Some(l) => format!("{base}{path}?lang={}", l.code()),
            None => format!("{base}{path}"),
        };
        Head {
            title,
            description,
            url: if located {
                href(Some(lang))
            } else {
                String::new()
            },
            locale: lang.seo().og_locale,
            locale_alternate: other.seo().og_locale,
            alternates: if located {
                [(Lang::En, "en"), (Lang::Fr, "fr")]
                    .into_iter()
                    .map(|(l, hreflang)| Alternate {
                        hreflang,
                        href: href(Some(l)),
                    })
                    .chain([Alternate {
                        hreflang: "x-default",
                        href: href(None),
                    }])
                    .collect()
            } else {
                Vec::new()
            },
            indexable: kind != PageKind::Private,
        }
    }
}

/// A page's title and description in `lang`.
fn words(kind: &PageKind, lang: Lang) -> (String, String) {
    let t = lang.texts();
    let s = lang.seo();
    let (title, description) = match kind {
        PageKind::Home => (t.home_title, s.home_description),
        PageKind::Market => (t.market_title, s.market_description),
        PageKind::Title(isin) => {
            return (
                format!("{} {isin}", t.title_title),
                s.title_description.replace("{isin}", isin),
            )
        }
        PageKind::Buy => (t.buy_title, s.buy_description),
        PageKind::History => (t.history_title, s.history_description),
        PageKind::Isin => (t.isin_title, s.isin_description),
        PageKind::Register => (t.register_title, s.register_description),
        PageKind::Login => (t.login_title, s.login_description),
        PageKind::Terms => (t.terms_title, s.terms_description),
        PageKind::Contact => (t.contact_title, s.contact_description),
        PageKind::Docs => (t.docs_title, s.docs_description),
        PageKind::Source => (t.source_title, s.source_description),
        PageKind::Private => ("PayBook", s.site_description),
    };
    (title.to_string(), description.to_string())
}

/// The pages every visitor can read, listed first in the sitemap.
pub const PUBLIC_PATHS: [&str; 10] = [
    "/",
    "/market",
    "/history",
    "/isin",
    "/register",
    "/login",
    "/terms",
    "/contact",
    "/docs",
    "/source",
];

/// The sitemap protocol's limit of URLs in one file.
pub const SITEMAP_MAX_URLS: i64 = 50_000;

/// An active title as the sitemap lists it.
#[derive(Deserialize, Debug, Clone)]
pub struct SitemapRow {
    pub isin: String,
    pub updated_at: String,
}

/// The active titles, newest first, as many as fit beside the public pages.
pub fn sitemap_titles() -> Stmt {
    Stmt::new(
        "SELECT isin, updated_at FROM titles WHERE status = 'active' ORDER BY id DESC LIMIT ?1",
        vec![Param::Int(SITEMAP_MAX_URLS - PUBLIC_PATHS.len() as i64)],
    )
}

/// The sitemap of the deployment at `base`: the public pages, then each
/// title's page with when it last changed.
pub fn sitemap_xml(base: &str, titles: &[SitemapRow]) -> String {
    let base = xml_escape(base);
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for path in PUBLIC_PATHS {
        xml.push_str(&format!("<url><loc>{base}{path}</loc></url>\n"));
    }
    for title in titles {
        let isin = xml_escape(&title.isin);
        match UtcTime::parse(&title.updated_at) {
            Some(at) => xml.push_str(&format!(
                "<url><loc>{base}/titles/{isin}</loc><lastmod>{at}</lastmod></url>\n"
            )),
            None => xml.push_str(&format!("<url><loc>{base}/titles/{isin}</loc></url>\n")),
        }
    }
    xml.push_str("</urlset>\n");
    xml
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn a_forge_repository_links_the_archive_of_the_commit() {
        assert_eq!(
            source_link("https://github.com/acme/paybook.git", SHA),
            SourceLink::Archive(format!(
                "https://github.com/acme/paybook/archive/{SHA}.tar.gz"
            ))
        );
        assert_eq!(
            source_link("https://codeberg.org/acme/paybook/", SHA),
            SourceLink::Archive(format!(
                "https://codeberg.org/acme/paybook/archive/{SHA}.tar.gz"
            ))
        );
        assert_eq!(
            source_link("https://gitlab.com/acme/tools/paybook", SHA),
            SourceLink::Archive(format!(
                "https://gitlab.com/acme/tools/paybook/-/archive/{SHA}/paybook-{SHA}.tar.gz"
            ))
        );
    }

    #[test]
    fn another_url_or_an_unknown_commit_links_the_repository_as_configured() {
        for (url, commit) in [
            ("https://example.org/paybook.git", SHA),
            ("https://github.com/acme/paybook", UNKNOWN_COMMIT),
            ("https://github.com/acme", SHA),
            ("http://github.com/acme/paybook", SHA),
            ("https://github.com/acme/paybook?x=1", SHA),
        ] {
            assert_eq!(
                source_link(url, commit),
                SourceLink::Repository(url.to_string()),
                "{url}"
            );
        }
    }

    #[test]
    fn only_a_full_hex_object_name_counts_as_a_commit() {
        assert!(is_commit(SHA));
        assert!(!is_commit("unknown"));
        assert!(!is_commit(&SHA.to_uppercase()));
        assert!(!is_commit(&SHA[..12]));
        assert!(is_commit(commit()) || commit() == UNKNOWN_COMMIT);
    }

    #[test]
    fn each_public_page_has_its_own_description_in_each_language() {
        let mut seen = Vec::new();
        for lang in [Lang::En, Lang::Fr] {
            for path in PUBLIC_PATHS {
                let head = Head::new("https://pb.example", path, lang);
                assert!(head.indexable, "{path}");
                assert!(!seen.contains(&head.description), "{path} {lang:?}");
                seen.push(head.description);
            }
        }
    }

    #[test]
    fn a_title_page_names_its_isin_and_private_pages_are_not_indexed() {
        let head = Head::new("https://pb.example", "/titles/ZZ0000000016", Lang::Fr);
        assert_eq!(head.title, "Titre ZZ0000000016");
        assert!(head.description.starts_with("Titre ZZ0000000016 :"));
        assert_eq!(head.url, "https://pb.example/titles/ZZ0000000016?lang=fr");
        assert_eq!((head.locale, head.locale_alternate), ("fr_FR", "en_US"));
        for path in [
            "/orders",
            "/account",
            "/admin/titles",
            "/_emulator/mail",
            "/titles/x",
        ] {
            assert!(!Head::new("", path, Lang::En).indexable, "{path}");
        }
    }

    #[test]
    fn alternates_are_the_same_path_in_each_language_and_by_default() {
        let head = Head::new("https://pb.example", "/market", Lang::En);
        let links: Vec<(&str, &str)> = head
            .alternates
            .iter()
            .map(|a| (a.hreflang, a.href.as_str()))
            .collect();
        assert_eq!(
            links,
            [
                ("en", "https://pb.example/market?lang=en"),
                ("fr", "https://pb.example/market?lang=fr"),
                ("x-default", "https://pb.example/market"),
            ]
        );
        let error = Head::new("https://pb.example", "", Lang::En);
        assert!(error.url.is_empty() && error.alternates.is_empty() && !error.indexable);
    }

    #[test]
    fn the_sitemap_lists_the_public_pages_then_the_titles() {
        let xml = sitemap_xml(
            "https://pb.example",
            &[
                SitemapRow {
                    isin: "ZZ0000000016".into(),
                    updated_at: "2026-12-01T10:00:00Z".into(),
                },
                SitemapRow {
                    isin: "ZZ0000000021".into(),
                    updated_at: "garbled".into(),
                },
            ],
        );
        assert!(xml.contains("<url><loc>https://pb.example/market</loc></url>"));
        assert!(xml.contains("<url><loc>https://pb.example/titles/ZZ0000000016</loc><lastmod>2026-12-01T10:00:00Z</lastmod></url>"));
        assert!(xml.contains("<url><loc>https://pb.example/titles/ZZ0000000021</loc></url>"));
        assert_eq!(xml.matches("<url>").count(), PUBLIC_PATHS.len() + 2);
        assert!(xml.ends_with("</urlset>\n"));
    }
}
