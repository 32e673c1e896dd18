//! Privacy and retention (issue 14, item 12) and the spec's leftovers of
//! item 13b, end to end: what each party of an order sees of PayPal's
//! answers, reset links out of the outbox once sent, raw PayPal data purged
//! after `RETENTION_DAYS` by the cron, the e-mail footer, the risk notice
//! beside "continue to PayPal", a refused form shown again, and the trace
//! headers and emulator pages in French.

use paybook::core::i18n::{EN, FR};

use crate::flows::{csrf, login, mails_to, register, Member, PASSWORD};
use crate::harness::{apply_migrations, fresh_state_dir, Server};
use crate::purchase::{buy_on, post_buy, titles};
use crate::reconciler::{advance, own_server};
use crate::sandbox::mail_api;
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "privacy::each_party_sees_only_its_allow_listed_part_of_the_paypal_answers",
            each_party_sees_only_its_allow_listed_part_of_the_paypal_answers,
        ),
        (
            "privacy::after_retention_days_the_cron_blanks_raw_ipns_and_trace_fields_and_the_order_page_still_renders",
            after_retention_days_the_cron_blanks_raw_ipns_and_trace_fields_and_the_order_page_still_renders,
        ),
        (
            "privacy::a_reset_link_delivered_on_write_is_in_the_emulator_mailbox_but_not_in_the_outbox",
            a_reset_link_delivered_on_write_is_in_the_emulator_mailbox_but_not_in_the_outbox,
        ),
        (
            "privacy::a_reset_link_sent_through_the_mail_api_leaves_the_outbox_once_sent",
            a_reset_link_sent_through_the_mail_api_leaves_the_outbox_once_sent,
        ),
        (
            "privacy::every_email_carries_the_operator_name_and_contact",
            every_email_carries_the_operator_name_and_contact,
        ),
        (
            "privacy::an_order_awaiting_payment_shows_the_risk_notice_beside_continue",
            an_order_awaiting_payment_shows_the_risk_notice_beside_continue,
        ),
        (
            "privacy::a_429_on_login_shows_the_form_again_with_the_typed_email",
            a_429_on_login_shows_the_form_again_with_the_typed_email,
        ),
        (
            "privacy::a_403_on_buy_shows_the_form_again_with_what_was_typed",
            a_403_on_buy_shows_the_form_again_with_what_was_typed,
        ),
        (
            "privacy::a_413_on_register_shows_the_empty_form_and_asks_to_type_again",
            a_413_on_register_shows_the_empty_form_and_asks_to_type_again,
        ),
        (
            "privacy::the_trace_headers_are_in_french_with_lang_fr",
            the_trace_headers_are_in_french_with_lang_fr,
        ),
        (
            "privacy::the_emulator_pages_are_in_french",
            the_emulator_pages_are_in_french,
        ),
    ]
}

fn run_cron(server: &Server) {
    let r = server.client().get("/__scheduled?cron=*/5+*+*+*+*");
    assert_eq!(r.status, 200, "cron: {}", r.body);
}

fn deliver_ipns(server: &Server) {
    let r = server.client().post_form_with(
        "/_emulator/paypal/ipn/deliver",
        &[],
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 200, "deliver: {}", r.body);
}

/// A paid order between two members whose PayPal notification was
/// delivered, so that its trace holds SetExpressCheckout,
/// DoExpressCheckoutPayment and GetTransactionDetails: (seller, buyer,
/// order id, EC token).
fn paid_and_notified(server: &Server, label: &str) -> (Member, Member, String, String) {
    let seller = register(server, &format!("{label}-s"), "10.00");
    let buyer = register(server, &format!("{label}-b"), "10.00");
    let isin = titles(&seller)[0].0.clone();
    let order = buy_on(server, &buyer, &isin, "1.00", "100");
    assert_eq!(order["code"], 2, "{order}");
    deliver_ipns(server);
    let id = order["id"].as_str().unwrap_or("").to_string();
    let token: String = server
        .db()
        .query_row("SELECT psp_token FROM orders WHERE id = ?1", [&id], |r| {
            r.get(0)
        })
        .expect("the order has its EC token");
    (seller, buyer, id, token)
}

