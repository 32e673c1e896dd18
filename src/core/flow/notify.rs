//! Acting on a verified notification, and the cron's part: a message is
//! recorded once (reference + status), checked against its order, and acted
//! on by asking the provider about its payment (`core::notify` decides): a
//! completion is recorded as the return records it, a reversal or refund
//! charges the trade back, a canceled reversal puts it back. After a change
//! it looks again, up to [`notify::MAX_LOOKS`] times, until the provider and
//! the platform agree; what is left is the cron's.

use super::effects::{Effects, FlowError, StoreError};
use super::ledger as ledger_flow;
use super::settle::inquire;
use super::{rows_at, Site};
use crate::core::notify::{self, Decision, Outcome, Step, Subject};
use crate::core::psp::notice::{self, Notice};
use crate::core::sql::{Batch, Stmt};

/// What [`act`] did with a message, for logs: `Settled` once the provider
/// and the platform agree (or there is nothing to act on), `Left` when it
/// is left for the cron (no answer, a change lost a race).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acted {
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

/// Acts on a verified message. `record` is false for a message the cron
/// takes up again (it is recorded already) and for the cron's scheduled
/// re-read of a payment (`super::recheck`, never recorded).
pub async fn act<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    body: &str,
    n: &Notice,
    record: bool,
) -> Result<Acted, FlowError> {
    let order_id = n.order_id(site.deployment_id);
    let label = format!("{} {}", n.reference, n.status_text);
    let mail = site.mail();
    // The first change made, which names the message's outcome.
    let mut changed: Option<Outcome> = None;
    for look in 0..notify::MAX_LOOKS {
        let now = fx.now().to_string();
        let mut subject = look_up(fx, body, n, order_id, record && look == 0, &now).await?;
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
                    fx.log(&format!("ipn: {label} does not match its order: ignored"));
                }
                let outcome = changed.unwrap_or(outcome);
                fx.run(&vec![notify::set_outcome_stmt(n, outcome)]).await?;
                return Ok(Acted::Settled(format!("{label}: {}", outcome.as_str())));
            }
            Step::Ask(named) => named,
        };
        let (inquiry, mut traces) = inquire(fx, site, &named).await?;
        // A read makes at least one call, so there is always a last trace.
        let Some(last) = traces.pop() else {
            return Ok(Acted::Left(format!(
                "{label}: the provider was not asked; left for the cron"
            )));
        };
        match notify::decide(n, &subject, &named, &inquiry, last, &mail, &now) {
            Decision::Retry(mut batch) => {
                batch.extend(traces);
                fx.run(&batch).await?;
                return Ok(Acted::Left(format!(
                    "{label}: the provider did not answer; left for the cron"
                )));
            }
            Decision::Agreed(mut batch, outcome) => {
                let outcome = changed.unwrap_or(outcome);
                batch.extend(traces);
                batch.push(notify::set_outcome_stmt(n, outcome));
                fx.run(&batch).await?;
                return Ok(Acted::Settled(format!("{label}: {}", outcome.as_str())));
            }
            Decision::Change(tries, otherwise) => {
                let Some(outcome) = apply_first(fx, tries, otherwise, &traces).await? else {
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

/// Reads what the message is about (recording it first when `record`), in
/// one batch.
async fn look_up<E: Effects>(
    fx: &E,
    body: &str,
    n: &Notice,
    order_id: Option<&str>,
    record: bool,
    now: &str,
) -> Result<Subject, FlowError> {
    let mut batch = Vec::with_capacity(4);
    if record {
        batch.push(notify::record_once(n, order_id, body, now));
    }
    batch.extend(notify::read(n, order_id));
    let results = fx.run(&batch).await?;
    let read = results.get(usize::from(record)..).unwrap_or_default();
    Subject::decode(read).map_err(|e| FlowError::Internal(e.to_string()))
}

/// Tries the changes in order until one applies (each is guarded); when a
/// guard refuses them all, something changed between the read and the
/// write (a return, the cron, another message): `otherwise` leaves the
/// message for the cron, and `None` says so.
async fn apply_first<E: Effects>(
    fx: &E,
    tries: Vec<(Batch, Outcome)>,
    mut otherwise: Batch,
    traces: &[Stmt],
) -> Result<Option<Outcome>, FlowError> {
    for (mut batch, outcome) in tries {
        batch.extend(traces.iter().cloned());
        match ledger_flow::run(fx, &batch).await {
            Ok(_) => return Ok(Some(outcome)),
            Err(StoreError::Guard) => {}
            Err(e) => return Err(e.into()),
        }
    }
    otherwise.extend(traces.iter().cloned());
    fx.run(&otherwise).await?;
    Ok(None)
}

/// The cron: verifies the messages recorded but not verified yet (their
/// postback failed), then takes up again the verified messages a crashed
/// handler or a lost race left `received`, a minute old at least, for up
/// to [`notify::RETRY_DAYS`]. Returns how many of the latter.
pub async fn retry_received<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    limit: i64,
) -> Result<usize, FlowError> {
    if let Err(e) = crate::core::psp::verify_recorded_notifications(fx, site, limit).await {
        fx.log(&format!(
            "ipn: verifying recorded messages again failed: {e:?}"
        ));
    }
    let now = fx.now();
    let due = fx
        .run(&vec![notify::due(
            &now.plus_seconds(-60).to_string(),
            &now.plus_seconds(-notify::RETRY_DAYS * 86_400).to_string(),
            limit,
        )])
        .await?;
    let messages: Vec<notify::Due> = rows_at(&due, 0)?;
    for message in &messages {
        let outcome = match notice::parse_recorded(&message.psp, &message.body) {
            Some(n) => match act(fx, site, &message.body, &n, false).await {
                Ok(outcome) => outcome.to_string(),
                Err(e) => format!("{}: {e:?}", n.reference),
            },
            None => format!("{}: unreadable", message.psp),
        };
        fx.log(&format!("ipn retry: {outcome}"));
    }
    Ok(messages.len())
}
