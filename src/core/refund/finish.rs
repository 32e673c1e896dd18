//! What a refund the provider made writes, in one batch with the provider's
//! trace: the trade undone exactly as a chargeback undoes it
//! (`core::chargeback::undo` on unchanged titles, else `dispute`), the
//! refund marked `refunded`, both parties e-mailed. The chargeback's own
//! e-mail to the seller (about a reversal at the provider) is left out:
//! the refund's e-mails say what happened. The undo's ledger entry is the
//! chargeback's own.

use super::mail::{self, Party, Recipient};
use super::{already_charged_back, mark_refunded, Context, TradeOutcome};
use crate::core::chargeback::{self, TradeState};
use crate::core::purchase::OrderState;
use crate::core::sql::{Batch, Stmt};

/// Everything the batches are written with.
pub struct Finishing<'a> {
    pub order: &'a OrderState,
    pub context: &'a Context,
    /// The provider's id of the refund.
    pub reference: &'a str,
    pub now: &'a str,
    pub delivered_on_write: bool,
}

impl Finishing<'_> {
    fn mails(&self, t: &TradeState, outcome: TradeOutcome) -> Vec<Stmt> {
        let recipients = [
            Recipient {
                party: Party::Seller,
                email: &self.order.seller_email,
                language: &self.order.seller_language,
            },
            Recipient {
                party: Party::Buyer,
                email: &self.context.buyer_email,
                language: &self.context.buyer_language,
            },
        ];
        mail::both(t, outcome, recipients, self.now, self.delivered_on_write)
    }

    /// The undo (without the chargeback's e-mail), then the refund's end
    /// and its own e-mails.
    fn with_trade(&self, t: &TradeState, mut batch: Batch, outcome: TradeOutcome) -> Batch {
        batch.extend(mark_refunded(
            &self.order.id,
            self.reference,
            outcome,
            self.now,
        ));
        batch.extend(self.mails(t, outcome));
        batch
    }

    /// The changes to try in turn on a processed trade (each guarded; the
    /// first its guards let through is what happened): the undo when
    /// nothing was undone for the trade before, else the dispute.
    pub fn on_processed(&self, t: &TradeState) -> Vec<(Batch, TradeOutcome)> {
        let mut tries = Vec::new();
        if t.status == "processed" && t.reversal.is_none() {
            let undo = chargeback::undo_unmailed(t, self.now);
            tries.push((
                self.with_trade(t, undo, TradeOutcome::Undone),
                TradeOutcome::Undone,
            ));
        }
        if t.status == "processed" {
            let dispute = chargeback::dispute_unmailed(t, self.now);
            tries.push((
                self.with_trade(t, dispute, TradeOutcome::Disputed),
                TradeOutcome::Disputed,
            ));
        }
        tries
    }

    /// The trade was charged back before the refund was written (the
    /// provider's notification of this very refund came first): the refund
    /// only records it, and the e-mails say what the chargeback did to the
    /// titles (`t` as read after it).
    pub fn charged_back(&self, t: &TradeState) -> Option<(Batch, TradeOutcome)> {
        if t.status != "chargeback" {
            return None;
        }
        let outcome = match t.reversal.as_deref() {
            Some("undone") => TradeOutcome::Undone,
            Some("disputed") => TradeOutcome::Disputed,
            Some(_) | None => TradeOutcome::Already,
        };
        let mut batch = vec![already_charged_back(&self.order.id)];
        batch.extend(mark_refunded(
            &self.order.id,
            self.reference,
            TradeOutcome::Already,
            self.now,
        ));
        batch.extend(self.mails(t, outcome));
        Some((batch, TradeOutcome::Already))
    }
}
