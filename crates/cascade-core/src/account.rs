//! Accounts: collateral and positions, and how a fill changes them.
//!
//! A position keeps its quantity and its *cost basis* rather than an average entry price, so that no division is
//! needed to open, and realized PnL is exact. Cost basis is `sum(signed quantity * price)` over the fills that built
//! the position; for a long bought at 100 it is `+100` per unit, for a short sold at 100 it is `-100` per unit.
//! Unrealized PnL at mark `M` is `quantity * M - cost_basis`.
//!
//! A fill moves cash `-signed_quantity * price` conceptually; opening books it into the cost basis, reducing books
//! the difference with the released cost basis into collateral as realized PnL. Either way
//! `collateral - cost_basis` changes by exactly the cash of the fill, which is what keeps the ledger conserved
//! (see [`crate::money::Ledger`]).

use crate::InstrumentId;
use crate::instrument::Valuation;
use crate::money::{self, MoneyError};
use rust_decimal::Decimal;
use smallvec::SmallVec;

/// An open (or flat) position in one instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The instrument this position is in.
    pub instrument: InstrumentId,
    /// Signed quantity in base units: positive long, negative short.
    pub quantity: Decimal,
    /// Signed cost basis in quote currency: `sum(signed quantity * price)` of the fills still open.
    pub cost_basis: Decimal,
}

impl Position {
    /// A flat position in `instrument`.
    pub fn flat(instrument: InstrumentId) -> Self {
        Self { instrument, quantity: Decimal::ZERO, cost_basis: Decimal::ZERO }
    }

    /// Unrealized PnL valued `at` its instrument's kind and mark, in quote currency: value minus cost basis.
    pub fn unrealized_pnl(&self, at: Valuation) -> Result<Decimal, MoneyError> {
        money::sub(at.kind.value(self.quantity, at.mark)?, self.cost_basis)
    }

    /// Gross notional valued `at` its instrument's kind and mark, in quote currency (never negative).
    pub fn notional(&self, at: Valuation) -> Result<Decimal, MoneyError> {
        at.kind.notional(self.quantity, at.mark)
    }

    /// The average entry price, for display only (`None` when flat).
    pub fn entry_price(&self) -> Option<Decimal> {
        self.cost_basis.checked_div(self.quantity)
    }
}

/// An account's money and positions. Collateral is quote currency and moves only through the functions here or
/// through the ledger's sinks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Portfolio {
    /// Deposits plus realized PnL, funding and fees paid or received. Quote currency; may become negative only
    /// transiently, when an account is bankrupt and before its shortfall is absorbed.
    pub collateral: Decimal,
    /// Positions by instrument; at most one per instrument. One inline slot, as most accounts trade one.
    pub positions: SmallVec<[Position; 1]>,
}

/// What a fill did to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FillEffect {
    /// Realized PnL booked into collateral (quote currency, before fees).
    pub realized_pnl: Decimal,
    /// Quantity that reduced an existing position (absolute, base units).
    pub reduced: Decimal,
    /// The position's signed quantity before the fill (base units, long positive; zero when there was none).
    pub before: Decimal,
    /// The position's signed quantity after the fill.
    pub after: Decimal,
}

impl Portfolio {
    /// A new account holding `collateral` and no positions.
    pub fn with_collateral(collateral: Decimal) -> Self {
        Self { collateral, positions: SmallVec::new() }
    }

    /// The position in `instrument`, if the account has ever traded it.
    pub fn position(&self, instrument: InstrumentId) -> Option<&Position> {
        self.positions.iter().find(|p| p.instrument == instrument)
    }

    /// Signed quantity in `instrument` (zero when none).
    pub fn quantity(&self, instrument: InstrumentId) -> Decimal {
        self.position(instrument).map_or(Decimal::ZERO, |p| p.quantity)
    }

    fn position_mut(&mut self, instrument: InstrumentId) -> &mut Position {
        let index = match self.positions.iter().position(|p| p.instrument == instrument) {
            Some(i) => i,
            None => {
                self.positions.push(Position::flat(instrument));
                self.positions.len() - 1
            }
        };
        &mut self.positions[index]
    }

    /// `collateral - sum(cost_basis)`: the account's equity at a price of zero, its term in the conservation
    /// identity.
    pub fn ledger_value(&self) -> Result<Decimal, MoneyError> {
        self.positions.iter().try_fold(self.collateral, |acc, p| money::sub(acc, p.cost_basis))
    }

    /// Equity: collateral plus the unrealized PnL of every position valued at `value(instrument)`.
    pub fn equity(&self, value: impl Fn(InstrumentId) -> Valuation) -> Result<Decimal, MoneyError> {
        self.positions
            .iter()
            .try_fold(self.collateral, |acc, p| money::add(acc, p.unrealized_pnl(value(p.instrument))?))
    }

