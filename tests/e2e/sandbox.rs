//! Production code paths against doubles on localhost: a deployment in
//! sandbox mode whose PayPal URLs point at another deployment's emulator
//! (the spec's URL overrides exist for exactly this), so that the NVP
//! client's HTTP transport, the checkout redirect and the IPN postback run
//! over real HTTP; and the outbox sent through an HTTP mail API double.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use crate::flows::{csrf, register_with_paypal, PASSWORD};
use crate::harness::{apply_migrations, fresh_state_dir, Server};
use crate::purchase::{approve, local, post_buy, titles};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        ("sandbox::a_sandbox_deployment_pays_through_paypal_over_http_and_mails_through_the_mail_api", a_sandbox_deployment_pays_through_paypal_over_http_and_mails_through_the_mail_api),
    ]
}

/// A mail API double: answers 200 to every POST and keeps what it got.
pub struct MailApi {
    pub url: String,
    pub received: Arc<Mutex<Vec<String>>>,
}

pub fn mail_api() -> MailApi {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut head = String::new();
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                head.push_str(&line);
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            if let Ok(mut all) = store.lock() {
                all.push(format!("{head}\n{}", String::from_utf8_lossy(&body)));
            }
            let mut stream = reader.into_inner();
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        }
    });
    MailApi {
        url: format!("http://127.0.0.1:{port}/emails"),
        received,
    }
}

fn a_sandbox_deployment_pays_through_paypal_over_http_and_mails_through_the_mail_api(
    world: &World,
) {
    let paypal = &world.server.base_url;
    let mail = mail_api();
    let state = fresh_state_dir("sandbox-http").expect("state");
    apply_migrations(&state).expect("migrations");
    let nvp = format!("{paypal}/_emulator/paypal/nvp");
    let checkout = format!("{paypal}/_emulator/paypal/checkout");
    let verify = format!("{paypal}/_emulator/paypal/ipn-verify");
    let sandbox = Server::start(
        state,
        &[
            ("PSP_MODE", "sandbox"),
            ("SESSION_SECRET", "sandbox-session-secret-0123456789abcdef"),
            ("CREDENTIALS_KEY", "sandbox-credentials-key-0123456789"),
            ("PASSWORD_PEPPER", "sandbox-password-pepper-0123456789"),
            ("PAYPAL_NVP_URL", &nvp),
            ("PAYPAL_CHECKOUT_URL", &checkout),
            ("PAYPAL_IPN_VERIFY_URL", &verify),
            ("MAIL_API_URL", &mail.url),
            ("MAIL_FROM", "paybook@example.org"),
            ("MAIL_API_KEY", "mail-api-key"),
        ],
    )
    .expect("sandbox server");
    // Accounts live in the emulator; registration checks them over HTTP.
    let alice = register_with_paypal(&sandbox, &world.server, "sbx-alice", "10.00");
    let bob = register_with_paypal(&sandbox, &world.server, "sbx-bob", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let r = post_buy(&bob, &isin, "1.00", "100");
    assert_eq!(r.status, 303, "{}", r.body);
    let to_paypal = r.header("location").unwrap_or_default().to_string();
    assert!(
        to_paypal.starts_with(&checkout),
        "sent to PAYPAL_CHECKOUT_URL: {to_paypal}"
    );
    let paypal_browser = world.server.client();
    let back = approve(&paypal_browser, &to_paypal, &bob);
    assert!(
        back.starts_with(&sandbox.base_url),
        "PayPal sends the buyer back to the deployment: {back}"
    );
    let r = bob.client.get(&local(&back));
    assert_eq!(r.status, 303);
    let order = bob
        .client
        .get_json(r.header("location").unwrap_or("/"))
        .json();
    assert_eq!(order["code"], 2, "paid through PayPal over HTTP: {order}");
    // The IPN reaches the sandbox deployment over HTTP (as PayPal would
    // post it), and is believed only after the postback over HTTP.
    let txn = order["psp_transaction_id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let sent = world
        .server
        .client()
        .get_json(&format!("/_emulator/paypal/ipn?txn_id={txn}"))
        .json();
    let list = sent
        .as_array()
        .cloned()
        .or_else(|| sent["messages"].as_array().cloned())
        .unwrap_or_default();
    let body = list
        .iter()
        .find_map(|m| m["body"].as_str().map(str::to_string))
        .expect("IPN queued");
    let r = sandbox.client().post_raw(
        "/psp/paypal/ipn",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
    );
    assert_eq!(r.status, 200);
    let outcome: String = sandbox
        .db()
        .query_row(
            "SELECT outcome FROM psp_notifications WHERE transaction_id = ?1",
            [&txn],
            |row| row.get(0),
        )
        .expect("verified and recorded");
    assert_eq!(outcome, "nothing_to_change");
    // The seller's e-mail and the buyer's receipt wait in the outbox until
    // the cron sends them through the mail API, each with its outbox id as
    // idempotency key.
    assert!(sandbox.client().get("/_emulator/mail").status == 404);
    let health = sandbox.client().get("/healthz").json();
    assert_eq!(health["outbox_backlog"], 2, "{health}");
    assert_eq!(
        sandbox.client().get("/__scheduled?cron=*/5+*+*+*+*").status,
        200
    );
    let received = mail.received.lock().map(|r| r.clone()).unwrap_or_default();
    assert_eq!(received.len(), 2, "{received:?}");
    for request in &received {
        let request = request.to_ascii_lowercase();
        assert!(request.starts_with("post /emails"));
        assert!(request.contains("authorization: bearer mail-api-key"));
        assert!(request.contains("idempotency-key: paybook-"));
    }
    assert!(
        received
            .iter()
            .any(|r| r.contains(&alice.email) && r.contains(&isin)),
        "the seller's e-mail: {received:?}"
    );
    assert!(
        received
            .iter()
            .any(|r| r.contains(&bob.email) && r.to_ascii_lowercase().contains("receipt")),
        "the buyer's receipt: {received:?}"
    );
    let health = sandbox.client().get("/healthz").json();
    assert_eq!(health["outbox_backlog"], 0);
    // Sessions and CSRF work with the configured secrets.
    let token = csrf(&alice.client, "/login");
    assert!(!token.is_empty());
    let _ = PASSWORD;
}
