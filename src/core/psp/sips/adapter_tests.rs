//! The adapter against the built-in emulator (its serve on SQLite, Office
//! answered in-process): what the platform sends is what the emulated Sips
//! accepts, and what it answers reads back as the seam's outcomes.

use futures_util::FutureExt;
use serde_json::json;

use super::*;
use crate::core::config::Config;
use crate::core::flow::{Endpoint, RandomUnavailable, StoreError, WireAnswer, WireRequest};
use crate::core::i18n::Lang;
use crate::core::psp::sips::account::{secret_json, SipsAccount};
use crate::core::psp::sips::emulator::serve::test_fx::SqliteFx;
use crate::core::psp::sips::emulator::serve::{self, CardOutcome as Decided, InitOutcome};
use crate::core::psp::sips::emulator::InitForm;
use crate::core::sealing::{Keyring, SealingKey};
use crate::core::sql::emulator::sips::Merchant;
use crate::core::sql::{Batch, StmtResult};
use crate::core::time::UtcTime;

/// Runs a call that never waits (SQLite answers at once) to its end.
pub(crate) fn run<T>(f: impl std::future::Future<Output = Result<T, FlowError>>) -> T {
    f.now_or_never()
        .expect("no await pends")
        .expect("no flow error")
}

/// The platform's effects with the emulated Sips behind `send`.
pub(crate) struct Bank {
    pub(crate) sips: SqliteFx,
    /// Answers lost on the way back, from the next call on.
    pub(crate) lose_answers: std::cell::Cell<bool>,
}

impl Effects for Bank {
    async fn run(&self, batch: &Batch) -> Result<Vec<StmtResult>, StoreError> {
        self.sips.run(batch).await
    }
    async fn send(&self, request: &WireRequest) -> Result<WireAnswer, NoAnswer> {
        let Endpoint::SipsOffice { path } = request.endpoint else {
            return Err(NoAnswer::Network("not Sips".into()));
        };
        let (status, body) = serve::office_answer(&self.sips, path, &request.body).await;
        if self.lose_answers.get() {
            return Err(NoAnswer::Timeout);
        }
        Ok(WireAnswer {
            status,
            body: body.into_bytes(),
        })
    }
    fn now(&self) -> UtcTime {
        self.sips.now()
    }
    fn fill_random(&self, out: &mut [u8]) -> Result<(), RandomUnavailable> {
        self.sips.fill_random(out)
    }
    fn log(&self, _: &str) {}
}

pub(crate) struct World {
    pub(crate) bank: Bank,
    pub(crate) merchant: Merchant,
    config: Config,
    keyring: Keyring,
    sealed: String,
}

pub(crate) fn world() -> World {
    let sips = SqliteFx::new();
    let merchant = serve::create_merchant(&sips, "shop@example.org")
        .now_or_never()
        .expect("no await pends")
        .expect("merchant")
        .1;
    let keyring = Keyring {
        current: SealingKey::new("current credentials key, 32+ characters long").unwrap(),
        previous: None,
    };
    let account = SipsAccount {
        merchant_id: merchant.merchant_id.clone(),
        secret_key: merchant.secret_key.clone(),
        key_version: 1,
    };
    let binding = Binding {
        client_id: 1,
        version: 1,
        api_username: &merchant.merchant_id,
    };
    let sealed = keyring
        .seal(binding, [7; 12], secret_json(&account).as_bytes())
        .unwrap();
    World {
        bank: Bank {
            sips,
            lose_answers: std::cell::Cell::new(false),
        },
        config: Config::from_vars(|_| None).expect("defaults"),
        merchant,
        keyring,
        sealed,
    }
}

