//! PayPal, modelled in plain Rust (no SQL): accounts with balances in
//! cents, Express Checkout tokens valid 3 hours, payments, MSGSUBID memory
//! per token, and the four NVP calls PayBook makes, answered as
//! `NvpResponse`s with PayPal's real field names and error codes (10410,
//! 10411, 10415, 10416, 10486, 11607 with the original payment attached).
//! Faults come from per-history rates or from a one-shot script: a call
//! that fails before doing anything, an answer lost after the work is done,
//! a payment taken with status Pending (completed or denied later), a
//! funding refusal (10486, the token stays usable).
//!
//! The model also keeps what the invariants need: every payment it
//! executed, and every DoExpressCheckoutPayment sent, with whether the
//! order held its title's claim at that moment.
//!
//! After the fact, PayPal reverses or refunds completed payments (the money
//! goes back to the payer), cancels reversals (it comes back to the
//! receiver), and tells the receiver with an IPN for every payment, status
//! change and later event. Each message is queued until the listener
//! answers it (PayPal resends until then); the postback verifies exactly
//! the bodies PayPal sent. Some are never delivered at all (`lose_ipn`).

use std::collections::BTreeMap;

use paybook::core::money::Amount;
use paybook::core::psp::paypal::ipn::Verdict;
use paybook::core::psp::paypal::nvp::NvpResponse;
use paybook::core::time::UtcTime;

use super::rng::{Rng, UPPER_ALNUM};

pub const TOKEN_SECONDS: i64 = 3 * 3_600;
pub const MAX_ATTEMPTS: u32 = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    SetEc,
    GetEc,
    DoEc,
    GetTd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The call fails before PayPal does anything: no answer.
    FailBefore,
    /// PayPal does the work, then the answer is lost.
    LoseAnswer,
    /// DoExpressCheckoutPayment takes the payment with status Pending.
    Pending,
    /// DoExpressCheckoutPayment refuses with 10486 (token stays usable).
    Funding,
    /// PayPal refuses before doing anything with 10445 ("This transaction
    /// cannot be processed at this time. Please try again later.").
    Transient,
}

/// Per-mille rates of random faults for one history.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rates {
    pub transient: u32,
    pub fail_before: u32,
    pub lose_answer: u32,
    pub pending: u32,
    pub funding: u32,
    /// The IPN postback fails (no answer, a timeout, another answer).
    pub postback_fail: u32,
    /// Notifications PayPal never delivers.
    pub lose_ipn: u32,
}

#[derive(Clone, Debug)]
pub struct Account {
    pub email: String,
    pub payer_id: String,
    pub api_username: String,
    pub start: i64,
    pub balance: i64,
    pub deposits: i64,
}

#[derive(Clone, Debug)]
pub struct Checkout {
    pub token: String,
    pub receiver: usize,
    pub amount: i64,
    pub currency: String,
    pub invnum: String,
    pub created_at: i64,
    pub payer: Option<usize>,
    /// The payment made with this token, its MSGSUBID and the answer's body
    /// (replayed with 11607).
    pub paid: Option<Paid>,
    pub attempts: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayStatus {
    Completed,
    Pending,
    Denied,
    /// Charged back (`Reversed`) or refunded (`Refunded`): the money is
    /// back with the payer.
    Reversed {
        refund: bool,
    },
    /// Part of it refunded (`Payment::refunded`): the rest stays with the
    /// receiver (`Partially-Refunded`).
    PartlyRefunded,
}

impl PayStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PayStatus::Completed => "Completed",
            PayStatus::Pending => "Pending",
            PayStatus::Denied => "Denied",
            PayStatus::Reversed { refund: false } => "Reversed",
            PayStatus::Reversed { refund: true } => "Refunded",
            PayStatus::PartlyRefunded => "Partially-Refunded",
        }
    }

    pub fn is_reversed(self) -> bool {
        matches!(self, PayStatus::Reversed { .. })
    }
}

/// One IPN message PayPal sent, with whether the listener acknowledged it
/// (a 200) at least once.
#[derive(Clone, Debug)]
pub struct Ipn {
    pub body: String,
    pub txn: String,
    pub status: String,
    pub acked: bool,
    /// Never delivered: the platform learns it by asking (core::recheck).
    pub lost: bool,
}

