//! The CGI2 notifications the emulator sends to the platform's
//! notification URL (`/psp/monetico/notify`, configured at the bank): in
//! process (a deployed Worker cannot fetch itself), through a
//! [`NotificationReceiver`] the shell gives, and again on every delivery
//! run until the platform acknowledges with `version=2` / `cdr=0`.

use crate::core::flow::{rows_at, Effects, FlowError};
use crate::core::psp::monetico::emulator::paiement::acknowledged;
use crate::core::sql::emulator::monetico::{self as sql, Notification};

/// A notification to deliver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedNotification {
    pub id: i64,
    pub tpe: String,
    pub reference: String,
    /// The exact bytes to POST.
    pub body: String,
    /// Delivered twice (a `duplicate` fault).
    pub duplicate: bool,
}

/// The platform's notification URL, as the emulator reaches it: the
/// answer's HTTP status and body.
#[allow(async_fn_in_trait)] // Workers futures are not Send.
pub trait NotificationReceiver {
    async fn receive(&self, body: &[u8]) -> (u16, String);
}

/// How many times a notification is sent before the emulator gives up
/// (Monetico's own retry policy is not documented: the emulator's
/// convention, listed in `docs/monetico-emulator.md`).
pub const MAX_ATTEMPTS: i64 = 20;

/// The longest answer kept for the listing.
const KEPT_ANSWER_CHARS: usize = 200;

/// Delivers one notification (twice for a `duplicate` fault) and records
/// the attempt; returns whether the platform acknowledged it.
pub async fn deliver<E: Effects, R: NotificationReceiver>(
    fx: &E,
    notification: &QueuedNotification,
    receiver: &R,
) -> Result<bool, FlowError> {
    let (status, answer) = receiver.receive(notification.body.as_bytes()).await;
    if notification.duplicate {
        let _ = receiver.receive(notification.body.as_bytes()).await;
    }
    let ok = acknowledged(status, &answer);
    fx.log(&format!(
        "monetico emulator: notification {} ({} {}) answered {status}{}",
        notification.id,
        notification.tpe,
        notification.reference,
        if ok { ", acknowledged" } else { "" }
    ));
    let kept: String = answer.chars().take(KEPT_ANSWER_CHARS).collect();
    let now = fx.now().to_string();
    fx.run(&vec![sql::record_notification_delivery(
        notification.id,
        i64::from(status),
        &kept,
        ok,
        &now,
    )])
    .await?;
    Ok(ok)
}

/// Delivers the notifications not acknowledged yet (at most `limit`, the
/// least tried first; given up after [`MAX_ATTEMPTS`]); returns how many
/// were acknowledged now. The cron calls it on
/// every run, `POST /_emulator/monetico/notifications/deliver` at once.
pub async fn deliver_queued<E: Effects, R: NotificationReceiver>(
    fx: &E,
    limit: i64,
    receiver: &R,
) -> Result<usize, FlowError> {
    let mut delivered = 0;
    for notification in queued_notifications(fx, limit).await? {
        delivered += usize::from(deliver(fx, &notification, receiver).await?);
    }
    Ok(delivered)
}

/// The notifications not acknowledged yet and not given up, the least
/// tried first, at most `limit`.
pub async fn queued_notifications<E: Effects>(
    fx: &E,
    limit: i64,
) -> Result<Vec<QueuedNotification>, FlowError> {
    let results = fx
        .run(&vec![sql::queued_notifications(MAX_ATTEMPTS, limit)])
        .await?;
    let rows: Vec<Notification> = rows_at(&results, 0)?;
    Ok(rows
        .into_iter()
        .map(|n| QueuedNotification {
            id: n.id,
            tpe: n.tpe,
            reference: n.reference,
            body: n.body,
            duplicate: n.duplicate == 1,
        })
        .collect())
}

/// The newest notifications (of one payment when given), at most `limit`.
pub async fn notifications<E: Effects>(
    fx: &E,
    payment: Option<(&str, &str)>,
    limit: i64,
) -> Result<Vec<Notification>, FlowError> {
    let results = fx.run(&vec![sql::notifications(payment, limit)]).await?;
    rows_at(&results, 0)
}
