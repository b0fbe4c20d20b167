//! Margin requirements and account health.
//!
//! Initial margin gates opening or increasing a position; maintenance margin triggers liquidation. Both are
//! fractions of position notional at the mark price in this first policy ([`MarginRates`]); richer policies
//! (tiered, volatility-adaptive, VaR) produce rates the same way and plug in here.

use crate::MarketId;
use crate::account::Portfolio;
use crate::money::{self, MoneyError};
use rust_decimal::Decimal;

/// Margin fractions of notional. `0 < maintenance < initial <= 1`; maximum leverage is `1 / initial`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarginRates {
    /// Initial margin fraction: equity needed to open, per unit of notional (e.g. 0.05 = 20x maximum leverage).
    pub initial: Decimal,
    /// Maintenance margin fraction: below this much equity per unit of notional the account is liquidated.
    pub maintenance: Decimal,
}

/// An account's margin state at a set of mark prices. Quote currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    /// Collateral plus unrealized PnL.
    pub equity: Decimal,
    /// Sum over positions of |notional| at mark.
    pub notional: Decimal,
    /// Initial margin requirement.
    pub initial_requirement: Decimal,
    /// Maintenance margin requirement.
    pub maintenance_requirement: Decimal,
}

impl Health {
    /// Equity is below the maintenance requirement (and there is a position to liquidate).
    pub fn is_liquidatable(&self) -> bool {
        self.notional > Decimal::ZERO && self.equity < self.maintenance_requirement
    }

    /// Equity over maintenance requirement (`None` without a position). Below 1 means liquidatable.
    pub fn margin_ratio(&self) -> Option<Decimal> {
        self.equity.checked_div(self.maintenance_requirement)
    }

    /// Equity over notional: the inverse of effective leverage (`None` without a position).
    pub fn equity_fraction(&self) -> Option<Decimal> {
        self.equity.checked_div(self.notional)
    }
}

/// Health of a cross-margined account: requirements of all positions summed, against one equity.
pub fn health(
    portfolio: &Portfolio,
    mark: impl Fn(MarketId) -> Decimal,
    rates: MarginRates,
) -> Result<Health, MoneyError> {
    let equity = portfolio.equity(&mark)?;
    let notional =
        portfolio.positions.iter().try_fold(Decimal::ZERO, |acc, p| money::add(acc, p.notional(mark(p.market))?))?;
    Ok(Health {
        equity,
        notional,
        initial_requirement: money::mul(notional, rates.initial)?,
        maintenance_requirement: money::mul(notional, rates.maintenance)?,
    })
}

/// Whether an order that changes the position in `market` by `signed_quantity` may be accepted: it reduces the
/// position, or after it the account's equity at `mark` still covers initial margin. Fees are ignored.
pub fn passes_initial_margin(
    portfolio: &Portfolio,
    market: MarketId,
    signed_quantity: Decimal,
    mark: Decimal,
    rates: MarginRates,
) -> Result<bool, MoneyError> {
    let current = portfolio.quantity(market);
    let after = money::add(current, signed_quantity)?;
    if after.abs() <= current.abs() && (after.is_zero() || after.is_sign_positive() == current.is_sign_positive()) {
        return Ok(true);
    }
    let equity = portfolio.equity(|_| mark)?;
    let requirement = money::mul(money::mul(after.abs(), mark)?, rates.initial)?;
    Ok(equity >= requirement)
}

/// The mark price at which an isolated position of signed `quantity`, with `cost_basis` and `collateral`, reaches
/// its maintenance requirement (equity == maintenance * notional). `None` when flat, or when no positive price
/// liquidates it (an over-collateralized short has one; an over-collateralized long does not).
///
/// Long (`q > 0`): `C + q P - B = m q P`, so `P = (B - C) / (q (1 - m))`.
/// Short (`q < 0`): `C + q P - B = -m q P`, so `P = (B - C) / (q (1 + m))`.
pub fn liquidation_price(
    quantity: Decimal,
    cost_basis: Decimal,
    collateral: Decimal,
    maintenance: Decimal,
) -> Option<Decimal> {
    if quantity.is_zero() {
        return None;
    }
    let factor = if quantity.is_sign_positive() { Decimal::ONE - maintenance } else { Decimal::ONE + maintenance };
    let price = (cost_basis - collateral).checked_div(quantity.checked_mul(factor)?)?;
    (price > Decimal::ZERO).then_some(price)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    const M: MarketId = MarketId(0);
    const RATES: MarginRates = MarginRates { initial: dec!(0.05), maintenance: dec!(0.025) };

    #[test]
    fn ten_x_long_health_by_hand() {
        // 1,000 collateral, long 1 BTC at 10,000 (10x). At 9,300: equity 1,000 - 700 = 300;
        // notional 9,300; maintenance 2.5% = 232.5; initial 5% = 465.
        let mut a = Portfolio::with_collateral(dec!(1000));
        a.apply_fill(M, dec!(1), dec!(10000)).unwrap();
        let h = health(&a, |_| dec!(9300), RATES).unwrap();
        assert_eq!(h.equity, dec!(300));
        assert_eq!(h.maintenance_requirement, dec!(232.5));
        assert_eq!(h.initial_requirement, dec!(465));
        assert!(!h.is_liquidatable());
        // At 9,200: equity 200 < 230 maintenance.
        let h = health(&a, |_| dec!(9200), RATES).unwrap();
        assert!(h.is_liquidatable());
    }

    #[test]
    fn liquidation_price_by_hand_and_consistent_with_health() {
        // Long: P = (10,000 - 1,000) / (1 * 0.975) = 9,230.769...
        let p = liquidation_price(dec!(1), dec!(10000), dec!(1000), dec!(0.025)).unwrap();
        assert_eq!(p.round_dp(4), dec!(9230.7692));
        // Short 1 at 10,000 with 1,000: P = (-10,000 - 1,000) / (-1 * 1.025) = 10,731.707...
        let s = liquidation_price(dec!(-1), dec!(-10000), dec!(1000), dec!(0.025)).unwrap();
        assert_eq!(s.round_dp(4), dec!(10731.7073));
        let mut a = Portfolio::with_collateral(dec!(1000));
        a.apply_fill(M, dec!(1), dec!(10000)).unwrap();
        assert!(!health(&a, |_| p + dec!(0.01), RATES).unwrap().is_liquidatable());
        assert!(health(&a, |_| p - dec!(0.01), RATES).unwrap().is_liquidatable());
        // A fully collateralized long is never liquidated.
        assert_eq!(liquidation_price(dec!(1), dec!(10000), dec!(10000), dec!(0.025)), None);
    }

    #[test]
    fn initial_margin_gates_increases_but_not_reductions() {
        let mut a = Portfolio::with_collateral(dec!(1000));
        // 20 x 1,000 = 20,000 notional at 5% needs exactly 1,000.
        assert!(passes_initial_margin(&a, M, dec!(2), dec!(10000), RATES).unwrap());
        assert!(!passes_initial_margin(&a, M, dec!(2.001), dec!(10000), RATES).unwrap());
        a.apply_fill(M, dec!(2), dec!(10000)).unwrap();
        // After a 10% drop the account is under initial margin: it may reduce but not add, nor flip beyond.
        assert!(passes_initial_margin(&a, M, dec!(-1), dec!(9000), RATES).unwrap());
        assert!(!passes_initial_margin(&a, M, dec!(0.1), dec!(9000), RATES).unwrap());
        assert!(!passes_initial_margin(&a, M, dec!(-4), dec!(9000), RATES).unwrap());
    }
}
