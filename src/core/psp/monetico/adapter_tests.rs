//! Tests of the adapter against the built-in emulator's rules on SQLite
//! (the PayPal emulator's effects, with the bank's API answered in
//! process): the form it seals is the one the bank accepts, captures,
//! releases and repeats mean what the bank answered, and notifications
//! are verified and matched to the order.

use super::*;
use crate::core::config::Config;
use crate::core::fixtures::order_state;
use crate::core::flow::{RandomUnavailable, StoreError, WireAnswer};
use crate::core::money::Amount;
use crate::core::psp::monetico::emulator::card::CardAction;
use crate::core::psp::monetico::emulator::fault::{FaultKind, FaultMethod, FaultSpec};
use crate::core::psp::monetico::emulator::serve::sqlite::{block_on, SqliteFx};
use crate::core::psp::monetico::emulator::serve::{self, Buyer, Decided, Posted};
use crate::core::sealing::{Keyring, SealingKey};
use crate::core::sql::emulator::monetico::Merchant;
use crate::core::sql::{Batch, StmtResult};

/// The emulator's tables on SQLite, and the bank's API answered by the
/// emulator in process (as the Worker does in emulator mode).
pub(crate) struct Bank(pub(crate) SqliteFx);

impl Effects for Bank {
    async fn run(&self, batch: &Batch) -> Result<Vec<StmtResult>, StoreError> {
        self.0.run(batch).await
    }
    async fn send(&self, request: &WireRequest) -> Result<WireAnswer, NoAnswer> {
        let Endpoint::MoneticoApi { script } = request.endpoint else {
            return Err(NoAnswer::Network("not Monetico".into()));
        };
        let (status, body) = serve::answer_api(&self.0, script, &request.body).await;
        Ok(WireAnswer {
            status,
            body: body.into_bytes(),
        })
    }
    fn now(&self) -> UtcTime {
        self.0.now()
    }
    fn fill_random(&self, out: &mut [u8]) -> Result<(), RandomUnavailable> {
        self.0.fill_random(out)
    }
    fn log(&self, _: &str) {}
}

pub(crate) struct World {
    pub(crate) bank: Bank,
    config: Config,
    keyring: Keyring,
    pub(crate) merchant: Merchant,
    sealed: String,
}

impl World {
    pub(crate) fn new() -> World {
        let bank = Bank(SqliteFx::new());
        let merchant = block_on(serve::create_merchant(&bank.0, "shop@example.org", "EUR"))
            .expect("merchant")
            .1;
        let keyring = Keyring {
            current: SealingKey::new("a credentials key of 32 characters or more").expect("key"),
            previous: None,
        };
        let account = super::super::account::check(&merchant.tpe, &merchant.societe, &merchant.cle)
            .expect("the emulator's merchant is a valid account");
        let binding = Binding {
            client_id: 1,
            version: 1,
            api_username: &merchant.tpe,
        };
        let sealed = keyring
            .seal(binding, [7; 12], secret_json(&account).as_bytes())
            .expect("sealed");
        World {
            bank,
            config: Config::from_vars(|_| None).expect("emulator defaults"),
            keyring,
            merchant,
            sealed,
        }
    }

