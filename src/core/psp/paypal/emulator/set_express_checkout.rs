//! SetExpressCheckout: the validation of a request in PayPal's order of
//! checks, with the cart totals check.

use super::answer::{parse_paypal_amount, Request};
use super::refusal::Refusal;
use super::MAX_AMOUNT_CENTS;
use crate::core::money::Amount;

/// What a valid SetExpressCheckout asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCheckout {
    pub amount: Amount,
    pub currency: String,
    pub invnum: Option<String>,
    pub custom: Option<String>,
    pub notify_url: Option<String>,
    pub return_url: String,
    pub cancel_url: String,
    pub locale_code: Option<String>,
}

/// Checks a SetExpressCheckout in PayPal's order: required fields (81100,
/// 10404, 10405), the amount (10401, 10525, 10414), the currency (10605),
/// then the cart totals (10426-10431, 10413).
pub fn validate_set_express_checkout(request: &Request) -> Result<NewCheckout, Refusal> {
    let amount_text = request
        .value("PAYMENTREQUEST_0_AMT")
        .ok_or(Refusal::AmountMissing)?;
    let return_url = request
        .owned("RETURNURL")
        .ok_or(Refusal::ReturnUrlMissing)?;
    let cancel_url = request
        .owned("CANCELURL")
        .ok_or(Refusal::CancelUrlMissing)?;
    let amount = checked_amount(amount_text)?;
    let currency = currency_of(request)?;
    check_cart_totals(request, amount)?;
    Ok(NewCheckout {
        amount,
        currency,
        invnum: request.owned("PAYMENTREQUEST_0_INVNUM"),
        custom: request.owned("PAYMENTREQUEST_0_CUSTOM"),
        notify_url: request.owned("PAYMENTREQUEST_0_NOTIFYURL"),
        return_url,
        cancel_url,
        locale_code: request.owned("LOCALECODE"),
    })
}

/// An order total: 2 decimals (10401), not zero (10525), at most 10,000.00
/// (10414).
fn checked_amount(text: &str) -> Result<Amount, Refusal> {
    let amount = parse_paypal_amount(text).ok_or(Refusal::OrderTotalInvalid)?;
    if amount.cents() == 0 {
        return Err(Refusal::ZeroAmount);
    }
    if amount.cents() > MAX_AMOUNT_CENTS {
        return Err(Refusal::AmountTooLarge);
    }
    Ok(amount)
}

/// `PAYMENTREQUEST_0_CURRENCYCODE`, USD when absent (PayPal's default).
fn currency_of(request: &Request) -> Result<String, Refusal> {
    let currency = request
        .value("PAYMENTREQUEST_0_CURRENCYCODE")
        .unwrap_or("USD");
    if currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(currency.to_owned())
    } else {
        Err(Refusal::CurrencyNotSupported)
    }
}