/// Everything the platform stored of PayPal's answers for an order.
fn stored_answers(server: &Server, id: &str) -> String {
    server
        .db()
        .query_row(
            "SELECT group_concat(operation || ' ' || request || ' ' || COALESCE(response, ''), '\n') \
             FROM psp_traces WHERE order_id = ?1",
            [id],
            |r| r.get::<_, Option<String>>(0),
        )
        .expect("traces")
        .unwrap_or_default()
}

fn each_party_sees_only_its_allow_listed_part_of_the_paypal_answers(_world: &World) {
    let server = own_server("privacy-view");
    let (seller, buyer, id, token) = paid_and_notified(&server, "pv");
    // The test means something only if PayPal's answers hold it all.
    let stored = stored_answers(&server, &id);
    for (what, text) in [
        ("seller's PayPal e-mail", seller.paypal.email.as_str()),
        ("payer's PayPal e-mail", buyer.paypal.email.as_str()),
        ("payer id", buyer.paypal.payer_id.as_str()),
        ("fee", "FEEAMT"),
        ("token", token.as_str()),
        ("country", "COUNTRYCODE"),
    ] {
        assert!(
            stored.contains(text),
            "stored answers hold the {what}: {stored}"
        );
    }
    let path = format!("/orders/{id}");
    let buyer_json = buyer.client.get_json(&path);
    let buyer_html = buyer.client.get(&path);
    assert_eq!((buyer_json.status, buyer_html.status), (200, 200));
    let methods: Vec<String> = buyer_json.json()["trace"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t["method"].as_str().map(str::to_string))
        .collect();
    assert!(
        methods.iter().any(|m| m == "GetTransactionDetails")
            && methods.iter().any(|m| m == "DoExpressCheckoutPayment"),
        "{methods:?}"
    );
    for (page, body) in [("JSON", &buyer_json.body), ("HTML", &buyer_html.body)] {
        for (what, text) in [
            ("seller's PayPal e-mail", seller.paypal.email.as_str()),
            ("seller's fee", "FEEAMT"),
            ("EC token", token.as_str()),
        ] {
            assert!(
                !body.contains(text),
                "buyer's {page} shows the {what}: {body}"
            );
        }
    }
    let txn = buyer_json.json()["psp_transaction_id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(!txn.is_empty());
    let seller_json = seller.client.get_json(&path);
    let seller_html = seller.client.get(&path);
    assert_eq!((seller_json.status, seller_html.status), (200, 200));
    assert_eq!(seller_json.json()["role"], "seller");
    for (page, body) in [("JSON", &seller_json.body), ("HTML", &seller_html.body)] {
        for (what, text) in [
            ("payer's PayPal e-mail", buyer.paypal.email.as_str()),
            ("payer id", buyer.paypal.payer_id.as_str()),
            ("payer's country", "COUNTRYCODE"),
            ("payer status", "PAYERSTATUS"),
            ("EC token", token.as_str()),
        ] {
            assert!(
                !body.contains(text),
                "seller's {page} shows the {what}: {body}"
            );
        }
        assert!(body.contains(&txn), "both see the transaction id ({page})");
        assert!(
            body.contains("FEEAMT"),
            "the seller sees his own fee ({page})"
        );
    }
}

fn after_retention_days_the_cron_blanks_raw_ipns_and_trace_fields_and_the_order_page_still_renders(
    _world: &World,
) {
    let server = own_server("privacy-retention");
    let (_, buyer, id, _) = paid_and_notified(&server, "ret");
    // The rows stored by the purchase itself: later cron runs add their
    // own (the scheduled re-reads of the payment), which are recent.
    let db = server.db();
    let last = |table: &str| -> i64 {
        db.query_row(
            &format!("SELECT COALESCE(MAX(id), 0) FROM {table}"),
            [],
            |r| r.get(0),
        )
        .expect("max id")
    };
    let (last_notification, last_trace, last_receipt) = (
        last("psp_notifications"),
        last("psp_traces"),
        last("psp_ipn_receipts"),
    );
    drop(db);
    let raw = |server: &Server| -> (i64, i64, i64) {
        let db = server.db();
        let bodies: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM psp_notifications WHERE order_id = ?1 AND body <> '' \
                 AND id <= ?2",
                rusqlite::params![&id, last_notification],
                |r| r.get(0),
            )
            .expect("notifications");
        let fields: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM psp_traces WHERE order_id = ?1 \
                 AND (response IS NOT NULL OR request <> '' OR request_wire IS NOT NULL \
                 OR response_wire IS NOT NULL) AND id <= ?2",
                rusqlite::params![&id, last_trace],
                |r| r.get(0),
            )
            .expect("traces");
        // The listener's raw bytes (this server's only IPNs are this order's).
        let receipts: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM psp_ipn_receipts WHERE length(body) > 0 AND id <= ?1",
                [last_receipt],
                |r| r.get(0),
            )
            .expect("receipts");
        (bodies, fields, receipts)
    };
    let (bodies, fields, receipts) = raw(&server);
    assert!(
        bodies >= 1 && fields >= 3 && receipts >= 1,
        "raw data stored: {bodies} {fields} {receipts}"
    );
    let before = buyer.client.get_json(&format!("/orders/{id}")).json();
    advance(&server, 399 * 86_400);
    run_cron(&server);
    assert_eq!(
        raw(&server),
        (bodies, fields, receipts),
        "399 days: within RETENTION_DAYS (400), nothing purged"
    );
    advance(&server, 2 * 86_400);
    run_cron(&server);
    assert_eq!(
        raw(&server),
        (0, 0, 0),
        "401 days: raw IPN bodies and bytes, and trace fields, purged"
    );
    // The ledger and the order page are untouched (a new session: the old
    // one expired while the clock moved).
    let r = login(&buyer.client, &buyer.email, PASSWORD);
    assert_eq!(r.status, 303, "{}", r.body);
    let after = buyer.client.get_json(&format!("/orders/{id}"));
    assert_eq!(after.status, 200, "{}", after.body);
    let after = after.json();
    for key in ["code", "status", "amount", "psp_transaction_id", "isin"] {
        assert_eq!(after[key], before[key], "{key}");
    }
    let neutral = |j: &serde_json::Value| -> Vec<String> {
        j["trace"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|t| {
                format!(
                    "{} {} {} {}",
                    t["method"], t["ack"], t["correlation_id"], t["at"]
                )
            })
            .collect()
    };
    // The purchase's traces come first (by id); the cron's later re-reads
    // of the payment follow them.
    let (after, before_trace) = (neutral(&after), neutral(&before));
    assert_eq!(
        after.get(..before_trace.len()),
        Some(before_trace.as_slice()),
        "the trace's neutral columns stay"
    );
    let page = buyer.client.get_json(&format!("/orders/{id}")).json();
    assert!(page["trace"][0]["fields"].is_null(), "{page}");
    let html = buyer.client.get(&format!("/orders/{id}"));
    assert_eq!(html.status, 200);
    assert!(html.body.contains("DoExpressCheckoutPayment"));
}

