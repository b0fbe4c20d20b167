//! Exact money and the ledger's named sinks.
//!
//! Amounts of the quote currency (for example USD) are [`Decimal`]s. Statistics are `f64`; they become money only
//! through [`from_f64`], which rounds to a given step and refuses NaN and infinities, so neither ever reaches the
//! ledger. Arithmetic that moves money is checked: an overflow is an error naming the caller's location, never a
//! silent wrap.

mod boundary;

pub(crate) use boundary::approximate;
pub use boundary::{floor_f64_to_step, from_f64, to_f64};
use rust_decimal::Decimal;
use serde::Serialize;
use std::panic::Location;

/// An arithmetic or conversion failure where money moves.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MoneyError {
    /// A checked operation overflowed the range of [`Decimal`].
    #[error("decimal overflow in {op} at {location}")]
    Overflow {
        /// The operation that overflowed (`add`, `sub`, `mul`, `div`).
        op: &'static str,
        /// Where in the source the operation was called.
        location: &'static Location<'static>,
    },
    /// A ledger sink would go negative (a bug in the caller: it took more than the sink holds).
    #[error("the {sink} would go negative ({balance} - {amount}) at {location}")]
    Overdrawn {
        /// The sink (`insurance fund`, `bad debt`).
        sink: &'static str,
        /// Its balance before.
        balance: Decimal,
        /// What was taken.
        amount: Decimal,
        /// Where in the source the move was made.
        location: &'static Location<'static>,
    },
    /// An `f64` that is NaN, infinite or out of range was about to become money.
    #[error("non-finite or out-of-range value {value} cannot become money ({what})")]
    NotFinite {
        /// The offending value.
        value: f64,
        /// What the value was meant to be.
        what: &'static str,
    },
}

/// `a + b`, or an error naming the caller.
#[track_caller]
pub fn add(a: Decimal, b: Decimal) -> Result<Decimal, MoneyError> {
    a.checked_add(b).ok_or(MoneyError::Overflow { op: "add", location: Location::caller() })
}

/// `a - b`, or an error naming the caller.
#[track_caller]
pub fn sub(a: Decimal, b: Decimal) -> Result<Decimal, MoneyError> {
    a.checked_sub(b).ok_or(MoneyError::Overflow { op: "sub", location: Location::caller() })
}

/// `a * b`, or an error naming the caller.
#[track_caller]
pub fn mul(a: Decimal, b: Decimal) -> Result<Decimal, MoneyError> {
    a.checked_mul(b).ok_or(MoneyError::Overflow { op: "mul", location: Location::caller() })
}

/// `a / b`, or an error naming the caller (division by zero is reported as an overflow).
#[track_caller]
pub fn div(a: Decimal, b: Decimal) -> Result<Decimal, MoneyError> {
    a.checked_div(b).ok_or(MoneyError::Overflow { op: "div", location: Location::caller() })
}

/// Decimal places of every amount the venue books: balances, cost bases, fees, penalties, funding payments,
/// haircuts and the sinks are whole multiples of 1e-8 quote (a fill's cash, a lot times a tick, needs no rounding:
/// validation keeps `tick_size x lot_size` on that grid).
pub const BOOKING_DP: u32 = 8;

