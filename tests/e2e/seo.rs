//! Pages a search engine and a phone understand, and the source of what
//! runs: each page's meta description and Open Graph tags in its language
//! with its `hreflang` alternates, the sitemap listing titles, `/source`
//! and `/healthz` naming the commit the build embedded, and the pages at
//! 390 px in Chromium (screenshots in `docs/screenshots/`).

use std::process::Command;

use crate::browser::run_script;
use crate::flows::{register, PASSWORD};
use crate::harness::root;
use crate::purchase::{buy, titles};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "seo::pages_carry_their_description_open_graph_and_hreflang_in_their_language",
            pages_carry_their_description_open_graph_and_hreflang_in_their_language,
        ),
        (
            "seo::private_pages_and_errors_are_marked_noindex",
            private_pages_and_errors_are_marked_noindex,
        ),
        (
            "seo::the_sitemap_lists_active_titles_in_one_d1_round_trip",
            the_sitemap_lists_active_titles_in_one_d1_round_trip,
        ),
        (
            "seo::source_and_healthz_name_the_commit_the_build_embedded",
            source_and_healthz_name_the_commit_the_build_embedded,
        ),
        (
            "seo::pages_read_at_390_px_without_sideways_scrolling_in_chromium",
            pages_read_at_390_px_without_sideways_scrolling_in_chromium,
        ),
    ]
}

/// The `content` of `<meta {attr}="{name}" content="...">`, unescaped.
fn meta(body: &str, attr: &str, name: &str) -> Option<String> {
    let start = format!("<meta {attr}=\"{name}\" content=\"");
    let rest = &body[body.find(&start)? + start.len()..];
    let content = &rest[..rest.find('"')?];
    Some(
        content
            .replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&amp;", "&"),
    )
}

fn pages_carry_their_description_open_graph_and_hreflang_in_their_language(world: &World) {
    let member = register(&world.server, "seo-pages", "1.00");
    let isin = titles(&member)[0].0.clone();
    let base = &world.server.base_url;
    let client = world.server.client();
    let title_path = format!("/titles/{isin}");
    for (path, lang, title, description) in [
        ("/", "en", "PayBook", "Trade titles peer to peer"),
        ("/", "fr", "PayBook", "Échangez des titres de pair à pair"),
        ("/market", "fr", "Marché", "Les titres du marché"),
        (title_path.as_str(), "en", "Title", "Title ZZ"),
        (title_path.as_str(), "fr", "Titre", "Titre ZZ"),
        ("/docs", "en", "", "How a purchase works on PayBook"),
        (
            "/source",
            "fr",
            "Code source",
            "PayBook est un logiciel libre",
        ),
    ] {
        let r = client.get(&format!("{path}?lang={lang}"));
        assert_eq!(r.status, 200, "{path}");
        let body = &r.body;
        assert!(
            body.contains(&format!("<html lang=\"{lang}\">")),
            "{path} {lang}"
        );
        let described = meta(body, "name", "description").expect("description");
        assert!(
            described.starts_with(description),
            "{path} {lang}: {described}"
        );
        assert_eq!(meta(body, "property", "og:description"), Some(described));
        let og_title = meta(body, "property", "og:title").expect("og:title");
        assert!(og_title.starts_with(title), "{path} {lang}: {og_title}");
        if path == title_path {
            assert!(og_title.ends_with(&isin), "{og_title}");
        }
        assert_eq!(
            meta(body, "property", "og:type").as_deref(),
            Some("website")
        );
        let url = format!("{base}{path}?lang={lang}");
        assert_eq!(meta(body, "property", "og:url"), Some(url), "{path}");
        let (locale, other) = if lang == "fr" {
            ("fr_FR", "en_US")
        } else {
            ("en_US", "fr_FR")
        };
        assert_eq!(meta(body, "property", "og:locale").as_deref(), Some(locale));
        assert_eq!(
            meta(body, "property", "og:locale:alternate").as_deref(),
            Some(other)
        );
        for (hreflang, href) in [
            ("en", format!("{base}{path}?lang=en")),
            ("fr", format!("{base}{path}?lang=fr")),
            ("x-default", format!("{base}{path}")),
        ] {
            let link = format!("<link rel=\"alternate\" hreflang=\"{hreflang}\" href=\"{href}\">");
            assert!(body.contains(&link), "{path} {lang}: {link}");
        }
        assert!(!body.contains("noindex"), "{path} is indexable");
    }
}

