//! End-to-end tests: the real Worker under `wrangler dev` with a real local
//! D1, driven over HTTP. One server is started for the whole run (tests use
//! unique e-mails so that they can share it); a few tests start their own
//! to see the worker misconfigured or its database behind.

mod accessibility;
mod accounts;
mod admin;
mod admin_orders;
mod api;
mod api_contract;
mod api_spend_ids;
mod browse;
mod browser;
mod card_accounts;
mod card_browser;
mod card_refunds;
mod dashboard;
mod emulator;
mod flows;
mod forms;
mod foundation;
mod guide;
mod hardening;
mod hardening_accounts;
mod harness;
mod ipn_listener;
mod ledger;
mod ledger_live;
mod monetico_emulator;
mod monetico_purchase;
mod notifications;
mod partial_refunds;
mod paypal_permission;
mod privacy;
mod providers;
mod purchase;
mod receipts;
mod recheck;
mod reconciler;
mod refunds;
mod refusals;
mod replica;
mod round_trips;
mod row_decoding;
mod sandbox;
mod seo;
mod sips_emulator;
mod sips_purchase;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};

/// What every test gets: the shared server.
pub struct World {
    pub server: harness::Server,
    /// The `PAYPAL_SELLER_AUTH=permission` deployment, started on first use.
    pub paypal_permission: std::sync::OnceLock<paypal_permission::PermissionWorld>,
}

/// A named end-to-end test.
pub type Test = (&'static str, fn(&World));

fn all_tests() -> Vec<Test> {
    let mut tests = Vec::new();
    tests.extend(foundation::tests());
    tests.extend(accounts::tests());
    tests.extend(emulator::tests());
    tests.extend(browse::tests());
    tests.extend(purchase::tests());
    tests.extend(browser::tests());
    tests.extend(refusals::tests());
    tests.extend(reconciler::tests());
    tests.extend(notifications::tests());
    tests.extend(partial_refunds::tests());
    tests.extend(refunds::tests());
    tests.extend(ipn_listener::tests());
    tests.extend(sandbox::tests());
    tests.extend(hardening_accounts::tests());
    tests.extend(privacy::tests());
    tests.extend(recheck::tests());
    tests.extend(hardening::tests());
    tests.extend(round_trips::tests());
    tests.extend(providers::tests());
    tests.extend(card_accounts::tests());
    tests.extend(sips_emulator::tests());
    tests.extend(sips_purchase::tests());
    tests.extend(card_browser::tests());
    tests.extend(monetico_emulator::tests());
    tests.extend(monetico_purchase::tests());
    tests.extend(api::tests());
    tests.extend(api_contract::tests());
    tests.extend(api_spend_ids::tests());
    tests.extend(admin::tests());
    tests.extend(dashboard::tests());
    tests.extend(admin_orders::tests());
    tests.extend(ledger::tests());
    tests.extend(ledger_live::tests());
    tests.extend(paypal_permission::tests());
    tests.extend(card_refunds::tests());
    tests.extend(seo::tests());
    tests.extend(accessibility::tests());
    tests.extend(receipts::tests());
    tests.extend(replica::tests());
    tests.extend(forms::tests());
    tests.extend(guide::tests());
    tests.extend(row_decoding::tests());
    tests
}

fn main() {
    let args = Arguments::from_args();
    let tests = all_tests();
    if args.list {
        let trials = tests
            .iter()
            .map(|(name, _)| Trial::test(*name, || Ok(())))
            .collect();
        libtest_mimic::run(&args, trials).exit();
    }
    let world = match start_world() {
        Ok(world) => Arc::new(world),
        Err(e) => {
            eprintln!("e2e setup failed: {e}");
            std::process::exit(1);
        }
    };
    let trials = tests
        .into_iter()
        .map(|(name, test)| {
            let world = world.clone();
            Trial::test(name, move || {
                catch_unwind(AssertUnwindSafe(|| test(&world))).map_err(|panic| {
                    let message = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "test panicked".into());
                    Failed::from(message)
                })
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    if conclusion.has_failed() {
        let log = world.server.log();
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        eprintln!("--- wrangler dev log (last lines) ---");
        for line in tail.into_iter().rev() {
            eprintln!("{line}");
        }
    }
    drop(world);
    conclusion.exit();
}

fn start_world() -> Result<World, String> {
    harness::build_worker()?;
    let state = harness::fresh_state_dir("main")?;
    harness::apply_migrations(&state)?;
    let server = harness::Server::start(
        state,
        &[("ADMIN_EMAILS", "operator@example.org,operator@paybook.test")],
    )?;
    Ok(World {
        server,
        paypal_permission: std::sync::OnceLock::new(),
    })
}