/// Asks for a reset link for `member` on `server`.
fn ask_reset(member: &Member) {
    let token = csrf(&member.client, "/login");
    let r = member.client.post_form(
        "/password-reset",
        &[("csrf_token", &token), ("email", &member.email)],
    );
    assert_eq!(r.status, 200, "{}", r.body);
}

fn outbox_bodies(server: &Server, to: &str) -> Vec<String> {
    let db = server.db();
    let mut st = db
        .prepare("SELECT body FROM outbox WHERE to_email = ?1")
        .expect("outbox");
    let rows = st
        .query_map([to], |r| r.get::<_, String>(0))
        .expect("rows")
        .map(|r| r.expect("row"))
        .collect();
    rows
}

fn a_reset_link_delivered_on_write_is_in_the_emulator_mailbox_but_not_in_the_outbox(world: &World) {
    let member = register(&world.server, "reset-local", "1.00");
    ask_reset(&member);
    let mails = mails_to(&world.server, &member.email);
    let body = mails
        .first()
        .and_then(|m| m["body"].as_str())
        .unwrap_or("")
        .to_string();
    assert!(
        body.contains("/password-reset/"),
        "the mailbox shows the link: {body}"
    );
    let stored = outbox_bodies(&world.server, &member.email);
    assert_eq!(stored.len(), 1, "one e-mail in the outbox");
    assert!(
        stored.iter().all(|b| !b.contains("/password-reset/")),
        "the outbox keeps no link: {stored:?}"
    );
}

