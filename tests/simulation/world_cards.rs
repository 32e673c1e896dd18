//! The world's card side: sellers with a Sips merchant or a Monetico TPE
//! (created in the emulators' tables, their receiving accounts sealed in
//! `psp_accounts` as the platform seals them), card buyers (the whole
//! `purchase::start` with `psp=sips|monetico`), the bank's card page
//! (paymentInit / paiement.cgi, then the buyer pays, is refused, cancels
//! or walks away), and the bank's messages delivered to the platform
//! through the production flow (`core::psp::receive_notification`): in
//! any order, again until acknowledged, some never; Sips' manual response
//! posted by the buyer's browser (`flow::card::receive` with its bytes).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use paybook::core::flow::purchase::{self, PurchaseInput, Start};
use paybook::core::i18n::Lang;
use paybook::core::money::Amount;
use paybook::core::psp::monetico::emulator::card::CardAction as MoneticoAction;
use paybook::core::psp::monetico::emulator::serve as monetico;
use paybook::core::psp::sips::emulator::serve as sips;
use paybook::core::psp::sips::emulator::{response_body, CardAction as SipsAction, InitForm};
use paybook::core::psp::{self, CheckoutForm, ProviderId};
use paybook::core::purchase::Buyer;
use paybook::core::sealing::Binding;
use paybook::core::sql::{self, Stmt};

use super::actors::{Deployment, Outcome};
use super::cards::{self, Cards};
use super::exec::{Actor, ActorId};
use super::fx::{at_once, ProviderFx, Sim};
use super::world::{at, World};

/// A card order as the buyer's browser knows it.
pub struct CardOrder {
    pub id: String,
    pub provider: ProviderId,
    pub form: CheckoutForm,
    /// The card page was decided (or walked away from).
    pub decided: bool,
    /// Sips' manual response, once the page decided.
    pub manual: Option<String>,
}

/// The card side of one history.
pub struct CardSide {
    pub cards: Rc<Cards>,
    pub orders: Rc<RefCell<Vec<CardOrder>>>,
    /// Client id → Sips merchant id, Monetico TPE.
    pub sips_of: BTreeMap<i64, String>,
    pub monetico_of: BTreeMap<i64, String>,
}

impl CardSide {
    pub fn new(cards: Rc<Cards>) -> CardSide {
        CardSide {
            cards,
            orders: Rc::new(RefCell::new(Vec::new())),
            sips_of: BTreeMap::new(),
            monetico_of: BTreeMap::new(),
        }
    }
}

const CARD: &str = "4970101122334455";

fn bank(provider: ProviderId) -> &'static str {
    match provider {
        ProviderId::Sips => "sips",
        ProviderId::Monetico | ProviderId::Paypal => "monetico",
    }
}

/// A card buyer posts the buy form with `psp=sips|monetico`.
fn card_buy(
    sim: &Rc<Sim>,
    dep: &Rc<Deployment>,
    side: &CardSide,
    buyer: Buyer,
    isin: String,
    cents_rate: (i64, u8),
    provider: ProviderId,
) -> Actor<Outcome> {
    let (sim, dep, orders) = (sim.clone(), dep.clone(), side.orders.clone());
    let cards = side.cards.clone();
    Box::pin(async move {
        let site = dep.site();
        let amount = Amount::from_cents(cents_rate.0).map_or_else(String::new, Amount::to_plain);
        let rate = cents_rate.1.to_string();
        let input = PurchaseInput {
            isin: &isin,
            amount: &amount,
            profit_rate: Some(&rate),
            provider: Some(provider.as_str()),
        };
        match purchase::start(&*sim, &site, &buyer, &input, Lang::Fr).await {
            Ok(Start::Form { order_id, form }) => {
                let mut stats = cards.stats.borrow_mut();
                match provider {
                    ProviderId::Sips => stats.orders_sips += 1,
                    ProviderId::Monetico | ProviderId::Paypal => stats.orders_monetico += 1,
                }
                orders.borrow_mut().push(CardOrder {
                    id: order_id.clone(),
                    provider,
                    form,
                    decided: false,
                    manual: None,
                });
                Outcome::Started(Some(order_id))
            }
            other => {
                sim.said(|| format!("{other:?}"));
                cards.stats.borrow_mut().starts_failed += 1;
                Outcome::Started(None)
            }
        }
    })
}

