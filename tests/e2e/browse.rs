//! Browsing end to end: every read page in both languages, the JSON shapes
//! of the spec (field names and types), paging, masking, the 404 and 422
//! cases, the ISIN check and the static pages.

use serde_json::Value;

use crate::flows::register;
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "browse::market_lists_titles_newest_first_in_the_spec_shape",
            market_lists_titles_newest_first_in_the_spec_shape,
        ),
        (
            "browse::market_filter_finds_one_isin_and_refuses_malformed_ones",
            market_filter_finds_one_isin_and_refuses_malformed_ones,
        ),
        (
            "browse::title_page_shows_masked_holder_and_origin_in_both_languages",
            title_page_shows_masked_holder_and_origin_in_both_languages,
        ),
        (
            "browse::unknown_or_malformed_title_is_404",
            unknown_or_malformed_title_is_404,
        ),
        (
            "browse::claims_show_titles_isin_balance_and_psp_balance",
            claims_show_titles_isin_balance_and_psp_balance,
        ),
        (
            "browse::claims_ask_the_psp_again_once_an_order_changed",
            claims_ask_the_psp_again_once_an_order_changed,
        ),
        (
            "browse::a_title_page_lists_the_trades_that_touched_it_newest_first",
            a_title_page_lists_the_trades_that_touched_it_newest_first,
        ),
        ("browse::claims_need_a_session", claims_need_a_session),
        (
            "browse::history_has_the_spec_shape_and_refuses_bad_pages",
            history_has_the_spec_shape_and_refuses_bad_pages,
        ),
        (
            "browse::isin_check_always_answers_200_with_a_reason",
            isin_check_always_answers_200_with_a_reason,
        ),
        (
            "browse::static_pages_exist_in_both_languages_with_the_menu",
            static_pages_exist_in_both_languages_with_the_menu,
        ),
        (
            "browse::sitemap_and_robots_are_served",
            sitemap_and_robots_are_served,
        ),
        (
            "browse::read_pages_cost_one_d1_round_trip",
            read_pages_cost_one_d1_round_trip,
        ),
        (
            "browse::amounts_are_formatted_per_language_in_html_and_plain_in_json",
            amounts_are_formatted_per_language_in_html_and_plain_in_json,
        ),
    ]
}

fn isin_of(world: &World, email: &str) -> String {
    world
        .server
        .db()
        .query_row(
            "SELECT t.isin FROM titles t JOIN clients c ON c.id = t.holder_id WHERE c.email = ?1",
            [email],
            |r| r.get(0),
        )
        .expect("title")
}

fn is_money(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        let (units, cents) = s.split_once('.').unwrap_or(("", ""));
        !units.is_empty()
            && units.bytes().all(|b| b.is_ascii_digit())
            && cents.len() == 2
            && cents.bytes().all(|b| b.is_ascii_digit())
    })
}

fn is_time(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| paybook::core::time::UtcTime::parse(s).is_some())
}

fn market_lists_titles_newest_first_in_the_spec_shape(world: &World) {
    let older = register(&world.server, "mkt-old", "1.00");
    let newer = register(&world.server, "mkt-new", "1.00");
    let r = world.server.client().get_json("/market");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("vary"), Some("Accept, Cookie"));
    assert!(r
        .header("content-type")
        .unwrap_or("")
        .starts_with("application/json"));
    let j = r.json();
    assert!(
        j.get("next_page").is_some(),
        "next_page present (null or integer)"
    );
    let titles = j["titles"].as_array().expect("titles");
    let first = &titles[0];
    let keys: Vec<&str> = first
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    for key in ["isin", "value", "currency"] {
        assert!(keys.contains(&key), "{key} in {first}");
    }
    assert!(is_money(&first["value"]));
    let positions: Vec<usize> = [&newer.email, &older.email]
        .iter()
        .map(|e| {
            let isin = isin_of(world, e);
            titles
                .iter()
                .position(|t| t["isin"] == isin.as_str())
                .unwrap_or(usize::MAX)
        })
        .collect();
    assert!(positions[0] < positions[1], "newest first: {positions:?}");
}

