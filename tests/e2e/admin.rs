//! The back office's lists end to end (backoffice.md §1, §2; issue 19): a
//! non-operator gets 404 on every `/admin` route; the operator follows the
//! payments with their totals; a day's export carries the same rows in
//! CSV, XML and JSON (a field with a comma, quotes and accents included);
//! an outbox retry is in the audit log.

use std::sync::Mutex;

use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::{json, Value};

use crate::api::{new_key, spend};
use crate::flows::{csrf, login, paypal_account, post_register, register, Member, PASSWORD};
use crate::harness::{self, Client, Resp, Server};
use crate::purchase::{approve, buy, local, titles};
use crate::refusals::{approved_order, order_of, payment_fault};
use crate::{Test, World};

/// The operator of every test server (`ADMIN_EMAILS` in `start_world`,
/// which spells it out).
pub const OPERATOR: &str = "operator@example.org";

pub fn tests() -> Vec<Test> {
    vec![
        ("admin::non_operators_get_404_on_every_admin_route_get_and_post", non_operators_get_404_on_every_admin_route_get_and_post),
        ("admin::the_operator_sees_payments_unmasked_with_totals_and_a_bad_filter_is_a_400_keeping_it", the_operator_sees_payments_unmasked_with_totals_and_a_bad_filter_is_a_400_keeping_it),
        ("admin::a_days_export_has_the_same_rows_in_csv_xml_and_json", a_days_export_has_the_same_rows_in_csv_xml_and_json),
        ("admin::an_outbox_retry_makes_the_mail_due_and_is_in_the_audit_log", an_outbox_retry_makes_the_mail_due_and_is_in_the_audit_log),
    ]
}

/// Whether the shared server's operator is registered yet.
static SHARED_OPERATOR: Mutex<bool> = Mutex::new(false);

/// Registers [`OPERATOR`] on `server`; the browser is signed in.
fn register_operator(server: &Server) -> Client {
    let client = server.client();
    let account = paypal_account(server, &format!("pp-{OPERATOR}"), "10.00");
    let r = post_register(&client, OPERATOR, PASSWORD, &account);
    assert_eq!(r.status, 303, "operator: {}", r.body);
    client
}

/// A browser of the shared server signed in as the operator.
fn operator(world: &World) -> Client {
    let mut registered = SHARED_OPERATOR.lock().unwrap_or_else(|e| e.into_inner());
    if !*registered {
        *registered = true;
        return register_operator(&world.server);
    }
    let client = world.server.client();
    assert_eq!(login(&client, OPERATOR, PASSWORD).status, 303);
    client
}

const ADMIN_PATHS: [&str; 10] = [
    "/admin",
    "/admin/",
    "/admin/payments",
    "/admin/orders/o-any",
    "/admin/titles",
    "/admin/titles?disputed=1",
    "/admin/titles/ZZ0000000008",
    "/admin/outbox",
    "/admin/audit",
    "/admin/export?date=2026-12-02&format=csv",
];

/// Every admin path answers 404, GET (HTML and JSON) and POST, after
/// `round_trips` D1 round trips (the session lookup, if any: nothing else
/// is read).
fn assert_all_404(client: &Client, token: &str, who: &str, round_trips: i64) {
    for path in ADMIN_PATHS {
        for accept in ["text/html", "application/json"] {
            let r = client.get_with(path, &[("Accept", accept)]);
            assert_eq!(r.status, 404, "{who} GET {path} ({accept}): {}", r.body);
            assert_eq!(d1_round_trips(&r), Some(round_trips), "{who} GET {path}");
        }
        let r = client.post_form(
            path,
            &[
                ("csrf_token", token),
                ("action", "retry"),
                ("id", "1"),
                ("reason", "x"),
            ],
        );
        assert_eq!(r.status, 404, "{who} POST {path}: {}", r.body);
    }
}