    /// Applies a fill of `signed_quantity` (positive buys) at `price` in `instrument`, booking realized PnL into
    /// collateral. Fees are separate ([`Portfolio::pay`]).
    pub fn apply_fill(
        &mut self,
        instrument: InstrumentId,
        signed_quantity: Decimal,
        price: Decimal,
    ) -> Result<FillEffect, MoneyError> {
        let position = self.position_mut(instrument);
        let mut effect = FillEffect { before: position.quantity, ..FillEffect::default() };
        let mut remaining = signed_quantity;
        let same_direction =
            position.quantity.is_zero() || (position.quantity.is_sign_positive() == remaining.is_sign_positive());
        if !same_direction {
            // Reduce (and maybe close) first: all of the fill (`remaining` is then spent), or all of the position.
            let (wanted, held) = (remaining.abs(), position.quantity.abs());
            let (reduce, released, spent) = match wanted.cmp(&held) {
                std::cmp::Ordering::Greater => (held, position.cost_basis, false),
                std::cmp::Ordering::Equal => (wanted, position.cost_basis, true),
                // Pro-rata share of the cost basis, at the booking precision so that every amount in the ledger
                // stays on the venue's grid. The rounding is absorbed exactly: the same amount leaves the cost basis
                // and enters realized PnL.
                std::cmp::Ordering::Less => (wanted, pro_rata(position.cost_basis, wanted, held)?, true),
            };
            let signed_reduce = if remaining.is_sign_positive() { reduce } else { -reduce };
            // Cash of the reducing part is -signed_reduce * price; realized PnL = cash - released cost basis.
            let cash = -money::mul(signed_reduce, price)?;
            effect.realized_pnl = money::sub(cash, released)?;
            position.cost_basis = money::sub(position.cost_basis, released)?;
            position.quantity = money::add(position.quantity, signed_reduce)?;
            effect.reduced = reduce;
            remaining = if spent { Decimal::ZERO } else { money::sub(remaining, signed_reduce)? };
            if position.quantity.is_zero() {
                position.cost_basis = Decimal::ZERO;
            }
        }
        if !remaining.is_zero() {
            position.cost_basis = money::add(position.cost_basis, money::mul(remaining, price)?)?;
            position.quantity = money::add(position.quantity, remaining)?;
        }
        effect.after = position.quantity;
        // Nothing realized leaves a non-zero collateral as it is, representation and all (a zero one `Decimal`
        // re-scales: it takes the step).
        if !effect.realized_pnl.is_zero() || self.collateral.is_zero() {
            self.collateral = money::add(self.collateral, effect.realized_pnl)?;
        }
        Ok(effect)
    }

    /// Pays `amount` out of collateral (a fee, a funding payment; negative amounts are received).
    pub fn pay(&mut self, amount: Decimal) -> Result<(), MoneyError> {
        self.collateral = money::sub(self.collateral, amount)?;
        Ok(())
    }
}

/// `amount x part / whole` booked: the decimal product, its quotient (28 significant digits) and the rounding half
/// away from zero to [`money::BOOKING_DP`] places, representation included, for a positive `whole`.
///
/// Computed in integers where that is certain, without the decimal division (the cost of a partial close): the
/// product's mantissa is exact below 2^96 and 28 places; the quotient counted in units of 1e-8 is then an integer
/// quotient `t` with remainder `r` over `d`. When its magnitude is below 10^15 the decimal quotient keeps at least 13
/// places, so it errs by less than 1e-13 and rounds as the exact one does unless the exact one is within that of a
/// midpoint between two units: such cases (`|2r - d| <= 2d / 10^4`, short of an exact midpoint) take the decimal
/// path. So do a zero product, a result that rounds to zero (whose sign the decimal path keeps) and a quotient exact
/// in 8 places (`r = 0`, whose places the decimal division chooses); any other has more than 8 places and is
/// booked at exactly 8.
fn pro_rata(amount: Decimal, part: Decimal, whole: Decimal) -> Result<Decimal, MoneyError> {
    match pro_rata_in_integers(amount, part, whole) {
        Some(share) => Ok(share),
        None => Ok(money::booked(money::div(money::mul(amount, part)?, whole)?)),
    }
}

