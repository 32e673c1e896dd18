//! The card events of a random history: a card buyer orders (Sips or
//! Monetico, from a holder who accepts it, now and then one who does not),
//! decides at the bank's card page, the bank delivers one of its messages
//! (in any order, again after an acknowledgement, some never), the
//! buyer's browser posts Sips' manual response (before, after or without
//! the automatic one), a forger posts a bank's message with a bad seal or
//! MAC; and
//! the bank's queue as the world reads it.

use paybook::core::psp::ProviderId;

use super::world::World;

fn bank_name(provider: ProviderId) -> &'static str {
    match provider {
        ProviderId::Sips => "sips",
        ProviderId::Monetico | ProviderId::Paypal => "monetico",
    }
}

/// The banks' messages: every one sent (not lost), and those still to
/// deliver (never acknowledged).
pub struct CardQueue {
    pub sent: Vec<(ProviderId, i64)>,
    pub unacked: Vec<(ProviderId, i64)>,
}

impl World {
    /// Whether any client has a card account (a history without one draws
    /// exactly the PayPal events it drew before the card world).
    pub fn has_cards(&self) -> bool {
        !self.card.sips_of.is_empty() || !self.card.monetico_of.is_empty()
    }

    pub fn card_queue(&self) -> CardQueue {
        let mut q = CardQueue {
            sent: Vec::new(),
            unacked: Vec::new(),
        };
        for (provider, bank, query) in [
            (
                ProviderId::Sips,
                "sips",
                "SELECT id, status FROM emulator_sips_responses WHERE status != 'dropped' ORDER BY id",
            ),
            (
                ProviderId::Monetico,
                "monetico",
                "SELECT id, status FROM emulator_monetico_notifications ORDER BY id",
            ),
        ] {
            let rows = self.sim.db.read(query, vec![]);
            let newest = rows
                .iter()
                .filter_map(|r| r.get("id").and_then(|v| v.as_i64()))
                .max()
                .unwrap_or(0);
            self.card.cards.draw_losses(&self.sim, bank, newest);
            let lost = self.card.cards.lost.borrow();
            for r in &rows {
                let Some(id) = r.get("id").and_then(|v| v.as_i64()) else {
                    continue;
                };
                if lost.contains(&(bank, id)) {
                    continue;
                }
                q.sent.push((provider, id));
                if r.get("status").and_then(|v| v.as_str()) != Some("delivered") {
                    q.unacked.push((provider, id));
                }
            }
        }
        q
    }

    /// The banks send every message not acknowledged yet, until none is
    /// left.
    pub fn deliver_all_card_messages(&mut self) {
        for _ in 0..50 {
            let Some(&(provider, id)) = self.card_queue().unacked.first() else {
                return;
            };
            if let Some(actor) = self.start_card_message(provider, id) {
                self.finish(actor);
            }
        }
    }

    /// Half the time, when the history has card accounts, one card event.
    pub fn maybe_card_event(&mut self, later: bool) {
        if self.has_cards() && self.rng().chance(500) {
            self.random_card_event(later);
        }
    }

    /// One card event (`later`: the weeks after, deliveries only).
    pub fn random_card_event(&mut self, later: bool) {
        let q = self.card_queue();
        let (undecided, manual): (Vec<usize>, Vec<usize>) = {
            let orders = self.card.orders.borrow();
            (
                (0..orders.len()).filter(|i| !orders[*i].decided).collect(),
                (0..orders.len())
                    .filter(|i| orders[*i].manual.is_some())
                    .collect(),
            )
        };
        let now = u32::from(!later);
        let some = |n: usize, w: u32| if n == 0 { 0 } else { w };
        let weights = [
            3 * now,                                    // 0 a card buyer orders
            some(undecided.len(), 8 * now),             // 1 the card page
            some(q.unacked.len(), 6),                   // 2 the bank delivers a message
            some(q.sent.len(), 1),                      // 3 the bank delivers one again
            some(manual.len(), 2 * now),                // 4 the browser posts the manual response
            some(q.sent.len(), now),                    // 5 a forged message
            if self.actors.is_empty() { 0 } else { 8 }, // 6 step an actor
        ];
        let choice = self.rng().weighted(&weights);
        let pick = |w: &World, v: &[usize]| v[w.rng().below(v.len())];
        match choice {
            Some(0) => self.random_card_buy(),
            Some(1) => {
                let i = pick(self, &undecided);
                let choice = match self.rng().below(100) {
                    0..=59 => 0,
                    60..=74 => 1,
                    75..=84 => 2,
                    _ => 3,
                };
                self.card_page(i, choice);
                // The browser posts the manual response at once, unless
                // closed on the way (Sips only; none when walked away).
                let chance = self.card.cards.rates.get().manual;
                if self.rng().chance(chance) {
                    self.start_manual_response(i);
                }
            }
            Some(2) => {
                let (provider, id) = q.unacked[self.rng().below(q.unacked.len())];
                self.start_card_message(provider, id);
            }
            Some(3) => {
                let (provider, id) = q.sent[self.rng().below(q.sent.len())];
                self.start_card_message(provider, id);
            }
            Some(4) => {
                let i = pick(self, &manual);
                self.start_manual_response(i);
            }
            Some(5) => {
                let (provider, id) = q.sent[self.rng().below(q.sent.len())];
                self.start_forged_card(provider, id);
            }
            Some(6) => {
                let ids = self.actors.ids();
                let id = ids[self.rng().below(ids.len())];
                self.step(id);
            }
            _ => {}
        }
    }