fn private_pages_and_errors_are_marked_noindex(world: &World) {
    let member = register(&world.server, "seo-private", "1.00");
    for path in ["/claims?lang=fr", "/orders", "/account"] {
        let r = member.client.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.body
                .contains("<meta name=\"robots\" content=\"noindex\">"),
            "{path}"
        );
        assert!(meta(&r.body, "name", "description").is_some(), "{path}");
    }
    let r = world.server.client().get("/no-such-page?lang=fr");
    assert_eq!(r.status, 404);
    assert!(r.body.contains("<html lang=\"fr\">"));
    assert!(r
        .body
        .contains("<meta name=\"robots\" content=\"noindex\">"));
    assert_eq!(
        meta(&r.body, "property", "og:locale").as_deref(),
        Some("fr_FR")
    );
}

fn the_sitemap_lists_active_titles_in_one_d1_round_trip(world: &World) {
    let member = register(&world.server, "seo-sitemap", "1.00");
    let isin = titles(&member)[0].0.clone();
    let base = &world.server.base_url;
    let r = world.server.client().get("/sitemap.xml");
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap_or("")
        .starts_with("application/xml"));
    let entry = format!("<url><loc>{base}/titles/{isin}</loc><lastmod>");
    assert!(r.body.contains(&entry), "{entry} in\n{}", r.body);
    assert!(r.body.contains(&format!("<loc>{base}/source</loc>")));
    let timing = r.header("server-timing").unwrap_or("");
    assert!(
        timing.contains("d1;desc=\"D1 round trips\";dur=1,"),
        "{timing}"
    );
}

fn source_and_healthz_name_the_commit_the_build_embedded(world: &World) {
    let output = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root())
        .output()
        .expect("git runs");
    assert!(output.status.success(), "the tests run in a git checkout");
    let head = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let client = world.server.client();
    for (lang, words) in [
        ("en", "This deployment runs commit"),
        ("fr", "Ce site exécute le commit"),
    ] {
        let r = client.get(&format!("/source?lang={lang}"));
        assert_eq!(r.status, 200);
        assert!(r.body.contains(words), "{lang}");
        assert!(
            r.body
                .contains(&format!("<code id=\"commit\">{head}</code>")),
            "/source names {head}:\n{}",
            r.body
        );
        // The test deployment's SOURCE_URL is on no forge: the repository
        // is linked as configured, the commit shown beside it.
        assert!(r
            .body
            .contains("<a id=\"repository\" href=\"https://example.org/paybook.git\">"));
    }
    let health = client.get("/healthz").json();
    assert_eq!(health["commit"], head.as_str());
}

fn pages_read_at_390_px_without_sideways_scrolling_in_chromium(world: &World) {
    // A trade, so that the tables (latest trades, a title's trades, the
    // history, the buyer's orders and the order's trace) have rows.
    let seller = register(&world.server, "seo-mobile-seller", "1.00");
    let member = register(&world.server, "seo-mobile", "5.00");
    let isin = titles(&seller)[0].0.clone();
    let order = buy(world, &member, &isin, "1.00", "50");
    let order_id = order["id"].as_str().expect("order id").to_string();
    // The committed pictures are remade by `scripts/docs` (PAYBOOK_DOCS=1);
    // a plain test run leaves them alone (its `git status` stays clean).
    let screenshots = match std::env::var_os("PAYBOOK_DOCS") {
        Some(_) => root().join("docs/screenshots"),
        None => root().join("target/test-artifacts/mobile"),
    };
    std::fs::create_dir_all(&screenshots).expect("screenshots folder");
    let made = ["mobile-home-en.png", "mobile-title-fr.png"].map(|f| screenshots.join(f));
    for file in &made {
        let _ = std::fs::remove_file(file);
    }
    let input = serde_json::json!({
        "base": world.server.base_url,
        "email": member.email,
        "password": PASSWORD,
        "isin": isin,
        "order_id": order_id,
        "screenshots": screenshots,
    });
    run_script("mobile.mjs", &input);
    for file in &made {
        assert!(file.exists(), "{} saved", file.display());
    }
}