/// When items are listed (`L_PAYMENTREQUEST_0_AMTm`, m = 0, 1, … in
/// sequence), `PAYMENTREQUEST_0_ITEMAMT` must equal the sum of AMTm × QTYm;
/// when ITEMAMT is given, AMT must equal ITEMAMT + SHIPPINGAMT + HANDLINGAMT
/// + TAXAMT (those given). Otherwise 10413.
pub fn check_cart_totals(request: &Request, amount: Amount) -> Result<(), Refusal> {
    let mut items_total: i64 = 0;
    let mut items = 0;
    while let Some(text) = request.value(&format!("L_PAYMENTREQUEST_0_AMT{items}")) {
        let item = parse_paypal_amount(text).ok_or(Refusal::ItemAmountInvalid)?;
        let quantity = match request.value(&format!("L_PAYMENTREQUEST_0_QTY{items}")) {
            None => 1,
            Some(q) => q
                .parse::<i64>()
                .ok()
                .filter(|q| (1..=1_000_000).contains(q))
                .ok_or(Refusal::InvalidParameter)?,
        };
        items_total = item
            .cents()
            .checked_mul(quantity)
            .and_then(|line| items_total.checked_add(line))
            .ok_or(Refusal::CartTotalsMismatch)?;
        items += 1;
    }
    let optional = |name: &str, refusal: Refusal| -> Result<Option<i64>, Refusal> {
        request
            .value(name)
            .map(|text| parse_paypal_amount(text).map(Amount::cents).ok_or(refusal))
            .transpose()
    };
    let item_amount = optional("PAYMENTREQUEST_0_ITEMAMT", Refusal::ItemTotalInvalid)?;
    let shipping = optional(
        "PAYMENTREQUEST_0_SHIPPINGAMT",
        Refusal::ShippingTotalInvalid,
    )?;
    let handling = optional(
        "PAYMENTREQUEST_0_HANDLINGAMT",
        Refusal::HandlingTotalInvalid,
    )?;
    let tax = optional("PAYMENTREQUEST_0_TAXAMT", Refusal::TaxTotalInvalid)?;
    match item_amount {
        None if items > 0 => Err(Refusal::CartTotalsMismatch),
        None => Ok(()),
        Some(item_amount) => {
            let order_total = [shipping, handling, tax]
                .into_iter()
                .flatten()
                .try_fold(item_amount, i64::checked_add);
            let items_match = items == 0 || item_amount == items_total;
            if items_match && order_total == Some(amount.cents()) {
                Ok(())
            } else {
                Err(Refusal::CartTotalsMismatch)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::psp::paypal::emulator::test_support::*;
    use crate::core::psp::paypal::emulator::Fields;

    #[test]
    fn set_express_checkout_checks_fields_in_paypals_order() {
        let check = |list: Fields| validate_set_express_checkout(&Request::new(&list));
        let ok = check(set_ec(&[
            ("LOCALECODE", "fr_FR"),
            ("PAYMENTREQUEST_0_INVNUM", "PB-1-2"),
        ]));
        let Ok(new) = ok else {
            panic!("valid request refused: {ok:?}")
        };
        assert_eq!(new.amount.cents(), 2_000);
        assert_eq!(new.currency, "EUR");
        assert_eq!(new.invnum.as_deref(), Some("PB-1-2"));
        assert_eq!(new.locale_code.as_deref(), Some("fr_FR"));
        assert_eq!(
            check(without(set_ec(&[]), "PAYMENTREQUEST_0_AMT")),
            Err(Refusal::AmountMissing)
        );
        assert_eq!(
            check(without(without(set_ec(&[]), "RETURNURL"), "CANCELURL")),
            Err(Refusal::ReturnUrlMissing)
        );
        assert_eq!(
            check(without(set_ec(&[]), "CANCELURL")),
            Err(Refusal::CancelUrlMissing)
        );
        assert_eq!(
            check(set_ec(&[("PAYMENTREQUEST_0_AMT", "20")])),
            Err(Refusal::OrderTotalInvalid)
        );
        assert_eq!(
            check(set_ec(&[("PAYMENTREQUEST_0_AMT", "0.00")])),
            Err(Refusal::ZeroAmount)
        );
        assert_eq!(
            check(set_ec(&[("PAYMENTREQUEST_0_AMT", "10000.01")])),
            Err(Refusal::AmountTooLarge)
        );
        assert_eq!(
            check(set_ec(&[("PAYMENTREQUEST_0_CURRENCYCODE", "eur")])),
            Err(Refusal::CurrencyNotSupported)
        );
        let usd = check(without(set_ec(&[]), "PAYMENTREQUEST_0_CURRENCYCODE"));
        assert_eq!(usd.map(|n| n.currency), Ok("USD".to_owned()));
    }

    #[test]
    fn cart_totals_must_add_up() {
        let check = |extra: &[(&str, &str)]| {
            let list = set_ec(extra);
            validate_set_express_checkout(&Request::new(&list)).map(|_| ())
        };
        // The platform's request: one item, quantity 1.
        assert_eq!(
            check(&[
                ("PAYMENTREQUEST_0_ITEMAMT", "20.00"),
                ("L_PAYMENTREQUEST_0_NAME0", "ZZ0000000001"),
                ("L_PAYMENTREQUEST_0_AMT0", "20.00"),
                ("L_PAYMENTREQUEST_0_QTY0", "1"),
            ]),
            Ok(())
        );
        // Two lines with quantities, plus shipping and tax.
        assert_eq!(
            check(&[
                ("PAYMENTREQUEST_0_AMT", "23.50"),
                ("PAYMENTREQUEST_0_ITEMAMT", "20.00"),
                ("PAYMENTREQUEST_0_SHIPPINGAMT", "2.50"),
                ("PAYMENTREQUEST_0_TAXAMT", "1.00"),
                ("L_PAYMENTREQUEST_0_AMT0", "5.00"),
                ("L_PAYMENTREQUEST_0_QTY0", "2"),
                ("L_PAYMENTREQUEST_0_AMT1", "10.00"),
            ]),
            Ok(())
        );
        assert_eq!(
            check(&[
                ("PAYMENTREQUEST_0_ITEMAMT", "20.00"),
                ("L_PAYMENTREQUEST_0_AMT0", "19.99"),
            ]),
            Err(Refusal::CartTotalsMismatch)
        );
        assert_eq!(
            check(&[
                ("PAYMENTREQUEST_0_ITEMAMT", "19.00"),
                ("L_PAYMENTREQUEST_0_AMT0", "19.00"),
            ]),
            Err(Refusal::CartTotalsMismatch)
        );
        assert_eq!(
            check(&[("L_PAYMENTREQUEST_0_AMT0", "20.00")]),
            Err(Refusal::CartTotalsMismatch)
        );
        assert_eq!(
            check(&[("PAYMENTREQUEST_0_ITEMAMT", "19.00")]),
            Err(Refusal::CartTotalsMismatch)
        );
        assert_eq!(
            check(&[
                ("PAYMENTREQUEST_0_ITEMAMT", "20.00"),
                ("L_PAYMENTREQUEST_0_AMT0", "20")
            ]),
            Err(Refusal::ItemAmountInvalid)
        );
        assert_eq!(
            check(&[("PAYMENTREQUEST_0_ITEMAMT", "20")]),
            Err(Refusal::ItemTotalInvalid)
        );
        assert_eq!(
            check(&[
                ("PAYMENTREQUEST_0_ITEMAMT", "20.00"),
                ("L_PAYMENTREQUEST_0_AMT0", "20.00"),
                ("L_PAYMENTREQUEST_0_QTY0", "0"),
            ]),
            Err(Refusal::InvalidParameter)
        );
        // An item after a gap is not read (m runs from 0 in sequence).
        assert_eq!(
            check(&[
                ("PAYMENTREQUEST_0_ITEMAMT", "20.00"),
                ("L_PAYMENTREQUEST_0_AMT1", "3.00")
            ]),
            Ok(())
        );
    }
}
