//! Steps many tests share: an emulated PayPal account, a registered client,
//! a logged-in browser, the mailbox.

use crate::harness::{unique_email, Client, Resp, Server};

/// An account of the PayPal emulator, as its JSON gives it.
#[derive(Clone, Debug)]
pub struct PaypalAccount {
    pub email: String,
    pub payer_id: String,
    pub api_username: String,
    pub api_password: String,
    pub api_signature: String,
}

pub fn paypal_account(server: &Server, email: &str, balance: &str) -> PaypalAccount {
    let r = server.client().post_form_with(
        "/_emulator/paypal/accounts",
        &[("email", email), ("balance", balance)],
        &[("Accept", "application/json")],
    );
    assert!(
        r.status == 201 || r.status == 200,
        "emulator account: {} {}",
        r.status,
        r.body
    );
    let j = r.json();
    let s = |k: &str| j[k].as_str().unwrap_or_default().to_string();
    PaypalAccount {
        email: s("email"),
        payer_id: s("payer_id"),
        api_username: s("api_username"),
        api_password: s("api_password"),
        api_signature: s("api_signature"),
    }
}

/// This browser's CSRF token (from the JSON form endpoint).
pub fn csrf(client: &Client, path: &str) -> String {
    let r = client.get_json(path);
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.json()["csrf_token"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

pub const PASSWORD: &str = "correct horse battery";

/// Posts the register form.
pub fn post_register(
    client: &Client,
    email: &str,
    password: &str,
    account: &PaypalAccount,
) -> Resp {
    let token = csrf(client, "/register");
    client.post_form(
        "/register",
        &[
            ("csrf_token", &token),
            ("email", email),
            ("password", password),
            ("api_username", &account.api_username),
            ("api_password", &account.api_password),
            ("api_signature", &account.api_signature),
            ("accept_terms", "on"),
        ],
    )
}

/// A registered, signed-in client with its own PayPal account.
pub struct Member {
    pub client: Client,
    pub email: String,
    pub paypal: PaypalAccount,
}

pub fn register(server: &Server, prefix: &str, balance: &str) -> Member {
    register_with_paypal(server, server, prefix, balance)
}

/// Registers on `server` with an account of the emulator on `paypal`.
pub fn register_with_paypal(
    server: &Server,
    paypal: &Server,
    prefix: &str,
    balance: &str,
) -> Member {
    let email = unique_email(prefix);
    let paypal = paypal_account(paypal, &format!("pp-{email}"), balance);
    let client = server.client();
    let r = post_register(&client, &email, PASSWORD, &paypal);
    assert_eq!(r.status, 303, "register: {}", r.body);
    Member {
        client,
        email,
        paypal,
    }
}

pub fn login(client: &Client, email: &str, password: &str) -> Resp {
    let token = csrf(client, "/login");
    client.post_form(
        "/login",
        &[
            ("csrf_token", &token),
            ("email", email),
            ("password", password),
        ],
    )
}

/// The mailbox's messages to one address, newest first.
pub fn mails_to(server: &Server, to: &str) -> Vec<serde_json::Value> {
    let r = server.client().get_json(&format!(
        "/_emulator/mail?to={}",
        to.replace('@', "%40").replace('+', "%2B")
    ));
    assert_eq!(r.status, 200);
    r.json()["messages"].as_array().cloned().unwrap_or_default()
}
