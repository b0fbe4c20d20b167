//! The liquidity add-on: what it would cost to close a position into the order book as it stands.
//!
//! A [`DepthCurve`] is a snapshot of one side of the book, best level first, as cumulative quantity and cumulative
//! *impact cost* `sum(quantity_i x |price_i - mark|)`: the quote-currency loss against the mark of selling (into
//! bids) or buying (from asks) that much at once. Quantity beyond the visible depth is charged `beyond_rate x mark`
//! per unit (the venue's price band: the worst a protected market order could fill at). The add-on of a position
//! is `multiplier x impact cost of closing it`, so margin rises as depth decays and with position size relative to
//! depth, as SPAN 2's liquidity charge and venue "concentration" add-ons do.

use crate::money::{self, MoneyError};
use rust_decimal::Decimal;

/// One side of the book as cumulative quantity and impact cost, best level first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DepthCurve {
    /// `(cumulative quantity, cumulative impact cost, price distance from mark)` at the end of each level.
    levels: Vec<(Decimal, Decimal, Decimal)>,
}

impl DepthCurve {
    /// A curve from resting `(price, quantity)` levels, best first, measured against `mark`.
    pub fn new(levels: &[(Decimal, Decimal)], mark: Decimal) -> Result<Self, MoneyError> {
        let mut out = Vec::with_capacity(levels.len());
        let (mut quantity, mut cost) = (Decimal::ZERO, Decimal::ZERO);
        for &(price, size) in levels {
            let distance = money::sub(price, mark)?.abs();
            quantity = money::add(quantity, size)?;
            cost = money::add(cost, money::mul(size, distance)?)?;
            out.push((quantity, cost, distance));
        }
        Ok(Self { levels: out })
    }

    /// Total resting quantity, base units.
    pub fn depth(&self) -> Decimal {
        self.levels.last().map_or(Decimal::ZERO, |l| l.0)
    }

    /// Impact cost of taking `size` base units from this side, quote currency; quantity beyond the depth costs
    /// `beyond` per unit. `O(log levels)`.
    pub fn impact_cost(&self, size: Decimal, beyond: Decimal) -> Result<Decimal, MoneyError> {
        let i = self.levels.partition_point(|l| l.0 < size);
        let (before_quantity, before_cost) = match i {
            0 => (Decimal::ZERO, Decimal::ZERO),
            _ => (self.levels[i - 1].0, self.levels[i - 1].1),
        };
        let unit = self.levels.get(i).map_or(beyond, |l| l.2);
        money::add(before_cost, money::mul(money::sub(size, before_quantity)?, unit)?)
    }
}

/// The liquidity add-on of a market at one tick.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiquidityCharge {
    /// Multiple of the impact cost charged as margin, >= 0.
    pub multiplier: Decimal,
    /// The bid side (a long closes into it).
    pub bids: DepthCurve,
    /// The ask side (a short closes into it).
    pub asks: DepthCurve,
    /// Per-unit cost of quantity beyond the visible depth, quote currency (`price_band x mark`).
    pub beyond: Decimal,
}

impl LiquidityCharge {
    /// The add-on of a position of signed `quantity`: `multiplier x` the impact cost of closing it. Quote currency.
    pub fn charge(&self, quantity: Decimal) -> Result<Decimal, MoneyError> {
        let curve = if quantity.is_sign_positive() { &self.bids } else { &self.asks };
        money::mul(self.multiplier, curve.impact_cost(quantity.abs(), self.beyond)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn impact_cost_by_hand() {
        // Mark 100; bids 1 @ 99.5, 2 @ 99, 5 @ 98. Selling 4: 1 x 0.5 + 2 x 1 + 1 x 2 = 4.5.
        let curve =
            DepthCurve::new(&[(dec!(99.5), dec!(1)), (dec!(99), dec!(2)), (dec!(98), dec!(5))], dec!(100)).unwrap();
        assert_eq!(curve.depth(), dec!(8));
        assert_eq!(curve.impact_cost(dec!(4), dec!(5)).unwrap(), dec!(4.5));
        assert_eq!(curve.impact_cost(dec!(1), dec!(5)).unwrap(), dec!(0.5));
        assert_eq!(curve.impact_cost(dec!(0), dec!(5)).unwrap(), dec!(0));
        // Selling 10: the whole book (0.5 + 2 + 10 = 12.5) and 2 beyond it at 5 each.
        assert_eq!(curve.impact_cost(dec!(10), dec!(5)).unwrap(), dec!(22.5));
    }

    #[test]
    fn the_charge_grows_as_depth_decays() {
        let mark = dec!(100);
        let deep = DepthCurve::new(&[(dec!(99.9), dec!(10)), (dec!(99.8), dec!(10))], mark).unwrap();
        let thin = DepthCurve::new(&[(dec!(99.9), dec!(1)), (dec!(99), dec!(1))], mark).unwrap();
        let charge = |bids| LiquidityCharge { multiplier: dec!(2), bids, asks: DepthCurve::default(), beyond: dec!(5) };
        // Long 5: deep book 5 x 0.1 = 0.5, x2 = 1; thin book 0.1 + 1 + 3 x 5 = 16.1, x2 = 32.2.
        assert_eq!(charge(deep).charge(dec!(5)).unwrap(), dec!(1.0));
        assert_eq!(charge(thin.clone()).charge(dec!(5)).unwrap(), dec!(32.2));
        // A short closes into the (empty) asks: everything beyond, 5 x 5 x 2 = 50.
        assert_eq!(charge(thin).charge(dec!(-5)).unwrap(), dec!(50));
    }
}
