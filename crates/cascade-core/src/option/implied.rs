//! Implied volatility: the `sigma` at which Black-76 (or Black-Scholes) gives an observed premium.
//!
//! The inversion is Jäckel's "Let's Be Rational" (Wilmott, 2015), through the `implied-vol` crate: a rational
//! initial guess on four branches and two Householder steps of third order, accurate to machine precision across
//! the whole domain, deep in and out of the money and at expiries down to minutes, where Newton's method stalls on a
//! vanishing vega. The crate works on undiscounted prices: the premium is divided by the discount factor first.
//!
//! The crate uses the platform's `exp` and `ln`, so its last bit may differ between machines: it serves the
//! calculator (`cascade iv`), never the simulation, whose draws stay on `libm`.

use implied_vol::{ImpliedBlackVolatility, solver::Jaeckel};

use super::{OptionError, OptionKind, finite, positive, spot_forward};

/// The volatility at which Black-76 values a European option on the forward `forward` (strike `strike`, `t` years,
/// discounted at `r`) at `price`, the present value per unit of underlying.
///
/// A price at or below the discounted intrinsic value, or at or above the discounted upper bound (the forward for
/// a call, the strike for a put), has no positive finite volatility: [`OptionError::NoVolatility`] says which
/// bound it crossed.
pub fn implied_vol(
    kind: OptionKind,
    price: f64,
    forward: f64,
    strike: f64,
    t: f64,
    r: f64,
) -> Result<f64, OptionError> {
    positive("underlying", forward)?;
    positive("strike", strike)?;
    positive("expiry", t)?;
    finite("rate", r)?;
    finite("price", price)?;
    let discount = libm::exp(-r * t);
    let (intrinsic, cap) = match kind {
        OptionKind::Call => ((forward - strike).max(0.0), forward),
        OptionKind::Put => ((strike - forward).max(0.0), strike),
    };
    let (lower, upper) = (discount * intrinsic, discount * cap);
    let outside = OptionError::NoVolatility { price, lower, upper };
    if price <= lower || price >= upper {
        return Err(outside);
    }
    ImpliedBlackVolatility::builder()
        .option_price(price / discount)
        .forward(forward)
        .strike(strike)
        .expiry(t)
        .is_call(kind == OptionKind::Call)
        .build()
        .and_then(|inputs| inputs.calculate_with::<Jaeckel>())
        .filter(|sigma| sigma.is_finite() && *sigma > 0.0)
        .ok_or(outside)
}

/// [`implied_vol`] for an option on a spot paying no dividends, valued by Black-Scholes (forward `spot exp(r t)`).
pub fn implied_vol_spot(
    kind: OptionKind,
    price: f64,
    spot: f64,
    strike: f64,
    t: f64,
    r: f64,
) -> Result<f64, OptionError> {
    implied_vol(kind, price, spot_forward(spot, t, r)?, strike, t, r)
}