fn non_operators_get_404_on_every_admin_route_get_and_post(world: &World) {
    let stranger = world.server.client();
    let token = csrf(&stranger, "/login");
    assert_all_404(&stranger, &token, "signed out", 0);
    let client = register(&world.server, "admin-plain", "10.00");
    let token = csrf(&client.client, "/buy");
    assert_all_404(&client.client, &token, "a plain client", 1);
    // The same routes exist: the operator is answered.
    let op = operator(world);
    // The same routes exist: the operator is answered, in two D1 round
    // trips (the session, then one batch).
    for path in ["/admin/payments", "/admin/outbox", "/admin/audit"] {
        let r = op.get(path);
        assert_eq!(r.status, 200, "operator GET {path}");
        assert_eq!(d1_round_trips(&r), Some(2), "operator GET {path}");
    }
}

/// The D1 round trips a response reports (`Server-Timing`, emulator mode).
fn d1_round_trips(r: &Resp) -> Option<i64> {
    let header = r.header("server-timing")?;
    let part = header.split(',').find(|p| p.trim().starts_with("d1;"))?;
    part.split("dur=").nth(1)?.trim().parse().ok()
}

/// `GET path` as JSON; asserts the status.
fn get_json(client: &Client, path: &str, status: u16) -> Value {
    let r = client.get_json(path);
    assert_eq!(r.status, status, "{path}: {}", r.body);
    r.json()
}

fn q(text: &str) -> String {
    text.replace('@', "%40").replace('+', "%2B")
}

fn the_operator_sees_payments_unmasked_with_totals_and_a_bad_filter_is_a_400_keeping_it(
    world: &World,
) {
    let alice = register(&world.server, "admin-pay-a", "10.00");
    let bob = register(&world.server, "admin-pay-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let order = buy(world, &bob, &isin, "1.00", "100");
    assert_eq!(order["code"], 2, "{order}");
    let op = operator(world);
    let page = get_json(&op, &format!("/admin/payments?q={}", q(&bob.email)), 200);
    let rows = page["payments"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 1, "{page}");
    let row = &rows[0];
    assert_eq!(row["order"], order["id"]);
    assert_eq!(
        (row["buyer"].as_str(), row["seller"].as_str()),
        (Some(bob.email.as_str()), Some(alice.email.as_str())),
        "unmasked e-mails: {row}"
    );
    assert_eq!(
        (
            row["isin"].as_str(),
            row["psp"].as_str(),
            row["amount"].as_str()
        ),
        (Some(isin.as_str()), Some("paypal"), Some("1.00"))
    );
    assert_eq!(
        (row["code"].as_str(), row["status"].as_str()),
        (Some("2"), Some("processed"))
    );
    assert_eq!(row["provider_ref"], order["psp_transaction_id"]);
    assert_eq!(
        page["totals"],
        json!([{"currency": "EUR", "count": 1, "amount": "1.00"}])
    );
    let failed = get_json(
        &op,
        &format!("/admin/payments?status=failed&q={}", q(&bob.email)),
        200,
    );
    assert_eq!(failed["payments"], json!([]));
    assert_eq!(failed["totals"], json!([]));
    let by_day = &row["created_at"].as_str().unwrap_or("")[..10];
    let dated = get_json(
        &op,
        &format!(
            "/admin/payments?from={by_day}&to={by_day}&psp=paypal&status=processed&q={}",
            q(&alice.email)
        ),
        200,
    );
    assert_eq!(
        dated["payments"].as_array().map(Vec::len),
        Some(1),
        "{dated}"
    );
    let html = op.get(&format!("/admin/payments?q={}&lang=en", q(&bob.email)));
    assert!(
        html.body.contains(&bob.email) && html.body.contains("1 payments: 1.00 EUR"),
        "{}",
        html.body
    );

    // Bad filters: 400, said in the user's language, what was typed kept.
    let bad = op.get("/admin/payments?from=2026-13-01&q=zz%3Cb%3E&lang=fr");
    assert_eq!(bad.status, 400);
    assert!(
        bad.body
            .contains("« Du » doit être une date écrite AAAA-MM-JJ."),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("value=\"2026-13-01\""), "{}", bad.body);
    assert!(
        !bad.body.contains("zz<b>")
            && (bad.body.contains("zz&#60;b&#62;") || bad.body.contains("zz&lt;b&gt;")),
        "the search kept, escaped: {}",
        bad.body
    );
    let bad = get_json(&op, "/admin/payments?status=paid", 400);
    assert_eq!(
        (bad["error"].as_str(), bad["field"].as_str()),
        (Some("invalid_status"), Some("status"))
    );
    assert_eq!(bad["filters"]["status"], "paid");
    let bad = get_json(
        &op,
        "/admin/payments?from=2026-12-02&to=2026-12-01&lang=en",
        400,
    );
    assert_eq!(bad["message"], "\"To\" must not be before \"From\".");
}

/// RFC 4180 records (a parser of the test's own).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "CRLF ends a record");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "the file ends with CRLF"
    );
    records
}