#[derive(Clone, Debug)]
pub struct Payment {
    pub txn: String,
    pub token: String,
    pub order_id: String,
    pub payer: usize,
    pub receiver: usize,
    pub amount: i64,
    pub currency: String,
    pub status: PayStatus,
    pub at: i64,
    /// A reversal of it was canceled (GetTransactionDetails then says
    /// `Canceled-Reversal`).
    pub reversal_canceled: bool,
    /// How much of it the receiver refunded so far.
    pub refunded: i64,
}

impl Payment {
    /// What the payment moved from payer to receiver, net of refunds.
    pub fn net(&self) -> i64 {
        match self.status {
            PayStatus::Completed => self.amount,
            PayStatus::PartlyRefunded => self.amount - self.refunded,
            PayStatus::Pending | PayStatus::Denied | PayStatus::Reversed { .. } => 0,
        }
    }
}

/// What the platform's database said about the order when a
/// DoExpressCheckoutPayment was sent for it.
#[derive(Clone, Debug)]
pub struct SendContext {
    pub held_claim: bool,
    pub code: i64,
    pub substate: String,
    pub attempt: i64,
}

/// A payment made with a token: its transaction, MSGSUBID and answer.
pub type Paid = (String, Option<String>, Vec<(String, String)>);

#[derive(Clone, Debug)]
pub struct Send {
    pub order_id: String,
    pub msgsubid: String,
    /// The transaction this call executed (a new payment), if any.
    pub executed: Option<String>,
    pub answer: String,
}

pub struct DoEcRequest {
    pub caller: String,
    pub token: String,
    pub payer_id: String,
    pub amount: String,
    pub currency: String,
    pub invnum: String,
    pub msgsubid: String,
}

pub struct PayPal {
    pub accounts: Vec<Account>,
    pub checkouts: BTreeMap<String, Checkout>,
    pub payments: Vec<Payment>,
    pub sends: Vec<Send>,
    pub rates: Rates,
    /// One-shot faults: the first call of the method consumes it.
    pub script: Vec<(Api, Fault)>,
    pub calls: u64,
    /// Every IPN PayPal sent, in the order it sent them.
    pub ipns: Vec<Ipn>,
}

fn time(now: i64) -> String {
    UtcTime::from_unix_seconds(now).to_string()
}

fn plain(cents: i64) -> String {
    Amount::from_cents(cents).map_or_else(|| cents.to_string(), Amount::to_plain)
}