    /// A message the bank sent, its seal or MAC altered: someone who read
    /// it tries it again and cannot seal it (Sips: recorded as forged;
    /// Monetico: the seller's key is taken for refused, as the spec says
    /// of a first MAC failure).
    fn start_forged_card(&mut self, provider: ProviderId, id: i64) {
        let Some((_, body, _)) = super::cards::message(&self.sim, bank_name(provider), id) else {
            return;
        };
        let name = match provider {
            ProviderId::Sips => "Seal=",
            ProviderId::Monetico | ProviderId::Paypal => "MAC=",
        };
        let forged = match body.find(name) {
            Some(at) => {
                let (head, tail) = body.split_at(at + name.len());
                let flipped = tail
                    .chars()
                    .next()
                    .map_or('0', |c| if c == '0' { '1' } else { '0' });
                format!("{head}{flipped}{}", tail.get(1..).unwrap_or(""))
            }
            None => format!("{body}&{name}00"),
        };
        self.card.cards.stats.borrow_mut().forged += 1;
        self.start_forged_card_message(provider, forged);
    }

    fn random_card_buy(&mut self) {
        let buyers: Vec<usize> = (0..self.clients.len())
            .filter(|i| self.clients[*i].buyer)
            .collect();
        let buyer = buyers[self.rng().below(buyers.len())];
        let provider = if self.rng().chance(500) {
            ProviderId::Sips
        } else {
            ProviderId::Monetico
        };
        let accepting = match provider {
            ProviderId::Sips => &self.card.sips_of,
            ProviderId::Monetico | ProviderId::Paypal => &self.card.monetico_of,
        };
        let titles = self.sim.db.read(
            "SELECT isin, value_cents, holder_id FROM titles WHERE status = 'active' ORDER BY id",
            vec![],
        );
        let mine = self.clients[buyer].id;
        let anyone = self.rng().chance(50);
        let pool: Vec<&paybook::core::sql::Row> = titles
            .iter()
            .filter(|t| {
                let holder = t.get("holder_id").and_then(|v| v.as_i64()).unwrap_or(0);
                anyone || (holder != mine && accepting.contains_key(&holder))
            })
            .collect();
        if pool.is_empty() {
            return;
        }
        let t = pool[self.rng().below(pool.len())];
        let isin = t
            .get("isin")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        let value = t.get("value_cents").and_then(|v| v.as_i64()).unwrap_or(100);
        let kind = self.rng().below(3);
        let cents = match kind {
            0 => value,
            1 => self.rng().range(100, (value - 1).max(100)),
            _ => value + self.rng().range(1, 2_000),
        }
        .max(100);
        let rate = self.rng().range(0, 100) as u8;
        let id = self.start_card_buy(buyer, &isin, cents, rate, provider);
        self.say(&format!("buyer{}", buyer + 1), || {
            format!(
                "starts card-buy#{id} ({}): {isin} for {cents} cents, r={rate}",
                provider.as_str()
            )
        });
    }

    /// How many card orders are `(code, substate)`-final in each way, and
    /// those released (authorized at the bank, never captured).
    pub fn count_card_outcomes(&self) {
        let count = |q: &'static str| self.sim.db.read_i64(q, vec![]) as u64;
        let processed =
            count("SELECT count(*) FROM orders WHERE psp IN ('sips', 'monetico') AND code = 2");
        let failed =
            count("SELECT count(*) FROM orders WHERE psp IN ('sips', 'monetico') AND code = -2");
        let canceled =
            count("SELECT count(*) FROM orders WHERE psp IN ('sips', 'monetico') AND code = -1");
        let released = count(
            "SELECT (SELECT count(*) FROM emulator_sips_transactions t JOIN orders o ON o.id = t.transaction_reference \
             WHERE t.authorisation_id IS NOT NULL AND t.captured_cents = 0 AND o.code IN (-1, -2)) \
             + (SELECT count(*) FROM emulator_monetico_payments p JOIN orders o ON o.id = p.reference \
             WHERE p.numauto IS NOT NULL AND p.captured_cents = 0 AND o.code IN (-1, -2))",
        );
        let mut s = self.card.cards.stats.borrow_mut();
        s.processed += processed;
        s.failed += failed;
        s.canceled += canceled;
        s.released += released;
    }
}