/// Each `<payment>`'s children as (name, text).
fn parse_xml(text: &str) -> Vec<Vec<(String, String)>> {
    let mut reader = Reader::from_str(text);
    let (mut payments, mut current, mut value) = (Vec::new(), None::<Vec<(String, String)>>, None);
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).to_string();
                if name == "payment" {
                    current = Some(Vec::new());
                } else if current.is_some() {
                    value = Some((name, String::new()));
                }
            }
            Event::Text(t) => {
                if let Some((_, v)) = value.as_mut() {
                    v.push_str(&t.decode().expect("text"));
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().expect("reference") {
                    Some(c) => c.to_string(),
                    None => {
                        quick_xml::escape::resolve_predefined_entity(&r.decode().expect("name"))
                            .expect("a predefined entity")
                            .to_string()
                    }
                };
                if let Some((_, v)) = value.as_mut() {
                    v.push_str(&resolved);
                }
            }
            Event::End(e) => {
                if let (Some(v), Some(p)) = (value.take(), current.as_mut()) {
                    p.push(v);
                } else if e.local_name().as_ref() == b"payment" {
                    payments.extend(current.take());
                }
            }
            Event::Eof => return payments,
            _ => {}
        }
    }
}

const DESCRIPTION: &str = "Facture n°42, \"urgent\" — café";