fn market_filter_finds_one_isin_and_refuses_malformed_ones(world: &World) {
    let member = register(&world.server, "mkt-filter", "1.00");
    let isin = isin_of(world, &member.email);
    let client = world.server.client();
    let j = client
        .get_json(&format!("/market?isin={}", isin.to_lowercase()))
        .json();
    let titles = j["titles"].as_array().cloned().unwrap_or_default();
    assert_eq!(titles.len(), 1);
    assert_eq!(titles[0]["isin"], isin.as_str());
    assert_eq!(titles[0]["value"], "1.00");
    assert_eq!(titles[0]["currency"], "EUR");
    // Valid but unknown: an empty list.
    let unknown = paybook::core::isin::Isin::issue([9, 9, 9, 9, 9, 9, 9, 9, 9]);
    let r = client.get_json(&format!("/market?isin={unknown}"));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["titles"].as_array().map(Vec::len), Some(0));
    // Malformed: 422, in both forms, with the typed value kept and escaped.
    let r = client.get_json("/market?isin=ZZ123");
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"], "invalid_isin");
    let r = client.get("/market?isin=%3Cb%3Ebad&lang=fr");
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("Ce n&#39;est pas un ISIN valide.")
            || r.body.contains("Ce n'est pas un ISIN valide.")
    );
    assert!(!r.body.contains("<b>bad"));
}

fn title_page_shows_masked_holder_and_origin_in_both_languages(world: &World) {
    let member = register(&world.server, "title", "1.00");
    let isin = isin_of(world, &member.email);
    let client = world.server.client();
    let r = client.get_json(&format!("/titles/{isin}"));
    assert_eq!(r.status, 200);
    let j = r.json();
    for key in [
        "isin",
        "value",
        "currency",
        "holder",
        "issued_at",
        "issued_by",
        "claimed",
        "disputed",
        "trades",
        "next_page",
    ] {
        assert!(j.get(key).is_some(), "{key} missing in {j}");
    }
    assert_eq!(j["isin"], isin.as_str());
    assert_eq!(j["value"], "1.00");
    let masked = format!(
        "{}***@{}",
        &member.email[..1],
        member.email.split_once('@').map(|(_, d)| d).unwrap_or("")
    );
    assert_eq!(j["holder"], masked.as_str());
    assert!(
        !j.to_string().contains(&member.email),
        "never the full e-mail"
    );
    assert!(is_time(&j["issued_at"]));
    assert_eq!(j["issued_by"], "initiation");
    assert_eq!(j["claimed"], false);
    assert_eq!(j["disputed"], false);
    assert!(j["trades"].as_array().is_some_and(Vec::is_empty));
    let en = client.get(&format!("/titles/{isin}"));
    assert!(en.body.contains("Initiation title, issued on registration"));
    assert!(en.body.contains(&masked));
    assert!(en.body.contains(&format!("href=\"/buy?isin={isin}\"")));
    let fr = client.get(&format!("/titles/{isin}?lang=fr"));
    assert!(fr.body.contains("1,00 EUR"));
    assert!(fr.body.contains("Titre d&#39;initiation") || fr.body.contains("Titre d'initiation"));
}