/// `amount` rounded to the booking precision, half away from zero (so a payment and its receipt round alike).
///
/// As `Decimal::round_dp_with_strategy` gives it, representation included (an amount with more places comes back
/// with exactly [`BOOKING_DP`]), in `u64` where the mantissa and the divisor fit: a fee's share, say.
pub fn booked(amount: Decimal) -> Decimal {
    let scale = amount.scale();
    if scale <= BOOKING_DP {
        return amount;
    }
    let magnitude = u64::try_from(amount.mantissa().unsigned_abs()).ok().filter(|m| *m != 0);
    match (magnitude, pow10_u64(scale - BOOKING_DP)) {
        (Some(magnitude), Some(divisor)) => {
            // The divisor is even: a remainder of half of it or more rounds away from zero.
            let units = magnitude / divisor + u64::from(magnitude % divisor >= divisor / 2);
            Decimal::from_parts(units as u32, (units >> 32) as u32, 0, amount.is_sign_negative(), BOOKING_DP)
        }
        // A zero keeps its sign at the new scale, which `Decimal` decides with the wider mantissas.
        _ => amount.round_dp_with_strategy(BOOKING_DP, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
    }
}

/// `10^n` as an `i128`, `None` beyond `10^38`: from a table, where `checked_pow` loops (the integer paths of
/// settlement and the margin index ask for one on every fill).
pub(crate) fn pow10(n: u32) -> Option<i128> {
    POW10.get(n as usize).copied()
}

/// `10^0` to `10^38`, every power of ten an `i128` holds.
const POW10: [i128; 39] = {
    let mut table = [1i128; 39];
    let mut n = 1;
    while n < table.len() {
        table[n] = table[n - 1] * 10;
        n += 1;
    }
    table
};

/// `10^n` as a `u64`, `None` beyond `10^19`.
fn pow10_u64(n: u32) -> Option<u64> {
    pow10(n).and_then(|p| u64::try_from(p).ok())
}

/// Whether `amount` is on the booking grid (at most [`BOOKING_DP`] decimal places once trailing zeros go).
pub fn is_booked(amount: Decimal) -> bool {
    amount.normalize().scale() <= BOOKING_DP
}

/// `value` rounded to the nearest multiple of `step` (half away from zero); `None` on overflow or a zero step.
pub fn round_to_step(value: Decimal, step: Decimal) -> Option<Decimal> {
    let units =
        value.checked_div(step)?.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    units.checked_mul(step).map(|d| d.normalize())
}

/// Whether `value` is a whole multiple of a positive `step` (a price on the tick grid, say), decided in integers:
/// `false` for a step that is not positive, and where the scaled mantissas would exceed `i128`.
pub fn is_multiple(value: Decimal, step: Decimal) -> bool {
    if step.is_sign_negative() || step.is_zero() {
        return false;
    }
    let scale = value.scale().max(step.scale());
    // Divisibility ignores signs; in `u64` where both scaled mantissas fit (the remainder is then one instruction).
    let narrow =
        |d: Decimal| u64::try_from(d.mantissa().unsigned_abs()).ok()?.checked_mul(pow10_u64(scale - d.scale())?);
    if let (Some(v), Some(s)) = (narrow(value), narrow(step)) {
        return v % s == 0;
    }
    let at_scale = |d: Decimal| d.mantissa().checked_mul(pow10(scale - d.scale())?);
    matches!((at_scale(value), at_scale(step)), (Some(v), Some(s)) if v % s == 0)
}

/// `value` rounded towards zero to a multiple of `step` (used for order quantities: never trade more than meant).
pub fn floor_to_step(value: Decimal, step: Decimal) -> Option<Decimal> {
    let units = value.checked_div(step)?.trunc();
    units.checked_mul(step).map(|d| d.normalize())
}

/// The venue's named sinks of money and what was deposited.
///
/// Conservation, checked by [`Ledger::check`]: at every moment
/// `sum over accounts of (collateral - cost_basis) + fees + insurance_fund + gas - bad_debt == deposits`.
/// `collateral - cost_basis` is an account's equity at a price of zero; since open quantities sum to zero in every
/// market, the sum of equity at any common mark price is the same number, so the identity says: all account equity
/// plus the venue's sinks, minus the losses nobody paid, is exactly what came in.
///
/// Every move of money into or out of a sink goes through a method here, checked: an overflow, or a sink that would
/// go negative, is an error naming the caller's source location. The other side of each move (the account paid or
/// credited) is booked by the caller in the same step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Ledger {
    deposits: Decimal,
    fees: Decimal,
    insurance_fund: Decimal,
    bad_debt: Decimal,
    /// Transaction costs paid to the chain (keepers' gas); absent from the serialized form while zero.
    #[serde(skip_serializing_if = "Decimal::is_zero")]
    gas: Decimal,
}

/// A broken conservation identity: the ledger does not add up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "ledger not conserved: accounts {accounts} + fees {fees} + insurance fund {insurance_fund} + gas {gas} - bad debt \
     {bad_debt} = {}, but deposits are {deposits} (difference {difference})",
    .deposits + .difference
)]
pub struct ConservationError {
    /// Sum over accounts of `collateral - cost_basis`.
    pub accounts: Decimal,
    /// Fees sink.
    pub fees: Decimal,
    /// Insurance fund.
    pub insurance_fund: Decimal,
    /// Bad debt.
    pub bad_debt: Decimal,
    /// Gas paid to the chain.
    pub gas: Decimal,
    /// The deposits.
    pub deposits: Decimal,
    /// The left-hand side less the deposits.
    pub difference: Decimal,
}

impl Ledger {
    /// Everything deposited: account collateral at creation plus the insurance fund's seed. Quote currency.
    pub fn deposits(&self) -> Decimal {
        self.deposits
    }

    /// Trading fees collected by the venue, net of maker rebates. Quote currency.
    pub fn fees(&self) -> Decimal {
        self.fees
    }

    /// The insurance fund: receives liquidation penalties, pays liquidation shortfalls. Quote currency, never
    /// negative.
    pub fn insurance_fund(&self) -> Decimal {
        self.insurance_fund
    }

    /// Losses of bankrupt accounts that nobody paid. Quote currency, never negative.
    pub fn bad_debt(&self) -> Decimal {
        self.bad_debt
    }