/// Bob pays Alice through an API spend carrying [`DESCRIPTION`].
fn spend_with_description(world: &World, alice: &Member, bob: &Member) -> String {
    let isin = titles(alice)[0].0.clone();
    let (_, key) = new_key(bob, "export");
    let body = json!({"spend_id": "export-1", "payer": bob.email, "payee": alice.email,
        "isin": isin, "amount": "1.00", "currency": "EUR", "description": DESCRIPTION});
    let r = spend(&bob.client, &key, &body);
    assert_eq!(r.status, 201, "{}", r.body);
    let url = r.json()["approval_url"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let back = approve(&bob.client, &url, bob);
    assert_eq!(bob.client.get(&local(&back)).status, 303);
    let order = order_of(bob);
    assert_eq!(order["code"], 2, "{order}");
    let _ = world;
    order["id"].as_str().unwrap_or_default().to_string()
}

/// Bob pays Alice, then Alice refunds it all at PayPal: charged back.
fn charged_back(world: &World, alice: &Member, bob: &Member) -> String {
    let isin = titles(alice)[0].0.clone();
    let order = buy(world, bob, &isin, "1.00", "100");
    let txn = order["psp_transaction_id"].as_str().unwrap_or_default();
    let r = world.server.client().post_form_with(
        &format!("/_emulator/paypal/transactions/{txn}/reverse"),
        &[("status", "Refunded")],
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 200, "refund: {}", r.body);
    let r = world.server.client().post_form_with(
        "/_emulator/paypal/ipn/deliver",
        &[],
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 200, "deliver: {}", r.body);
    let id = order["id"].as_str().unwrap_or_default().to_string();
    let now = bob.client.get_json(&format!("/orders/{id}")).json();
    assert_eq!(now["code"], -3, "charged back: {now}");
    id
}

/// Bob's payment is refused by PayPal (10417): the order failed.
fn failed(world: &World, alice: &Member, bob: &Member) -> String {
    let isin = titles(alice)[0].0.clone();
    let (_, back, token) = approved_order(bob, &isin, "1.00");
    payment_fault(&world.server, &token, ("error_code", "10417"));
    assert_eq!(bob.client.get(&local(&back)).status, 303);
    let order = order_of(bob);
    assert_eq!(order["code"], -2, "{order}");
    order["id"].as_str().unwrap_or_default().to_string()
}

fn a_days_export_has_the_same_rows_in_csv_xml_and_json(world: &World) {
    let pair = |tag: &str| {
        (
            register(&world.server, &format!("admin-x{tag}-a"), "10.00"),
            register(&world.server, &format!("admin-x{tag}-b"), "10.00"),
        )
    };
    let (a1, b1) = pair("1");
    let (a2, b2) = pair("2");
    let (a3, b3) = pair("3");
    let ids = [
        spend_with_description(world, &a1, &b1),
        charged_back(world, &a2, &b2),
        failed(world, &a3, &b3),
    ];
    let op = operator(world);
    let listed = get_json(&op, &format!("/admin/payments?q={}", ids[1]), 200);
    let day = listed["payments"][0]["updated_at"]
        .as_str()
        .unwrap_or("")
        .get(..10)
        .unwrap_or("")
        .to_string();
    let path = |format: &str| format!("/admin/export?date={day}&format={format}");

    let csv = op.get(&path("csv"));
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert_eq!(d1_round_trips(&csv), Some(2), "the session, the day");
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        csv.header("content-disposition"),
        Some(format!("attachment; filename=\"paybook-payments-{day}.csv\"").as_str())
    );
    assert!(
        csv.body
            .contains(",\"Facture n°42, \"\"urgent\"\" — café\"\r\n"),
        "{}",
        csv.body
    );
    let xml = op.get(&path("xml"));
    assert_eq!(xml.status, 200);
    assert_eq!(
        xml.header("content-type"),
        Some("application/xml; charset=utf-8")
    );
    let json = op.get(&path("json"));
    assert_eq!(json.status, 200);
    let json = json.json();

    let records = parse_csv(&csv.body);
    let header = records[0].clone();
    let from_csv: Vec<Vec<String>> = records[1..].to_vec();
    let from_xml: Vec<Vec<String>> = parse_xml(&xml.body)
        .into_iter()
        .map(|p| {
            assert_eq!(p.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(), header);
            p.into_iter().map(|(_, v)| v).collect()
        })
        .collect();
    let from_json: Vec<Vec<String>> = json["payments"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|p| {
            header
                .iter()
                .map(|c| p[c].as_str().unwrap_or("<missing>").to_string())
                .collect()
        })
        .collect();
    assert_eq!(from_csv, from_xml, "CSV and XML");
    assert_eq!(from_csv, from_json, "CSV and JSON");
    assert_eq!(json["count"].as_u64(), Some(from_csv.len() as u64));

    // Our three orders are there, each once, as the payments page shows them.
    let column = |name: &str| header.iter().position(|c| c == name).expect(name);
    for (id, code) in ids.iter().zip(["2", "-3", "-2"]) {
        let rows: Vec<&Vec<String>> = from_csv
            .iter()
            .filter(|r| r[column("order")] == *id)
            .collect();
        assert_eq!(rows.len(), 1, "order {id} once in the export");
        assert_eq!(rows[0][column("code")], code, "{id}");
        let page = get_json(&op, &format!("/admin/payments?q={id}"), 200);
        let shown = &page["payments"][0];
        let as_page: Vec<String> = header
            .iter()
            .map(|c| shown[c].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(&as_page, rows[0], "the same columns as /admin/payments");
    }
    let described = from_csv
        .iter()
        .find(|r| r[column("order")] == ids[0])
        .expect("spend");
    assert_eq!(described[column("description")], DESCRIPTION);
    assert_eq!(described[column("buyer")], b1.email);

    // A bad request is a 400 in the user's language.
    let bad = op.get("/admin/export?date=2026-02-30&format=csv&lang=fr");
    assert_eq!(bad.status, 400);
    assert!(
        bad.body.contains("L&#39;export demande un jour")
            || bad.body.contains("export demande un jour"),
        "{}",
        bad.body
    );
    assert_eq!(
        get_json(&op, &format!("/admin/export?date={day}&format=xls"), 400)["error"],
        "invalid_format"
    );
}

fn an_outbox_retry_makes_the_mail_due_and_is_in_the_audit_log(_world: &World) {
    // A server whose mail goes to an API (nowhere): e-mails wait in the outbox.
    let state = harness::fresh_state_dir("admin-outbox").expect("state");
    harness::apply_migrations(&state).expect("migrations");
    let server = Server::start(
        state,
        &[
            ("ADMIN_EMAILS", OPERATOR),
            ("MAIL_API_URL", "http://127.0.0.1:9/send"),
            ("MAIL_FROM", "paybook@example.org"),
        ],
    )
    .expect("server");
    let alice = register(&server, "admin-mail-a", "10.00");
    let bob = register(&server, "admin-mail-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let (_, back, _) = approved_order(&bob, &isin, "1.00");
    assert_eq!(bob.client.get(&local(&back)).status, 303);
    let op = register_operator(&server);
    let outbox = get_json(&op, "/admin/outbox", 200);
    let mail = outbox["outbox"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .find(|m| m["to"] == alice.email.as_str())
        .unwrap_or_else(|| panic!("the seller's mail waits: {outbox}"));
    assert_eq!(mail["status"], "pending");
    assert!(mail.get("body").is_none(), "bodies are never shown");
    let id = mail["id"].as_i64().unwrap_or(0).to_string();
    // The JSON list gives the token its form needs.
    let token = outbox["csrf_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(token, csrf(&op, "/buy"));

    let r = op.post_form(
        "/admin/outbox?lang=fr",
        &[
            ("csrf_token", &token),
            ("action", "retry"),
            ("id", &id),
            ("reason", "  "),
        ],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Indiquez un motif"), "{}", r.body);
    let r = op.post_form(
        "/admin/outbox",
        &[("action", "retry"), ("id", &id), ("reason", "x")],
    );
    assert_eq!(r.status, 403, "no CSRF token");
    let reason = "mail API back, <b>\"resend\"</b>";
    let r = op.post_form(
        "/admin/outbox",
        &[
            ("csrf_token", &token),
            ("action", "retry"),
            ("id", &id),
            ("reason", reason),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some(format!("/admin/outbox?retried={id}").as_str())
    );
    assert_eq!(
        d1_round_trips(&r),
        Some(3),
        "the session, the mail, the retry with its audit entry"
    );
    assert_eq!(
        op.post_form(
            "/admin/outbox",
            &[
                ("csrf_token", &token),
                ("action", "retry"),
                ("id", "999999"),
                ("reason", "x")
            ]
        )
        .status,
        404
    );

    let audit = get_json(&op, &format!("/admin/audit?target=outbox:{id}"), 200);
    let entry = &audit["entries"][0];
    assert_eq!(entry["action"], "outbox_retry", "{audit}");
    assert_eq!(entry["operator"], OPERATOR);
    assert_eq!(entry["reason"], reason);
    assert_eq!(entry["before"]["status"], "pending");
    assert_eq!(entry["after"]["status"], "pending");
    assert!(entry["after"]["next_attempt_at"].is_string(), "{entry}");
    let page = op.get("/admin/audit?lang=en");
    assert!(
        page.body.contains("outbox_retry") && page.body.contains(&format!("outbox:{id}")),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("<b>\"resend\"</b>"),
        "the reason is escaped"
    );
    // A plain client sees none of it.
    assert_eq!(alice.client.get("/admin/audit").status, 404);
}
