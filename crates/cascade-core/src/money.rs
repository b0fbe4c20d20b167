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
pub fn booked(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(BOOKING_DP, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// Whether `amount` is on the booking grid (at most [`BOOKING_DP`] decimal places once trailing zeros go).
pub fn is_booked(amount: Decimal) -> bool {
    amount.normalize().scale() <= BOOKING_DP
}

/// The one boundary from statistics to money: `value` rounded to the nearest multiple of `step` (half away from
/// zero). `step` must be positive. NaN, infinities and values beyond [`Decimal`]'s range are an error.
pub fn from_f64(value: f64, step: Decimal, what: &'static str) -> Result<Decimal, MoneyError> {
    if let Some(steps) = whole_steps(value, step) {
        return Ok((Decimal::from(steps) * step).normalize());
    }
    let exact = Decimal::from_f64(value).ok_or(MoneyError::NotFinite { value, what })?;
    round_to_step(exact, step).ok_or(MoneyError::NotFinite { value, what })
}

/// Powers of ten as `f64` (each the nearest to the exact power), by exponent: a `Decimal`'s scale is at most 28.
pub(crate) const POW10_F64: [f64; 29] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28,
];

/// [`from_f64`]'s answer as a whole number of `step`s, computed in `f64`, when that is certainly the same: `value /
/// step` is counted in `f64` (relative error below 1e-15, with `Decimal::from_f64`'s own rounding of `value` to
/// about 16 digits), so when it is finite, below 2^50 steps and farther than 1e-14 of itself (and 1e-9) from a
/// midpoint between two steps, the nearest step is the one exact decimal arithmetic finds. `None` otherwise: the
/// exact path decides.
fn whole_steps(value: f64, step: Decimal) -> Option<i64> {
    // A step that is not positive (or beyond 2^64 units) is left to the exact path.
    let mantissa = u64::try_from(step.mantissa()).ok().filter(|m| *m > 0)?;
    let step_f64 = mantissa as f64 / POW10_F64[step.scale() as usize];
    let steps = value / step_f64;
    let tolerance = 1e-9 + steps.abs() * 1e-14;
    let from_midpoint = ((steps - steps.trunc()).abs() - 0.5).abs();
    if !steps.is_finite() || steps.abs() >= (1u64 << 50) as f64 || from_midpoint <= tolerance {
        return None;
    }
    // f64::round rounds half away from zero, as the exact path does (and no midpoint is near).
    Some(steps.round() as i64)
}

/// How order quantities are made from statistics: `value` rounded to the nearest multiple of `step` as [`from_f64`]
/// rounds it, then towards zero to a multiple of `lot` as [`floor_to_step`] does; `None` where either would fail.
///
/// Exactly their answer, computed in integers where that is certain: when [`from_f64`]'s rounding is settled in `f64`
/// (`n` steps) and the lot has no more decimal places than the step, counting both in units of the step's last
/// place makes the rounded value over the lot `n x step / lot = N / L` in integers. When `|N| < 2^50` and
/// `L <= 10^12`, [`floor_to_step`]'s decimal quotient is within half a unit in its twelfth decimal place (its
/// integer part has at most 16 digits, and a `Decimal` holds 28), nearer than the `1 / L >= 1e-12` that separates a
/// non-integer `N / L` from the next whole number: its integer part is the integer quotient `N / L`, rounded towards
/// zero alike.
pub fn floor_f64_to_step(value: f64, step: Decimal, lot: Decimal) -> Option<Decimal> {
    let exactly = || floor_to_step(from_f64(value, step, "quantity").ok()?, lot);
    /// Powers of ten up to the largest lot width counted, 10^12.
    const POW10: [i64; 13] = [
        1,
        10,
        100,
        1_000,
        10_000,
        100_000,
        1_000_000,
        10_000_000,
        100_000_000,
        1_000_000_000,
        10_000_000_000,
        100_000_000_000,
        1_000_000_000_000,
    ];
    let Some(steps) = whole_steps(value, step) else { return exactly() };
    let in_integers = || {
        let lot_units = i64::try_from(lot.mantissa()).ok().filter(|m| *m > 0)?;
        let width =
            lot_units.checked_mul(*POW10.get(usize::try_from(step.scale().checked_sub(lot.scale())?).ok()?)?)?;
        let numerator = steps.checked_mul(i64::try_from(step.mantissa()).ok()?)?;
        if width > 1_000_000_000_000 || numerator.unsigned_abs() >= 1 << 50 {
            return None;
        }
        // Whole lots (below 2^50) times the lot's units (below 2^63) fit an `i128`.
        Some(normalized(i128::from(numerator / width) * i128::from(lot_units), lot.scale()))
    };
    in_integers().or_else(exactly)
}

/// The `Decimal` `mantissa x 10^-scale` without trailing zeros, as [`Decimal::normalize`] leaves it; in `i64` where
/// the mantissa fits.
fn normalized(mantissa: i128, scale: u32) -> Decimal {
    let Ok(mut units) = i64::try_from(mantissa) else {
        return Decimal::from_i128_with_scale(mantissa, scale).normalize();
    };
    let mut scale = scale;
    while scale > 0 && units % 10 == 0 {
        units /= 10;
        scale -= 1;
    }
    Decimal::new(units, scale)
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
    if step <= Decimal::ZERO {
        return false;
    }
    let scale = value.scale().max(step.scale());
    let at_scale = |d: Decimal| d.mantissa().checked_mul(10i128.checked_pow(scale - d.scale())?);
    matches!((at_scale(value), at_scale(step)), (Some(v), Some(s)) if v % s == 0)
}

/// `value` rounded towards zero to a multiple of `step` (used for order quantities: never trade more than meant).
pub fn floor_to_step(value: Decimal, step: Decimal) -> Option<Decimal> {
    let units = value.checked_div(step)?.trunc();
    units.checked_mul(step).map(|d| d.normalize())
}

/// Money or a price as `f64`, for statistics only. Never feed the result back into the ledger except through
/// [`from_f64`].
///
/// The value is `rust_decimal`'s own conversion, computed in `u64` when the mantissa fits (that crate divides in
/// `u128`, which dominates its cost): the same operations on the same integers, hence the same `f64`, bit for bit.
pub fn to_f64(value: Decimal) -> f64 {
    let scale = value.scale();
    let Ok(mantissa) = u64::try_from(value.mantissa().unsigned_abs()) else {
        return value.to_f64().unwrap_or(f64::NAN);
    };
    if scale == 0 || scale > 19 {
        return value.to_f64().unwrap_or(f64::NAN);
    }
    let precision = 10u64.pow(scale);
    let integral = (mantissa / precision) as f64;
    let fraction = (mantissa % precision) as f64 / precision as f64;
    let magnitude = if fraction == 0.0 {
        integral
    } else {
        let round_to = 10f64.powi(scale as i32);
        ((integral + fraction) * round_to).round() / round_to
    };
    if value.is_sign_negative() { -magnitude } else { magnitude }
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

    proptest::proptest! {
        /// Wherever the f64 shortcut answers, it answers as exact decimal arithmetic does, to the representation:
        /// values of every size on the grids prices and quantities use, and values a hair from a midpoint.
        #[test]
        fn the_f64_shortcut_rounds_as_the_exact_path(
            mantissa in -1_000_000_000_000i64..1_000_000_000_000,
            exponent in -14i32..6,
            step_index in 0usize..8,
            midpoint in proptest::bool::ANY,
        ) {
            let steps = [dec!(0.000000000001), dec!(0.001), dec!(0.01), dec!(0.1), dec!(0.5), dec!(1), dec!(0.25), dec!(5)];
            let step = steps[step_index];
            let value = if midpoint {
                let k = Decimal::from(mantissa % 1_000_000_000);
                to_f64((k + dec!(0.5)) * step)
            } else {
                mantissa as f64 * 10f64.powi(exponent)
            };
            if let Some(steps) = whole_steps(value, step) {
                let fast = (Decimal::from(steps) * step).normalize();
                let exact = round_to_step(Decimal::from_f64(value).unwrap(), step).unwrap();
                proptest::prop_assert_eq!(fast.to_string(), exact.to_string(), "{} on {}", value, step);
            }
        }
    }
    use rust_decimal::dec;

    proptest::proptest! {
        /// The fast conversion is `rust_decimal`'s, bit for bit, at every scale and size (both sides of `u64`).
        #[test]
        fn to_f64_is_rust_decimals_conversion(mantissa in proptest::num::i128::ANY, scale in 0u32..29) {
            let value = Decimal::from_i128_with_scale(mantissa % (1i128 << 96), scale);
            let ours = to_f64(value);
            let theirs = value.to_f64().unwrap();
            proptest::prop_assert_eq!(ours.to_bits(), theirs.to_bits(), "{}", value);
        }

        /// Order quantities in integers are the two roundings' in decimals, representation and all: values of
        /// every size and sign, steps from 1e-12 (the quantities') to 5, lots from 1e-13 to 999 (coarser than the
        /// step's grid, and finer).
        #[test]
        fn floor_f64_to_step_is_from_f64_then_floor_to_step(
            mantissa in -1_000_000_000_000i64..1_000_000_000_000,
            exponent in -14i32..4,
            step_index in 0usize..6,
            lot_mantissa in 1i64..1_000,
            lot_scale in 0u32..14,
        ) {
            let value = mantissa as f64 * 10f64.powi(exponent);
            let step = [dec!(0.000000000001), dec!(0.00000001), dec!(0.001), dec!(0.25), dec!(0.5), dec!(5)][step_index];
            let lot = Decimal::new(lot_mantissa, lot_scale);
            let expected = from_f64(value, step, "x").ok().and_then(|raw| floor_to_step(raw, lot));
            let ours = floor_f64_to_step(value, step, lot);
            proptest::prop_assert_eq!(ours.map(|d| d.serialize()), expected.map(|d| d.serialize()), "{} on {}", value, lot);
        }

        #[test]
        fn to_f64_is_rust_decimals_conversion_on_small_mantissas(mantissa in -(1i64 << 62)..(1i64 << 62), scale in 0u32..20) {
            let value = Decimal::new(mantissa, scale);
            proptest::prop_assert_eq!(to_f64(value).to_bits(), value.to_f64().unwrap().to_bits(), "{}", value);
        }
    }

    #[test]
    fn multiples_of_a_step() {
        assert!(is_multiple(dec!(30000.5), dec!(0.5)));
        assert!(is_multiple(dec!(30000.50), dec!(0.5)));
        assert!(!is_multiple(dec!(30000.25), dec!(0.5)));
        assert!(is_multiple(dec!(-1.2), dec!(0.1)));
        assert!(is_multiple(dec!(0), dec!(0.01)));
        assert!(!is_multiple(dec!(1), dec!(0)));
        assert!(!is_multiple(dec!(0.001), dec!(0.01)));
    }

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
        assert!(err.to_string().contains("bad debt would go negative (32 - 33) at crates/cascade-core/src/money.rs"));
    }
}
