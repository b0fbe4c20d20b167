//! Exact money and the ledger's named sinks.
//!
//! Amounts of the quote currency (for example USD) are [`Decimal`]s. Statistics are `f64`; they become money only
//! through [`from_f64`], which rounds to a given step and refuses NaN and infinities, so neither ever reaches the
//! ledger. Arithmetic that moves money is checked: an overflow is an error naming the caller's location, never a
//! silent wrap.

use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
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

/// The one boundary from statistics to money: `value` rounded to the nearest multiple of `step` (half away from
/// zero). `step` must be positive. NaN, infinities and values beyond [`Decimal`]'s range are an error.
pub fn from_f64(value: f64, step: Decimal, what: &'static str) -> Result<Decimal, MoneyError> {
    let exact = Decimal::from_f64(value).ok_or(MoneyError::NotFinite { value, what })?;
    round_to_step(exact, step).ok_or(MoneyError::NotFinite { value, what })
}

/// `value` rounded to the nearest multiple of `step` (half away from zero); `None` on overflow or a zero step.
pub fn round_to_step(value: Decimal, step: Decimal) -> Option<Decimal> {
    let units =
        value.checked_div(step)?.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    units.checked_mul(step).map(|d| d.normalize())
}

/// `value` rounded towards zero to a multiple of `step` (used for order quantities: never trade more than meant).
pub fn floor_to_step(value: Decimal, step: Decimal) -> Option<Decimal> {
    let units = value.checked_div(step)?.trunc();
    units.checked_mul(step).map(|d| d.normalize())
}

/// Money or a price as `f64`, for statistics only. Never feed the result back into the ledger except through
/// [`from_f64`].
pub fn to_f64(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(f64::NAN)
}

/// The venue's named sinks of money and what was deposited.
///
/// Conservation, checked by [`Ledger::check`]: at every moment
/// `sum over accounts of (collateral - cost_basis) + fees + insurance_fund - bad_debt == deposits`.
/// `collateral - cost_basis` is an account's equity at a price of zero; since open quantities sum to zero in every
/// market, the sum of equity at any common mark price is the same number, so the identity says: all account equity
/// plus the venue's sinks, minus the losses nobody paid, is exactly what came in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Ledger {
    /// Everything deposited: account collateral at creation plus the insurance fund's seed. Quote currency.
    pub deposits: Decimal,
    /// Trading fees collected by the venue, net of maker rebates. Quote currency.
    pub fees: Decimal,
    /// The insurance fund: receives liquidation fees, pays liquidation shortfalls. Quote currency, never negative.
    pub insurance_fund: Decimal,
    /// Losses of bankrupt accounts that the insurance fund could not pay. Quote currency, never negative.
    pub bad_debt: Decimal,
}

/// A broken conservation identity: the ledger does not add up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "ledger not conserved: accounts {accounts} + fees {fees} + insurance fund {insurance_fund} - bad debt {bad_debt} \
     = {total}, but deposits are {deposits} (difference {difference})"
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
    /// The left-hand side.
    pub total: Decimal,
    /// The deposits.
    pub deposits: Decimal,
    /// `total - deposits`.
    pub difference: Decimal,
}

impl Ledger {
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
        let total = accounts + self.fees + self.insurance_fund - self.bad_debt;
        if total == self.deposits {
            Ok(())
        } else {
            Err(ConservationError {
                accounts,
                fees: self.fees,
                insurance_fund: self.insurance_fund,
                bad_debt: self.bad_debt,
                total,
                deposits: self.deposits,
                difference: total - self.deposits,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn from_f64_rounds_to_step_and_refuses_non_finite() {
        assert_eq!(from_f64(30_000.04, dec!(0.1), "price"), Ok(dec!(30000.0)));
        assert_eq!(from_f64(30_000.05, dec!(0.1), "price"), Ok(dec!(30000.1)));
        assert_eq!(from_f64(-1.2345, dec!(0.01), "x"), Ok(dec!(-1.23)));
        assert!(from_f64(f64::NAN, dec!(0.01), "x").is_err());
        assert!(from_f64(f64::INFINITY, dec!(0.01), "x").is_err());
        assert!(from_f64(1e300, dec!(0.01), "x").is_err());
    }

    #[test]
    fn floor_to_step_never_rounds_up() {
        assert_eq!(floor_to_step(dec!(1.2399), dec!(0.001)), Some(dec!(1.239)));
        assert_eq!(floor_to_step(dec!(-1.2399), dec!(0.001)), Some(dec!(-1.239)));
    }

    #[test]
    fn checked_arithmetic_reports_overflow_location() {
        let err = add(Decimal::MAX, Decimal::ONE).unwrap_err();
        assert!(err.to_string().contains("money.rs"), "{err}");
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
}
