//! The provider-neutral shape of the platform (issue 15, item 4): every
//! order says which provider it is paid with (`"psp"`), each provider's
//! return, cancel and notification live under `/psp/{provider}/`, PayPal's
//! notification keeps its old address (`/psp/paypal/ipn`, its NOTIFYURL)
//! beside the neutral one, and an unknown provider is 404 and recorded
//! nowhere.

use crate::flows::register;
use crate::harness::Server;
use crate::ipn_listener::{message_with, pending_then_completed, states};
use crate::purchase::titles;
use crate::refusals::order_of;
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "providers::a_created_order_says_it_is_paid_with_paypal_in_every_json_view",
            a_created_order_says_it_is_paid_with_paypal_in_every_json_view,
        ),
        (
            "providers::an_ipn_posted_to_psp_paypal_notify_completes_a_pending_payment",
            an_ipn_posted_to_psp_paypal_notify_completes_a_pending_payment,
        ),
        (
            "providers::psp_paypal_notify_answers_a_cross_site_ipn_as_psp_paypal_ipn_does",
            psp_paypal_notify_answers_a_cross_site_ipn_as_psp_paypal_ipn_does,
        ),
        (
            "providers::an_unknown_provider_is_404_and_its_notification_is_not_recorded",
            an_unknown_provider_is_404_and_its_notification_is_not_recorded,
        ),
    ]
}

fn a_created_order_says_it_is_paid_with_paypal_in_every_json_view(world: &World) {
    let alice = register(&world.server, "psp-json-a", "10.00");
    let bob = register(&world.server, "psp-json-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let order = crate::purchase::buy(world, &bob, &isin, "1.00", "100");
    assert_eq!(order["psp"], "paypal", "GET /orders/{{id}}: {order}");
    for member in [&alice, &bob] {
        let list = member.client.get_json("/orders").json();
        let orders = list["orders"].as_array().cloned().unwrap_or_default();
        assert!(!orders.is_empty(), "{list}");
        for o in orders {
            assert_eq!(o["psp"], "paypal", "GET /orders: {o}");
        }
    }
}

fn post_ipn_to(server: &Server, path: &str, body: &[u8]) -> u16 {
    server
        .client()
        .post_raw(path, "application/x-www-form-urlencoded", body)
        .status
}

fn an_ipn_posted_to_psp_paypal_notify_completes_a_pending_payment(world: &World) {
    let server = &world.server;
    let alice = register(server, "psp-notify-a", "10.00");
    let bob = register(server, "psp-notify-b", "10.00");
    let txn = pending_then_completed(server, &alice, &bob);
    let body = message_with(server, &txn, "Completed")["body"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(order_of(&bob)["code"], 0, "still pending");
    assert_eq!(
        post_ipn_to(server, "/psp/paypal/notify", body.as_bytes()),
        200
    );
    let order = order_of(&bob);
    assert_eq!(order["code"], 2, "completed by the IPN: {order}");
    assert_eq!(states(server, &body), ["verified"]);
}

/// The number of notification receipts recorded so far.
fn receipts(server: &Server) -> i64 {
    server
        .db()
        .query_row("SELECT COUNT(*) FROM psp_ipn_receipts", [], |r| r.get(0))
        .unwrap_or(-1)
}

fn psp_paypal_notify_answers_a_cross_site_ipn_as_psp_paypal_ipn_does(world: &World) {
    // PayPal is another site: its POST is not refused as a browser's
    // cross-site form would be. A body missing every IPN field is recorded
    // unreadable by both routes, with the same answer.
    let server = &world.server;
    let cross_site = [
        ("Origin", "https://ipnpb.paypal.com"),
        ("Sec-Fetch-Site", "cross-site"),
    ];
    let mut answers = Vec::new();
    for path in ["/psp/paypal/ipn", "/psp/paypal/notify"] {
        let probe = format!("psp-cross-site-{}", path.len());
        let r = server
            .client()
            .post_form_with(path, &[("probe", &probe)], &cross_site);
        assert_ne!(r.status, 403, "{path}: {}", r.body);
        assert_eq!(
            states(server, &format!("probe={probe}")),
            ["unreadable"],
            "{path}"
        );
        answers.push(r.status);
    }
    assert_eq!(answers, [200, 200], "acknowledged: unreadable for good");
}

fn an_unknown_provider_is_404_and_its_notification_is_not_recorded(world: &World) {
    let server = &world.server;
    let client = server.client();
    for path in [
        "/psp/nope/return?token=EC-0&PayerID=P",
        "/psp/nope/cancel?token=EC-0",
    ] {
        assert_eq!(client.get(path).status, 404, "{path}");
    }
    let before = receipts(server);
    assert_eq!(
        post_ipn_to(
            server,
            "/psp/nope/notify",
            b"txn_id=nope&payment_status=Completed"
        ),
        404
    );
    assert_eq!(receipts(server), before, "nothing recorded");
}
