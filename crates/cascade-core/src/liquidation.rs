//! Liquidation arithmetic: the penalty an account pays, and who absorbs a bankrupt account's shortfall.
//!
//! Absorbers are tried in this order: the account's own remaining collateral, then the insurance fund, then bad
//! debt (a loss nobody paid, booked explicitly so it never disappears).

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
    let fee = money::mul(closed_notional, fee_rate)?;
    Ok(fee.min(equity_after.max(Decimal::ZERO)))
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
pub fn absorb_shortfall(
    collateral: &mut Decimal,
    ledger: &mut Ledger,
) -> Result<ShortfallCover, MoneyError> {
    if !collateral.is_sign_negative() || collateral.is_zero() {
        return Ok(ShortfallCover::default());
    }
    let shortfall = -*collateral;
    let from_fund = shortfall.min(ledger.insurance_fund);
    let bad_debt = money::sub(shortfall, from_fund)?;
    ledger.insurance_fund = money::sub(ledger.insurance_fund, from_fund)?;
    ledger.bad_debt = money::add(ledger.bad_debt, bad_debt)?;
    *collateral = Decimal::ZERO;
    Ok(ShortfallCover {
        shortfall,
        insurance_fund: from_fund,
        bad_debt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn fee_is_capped_by_remaining_equity() {
        // 1% of 9,000 = 90, but only 40 of equity left: the fee is 40. Bankrupt: no fee.
        assert_eq!(
            liquidation_fee(dec!(9000), dec!(0.01), dec!(500)).unwrap(),
            dec!(90)
        );
        assert_eq!(
            liquidation_fee(dec!(9000), dec!(0.01), dec!(40)).unwrap(),
            dec!(40)
        );
        assert_eq!(
            liquidation_fee(dec!(9000), dec!(0.01), dec!(-10)).unwrap(),
            dec!(0)
        );
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
        assert_eq!(
            cover,
            ShortfallCover {
                shortfall: dec!(150),
                insurance_fund: dec!(100),
                bad_debt: dec!(50)
            }
        );
        assert_eq!(collateral, dec!(0));
        assert_eq!(ledger.insurance_fund, dec!(0));
        assert_eq!(ledger.bad_debt, dec!(50));
        // 2,150 + 0 (fund) - 50 (bad debt) = 2,100 deposited.
        assert!(ledger.check(winner + collateral).is_ok());
    }

    #[test]
    fn solvent_accounts_absorb_nothing() {
        let mut ledger = Ledger::default();
        let mut collateral = dec!(5);
        assert_eq!(
            absorb_shortfall(&mut collateral, &mut ledger).unwrap(),
            ShortfallCover::default()
        );
        assert_eq!(collateral, dec!(5));
    }
}