fn a_reset_link_sent_through_the_mail_api_leaves_the_outbox_once_sent(_world: &World) {
    let mail = mail_api();
    let state = fresh_state_dir("privacy-mail-api").expect("state");
    apply_migrations(&state).expect("migrations");
    let server = Server::start(
        state,
        &[
            ("MAIL_API_URL", &mail.url),
            ("MAIL_FROM", "paybook@example.org"),
            ("MAIL_API_KEY", "mail-api-key"),
            ("OPERATOR_NAME", "Mail API Operator"),
            ("CONTACT_EMAIL", "mail-api-contact@example.net"),
        ],
    )
    .expect("server");
    let member = register(&server, "reset-api", "1.00");
    ask_reset(&member);
    let pending = outbox_bodies(&server, &member.email);
    assert!(
        pending.iter().any(|b| b.contains("/password-reset/")),
        "waiting to be sent: {pending:?}"
    );
    run_cron(&server);
    let received = mail.received.lock().map(|r| r.clone()).unwrap_or_default();
    let sent = received
        .iter()
        .find(|m| m.contains(&member.email))
        .cloned()
        .unwrap_or_default();
    assert!(sent.contains("/password-reset/"), "sent: {received:?}");
    assert!(
        sent.contains("Mail API Operator") && sent.contains("mail-api-contact@example.net"),
        "the footer goes out with it: {sent}"
    );
    let stored = outbox_bodies(&server, &member.email);
    assert!(
        stored.iter().all(|b| !b.contains("/password-reset/")),
        "sent: the outbox keeps no link: {stored:?}"
    );
}

fn every_email_carries_the_operator_name_and_contact(_world: &World) {
    let state = fresh_state_dir("privacy-footer").expect("state");
    apply_migrations(&state).expect("migrations");
    let server = Server::start(
        state,
        &[
            ("OPERATOR_NAME", "Footer Test Operator"),
            ("CONTACT_EMAIL", "footer-contact@example.net"),
        ],
    )
    .expect("server");
    let seller = register(&server, "footer-s", "10.00");
    let buyer = register(&server, "footer-b", "10.00");
    let isin = titles(&seller)[0].0.clone();
    assert_eq!(buy_on(&server, &buyer, &isin, "1.00", "100")["code"], 2);
    ask_reset(&buyer);
    let sale = mails_to(&server, &seller.email);
    let reset = mails_to(&server, &buyer.email);
    assert!(!sale.is_empty() && !reset.is_empty());
    for mail in sale.iter().chain(reset.iter()) {
        let body = mail["body"].as_str().unwrap_or("");
        assert!(
            body.contains("Footer Test Operator") && body.contains("footer-contact@example.net"),
            "{body}"
        );
    }
}

fn an_order_awaiting_payment_shows_the_risk_notice_beside_continue(world: &World) {
    let seller = register(&world.server, "risk-s", "10.00");
    let buyer = register(&world.server, "risk-b", "10.00");
    let isin = titles(&seller)[0].0.clone();
    assert_eq!(post_buy(&buyer, &isin, "1.00", "100").status, 303);
    let id = buyer.client.get_json("/orders").json()["orders"][0]["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let page = buyer.client.get(&format!("/orders/{id}?lang=en"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"continue\""), "{}", page.body);
    let risk = askama_escape(EN.risk_notice);
    let continue_at = page.body.find("id=\"continue\"").unwrap_or(0);
    let risk_at = page.body.find(&risk);
    assert!(
        risk_at.is_some_and(|at| at > continue_at),
        "the risk notice follows the continue button: {}",
        page.body
    );
}

/// A text as askama writes it in HTML.
fn askama_escape(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

fn a_429_on_login_shows_the_form_again_with_the_typed_email(world: &World) {
    let member = register(&world.server, "login-429", "1.00");
    let client = world.server.client();
    let mut last = None;
    for _ in 0..60 {
        let token = csrf(&client, "/login");
        let r = client.post_form(
            "/login?lang=fr",
            &[
                ("csrf_token", &token),
                ("email", &member.email),
                ("password", "not the password"),
            ],
        );
        if r.status == 429 {
            last = Some(r);
            break;
        }
        assert_eq!(r.status, 422, "{}", r.body);
    }
    let r = last.expect("the login rate limit answers 429");
    assert!(
        r.body.contains("name=\"password\""),
        "the form again: {}",
        r.body
    );
    assert!(
        r.body.contains(&format!("value=\"{}\"", member.email)),
        "with the e-mail typed: {}",
        r.body
    );
    assert!(
        r.body.contains(&askama_escape(FR.error_rate_limited)),
        "the reason, in the user's language: {}",
        r.body
    );
    assert!(!r.body.contains("not the password"), "never the password");
}

fn a_403_on_buy_shows_the_form_again_with_what_was_typed(world: &World) {
    let buyer = register(&world.server, "buy-403", "10.00");
    let r = buyer.client.post_form(
        "/buy",
        &[
            ("csrf_token", "forged"),
            ("isin", "ZZ0000000001"),
            ("amount", "3.21"),
            ("profit_rate", "42"),
        ],
    );
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.body.contains("name=\"amount\""),
        "the form again: {}",
        r.body
    );
    for typed in ["value=\"ZZ0000000001\"", "value=\"3.21\"", "value=\"42\""] {
        assert!(r.body.contains(typed), "{typed} kept: {}", r.body);
    }
    assert!(r.body.contains(&askama_escape(EN.error_csrf)), "{}", r.body);
}

