//! PayPal for the simulation: the built-in emulator's own rules
//! (`core::psp::paypal::emulator::serve`), run on the history's SQLite
//! database (the emulator's tables are in the migrations) with the
//! simulation's clock and seeded randomness. Nothing of PayPal is modelled
//! here: this module only decides, from the seed, which call meets a fault
//! and turns it into the emulator's own one-shot fault rows (a transient
//! refusal 10445, a funding refusal 10486, a payment taken Pending), or
//! fails a call before it reaches PayPal, or loses an answer after PayPal
//! acted. PayPal's later events (a Pending payment decided, a reversal, a
//! refund in full or in part, a canceled reversal) are the emulator's too;
//! its IPNs are the messages it queued, delivered by the world in any
//! order, again until acknowledged, and some never (`lose_ipn`).
//!
//! What the invariants read of PayPal (payments, balances, messages sent)
//! is read from the emulator's tables (`checks.rs`).

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;

use paybook::core::crypto::sha256_hex;
use paybook::core::flow::{Effects, Endpoint, NoAnswer, WireAnswer, WireRequest};
use paybook::core::money::Amount;
use paybook::core::psp::paypal::emulator::serve;
use paybook::core::psp::paypal::emulator::{FaultKind, FaultSpec, LaterEvent};
use paybook::core::psp::paypal::nvp::{self, Method, NvpResponse, PaymentStatus, PendingReason};
use paybook::core::sql::{emulator, Param};

use super::fx::{at_once, Delivery, Provider, ProviderFx, Sim};
use super::rng::UPPER_ALNUM;

/// The postback's prefix; the emulator is handed the message after it.
const POSTBACK_PREFIX: &[u8] = b"cmd=_notify-validate&";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    SetEc,
    GetEc,
    DoEc,
    GetTd,
}

impl Api {
    fn of(method: &str) -> Option<Api> {
        match Method::parse(method)? {
            Method::SetExpressCheckout => Some(Api::SetEc),
            Method::GetExpressCheckoutDetails => Some(Api::GetEc),
            Method::DoExpressCheckoutPayment => Some(Api::DoEc),
            Method::GetTransactionDetails => Some(Api::GetTd),
            Method::GetBalance | Method::RefundTransaction => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The call fails before PayPal does anything: no answer.
    FailBefore,
    /// PayPal does the work, then the answer is lost.
    LoseAnswer,
    /// DoExpressCheckoutPayment takes the payment with status Pending.
    Pending,
    /// DoExpressCheckoutPayment refuses with 10486 (token stays usable).
    Funding,
    /// PayPal refuses with 10445 ("try again later").
    Transient,
}

/// Per-mille rates of random faults for one history.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rates {
    pub transient: u32,
    pub fail_before: u32,
    pub lose_answer: u32,
    pub pending: u32,
    pub funding: u32,
    /// The IPN postback fails (no answer).
    pub postback_fail: u32,
    /// Notifications PayPal never delivers.
    pub lose_ipn: u32,
}

/// One DoExpressCheckoutPayment that reached PayPal.
#[derive(Clone, Debug)]
pub struct Send {
    pub msgsubid: String,
    /// PayPal's answer as sent (also when lost on the way back).
    pub answer: String,
}

/// PayPal's side of one history, beside the emulator's tables.
#[derive(Default)]
pub struct PayPal {
    pub rates: Cell<Rates>,
    /// One-shot faults: the first call of the method consumes it.
    pub script: RefCell<Vec<(Api, Fault)>>,
    pub sends: RefCell<Vec<Send>>,
    /// Messages PayPal never delivers (emulator ids).
    pub lost_ipns: RefCell<BTreeSet<i64>>,
    /// Messages already drawn for loss.
    seen_ipns: Cell<i64>,
    pub postbacks_lost: Cell<u64>,
    pub funding_refusals: Cell<u64>,
    pub pending_payments: Cell<u64>,
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

impl PayPal {
    pub fn new(rates: Rates) -> PayPal {
        PayPal {
            rates: Cell::new(rates),
            ..PayPal::default()
        }
    }

