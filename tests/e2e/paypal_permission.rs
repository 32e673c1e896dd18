//! PayPal without sellers' API passwords (issue 20), end to end on a
//! deployment switched to `PAYPAL_SELLER_AUTH=permission`: it first ran
//! with stored credentials (one seller registered so), then restarted in
//! permission mode on the same database, as an operator would switch. One
//! such server serves every test here (started on first use, stopped with
//! the world). Sellers register with their PayPal e-mail only, after
//! granting the platform's API username the permissions on the emulator.

use serde_json::Value;

use crate::flows::{csrf, login, mails_to, paypal_account, post_register, Member, PASSWORD};
use crate::harness::{apply_migrations, fresh_state_dir, unique_email, Client, Resp, Server};
use crate::purchase::{approve, buy_on, isin_cents, local, post_buy, psp_cents, titles};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "paypal_permission::acceptance_series_with_sellers_registered_by_email_only",
            acceptance_series_with_sellers_registered_by_email_only,
        ),
        (
            "paypal_permission::no_table_holds_a_secret_of_a_seller_by_permission",
            no_table_holds_a_secret_of_a_seller_by_permission,
        ),
        (
            "paypal_permission::registration_names_the_missing_permission_in_both_languages",
            registration_names_the_missing_permission_in_both_languages,
        ),
        (
            "paypal_permission::a_paypal_email_receiving_for_another_member_is_refused_on_its_own_field",
            a_paypal_email_receiving_for_another_member_is_refused_on_its_own_field,
        ),
        (
            "paypal_permission::a_permission_revoked_before_the_return_fails_the_order_and_moves_no_money",
            a_permission_revoked_before_the_return_fails_the_order_and_moves_no_money,
        ),
        (
            "paypal_permission::a_seller_moving_to_a_grant_has_his_stored_secrets_deleted",
            a_seller_moving_to_a_grant_has_his_stored_secrets_deleted,
        ),
        (
            "paypal_permission::the_emulator_allows_subject_calls_only_within_the_grants",
            the_emulator_allows_subject_calls_only_within_the_grants,
        ),
    ]
}

/// The permission-mode deployment and the seller who registered with
/// stored credentials before the switch.
pub struct PermissionWorld {
    pub server: Server,
    pub legacy_email: String,
    pub legacy_paypal: crate::flows::PaypalAccount,
}

fn world(world: &World) -> &PermissionWorld {
    world.paypal_permission.get_or_init(|| {
        let state = fresh_state_dir("paypal-permission").expect("state");
        apply_migrations(&state).expect("migrations");
        // First with stored credentials (the default), one seller...
        let before = Server::start(state.clone(), &[]).expect("credentials-mode server");
        let legacy_email = unique_email("legacy");
        let legacy_paypal = paypal_account(&before, &format!("pp-{legacy_email}"), "0.00");
        let r = post_register(&before.client(), &legacy_email, PASSWORD, &legacy_paypal);
        assert_eq!(r.status, 303, "register with credentials: {}", r.body);
        drop(before);
        // ...then the operator switches the deployment.
        let server = Server::start(state, &[("PAYPAL_SELLER_AUTH", "permission")])
            .expect("permission-mode server");
        PermissionWorld {
            server,
            legacy_email,
            legacy_paypal,
        }
    })
}

/// The platform's API username, as the emulator shows it.
fn platform(server: &Server) -> String {
    let r = server.client().get_json("/_emulator/paypal/platform");
    assert_eq!(r.status, 200, "{}", r.body);
    let name = r.json()["api_username"].as_str().unwrap_or("").to_string();
    assert!(name.contains("_api1."), "{}", r.body);
    name
}

/// `POST /_emulator/paypal/permissions` (JSON), scopes comma-separated
/// (empty: all).
fn permissions(server: &Server, email: &str, action: &str, scopes: &str) -> Value {
    let api_username = platform(server);
    let mut form = vec![
        ("email", email),
        ("api_username", api_username.as_str()),
        ("action", action),
    ];
    if !scopes.is_empty() {
        form.push(("scopes", scopes));
    }
    let r = server.client().post_form_with(
        "/_emulator/paypal/permissions",
        &form,
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 200, "permissions: {}", r.body);
    r.json()
}

