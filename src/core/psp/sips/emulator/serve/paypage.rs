//! The Paypage at work: `paymentInit` (read, check the seal against the
//! merchant, refuse a reference already used with `94`, take a fault,
//! record the request as `INITIALIZED` behind a guard) and the card
//! page's decision (one guarded batch: the transaction decided, the
//! balance moved when captured at once, its automatic responses queued).
//! A second submit of the card page gets the response already sent.

use super::controls::take_fault;
use super::random_text;
use super::responses::QueuedResponse;
use super::DIGITS;
use crate::core::flow::{row_at, Effects, FlowError, StoreError};
use crate::core::psp::sips::codes::ResponseCode;
use crate::core::psp::sips::emulator::{
    self as rules, CardAction, Decided, FaultKind, FaultMethod, InitForm, InitRefusal, TxStatus,
};
use crate::core::sql::emulator::sips::{Merchant, Transaction};
use crate::core::sql::emulator::{self as paypal_tables, sips};

/// What `paymentInit` shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InitOutcome {
    /// The card page of this transaction.
    CardPage(Box<Transaction>),
    /// The error page with Sips' code; nothing recorded.
    Refused(InitRefusal),
    /// A `drop` fault: the request is recorded, the page is lost.
    Dropped,
}

fn refused(code: ResponseCode, detail: &str) -> InitOutcome {
    InitOutcome::Refused(InitRefusal {
        code,
        detail: detail.to_owned(),
    })
}

/// `paymentInit` with the posted form.
pub async fn payment_init<E: Effects>(
    fx: &E,
    form: &InitForm<'_>,
) -> Result<InitOutcome, FlowError> {
    let read = match rules::read_init(form) {
        Ok(read) => read,
        Err(refusal) => return Ok(InitOutcome::Refused(refusal)),
    };
    let request = &read.request;
    let (merchant_id, reference) = (&request.merchant_id, &request.transaction_reference);
    let batch = vec![
        sips::merchant_by_id(merchant_id),
        paypal_tables::clock_offset(),
        sips::transaction(merchant_id, reference),
        sips::matching_fault(FaultMethod::PaymentInit.as_str(), merchant_id, reference),
    ];
    let results = fx.run(&batch).await?;
    let merchant: Option<Merchant> = row_at(&results, 0)?;
    if let Err(refusal) = rules::check_init_seal(form, &read, merchant.as_ref()) {
        return Ok(InitOutcome::Refused(refusal));
    }
    if let Some(existing) = row_at::<Transaction>(&results, 2)? {
        // The same request posted again (a reload) shows its page again.
        return Ok(
            if existing.status == TxStatus::Initialized.as_str()
                && existing.request_seal == form.seal
            {
                InitOutcome::CardPage(Box::new(existing))
            } else {
                refused(
                    ResponseCode::DuplicateReference,
                    "transactionReference already used",
                )
            },
        );
    }
    let fault = take_fault(fx, row_at(&results, 3)?.as_ref()).await?;
    if let Some(FaultKind::Code(code)) = &fault {
        return Ok(refused(code.clone(), "fault"));
    }
    let card_token = random_text::<24, E>(fx, super::KEY_CHARS)?;
    let now = fx.now().to_string();
    let capture_mode = request.capture_mode.as_deref().unwrap_or("AUTHOR_CAPTURE");
    let mut batch = sips::init_transaction(&sips::NewTransaction {
        merchant_id,
        transaction_reference: reference,
        card_token: &card_token,
        amount_cents: request.amount.cents(),
        currency_code: &request.currency_code,
        capture_mode,
        capture_day: i64::from(request.capture_day.unwrap_or(0)),
        seal_algorithm: read.algorithm.as_str(),
        request_seal: form.seal,
        normal_return_url: &request.normal_return_url,
        automatic_response_url: request.automatic_response_url.as_deref(),
        customer_language: request.customer_language.as_deref(),
        now: &now,
    });
    batch.push(sips::transaction(merchant_id, reference));
    let results = match fx.run(&batch).await {
        Ok(results) => results,
        // Another request recorded this reference first.
        Err(StoreError::Guard) => {
            return Ok(refused(
                ResponseCode::DuplicateReference,
                "transactionReference already used",
            ))
        }
        Err(error) => return Err(error.into()),
    };
    let transaction = row_at(&results, batch.len() - 1)?
        .ok_or_else(|| FlowError::Internal("emulator transaction vanished".into()))?;
    Ok(match fault {
        Some(FaultKind::Drop) => InitOutcome::Dropped,
        Some(FaultKind::Code(_) | FaultKind::Delay | FaultKind::Duplicate) | None => {
            InitOutcome::CardPage(Box::new(transaction))
        }
    })
}

