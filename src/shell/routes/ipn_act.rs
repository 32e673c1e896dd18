//! Acting on a verified IPN: it is recorded once (txn_id + payment_status),
//! checked against its order, and acted on by asking PayPal about its
//! payment (`core::notify` decides): a completion is recorded as the return
//! path records it, a reversal or refund charges the trade back, a canceled
//! reversal puts it back. Failures are logged, never acted on.

use crate::core::notify::{self, Decision, Outcome, Step, Subject};
use crate::core::psp::paypal::ipn::{self, Notification};
use crate::shell::settle;
use crate::shell::web::{Ctx, WebError};

/// What [`act`] did with a message, for logs: `Settled` once PayPal and
/// the platform agree (or there is nothing to act on), `Left` when it is
/// left for the cron (PayPal did not answer, a change lost a race).
pub(crate) enum Acted {
    Settled(String),
    Left(String),
}

impl std::fmt::Display for Acted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Acted::Settled(text) | Acted::Left(text) => f.write_str(text),
        }
    }
}

/// Acts on a verified message: records it once, reads its order and trade,
/// asks PayPal about the payment, and writes what the core decides
/// (`core::notify`); after a change it looks again, up to
/// [`notify::MAX_LOOKS`] times, until PayPal and the platform agree. `record`
/// is false for a message the cron takes up again (it is recorded already)
/// and for the cron's scheduled re-read of a payment (`shell::recheck`,
/// never recorded).
pub(crate) async fn act(
    ctx: &Ctx,
    body: &str,
    n: &Notification,
    record: bool,
) -> Result<Acted, WebError> {
    let order_id = n
        .invoice
        .as_deref()
        .and_then(|i| ipn::order_id_from_invoice(i, &ctx.app.deployment_id));
    let label = format!("{} {}", n.txn_id, n.payment_status_text);
    let mail = settle::mail_setting(ctx);
    // The first change made, which names the message's outcome.
    let mut changed: Option<Outcome> = None;
    for look in 0..notify::MAX_LOOKS {
        let now = ctx.now().to_string();
        let record_now = record && look == 0;
        let mut batch = Vec::with_capacity(4);
        if record_now {
            batch.push(notify::record_once(n, order_id, body, &now));
        }
        batch.extend(notify::read(n, order_id));
        let results = ctx.run(&batch).await?;
        let read = results.get(usize::from(record_now)..).unwrap_or_default();
        let mut subject = Subject::decode(read).map_err(|e| WebError::Internal(e.to_string()))?;
        if look > 0 {
            // After our own change, we confirm it whatever another handler
            // of the same message concluded meanwhile (it may have looked
            // before our change).
            subject.outcome = None;
        }
        let named = match notify::first_step(n, &subject) {
            Step::Done(Outcome::Duplicate) => {
                return Ok(Acted::Settled(format!("{label}: duplicate, counted once")))
            }
            Step::Done(outcome) => {
                if outcome == Outcome::Mismatch {
                    worker::console_warn!("ipn: {label} does not match its order: ignored");
                }
                let outcome = changed.unwrap_or(outcome);
                ctx.run(&vec![notify::set_outcome_stmt(n, outcome)]).await?;
                return Ok(Acted::Settled(format!("{label}: {}", outcome.as_str())));
            }
            Step::Ask(named) => named,
        };
        let (inquiry, mut traces) = settle::inquire(ctx, &named).await?;
        // `inquire` makes at least one call, so there is always a last trace.
        let Some(last) = traces.pop() else {
            return Ok(Acted::Left(format!(
                "{label}: PayPal was not asked; left for the cron"
            )));
        };
        match notify::decide(n, &subject, &named, &inquiry, last, &mail, &now) {
            Decision::Retry(mut batch) => {
                batch.extend(traces);
                ctx.run(&batch).await?;
                return Ok(Acted::Left(format!(
                    "{label}: PayPal did not answer; left for the cron"
                )));
            }
            Decision::Agreed(mut batch, outcome) => {
                let outcome = changed.unwrap_or(outcome);
                batch.extend(traces);
                batch.push(notify::set_outcome_stmt(n, outcome));
                ctx.run(&batch).await?;
                return Ok(Acted::Settled(format!("{label}: {}", outcome.as_str())));
            }
            Decision::Change(tries, mut otherwise) => {
                let mut applied = None;
                for (mut batch, outcome) in tries {
                    batch.extend(traces.iter().cloned());
                    match ctx.run(&batch).await {
                        Ok(_) => {
                            applied = Some(outcome);
                            break;
                        }
                        Err(WebError::Db(e)) if e.guard().is_some() => {}
                        Err(e) => return Err(e),
                    }
                }
                let Some(outcome) = applied else {
                    // Something changed between the read and the write (a
                    // return, the cron, another message): the cron takes
                    // it up again.
                    otherwise.extend(traces);
                    ctx.run(&otherwise).await?;
                    return Ok(Acted::Left(format!(
                        "{label}: changed meanwhile; left for the cron"
                    )));
                };
                changed = changed.or(Some(outcome));
            }
        }
    }
    Ok(Acted::Left(format!(
        "{label}: still changing after {} looks; left for the cron",
        notify::MAX_LOOKS
    )))
}
