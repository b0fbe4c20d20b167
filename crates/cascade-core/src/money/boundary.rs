//! The boundary between statistics (`f64`) and money (`Decimal`): [`from_f64`], the one way in, order quantities
//! made from statistics on the lot grid ([`floor_f64_to_step`]), and [`to_f64`], the way out for statistics. Each
//! answers as exact decimal arithmetic does, computed in machine numbers where that is certain.

use super::{MoneyError, floor_to_step, round_to_step};
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

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
const POW10_F64: [f64; 29] = [
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
    let Some(steps) = whole_steps(value, step) else { return exactly() };
    let in_integers = || {
        let lot_units = i64::try_from(lot.mantissa()).ok().filter(|m| *m > 0)?;
        let width = lot_units.checked_mul(10i64.checked_pow(step.scale().checked_sub(lot.scale())?)?)?;
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

/// `value` as its mantissa over its power of ten in `f64`: the mantissa rounded once to the nearest `f64` (from `i64`
/// where it fits, the same value without the 128-bit conversion), the power exact up to `10^22` (rounded once
/// above), the quotient rounded once. Within 4e-16 of `value`, relative; the screens that order and compare in
/// `f64` bound their answers by that.
pub(crate) fn approximate(value: Decimal) -> f64 {
    let mantissa = match i64::try_from(value.mantissa()) {
        Ok(m) => m as f64,
        Err(_) => value.mantissa() as f64,
    };
    mantissa / POW10_F64[value.scale() as usize]
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
        // Exactly `10f64.powi(scale)`: powers of ten up to 10^22 are exact in `f64`, and so are their products.
        let round_to = POW10_F64[scale as usize];
        ((integral + fraction) * round_to).round() / round_to
    };
    if value.is_sign_negative() { -magnitude } else { magnitude }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;
    use rust_decimal::dec;

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

        /// The approximation converts the mantissa as one 128-bit conversion would, bit for bit, on both sides of
        /// `i64`.
        #[test]
        fn approximate_is_the_mantissa_over_its_power(
            mantissa in proptest::prop_oneof![proptest::num::i64::ANY.prop_map(i128::from), proptest::num::i128::ANY],
            scale in 0u32..29,
        ) {
            let value = Decimal::from_i128_with_scale(mantissa % (1i128 << 96), scale);
            let expected = value.mantissa() as f64 / POW10_F64[scale as usize];
            proptest::prop_assert_eq!(approximate(value).to_bits(), expected.to_bits(), "{}", value);
        }

        #[test]
        fn to_f64_is_rust_decimals_conversion_on_small_mantissas(mantissa in -(1i64 << 62)..(1i64 << 62), scale in 0u32..20) {
            let value = Decimal::new(mantissa, scale);
            proptest::prop_assert_eq!(to_f64(value).to_bits(), value.to_f64().unwrap().to_bits(), "{}", value);
        }
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
}
