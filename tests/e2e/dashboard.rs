//! The operator's dashboard, the daily report and the price chart end to
//! end (issue 19): `GET /admin` counts purchases and is 404 to anyone
//! else; the cron mails the report once per UTC day however often it runs;
//! `/titles/{isin}` draws the title's value over time with a text
//! alternative, in both languages.

use serde_json::Value;

use crate::flows::{login, mails_to, paypal_account, post_register, register, Member, PASSWORD};
use crate::harness::{apply_migrations, fresh_state_dir, Client, Resp, Server};
use crate::purchase::{buy, buy_on, titles};
use crate::reconciler::{advance, run_cron};
use crate::{Test, World};

/// The operator of `start_world` (`ADMIN_EMAILS`).
pub const OPERATOR: &str = "operator@paybook.test";

pub fn tests() -> Vec<Test> {
    vec![
        (
            "dashboard::the_dashboard_counts_purchases_and_is_404_to_anyone_else",
            the_dashboard_counts_purchases_and_is_404_to_anyone_else,
        ),
        (
            "dashboard::the_daily_report_is_mailed_once_a_day_even_when_the_cron_runs_twice",
            the_daily_report_is_mailed_once_a_day_even_when_the_cron_runs_twice,
        ),
        (
            "dashboard::the_title_page_draws_its_price_chart_with_a_text_alternative_in_both_languages",
            the_title_page_draws_its_price_chart_with_a_text_alternative_in_both_languages,
        ),
    ]
}

/// The operator signed in on `server`: registered, or signed in when
/// another test registered him first (same password).
fn operator(server: &Server) -> Client {
    let client = server.client();
    let account = paypal_account(
        server,
        &format!("pp-{}", crate::harness::unique_email("op")),
        "10.00",
    );
    let r = post_register(&client, OPERATOR, PASSWORD, &account);
    if r.status != 303 {
        let r = login(&client, OPERATOR, PASSWORD);
        assert_eq!(r.status, 303, "operator login: {}", r.body);
    }
    client
}

/// D1 round trips of one answer, from its `Server-Timing` header.
fn d1_round_trips(r: &Resp) -> Option<u32> {
    r.header("server-timing")?
        .split(',')
        .map(str::trim)
        .find(|part| part.starts_with("d1;"))?
        .rsplit("dur=")
        .next()?
        .trim()
        .parse()
        .ok()
}

/// Today's processed orders paid with PayPal in `currency`, per the dashboard.
fn processed_today(dashboard: &Value) -> i64 {
    dashboard["periods"]["today"]["orders"]
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .filter(|l| l["status"] == "processed" && l["psp"] == "paypal")
                .filter_map(|l| l["orders"].as_i64())
                .sum()
        })
        .unwrap_or(0)
}

fn the_dashboard_counts_purchases_and_is_404_to_anyone_else(world: &World) {
    let server = &world.server;
    let admin = operator(server);
    let before = admin.get_json("/admin");
    assert_eq!(before.status, 200, "{}", before.body);
    let before = before.json();
    let alice = register(server, "dash-a", "10.00");
    let bob = register(server, "dash-b", "10.00");
    let carol = register(server, "dash-c", "10.00");
    let isin = titles(&alice)[0].0.clone();
    assert_eq!(buy(world, &bob, &isin, "1.00", "100")["code"], 2);
    assert_eq!(buy(world, &carol, &isin, "1.50", "0")["code"], 2);
    let after = admin.get_json("/admin");
    assert_eq!(
        d1_round_trips(&after),
        Some(2),
        "the gate's session, then one batch"
    );
    let after = after.json();
    assert!(
        processed_today(&after) >= processed_today(&before) + 2,
        "{before} then {after}"
    );
    for period in ["today", "7_days", "30_days"] {
        let paid = &after["periods"][period]["paid"];
        assert!(
            paid.as_array()
                .is_some_and(|p| p.iter().any(|c| c["currency"] == "EUR")),
            "{period}: {paid}"
        );
    }
    let waiting = &after["waiting"];
    for key in [
        "orders_unresolved",
        "notifications_unresolved",
        "outbox_waiting",
        "outbox_failed",
    ] {
        assert!(waiting[key].as_i64().is_some(), "{key}: {waiting}");
    }
    assert!(waiting["ledger_head"]["hash"]
        .as_str()
        .is_some_and(|h| h.len() == 64));
    let page = admin.get("/admin?lang=fr");
    assert_eq!(page.status, 200);
    for link in [
        "/admin/payments",
        "/admin/titles?disputed=1",
        "/admin/outbox",
        "/admin/audit",
    ] {
        assert!(page.body.contains(&format!("href=\"{link}\"")), "{link}");
    }
    assert!(page.body.contains("Tête du registre"), "French page");
    // Not an operator, or signed out: no back office at all.
    assert_eq!(bob.client.get_json("/admin").status, 404);
    assert_eq!(bob.client.get("/admin").status, 404);
    assert_eq!(server.client().get("/admin").status, 404);
}