impl World {
    pub(crate) fn site(&self) -> Site<'_> {
        Site {
            config: &self.config,
            keyring: &self.keyring,
            deployment_id: "d1",
            base_url: "http://localhost:8787",
            paypal_platform: None,
        }
    }

    pub(crate) fn account(&self) -> SealedAccount<'_> {
        SealedAccount {
            client_id: 1,
            version: 1,
            public_ref: &self.merchant.merchant_id,
            sealed_secret: &self.sealed,
        }
    }

    /// Order `o1` of 1.50 EUR on this merchant, its claim held or not.
    pub(crate) fn order(&self, id: &str, claimed: bool) -> OrderState {
        crate::core::fixtures::order_state(json!({
            "id": id, "psp": "sips", "seller_api_username": self.merchant.merchant_id,
            "seller_sealed_secret": self.sealed,
            "title_claim_order_id": if claimed { Some(id) } else { None },
        }))
    }

    /// Starts `id`, posts its form to the emulator and pays with `action`:
    /// the response body as posted back.
    pub(crate) fn pay(&self, id: &str, action: &str) -> String {
        let request = StartRequest {
            order_id: id,
            amount: Amount::from_cents(150).unwrap(),
            currency: "EUR",
            item: "ZZ0000000001",
            lang: Lang::Fr,
        };
        let called = start(&self.bank, &self.site(), self.account(), &request).unwrap();
        let StartOutcome::Form { form, .. } = called.outcome else {
            panic!("a form");
        };
        let field = |name: &str| {
            form.fields
                .iter()
                .find(|(k, _)| k == name)
                .unwrap()
                .1
                .clone()
        };
        let (data, seal) = (field("Data"), field("Seal"));
        let posted = InitForm {
            data: &data,
            seal: &seal,
            interface_version: "HP_2.24",
            seal_algorithm: "HMAC-SHA-256",
            encode: "",
            key_version: "",
        };
        let sips = &self.bank.sips;
        let init = serve::payment_init(sips, &posted)
            .now_or_never()
            .unwrap()
            .unwrap();
        let InitOutcome::CardPage(t) = init else {
            panic!("card page: {init:?}");
        };
        let card = serve::submit_card(sips, &t.card_token, action, "4111111111111111");
        let Decided::Decided { data, seal, .. } = card.now_or_never().unwrap().unwrap() else {
            panic!("decided");
        };
        serde_urlencoded::to_string([("Data", data), ("Seal", seal), ("Encode", String::new())])
            .unwrap()
    }

    pub(crate) fn balance(&self) -> i64 {
        serve::merchant_by_email(&self.bank.sips, "shop@example.org")
            .now_or_never()
            .unwrap()
            .unwrap()
            .unwrap()
            .balance_cents
    }
}

#[test]
fn the_form_asks_to_authorize_only_and_the_emulated_sips_accepts_it() {
    let w = world();
    let request = StartRequest {
        order_id: "o1",
        amount: Amount::from_cents(150).unwrap(),
        currency: "EUR",
        item: "ZZ0000000001",
        lang: Lang::En,
    };
    let called = start(&w.bank, &w.site(), w.account(), &request).unwrap();
    let StartOutcome::Form { reference, form } = called.outcome else {
        panic!("a form");
    };
    assert_eq!(reference, "o1");
    assert_eq!(
        form.action,
        "http://localhost:8787/_emulator/sips/paymentInit"
    );
    let data = &form.fields[0].1;
    for pair in [
        "captureMode=VALIDATION",
        "captureDay=6",
        "transactionReference=o1",
        "automaticResponseUrl=http://localhost:8787/psp/sips/notify",
        "normalReturnUrl=http://localhost:8787/psp/sips/return",
        "customerLanguage=en",
        "amount=150",
    ] {
        assert!(data.contains(pair), "{pair} in {data}");
    }
    let trace = &called.traces[0];
    assert_eq!(trace.at, "2026-01-01T00:00:00Z", "the trace has its time");
    assert!(
        !trace.request.contains(&w.merchant.secret_key),
        "no key in the trace"
    );
    assert!(w.pay("o1", "pay").contains("responseCode%3D00"));
}

#[test]
fn a_response_verifies_with_the_orders_account_and_is_matched_to_the_order() {
    let w = world();
    let raw = w.pay("o1", "pay");
    assert_eq!(message_reference(raw.as_bytes()), Ok("o1".to_owned()));
    let verdict = verify(
        &w.site(),
        w.account(),
        &w.order("o1", false),
        raw.as_bytes(),
    );
    assert!(
        matches!(
            verdict,
            CardVerdict::Verified(CardOutcome::Authorized { .. })
        ),
        "{verdict:?}"
    );
    let tampered = raw.replace("amount%3D150", "amount%3D1");
    assert!(matches!(
        verify(
            &w.site(),
            w.account(),
            &w.order("o1", false),
            tampered.as_bytes()
        ),
        CardVerdict::Forged(_)
    ));
    let other = verify(
        &w.site(),
        w.account(),
        &w.order("o2", false),
        raw.as_bytes(),
    );
    assert!(matches!(other, CardVerdict::Mismatch(_)), "{other:?}");
    let canceled = w.pay("o3", "cancel");
    assert_eq!(
        verify(
            &w.site(),
            w.account(),
            &w.order("o3", false),
            canceled.as_bytes()
        ),
        CardVerdict::Verified(CardOutcome::Canceled)
    );
    let refused = w.pay("o4", "refuse");
    assert!(matches!(
        verify(&w.site(), w.account(), &w.order("o4", false), refused.as_bytes()),
        CardVerdict::Verified(CardOutcome::Refused { code, .. }) if code == "05"
    ));
}

