//! A card provider's message about an order (Sips' automatic or manual
//! response, Monetico's notification), as one flow whatever the provider:
//! the exact bytes are recorded first; the order it names is read; the
//! provider module verifies its seal or MAC with that order's account and
//! matches it to the order; then an authorization is claimed and captured
//! (`purchase::returned`, the same steps as PayPal's return), a refusal
//! fails the order, a cancel cancels it; the message is marked ended in
//! that last batch (an authorization: record with the order read, claim,
//! capture, record; three round trips). A message that could not be
//! finished for a transient reason stays `received` and is answered "send
//! again"; the cron takes it up from its bytes. Duplicates and late
//! messages change nothing twice: every step is guarded on the order's
//! state.

use super::effects::{run_guarded, Effects, FlowError};
use super::purchase::{authorized, Returned};
use super::{row_at, rows_at, Site};
use crate::core::psp::notice::Answer;
use crate::core::psp::{self, CardOutcome, CardVerdict, ProviderId};
use crate::core::purchase::{self, OrderState};
use crate::core::sql::receipts::{self, Due, Ending, Recorded};
use crate::core::sql::{guard_one_row_changed, outbox, Batch, Param, Stmt, StmtResult};

/// What became of a message: how to answer it, the order it named (the
/// manual response sends the browser there) and a line for the logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub answer: Answer,
    pub order_id: Option<String>,
    pub log: String,
}

fn received(answer: Answer, order_id: Option<String>, log: String) -> Received {
    Received {
        answer,
        order_id,
        log,
    }
}

/// Handles one message as received: records it, then [`process`]es it.
/// The record and the read of the order the message names are one round
/// trip: the record is the batch's first statement, so nothing is read
/// unless the bytes are kept; a reference that cannot be found in them
/// only leaves the read out (the message is recorded all the same).
pub async fn receive<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    provider: ProviderId,
    raw: &[u8],
) -> Received {
    let now = fx.now().to_string();
    let reference = psp::card_reference(provider, raw);
    let mut batch = vec![receipts::record(provider, raw, &now)];
    if let Ok(reference) = &reference {
        batch.push(purchase::order_by_token(provider, reference));
    }
    let results = match fx.run(&batch).await {
        Ok(results) => results,
        Err(e) => return received(Answer::SendAgain, None, format!("not recorded ({e:?})")),
    };
    match row_at::<Recorded>(&results, 0) {
        Ok(Some(r)) => {
            let named = reference
                .map_err(Unnamed::Unreadable)
                .and_then(|reference| named_order_from(&results, 1, &reference));
            process_named(fx, site, provider, r.id, raw, named).await
        }
        Ok(None) => received(Answer::SendAgain, None, "not recorded: no id".into()),
        Err(e) => received(Answer::SendAgain, None, format!("not recorded ({e:?})")),
    }
}

/// Reads, verifies and acts on recorded message `id`.
async fn process<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    provider: ProviderId,
    id: i64,
    raw: &[u8],
) -> Received {
    let named = named_order(fx, provider, raw).await;
    process_named(fx, site, provider, id, raw, named).await
}

/// Verifies and acts on recorded message `id`, whose order was read.
async fn process_named<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    provider: ProviderId,
    id: i64,
    raw: &[u8],
    named: Result<OrderState, Unnamed>,
) -> Received {
    let label = format!("{} message {id}", provider.as_str());
    let order = match named {
        Ok(named) => named,
        Err(Unnamed::Unreadable(why)) => {
            // The same bytes would be just as unreadable: not asked again.
            return end(
                fx,
                id,
                Ending::Unreadable,
                &why,
                Answer::Reject,
                None,
                label,
            )
            .await;
        }
        Err(Unnamed::Store(e)) => {
            return received(Answer::SendAgain, None, format!("{label}: {e:?}"))
        }
    };
    let order_id = Some(order.id.clone());
    match psp::verify_card_message(site, &order, raw) {
        CardVerdict::Forged(why) => forged(fx, id, &why, order_id, label).await,
        // Only a message about an order still awaiting its bank's answer
        // can refuse the key: the reference of an order past that may be
        // public (a trade's order id on /history), and anyone could post a
        // bad MAC naming it to disable its seller's account.
        CardVerdict::KeyRefused(why) if order.unclaimed_card_pending_or_new() => {
            key_refused(fx, site, &order, id, &why, label).await
        }
        CardVerdict::KeyRefused(why) => {
            let why = format!("{why}; the order no longer awaits its bank: the account stays");
            forged(fx, id, &why, order_id, label).await
        }
        CardVerdict::Mismatch(why) => {
            let why = format!("not this order's: {why}");
            acknowledge(fx, id, &why, order_id, label).await
        }
        CardVerdict::Verified(outcome) => verified(fx, site, &order, &outcome, id, label).await,
    }
}