    /// The fault this call meets (the script's first for its method, else
    /// one drawn at the history's rates), and whether its answer is lost
    /// after PayPal acted (a payment taken Pending may lose it too).
    fn draw(&self, sim: &Sim, api: Api) -> (Option<Fault>, bool) {
        let scripted = {
            let mut script = self.script.borrow_mut();
            script
                .iter()
                .position(|(a, _)| *a == api)
                .map(|i| script.remove(i).1)
        };
        if let Some(fault) = scripted {
            return (Some(fault), fault == Fault::LoseAnswer);
        }
        let r = self.rates.get();
        let mut rng = sim.rng.borrow_mut();
        if rng.chance(r.transient) {
            return (Some(Fault::Transient), false);
        }
        if rng.chance(r.fail_before) {
            return (Some(Fault::FailBefore), false);
        }
        let lose = rng.chance(r.lose_answer);
        let (pending, funding) = if api == Api::DoEc {
            (rng.chance(r.pending), rng.chance(r.funding))
        } else {
            (false, false)
        };
        match (funding, pending, lose) {
            (true, _, _) => (Some(Fault::Funding), lose),
            (_, true, _) => (Some(Fault::Pending), lose),
            (_, _, true) => (Some(Fault::LoseAnswer), true),
            _ => (None, false),
        }
    }

    /// Stores `kind` as the emulator's one-shot fault on this very call.
    fn inject(&self, sim: &Sim, method: Method, token: Option<&str>, kind: FaultKind) {
        let spec = FaultSpec {
            method,
            token: token.map(str::to_owned),
            api_username: None,
            kind,
        };
        if let Err(e) = at_once(serve::set_fault(&ProviderFx(sim), &spec)) {
            panic!("the emulator refused a fault: {e:?}");
        }
    }

    fn nvp(&self, sim: &Sim, body: &[u8]) -> Delivery {
        let text = String::from_utf8_lossy(body).into_owned();
        let fields = nvp::decode_request(&text).unwrap_or_default();
        let method = field(&fields, "METHOD").unwrap_or("");
        let token = field(&fields, "TOKEN");
        let api = Api::of(method);
        let (fault, lose) = api.map_or((None, false), |api| self.draw(sim, api));
        let parsed = Method::parse(method);
        match (fault, parsed) {
            (Some(Fault::FailBefore), _) => {
                return Delivery::Failed(NoAnswer::Network("connection reset".into()))
            }
            (Some(Fault::Transient), Some(m)) => {
                self.inject(sim, m, token, FaultKind::Error("10445".into()))
            }
            (Some(Fault::Funding), Some(m)) => {
                self.funding_refusals.set(self.funding_refusals.get() + 1);
                self.inject(sim, m, token, FaultKind::Error("10486".into()))
            }
            (Some(Fault::Pending), Some(m)) => {
                self.pending_payments.set(self.pending_payments.get() + 1);
                self.inject(
                    sim,
                    m,
                    token,
                    FaultKind::Status {
                        status: PaymentStatus::Pending,
                        pending_reason: PendingReason::PaymentReview,
                    },
                )
            }
            _ => {}
        }
        let (status, answer) = at_once(serve::answer_nvp(&ProviderFx(sim), &text));
        sim.said(|| format!("PayPal {method}: {}", describe(&answer)));
        if api == Some(Api::DoEc) {
            self.sends.borrow_mut().push(Send {
                msgsubid: field(&fields, "MSGSUBID").unwrap_or("").to_owned(),
                answer: answer.clone(),
            });
        }
        if status != 200 {
            sim.said(|| format!("PayPal answers HTTP {status}"));
        }
        let answer = WireAnswer {
            status,
            body: answer.into_bytes(),
        };
        if lose {
            Delivery::Lost(answer)
        } else {
            Delivery::Answer(answer)
        }
    }

    fn postback(&self, sim: &Sim, body: &[u8]) -> Delivery {
        if sim.rng.borrow_mut().chance(self.rates.get().postback_fail) {
            self.postbacks_lost.set(self.postbacks_lost.get() + 1);
            return Delivery::Failed(NoAnswer::Timeout);
        }
        let message = body.strip_prefix(POSTBACK_PREFIX).unwrap_or(body);
        let (status, text) = at_once(serve::verify_postback(&ProviderFx(sim), message));
        sim.said(|| format!("PayPal postback: {status} {text}"));
        Delivery::Answer(WireAnswer {
            status,
            body: text.into_bytes(),
        })
    }

    // ------------------------------------------------------ PayPal's events

    /// The buyer approves at PayPal's page; the PayerID of the redirect,
    /// or `None` when PayPal refuses (paid, expired).
    pub fn approve(&self, sim: &Sim, token: &str, email: &str) -> Option<String> {
        match at_once(serve::approve_checkout(&ProviderFx(sim), token, email)) {
            Ok(serve::Approval::Approved { payer_id, .. }) => Some(payer_id),
            Ok(_) => None,
            Err(e) => panic!("the emulator failed an approval: {e:?}"),
        }
    }