    pub(crate) fn site(&self) -> Site<'_> {
        Site {
            config: &self.config,
            keyring: &self.keyring,
            deployment_id: "test",
            base_url: "http://localhost",
            paypal_platform: None,
        }
    }

    pub(crate) fn account(&self) -> SealedAccount<'_> {
        SealedAccount {
            client_id: 1,
            version: 1,
            public_ref: &self.merchant.tpe,
            sealed_secret: &self.sealed,
        }
    }

    /// Order `id` (12.30 EUR, holding its claim when `claimed`).
    pub(crate) fn order(&self, id: &str, claimed: bool) -> OrderState {
        order_state(serde_json::json!({
            "id": id, "psp": "monetico", "psp_token": id, "amount_cents": 1230,
            "seller_api_username": self.merchant.tpe, "seller_sealed_secret": self.sealed,
            "title_claim_order_id": if claimed { Some(id) } else { None },
        }))
    }

    /// Starts order `id`, posts its form to the bank and decides it.
    pub(crate) fn pay(&self, id: &str, action: CardAction) -> Decided {
        let request = StartRequest {
            order_id: id,
            amount: Amount::from_cents(1230).expect("amount"),
            currency: "EUR",
            item: "ZZ0000000001",
            lang: Lang::Fr,
        };
        let started = start(&self.bank, &self.site(), self.account(), &request).expect("start");
        let StartOutcome::Form { form, .. } = started.outcome else {
            panic!("a form");
        };
        let body = urlencode(&form.fields);
        let Posted::Accepted { payment, .. } =
            block_on(serve::post_paiement(&self.bank.0, body.as_bytes(), &|_| {
                true
            }))
            .expect("posted")
        else {
            panic!("the bank accepts the form");
        };
        let buyer = Buyer {
            card: "4000000000000002",
            ip: "10.0.0.1",
        };
        block_on(serve::decide(&self.bank.0, &payment.token, action, buyer)).expect("decided")
    }

    pub(crate) fn capture(&self, order: &OrderState) -> Result<PaymentAnswer, NoAnswer> {
        block_on(capture(&self.bank, &self.site(), self.account(), order))
            .expect("called")
            .outcome
    }

    pub(crate) fn balance(&self) -> i64 {
        block_on(serve::merchant_by_email(&self.bank.0, "shop@example.org"))
            .expect("read")
            .expect("merchant")
            .balance_cents
    }
}

fn notification_body(decided: &Decided) -> String {
    let Decided::Done {
        notification: Some(sent),
        ..
    } = decided
    else {
        panic!("a notification");
    };
    sent.body.clone()
}

