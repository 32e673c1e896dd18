//! One purchase in a real headless Chromium (Debian's `chromium`, driven by
//! playwright-core from npm), in French, through the emulator's checkout
//! page; a screenshot of the processed order is kept in
//! `test-artifacts/purchase-fr.png`.

use std::process::Command;

use crate::flows::{register, PASSWORD};
use crate::harness::root;
use crate::purchase::{isin_cents, psp_cents, titles};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![(
        "browser::a_purchase_in_french_through_the_emulator_checkout_in_chromium",
        a_purchase_in_french_through_the_emulator_checkout_in_chromium,
    )]
}

fn a_purchase_in_french_through_the_emulator_checkout_in_chromium(world: &World) {
    let alice = register(&world.server, "browser-alice", "20.00");
    let bob = register(&world.server, "browser-bob", "20.00");
    let isin = titles(&alice)[0].0.clone();
    let screenshot = root().join("test-artifacts/purchase-fr.png");
    let _ = std::fs::remove_file(&screenshot);
    let input = serde_json::json!({
        "base": world.server.base_url,
        "email": bob.email,
        "password": PASSWORD,
        "paypal_email": bob.paypal.email,
        "isin": isin,
        "screenshot": screenshot,
    });
    run_script("purchase.mjs", &input);
    assert!(screenshot.exists(), "screenshot kept");
    // What the browser did, seen from the server.
    assert_eq!(psp_cents(&world.server, &bob), 1_900);
    assert_eq!(psp_cents(&world.server, &alice), 2_100);
    assert_eq!(isin_cents(&bob), 100 + 150);
}

/// Runs `tests/browser/{script}` with `input` (its JSON argument) under
/// node, and fails with its output unless it succeeds.
pub fn run_script(script: &str, input: &serde_json::Value) {
    let output = Command::new("node")
        .arg(root().join("tests/browser").join(script))
        .arg(input.to_string())
        .current_dir(root())
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "browser test failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
