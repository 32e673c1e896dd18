//! Office `cancel` and `refund` of a validated transaction at the
//! emulated Sips: before the day's remittance `cancel` takes the money
//! back, after it `refund` does, each once; a lost answer (a `drop` fault)
//! leaves the work done and `getTransactionData` telling it.

use super::test_fx::block_on;
use super::test_fx::SqliteFx;
use super::tests::{balance, cash, code, merchant, office, pay, read, remit};
use super::*;
use crate::core::money::Amount;
use crate::core::psp::sips::emulator::{FaultKind, FaultMethod, FaultSpec};
use crate::core::psp::sips::office::{Operation, TransactionStatus};

#[test]
fn cancel_before_remittance_takes_the_validated_money_back_once() {
    let fx = SqliteFx::new();
    let m = merchant(&fx, "shop@example.org");
    pay(&fx, &m, "PB1", 1000, "pay");
    cash(&fx, &m, Operation::Validate, "PB1", 1000);
    assert_eq!(balance(&fx, &m), 1000);
    assert_eq!(
        cash(&fx, &m, Operation::Cancel, "PB1", 1001).response_code,
        code("24"),
        "beyond what was validated"
    );
    let part = cash(&fx, &m, Operation::Cancel, "PB1", 300);
    assert_eq!(
        (part.response_code, part.new_status, part.new_amount),
        (
            code("00"),
            Some(TransactionStatus::ToCapture),
            Amount::from_cents(700)
        )
    );
    let rest = cash(&fx, &m, Operation::Cancel, "PB1", 700);
    assert_eq!(
        (rest.response_code, rest.new_status),
        (code("00"), Some(TransactionStatus::Cancelled))
    );
    assert_eq!(balance(&fx, &m), 0, "the buyer's money never left");
    assert_eq!(
        read(&fx, &m, "PB1").transaction_status,
        Some(TransactionStatus::Cancelled)
    );
    assert_eq!(
        cash(&fx, &m, Operation::Cancel, "PB1", 700).response_code,
        code("24"),
        "a second cancel"
    );
    remit(&fx);
    assert_eq!(
        cash(&fx, &m, Operation::Refund, "PB1", 1000).response_code,
        code("24"),
        "nothing was remitted"
    );
    assert_eq!(balance(&fx, &m), 0);
}

#[test]
fn a_refund_whose_answer_is_lost_is_done_once_and_read_as_credited() {
    let fx = SqliteFx::new();
    let m = merchant(&fx, "shop@example.org");
    pay(&fx, &m, "PB1", 1000, "pay");
    cash(&fx, &m, Operation::Validate, "PB1", 1000);
    remit(&fx);
    let spec = FaultSpec {
        method: FaultMethod::Office(Operation::Refund),
        merchant_id: Some(m.merchant_id.clone()),
        transaction_reference: Some("PB1".into()),
        kind: FaultKind::Drop,
    };
    block_on(set_fault(&fx, &spec)).unwrap();
    assert_eq!(
        office(&fx, &m, Operation::Refund, "PB1", 1000),
        (502, String::new())
    );
    assert_eq!(balance(&fx, &m), 0, "done, then the answer lost");
    assert_eq!(
        read(&fx, &m, "PB1").transaction_status,
        Some(TransactionStatus::Credited)
    );
    let cancel = FaultSpec {
        method: FaultMethod::Office(Operation::Cancel),
        ..spec
    };
    pay(&fx, &m, "PB2", 500, "pay");
    cash(&fx, &m, Operation::Validate, "PB2", 500);
    block_on(set_fault(
        &fx,
        &FaultSpec {
            transaction_reference: Some("PB2".into()),
            ..cancel
        },
    ))
    .unwrap();
    assert_eq!(
        office(&fx, &m, Operation::Cancel, "PB2", 500),
        (502, String::new())
    );
    assert_eq!(balance(&fx, &m), 0);
    assert_eq!(
        read(&fx, &m, "PB2").transaction_status,
        Some(TransactionStatus::Cancelled)
    );
}
