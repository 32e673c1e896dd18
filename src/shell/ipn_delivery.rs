//! The emulator's asynchronous IPN delivery, in emulator mode: the messages
//! the emulated PayPal queued are handed to this deployment's listener flow
//! in-process (a deployed Worker cannot fetch itself), by the cron on every
//! run and at once by `POST /_emulator/paypal/ipn/deliver`.

use worker::Response;

use crate::core::psp::{self, ProviderId};
use crate::shell::effects::site;
use crate::shell::web::{Ctx, WebError};

/// Emulator mode: delivers the IPNs the emulator queued to this listener,
/// in-process (a deployed Worker cannot fetch itself). Like PayPal's, the
/// delivery is asynchronous: the cron does it on every run, and
/// `POST /_emulator/paypal/ipn/deliver` does it at once. Returns how many
/// were delivered (acknowledged with a 200).
pub async fn deliver_emulator_ipns(ctx: &Ctx) -> Result<usize, WebError> {
    let queued = crate::shell::emulator::queued_ipns(ctx, 50).await?;
    let base = ctx.base_url();
    let site = site(ctx, &base);
    let mut delivered = 0;
    // Only notifications addressed to a PayBook listener are queued for
    // ours (`queued_ipns` selects them); others stay listed, undelivered.
    for message in &queued {
        let (answer, outcome) =
            psp::receive_notification(ctx, &site, ProviderId::Paypal, message.body.as_bytes())
                .await;
        let status = answer.http_status();
        worker::console_log!(
            "emulator IPN {} delivered ({status}): {outcome}",
            message.id
        );
        // Like PayPal, the emulator sends it again until it gets a 200.
        crate::shell::emulator::record_ipn_delivery(ctx, message.id, status).await?;
        delivered += usize::from(status == 200);
    }
    Ok(delivered)
}

/// `POST /_emulator/paypal/ipn/deliver`.
pub async fn deliver_route(ctx: &Ctx) -> Result<Response, WebError> {
    let delivered = deliver_emulator_ipns(ctx).await?;
    crate::shell::web::json_response(200, &serde_json::json!({ "delivered": delivered }))
}