fn pro_rata_in_integers(amount: Decimal, part: Decimal, whole: Decimal) -> Option<Decimal> {
    let product = amount.mantissa().checked_mul(part.mantissa())?;
    let scale = amount.scale() + part.scale();
    if product == 0 || product.unsigned_abs() >= 1 << 96 || scale > 28 || whole <= Decimal::ZERO {
        return None;
    }
    let places = money::BOOKING_DP;
    let shift = i64::from(places) + i64::from(whole.scale()) - i64::from(scale);
    let power = money::pow10(u32::try_from(shift.unsigned_abs()).ok()?)?;
    let (n, d) = if shift >= 0 {
        (product.checked_mul(power)?, whole.mantissa())
    } else {
        (product, whole.mantissa().checked_mul(power)?)
    };
    // In `i64` where both fit: the same quotient and remainder (truncated towards zero) with one instruction.
    let (t, r) = match (i64::try_from(n), i64::try_from(d)) {
        (Ok(n), Ok(d)) => (i128::from(n / d), i128::from((n % d).abs())),
        _ => (n / d, (n % d).abs()),
    };
    if t.unsigned_abs() >= 10u128.pow(23) {
        return None;
    }
    let from_midpoint = (2 * r - d).abs();
    if from_midpoint != 0 && from_midpoint.checked_mul(10_000)? <= 2 * d {
        return None;
    }
    let units = if 2 * r >= d { t + n.signum() } else { t };
    if units == 0 || r == 0 {
        return None;
    }
    Some(Decimal::from_i128_with_scale(units, places))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    const M: InstrumentId = InstrumentId(0);

    fn at(mark: Decimal) -> Valuation {
        Valuation::linear(crate::UnderlyingId(0), mark)
    }

    #[test]
    fn long_then_partial_close_realizes_exact_pnl() {
        // Deposit 1,000; buy 2 at 100 (cost basis 200); sell 1 at 110: +10 realized.
        let mut a = Portfolio::with_collateral(dec!(1000));
        a.apply_fill(M, dec!(2), dec!(100)).unwrap();
        assert_eq!(a.position(M).unwrap().cost_basis, dec!(200));
        let e = a.apply_fill(M, dec!(-1), dec!(110)).unwrap();
        assert_eq!(e.realized_pnl, dec!(10));
        assert_eq!(a.collateral, dec!(1010));
        assert_eq!(a.quantity(M), dec!(1));
        assert_eq!(a.position(M).unwrap().cost_basis, dec!(100));
        // At a mark of 90 the remaining long has lost 10: equity 1,000.
        assert_eq!(a.equity(|_| at(dec!(90))).unwrap(), dec!(1000));
    }

    #[test]
    fn short_loses_when_price_rises_and_flip_opens_the_rest() {
        // Sell 3 at 50 (cost basis -150), buy 5 at 60: close 3 for -30, then long 2 at 60.
        let mut a = Portfolio::with_collateral(dec!(500));
        a.apply_fill(M, dec!(-3), dec!(50)).unwrap();
        let e = a.apply_fill(M, dec!(5), dec!(60)).unwrap();
        assert_eq!(e.realized_pnl, dec!(-30));
        assert_eq!(e.reduced, dec!(3));
        assert_eq!(a.collateral, dec!(470));
        assert_eq!(a.quantity(M), dec!(2));
        assert_eq!(a.position(M).unwrap().entry_price(), Some(dec!(60)));
    }

    #[test]
    fn pro_rata_shares_by_hand() {
        // A third of 30.03 is 10.01 exactly; of 10, 3.33333333; two thirds of -10, -6.66666667 (half away from zero).
        assert_eq!(pro_rata(dec!(30.03), dec!(1), dec!(3)).unwrap().to_string(), "10.01");
        assert_eq!(pro_rata(dec!(10), dec!(1), dec!(3)).unwrap().to_string(), "3.33333333");
        assert_eq!(pro_rata(dec!(-10), dec!(2), dec!(3)).unwrap().to_string(), "-6.66666667");
        // An exact share keeps its operands' places: 2.00 x 1 / 2 is 1.00; 200 x 0.5 / 0.25 is 400.0.
        assert_eq!(pro_rata(dec!(2.00), dec!(1), dec!(2)).unwrap().to_string(), "1.00");
        assert_eq!(pro_rata(dec!(200), dec!(0.5), dec!(0.25)).unwrap().to_string(), "400");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        /// The integer path is the decimal one, representation included, over cost bases of every size and sign and
        /// parts of positions on lots from 1 to 0.001 (small ones, whose shares are often exact in few places).
        #[test]
        fn pro_rata_is_the_decimal_share(
            amount in -100_000_000_000_000i64..100_000_000_000_000,
            amount_dp in 0u32..=10,
            part in 1i64..1_000,
            extra in 0i64..3_000,
            lot_dp in 0u32..=3,
            whole_dp in 0u32..=3,
        ) {
            let part = Decimal::new(part, lot_dp);
            let whole = part + Decimal::new(extra, whole_dp);
            let amount = Decimal::new(amount, amount_dp);
            let decimal = money::booked(money::div(money::mul(amount, part).unwrap(), whole).unwrap());
            proptest::prop_assert_eq!(pro_rata(amount, part, whole).unwrap().serialize(), decimal.serialize(),
                "{} x {} / {}: {}", amount, part, whole, decimal);
        }
    }

    #[test]
    fn ledger_value_moves_by_exactly_the_cash_of_each_fill() {
        // Buy 3 at 10.01, sell 1 at 9.99 (the 1/3 pro-rata cost basis does not divide exactly).
        let mut a = Portfolio::with_collateral(dec!(100));
        a.apply_fill(M, dec!(3), dec!(10.01)).unwrap();
        assert_eq!(a.ledger_value().unwrap(), dec!(100) - dec!(30.03));
        a.apply_fill(M, dec!(-1), dec!(9.99)).unwrap();
        assert_eq!(a.ledger_value().unwrap(), dec!(100) - dec!(30.03) + dec!(9.99));
        a.apply_fill(M, dec!(-2), dec!(9.00)).unwrap();
        assert_eq!(a.quantity(M), Decimal::ZERO);
        assert_eq!(a.collateral, dec!(100) - dec!(30.03) + dec!(9.99) + dec!(18.00));
    }
}