/// Acts on a verified message's outcome, then ends the message unless its
/// ending ran in the order's batch.
async fn verified<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    order: &OrderState,
    outcome: &CardOutcome,
    id: i64,
    label: String,
) -> Received {
    let order_id = Some(order.id.clone());
    match act(fx, site, order, outcome, id).await {
        // The ending joined the order's last batch: nothing left to do.
        Ok(Acted { done, ended: true }) => received(
            Answer::Acknowledge,
            order_id,
            format!("{label}: {outcome:?}: {done}"),
        ),
        Ok(Acted { done, ended: false }) => {
            let why = format!("{outcome:?}: {done}");
            acknowledge(fx, id, &why, order_id, label).await
        }
        // Left `received`: the provider sends it again, the cron
        // takes it up.
        Err(e) => received(Answer::SendAgain, order_id, format!("{label}: {e:?}")),
    }
}

/// The account's key failed to verify the message: the account is marked
/// refused and its seller told, with the message's ending, in one batch.
async fn key_refused<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    order: &OrderState,
    id: i64,
    why: &str,
    label: String,
) -> Received {
    let now = fx.now().to_string();
    let mut batch = account_key_refused(order, &now, site.mail_is_local());
    batch.push(receipts::end(id, Ending::Forged, why, &now));
    let order_id = Some(order.id.clone());
    match fx.run(&batch).await {
        Ok(_) => received(Answer::Reject, order_id, format!("{label}: {why}")),
        Err(e) => received(Answer::SendAgain, order_id, format!("{label}: {e:?}")),
    }
}

/// Why a message names no order to verify it with.
enum Unnamed {
    /// Unreadable, or naming no order of ours: for good.
    Unreadable(String),
    /// The order could not be read now.
    Store(FlowError),
}

/// The order the message names by its reference (read before the message
/// is verified: its account's key verifies it).
async fn named_order<E: Effects>(
    fx: &E,
    provider: ProviderId,
    raw: &[u8],
) -> Result<OrderState, Unnamed> {
    let reference = psp::card_reference(provider, raw).map_err(Unnamed::Unreadable)?;
    let results = fx
        .run(&vec![purchase::order_by_token(provider, &reference)])
        .await
        .map_err(|e| Unnamed::Store(e.into()))?;
    named_order_from(&results, 0, &reference)
}

/// The order [`purchase::order_by_token`] read at `index` of `results`.
fn named_order_from(
    results: &[StmtResult],
    index: usize,
    reference: &str,
) -> Result<OrderState, Unnamed> {
    row_at::<OrderState>(results, index)
        .map_err(Unnamed::Store)?
        .ok_or_else(|| Unnamed::Unreadable(format!("no order {reference:?}")))
}

/// Ends a recorded message; when that write fails the message stays
/// `received` and is asked for again.
async fn end<E: Effects>(
    fx: &E,
    id: i64,
    ending: Ending,
    detail: &str,
    answer: Answer,
    order_id: Option<String>,
    label: String,
) -> Received {
    let now = fx.now().to_string();
    match fx.run(&vec![receipts::end(id, ending, detail, &now)]).await {
        Ok(_) => received(answer, order_id, format!("{label}: {detail}")),
        Err(e) => received(Answer::SendAgain, order_id, format!("{label}: {e:?}")),
    }
}

/// What [`act`] did, and whether the message's ending ran in its batch.
struct Acted {
    done: String,
    ended: bool,
}

/// Ends a verified message that needs no other change, acknowledged.
async fn acknowledge<E: Effects>(
    fx: &E,
    id: i64,
    why: &str,
    order_id: Option<String>,
    label: String,
) -> Received {
    end(
        fx,
        id,
        Ending::Verified,
        why,
        Answer::Acknowledge,
        order_id,
        label,
    )
    .await
}

/// Ends a message that failed verification, rejected: nothing it says is
/// believed.
async fn forged<E: Effects>(
    fx: &E,
    id: i64,
    why: &str,
    order_id: Option<String>,
    label: String,
) -> Received {
    end(fx, id, Ending::Forged, why, Answer::Reject, order_id, label).await
}