    /// A later event of payment `txn` (`None`: a Pending payment
    /// completes); `false` when PayPal cannot apply it now.
    pub fn event(
        &self,
        sim: &Sim,
        txn: &str,
        event: Option<LaterEvent>,
        cents: Option<i64>,
    ) -> bool {
        let amount = cents.and_then(Amount::from_cents);
        match at_once(serve::apply_event(&ProviderFx(sim), txn, event, amount)) {
            Ok(serve::EventOutcome::Done { .. }) => true,
            Ok(_) => false,
            Err(e) => panic!("the emulator failed an event: {e:?}"),
        }
    }

    /// PayPal denies a Pending payment: the payer keeps the money.
    pub fn deny(&self, sim: &Sim, txn: &str) -> bool {
        match at_once(serve::deny_pending(&ProviderFx(sim), txn)) {
            Ok(serve::EventOutcome::Done { .. }) => true,
            Ok(_) => false,
            Err(e) => panic!("the emulator failed a denial: {e:?}"),
        }
    }

    /// A genuine message about payment `txn` naming another order's
    /// invoice `invnum` and amount: stored as sent by PayPal (so its
    /// postback verifies it), queued for the platform's listener.
    pub fn misaddressed(&self, sim: &Sim, txn: &str, invnum: &str, cents: i64) -> bool {
        let rows = sim.db.read(
            "SELECT t.notify_url, t.currency, r.email, r.payer_id FROM emulator_transactions t \
             JOIN emulator_accounts r ON r.id = t.receiver_account_id WHERE t.id = ?1",
            vec![Param::from(txn)],
        );
        let Some(r) = rows.first() else { return false };
        let get = |n: &str| r.get(n).and_then(|v| v.as_str()).unwrap_or("").to_owned();
        let (event_txn, sign) = {
            let mut rng = sim.rng.borrow_mut();
            (rng.text(UPPER_ALNUM, 17), rng.text(UPPER_ALNUM, 24))
        };
        let fields: Vec<(String, String)> = [
            (
                "mc_gross",
                Amount::from_cents(cents).map_or_else(String::new, Amount::to_plain),
            ),
            ("invoice", invnum.to_owned()),
            ("payment_status", "Canceled_Reversal".to_owned()),
            ("txn_id", event_txn.clone()),
            ("parent_txn_id", txn.to_owned()),
            ("receiver_email", get("email")),
            ("receiver_id", get("payer_id")),
            ("mc_currency", get("currency")),
            ("verify_sign", sign),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let body = NvpResponse::from_fields(fields).encode();
        let notify_url = get("notify_url");
        let now = sim.now().to_string();
        let stmt = emulator::insert_ipn(&emulator::NewIpn {
            txn_id: &event_txn,
            parent_txn_id: Some(txn),
            payment_status: "Canceled_Reversal",
            notify_url: Some(notify_url.as_str()),
            body: &body,
            body_sha256: &sha256_hex(body.as_bytes()),
            now: &now,
        });
        sim.provider_epoch.set(sim.provider_epoch.get() + 1);
        sim.run_now(&vec![stmt]).is_ok()
    }

    /// Draws, once per message up to `newest` (ids count up), whether
    /// PayPal will never deliver it.
    pub fn draw_losses(&self, sim: &Sim, newest: i64) {
        for id in self.seen_ipns.get() + 1..=newest {
            if sim.rng.borrow_mut().chance(self.rates.get().lose_ipn) {
                self.lost_ipns.borrow_mut().insert(id);
            }
        }
        self.seen_ipns.set(newest.max(self.seen_ipns.get()));
    }
}

impl Provider for std::rc::Rc<PayPal> {
    fn act(&self, sim: &Sim, request: &WireRequest) -> Delivery {
        match request.endpoint {
            Endpoint::PaypalNvp => self.nvp(sim, &request.body),
            Endpoint::PaypalIpnVerify => self.postback(sim, &request.body),
            // The PayPal world has no card provider: such a call fails
            // before anything is done.
            Endpoint::SipsOffice { .. } | Endpoint::MoneticoApi { .. } => {
                Delivery::Failed(NoAnswer::Network("no card provider here".into()))
            }
        }
    }
}

/// A short description of an NVP answer for the step log.
pub fn describe(answer: &str) -> String {
    let fields = nvp::decode_request(answer).unwrap_or_default();
    let mut out = field(&fields, "ACK").unwrap_or("no answer").to_owned();
    for name in [
        "L_ERRORCODE0",
        "CHECKOUTSTATUS",
        "PAYMENTINFO_0_PAYMENTSTATUS",
        "PAYMENTSTATUS",
        "PAYMENTREQUEST_0_TRANSACTIONID",
        "PAYMENTINFO_0_TRANSACTIONID",
    ] {
        if let Some(v) = field(&fields, name) {
            out.push_str(&format!(" {name}={v}"));
        }
    }
    out
}
