//! The automation API held to its OpenAPI document (api.md §1): the
//! document served is the one in the repository and lists every error
//! number; real answers of every operation (successes and errors) are
//! valid against their documented schema (`jsonschema`, draft 2020-12,
//! as OpenAPI 3.1 says); and a Schemathesis run (from PyPI, installed by
//! `scripts/setup --test`) generates at least 1,000 requests from the
//! document against a server of its own, with no 5xx and no answer that
//! breaks the schema.

use std::process::Command;
use std::time::Instant;

use serde_json::{json, Value};

use crate::api::{new_key, spend};
use crate::flows::register;
use crate::harness::{self, Client, Resp, Server};
use crate::purchase::titles;
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "api_contract::the_served_document_lists_every_error_number",
            the_served_document_lists_every_error_number,
        ),
        (
            "api_contract::real_answers_of_every_operation_match_the_document",
            real_answers_of_every_operation_match_the_document,
        ),
        (
            "api_contract::schemathesis_finds_no_5xx_and_no_schema_violation",
            schemathesis_finds_no_5xx_and_no_schema_violation,
        ),
    ]
}

const DOCUMENT: &str = include_str!("../../static/openapi.json");

fn document() -> Value {
    serde_json::from_str(DOCUMENT).unwrap_or_else(|e| panic!("openapi.json: {e}"))
}

fn the_served_document_lists_every_error_number(world: &World) {
    let r = world.server.client().get("/api/v1/openapi.json");
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), document());
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let listed = &doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]
        ["number"]["enum"];
    for kind in paybook::core::api::error::ErrorKind::ALL {
        let n = kind.number();
        assert!(
            listed.as_array().is_some_and(|a| a.contains(&json!(n))),
            "{n} not listed"
        );
        let described = doc["info"]["description"].as_str().unwrap_or("");
        assert!(
            described.contains(&format!("| {n} | {} |", kind.name())),
            "{n} not described"
        );
    }
    // Both media types for every answer of every operation.
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            for (status, answer) in op["responses"].as_object().into_iter().flatten() {
                let content = &answer["content"];
                assert!(
                    content["application/json"].is_object()
                        && content["application/xml"].is_object(),
                    "{method} {path} {status}"
                );
            }
        }
    }
}

/// The schema of `method path`'s `status` answer in JSON, with the
/// document's components beside it so that its `$ref`s resolve.
fn schema_of(doc: &Value, method: &str, path: &str, status: u16) -> Value {
    let answer = &doc["paths"][path][method]["responses"][status.to_string()];
    assert!(
        answer.is_object(),
        "{method} {path}: {status} is not documented"
    );
    let mut schema = answer["content"]["application/json"]["schema"].clone();
    if let Value::Object(map) = &mut schema {
        map.insert("components".into(), doc["components"].clone());
    }
    schema
}

fn conforms(doc: &Value, method: &str, path: &str, r: &Resp) {
    let schema = schema_of(doc, method, path, r.status);
    let body = r.json();
    let validator = jsonschema::draft202012::new(&schema)
        .unwrap_or_else(|e| panic!("schema of {method} {path}: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {}: {errors:?}\n{body}",
        r.status
    );
}

fn call(client: &Client, key: &str, method: &str, path: &str, body: Option<&Value>) -> Resp {
    let auth = format!("Bearer {key}");
    let text = body.map(Value::to_string);
    client.send(
        method,
        path,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
        ],
        text.as_deref().map(str::as_bytes),
    )
}

