//! Liquidation arithmetic: bankruptcy prices, how much a partial liquidation closes, the penalty an account pays,
//! and how a closed-out account's shortfall is absorbed.
//!
//! Absorbers of a shortfall are tried in this order: the account's own remaining collateral, then the insurance
//! fund, then (if the venue socializes losses) the winners, then bad debt (a loss nobody paid, booked explicitly so
//! it never disappears). Deleveraging, which closes a bankrupt position against winners before any shortfall is
//! realized, is in [`crate::deleverage`].

use crate::money::{self, Ledger, MoneyError};
use rust_decimal::Decimal;
use serde::Serialize;

/// The liquidation fee (penalty) on `closed_notional`: `fee_rate * closed_notional`, but never more than the
/// equity the account has left (`equity_after`; nothing when it is bankrupt). Quote currency.
pub fn liquidation_fee(
    closed_notional: Decimal,
    fee_rate: Decimal,
    equity_after: Decimal,
) -> Result<Decimal, MoneyError> {
    let fee = money::booked(money::mul(closed_notional, fee_rate)?);
    Ok(fee.min(money::booked(equity_after).max(Decimal::ZERO)))
}

/// The price at which closing a position of signed `quantity` (with `cost_basis`) leaves an account holding
/// `collateral` with exactly zero equity: `(cost_basis - collateral) / quantity`. `None` when flat. For a long,
/// selling below it creates a shortfall; for a short, buying above it does.
pub fn bankruptcy_price(quantity: Decimal, cost_basis: Decimal, collateral: Decimal) -> Option<Decimal> {
    (cost_basis - collateral).checked_div(quantity)
}

/// The price at which closing a position leaves the account with equity `-covered`: the insurance fund pays
/// `covered` and nobody else loses. With `covered = 0` this is the bankruptcy price.
pub fn transfer_price(
    quantity: Decimal,
    cost_basis: Decimal,
    collateral: Decimal,
    covered: Decimal,
) -> Option<Decimal> {
    (cost_basis - collateral - covered).checked_div(quantity)
}

/// How much of a position of absolute size `size` a partial liquidation closes so that, at `mark`, the account's
/// `equity` covers `target_rate` of what remains: `size - equity / (target_rate * mark)`, at least one lot, at most
/// the whole position (which is also the answer when equity is not positive). Slippage and fees are ignored, so
/// the next margin check decides whether another slice is needed. Rounded up to the lot grid.
pub fn partial_close_quantity(
    size: Decimal,
    equity: Decimal,
    mark: Decimal,
    target_rate: Decimal,
    lot: Decimal,
) -> Decimal {
    if equity <= Decimal::ZERO {
        return size;
    }
    let keep = equity.checked_div(target_rate * mark).unwrap_or(Decimal::ZERO);
    let close = size - keep;
    let lots = close.checked_div(lot).map(|l| l.ceil()).unwrap_or(Decimal::ZERO);
    (lots * lot).max(lot).min(size)
}

/// How a shortfall (negative collateral of a closed-out account) was covered. Quote currency, non-negative.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ShortfallCover {
    /// The shortfall: the negative collateral, as a positive amount.
    pub shortfall: Decimal,
    /// Paid by the insurance fund.
    pub insurance_fund: Decimal,
    /// Booked as bad debt.
    pub bad_debt: Decimal,
}