/// Acts on a verified outcome for its order; says what it did. Message
/// `id`'s ending joins the order's last batch (the record, or the cancel
/// or refusal), so that a message that changes its order costs no round
/// trip of its own; a guard that refuses that batch rolls the ending back
/// with it, and the caller ends the message alone.
async fn act<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    order: &OrderState,
    outcome: &CardOutcome,
    id: i64,
) -> Result<Acted, FlowError> {
    let now = fx.now().to_string();
    let ending =
        |done: &str| receipts::end(id, Ending::Verified, &format!("{outcome:?}: {done}"), &now);
    let (mut batch, done) = match outcome {
        CardOutcome::Authorized { authorization_id } => {
            let also = vec![ending("authorized")];
            let (shown, ended) =
                authorized(fx, site, order.clone(), authorization_id, &also).await?;
            let done = match shown {
                Returned::NotFound => "order not found",
                Returned::Show { .. } | Returned::ChooseFunding { .. } => "authorized",
            };
            return Ok(Acted {
                done: done.into(),
                ended,
            });
        }
        CardOutcome::Canceled => (purchase::cancel(&order.id, &now), "applied"),
        CardOutcome::Pending => (pending(order, &now), "applied"),
        CardOutcome::Refused { code, message } => (refused(order, code, message, &now), "applied"),
    };
    batch.push(ending(done));
    let ended = run_guarded(fx, &batch).await?;
    Ok(Acted {
        done: if ended { done } else { "nothing to change" }.into(),
        ended,
    })
}

/// The bank has not decided (Sips `60`): the order waits, holding no claim.
fn pending(order: &OrderState, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE orders SET substate = 'psp_pending', updated_at = ?2 \
             WHERE id = ?1 AND code = 0 AND substate = 'awaiting_buyer'",
            vec![Param::from(order.id.as_str()), Param::from(now)],
        ),
        guard_one_row_changed(),
    ]
}

/// The card was refused before any claim: the order fails with the bank's
/// code; no money moved.
fn refused(order: &OrderState, code: &str, message: &str, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE orders SET code = -2, substate = 'done', failure_reason = 'psp_refused', \
             psp_error_code = ?2, psp_error_message = ?3, updated_at = ?4 \
             WHERE id = ?1 AND code = 0 AND substate IN ('awaiting_buyer', 'psp_pending') \
             AND psp_transaction_id IS NULL",
            vec![
                Param::from(order.id.as_str()),
                Param::from(code),
                Param::from(message),
                Param::from(now),
            ],
        ),
        guard_one_row_changed(),
    ]
}

/// The cron: `provider`'s messages left `received` (a crash, a store that
/// failed), a minute old at least, for up to
/// [`crate::core::notify::RETRY_DAYS`], processed again from their bytes.
pub async fn receive_recorded<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    provider: ProviderId,
    limit: i64,
) -> Result<usize, FlowError> {
    let now = fx.now();
    let due = fx
        .run(&vec![receipts::due(
            provider,
            &now.plus_seconds(-60).to_string(),
            &now.plus_seconds(-crate::core::notify::RETRY_DAYS * 86_400)
                .to_string(),
            limit,
        )])
        .await?;
    let messages: Vec<Due> = rows_at(&due, 0)?;
    for message in &messages {
        let log = match message.bytes() {
            Some(raw) => process(fx, site, provider, message.id, &raw).await.log,
            None => format!("{}: stored bytes damaged", message.id),
        };
        fx.log(&format!("card message again: {log}"));
    }
    Ok(messages.len())
}

/// A seller's account whose key failed to verify a message that named one
/// of his orders still awaiting its bank (Monetico: the first MAC failure):
/// marked refused, so his titles cannot be bought until he replaces it,
/// and he is told.
pub fn account_key_refused(order: &OrderState, now: &str, delivered_on_write: bool) -> Batch {
    let provider = order.provider().as_str();
    let key = format!(
        "key-refused:{provider}:{}:{}",
        order.seller_id, order.seller_credentials_version
    );
    let subject = format!(
        "PayBook: a {provider} message failed to verify with your key / \
         un message {provider} n'a pas pu être vérifié avec votre clé"
    );
    let body = format!(
        "A payment message from {provider} about one of your orders did not verify with the \
         key of your receiving account: buyers cannot pay you there until you replace the \
         account on your account page (/account).\n\n\
         Un message de paiement {provider} sur l'une de vos commandes n'a pas pu être vérifié \
         avec la clé de votre compte de réception : les acheteurs ne peuvent plus vous payer \
         ainsi tant que vous ne l'avez pas remplacé sur votre page de compte (/account).\n"
    );
    vec![
        Stmt::new(
            "UPDATE psp_accounts SET status = 'refused' WHERE client_id = ?1 AND provider = ?2 \
             AND version = ?3 AND replaced_at IS NULL",
            vec![
                Param::Int(order.seller_id),
                Param::from(provider),
                Param::Int(order.seller_credentials_version),
            ],
        ),
        outbox::insert(&outbox::Mail {
            event_key: &key,
            to: &order.seller_email,
            subject: &subject,
            body: &body,
            now,
            delivered_on_write,
        }),
    ]
}