fn real_answers_of_every_operation_match_the_document(world: &World) {
    let doc = document();
    let server = &world.server;
    let alice = register(server, "contract-alice", "500.00");
    let bob = register(server, "contract-bob", "500.00");
    let isin = titles(&alice)
        .first()
        .map(|t| t.0.clone())
        .unwrap_or_default();
    let (_, key) = new_key(&bob, "contract");
    let c = &bob.client;
    let body = json!({"spend_id": "k-1", "payer": bob.email, "payee": alice.email, "isin": isin,
                      "amount": "12.5", "currency": "EUR", "description": "contract"});
    let spends = "/api/v1/spends";
    let first = spend(c, &key, &body);
    assert_eq!(first.status, 201, "{}", first.body);
    conforms(&doc, "post", spends, &first);
    conforms(&doc, "post", spends, &spend(c, &key, &body));
    let mut probe = body.clone();
    probe["amount"] = json!("0");
    conforms(&doc, "post", spends, &spend(c, &key, &probe));
    let mut other = body.clone();
    other["amount"] = json!("13");
    conforms(&doc, "post", spends, &spend(c, &key, &other));
    for (field, value) in [
        ("amount", json!("1.005")),
        ("payer", json!("x@example.com")),
        ("currency", json!("USD")),
        ("amount", json!("0.5")),
    ] {
        let mut bad = body.clone();
        bad[field] = value;
        bad["spend_id"] = json!(null);
        let r = spend(c, &key, &bad);
        assert!(r.status >= 400, "{}", r.body);
        conforms(&doc, "post", spends, &r);
    }
    let raw = c.send(
        "POST",
        spends,
        &[
            ("Authorization", &format!("Bearer {key}")),
            ("Content-Type", "text/plain"),
        ],
        Some(b"x"),
    );
    conforms(&doc, "post", spends, &raw);
    let order_id = first.json()["order"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    conforms(
        &doc,
        "get",
        "/api/v1/spends/{spend_id}",
        &call(c, &key, "GET", "/api/v1/spends/k-1", None),
    );
    conforms(
        &doc,
        "get",
        "/api/v1/spends/{spend_id}",
        &call(c, &key, "GET", "/api/v1/spends/nope", None),
    );
    conforms(
        &doc,
        "get",
        "/api/v1/orders",
        &call(c, &key, "GET", "/api/v1/orders", None),
    );
    conforms(
        &doc,
        "get",
        "/api/v1/orders",
        &call(c, &key, "GET", "/api/v1/orders?page=x", None),
    );
    conforms(
        &doc,
        "get",
        "/api/v1/orders/{id}",
        &call(c, &key, "GET", &format!("/api/v1/orders/{order_id}"), None),
    );
    let cancel = format!("/api/v1/orders/{order_id}/cancel");
    conforms(
        &doc,
        "post",
        "/api/v1/orders/{id}/cancel",
        &call(c, &key, "POST", &cancel, None),
    );
    conforms(
        &doc,
        "post",
        "/api/v1/orders/{id}/cancel",
        &call(c, &key, "POST", &cancel, None),
    );
    conforms(
        &doc,
        "get",
        "/api/v1/balance",
        &call(c, &key, "GET", "/api/v1/balance", None),
    );
    conforms(
        &doc,
        "get",
        "/api/v1/balance",
        &call(c, "pbk_nope", "GET", "/api/v1/balance", None),
    );
    conforms(
        &doc,
        "get",
        "/api/v1/history",
        &call(c, &key, "GET", "/api/v1/history", None),
    );
    conforms(
        &doc,
        "get",
        "/api/v1/titles/{isin}",
        &call(c, &key, "GET", &format!("/api/v1/titles/{isin}"), None),
    );
    conforms(
        &doc,
        "get",
        "/api/v1/titles/{isin}",
        &call(c, &key, "GET", "/api/v1/titles/ZZ0000000000", None),
    );
}

/// The Schemathesis the setup installed (`.venv/bin/schemathesis`).
fn schemathesis() -> std::path::PathBuf {
    harness::root().join(".venv/bin/schemathesis")
}

fn schemathesis_finds_no_5xx_and_no_schema_violation(_world: &World) {
    let bin = schemathesis();
    assert!(
        bin.exists(),
        "{} missing: run scripts/setup --test",
        bin.display()
    );
    // A server of its own: a rate limit the generated requests do not
    // reach (the shared server keeps the default of 120 a minute).
    let state = harness::fresh_state_dir("schemathesis").unwrap_or_else(|e| panic!("{e}"));
    harness::apply_migrations(&state).unwrap_or_else(|e| panic!("{e}"));
    let server = Server::start(state, &[("API_RATE_PER_MINUTE", "1000000")])
        .unwrap_or_else(|e| panic!("{e}"));
    let alice = register(&server, "fuzz-alice", "500.00");
    let bob = register(&server, "fuzz-bob", "500.00");
    assert!(!titles(&alice).is_empty());
    let (_, key) = new_key(&bob, "schemathesis");
    let started = Instant::now();
    let output = Command::new(&bin)
        .arg("run")
        .arg(format!("{}/api/v1/openapi.json", server.base_url))
        .args(["--header", &format!("Authorization: Bearer {key}")])
        .args(["--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance"])
        .args(["--max-examples", "150", "--seed", "18", "--workers", "2", "--no-color"])
        .env("SCHEMATHESIS_HOOKS", "")
        .current_dir(harness::root())
        .output()
        .unwrap_or_else(|e| panic!("schemathesis: {e}"));
    let seconds = started.elapsed().as_secs_f64();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let cases = generated_cases(&text);
    eprintln!("schemathesis: {cases} generated test cases in {seconds:.1} s");
    assert!(output.status.success(), "schemathesis failed:\n{text}");
    assert!(cases >= 1_000, "only {cases} cases:\n{text}");
}

/// The number in Schemathesis' summary line `N generated, ...`.
fn generated_cases(text: &str) -> u64 {
    text.lines()
        .filter_map(|line| {
            let at = line.find(" generated")?;
            line[..at].split_whitespace().last()?.parse().ok()
        })
        .max()
        .unwrap_or(0)
}