/// The transaction of a card page token, with its merchant, while the
/// buyer has not decided.
pub async fn card_page<E: Effects>(
    fx: &E,
    card_token: &str,
) -> Result<Option<(Transaction, Merchant)>, FlowError> {
    let Some((transaction, merchant)) = load_card(fx, card_token).await? else {
        return Ok(None);
    };
    Ok((transaction.status == TxStatus::Initialized.as_str()).then_some((transaction, merchant)))
}

async fn load_card<E: Effects>(
    fx: &E,
    card_token: &str,
) -> Result<Option<(Transaction, Merchant)>, FlowError> {
    let results = fx
        .run(&vec![
            sips::transaction_by_token(card_token),
            paypal_tables::clock_offset(),
        ])
        .await?;
    let Some(transaction) = row_at::<Transaction>(&results, 0)? else {
        return Ok(None);
    };
    let results = fx
        .run(&vec![sips::merchant_by_id(&transaction.merchant_id)])
        .await?;
    Ok(row_at::<Merchant>(&results, 0)?.map(|merchant| (transaction, merchant)))
}

/// What the card form was refused for (the page again, 422).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardProblem {
    CardNumber,
    Action,
}

/// What the card form's POST leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CardOutcome {
    /// No such card page.
    NotFound,
    /// The page again with a message; nothing decided.
    Invalid {
        transaction: Transaction,
        merchant: Merchant,
        problem: CardProblem,
    },
    /// Decided (now or before): the manual response to post to
    /// `normalReturnUrl`, and the automatic responses to deliver now.
    Decided {
        transaction: Transaction,
        data: String,
        seal: String,
        deliver: Vec<QueuedResponse>,
    },
}

/// The buyer's submit of the card page.
pub async fn submit_card<E: Effects>(
    fx: &E,
    card_token: &str,
    action: &str,
    card_number: &str,
) -> Result<CardOutcome, FlowError> {
    let Some((transaction, merchant)) = load_card(fx, card_token).await? else {
        return Ok(CardOutcome::NotFound);
    };
    if transaction.status != TxStatus::Initialized.as_str() {
        return Ok(already_decided(transaction));
    }
    let invalid = |problem| CardOutcome::Invalid {
        transaction: transaction.clone(),
        merchant: merchant.clone(),
        problem,
    };
    let Some(action) = CardAction::parse(action) else {
        return Ok(invalid(CardProblem::Action));
    };
    let digits = rules::card_digits(card_number);
    if action.needs_card() && digits.is_none() {
        return Ok(invalid(CardProblem::CardNumber));
    }
    let digits = digits.filter(|_| action.needs_card());
    decide(fx, &transaction, &merchant, action, digits.as_deref()).await
}

/// A transaction decided before: its response again, nothing delivered.
fn already_decided(transaction: Transaction) -> CardOutcome {
    match (
        transaction.response_data.clone(),
        transaction.response_seal.clone(),
    ) {
        (Some(data), Some(seal)) => CardOutcome::Decided {
            transaction,
            data,
            seal,
            deliver: Vec::new(),
        },
        (None, _) | (_, None) => CardOutcome::NotFound,
    }
}

/// The statuses of the automatic responses a fault leaves to queue.
fn response_statuses(fault: Option<&FaultKind>) -> &'static [&'static str] {
    match fault {
        Some(FaultKind::Drop) => &["dropped"],
        Some(FaultKind::Delay) => &["delayed"],
        Some(FaultKind::Duplicate) => &["queued", "queued"],
        Some(FaultKind::Code(_)) | None => &["queued"],
    }
}