    /// Transaction costs paid to the chain by keepers, quote currency: they leave the venue. Never negative.
    pub fn gas(&self) -> Decimal {
        self.gas
    }

    /// A transaction cost of `amount` paid by an account (a keeper's gas) goes to the chain.
    #[track_caller]
    pub fn pay_gas(&mut self, amount: Decimal) -> Result<(), MoneyError> {
        self.gas = add(self.gas, amount)?;
        Ok(())
    }

    /// A trading fee of `amount` paid by an account (negative: a maker rebate paid to it) goes to the fees sink.
    #[track_caller]
    pub fn collect_fee(&mut self, amount: Decimal) -> Result<(), MoneyError> {
        self.fees = add(self.fees, amount)?;
        Ok(())
    }

    /// A liquidation penalty of `amount` paid by an account goes to the insurance fund.
    #[track_caller]
    pub fn collect_penalty(&mut self, amount: Decimal) -> Result<(), MoneyError> {
        self.insurance_fund = add(self.insurance_fund, amount)?;
        Ok(())
    }

    /// A `shortfall` (an account's negative balance, as a positive amount) is covered: the insurance fund pays what
    /// it can, the rest is booked as bad debt. Returns `(paid by the fund, booked as bad debt)`.
    #[track_caller]
    pub fn cover_shortfall(&mut self, shortfall: Decimal) -> Result<(Decimal, Decimal), MoneyError> {
        let from_fund = shortfall.min(self.insurance_fund).max(Decimal::ZERO);
        let unpaid = sub(shortfall, from_fund)?;
        self.insurance_fund = sub(self.insurance_fund, from_fund)?;
        self.bad_debt = add(self.bad_debt, unpaid)?;
        Ok((from_fund, unpaid))
    }

    /// What funding payments, each rounded to the booking precision, left over: `amount` (the sum of what accounts
    /// paid, negative when they received more) goes to the fees sink, so that rounding a payment never makes money.
    #[track_caller]
    pub fn collect_funding_rounding(&mut self, amount: Decimal) -> Result<(), MoneyError> {
        self.fees = add(self.fees, amount)?;
        Ok(())
    }

    /// Bad debt of `amount` is paid after all (by haircuts on winners, credited by the caller's debits).
    #[track_caller]
    pub fn recover_bad_debt(&mut self, amount: Decimal) -> Result<(), MoneyError> {
        if amount > self.bad_debt {
            let location = Location::caller();
            return Err(MoneyError::Overdrawn { sink: "bad debt", balance: self.bad_debt, amount, location });
        }
        self.bad_debt = sub(self.bad_debt, amount)?;
        Ok(())
    }

    /// Records a deposit of `amount` into an account (the account's collateral is credited by the caller).
    pub fn deposit(&mut self, amount: Decimal) -> Result<(), MoneyError> {
        self.deposits = add(self.deposits, amount)?;
        Ok(())
    }

    /// Seeds the insurance fund with a deposit of `amount`.
    pub fn seed_insurance_fund(&mut self, amount: Decimal) -> Result<(), MoneyError> {
        self.deposits = add(self.deposits, amount)?;
        self.insurance_fund = add(self.insurance_fund, amount)?;
        Ok(())
    }