#[test]
fn start_seals_a_paiement_form_for_the_order_that_the_bank_accepts() {
    let world = World::new();
    let request = StartRequest {
        order_id: "abc123",
        amount: Amount::from_cents(1230).expect("amount"),
        currency: "EUR",
        item: "ZZ0000000001",
        lang: Lang::En,
    };
    let started = start(&world.bank, &world.site(), world.account(), &request).expect("start");
    let StartOutcome::Form { reference, form } = started.outcome else {
        panic!("a form");
    };
    assert_eq!(reference, "abc123");
    assert_eq!(
        form.action,
        "http://localhost/_emulator/monetico/paiement.cgi"
    );
    let value = |name: &str| {
        form.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(value("TPE"), Some(world.merchant.tpe.as_str()));
    assert_eq!(value("montant"), Some("12.30EUR"));
    assert_eq!(value("lgue"), Some("EN"));
    assert_eq!(
        value("url_retour_ok"),
        Some("http://localhost/psp/monetico/return?order=abc123")
    );
    assert!(value("contexte_commande").is_some());
    assert_eq!(started.traces.len(), 1);
    let trace = started.traces.first().expect("trace");
    assert!(
        !trace.request.contains(&world.merchant.cle),
        "no key traced"
    );
    assert!(matches!(
        world.pay("abc124", CardAction::Pay),
        Decided::Done { .. }
    ));
}

#[test]
fn a_capture_completes_the_order_and_a_repeat_after_a_lost_answer_still_does() {
    let world = World::new();
    world.pay("ord1", CardAction::Pay);
    let order = world.order("ord1", true);
    let spec = FaultSpec {
        method: FaultMethod::Capture,
        tpe: None,
        reference: None,
        kind: FaultKind::Drop,
    };
    block_on(serve::set_fault(&world.bank.0, &spec)).expect("fault");
    assert_eq!(world.capture(&order), Err(NoAnswer::Status(502)));
    assert_eq!(world.balance(), 1230, "the bank captured");
    let read = block_on(read(&world.bank, &world.site(), world.account(), &order)).expect("read");
    assert_eq!(
        read.outcome,
        Inquiry::Payment(PaymentAnswer::Completed {
            transaction_id: "ord1".into(),
            amount: Amount::from_cents(1230),
            currency: Some("EUR".into()),
            receiver_id: Some(world.merchant.tpe.clone()),
        })
    );
    assert_eq!(read.traces.len(), 1);
    assert_eq!(world.balance(), 1230, "captured once");
}

#[test]
fn an_order_without_its_claim_is_never_captured_by_the_read() {
    let world = World::new();
    world.pay("ord1", CardAction::Pay);
    let read = block_on(read(
        &world.bank,
        &world.site(),
        world.account(),
        &world.order("ord1", false),
    ))
    .expect("read");
    assert_eq!(read.outcome, Inquiry::NotPaidYet);
    let traces: Vec<&str> = read.traces.iter().map(|t| t.method).collect();
    assert_eq!(traces, ["read"], "no call, but a trace for the decision");
    assert!(read.traces.iter().all(|t| t.request_wire.is_none()));
    assert_eq!(world.balance(), 0);
}

#[test]
fn a_release_moves_nothing_and_a_later_capture_is_refused() {
    let world = World::new();
    world.pay("ord1", CardAction::Pay);
    let order = world.order("ord1", false);
    let released =
        block_on(release(&world.bank, &world.site(), world.account(), &order)).expect("called");
    assert_eq!(released.outcome, Ok(()));
    assert!(matches!(
        world.capture(&order),
        Ok(PaymentAnswer::Refused { .. })
    ));
    assert_eq!(world.balance(), 0);
}

#[test]
fn an_answer_the_adapter_does_not_know_is_unrecognised_never_guessed() {
    let world = World::new();
    world.pay("ord1", CardAction::Pay);
    let spec = FaultSpec {
        method: FaultMethod::Capture,
        tpe: None,
        reference: None,
        kind: FaultKind::Code("9".into()),
    };
    block_on(serve::set_fault(&world.bank.0, &spec)).expect("fault");
    assert!(matches!(
        world.capture(&world.order("ord1", true)),
        Ok(PaymentAnswer::Unrecognised { .. })
    ));
}

#[test]
fn a_payment_notification_verifies_as_authorized_with_its_number() {
    let world = World::new();
    let body = notification_body(&world.pay("ord1", CardAction::Pay));
    let order = world.order("ord1", false);
    assert_eq!(message_reference(body.as_bytes()), Ok("ord1".to_string()));
    let verdict = verify(&world.site(), world.account(), &order, body.as_bytes());
    let CardVerdict::Verified(CardOutcome::Authorized { authorization_id }) = verdict else {
        panic!("authorized: {verdict:?}");
    };
    assert_eq!(authorization_id.len(), 6);
}

#[test]
fn a_refusal_notification_verifies_as_refused_with_motifrefus() {
    let world = World::new();
    let body = notification_body(&world.pay("ord1", CardAction::Refuse));
    let verdict = verify(
        &world.site(),
        world.account(),
        &world.order("ord1", false),
        body.as_bytes(),
    );
    assert_eq!(
        verdict,
        CardVerdict::Verified(CardOutcome::Refused {
            code: "Annulation".into(),
            message: "Refus".into()
        })
    );
}

#[test]
fn a_forged_mac_refuses_the_key_and_another_orders_notification_is_a_mismatch() {
    let world = World::new();
    let body = notification_body(&world.pay("ord1", CardAction::Pay));
    let forged = body.replace("12.30EUR", "0.01EUR");
    assert!(matches!(
        verify(
            &world.site(),
            world.account(),
            &world.order("ord1", false),
            forged.as_bytes()
        ),
        CardVerdict::KeyRefused(_)
    ));
    let other = world.order("ord2", false);
    assert!(matches!(
        verify(&world.site(), world.account(), &other, body.as_bytes()),
        CardVerdict::Mismatch(_)
    ));
    let mut dearer = world.order("ord1", false);
    dearer.amount_cents = 1231;
    assert!(matches!(
        verify(&world.site(), world.account(), &dearer, body.as_bytes()),
        CardVerdict::Mismatch(_)
    ));
    assert!(message_reference(b"TPE=1").is_err());
}

#[test]
fn the_reply_is_version_2_cdr_0_or_1_in_text_or_a_503() {
    let ok = reply(Answer::Acknowledge);
    assert_eq!((ok.status, ok.body.as_str()), (200, "version=2\ncdr=0\n"));
    assert_eq!(ok.content_type, "text/plain");
    let bad = reply(Answer::Reject);
    assert_eq!((bad.status, bad.body.as_str()), (200, "version=2\ncdr=1\n"));
    assert_eq!(reply(Answer::SendAgain).status, 503);
}