/// Brings a flat account's negative `collateral` back to zero: the insurance fund pays what it can, the rest is
/// booked as bad debt. Does nothing when collateral is not negative.
pub fn absorb_shortfall(collateral: &mut Decimal, ledger: &mut Ledger) -> Result<ShortfallCover, MoneyError> {
    if !collateral.is_sign_negative() || collateral.is_zero() {
        return Ok(ShortfallCover::default());
    }
    let shortfall = -*collateral;
    let (from_fund, bad_debt) = ledger.cover_shortfall(shortfall)?;
    *collateral = Decimal::ZERO;
    Ok(ShortfallCover { shortfall, insurance_fund: from_fund, bad_debt })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn bankruptcy_and_transfer_prices_by_hand() {
        // Long 1 at 10,000 with 1,000 of collateral: bankrupt at 9,000; short 2 at 10,000 (B = -20,000) with 1,000:
        // bankrupt at 10,500.
        assert_eq!(bankruptcy_price(dec!(1), dec!(10000), dec!(1000)), Some(dec!(9000)));
        assert_eq!(bankruptcy_price(dec!(-2), dec!(-20000), dec!(1000)), Some(dec!(10500)));
        assert_eq!(bankruptcy_price(dec!(0), dec!(0), dec!(1000)), None);
        // If the fund covers 300 of the loss, the long can be closed as low as 8,700.
        assert_eq!(transfer_price(dec!(1), dec!(10000), dec!(1000), dec!(300)), Some(dec!(8700)));
    }

    #[test]
    fn partial_close_restores_the_target_by_hand() {
        // 10 BTC long at a mark of 10,000 (100,000 notional) with 4,000 equity, back to 5% initial margin:
        // keep 4,000 / (0.05 * 10,000) = 8 BTC, close 2.
        assert_eq!(partial_close_quantity(dec!(10), dec!(4000), dec!(10000), dec!(0.05), dec!(0.001)), dec!(2));
        // Rounded up to the lot: keep 7.9999..., close 2.001.
        assert_eq!(partial_close_quantity(dec!(10), dec!(3999.99), dec!(10000), dec!(0.05), dec!(0.001)), dec!(2.001));
        // Bankrupt: everything.
        assert_eq!(partial_close_quantity(dec!(10), dec!(-1), dec!(10000), dec!(0.05), dec!(0.001)), dec!(10));
        // Healthy enough already: one lot.
        assert_eq!(partial_close_quantity(dec!(1), dec!(4000), dec!(10000), dec!(0.05), dec!(0.001)), dec!(0.001));
    }

    #[test]
    fn fee_is_capped_by_remaining_equity() {
        // 1% of 9,000 = 90, but only 40 of equity left: the fee is 40. Bankrupt: no fee.
        assert_eq!(liquidation_fee(dec!(9000), dec!(0.01), dec!(500)).unwrap(), dec!(90));
        assert_eq!(liquidation_fee(dec!(9000), dec!(0.01), dec!(40)).unwrap(), dec!(40));
        assert_eq!(liquidation_fee(dec!(9000), dec!(0.01), dec!(-10)).unwrap(), dec!(0));
    }

    #[test]
    fn insurance_fund_pays_first_then_bad_debt() {
        // $150 shortfall, $100 in the fund: the fund pays $100, $50 becomes bad debt.
        let mut ledger = Ledger::default();
        ledger.seed_insurance_fund(dec!(100)).unwrap();
        // Two accounts deposited 1,000 each; the loser lost 1,150 to the winner.
        ledger.deposit(dec!(2000)).unwrap();
        let winner = dec!(2150);
        let mut collateral = dec!(-150);
        let cover = absorb_shortfall(&mut collateral, &mut ledger).unwrap();
        assert_eq!(cover, ShortfallCover { shortfall: dec!(150), insurance_fund: dec!(100), bad_debt: dec!(50) });
        assert_eq!(collateral, dec!(0));
        assert_eq!(ledger.insurance_fund(), dec!(0));
        assert_eq!(ledger.bad_debt(), dec!(50));
        // 2,150 + 0 (fund) - 50 (bad debt) = 2,100 deposited.
        assert!(ledger.check(winner + collateral).is_ok());
    }

    #[test]
    fn solvent_accounts_absorb_nothing() {
        let mut ledger = Ledger::default();
        let mut collateral = dec!(5);
        assert_eq!(absorb_shortfall(&mut collateral, &mut ledger).unwrap(), ShortfallCover::default());
        assert_eq!(collateral, dec!(5));
    }
}