/// The bank (or the buyer's browser, for Sips' manual response) posts
/// `body` to the platform; a bank's message (`id`) is marked delivered in
/// its table once acknowledged, as the emulator's delivery does.
fn card_message(
    sim: &Rc<Sim>,
    dep: &Rc<Deployment>,
    provider: ProviderId,
    body: Vec<u8>,
    id: Option<i64>,
) -> Actor<Outcome> {
    let (sim, dep) = (sim.clone(), dep.clone());
    Box::pin(async move {
        let site = dep.site();
        let (answer, _) = psp::receive_notification(&*sim, &site, provider, &body).await;
        let reply = psp::reply(provider, answer);
        let ok = reply.status == 200
            && (provider == ProviderId::Sips || reply.body == "version=2\ncdr=0\n");
        if let Some(id) = id {
            let now = at(sim.now.get());
            let status = i64::from(reply.status);
            let stmt = match provider {
                ProviderId::Sips => sql::emulator::sips::record_response_delivery(id, status, &now),
                ProviderId::Monetico | ProviderId::Paypal => {
                    sql::emulator::monetico::record_notification_delivery(
                        id,
                        status,
                        &reply.body,
                        ok,
                        &now,
                    )
                }
            };
            sim.provider_epoch.set(sim.provider_epoch.get() + 1);
            let _ = sim.run_now(&vec![stmt]);
        }
        Outcome::Notified(reply.status)
    })
}

fn field<'a>(form: &'a CheckoutForm, name: &str) -> &'a str {
    form.fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

impl World {
    /// Gives client `i` a Sips merchant and/or a Monetico TPE at the
    /// emulators, and the matching receiving accounts sealed in
    /// `psp_accounts`.
    pub fn add_card_accounts(&mut self, i: usize, with_sips: bool, with_monetico: bool) {
        let (client_id, email) = (self.clients[i].id, self.clients[i].email.clone());
        let fx = ProviderFx(&self.sim);
        let now = at(self.now());
        let mut batch = Vec::new();
        if with_sips {
            let (_, m) = at_once(sips::create_merchant(&fx, &email)).expect("a Sips merchant");
            let account = psp::sips::account::SipsAccount {
                merchant_id: m.merchant_id.clone(),
                secret_key: m.secret_key.clone(),
                key_version: u32::try_from(m.key_version).unwrap_or(1),
            };
            let secret = psp::sips::account::secret_json(&account);
            batch.extend(self.account_rows(client_id, "sips", &m.merchant_id, &secret, &now));
            self.card.sips_of.insert(client_id, m.merchant_id);
        }
        if with_monetico {
            let (_, m) = at_once(monetico::create_merchant(&fx, &email, "EUR"))
                .expect("a Monetico merchant");
            let key = psp::monetico::key::UsableKey::derive(&m.cle).expect("a usable key");
            let account = psp::monetico::account::Account {
                tpe: m.tpe.clone(),
                societe: m.societe.clone(),
                key,
            };
            let secret = psp::monetico::adapter::secret_json(&account);
            batch.extend(self.account_rows(client_id, "monetico", &m.tpe, &secret, &now));
            self.card.monetico_of.insert(client_id, m.tpe);
        }
        if !batch.is_empty() {
            self.sim.run_now(&batch).expect("card accounts");
            self.sim.dirty.set(false);
        }
    }

    /// The `psp_accounts` row of a card account, its secret sealed.
    fn account_rows(
        &self,
        client_id: i64,
        provider: &str,
        public_ref: &str,
        secret: &str,
        now: &str,
    ) -> Vec<Stmt> {
        let mut nonce = [0u8; 12];
        paybook::core::flow::Effects::fill_random(&*self.sim, &mut nonce).expect("seeded bytes");
        let binding = Binding {
            client_id,
            version: 1,
            api_username: public_ref,
        };
        let sealed = self
            .dep
            .keyring
            .seal(binding, nonce, secret.as_bytes())
            .expect("sealed");
        // As /account adds one (`sql::clients::add_account`), version 1.
        sql::clients::add_account(client_id, provider, 1, public_ref, &sealed, now)
    }

    pub fn start_card_buy(
        &mut self,
        buyer: usize,
        isin: &str,
        cents: i64,
        rate: u8,
        provider: ProviderId,
    ) -> ActorId {
        let c = &self.clients[buyer];
        let who = Buyer {
            client_id: c.id,
            psp_environment: "emulator".into(),
            api_username: Some(c.api_username.clone()),
        };
        let actor = card_buy(
            &self.sim,
            &self.dep,
            &self.card,
            who,
            isin.to_owned(),
            (cents, rate),
            provider,
        );
        self.spawn_other("card-buy", actor)
    }

    /// The bank delivers its message `id` (again, when acknowledged).
    pub fn start_card_message(&mut self, provider: ProviderId, id: i64) -> Option<ActorId> {
        let (_, body, again) = cards::message(&self.sim, bank(provider), id)?;
        {
            let mut stats = self.card.cards.stats.borrow_mut();
            stats.messages_delivered += 1;
            stats.messages_again += u64::from(again);
        }
        let actor = card_message(&self.sim, &self.dep, provider, body.into_bytes(), Some(id));
        Some(self.spawn_other("card-msg", actor))
    }