fn post_register_by_email(client: &Client, email: &str, paypal_email: &str) -> Resp {
    let token = csrf(client, "/register");
    client.post_form(
        "/register",
        &[
            ("csrf_token", &token),
            ("email", email),
            ("password", PASSWORD),
            ("psp", "paypal"),
            ("paypal_email", paypal_email),
            ("accept_terms", "on"),
        ],
    )
}

/// A member whose emulated PayPal account granted the platform every
/// permission, registered with its e-mail only.
fn member_by_permission(server: &Server, prefix: &str, balance: &str) -> Member {
    let email = unique_email(prefix);
    let paypal = paypal_account(server, &format!("pp-{email}"), balance);
    permissions(server, &paypal.email, "grant", "");
    let client = server.client();
    let r = post_register_by_email(&client, &email, &paypal.email);
    assert_eq!(r.status, 303, "register by e-mail: {}", r.body);
    Member {
        client,
        email,
        paypal,
    }
}

fn acceptance_series_with_sellers_registered_by_email_only(w: &World) {
    let server = &world(w).server;
    let alice = member_by_permission(server, "p-alice", "100.00");
    let bob = member_by_permission(server, "p-bob", "100.00");
    let alice_title = titles(&alice)[0].0.clone();
    // (amount, rate, payer, seller, buyer's ISIN gain, seller's ISIN loss)
    let cases = [
        ("1.00", "100", &bob, &alice, 200, 100), // equal: the title passes
        ("1.50", "50", &alice, &bob, 225, 150),  // less: split, seller keeps 0.50
        ("1.00", "0", &alice, &bob, 100, 50),    // higher: the title passes
    ];
    for (amount, rate, buyer, seller, gain_cents, loss_cents) in cases {
        let x_cents = paybook::core::money::Amount::parse_decimal(amount).map_or(0, |a| a.cents());
        let (buyer_psp, seller_psp) = (psp_cents(server, buyer), psp_cents(server, seller));
        let (buyer_isin, seller_isin) = (isin_cents(buyer), isin_cents(seller));
        let order = buy_on(server, buyer, &alice_title, amount, rate);
        assert_eq!(order["code"], 2, "{amount}: {order}");
        assert_eq!(
            psp_cents(server, buyer),
            buyer_psp - x_cents,
            "buyer paid X"
        );
        assert_eq!(
            psp_cents(server, seller),
            seller_psp + x_cents,
            "X landed in the seller's own PayPal account"
        );
        assert_eq!(isin_cents(buyer), buyer_isin + gain_cents, "{amount}");
        assert_eq!(isin_cents(seller), seller_isin - loss_cents, "{amount}");
        let mail = &mails_to(server, &seller.email)[0];
        assert!(
            mail["subject"]
                .as_str()
                .unwrap_or("")
                .contains(&alice_title),
            "{mail}"
        );
        let body = mail["body"].as_str().unwrap_or("");
        assert!(
            body.contains(&buyer.email) && body.contains(&format!("{amount} EUR")),
            "{body}"
        );
    }
    // The platform's account received nothing: funds land at the sellers.
    let platform_email = paybook::core::psp::paypal::permission::platform_email(&platform(server));
    let r = server.client().get_json(&format!(
        "/_emulator/paypal/accounts?email={}",
        platform_email.replace('@', "%40")
    ));
    assert_eq!(r.json()["balance"], "0.00", "{}", r.body);
}

