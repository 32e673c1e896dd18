//! The purchase rules (spec §5): what a payment of X for a title of declared
//! value V does, in exact integer cents.

use super::money::Amount;

/// A buyer's profit rate, an integer percentage from 0 to 100.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProfitRate(u8);

/// Why a typed profit rate is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfitRateError {
    Empty,
    NotAnInteger,
    OutOfRange,
}

impl ProfitRate {
    /// What an omitted `profit_rate` means.
    pub const DEFAULT: ProfitRate = ProfitRate(100);

    pub fn new(percent: u8) -> Option<ProfitRate> {
        (percent <= 100).then_some(ProfitRate(percent))
    }

    /// Parses a typed rate: trimmed, digits only, 0 to 100.
    pub fn parse(input: &str) -> Result<ProfitRate, ProfitRateError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(ProfitRateError::Empty);
        }
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ProfitRateError::NotAnInteger);
        }
        // Digits only, so a failed parse is a number too large for u32.
        match text.parse::<u32>() {
            Ok(n) if n <= 100 => Ok(ProfitRate(n as u8)),
            Ok(_) | Err(_) => Err(ProfitRateError::OutOfRange),
        }
    }

    pub fn percent(self) -> u8 {
        self.0
    }
}

/// Which of the two cases a purchase falls in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// X >= V: the title passes to the buyer at `new_value`.
    Transfer { new_value: Amount },
    /// X < V: the seller keeps the title at `seller_value` = V − X; a new
    /// title of `new_value` is issued to the buyer.
    Split {
        new_value: Amount,
        seller_value: Amount,
    },
}

impl Outcome {
    pub fn new_value(self) -> Amount {
        match self {
            Outcome::Transfer { new_value } | Outcome::Split { new_value, .. } => new_value,
        }
    }
}

/// `new_cents = (x_cents × (100 + r) + 50) div 100`: X grown by r percent,
/// rounded half up to the cent.
pub fn grown_value(paid: Amount, rate: ProfitRate) -> Amount {
    let cents = (paid.cents() * (100 + i64::from(rate.percent())) + 50) / 100;
    // Never taken: an amount and a rate are never negative.
    Amount::from_cents(cents).unwrap_or(Amount::ZERO)
}

/// What paying `paid` (X) for a title of declared value `value` (V) does.
pub fn purchase_outcome(value: Amount, paid: Amount, rate: ProfitRate) -> Outcome {
    let new_value = grown_value(paid, rate);
    match value.checked_sub(paid) {
        Some(rest) if rest > Amount::ZERO => Outcome::Split {
            new_value,
            seller_value: rest,
        },
        // X = V (nothing left) or X > V (below zero).
        Some(_) | None => Outcome::Transfer { new_value },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(cents: i64) -> Amount {
        Amount::from_cents(cents).unwrap_or(Amount::ZERO)
    }

    fn rate(percent: u8) -> ProfitRate {
        ProfitRate::new(percent).unwrap_or(ProfitRate::DEFAULT)
    }

    #[test]
    fn paying_the_value_or_more_transfers_the_title() {
        assert_eq!(
            purchase_outcome(amount(100), amount(100), rate(100)),
            Outcome::Transfer {
                new_value: amount(200)
            }
        );
        assert_eq!(
            purchase_outcome(amount(100), amount(150), rate(10)),
            Outcome::Transfer {
                new_value: amount(165)
            }
        );
    }

    #[test]
    fn paying_less_splits_the_title() {
        assert_eq!(
            purchase_outcome(amount(500), amount(120), rate(100)),
            Outcome::Split {
                new_value: amount(240),
                seller_value: amount(380)
            }
        );
    }

    #[test]
    fn new_value_rounds_half_up_to_the_cent() {
        // 1.01 × 1.5 = 1.515 → 1.52; 1.01 × 1.01 = 1.0201 → 1.02.
        assert_eq!(grown_value(amount(101), rate(50)), amount(152));
        assert_eq!(grown_value(amount(101), rate(1)), amount(102));
        assert_eq!(grown_value(amount(333), rate(0)), amount(333));
        assert_eq!(grown_value(amount(1_000_000), rate(100)), amount(2_000_000));
    }

    #[test]
    fn profit_rate_accepts_integers_0_to_100_only() {
        assert_eq!(ProfitRate::parse(" 25 ").map(ProfitRate::percent), Ok(25));
        assert_eq!(ProfitRate::parse("0").map(ProfitRate::percent), Ok(0));
        assert_eq!(ProfitRate::parse("100").map(ProfitRate::percent), Ok(100));
        assert_eq!(ProfitRate::parse(""), Err(ProfitRateError::Empty));
        assert_eq!(ProfitRate::parse("1.5"), Err(ProfitRateError::NotAnInteger));
        assert_eq!(ProfitRate::parse("-1"), Err(ProfitRateError::NotAnInteger));
        assert_eq!(ProfitRate::parse("101"), Err(ProfitRateError::OutOfRange));
        assert_eq!(
            ProfitRate::parse("99999999999"),
            Err(ProfitRateError::OutOfRange)
        );
    }
}
