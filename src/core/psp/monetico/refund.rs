//! Monetico's refund of a captured payment (spec backoffice.md §3):
//! `recredit_paiement.cgi` for the whole amount (`montant_recredit` =
//! `montant_possible` = `montant`), sealed with the sorted MAC like the
//! capture, posted through the same plumbing (`adapter::post`).
//!
//! Monetico has no read call, so a retry after a lost answer cannot ask
//! whether the first recredit happened. It sends the same full recredit
//! again, which the bank can only do once: a payment captured once for
//! its whole amount has nothing left to recredit after the first one, and
//! the bank never recredits beyond what was captured (nor beyond the
//! request's own `montant_possible`). So the repeat moves nothing, and what
//! it answers is mapped by name:
//!
//! - `cdr=1`: recredited now.
//! - `cdr=2`, "nothing left to recredit" (the emulator's convention,
//!   docs/monetico-emulator.md; Monetico's `cdr` table is not public, A8):
//!   **refunded**. PayBook captures the whole amount once and is the only
//!   one to recredit it in full, so a payment with nothing left is one our
//!   own earlier attempt (whose answer was lost) recredited: the buyer has
//!   all his money back. Treating it as a refusal would leave a refunded
//!   payment's trade standing; treating it as unknown would ask forever.
//! - `cdr=0`: refused, nothing moved (not captured, an amount the bank
//!   does not accept, such as a payment partly recredited at the bank).
//! - any other `cdr` (`-1` request refused, unknown values) and a lost
//!   answer: unknown, never guessed (the cron repeats the same recredit,
//!   which is safe for the reason above).
//!
//! `num_autorisation` is the notification's `numauto` (kept as the order's
//! payer id); `date_remise` is the order's day (PayBook captures within the
//! order's life and keeps no capture date on the order).

use super::adapter::{opened, order_at_bank, post, CallResult};
use super::capture::{recredit_fields, CallOutcome, Recredit, RECREDIT_PATH};
use crate::core::flow::{Effects, FlowError, NoAnswer, Site};
use crate::core::psp::{Called, RefundOutcome, SealedAccount};
use crate::core::purchase::OrderState;

/// The `cdr` shown with a refusal (`cdr=0`).
const REFUSED_CDR: &str = "0";

/// Refunds the order's whole payment with the seller's account: one
/// `recredit_paiement.cgi` call.
pub async fn refund<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    account: SealedAccount<'_>,
    order: &OrderState,
) -> Result<Called<RefundOutcome>, FlowError> {
    let secret = opened(site, account)?;
    let bank_order = order_at_bank(account, &secret, order)?;
    let recredit = Recredit {
        captured_at: bank_order.ordered_at,
        authorization: order.psp_payer_id.as_deref().unwrap_or_default(),
        cents: order.amount_cents,
        refundable: order.amount_cents,
    };
    let fields = recredit_fields(&bank_order, &recredit, fx.now(), &secret.key)
        .map_err(|e| FlowError::Internal(format!("Monetico recredit: {e}")))?;
    let (result, trace) = post(fx, RECREDIT_PATH, "recredit", fields).await;
    Ok(Called {
        outcome: outcome(order, result),
        traces: vec![trace],
    })
}

/// What the recredit's answer (or its absence) means.
pub fn outcome(order: &OrderState, result: CallResult) -> RefundOutcome {
    match result {
        Err(no_answer) => RefundOutcome::Unknown(no_answer),
        // Recredited now, or nothing left after our own earlier recredit.
        Ok(CallOutcome::Accepted { aut, .. }) => RefundOutcome::Refunded {
            reference: aut.unwrap_or_else(|| order.id.clone()),
        },
        Ok(CallOutcome::AlreadyDone { .. }) => RefundOutcome::Refunded {
            reference: order.id.clone(),
        },
        Ok(CallOutcome::Declined { lib }) => RefundOutcome::Refused {
            code: REFUSED_CDR.to_owned(),
            message: lib,
        },
        Ok(CallOutcome::Unrecognized { cdr, lib }) => RefundOutcome::Unknown(NoAnswer::Unreadable(
            format!("recredit answered cdr={cdr} ({lib})"),
        )),
    }
}

// Against the built-in emulator: built with it only.
#[cfg(all(test, feature = "emulators"))]
#[path = "refund_tests.rs"]
mod tests;