fn unknown_or_malformed_title_is_404(world: &World) {
    let client = world.server.client();
    let unknown = paybook::core::isin::Isin::issue([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    assert_eq!(client.get(&format!("/titles/{unknown}")).status, 404);
    assert_eq!(
        client.get_json(&format!("/titles/{unknown}")).json()["error"],
        "not_found"
    );
    assert_eq!(client.get("/titles/NOT-AN-ISIN").status, 404);
}

fn claims_show_titles_isin_balance_and_psp_balance(world: &World) {
    let member = register(&world.server, "claims", "250.00");
    let r = member.client.get_json("/claims");
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    for key in [
        "email",
        "isin_balance",
        "psp_balance",
        "psp_error",
        "titles",
    ] {
        assert!(j.get(key).is_some(), "{key} missing in {j}");
    }
    assert_eq!(j["email"], member.email.as_str());
    assert_eq!(j["isin_balance"], "1.00");
    assert_eq!(j["psp_balance"], "250.00");
    assert!(j["psp_error"].is_null());
    let titles = j["titles"].as_array().cloned().unwrap_or_default();
    assert_eq!(titles.len(), 1);
    assert_eq!(titles[0]["value"], "1.00");
    let html = member.client.get("/claims?lang=fr");
    assert!(
        html.body.contains("valeur déclarée (pas de l&#39;argent)")
            || html.body.contains("valeur déclarée (pas de l'argent)")
    );
    assert!(html.body.contains("250,00 EUR"));
    assert!(html.body.contains("1,00 EUR"));
    // Within the minute: the kept balance, one D1 round trip, no PSP call.
    let timing = member
        .client
        .get("/claims")
        .header("server-timing")
        .unwrap_or("")
        .to_string();
    assert!(
        timing.contains("d1;desc=\"D1 round trips\";dur=1"),
        "{timing}"
    );
    assert!(timing.contains("psp;desc=\"PSP calls\";dur=0"), "{timing}");
}

fn claims_ask_the_psp_again_once_an_order_changed(world: &World) {
    let seller = register(&world.server, "claims-sell", "10.00");
    let buyer = register(&world.server, "claims-buy", "20.00");
    let first = buyer.client.get("/claims?lang=en");
    assert!(
        first
            .header("server-timing")
            .unwrap_or("")
            .contains("psp;desc=\"PSP calls\";dur=1"),
        "the first look asks PayPal"
    );
    assert_eq!(
        buyer.client.get_json("/claims").json()["psp_balance"],
        "20.00"
    );
    let isin = crate::purchase::titles(&seller)[0].0.clone();
    let order = crate::purchase::buy(world, &buyer, &isin, "1.50", "0");
    assert_eq!(order["code"], 2, "{order}");
    // The purchase changed the buyer's order: the kept balance is stale.
    let r = buyer.client.get_json("/claims");
    assert!(
        r.header("server-timing")
            .unwrap_or("")
            .contains("psp;desc=\"PSP calls\";dur=1"),
        "asked again"
    );
    assert_eq!(r.json()["psp_balance"], "18.50");
    assert_eq!(
        seller.client.get_json("/claims").json()["psp_balance"],
        "11.50"
    );
}

fn claims_need_a_session(world: &World) {
    let client = world.server.client();
    let r = client.get_json("/claims");
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "login_required");
    let r = client.get("/claims");
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/login?next=%2Fclaims"));
}

fn history_has_the_spec_shape_and_refuses_bad_pages(world: &World) {
    let client = world.server.client();
    let r = client.get_json("/history");
    assert_eq!(r.status, 200);
    let j = r.json();
    assert!(j["trades"].is_array());
    assert!(j.get("next_page").is_some());
    for t in j["trades"].as_array().cloned().unwrap_or_default() {
        for key in [
            "at",
            "isin",
            "amount",
            "profit_rate",
            "buyer",
            "seller",
            "new_isin",
            "new_value",
            "seller_value",
            "status",
        ] {
            assert!(t.get(key).is_some(), "{key} in {t}");
        }
        assert!(is_time(&t["at"]));
        assert!(is_money(&t["amount"]));
        assert!(t["profit_rate"].is_i64());
        assert!(t["buyer"].as_str().unwrap_or("").contains("***@"));
    }
    let r = client.get("/history?lang=fr");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Historique"));
    assert_eq!(client.get_json("/history?page=-1").status, 422);
}

fn isin_check_always_answers_200_with_a_reason(world: &World) {
    let member = register(&world.server, "isincheck", "1.00");
    let issued = isin_of(world, &member.email);
    let client = world.server.client();
    let cases = [
        (
            format!(" {} ", issued.to_lowercase()),
            true,
            Value::Null,
            true,
            true,
        ),
        ("US0378331005".to_string(), true, Value::Null, false, false),
        (
            "ZZ123".to_string(),
            false,
            Value::from("length"),
            true,
            false,
        ),
        (
            "ZZ12345678-0".to_string(),
            false,
            Value::from("characters"),
            true,
            false,
        ),
        (
            "US0378331006".to_string(),
            false,
            Value::from("check_digit"),
            false,
            false,
        ),
    ];
    for (code, valid, reason, paybook, was_issued) in cases {
        let r = client.get_json(&format!("/isin?code={}", code.replace(' ', "%20")));
        assert_eq!(r.status, 200);
        let j = r.json();
        assert_eq!(j["code"], code.trim().to_uppercase().as_str());
        assert_eq!(j["valid"], valid, "{code}");
        assert_eq!(j["reason"], reason, "{code}");
        assert_eq!(j["paybook"], paybook, "{code}");
        assert_eq!(j["issued"], was_issued, "{code}");
    }
    let r = client.get_json("/isin");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["reason"], "length");
    let r = client.get("/isin?code=US0378331006&lang=fr");
    assert!(r.body.contains("Son chiffre de contrôle est faux."));
}

