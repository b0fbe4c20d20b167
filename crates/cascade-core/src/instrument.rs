//! Instruments: what kind of contract a position is in, and the one place a position's value is computed.
//!
//! An instrument is written on an underlying (its reference price and oracles); several instruments may share one.
//! Everything that values a position (equity, unrealized PnL, notional for margin) goes through
//! [`InstrumentKind::value`] and [`InstrumentKind::notional`], so the ledger, the fills and the liquidation engine
//! need no change for a new kind.
//!
//! An option is quoted, traded and marked in premium (quote per unit of the underlying), so a position in it is worth
//! `quantity x premium`, linear in its own mark: the fills, the cost basis and the liquidation engine's prices work
//! in premium as they do in price. What is not linear is how the premium moves with the underlying; that is the
//! option's margin (the scenario grid) and its mark (the volatility surface), not its valuation.

use crate::UnderlyingId;
use crate::money::{self, MoneyError};
use crate::option::OptionKind;
use rust_decimal::Decimal;

/// The kind of contract an instrument is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InstrumentKind {
    /// A linear perpetual future, quoted, margined and settled in the quote currency, with periodic funding: one
    /// unit is worth its mark price.
    #[default]
    LinearPerpetual,
    /// A European option on one unit of the underlying, cash-settled in the quote currency at expiry against the
    /// venue's oracle price; quoted and marked in premium, quote per unit.
    EuropeanOption {
        /// Call or put.
        right: OptionKind,
        /// Strike, quote per unit.
        strike: Decimal,
        /// The tick at whose end it expires and settles.
        expiry_tick: u64,
    },
}

impl InstrumentKind {
    /// What `quantity` units (positive long, negative short) are worth at `mark`, quote currency: the cash closing
    /// them at the mark would bring: `quantity x mark`, for a perpetual at its price, for an option at its premium.
    pub fn value(self, quantity: Decimal, mark: Decimal) -> Result<Decimal, MoneyError> {
        money::mul(quantity, mark)
    }

    /// The gross exposure of `quantity` units at `mark`, quote currency (never negative): `|quantity| x mark`, the
    /// price notional of a perpetual (what margin fractions apply to), the premium notional of an option (what fees
    /// and liquidation penalties apply to; options are margined by the scenario grid, not by a fraction).
    pub fn notional(self, quantity: Decimal, mark: Decimal) -> Result<Decimal, MoneyError> {
        Ok(money::mul(quantity, mark)?.abs())
    }

    /// Whether a position's margin requirement is a fraction of its notional at the mark (so a closed-form
    /// liquidation price exists): a perpetual's is, an option's (the scenario grid's) is not.
    pub fn is_linear(self) -> bool {
        matches!(self, InstrumentKind::LinearPerpetual)
    }

    /// What one unit pays at expiry against `underlying` (quote per unit, exact): a call `max(underlying - strike,
    /// 0)`, a put `max(strike - underlying, 0)`; `None` for a perpetual, which never expires.
    pub fn payoff(self, underlying: Decimal) -> Option<Decimal> {
        let (right, strike, _) = self.option()?;
        let intrinsic = match right {
            OptionKind::Call => underlying - strike,
            OptionKind::Put => strike - underlying,
        };
        Some(intrinsic.max(Decimal::ZERO))
    }

    /// The option's terms, if it is one.
    pub fn option(self) -> Option<(OptionKind, Decimal, u64)> {
        match self {
            InstrumentKind::EuropeanOption { right, strike, expiry_tick } => Some((right, strike, expiry_tick)),
            InstrumentKind::LinearPerpetual => None,
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
        assert_eq!(kind.payoff(dec!(100)), None);
    }

    #[test]
    fn an_option_is_worth_its_premium_and_pays_its_intrinsic_value() {
        let put = InstrumentKind::EuropeanOption { right: OptionKind::Put, strike: dec!(57000), expiry_tick: 10 };
        let call = InstrumentKind::EuropeanOption { right: OptionKind::Call, strike: dec!(57000), expiry_tick: 10 };
        // Short 3 puts marked at a premium of 812.5: worth -2,437.5, a premium notional of 2,437.5.
        assert_eq!(put.value(dec!(-3), dec!(812.5)).unwrap(), dec!(-2437.5));
        assert_eq!(put.notional(dec!(-3), dec!(812.5)).unwrap(), dec!(2437.5));
        assert!(!put.is_linear());
        assert_eq!(put.payoff(dec!(55123.4)), Some(dec!(1876.6)));
        assert_eq!(put.payoff(dec!(58000)), Some(Decimal::ZERO));
        assert_eq!(call.payoff(dec!(58000.1)), Some(dec!(1000.1)));
        assert_eq!(call.payoff(dec!(56000)), Some(Decimal::ZERO));
    }
}
