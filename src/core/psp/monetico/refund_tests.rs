//! The recredit against the built-in emulator (the bank's API answered in
//! process on SQLite): the whole amount goes back once, a repeat after a
//! lost answer moves nothing and counts as refunded; and the mapping of
//! every answer.

use super::*;
use crate::core::psp::monetico::adapter::tests::World;
use crate::core::psp::monetico::emulator::card::CardAction;
use crate::core::psp::monetico::emulator::fault::{FaultKind, FaultMethod, FaultSpec};
use crate::core::psp::monetico::emulator::serve::{self, sqlite::block_on};

/// `ord1` (12.30 EUR) paid and captured at the emulated bank.
fn captured(world: &World) -> OrderState {
    world.pay("ord1", CardAction::Pay);
    let mut order = world.order("ord1", true);
    order.psp_payer_id = Some("123456".into());
    world.capture(&order).expect("captured");
    assert_eq!(world.balance(), 1230);
    order
}

fn refund_now(world: &World, order: &OrderState) -> Called<RefundOutcome> {
    block_on(refund(&world.bank, &world.site(), world.account(), order)).expect("called")
}

fn fault(world: &World, kind: FaultKind) {
    let spec = FaultSpec {
        method: FaultMethod::Recredit,
        tpe: None,
        reference: None,
        kind,
    };
    block_on(serve::set_fault(&world.bank.0, &spec)).expect("fault");
}

#[test]
fn a_recredit_of_the_whole_amount_gives_the_buyer_his_money_back() {
    let world = World::new();
    let order = captured(&world);
    let called = refund_now(&world, &order);
    assert_eq!(
        called.outcome,
        RefundOutcome::Refunded {
            reference: "ord1".into()
        }
    );
    assert_eq!(world.balance(), 0);
    let trace = &called.traces[0];
    assert_eq!(
        (trace.method, trace.ack.as_deref()),
        ("recredit", Some("1"))
    );
    let sent = String::from_utf8(trace.request_wire.clone().unwrap()).unwrap();
    for pair in [
        "montant=12.30EUR",
        "montant_recredit=12.30EUR",
        "montant_possible=12.30EUR",
        "num_autorisation=123456",
        "reference=ord1",
        "MAC=",
    ] {
        assert!(sent.contains(pair), "{pair} in {sent}");
    }
}

#[test]
fn a_recredit_whose_answer_was_lost_is_unknown_and_its_repeat_moves_nothing_and_is_refunded() {
    let world = World::new();
    let order = captured(&world);
    fault(&world, FaultKind::Drop);
    let lost = refund_now(&world, &order);
    assert_eq!(lost.outcome, RefundOutcome::Unknown(NoAnswer::Status(502)));
    assert_eq!(
        world.balance(),
        0,
        "the bank recredited, the answer was lost"
    );
    let again = refund_now(&world, &order);
    assert_eq!(
        again.outcome,
        RefundOutcome::Refunded {
            reference: "ord1".into()
        }
    );
    assert_eq!(again.traces[0].ack.as_deref(), Some("2"));
    assert_eq!(world.balance(), 0, "recredited once");
}

#[test]
fn a_payment_not_captured_is_refused_and_an_unknown_cdr_is_unknown() {
    let world = World::new();
    world.pay("ord2", CardAction::Pay);
    let authorized = refund_now(&world, &world.order("ord2", true));
    assert_eq!(
        authorized.outcome,
        RefundOutcome::Refused {
            code: "0".into(),
            message: "paiement non capture".into()
        }
    );
    let order = captured(&world);
    fault(&world, FaultKind::Code("7".into()));
    let odd = refund_now(&world, &order);
    assert!(matches!(
        odd.outcome,
        RefundOutcome::Unknown(NoAnswer::Unreadable(_))
    ));
    assert_eq!(world.balance(), 1230, "a fault's code moves nothing");
}

#[test]
fn every_answer_maps_to_refunded_refused_or_unknown() {
    let world = World::new();
    let order = world.order("ord1", true);
    let lib = || "x".to_string();
    let refunded = |reference: &str| RefundOutcome::Refunded {
        reference: reference.into(),
    };
    let of = |result| outcome(&order, result);
    assert_eq!(
        of(Ok(CallOutcome::Accepted {
            lib: lib(),
            aut: Some("999".into())
        })),
        refunded("999")
    );
    assert_eq!(
        of(Ok(CallOutcome::Accepted {
            lib: lib(),
            aut: None
        })),
        refunded("ord1")
    );
    assert_eq!(
        of(Ok(CallOutcome::AlreadyDone { lib: lib() })),
        refunded("ord1")
    );
    assert_eq!(
        of(Ok(CallOutcome::Declined { lib: lib() })),
        RefundOutcome::Refused {
            code: "0".into(),
            message: lib()
        }
    );
    assert!(matches!(
        of(Ok(CallOutcome::Unrecognized {
            cdr: "-1".into(),
            lib: lib()
        })),
        RefundOutcome::Unknown(_)
    ));
    assert_eq!(
        of(Err(NoAnswer::Timeout)),
        RefundOutcome::Unknown(NoAnswer::Timeout)
    );
}