fn static_pages_exist_in_both_languages_with_the_menu(world: &World) {
    let client = world.server.client();
    for (path, en, fr) in [
        (
            "/contact",
            "This PayBook deployment is run by",
            "Ce site PayBook est exploité par",
        ),
        ("/docs", "How a purchase works", "Comment se passe un achat"),
        (
            "/source",
            "GNU General Public License",
            "licence publique générale GNU",
        ),
        ("/isin", "ISIN check", "Vérification d&#39;ISIN"),
    ] {
        let r = client.get(&format!("{path}?lang=en"));
        assert_eq!(r.status, 200, "{path}");
        assert!(r.body.contains(en), "{path} en");
        assert!(r.body.contains(">My claims</a>"), "{path} menu");
        let r = client.get(&format!("{path}?lang=fr"));
        assert!(
            r.body.contains(fr) || r.body.contains(&fr.replace("&#39;", "'")),
            "{path} fr"
        );
        assert!(r.body.contains(">Mes créances</a>"), "{path} menu fr");
    }
    let docs = client.get("/docs?lang=en");
    assert!(docs.body.contains("You can lose what you pay."));
}

fn sitemap_and_robots_are_served(world: &World) {
    let client = world.server.client();
    let r = client.get("/sitemap.xml");
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap_or("")
        .starts_with("application/xml"));
    assert!(r
        .body
        .contains(&format!("<loc>{}/market</loc>", world.server.base_url)));
    let r = client.get("/robots.txt");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Disallow: /_emulator/"));
    assert!(r.body.contains("Sitemap: "));
}

fn read_pages_cost_one_d1_round_trip(world: &World) {
    let member = register(&world.server, "trips", "1.00");
    let isin = isin_of(world, &member.email);
    for path in [
        "/".to_string(),
        "/market".into(),
        format!("/titles/{isin}"),
        "/history".into(),
        format!("/isin?code={isin}"),
    ] {
        for client in [&member.client, &world.server.client()] {
            let r = client.get(&path);
            assert_eq!(r.status, 200, "{path}");
            let timing = r.header("server-timing").unwrap_or("");
            assert!(
                timing.contains("d1;desc=\"D1 round trips\";dur=1,"),
                "{path}: {timing}"
            );
        }
    }
}

fn amounts_are_formatted_per_language_in_html_and_plain_in_json(world: &World) {
    let member = register(&world.server, "format", "1234.50");
    let j = member.client.get_json("/claims?lang=fr").json();
    assert_eq!(j["psp_balance"], "1234.50");
    let html = member.client.get("/claims?lang=fr");
    assert!(
        html.body.contains("1\u{202f}234,50 EUR"),
        "French grouping and comma"
    );
    let html = member.client.get("/claims?lang=en");
    assert!(html.body.contains("1,234.50 EUR"));
}

fn a_title_page_lists_the_trades_that_touched_it_newest_first(world: &World) {
    let alice = register(&world.server, "ttrades-a", "10.00");
    let bob = register(&world.server, "ttrades-b", "10.00");
    let carol = register(&world.server, "ttrades-c", "10.00");
    let isin = crate::purchase::titles(&alice)[0].0.clone();
    // Bob buys it whole (1.00 for V = 1.00): a transfer, worth 2.00 after.
    let first = crate::purchase::buy(world, &bob, &isin, "1.00", "100");
    assert_eq!(first["code"], 2, "{first}");
    // Carol pays 1.50 of its 2.00: a split, with a new ISIN for her.
    let second = crate::purchase::buy(world, &carol, &isin, "1.50", "0");
    assert_eq!(second["code"], 2, "{second}");
    let new_isin = second["new_isin"].as_str().unwrap_or("").to_string();
    assert!(!new_isin.is_empty() && new_isin != isin, "{second}");
    let page = |code: &str| {
        world
            .server
            .client()
            .get_json(&format!("/titles/{code}"))
            .json()["trades"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let old = page(&isin);
    assert_eq!(old.len(), 2, "{old:?}");
    assert_eq!(old[0]["new_isin"], new_isin.as_str(), "the split first");
    assert_eq!(old[1]["new_isin"], isin.as_str(), "then the transfer");
    let new = page(&new_isin);
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(
        new[0]["isin"],
        isin.as_str(),
        "issued by the split of {isin}"
    );
}
