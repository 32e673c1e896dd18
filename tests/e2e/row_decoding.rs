//! D1's rows reach the core as one JSON text (issue 22: no
//! `serde_json::Value` map per row). Text that JSON must escape, characters
//! outside the BMP, NULLs and integers read back exactly as they were
//! written, through real local D1 under `wrangler dev`.

use crate::api::new_key;
use crate::flows::register;
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![(
        "row_decoding::text_nulls_and_integers_read_back_from_d1_as_written",
        text_nulls_and_integers_read_back_from_d1_as_written,
    )]
}

fn text_nulls_and_integers_read_back_from_d1_as_written(world: &World) {
    let member = register(&world.server, "rows-json", "10.00");
    // Quotes, a backslash, a tab, markup, a non-ASCII letter, the euro sign
    // and an emoji (a surrogate pair in JavaScript).
    let name = "Clé \"€\" \\ \t <b>&</b> 😀";
    let (id, key) = new_key(&member, name);
    let account = member.client.get_json("/account").json();
    let keys = account["api_keys"].as_array().cloned().unwrap_or_default();
    assert_eq!(keys.len(), 1, "{account}");
    assert_eq!(keys[0]["name"], name, "{account}");
    assert_eq!(keys[0]["id"].as_i64(), Some(id), "{account}");
    assert!(keys[0]["last_used_at"].is_null(), "{account}");
    assert!(
        key.starts_with(keys[0]["prefix"].as_str().unwrap_or("-")),
        "{account}"
    );
    // The HTML page escapes the same name once, as askama does.
    let page = member.client.get("/account");
    assert!(
        page.body
            .contains("Clé &#34;€&#34; \\ \t &#60;b&#62;&#38;&#60;/b&#62; 😀"),
        "escaped name on /account"
    );
    // Integers (cents) come back as integers: the initiation title's value
    // and the PSP balance (kept in D1 for a minute), in JSON.
    let claims = member.client.get_json("/claims").json();
    assert_eq!(
        claims["titles"].as_array().map(Vec::len),
        Some(1),
        "{claims}"
    );
    assert_eq!(
        claims["isin_balance"], claims["titles"][0]["value"],
        "{claims}"
    );
    assert_eq!(claims["psp_balance"], "10.00", "{claims}");
    let again = member.client.get_json("/claims").json();
    assert_eq!(again["psp_balance"], "10.00", "the kept balance: {again}");
}