    /// The buyer's browser posts Sips' manual response of card order `i`.
    pub fn start_manual_response(&mut self, i: usize) -> Option<ActorId> {
        let body = self.card.orders.borrow().get(i)?.manual.clone()?;
        self.card.cards.stats.borrow_mut().manual_responses += 1;
        let actor = card_message(
            &self.sim,
            &self.dep,
            ProviderId::Sips,
            body.into_bytes(),
            None,
        );
        Some(self.spawn_other("manual", actor))
    }

    /// Someone who is not the bank posts `body` as the bank's message.
    pub fn start_forged_card_message(&mut self, provider: ProviderId, body: String) -> ActorId {
        let actor = card_message(&self.sim, &self.dep, provider, body.into_bytes(), None);
        self.spawn_other("forger", actor)
    }

    /// The buyer at the bank's card page of card order `i`: pays (`0`),
    /// is refused (`1`), cancels (`2`) or walks away (`3`).
    pub fn card_page(&mut self, i: usize, choice: usize) {
        let Some((provider, form, id)) = self.card.orders.borrow_mut().get_mut(i).map(|o| {
            o.decided = true;
            (o.provider, o.form.clone(), o.id.clone())
        }) else {
            return;
        };
        {
            let mut stats = self.card.cards.stats.borrow_mut();
            match choice {
                0 => stats.pages_paid += 1,
                1 => stats.pages_refused += 1,
                2 => stats.pages_canceled += 1,
                _ => stats.pages_abandoned += 1,
            }
        }
        self.sim
            .provider_epoch
            .set(self.sim.provider_epoch.get() + 1);
        let said = match provider {
            ProviderId::Sips => self.sips_page(i, &form, choice),
            ProviderId::Monetico | ProviderId::Paypal => self.monetico_page(&form, choice),
        };
        self.say("card page", || {
            format!("{} order {id}: {said}", provider.as_str())
        });
        self.after_step();
    }

    fn sips_page(&mut self, i: usize, form: &CheckoutForm, choice: usize) -> String {
        let fx = ProviderFx(&self.sim);
        let init = InitForm {
            data: field(form, "Data"),
            seal: field(form, "Seal"),
            interface_version: field(form, "InterfaceVersion"),
            seal_algorithm: field(form, "SealAlgorithm").trim(),
            encode: field(form, "Encode").trim(),
            key_version: field(form, "keyVersion"),
        };
        let page = match at_once(sips::payment_init(&fx, &init)) {
            Ok(sips::InitOutcome::CardPage(t)) => t,
            other => return format!("paymentInit: {other:?}"),
        };
        let action = match choice {
            0 => SipsAction::Pay,
            1 => SipsAction::Refuse,
            2 => SipsAction::Cancel,
            _ => return "the buyer walks away".into(),
        };
        let verb = format!("{action:?}");
        match at_once(sips::submit_card(
            &fx,
            &page.card_token,
            &verb.to_lowercase(),
            CARD,
        )) {
            Ok(sips::CardOutcome::Decided { data, seal, .. }) => {
                let body = response_body(&data, &seal);
                if let Some(o) = self.card.orders.borrow_mut().get_mut(i) {
                    o.manual = Some(body);
                }
                format!("{verb}: decided")
            }
            other => format!("{verb}: {other:?}"),
        }
    }

    fn monetico_page(&mut self, form: &CheckoutForm, choice: usize) -> String {
        let fx = ProviderFx(&self.sim);
        let raw = serde_urlencoded::to_string(&form.fields).unwrap_or_default();
        let payment = match at_once(monetico::post_paiement(&fx, raw.as_bytes(), &|_| true)) {
            Ok(monetico::Posted::Accepted { payment, .. }) => payment,
            other => return format!("paiement.cgi: {other:?}"),
        };
        let action = match choice {
            0 => MoneticoAction::Pay,
            1 => MoneticoAction::Refuse,
            2 => MoneticoAction::Cancel,
            _ => return "the buyer walks away".into(),
        };
        let buyer = monetico::Buyer {
            card: if choice == 2 { "" } else { CARD },
            ip: "192.0.2.7",
        };
        match at_once(monetico::decide(&fx, &payment.token, action, buyer)) {
            Ok(d) => format!(
                "{action:?}: {}",
                if matches!(d, monetico::Decided::Done { .. }) {
                    "decided"
                } else {
                    "gone"
                }
            ),
            Err(e) => format!("{action:?}: {e:?}"),
        }
    }
}