#[test]
fn capture_validates_once_and_a_second_validate_is_answered_already_paid() {
    let w = world();
    w.pay("o1", "pay");
    let order = w.order("o1", true);
    let first: Called<Result<PaymentAnswer, NoAnswer>> =
        run(capture(&w.bank, &w.site(), w.account(), &order));
    assert!(
        matches!(first.outcome, Ok(PaymentAnswer::Completed { .. })),
        "{:?}",
        first.outcome
    );
    assert_eq!(w.balance(), 150);
    let second = run(capture(&w.bank, &w.site(), w.account(), &order));
    assert!(matches!(
        second.outcome,
        Ok(PaymentAnswer::Refused {
            already_paid: true,
            ..
        })
    ));
    let read_back = run(read(&w.bank, &w.site(), w.account(), &order));
    assert!(matches!(
        read_back.outcome,
        Inquiry::Payment(PaymentAnswer::Completed { .. })
    ));
    assert_eq!(w.balance(), 150);
}

#[test]
fn read_validates_again_only_for_an_order_holding_its_claim() {
    let w = world();
    w.pay("o1", "pay");
    let unclaimed: Called<Inquiry> =
        run(read(&w.bank, &w.site(), w.account(), &w.order("o1", false)));
    assert_eq!(unclaimed.outcome, Inquiry::NotPaidYet);
    assert_eq!(w.balance(), 0, "never captured without a claim");
    let claimed = run(read(&w.bank, &w.site(), w.account(), &w.order("o1", true)));
    assert!(matches!(
        claimed.outcome,
        Inquiry::Payment(PaymentAnswer::Completed { .. })
    ));
    assert_eq!(claimed.traces.len(), 2, "the read and the validate");
    assert_eq!(w.balance(), 150);
    let never = run(read(&w.bank, &w.site(), w.account(), &w.order("o9", true)));
    assert_eq!(never.outcome, Inquiry::NotPaidYet);
    w.bank.lose_answers.set(true);
    let lost = run(read(&w.bank, &w.site(), w.account(), &w.order("o1", true)));
    assert_eq!(lost.outcome, Inquiry::Unknown);
}

#[test]
fn release_cancels_the_authorization_and_a_lost_answer_is_unknown() {
    let w = world();
    w.pay("o1", "pay");
    let released: Called<Result<(), NoAnswer>> = run(release(
        &w.bank,
        &w.site(),
        w.account(),
        &w.order("o1", false),
    ));
    assert_eq!(released.outcome, Ok(()));
    let after = run(read(&w.bank, &w.site(), w.account(), &w.order("o1", true)));
    assert!(matches!(
        after.outcome,
        Inquiry::Payment(PaymentAnswer::Failed {
            state: PaymentState::Failed,
            ..
        })
    ));
    w.bank.lose_answers.set(true);
    let lost = run(release(
        &w.bank,
        &w.site(),
        w.account(),
        &w.order("o1", false),
    ));
    assert_eq!(lost.outcome, Err(NoAnswer::Timeout));
    assert_eq!(w.balance(), 0);
}

#[test]
fn an_account_is_accepted_only_with_its_merchants_key() {
    let w = world();
    let check = |secret_key: &str, merchant_id: &str| {
        let account = SipsAccount {
            merchant_id: merchant_id.to_owned(),
            secret_key: secret_key.to_owned(),
            key_version: 1,
        };
        check_account(&w.bank, &w.site(), &account)
            .now_or_never()
            .unwrap()
            .outcome
    };
    assert_eq!(
        check(&w.merchant.secret_key, &w.merchant.merchant_id),
        AccountCheck::Accepted
    );
    assert!(matches!(
        check("another key", &w.merchant.merchant_id),
        AccountCheck::Refused { code, .. } if code == "34"
    ));
    assert!(matches!(
        check(&w.merchant.secret_key, "999999999999999"),
        AccountCheck::Refused { code, .. } if code == "34"
    ));
}

#[test]
fn a_trace_shows_each_party_only_its_allowed_fields() {
    let fields = json!({
        "responseCode": "00", "merchantId": "002001000000001", "seal": "abc",
        "Data": "amount=1", "maskedPan": "4100##00", "amount": 150
    });
    let buyer = visible_fields(Role::Buyer, &fields);
    assert_eq!(buyer, json!({ "responseCode": "00", "amount": 150 }));
    let seller = visible_fields(Role::Seller, &fields);
    assert_eq!(seller["merchantId"], "002001000000001");
    assert!(seller.get("seal").is_none() && seller.get("maskedPan").is_none());
}
