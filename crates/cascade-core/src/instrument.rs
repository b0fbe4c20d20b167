//! Instruments: what kind of contract a position is in, and the one place a position's value is computed.
//!
//! An instrument is written on an underlying (its reference price and oracles); several instruments may share one.
//! Everything that values a position (equity, unrealized PnL, notional for margin) goes through
//! [`InstrumentKind::value`] and [`InstrumentKind::notional`], so a new, non-linear kind (an option) is added here,
//! with its pricing, and the ledger, the fills and the liquidation engine stay as they are.

use crate::UnderlyingId;
use crate::money::{self, MoneyError};
use rust_decimal::Decimal;

/// The kind of contract an instrument is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum InstrumentKind {
    /// A linear perpetual future, quoted, margined and settled in the quote currency, with periodic funding: one
    /// unit is worth its mark price.
    #[default]
    LinearPerpetual,
}

impl InstrumentKind {
    /// What `quantity` units (positive long, negative short) are worth at `mark`, quote currency: the cash closing
    /// them at the mark would bring. Linear: `quantity x mark`.
    pub fn value(self, quantity: Decimal, mark: Decimal) -> Result<Decimal, MoneyError> {
        match self {
            InstrumentKind::LinearPerpetual => money::mul(quantity, mark),
        }
    }

    /// The gross exposure of `quantity` units at `mark`, quote currency (never negative): what margin fractions
    /// apply to. Linear: `|quantity| x mark`.
    pub fn notional(self, quantity: Decimal, mark: Decimal) -> Result<Decimal, MoneyError> {
        match self {
            InstrumentKind::LinearPerpetual => Ok(money::mul(quantity, mark)?.abs()),
        }
    }

    /// Whether a position's value is linear in the mark (so a closed-form liquidation price exists).
    pub fn is_linear(self) -> bool {
        match self {
            InstrumentKind::LinearPerpetual => true,
        }
    }
}

/// What values a position in one instrument now: the instrument's kind, the underlying it is written on (portfolio
/// margin nets by the underlyings' correlation) and its mark price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Valuation {
    /// The instrument's kind.
    pub kind: InstrumentKind,
    /// The underlying it is written on.
    pub underlying: UnderlyingId,
    /// Its mark price, quote per unit.
    pub mark: Decimal,
}

impl Valuation {
    /// A linear perpetual on `underlying` marked at `mark` (tests, calculators).
    pub fn linear(underlying: UnderlyingId, mark: Decimal) -> Self {
        Self { kind: InstrumentKind::LinearPerpetual, underlying, mark }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn a_linear_position_is_worth_quantity_times_mark() {
        let kind = InstrumentKind::LinearPerpetual;
        assert_eq!(kind.value(dec!(-2.5), dec!(40000)).unwrap(), dec!(-100000));
        assert_eq!(kind.notional(dec!(-2.5), dec!(40000)).unwrap(), dec!(100000));
        assert_eq!(kind.value(dec!(0.001), dec!(12.5)).unwrap(), dec!(0.0125));
    }
}
