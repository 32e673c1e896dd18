//! Asking PayPal what became of an order (GetExpressCheckoutDetails, then
//! GetTransactionDetails) and writing what the core's reconciler decides
//! (`reconcile::resolve_due`, which also bounds a Pending payment by
//! `PENDING_MAX_DAYS`).
//! Shared by the cron and by the return path when PayPal answers that the
//! checkout was already paid.

use crate::core::payment_check;
use crate::core::psp::paypal::nvp::{Method, NvpRequest};
use crate::core::purchase::{MailSetting, OrderState};
use crate::core::reconcile::{self, CheckoutFinding, Inquiry, Resolution};
use crate::core::sql::{traces, Stmt};

use super::paypal;
use super::web::{Ctx, WebError};

/// How the deployment writes e-mails.
pub fn mail_setting(ctx: &Ctx) -> MailSetting {
    MailSetting {
        delivered_on_write: ctx.mail_is_local(),
        operator_email: Some(ctx.app.config.contact_email.clone()),
    }
}

/// Asks PayPal about the order's checkout with the order's own credential
/// version. Returns the finding and the traces of the calls made.
pub async fn inquire(ctx: &Ctx, order: &OrderState) -> Result<(Inquiry, Vec<Stmt>), WebError> {
    let credentials = paypal::unseal(
        &ctx.app.keyring,
        order.seller_id,
        order.seller_credentials_version,
        &order.seller_api_username,
        &order.seller_sealed_secret,
    )
    .map_err(WebError::Internal)?;
    let now = ctx.now().to_string();
    let mut trace_rows = Vec::new();
    // A payment PayPal already named (Pending) is asked about directly: its
    // checkout token expires after 3 hours, the transaction does not.
    if let Some(txn) = order.psp_transaction_id.clone() {
        let request = NvpRequest::new(Method::GetTransactionDetails, &credentials)
            .field("TRANSACTIONID", txn.clone());
        let answer = paypal::call(ctx, &request, paypal::DEFAULT_TIMEOUT).await;
        trace_rows.push(traces::insert_for_order(
            &order.id,
            &paypal::trace(&request, &answer, &now),
        ));
        let inquiry = read_transaction(ctx, order, &txn, answer.as_ref().ok());
        return Ok((inquiry, trace_rows));
    }
    let request = NvpRequest::new(Method::GetExpressCheckoutDetails, &credentials)
        .field("TOKEN", order.psp_token.clone().unwrap_or_default());
    let answer = paypal::call(ctx, &request, paypal::DEFAULT_TIMEOUT).await;
    trace_rows.push(traces::insert_for_order(
        &order.id,
        &paypal::trace(&request, &answer, &now),
    ));
    let transaction_id = match reconcile::read_checkout(answer.as_ref().ok()) {
        CheckoutFinding::Transaction(txn) => txn,
        CheckoutFinding::NotPaidYet => return Ok((Inquiry::NotPaidYet, trace_rows)),
        CheckoutFinding::Expired => return Ok((Inquiry::Expired, trace_rows)),
        CheckoutFinding::Unknown => return Ok((Inquiry::Unknown, trace_rows)),
    };
    let request = NvpRequest::new(Method::GetTransactionDetails, &credentials)
        .field("TRANSACTIONID", transaction_id.clone());
    let answer = paypal::call(ctx, &request, paypal::DEFAULT_TIMEOUT).await;
    trace_rows.push(traces::insert_for_order(
        &order.id,
        &paypal::trace(&request, &answer, &now),
    ));
    let inquiry = read_transaction(ctx, order, &transaction_id, answer.as_ref().ok());
    Ok((inquiry, trace_rows))
}

/// PayPal's answer about `txn`, believed only when it is the order's
/// payment (`core::payment_check`); a mismatch is logged.
fn read_transaction(
    ctx: &Ctx,
    order: &OrderState,
    txn: &str,
    answer: Option<&crate::core::psp::paypal::nvp::NvpResponse>,
) -> Inquiry {
    let inquiry = payment_check::read_transaction_for(order, &ctx.app.deployment_id, txn, answer);
    if let Inquiry::Mismatch(m) = &inquiry {
        worker::console_warn!(
            "order {}: PayPal's transaction {txn} is not its payment ({}): ignored",
            order.id,
            m.as_str()
        );
    }
    inquiry
}

/// Inquires and writes the decision. Returns whether something changed.
pub async fn settle(ctx: &Ctx, order: &OrderState, ttl_passed: bool) -> Result<bool, WebError> {
    let (inquiry, mut trace_rows) = inquire(ctx, order).await?;
    let now = ctx.now().to_string();
    // The last call's trace goes into the decision's batch; earlier ones
    // are written with it.
    // `inquire` makes at least one call, so there is always a last trace.
    let Some(last) = trace_rows.pop() else {
        return Ok(false);
    };
    let pending_max_passed =
        reconcile::pending_max_passed(&order.created_at, &now, ctx.app.config.pending_max_days);
    match reconcile::resolve_due(
        order,
        &inquiry,
        ttl_passed,
        pending_max_passed,
        last.clone(),
        &mail_setting(ctx),
        &now,
    ) {
        Resolution::Write(mut batch) => {
            batch.extend(trace_rows);
            match ctx.run(&batch).await {
                Ok(_) => Ok(true),
                // Someone resolved it first (a return, IPN, another run).
                Err(WebError::Db(e)) if e.guard().is_some() => Ok(false),
                Err(e) => Err(e),
            }
        }
        Resolution::Wait => {
            trace_rows.push(last);
            trace_rows.push(reconcile::checked(&order.id, &now));
            ctx.run(&trace_rows).await?;
            Ok(false)
        }
    }
}
