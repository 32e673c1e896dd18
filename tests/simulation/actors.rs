//! The actors of a history, each the production flow the Worker runs for
//! that request, on the simulation's effects: a buyer's start (the buy
//! form posted), a return (PayPal's redirect, or the buyer reloading it),
//! a cancel (PayPal's cancel URL), a cron run, and a notification posted
//! to the listener (by PayPal, or by a forger). Nothing here mirrors a
//! step of the shell: the flows are called whole, and the executor stops
//! them between any two effects.

use std::rc::Rc;

use paybook::core::config::Config;
use paybook::core::flow::purchase::{self, PurchaseInput, Start};
use paybook::core::flow::{self, Site};
use paybook::core::i18n::Lang;
use paybook::core::money::Amount;
use paybook::core::psp::paypal::listener;
use paybook::core::psp::ProviderId;
use paybook::core::purchase::Buyer;
use paybook::core::sealing::{Keyring, SealingKey};

use super::exec::Actor;
use super::fx::Sim;

/// The deployment the flows run in, owned (a [`Site`] borrows it).
pub struct Deployment {
    pub config: Config,
    pub keyring: Keyring,
    pub id: String,
    pub base_url: String,
    /// The platform's PayPal account, in a history with sellers paid by
    /// permission (`permission.rs`).
    pub paypal_platform: std::cell::OnceCell<paybook::core::psp::paypal::nvp::Credentials>,
}

pub const DEPLOYMENT: &str = "sim0deploy1";

impl Deployment {
    /// Emulator mode without a mail API (mails are delivered on write),
    /// EUR, payments of 1.00 to 10,000.00, `PENDING_TTL_HOURS` 24,
    /// `PENDING_MAX_DAYS` 10.
    pub fn new() -> Deployment {
        let config = Config::from_vars(|name| {
            let value = match name {
                "PSP_MODE" => "emulator",
                "CURRENCY" => "EUR",
                "MIN_AMOUNT" => "1.00",
                "MAX_AMOUNT" => "10000.00",
                "PENDING_TTL_HOURS" => "24",
                "PENDING_MAX_DAYS" => "10",
                "CONTACT_EMAIL" => "operator@example.org",
                "BASE_URL" => "https://paybook.example",
                _ => return None,
            };
            Some(value.to_owned())
        })
        .expect("the simulation's settings");
        Deployment {
            config,
            keyring: Keyring {
                current: SealingKey::new("the simulation's credentials key").expect("a key"),
                previous: None,
            },
            id: DEPLOYMENT.to_owned(),
            base_url: "https://paybook.example".to_owned(),
            paypal_platform: std::cell::OnceCell::new(),
        }
    }

    pub fn site(&self) -> Site<'_> {
        Site {
            config: &self.config,
            keyring: &self.keyring,
            deployment_id: &self.id,
            base_url: &self.base_url,
            paypal_platform: self.paypal_platform.get(),
        }
    }
}

/// What an actor came to, for the world's bookkeeping.
#[derive(Debug)]
pub enum Outcome {
    /// A buy created this order (the buyer goes to PayPal).
    Started(Option<String>),
    Returned,
    Canceled,
    /// A cron run: whether it held the lease.
    Cron(bool),
    /// The listener answered PayPal with this HTTP status.
    Notified(u16),
    /// A request's ledger entries sealed after its answer.
    Sealed,
}

/// A buyer posts the buy form: the whole `purchase::start` flow.
pub fn buy(
    sim: &Rc<Sim>,
    dep: &Rc<Deployment>,
    buyer: Buyer,
    isin: String,
    amount: i64,
    rate: u8,
) -> Actor<Outcome> {
    let (sim, dep) = (sim.clone(), dep.clone());
    Box::pin(async move {
        let site = dep.site();
        let amount = Amount::from_cents(amount).map_or_else(String::new, Amount::to_plain);
        let rate = rate.to_string();
        let input = PurchaseInput {
            isin: &isin,
            amount: &amount,
            profit_rate: Some(&rate),
            provider: Some("paypal"),
        };
        match purchase::start(&*sim, &site, &buyer, &input, Lang::En).await {
            Ok(Start::Redirect { order_id, .. }) => Outcome::Started(Some(order_id)),
            _ => Outcome::Started(None),
        }
    })
}

/// The buyer's browser loads the return URL (again, for a refresh).
pub fn return_url(
    sim: &Rc<Sim>,
    dep: &Rc<Deployment>,
    token: String,
    payer_id: String,
) -> Actor<Outcome> {
    let (sim, dep) = (sim.clone(), dep.clone());
    Box::pin(async move {
        let site = dep.site();
        let _ = purchase::returned(&*sim, &site, ProviderId::Paypal, &token, &payer_id).await;
        Outcome::Returned
    })
}

/// The buyer comes back through PayPal's cancel URL.
pub fn cancel(sim: &Rc<Sim>, order_id: String, token: String) -> Actor<Outcome> {
    let sim = sim.clone();
    Box::pin(async move {
        let _ = purchase::cancel(&*sim, &order_id, &token).await;
        Outcome::Canceled
    })
}

/// The scheduler starts a cron run: the lease, the work, the finish (the
/// shell's own chores between them, mail and re-sealing, touch no order).
pub fn cron(sim: &Rc<Sim>, dep: &Rc<Deployment>) -> Actor<Outcome> {
    let (sim, dep) = (sim.clone(), dep.clone());
    Box::pin(async move {
        let site = dep.site();
        let Ok(Some(lease)) = flow::cron::begin(&*sim).await else {
            return Outcome::Cron(false);
        };
        let _ = flow::cron::work(&*sim, &site, &lease).await;
        let _ = flow::cron::finish(&*sim, &site, &lease).await;
        Outcome::Cron(true)
    })
}

/// What the Worker does after answering a request that appended to the
/// ledger (`waitUntil`, `Effects::seal_later`): seals every unsealed entry.
pub fn seal(sim: &Rc<Sim>, dep: &Rc<Deployment>) -> Actor<Outcome> {
    let (sim, dep) = (sim.clone(), dep.clone());
    Box::pin(async move {
        let site = dep.site();
        let _ = flow::ledger::seal_all(&*sim, site.deployment_id).await;
        Outcome::Sealed
    })
}

/// Someone posts `body` to the listener (PayPal, or a forger).
pub fn notify(sim: &Rc<Sim>, dep: &Rc<Deployment>, body: Vec<u8>) -> Actor<Outcome> {
    let (sim, dep) = (sim.clone(), dep.clone());
    Box::pin(async move {
        let site = dep.site();
        let (answer, _) = listener::receive(&*sim, &site, &body).await;
        Outcome::Notified(answer.http_status())
    })
}