/// Every text cell of every table of the server's database.
fn every_cell(server: &Server) -> Vec<(String, String)> {
    let db = server.db();
    let mut statement = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .expect("tables");
    let tables: Vec<String> = statement
        .query_map([], |r| r.get(0))
        .expect("tables")
        .filter_map(Result::ok)
        .collect();
    let mut cells = Vec::new();
    for table in tables {
        let Ok(mut select) = db.prepare(&format!("SELECT * FROM \"{table}\"")) else {
            continue;
        };
        let columns = select.column_count();
        let mut rows = select.query([]).expect("rows");
        while let Ok(Some(row)) = rows.next() {
            for i in 0..columns {
                let text = match row.get_ref(i) {
                    Ok(rusqlite::types::ValueRef::Text(t)) => {
                        String::from_utf8_lossy(t).into_owned()
                    }
                    Ok(rusqlite::types::ValueRef::Blob(b)) => {
                        String::from_utf8_lossy(b).into_owned()
                    }
                    _ => continue,
                };
                cells.push((table.clone(), text));
            }
        }
    }
    cells
}

/// The tables of the platform (not the emulator's own, which is PayPal).
fn platform_cells_containing(server: &Server, needle: &str) -> Vec<String> {
    every_cell(server)
        .into_iter()
        .filter(|(table, text)| !table.starts_with("emulator_") && text.contains(needle))
        .map(|(table, _)| table)
        .collect()
}

fn no_table_holds_a_secret_of_a_seller_by_permission(w: &World) {
    let server = &world(w).server;
    let seller = member_by_permission(server, "p-nosecret", "10.00");
    let buyer = member_by_permission(server, "p-nosecret-buyer", "10.00");
    let order = buy_on(server, &buyer, &titles(&seller)[0].0, "1.00", "10");
    assert_eq!(order["code"], 2, "{order}");
    for member in [&seller, &buyer] {
        for secret in [&member.paypal.api_password, &member.paypal.api_signature] {
            assert_eq!(
                platform_cells_containing(server, secret),
                Vec::<String>::new(),
                "a secret of {} is stored",
                member.email
            );
        }
        let (public_ref, sealed): (String, String) = server
            .db()
            .query_row(
                "SELECT a.public_ref, a.sealed_secret FROM psp_accounts a \
                 JOIN clients c ON c.id = a.client_id WHERE c.email = ?1",
                [&member.email],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("his account");
        assert_eq!(
            (public_ref.as_str(), sealed.as_str()),
            (member.paypal.email.as_str(), "")
        );
    }
}

fn registration_names_the_missing_permission_in_both_languages(w: &World) {
    let server = &world(w).server;
    let paypal = paypal_account(server, &unique_email("pp-missing"), "10.00");
    let client = server.client();
    let page = client.get("/register");
    assert!(
        page.body.contains(&platform(server)),
        "the guide names PayBook's API username"
    );
    assert!(page.body.contains("paypal_email") && !page.body.contains("api_signature"));
    // Nothing granted yet.
    let r = post_register_by_email(&client, &unique_email("missing"), &paypal.email);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains(
            "PayPal says this account has granted no permission to PayBook&#39;s API username."
        ),
        "{}",
        r.body
    );
    // Everything but the refund.
    permissions(
        server,
        &paypal.email,
        "grant",
        "EXPRESS_CHECKOUT,TRANSACTION_DETAILS,ACCOUNT_BALANCE",
    );
    let email = unique_email("missing");
    let r = post_register_by_email(&client, &email, &paypal.email);
    assert_eq!(r.status, 422, "{}", r.body);
    let exact = "Your PayPal account has not granted PayBook&#39;s API username this permission: \
                 \u{201c}Issue a refund for a specific transaction\u{201d}. Add it on PayPal (steps above), then try again.";
    assert!(r.body.contains(exact), "{}", r.body);
    assert!(
        r.body.contains(&email) && r.body.contains(&paypal.email),
        "what was typed is kept"
    );
    let fr = server.client();
    fr.get("/register?lang=fr");
    let r = post_register_by_email(&fr, &unique_email("manquante"), &paypal.email);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body
            .contains("\u{201c}Rembourser une transaction donnée\u{201d}. Ajoutez-la sur PayPal"),
        "{}",
        r.body
    );
    // Granted: accepted.
    permissions(server, &paypal.email, "grant", "REFUND");
    let r = post_register_by_email(&client, &email, &paypal.email);
    assert_eq!(r.status, 303, "{}", r.body);
}

