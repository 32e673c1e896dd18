//! The refund's e-mails: one to the seller and one to the buyer, each in
//! its recipient's language, saying what was refunded, for which title,
//! and what became of the titles. Keyed by order and party, so that a
//! refund finished twice (the cron after a lost answer) mails once.

use super::TradeOutcome;
use crate::core::chargeback::TradeState;
use crate::core::i18n::Lang;
use crate::core::money::plain_cents;
use crate::core::sql::{outbox, Stmt};

/// Who a refund e-mail goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    Seller,
    Buyer,
}

/// One party's address and language.
pub struct Recipient<'a> {
    pub party: Party,
    pub email: &'a str,
    pub language: &'a str,
}

/// The (subject, body) of `party`'s e-mail about the refunded trade.
pub fn text(t: &TradeState, outcome: TradeOutcome, party: Party, lang: Lang) -> (String, String) {
    let words = lang.refund();
    let amount = format!("{} {}", plain_cents(t.amount_cents), t.currency);
    let value = format!("{} {}", plain_cents(t.previous_value_cents), t.currency);
    let titles = match outcome {
        TradeOutcome::Undone if t.new_title_id != t.title_id => words.titles_split_undone,
        TradeOutcome::Undone => words.titles_transfer_undone,
        TradeOutcome::Disputed => words.titles_disputed,
        TradeOutcome::Already => words.titles_already,
    };
    let fill = |template: &str| {
        template
            .replace("{titles}", titles)
            .replace("{amount}", &amount)
            .replace("{new_isin}", &t.new_isin)
            .replace("{isin}", &t.isin)
            .replace("{value}", &value)
    };
    let body = match party {
        Party::Seller => words.mail_seller,
        Party::Buyer => words.mail_buyer,
    };
    (fill(words.mail_subject), fill(body))
}

/// The outbox rows of both e-mails.
pub fn both(
    t: &TradeState,
    outcome: TradeOutcome,
    recipients: [Recipient<'_>; 2],
    now: &str,
    delivered_on_write: bool,
) -> Vec<Stmt> {
    recipients
        .iter()
        .map(|r| {
            let lang = Lang::parse(r.language).unwrap_or_default();
            let (subject, body) = text(t, outcome, r.party, lang);
            let key = match r.party {
                Party::Seller => format!("order:{}:refund:seller", t.order_id),
                Party::Buyer => format!("order:{}:refund:buyer", t.order_id),
            };
            outbox::insert(&outbox::Mail {
                event_key: &key,
                to: r.email,
                subject: &subject,
                body: &body,
                now,
                delivered_on_write,
            })
        })
        .collect()
}