fn pairs(list: Vec<(&str, String)>) -> Vec<(String, String)> {
    list.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

impl PayPal {
    pub fn new(rates: Rates) -> PayPal {
        PayPal {
            accounts: Vec::new(),
            checkouts: BTreeMap::new(),
            payments: Vec::new(),
            sends: Vec::new(),
            rates,
            script: Vec::new(),
            calls: 0,
            ipns: Vec::new(),
        }
    }

    pub fn add_account(
        &mut self,
        email: &str,
        api_username: &str,
        payer_id: String,
        balance: i64,
    ) -> usize {
        self.accounts.push(Account {
            email: email.to_string(),
            payer_id,
            api_username: api_username.to_string(),
            start: balance,
            balance,
            deposits: 0,
        });
        self.accounts.len() - 1
    }

    pub fn deposit(&mut self, account: usize, cents: i64) {
        self.accounts[account].balance += cents;
        self.accounts[account].deposits += cents;
    }

    fn account_by_api(&self, api_username: &str) -> Option<usize> {
        self.accounts
            .iter()
            .position(|a| a.api_username == api_username)
    }

    pub fn expired(&self, c: &Checkout, now: i64) -> bool {
        now - c.created_at > TOKEN_SECONDS
    }

    /// Whether this call gets a fault: `(fail_before, lose_answer, pending,
    /// funding)`; a transient refusal is `Err` (answered, nothing done).
    fn faults(&mut self, api: Api, rng: &mut Rng) -> Result<(bool, bool, bool, bool), ()> {
        if let Some(i) = self.script.iter().position(|(a, _)| *a == api) {
            let (_, f) = self.script.remove(i);
            if f == Fault::Transient {
                return Err(());
            }
            return Ok((
                f == Fault::FailBefore,
                f == Fault::LoseAnswer,
                f == Fault::Pending,
                f == Fault::Funding,
            ));
        }
        let r = self.rates;
        if rng.chance(r.transient) {
            return Err(());
        }
        let before = rng.chance(r.fail_before);
        let lose = rng.chance(r.lose_answer);
        let (pending, funding) = if api == Api::DoEc {
            (rng.chance(r.pending), rng.chance(r.funding))
        } else {
            (false, false)
        };
        Ok((before, lose, pending, funding))
    }

    fn envelope(&mut self, ack: &str, now: i64) -> Vec<(String, String)> {
        self.calls += 1;
        pairs(vec![
            ("TIMESTAMP", time(now)),
            ("CORRELATIONID", format!("{:013x}", self.calls)),
            ("ACK", ack.to_string()),
            ("VERSION", "204".into()),
            ("BUILD", "57888165".into()),
        ])
    }

    fn failure(&mut self, code: &str, now: i64) -> NvpResponse {
        let (short, long) = match code {
            "10004" => (
                "Transaction refused because of an invalid argument.",
                "The transaction id is not valid",
            ),
            "10410" => ("Invalid token", "Invalid token."),
            "10411" => (
                "This Express Checkout session has expired.",
                "This Express Checkout session has expired.  Token value is no longer valid.",
            ),
            "10415" => (
                "Transaction refused because of an invalid argument.",
                "A successful transaction has already been completed for this token.",
            ),
            "10416" => (
                "Transaction refused because of an invalid argument.",
                "You have exceeded the maximum number of payment attempts for this token.",
            ),
            "10485" => (
                "Payment not authorized",
                "Payment has not been authorized by the user.",
            ),
            "10445" => (
                "This transaction cannot be processed at this time. Please try again later.",
                "This transaction cannot be processed at this time. Please try again later.",
            ),
            "10486" => (
                "This transaction couldn't be completed.",
                "This transaction couldn't be completed. Please redirect your customer to PayPal.",
            ),
            _ => (
                "Transaction refused because of an invalid argument.",
                "Refused.",
            ),
        };
        let mut fields = self.envelope("Failure", now);
        fields.extend(pairs(vec![
            ("L_ERRORCODE0", code.to_string()),
            ("L_SHORTMESSAGE0", short.to_string()),
            ("L_LONGMESSAGE0", long.to_string()),
            ("L_SEVERITYCODE0", "Error".to_string()),
        ]));
        NvpResponse::from_fields(fields)
    }

    /// SetExpressCheckout with the receiver's credentials: a new token.
    pub fn set_ec(
        &mut self,
        rng: &mut Rng,
        now: i64,
        caller: &str,
        amount: i64,
        currency: &str,
        invnum: &str,
    ) -> Option<String> {
        let Ok((before, lose, _, _)) = self.faults(Api::SetEc, rng) else {
            return None;
        };
        if before {
            return None;
        }
        let receiver = self.account_by_api(caller)?;
        let token = format!("EC-{}", rng.text(UPPER_ALNUM, 17));
        self.checkouts.insert(
            token.clone(),
            Checkout {
                token: token.clone(),
                receiver,
                amount,
                currency: currency.to_string(),
                invnum: invnum.to_string(),
                created_at: now,
                payer: None,
                paid: None,
                attempts: 0,
            },
        );
        if lose {
            return None;
        }
        Some(token)
    }

    /// The buyer approves on PayPal's page: the PayerID of the return URL.
    pub fn approve(&mut self, now: i64, token: &str, payer: usize) -> Option<String> {
        let expired = self
            .checkouts
            .get(token)
            .is_none_or(|c| self.expired(c, now));
        let c = self.checkouts.get_mut(token)?;
        if expired || c.paid.is_some() || c.receiver == payer {
            return None;
        }
        c.payer = Some(payer);
        Some(self.accounts[payer].payer_id.clone())
    }

    pub fn get_ec(
        &mut self,
        rng: &mut Rng,
        now: i64,
        caller: &str,
        token: &str,
    ) -> Option<NvpResponse> {
        let Ok((before, lose, _, _)) = self.faults(Api::GetEc, rng) else {
            return Some(self.failure("10445", now));
        };
        if before {
            return None;
        }
        let caller = self.account_by_api(caller);
        let answer = match self.checkouts.get(token).cloned() {
            Some(c) if Some(c.receiver) == caller => {
                if self.expired(&c, now) {
                    // As PayPal's timeout answers: the cart is still echoed,
                    // with the transaction when it was paid.
                    let mut answer = self.failure("10411", now);
                    if let Some((txn, _, _)) = &c.paid {
                        let mut fields = answer.fields().to_vec();
                        fields.push(("PAYMENTREQUEST_0_TRANSACTIONID".into(), txn.clone()));
                        answer = NvpResponse::from_fields(fields);
                    }
                    answer
                } else {
                    let status = if c.paid.is_some() {
                        "PaymentActionCompleted"
                    } else {
                        "PaymentActionNotInitiated"
                    };
                    let mut fields = pairs(vec![
                        ("TOKEN", c.token.clone()),
                        ("BILLINGAGREEMENTACCEPTEDSTATUS", "0".into()),
                        ("CHECKOUTSTATUS", status.into()),
                    ]);
                    fields.extend(self.envelope("Success", now));
                    if let Some(payer) = c.payer {
                        fields.push(("EMAIL".into(), self.accounts[payer].email.clone()));
                        fields.push(("PAYERID".into(), self.accounts[payer].payer_id.clone()));
                        fields.push(("PAYERSTATUS".into(), "verified".into()));
                    }
                    fields.extend(pairs(vec![
                        ("CURRENCYCODE", c.currency.clone()),
                        ("AMT", plain(c.amount)),
                        ("INVNUM", c.invnum.clone()),
                        ("PAYMENTREQUEST_0_CURRENCYCODE", c.currency.clone()),
                        ("PAYMENTREQUEST_0_AMT", plain(c.amount)),
                        ("PAYMENTREQUEST_0_INVNUM", c.invnum.clone()),
                    ]));
                    if let Some((txn, _, _)) = &c.paid {
                        fields.push(("PAYMENTREQUEST_0_TRANSACTIONID".into(), txn.clone()));
                        fields.push(("PAYMENTREQUESTINFO_0_TRANSACTIONID".into(), txn.clone()));
                    }
                    fields.push(("PAYMENTREQUESTINFO_0_ERRORCODE".into(), "0".into()));
                    NvpResponse::from_fields(fields)
                }
            }
            _ => self.failure("10410", now),
        };
        if lose {
            return None;
        }
        Some(answer)
    }

    pub fn get_td(
        &mut self,
        rng: &mut Rng,
        now: i64,
        caller: &str,
        txn: &str,
    ) -> Option<NvpResponse> {
        let Ok((before, lose, _, _)) = self.faults(Api::GetTd, rng) else {
            return Some(self.failure("10445", now));
        };
        if before {
            return None;
        }
        let caller = self.account_by_api(caller);
        let payment = self.payments.iter().find(|p| p.txn == txn).cloned();
        let answer = match payment {
            Some(p) if Some(p.receiver) == caller || Some(p.payer) == caller => {
                let (receiver, payer) = (
                    self.accounts[p.receiver].clone(),
                    self.accounts[p.payer].clone(),
                );
                let mut fields = pairs(vec![
                    ("RECEIVERBUSINESS", receiver.email.clone()),
                    ("RECEIVEREMAIL", receiver.email.clone()),
                    ("RECEIVERID", receiver.payer_id.clone()),
                    ("EMAIL", payer.email.clone()),
                    ("PAYERID", payer.payer_id.clone()),
                    ("PAYERSTATUS", "verified".into()),
                ]);
                fields.extend(self.envelope("Success", now));
                let checkout_invnum = self
                    .checkouts
                    .get(&p.token)
                    .map(|c| c.invnum.clone())
                    .unwrap_or_default();
                fields.extend(pairs(vec![
                    ("TRANSACTIONID", p.txn.clone()),
                    ("TRANSACTIONTYPE", "expresscheckout".into()),
                    ("PAYMENTTYPE", "instant".into()),
                    ("ORDERTIME", time(p.at)),
                    ("AMT", plain(p.amount)),
                    ("FEEAMT", "0.00".into()),
                    ("CURRENCYCODE", p.currency.clone()),
                    (
                        "PAYMENTSTATUS",
                        if p.reversal_canceled && p.status == PayStatus::Completed {
                            "Canceled-Reversal".into()
                        } else {
                            p.status.as_str().into()
                        },
                    ),
                    (
                        "PENDINGREASON",
                        if p.status == PayStatus::Pending {
                            "paymentreview".into()
                        } else {
                            "None".into()
                        },
                    ),
                    ("REASONCODE", "None".into()),
                    ("INVNUM", checkout_invnum),
                ]));
                NvpResponse::from_fields(fields)
            }
            _ => self.failure("10004", now),
        };
        if lose {
            return None;
        }
        Some(answer)
    }

    /// DoExpressCheckoutPayment, checked in PayPal's order: token (10410,
    /// 10411), approval (10485), repeats (11607 replay for the paying
    /// MSGSUBID, else 10415), attempts (10416), funds (10486).
    pub fn do_ec(&mut self, rng: &mut Rng, now: i64, req: &DoEcRequest) -> Option<NvpResponse> {
        let faults = self.faults(Api::DoEc, rng);
        let order_id = req.invnum.rsplit('-').next().unwrap_or("").to_string();
        let mut send = Send {
            order_id,
            msgsubid: req.msgsubid.clone(),
            executed: None,
            answer: String::new(),
        };
        let Ok((before, lose, pending, funding)) = faults else {
            let answer = self.failure("10445", now);
            send.answer = describe(&answer);
            self.sends.push(send);
            return Some(answer);
        };
        if before {
            send.answer = "no answer (failed before PayPal did anything)".into();
            self.sends.push(send);
            return None;
        }
        let caller = self.account_by_api(&req.caller);
        let answer = self.decide_payment(rng, now, req, caller, pending, funding, &mut send);
        send.answer = match &answer {
            _ if lose => format!("answer lost ({})", describe(&answer)),
            a => describe(a),
        };
        self.sends.push(send);
        if lose {
            return None;
        }
        Some(answer)
    }

    #[allow(clippy::too_many_arguments)]
    fn decide_payment(
        &mut self,
        rng: &mut Rng,
        now: i64,
        req: &DoEcRequest,
        caller: Option<usize>,
        pending: bool,
        funding: bool,
        send: &mut Send,
    ) -> NvpResponse {
        let Some(c) = self
            .checkouts
            .get(&req.token)
            .cloned()
            .filter(|c| Some(c.receiver) == caller)
        else {
            return self.failure("10410", now);
        };
        if self.expired(&c, now) {
            return self.failure("10411", now);
        }
        let Some(payer) = c
            .payer
            .filter(|p| self.accounts[*p].payer_id == req.payer_id)
        else {
            return self.failure("10485", now);
        };
        if let Some((_, msgsubid, body)) = &c.paid {
            if msgsubid.as_deref() == Some(req.msgsubid.as_str()) {
                let mut fields: Vec<(String, String)> = body[..2].to_vec();
                fields.extend(self.envelope("SuccessWithWarning", now));
                fields.extend(pairs(vec![
                    ("L_ERRORCODE0", "11607".into()),
                    ("L_SHORTMESSAGE0", "Duplicate Request".into()),
                    (
                        "L_LONGMESSAGE0",
                        "A successful transaction has already been completed for this token."
                            .into(),
                    ),
                    ("L_SEVERITYCODE0", "Warning".into()),
                ]));
                fields.extend(body[2..].iter().cloned());
                return NvpResponse::from_fields(fields);
            }
            return self.failure("10415", now);
        }
        if c.attempts >= MAX_ATTEMPTS {
            return self.failure("10416", now);
        }
        let amount = Amount::parse(&req.amount).map(Amount::cents).unwrap_or(-1);
        if amount != c.amount || req.currency != c.currency {
            return self.failure("10413", now);
        }
        if funding || self.accounts[payer].balance < amount {
            if let Some(c) = self.checkouts.get_mut(&req.token) {
                c.attempts += 1;
            }
            return self.failure("10486", now);
        }
        let txn = rng.text(UPPER_ALNUM, 17);
        let status = if pending {
            PayStatus::Pending
        } else {
            PayStatus::Completed
        };
        // A Pending payment holds the payer's money; the receiver gets it
        // when PayPal completes the payment, the payer back if denied.
        self.accounts[payer].balance -= amount;
        if status == PayStatus::Completed {
            self.accounts[c.receiver].balance += amount;
        }
        self.payments.push(Payment {
            txn: txn.clone(),
            token: c.token.clone(),
            order_id: send.order_id.clone(),
            payer,
            receiver: c.receiver,
            amount,
            currency: c.currency.clone(),
            status,
            at: now,
            reversal_canceled: false,
            refunded: 0,
        });
        send.executed = Some(txn.clone());
        let index = self.payments.len() - 1;
        self.notify(rng, index, &txn, None, status.as_str());
        let receiver_payer_id = self.accounts[c.receiver].payer_id.clone();
        let body = pairs(vec![
            ("TOKEN", c.token.clone()),
            ("SUCCESSPAGEREDIRECTREQUESTED", "false".into()),
            ("PAYMENTINFO_0_TRANSACTIONID", txn.clone()),
            ("PAYMENTINFO_0_TRANSACTIONTYPE", "expresscheckout".into()),
            ("PAYMENTINFO_0_PAYMENTTYPE", "instant".into()),
            ("PAYMENTINFO_0_ORDERTIME", time(now)),
            ("PAYMENTINFO_0_AMT", plain(amount)),
            ("PAYMENTINFO_0_FEEAMT", "0.00".into()),
            ("PAYMENTINFO_0_CURRENCYCODE", c.currency.clone()),
            ("PAYMENTINFO_0_PAYMENTSTATUS", status.as_str().into()),
            (
                "PAYMENTINFO_0_PENDINGREASON",
                if pending {
                    "paymentreview".into()
                } else {
                    "None".into()
                },
            ),
            ("PAYMENTINFO_0_REASONCODE", "None".into()),
            ("PAYMENTINFO_0_SECUREMERCHANTACCOUNTID", receiver_payer_id),
            ("PAYMENTINFO_0_ERRORCODE", "0".into()),
            ("PAYMENTINFO_0_ACK", "Success".into()),
            ("MSGSUBID", req.msgsubid.clone()),
        ]);
        if let Some(c) = self.checkouts.get_mut(&req.token) {
            c.paid = Some((txn, Some(req.msgsubid.clone()), body.clone()));
            c.attempts += 1;
        }
        let mut fields: Vec<(String, String)> = body[..2].to_vec();
        fields.extend(self.envelope("Success", now));
        fields.extend(body[2..].iter().cloned());
        NvpResponse::from_fields(fields)
    }

    /// PayPal decides a Pending payment: completed (the receiver is paid)
    /// or denied (the payer gets the held money back).
    pub fn decide_pending(&mut self, rng: &mut Rng, index: usize, complete: bool) {
        let p = &mut self.payments[index];
        if p.status != PayStatus::Pending {
            return;
        }
        if complete {
            p.status = PayStatus::Completed;
            let (receiver, amount) = (p.receiver, p.amount);
            self.accounts[receiver].balance += amount;
        } else {
            p.status = PayStatus::Denied;
            let (payer, amount) = (p.payer, p.amount);
            self.accounts[payer].balance += amount;
        }
        let (txn, status) = (
            self.payments[index].txn.clone(),
            self.payments[index].status,
        );
        self.notify(rng, index, &txn, None, status.as_str());
    }

    /// A completed payment is charged back or refunded: the money goes back
    /// to the payer (the receiver's balance may go below zero, as PayPal's
    /// does), and an IPN with a new `txn_id` names the payment as parent.
    pub fn reverse(&mut self, rng: &mut Rng, index: usize, refund: bool) {
        let p = &mut self.payments[index];
        let refundable = p.status == PayStatus::PartlyRefunded && refund;
        if p.status != PayStatus::Completed && !refundable {
            return;
        }
        // What is left: the whole payment, or the rest after partial refunds.
        let back = p.amount - p.refunded;
        p.status = PayStatus::Reversed { refund };
        p.refunded = if refund { p.amount } else { p.refunded };
        let (payer, receiver) = (p.payer, p.receiver);
        self.accounts[receiver].balance -= back;
        self.accounts[payer].balance += back;
        let event_txn = rng.text(UPPER_ALNUM, 17);
        let status = self.payments[index].status.as_str();
        self.notify_amount(rng, index, &event_txn, Some(index), status, -back);
    }

    /// The receiver refunds `cents`, less than what is left: PayPal then
    /// says `Partially-Refunded`, and the refund's IPN carries `-cents`.
    pub fn refund_part(&mut self, rng: &mut Rng, index: usize, cents: i64) {
        let p = &mut self.payments[index];
        let open = matches!(p.status, PayStatus::Completed | PayStatus::PartlyRefunded);
        if !open || cents <= 0 || cents >= p.amount - p.refunded {
            return;
        }
        p.status = PayStatus::PartlyRefunded;
        p.refunded += cents;
        let (payer, receiver) = (p.payer, p.receiver);
        self.accounts[receiver].balance -= cents;
        self.accounts[payer].balance += cents;
        let event_txn = rng.text(UPPER_ALNUM, 17);
        self.notify_amount(rng, index, &event_txn, Some(index), "Refunded", -cents);
    }

    /// A genuine message about payment `index` that names another order's
    /// invoice (as a message PayPal verified, crafted by someone who paid
    /// with their own account, might): a later event of the payment, with
    /// its own `txn_id`, the other order's invoice and amount. PayBook asks
    /// PayPal about the payment; PayPal's answer is not the other order's.
    pub fn misaddressed(&mut self, rng: &mut Rng, index: usize, invnum: &str, cents: i64) {
        let p = self.payments[index].clone();
        let receiver = self.accounts[p.receiver].clone();
        let txn = rng.text(UPPER_ALNUM, 17);
        let fields = vec![
            ("mc_gross", plain(cents)),
            ("invoice", invnum.to_string()),
            ("payment_status", "Canceled_Reversal".to_string()),
            ("txn_id", txn.clone()),
            ("parent_txn_id", p.txn.clone()),
            ("receiver_email", receiver.email.clone()),
            ("receiver_id", receiver.payer_id.clone()),
            ("mc_currency", p.currency.clone()),
            ("verify_sign", rng.text(UPPER_ALNUM, 24)),
        ];
        let body = NvpResponse::from_fields(pairs(fields)).encode();
        self.ipns.push(Ipn {
            body,
            txn,
            status: "Canceled_Reversal".into(),
            acked: false,
            lost: false,
        });
    }

    /// A chargeback is settled for the receiver: the money comes back to
    /// it and the payment stands again (a refund cannot be canceled).
    pub fn cancel_reversal(&mut self, rng: &mut Rng, index: usize) {
        let p = &mut self.payments[index];
        if p.status != (PayStatus::Reversed { refund: false }) {
            return;
        }
        p.status = PayStatus::Completed;
        p.reversal_canceled = true;
        let (payer, receiver, amount) = (p.payer, p.receiver, p.amount);
        self.accounts[receiver].balance += amount;
        self.accounts[payer].balance -= amount;
        let event_txn = rng.text(UPPER_ALNUM, 17);
        self.notify(rng, index, &event_txn, Some(index), "Canceled_Reversal");
    }

    /// Queues the IPN of a payment or of a later event on it, with the
    /// fields PayBook reads, named as PayPal names them.
    fn notify(
        &mut self,
        rng: &mut Rng,
        index: usize,
        txn: &str,
        parent: Option<usize>,
        status: &str,
    ) {
        let gross = match parent {
            Some(_) if status != "Canceled_Reversal" => -self.payments[index].amount,
            _ => self.payments[index].amount,
        };
        self.notify_amount(rng, index, txn, parent, status, gross);
    }

    /// The same with the message's `mc_gross` (negative: money back to the
    /// payer).
    fn notify_amount(
        &mut self,
        rng: &mut Rng,
        index: usize,
        txn: &str,
        parent: Option<usize>,
        status: &str,
        gross_cents: i64,
    ) {
        let p = self.payments[index].clone();
        let receiver = self.accounts[p.receiver].clone();
        let invnum = self
            .checkouts
            .get(&p.token)
            .map(|c| c.invnum.clone())
            .unwrap_or_default();
        let gross = if gross_cents < 0 {
            format!("-{}", plain(-gross_cents))
        } else {
            plain(gross_cents)
        };
        let mut fields = vec![
            ("mc_gross", gross),
            ("invoice", invnum),
            ("payment_status", status.to_string()),
            ("txn_id", txn.to_string()),
        ];
        if let Some(parent) = parent {
            fields.push(("parent_txn_id", self.payments[parent].txn.clone()));
            fields.push((
                "reason_code",
                if status == "Refunded" {
                    "refund"
                } else {
                    "chargeback"
                }
                .into(),
            ));
        } else {
            fields.push(("txn_type", "express_checkout".into()));
        }
        fields.extend([
            ("receiver_email", receiver.email.clone()),
            ("receiver_id", receiver.payer_id.clone()),
            ("mc_currency", p.currency.clone()),
            ("verify_sign", rng.text(UPPER_ALNUM, 24)),
        ]);
        let mut body = NvpResponse::from_fields(pairs(fields)).encode();
        // The payer's name in the receiving account's charset: PayPal's
        // default windows-1252 (not UTF-8 once decoded) or UTF-8.
        body.push_str(if rng.chance(500) {
            "&charset=windows-1252&first_name=Ren%E9"
        } else {
            "&charset=UTF-8&first_name=Ren%C3%A9"
        });
        let lost = rng.chance(self.rates.lose_ipn);
        self.ipns.push(Ipn {
            body,
            txn: txn.to_string(),
            status: status.to_string(),
            acked: false,
            lost,
        });
    }

    /// The postback: `VERIFIED` only for a body PayPal sent, byte for byte.
    pub fn verify(&self, body: &str) -> bool {
        self.ipns.iter().any(|m| m.body == body)
    }

    /// The postback as the listener gets it: lost (no answer, a timeout,
    /// another answer) at `rates.postback_fail`, else `VERIFIED` only for
    /// a body PayPal sent.
    pub fn postback(&self, rng: &mut Rng, body: &str) -> Verdict {
        if rng.chance(self.rates.postback_fail) {
            Verdict::Unknown("postback lost".into())
        } else if self.verify(body) {
            Verdict::Verified
        } else {
            Verdict::Forged
        }
    }

    /// Messages PayPal still resends (never acknowledged).
    pub fn unacked_ipns(&self) -> Vec<usize> {
        (0..self.ipns.len())
            .filter(|i| !self.ipns[*i].acked && !self.ipns[*i].lost)
            .collect()
    }

    pub fn pending_payments(&self) -> Vec<usize> {
        (0..self.payments.len())
            .filter(|i| self.payments[*i].status == PayStatus::Pending)
            .collect()
    }

    pub fn payment_for_token(&self, token: &str) -> Option<&Payment> {
        self.payments.iter().find(|p| p.token == token)
    }
}

/// A short description of an answer for the step log.
pub fn describe(answer: &NvpResponse) -> String {
    let ack = answer.get("ACK").unwrap_or("");
    let mut out = ack.to_string();
    if let Some(code) = answer.get("L_ERRORCODE0") {
        out.push(' ');
        out.push_str(code);
    }
    for name in [
        "CHECKOUTSTATUS",
        "PAYMENTINFO_0_PAYMENTSTATUS",
        "PAYMENTSTATUS",
        "PAYMENTREQUEST_0_TRANSACTIONID",
        "PAYMENTINFO_0_TRANSACTIONID",
    ] {
        if let Some(v) = answer.get(name) {
            out.push_str(&format!(" {name}={v}"));
        }
    }
    out
}