/// A body over 16 KiB is not read (that is the limit's point): the form
/// comes back empty, with the reason and a request to type it again.
fn a_413_on_register_shows_the_empty_form_and_asks_to_type_again(world: &World) {
    let client = world.server.client();
    let token = csrf(&client, "/register");
    let padding = "x".repeat(20_000);
    let r = client.post_form(
        "/register?lang=fr",
        &[
            ("csrf_token", &token),
            ("email", "too-large@example.org"),
            ("api_username", &padding),
        ],
    );
    assert_eq!(r.status, 413, "{}", r.body);
    assert!(
        r.body.contains("name=\"api_username\""),
        "the form again: {}",
        r.body
    );
    assert!(
        r.body.contains(&askama_escape(FR.error_too_large)),
        "the reason in French: {}",
        r.body
    );
    assert!(
        r.body
            .contains(&askama_escape("Ce que vous avez saisi n'a pas pu être lu")),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains("too-large@example.org"),
        "nothing read back"
    );
}

fn the_trace_headers_are_in_french_with_lang_fr(world: &World) {
    let seller = register(&world.server, "trace-fr-s", "10.00");
    let buyer = register(&world.server, "trace-fr-b", "10.00");
    let isin = titles(&seller)[0].0.clone();
    let order = buy_on(&world.server, &buyer, &isin, "1.00", "100");
    let id = order["id"].as_str().unwrap_or("");
    let page = buyer.client.get(&format!("/orders/{id}?lang=fr"));
    assert_eq!(page.status, 200);
    for header in [
        "Méthode",
        "Résultat (ACK)",
        "Codes d'erreur",
        "Identifiant de corrélation",
        "Champs visibles pour vous",
    ] {
        assert!(
            page.body
                .contains(&format!("<th>{}</th>", askama_escape(header))),
            "{header}: {}",
            page.body
        );
    }
    assert!(!page.body.contains("<th>Method</th>"), "{}", page.body);
}

fn the_emulator_pages_are_in_french(world: &World) {
    let seller = register(&world.server, "emu-fr-s", "10.00");
    let buyer = register(&world.server, "emu-fr-b", "10.00");
    let isin = titles(&seller)[0].0.clone();
    assert_eq!(buyer.client.get("/market?lang=fr").status, 200);
    let r = post_buy(&buyer, &isin, "1.00", "100");
    assert_eq!(r.status, 303, "{}", r.body);
    let checkout = crate::purchase::local(r.header("location").unwrap_or_default());
    let page = buyer.client.get(&checkout);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Payer avec PayPal"), "{}", page.body);
    assert!(
        page.body
            .contains(&askama_escape("PayPal émulé, pas d'argent réel"))
            && !page.body.contains("Emulated PayPal, no real money"),
        "the banner in French only: {}",
        page.body
    );
    let accounts = buyer.client.get("/_emulator/paypal/accounts?lang=fr");
    assert_eq!(accounts.status, 200);
    assert!(
        accounts
            .body
            .contains(&askama_escape("Émulateur PayPal : comptes"))
            && !accounts.body.contains("Create / Créer"),
        "{}",
        accounts.body
    );
    let mail = buyer.client.get("/_emulator/mail?lang=fr");
    assert!(
        mail.body.contains(&askama_escape("Boîte aux lettres"))
            && !mail.body.contains("Mailbox / Boîte"),
        "{}",
        mail.body
    );
}