fn reports(server: &Server) -> Vec<Value> {
    mails_to(server, OPERATOR)
        .into_iter()
        .filter(|m| {
            m["subject"]
                .as_str()
                .is_some_and(|s| s.contains("daily report"))
        })
        .collect()
}

fn the_daily_report_is_mailed_once_a_day_even_when_the_cron_runs_twice(_world: &World) {
    let state = fresh_state_dir("daily-report").expect("state");
    apply_migrations(&state).expect("migrations");
    let server = Server::start(state, &[("ADMIN_EMAILS", OPERATOR)]).expect("server");
    operator(&server);
    let alice = register(&server, "rep-a", "10.00");
    let bob: Member = register(&server, "rep-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let order = buy_on(&server, &bob, &isin, "1.00", "10");
    assert_eq!(order["code"], 2, "{order}");
    // Today's runs report yesterday, once.
    run_cron(&server);
    run_cron(&server);
    assert_eq!(reports(&server).len(), 1);
    // Tomorrow's runs report today, with the purchase, once.
    advance(&server, 86_400);
    run_cron(&server);
    run_cron(&server);
    let mails = reports(&server);
    assert_eq!(mails.len(), 2, "{mails:?}");
    let body = mails[0]["body"].as_str().unwrap_or_default();
    assert!(
        body.contains("processed · paypal · 1 orders · 1.00 EUR"),
        "{body}"
    );
    assert!(body.contains("Ledger head: entry "), "{body}");
    assert!(body.contains("/admin"), "{body}");
}

fn the_title_page_draws_its_price_chart_with_a_text_alternative_in_both_languages(world: &World) {
    let server = &world.server;
    let alice = register(server, "chart-a", "10.00");
    let bob = register(server, "chart-b", "10.00");
    let carol = register(server, "chart-c", "10.00");
    let isin = titles(&alice)[0].0.clone();
    // Issued at 1.00, sold whole (2.00 after), then split (0.50 left).
    assert_eq!(buy(world, &bob, &isin, "1.00", "100")["code"], 2);
    assert_eq!(buy(world, &carol, &isin, "1.50", "0")["code"], 2);
    let path = format!("/titles/{isin}");
    let values = server.client().get_json(&path).json()["values"].clone();
    let cents: Vec<&str> = values
        .as_array()
        .map(|v| v.iter().filter_map(|p| p["value"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(cents, ["1.00", "2.00", "0.50"], "{values}");
    let en = server.client().get(&format!("{path}?lang=en"));
    assert_eq!(en.status, 200);
    assert_eq!(
        d1_round_trips(&en),
        Some(1),
        "the chart shares the page's batch"
    );
    // (Without `?lang=`, whose choice a signed-in client's page stores
    // first.)
    let signed_in = bob.client.get(&path);
    assert_eq!(
        d1_round_trips(&signed_in),
        Some(1),
        "with the session lookup"
    );
    assert!(
        en.body
            .contains("<svg role=\"img\" aria-labelledby=\"price-chart-title price-chart-desc\""),
        "{}",
        en.body
    );
    assert!(en
        .body
        .contains("<title id=\"price-chart-title\">Declared value over time</title>"));
    assert!(en
        .body
        .contains("<desc id=\"price-chart-desc\">3 values, from 1.00 EUR on "));
    assert!(en.body.contains("<polyline points=\""));
    assert!(en.body.contains("<th>Declared value</th>"));
    // The chart is drawn on the server: its section holds no script (the
    // page's one script is the forms' checks, deferred, from this site).
    let chart = en
        .body
        .split("<section class=\"price-chart\">")
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .unwrap_or_default();
    assert!(!chart.is_empty(), "{}", en.body);
    assert!(!chart.contains("<script"), "no JavaScript in the chart");
    assert_eq!(
        en.body.matches("<script").count(),
        en.body.matches("<script src=\"/static/forms.js?v=").count(),
        "{}",
        en.body
    );
    let fr = server.client().get(&format!("{path}?lang=fr"));
    assert!(fr
        .body
        .contains("<title id=\"price-chart-title\">Valeur déclarée dans le temps</title>"));
    assert!(fr
        .body
        .contains("<desc id=\"price-chart-desc\">3 valeurs, de 1,00 EUR le "));
    assert!(
        fr.body.contains("<td>2,00 EUR</td>"),
        "French amounts in the table"
    );
}