/// The e-mail is all a seller by permission types: a PayPal account that
/// already receives for another member is named on that field, in the
/// page's language, with what was typed kept (it spoke of API credentials).
fn a_paypal_email_receiving_for_another_member_is_refused_on_its_own_field(w: &World) {
    let server = &world(w).server;
    let first = member_by_permission(server, "pp-twice", "10.00");
    let email = unique_email("pp-twice-again");
    let r = post_register_by_email(&server.client(), &email, &first.paypal.email);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body
            .contains("This PayPal account already receives payments for another account here."),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains("API credentials are already used"),
        "{}",
        r.body
    );
    assert!(r.body.contains(&email) && r.body.contains(&first.paypal.email));
    let fr = server.client();
    fr.get("/register?lang=fr");
    let r = post_register_by_email(&fr, &email, &first.paypal.email);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body
            .contains("Ce compte PayPal reçoit déjà les paiements d&#39;un autre compte ici."),
        "{}",
        r.body
    );
}

fn a_permission_revoked_before_the_return_fails_the_order_and_moves_no_money(w: &World) {
    let server = &world(w).server;
    let seller = member_by_permission(server, "p-revoked", "10.00");
    let buyer = member_by_permission(server, "p-revoked-buyer", "10.00");
    let isin = titles(&seller)[0].0.clone();
    let (seller_psp, buyer_psp) = (psp_cents(server, &seller), psp_cents(server, &buyer));
    let r = post_buy(&buyer, &isin, "2.00", "10");
    assert_eq!(r.status, 303, "{}", r.body);
    let back = approve(
        &buyer.client,
        r.header("location").unwrap_or_default(),
        &buyer,
    );
    // The seller revokes Express Checkout before the buyer's return.
    permissions(server, &seller.paypal.email, "revoke", "EXPRESS_CHECKOUT");
    let r = buyer.client.get(&local(&back));
    assert_eq!(r.status, 303, "{}", r.body);
    let order = buyer
        .client
        .get_json(r.header("location").unwrap_or_default())
        .json();
    assert_eq!(order["code"], -2, "failed: {order}");
    assert_eq!(psp_cents(server, &seller), seller_psp, "no money moved");
    assert_eq!(psp_cents(server, &buyer), buyer_psp, "no money moved");
    assert_eq!(titles(&seller)[0].0, isin, "the title stayed");
    let status: String = server
        .db()
        .query_row(
            "SELECT a.status FROM psp_accounts a JOIN clients c ON c.id = a.client_id \
             WHERE c.email = ?1 AND a.replaced_at IS NULL",
            [&seller.email],
            |r| r.get(0),
        )
        .expect("account");
    assert_eq!(status, "refused");
    let mail = &mails_to(server, &seller.email)[0];
    assert!(
        mail["subject"]
            .as_str()
            .unwrap_or("")
            .contains("PayPal refuses PayBook's access to your account"),
        "{mail}"
    );
    // His titles cannot be bought until he fixes it.
    assert_ne!(post_buy(&buyer, &isin, "2.00", "10").status, 303);
}