async fn decide<E: Effects>(
    fx: &E,
    t: &Transaction,
    merchant: &Merchant,
    action: CardAction,
    digits: Option<&str>,
) -> Result<CardOutcome, FlowError> {
    let method = FaultMethod::Response.as_str();
    let results = fx
        .run(&vec![sips::matching_fault(
            method,
            &t.merchant_id,
            &t.transaction_reference,
        )])
        .await?;
    let fault = take_fault(fx, row_at(&results, 0)?.as_ref()).await?;
    let code = match &fault {
        Some(FaultKind::Code(code)) => code.clone(),
        Some(FaultKind::Drop | FaultKind::Delay | FaultKind::Duplicate) | None => {
            action.response_code()
        }
    };
    let (status, captured_now) = rules::status_after_payment(&code, &t.capture_mode);
    let authorisation_id = if code == ResponseCode::Accepted {
        Some(random_text::<6, E>(fx, DIGITS)?)
    } else {
        None
    };
    let masked = digits.map(rules::masked_pan);
    let now = fx.now();
    let decided = Decided {
        code: &code,
        authorisation_id: authorisation_id.as_deref(),
        masked_pan: masked.as_deref(),
        brand: digits.map(rules::brand),
        now,
    };
    let data = rules::response_data(t, merchant.key_version, &decided)
        .map_err(|e| FlowError::Internal(format!("response Data: {e}")))?;
    let seal = rules::response_seal(t, &data, &merchant.secret_key);
    let sent = Sent {
        code: &code,
        status,
        authorisation_id: authorisation_id.as_deref(),
        masked_pan: masked.as_deref(),
        captured_cents: if captured_now { t.origin_cents } else { 0 },
        data: &data,
        seal: &seal,
        now,
    };
    record(fx, t, &sent, fault.as_ref()).await
}

/// A decision about to be recorded.
struct Sent<'a> {
    code: &'a ResponseCode,
    status: TxStatus,
    authorisation_id: Option<&'a str>,
    masked_pan: Option<&'a str>,
    captured_cents: i64,
    data: &'a str,
    seal: &'a str,
    now: crate::core::time::UtcTime,
}

/// Records the decision with its automatic responses in one guarded
/// batch; the queued ones are returned to deliver now.
async fn record<E: Effects>(
    fx: &E,
    t: &Transaction,
    sent: &Sent<'_>,
    fault: Option<&FaultKind>,
) -> Result<CardOutcome, FlowError> {
    let body = rules::response_body(sent.data, sent.seal);
    let now_text = sent.now.to_string();
    let url = t.automatic_response_url.as_deref();
    let statuses: &[&str] = if url.is_some() {
        response_statuses(fault)
    } else {
        &[]
    };
    let responses = statuses
        .iter()
        .map(|status| sips::NewResponse {
            merchant_id: &t.merchant_id,
            transaction_reference: &t.transaction_reference,
            response_code: sent.code.as_str(),
            url,
            body: &body,
            status,
            now: &now_text,
        })
        .collect();
    let record = sips::Decision {
        card_token: &t.card_token,
        status: sent.status.as_str(),
        response_code: sent.code.as_str(),
        authorisation_id: sent.authorisation_id,
        masked_pan: sent.masked_pan,
        response_data: sent.data,
        response_seal: sent.seal,
        captured_cents: sent.captured_cents,
        authorized_at: (*sent.code == ResponseCode::Accepted).then_some(now_text.as_str()),
        merchant_id: &t.merchant_id,
        now: &now_text,
        responses,
    };
    let (mut batch, at) = sips::decide(&record);
    batch.push(sips::transaction_by_token(&t.card_token));
    let results = match fx.run(&batch).await {
        Ok(results) => results,
        // Decided by another submit meanwhile: answer what it sent.
        Err(StoreError::Guard) => {
            return Ok(match load_card(fx, &t.card_token).await? {
                Some((transaction, _)) => already_decided(transaction),
                None => CardOutcome::NotFound,
            })
        }
        Err(error) => return Err(error.into()),
    };
    let mut deliver = Vec::new();
    for (index, status) in at.iter().zip(statuses) {
        let row: Option<sips::NewId> = row_at(&results, *index)?;
        if let (Some(row), &"queued") = (row, status) {
            deliver.push(QueuedResponse {
                id: row.id,
                url: url.map(str::to_owned),
                body: body.clone(),
            });
        }
    }
    let transaction = row_at(&results, batch.len() - 1)?
        .ok_or_else(|| FlowError::Internal("emulator transaction vanished".into()))?;
    Ok(CardOutcome::Decided {
        transaction,
        data: sent.data.to_owned(),
        seal: sent.seal.to_owned(),
        deliver,
    })
}