    /// Checks conservation given the sum over all accounts of `collateral - cost_basis`.
    pub fn check(&self, accounts: Decimal) -> Result<(), ConservationError> {
        let total = accounts + self.fees + self.insurance_fund + self.gas - self.bad_debt;
        if total == self.deposits {
            Ok(())
        } else {
            Err(ConservationError {
                accounts,
                fees: self.fees,
                insurance_fund: self.insurance_fund,
                bad_debt: self.bad_debt,
                gas: self.gas,
                deposits: self.deposits,
                difference: total - self.deposits,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;
    use rust_decimal::dec;

    #[test]
    fn multiples_of_a_step() {
        assert!(is_multiple(dec!(30000.5), dec!(0.5)));
        assert!(is_multiple(dec!(30000.50), dec!(0.5)));
        assert!(!is_multiple(dec!(30000.25), dec!(0.5)));
        assert!(is_multiple(dec!(-1.2), dec!(0.1)));
        assert!(is_multiple(dec!(0), dec!(0.01)));
        assert!(!is_multiple(dec!(1), dec!(0)));
        assert!(!is_multiple(dec!(0.001), dec!(0.01)));
        assert!(!is_multiple(dec!(1), dec!(-0.5)));
        // Beyond u64 once scaled: decided in i128.
        assert!(is_multiple(dec!(12345678901234567890.5), dec!(0.5)));
        assert!(!is_multiple(dec!(12345678901234567890.25), dec!(0.5)));
    }

    #[test]
    fn floor_to_step_never_rounds_up() {
        assert_eq!(floor_to_step(dec!(1.2399), dec!(0.001)), Some(dec!(1.239)));
        assert_eq!(floor_to_step(dec!(-1.2399), dec!(0.001)), Some(dec!(-1.239)));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        /// Booking in `u64` gives `Decimal`'s rounding byte for byte: places, signs, zeros, midpoints (drawn on
        /// purpose: a mantissa ending in 5 followed by zeros) and mantissas beyond `u64`.
        #[test]
        fn booked_is_decimals_rounding(
            mantissa in proptest::prop_oneof![
                proptest::num::i64::ANY.prop_map(i128::from),
                (-1_000_000i128..1_000_000, 0u32..12).prop_map(|(m, zeros)| (m * 10 + 5) * 10i128.pow(zeros)),
                -(1i128 << 95)..(1i128 << 95),
            ],
            scale in 0u32..29,
        ) {
            let amount = Decimal::from_i128_with_scale(mantissa, scale);
            let away = rust_decimal::RoundingStrategy::MidpointAwayFromZero;
            let expected = amount.round_dp_with_strategy(BOOKING_DP, away);
            proptest::prop_assert_eq!(booked(amount).serialize(), expected.serialize(), "{}", amount);
        }
    }

    proptest::proptest! {
        /// Settlement skips a zero fee's payments, and a short leg's change of open interest, on the strength of
        /// this: a non-zero amount plus or minus a zero (of any scale) is the same amount, representation and all (a
        /// zero amount is re-scaled, and is not skipped).
        #[test]
        fn a_zero_leaves_a_non_zero_amount_as_it_is(
            mantissa in proptest::num::i64::ANY,
            scale in 0u32..29,
            zero_scale in 0u32..29,
        ) {
            let (amount, zero) = (Decimal::new(mantissa, scale), Decimal::new(0, zero_scale));
            proptest::prop_assume!(!amount.is_zero());
            proptest::prop_assert_eq!(add(amount, zero).unwrap().serialize(), amount.serialize());
            proptest::prop_assert_eq!(sub(amount, zero).unwrap().serialize(), amount.serialize());
        }
    }

    #[test]
    fn checked_arithmetic_reports_overflow_location() {
        let err = add(Decimal::MAX, Decimal::ONE).unwrap_err();
        assert!(err.to_string().contains("money/mod.rs"), "{err}");
    }

    #[test]
    fn ledger_check_finds_a_missing_cent() {
        let mut ledger = Ledger::default();
        ledger.deposit(dec!(100)).unwrap();
        ledger.seed_insurance_fund(dec!(50)).unwrap();
        assert!(ledger.check(dec!(100)).is_ok());
        let err = ledger.check(dec!(99.99)).unwrap_err();
        assert_eq!(err.difference, dec!(-0.01));
    }

    #[test]
    fn every_move_into_and_out_of_a_sink_keeps_the_books() {
        // A loser deposits 1,000 and a winner 500; 100 seeds the fund.
        let mut ledger = Ledger::default();
        ledger.deposit(dec!(1000)).unwrap();
        ledger.deposit(dec!(500)).unwrap();
        ledger.seed_insurance_fund(dec!(100)).unwrap();
        let (mut loser, mut winner) = (dec!(1000), dec!(500));
        // The loser pays a 2 fee and a 30 penalty: 968 left, fees 2, fund 130.
        loser -= dec!(2);
        ledger.collect_fee(dec!(2)).unwrap();
        loser -= dec!(30);
        ledger.collect_penalty(dec!(30)).unwrap();
        assert!(ledger.check(loser + winner).is_ok());
        // It then loses 1,150 to the winner: a shortfall of 182. The fund pays its 130, 52 is bad debt.
        loser -= dec!(1150);
        winner += dec!(1150);
        assert_eq!(ledger.cover_shortfall(-loser).unwrap(), (dec!(130), dec!(52)));
        loser = Decimal::ZERO;
        assert_eq!((ledger.insurance_fund(), ledger.bad_debt()), (dec!(0), dec!(52)));
        assert!(ledger.check(loser + winner).is_ok());
        // A 20 haircut on the winner pays part of the bad debt back.
        winner -= dec!(20);
        ledger.recover_bad_debt(dec!(20)).unwrap();
        assert_eq!(ledger.bad_debt(), dec!(32));
        assert!(ledger.check(loser + winner).is_ok());
        // More than the bad debt cannot be recovered: the error names the caller's file.
        let err = ledger.recover_bad_debt(dec!(33)).unwrap_err();
        assert!(
            err.to_string().contains("bad debt would go negative (32 - 33) at crates/cascade-core/src/money/mod.rs")
        );
    }
}