fn a_seller_moving_to_a_grant_has_his_stored_secrets_deleted(w: &World) {
    let pw = world(w);
    let server = &pw.server;
    let (email, paypal) = (&pw.legacy_email, &pw.legacy_paypal);
    let sealed: String = server
        .db()
        .query_row(
            "SELECT a.sealed_secret FROM psp_accounts a JOIN clients c ON c.id = a.client_id \
             WHERE c.email = ?1",
            [email],
            |r| r.get(0),
        )
        .expect("stored credentials");
    assert!(!sealed.is_empty());
    let client = server.client();
    assert_eq!(login(&client, email, PASSWORD).status, 303);
    let page = client.get("/account");
    assert!(
        page.body.contains("paypal-move-form"),
        "the move is offered"
    );
    permissions(server, &paypal.email, "grant", "");
    let token = csrf(&client, "/login");
    let r = client.post_form(
        "/account",
        &[
            ("csrf_token", &token),
            ("action", "psp_account"),
            ("psp", "paypal"),
            ("paypal_email", &paypal.email),
            ("current_password", PASSWORD),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("your stored API credentials were deleted"),
        "{}",
        r.body
    );
    for needle in [&sealed, &paypal.api_password, &paypal.api_signature] {
        assert_eq!(
            platform_cells_containing(server, needle),
            Vec::<String>::new()
        );
    }
    let rows: Vec<(String, String)> = {
        let db = server.db();
        let mut s = db
            .prepare(
                "SELECT a.public_ref, a.sealed_secret FROM psp_accounts a \
                 JOIN clients c ON c.id = a.client_id WHERE c.email = ?1 ORDER BY a.version",
            )
            .expect("rows");
        let rows = s
            .query_map([email], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("rows")
            .filter_map(Result::ok)
            .collect();
        rows
    };
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows.iter().all(|(p, s)| p == &paypal.email && s.is_empty()),
        "{rows:?}"
    );
    // He is paid by permission now.
    let seller = Member {
        client,
        email: email.clone(),
        paypal: paypal.clone(),
    };
    let buyer = member_by_permission(server, "p-legacy-buyer", "10.00");
    let before = psp_cents(server, &seller);
    let order = buy_on(server, &buyer, &titles(&seller)[0].0, "1.00", "10");
    assert_eq!(order["code"], 2, "{order}");
    assert_eq!(psp_cents(server, &seller), before + 100);
}

fn the_emulator_allows_subject_calls_only_within_the_grants(w: &World) {
    use paybook::core::psp::paypal::nvp::{Credentials, Method, NvpRequest, NvpResponse};
    let server = &world(w).server;
    let seller = paypal_account(server, &unique_email("pp-subject"), "5.00");
    // A third party of the test's own (the platform's secret is not shown).
    let third = paypal_account(server, &unique_email("pp-third"), "0.00");
    let call = |scope_granted: Option<&str>| {
        if let Some(scopes) = scope_granted {
            let r = server.client().post_form_with(
                "/_emulator/paypal/permissions",
                &[
                    ("email", seller.email.as_str()),
                    ("api_username", third.api_username.as_str()),
                    ("action", "grant"),
                    ("scopes", scopes),
                ],
                &[("Accept", "application/json")],
            );
            assert_eq!(r.status, 200, "{}", r.body);
        }
        let request = NvpRequest::new(
            Method::GetBalance,
            &Credentials {
                username: third.api_username.clone(),
                password: third.api_password.clone(),
                signature: third.api_signature.clone(),
                subject: Some(seller.email.clone()),
            },
        );
        let r = server.client().post_raw(
            "/_emulator/paypal/nvp",
            "application/x-www-form-urlencoded",
            request.encode().as_bytes(),
        );
        assert_eq!(r.status, 200);
        NvpResponse::parse(&r.body).expect("nvp")
    };
    let none = call(None);
    assert_eq!(none.get("L_ERRORCODE0"), Some("10002"));
    assert_eq!(
        none.get("L_LONGMESSAGE0"),
        Some("You do not have permission(s) to make this API call")
    );
    let other = call(Some("REFUND"));
    assert_eq!(other.get("L_ERRORCODE0"), Some("10007"));
    assert_eq!(other.get("L_SHORTMESSAGE0"), Some("Permission denied"));
    let granted = call(Some("ACCOUNT_BALANCE"));
    assert_eq!(granted.get("ACK"), Some("Success"));
    assert_eq!(granted.get("L_AMT0"), Some("5.00"), "the seller's balance");
}
