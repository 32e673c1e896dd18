//! The automation API (issue 18, api.md) over HTTP: keys made on
//! /account, a spend approved at the PayPal emulator and processed, the
//! idempotency rules (replay, conflict naming the field, 20 concurrent
//! twins making one order), zero spends (test order, probe), the amounts
//! of the issue, every primitive in XML, revoked keys and the rate limit.

use serde_json::{json, Value};

use crate::flows::{csrf, register, Member};
use crate::harness::{Client, Resp, Server};
use crate::purchase::{approve, isin_cents, local, psp_cents, titles};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "api::a_spend_is_approved_at_paypal_and_processed_and_replayed_once",
            a_spend_is_approved_at_paypal_and_processed_and_replayed_once,
        ),
        (
            "api::a_used_spend_id_with_another_amount_is_4001_naming_amount",
            a_used_spend_id_with_another_amount_is_4001_naming_amount,
        ),
        (
            "api::twenty_concurrent_spends_with_one_spend_id_make_one_order",
            twenty_concurrent_spends_with_one_spend_id_make_one_order,
        ),
        (
            "api::a_zero_spend_is_a_test_order_and_calls_no_provider",
            a_zero_spend_is_a_test_order_and_calls_no_provider,
        ),
        (
            "api::a_zero_spend_of_a_lost_spend_id_answers_its_state",
            a_zero_spend_of_a_lost_spend_id_answers_its_state,
        ),
        (
            "api::the_issues_amounts_are_read_exactly_or_numbered",
            the_issues_amounts_are_read_exactly_or_numbered,
        ),
        (
            "api::every_primitive_answers_in_xml",
            every_primitive_answers_in_xml,
        ),
        (
            "api::a_revoked_or_missing_key_is_401",
            a_revoked_or_missing_key_is_401,
        ),
        (
            "api::the_key_rate_limit_answers_429_with_retry_after",
            the_key_rate_limit_answers_429_with_retry_after,
        ),
        (
            "api::only_bearer_api_posts_skip_the_cross_site_check",
            only_bearer_api_posts_skip_the_cross_site_check,
        ),
    ]
}

/// A key made on /account (JSON), as `member`.
pub fn new_key(member: &Member, name: &str) -> (i64, String) {
    let token = csrf(&member.client, "/buy");
    let r = member.client.post_form_with(
        "/account",
        &[
            ("csrf_token", &token),
            ("action", "api_key_create"),
            ("name", name),
        ],
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 201, "key: {}", r.body);
    let j = r.json();
    let key = j["key"].as_str().unwrap_or_default().to_string();
    assert!(key.starts_with("pbk_") && key.len() >= 36, "{key}");
    (j["id"].as_i64().unwrap_or(0), key)
}

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

/// POST /api/v1/spends with a JSON body.
pub fn spend(client: &Client, key: &str, body: &Value) -> Resp {
    let auth = bearer(key);
    client.send(
        "POST",
        "/api/v1/spends",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        Some(body.to_string().as_bytes()),
    )
}

fn api_get(client: &Client, key: &str, path: &str, accept: &str) -> Resp {
    let auth = bearer(key);
    client.send(
        "GET",
        path,
        &[("Authorization", &auth), ("Accept", accept)],
        None,
    )
}

pub(crate) fn error_number(r: &Resp) -> i64 {
    r.json()["error"]["number"].as_i64().unwrap_or(0)
}

/// Alice holds a title; Bob has a key.
pub(crate) struct Pair {
    pub alice: Member,
    pub bob: Member,
    pub isin: String,
    pub key: String,
}

pub(crate) fn pair(server: &Server, tag: &str) -> Pair {
    let alice = register(server, &format!("api-{tag}-alice"), "500.00");
    let bob = register(server, &format!("api-{tag}-bob"), "500.00");
    let isin = titles(&alice)
        .first()
        .map(|t| t.0.clone())
        .unwrap_or_default();
    assert!(!isin.is_empty(), "alice has a title");
    let (_, key) = new_key(&bob, "test");
    Pair {
        alice,
        bob,
        isin,
        key,
    }
}

