//! The user guide (issue 21). `/docs` serves the Markdown of
//! `docs/user-guide.{en,fr}.md` (made HTML by `build.rs`), with its
//! screenshots as static assets; and the screenshots are taken here from
//! the real pages by `tests/browser/guide.mjs`, which checks what each one
//! shows before taking it. The pictures come from a deployment of their own
//! (fresh D1, fixed e-mails), so that a new run draws the same pages.

use std::path::PathBuf;

use crate::browser::run_script;
use crate::flows::{paypal_account, post_register, Member, PASSWORD};
use crate::harness::{apply_migrations, fresh_state_dir, root, Server};
use crate::purchase::{buy_on, titles};
use crate::{Test, World};

const SCREENSHOTS_TEST: &str =
    "guide::user_guide_screenshots_show_the_pages_in_the_states_the_guide_describes";

pub fn tests() -> Vec<Test> {
    vec![
        (
            "guide::the_docs_page_serves_the_markdown_guide_and_its_screenshots_in_both_languages",
            the_docs_page_serves_the_markdown_guide_and_its_screenshots_in_both_languages,
        ),
        (
            SCREENSHOTS_TEST,
            user_guide_screenshots_show_the_pages_in_the_states_the_guide_describes,
        ),
    ]
}

/// The guide's Markdown, as committed.
fn markdown(lang: &str) -> String {
    let path = root().join(format!("docs/user-guide.{lang}.md"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The screenshots a guide shows, each with the line after it (its caption).
fn images(markdown: &str) -> Vec<(String, String, String)> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut found = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        let Some(rest) = line.strip_prefix("![") else {
            continue;
        };
        let (alt, target) = rest.split_once("](").expect("an image's target");
        let file = target.trim_end_matches(')');
        let caption = lines[at + 1..]
            .iter()
            .find(|l| !l.trim().is_empty())
            .unwrap_or(&"");
        found.push((alt.to_string(), file.to_string(), caption.to_string()));
    }
    found
}

fn the_docs_page_serves_the_markdown_guide_and_its_screenshots_in_both_languages(world: &World) {
    let client = world.server.client();
    for (lang, html) in [
        ("en", paybook::core::guide::EN),
        ("fr", paybook::core::guide::FR),
    ] {
        let md = markdown(lang);
        let page = client.get(&format!("/docs?lang={lang}"));
        assert_eq!(page.status, 200);
        // The Worker serves the HTML the current Markdown makes...
        assert!(
            page.body.contains(html),
            "/docs?lang={lang} is not docs/user-guide.{lang}.md: rebuild the Worker"
        );
        // ...and, read independently of build.rs, every heading of it.
        for heading in md.lines().filter(|l| l.starts_with('#')) {
            let text = heading.trim_start_matches('#').trim();
            assert!(
                page.body.contains(&text.replace('&', "&amp;")),
                "/docs?lang={lang} lacks the heading {text:?}"
            );
        }
        // The Markdown itself is not an asset (docs/.assetsignore).
        let raw = client.get(&format!("/user-guide.{lang}.md"));
        assert_eq!(raw.status, 404, "/user-guide.{lang}.md is not served");
        // The rules and the risk notice stay on the page.
        assert!(page.body.contains("class=\"risk\""), "the risk notice");
        let shots = images(&md);
        assert!(shots.len() >= 5, "{lang}: the guide shows its screenshots");
        for (alt, file, caption) in shots {
            assert!(!alt.trim().is_empty(), "{file} has alt text");
            assert!(
                file.starts_with("screenshots/guide-") && file.ends_with(&format!("-{lang}.png")),
                "{file}: a guide screenshot in its language"
            );
            assert!(
                caption.contains(SCREENSHOTS_TEST),
                "{file}: the caption names the test that makes it: {caption}"
            );
            let bytes = std::fs::metadata(root().join("docs").join(&file))
                .unwrap_or_else(|e| panic!("docs/{file}: {e}"))
                .len();
            assert!(bytes < 150_000, "docs/{file} is {bytes} bytes");
            // Served as a static asset, not by the Worker.
            let served = client.get(&format!("/{file}"));
            assert_eq!(served.status, 200, "/{file}");
            assert_eq!(served.header("content-type"), Some("image/png"), "/{file}");
        }
    }
}

/// Registers `email` with an emulated PayPal account holding `balance`.
fn member(server: &Server, email: &str, balance: &str) -> Member {
    let paypal = paypal_account(server, &format!("paypal.{email}"), balance);
    let client = server.client();
    let r = post_register(&client, email, PASSWORD, &paypal);
    assert_eq!(r.status, 303, "register {email}: {}", r.body);
    Member {
        client,
        email: email.to_string(),
        paypal,
    }
}

fn user_guide_screenshots_show_the_pages_in_the_states_the_guide_describes(_world: &World) {
    let state = fresh_state_dir("guide").expect("state dir");
    apply_migrations(&state).expect("migrations");
    let server = Server::start(state, &[]).expect("the guide's server");
    let screenshots: PathBuf = root().join("docs/screenshots");
    for lang in ["en", "fr"] {
        let alice = member(&server, &format!("alice.{lang}@example.org"), "50.00");
        let bob = member(&server, &format!("bob.{lang}@example.org"), "50.00");
        // Bob buys Alice's initiation title at its value (1.00, rate 100):
        // it passes to him, now worth 2.00.
        let isin = titles(&alice)[0].0.clone();
        let order = buy_on(&server, &bob, &isin, "1.00", "100");
        assert_eq!(order["code"], 2, "{order}");
        let his = titles(&bob);
        assert!(his.contains(&(isin.clone(), 200)), "{his:?}");
        let input = serde_json::json!({
            "base": server.base_url,
            "lang": lang,
            "password": PASSWORD,
            "alice": {"email": alice.email, "paypal_email": alice.paypal.email},
            "bob": {"email": bob.email},
            "isin": isin,
            "screenshots": screenshots,
        });
        run_script("guide.mjs", &input);
        // What the browser did, seen from the server: Alice paid 1.50 for
        // part of Bob's title, which he keeps at 0.50; hers is new, at 3.00.
        let bobs = titles(&bob);
        assert!(bobs.contains(&(isin.clone(), 50)), "{bobs:?}");
        let hers = titles(&alice);
        assert!(
            hers.iter().any(|(i, cents)| *i != isin && *cents == 300),
            "{hers:?}"
        );
        for shot in ["register", "buy-preview", "order", "refund", "history"] {
            let file = screenshots.join(format!("guide-{shot}-{lang}.png"));
            let bytes = std::fs::metadata(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
                .len();
            assert!(bytes < 150_000, "{} is {bytes} bytes", file.display());
        }
    }
}