pub(crate) fn spend_body(p: &Pair, spend_id: Option<&str>, amount: &str) -> Value {
    let mut body = json!({
        "payer": p.bob.email, "payee": p.alice.email, "isin": p.isin,
        "amount": amount, "currency": "EUR", "description": "invoice 42",
    });
    if let (Some(id), Some(map)) = (spend_id, body.as_object_mut()) {
        map.insert("spend_id".into(), json!(id));
    }
    body
}

pub(crate) fn order_count(p: &Pair) -> usize {
    let r = api_get(&p.bob.client, &p.key, "/api/v1/orders", "application/json");
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["orders"].as_array().map_or(0, Vec::len)
}

/// A count of `Server-Timing` (`d1`: D1 round trips, `psp`: PSP calls).
fn timing(r: &Resp, name: &str) -> Option<i64> {
    let header = r.header("server-timing")?;
    let part = header
        .split(',')
        .find(|p| p.trim().starts_with(&format!("{name};")))?;
    part.split("dur=").nth(1)?.trim().parse().ok()
}

fn psp_calls(r: &Resp) -> Option<i64> {
    timing(r, "psp")
}

fn a_spend_is_approved_at_paypal_and_processed_and_replayed_once(world: &World) {
    let p = pair(&world.server, "flow");
    let body = spend_body(&p, Some("order-1"), "12.50");
    let r = spend(&p.bob.client, &p.key, &body);
    assert_eq!(r.status, 201, "{}", r.body);
    let first = r.json();
    assert_eq!(
        first["version"],
        json!({"spec": "1.0", "primitive": "spend/1"})
    );
    assert_eq!(first["order"]["code"], 0);
    assert_eq!(first["order"]["description"], "invoice 42");
    assert_eq!(first["order"]["psp"], "paypal");
    let url = first["approval_url"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(url.contains("token=EC-"), "{url}");
    // POST /buy's three round trips (the key, its rate limit and the
    // spend_id; the title; the order, with the spend_id's stored answer in
    // its batch); one PSP call.
    let cost = (timing(&r, "d1"), psp_calls(&r));
    assert_eq!(cost, (Some(3), Some(1)), "{:?}", r.header("server-timing"));

    // The same spend again: the stored answer, flagged, nothing new.
    let again = spend(&p.bob.client, &p.key, &body);
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json(), first);
    assert_eq!(
        (timing(&again, "d1"), psp_calls(&again)),
        (Some(1), Some(0))
    );
    assert_eq!(order_count(&p), 1);

    let back = approve(&p.bob.client, &url, &p.bob);
    let r = p.bob.client.get(&local(&back));
    assert_eq!(r.status, 303, "return: {}", r.body);
    let state = api_get(
        &p.bob.client,
        &p.key,
        "/api/v1/spends/order-1",
        "application/json",
    )
    .json();
    assert_eq!(state["order"]["code"], 2, "{state}");
    assert_eq!(state["order"]["status"], "processed");
    assert_eq!(state["order"]["description"], "invoice 42");
    assert!(state["approval_url"].is_null());
    // The order page shows the description to the seller too.
    let id = state["order"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let page = p.alice.client.get(&format!("/orders/{id}"));
    assert!(page.body.contains("invoice 42"), "seller's order page");
    // And the key was used.
    let keys = p.bob.client.get_json("/account").json();
    assert!(keys["api_keys"][0]["last_used_at"].is_string(), "{keys}");
    assert!(keys["api_keys"][0].get("key").is_none());
}

fn a_used_spend_id_with_another_amount_is_4001_naming_amount(world: &World) {
    let p = pair(&world.server, "conflict");
    let r = spend(&p.bob.client, &p.key, &spend_body(&p, Some("c-1"), "12.50"));
    assert_eq!(r.status, 201, "{}", r.body);
    // The same amount written differently is the same spend.
    let r = spend(
        &p.bob.client,
        &p.key,
        &spend_body(&p, Some("c-1"), "0012.5"),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = spend(&p.bob.client, &p.key, &spend_body(&p, Some("c-1"), "13"));
    assert_eq!(r.status, 409, "{}", r.body);
    let e = &r.json()["error"];
    assert_eq!(e["number"], 4001);
    assert_eq!(e["class"], "idempotency");
    assert_eq!(e["field"], "amount");
    assert_eq!(order_count(&p), 1);
}

fn twenty_concurrent_spends_with_one_spend_id_make_one_order(world: &World) {
    let p = pair(&world.server, "race");
    let body = spend_body(&p, Some("race-1"), "20");
    let statuses: Vec<(u16, i64)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|_| {
                s.spawn(|| {
                    let client = Client::new(&world.server.base_url);
                    let r = spend(&client, &p.key, &body);
                    let number = if r.status >= 400 { error_number(&r) } else { 0 };
                    (r.status, number)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or((0, 0)))
            .collect()
    });
    let created = statuses.iter().filter(|s| s.0 == 201).count();
    assert_eq!(created, 1, "{statuses:?}");
    for s in &statuses {
        assert!(
            matches!(s, (201, 0) | (200, 0) | (409, 4002) | (429, 5003)),
            "{statuses:?}"
        );
    }
    assert_eq!(order_count(&p), 1);
}

fn a_zero_spend_is_a_test_order_and_calls_no_provider(world: &World) {
    let server = &world.server;
    let p = pair(server, "zero");
    let before = (
        titles(&p.alice),
        titles(&p.bob),
        isin_cents(&p.alice),
        psp_cents(server, &p.alice),
        psp_cents(server, &p.bob),
    );
    let r = spend(&p.bob.client, &p.key, &spend_body(&p, Some("z-1"), "0"));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(psp_calls(&r), Some(0), "{:?}", r.header("server-timing"));
    let j = r.json();
    assert_eq!(j["order"]["code"], 1);
    assert_eq!(j["order"]["status"], "test");
    assert!(j["approval_url"].is_null());
    let after = (
        titles(&p.alice),
        titles(&p.bob),
        isin_cents(&p.alice),
        psp_cents(server, &p.alice),
        psp_cents(server, &p.bob),
    );
    assert_eq!(before, after);
}

fn a_zero_spend_of_a_lost_spend_id_answers_its_state(world: &World) {
    let p = pair(&world.server, "probe");
    let r = spend(&p.bob.client, &p.key, &spend_body(&p, Some("lost-1"), "15"));
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["order"]["id"].clone();
    let probe = spend(&p.bob.client, &p.key, &spend_body(&p, Some("lost-1"), "0"));
    assert_eq!(probe.status, 200, "{}", probe.body);
    let j = probe.json();
    assert_eq!(j["order"]["id"], id);
    assert_eq!(j["state"], "done");
    assert_eq!(j["order"]["code"], 0);
    assert_eq!(order_count(&p), 1);
}

fn the_issues_amounts_are_read_exactly_or_numbered(world: &World) {
    let p = pair(&world.server, "amounts");
    for (amount, status, number) in [
        ("0012.50", 201, 0),
        ("12.5", 201, 0),
        ("1.005", 422, 1002),
        ("-1", 422, 1001),
        ("1e3", 422, 1001),
        ("1,5", 422, 1001),
        (" 1", 422, 1001),
        ("99999999999999999999999999999999999999.5", 422, 3002),
    ] {
        let r = spend(&p.bob.client, &p.key, &spend_body(&p, None, amount));
        assert_eq!(r.status, status, "{amount:?}: {}", r.body);
        if number != 0 {
            assert_eq!(error_number(&r), number, "{amount:?}");
            assert_eq!(r.json()["error"]["field"], "amount");
        } else {
            assert_eq!(r.json()["order"]["amount"], "12.50", "{amount:?}");
        }
    }
}

fn root_of(r: &Resp) -> String {
    let body = r
        .body
        .trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    body.split([' ', '>'])
        .next()
        .unwrap_or("")
        .trim_start_matches('<')
        .to_string()
}

fn every_primitive_answers_in_xml(world: &World) {
    let p = pair(&world.server, "xml");
    let auth = bearer(&p.key);
    let xml = "application/xml";
    let body = format!(
        "<spend version=\"1\"><spend_id>x-1</spend_id><payer>{}</payer><isin>{}</isin>\
         <amount>11</amount><currency>EUR</currency><description>a &amp; b</description></spend>",
        p.bob.email, p.isin
    );
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", xml),
        ("Accept", xml),
    ];
    let r = p
        .bob
        .client
        .send("POST", "/api/v1/spends", &headers, Some(body.as_bytes()));
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.header("content-type").unwrap_or("").starts_with(xml));
    assert!(
        r.body
            .contains("<spend spec=\"1.0\" primitive=\"spend/1\">"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("<description>a &amp; b</description>"),
        "{}",
        r.body
    );
    let id = r
        .body
        .split("<id>")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or("")
        .to_string();
    assert_eq!(id.len(), 12, "{}", r.body);
    for (path, root) in [
        ("/api/v1/spends/x-1".to_string(), "spend"),
        ("/api/v1/orders".to_string(), "orders"),
        (format!("/api/v1/orders/{id}"), "order"),
        ("/api/v1/balance".to_string(), "balance"),
        ("/api/v1/history".to_string(), "history"),
        (format!("/api/v1/titles/{}", p.isin), "title"),
    ] {
        let r = api_get(&p.bob.client, &p.key, &path, xml);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert_eq!(root_of(&r), root, "{path}: {}", r.body);
        assert!(
            r.body.contains(&format!(
                "primitive=\"{}/1\"",
                if root == "orders" { "order" } else { root }
            )),
            "{path}: {}",
            r.body
        );
    }
    let r = p.bob.client.send(
        "POST",
        &format!("/api/v1/orders/{id}/cancel"),
        &headers,
        None,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<code>-1</code>"), "{}", r.body);
    let r = p.bob.client.send(
        "POST",
        &format!("/api/v1/orders/{id}/cancel"),
        &headers,
        None,
    );
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.body.contains(
            "<error spec=\"1.0\" primitive=\"error/1\" number=\"3008\" class=\"refused\">"
        ),
        "{}",
        r.body
    );
    let r = p.bob.client.send(
        "POST",
        "/api/v1/spends",
        &headers,
        Some(b"<spend><amount>1</spend>"),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("number=\"1000\""), "{}", r.body);
}

fn a_revoked_or_missing_key_is_401(world: &World) {
    let bob = register(&world.server, "api-revoke-bob", "100.00");
    let (id, key) = new_key(&bob, "to revoke");
    assert_eq!(
        api_get(&bob.client, &key, "/api/v1/balance", "application/json").status,
        200
    );
    let token = csrf(&bob.client, "/buy");
    let r = bob.client.post_form_with(
        "/account",
        &[
            ("csrf_token", &token),
            ("action", "api_key_revoke"),
            ("id", &id.to_string()),
        ],
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = api_get(&bob.client, &key, "/api/v1/balance", "application/json");
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(error_number(&r), 2001);
    assert_eq!(r.json()["error"]["class"], "authentication");
    let r = bob.client.send("GET", "/api/v1/balance", &[], None);
    assert_eq!((r.status, error_number(&r)), (401, 2001));
    let r = api_get(
        &bob.client,
        "pbk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "/api/v1/balance",
        "application/json",
    );
    assert_eq!((r.status, error_number(&r)), (401, 2001));
}

fn the_key_rate_limit_answers_429_with_retry_after(world: &World) {
    let bob = register(&world.server, "api-rate-bob", "100.00");
    let (_, key) = new_key(&bob, "busy");
    // 120 a minute: past it within one window (a window boundary crossed
    // on the way resets the count once, hence up to twice the budget).
    let limited = (0..241).find_map(|_| {
        let r = api_get(&bob.client, &key, "/api/v1/history", "application/json");
        (r.status == 429).then_some(r)
    });
    let r = limited.unwrap_or_else(|| panic!("never limited"));
    assert_eq!(error_number(&r), 5003);
    assert_eq!(r.json()["error"]["class"], "temporary");
    let retry: i64 = r
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!((1..=60).contains(&retry), "{retry}");
}

fn only_bearer_api_posts_skip_the_cross_site_check(world: &World) {
    let p = pair(&world.server, "origin");
    let auth = bearer(&p.key);
    let evil = ("Origin", "https://evil.example");
    let body = spend_body(&p, None, "0").to_string();
    let r = p.bob.client.send(
        "POST",
        "/api/v1/spends",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
            evil,
        ],
        Some(body.as_bytes()),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = p.bob.client.send(
        "POST",
        "/api/v1/spends",
        &[("Content-Type", "application/json"), evil],
        Some(body.as_bytes()),
    );
    assert_eq!(r.status, 403, "{}", r.body);
    let r = p
        .bob
        .client
        .send("POST", "/buy", &[("Authorization", &auth), evil], Some(b""));
    assert_eq!(r.status, 403, "{}", r.body);
}
