//! European option values and Greeks: Black-76 on the forward, and Black-Scholes on a spot without dividends.
//! Statistics in `f64`: a premium becomes money only at the ledger's boundary ([`crate::money`]).
//!
//! Conventions, the same everywhere:
//! - volatility `sigma` is annual, as a fraction (0.25 = 25%); expiry `t` in years; the rate `r` continuously
//!   compounded, annual; the discount factor is `exp(-r t)`;
//! - **delta** and **gamma** are with respect to the underlying the model is written on: the forward in
//!   [`black76`] (so a Black-76 delta is discounted: `exp(-r t) N(d1)` for a call), the spot in [`black_scholes`];
//! - **vega** is per 1.00 of volatility (divide by 100 for a volatility point); **volga** (`d vega / d sigma`)
//!   likewise; **vanna** is `d delta / d sigma`, per 1.00 of volatility;
//! - **theta** is the change of value per year as calendar time passes (negative when the option decays: divide
//!   by 365 for a day), with the forward (Black-76) or the spot (Black-Scholes) held.

use crate::risk::normal_pdf;

pub mod addon;
pub mod grid;
mod implied;
pub mod surface;
pub use implied::{implied_vol, implied_vol_spot};

/// A call or a put.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptionKind {
    /// The right to buy at the strike.
    Call,
    /// The right to sell at the strike.
    Put,
}

/// An option's value and sensitivities (units in the module's conventions).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Greeks {
    /// Present value, quote per unit of underlying.
    pub price: f64,
    /// d price / d underlying.
    pub delta: f64,
    /// d delta / d underlying.
    pub gamma: f64,
    /// d price / d sigma, per 1.00 of volatility.
    pub vega: f64,
    /// d price / d calendar time, per year.
    pub theta: f64,
    /// d delta / d sigma, per 1.00 of volatility.
    pub vanna: f64,
    /// d vega / d sigma, per 1.00 of volatility.
    pub volga: f64,
}

/// Why an option cannot be valued.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptionError {
    /// An input out of its domain.
    #[error("{name}: expected {expected}, found {found}")]
    Input {
        /// The input.
        name: &'static str,
        /// What it must be.
        expected: &'static str,
        /// What it was.
        found: f64,
    },
    /// A premium that no positive finite volatility gives: at or below the discounted intrinsic value, or at or
    /// above the discounted upper bound (forward for a call, strike for a put).
    #[error(
        "no volatility gives a price of {price}: on these terms the option is worth more than {lower} (discounted \
         intrinsic value) and less than {upper} (discounted upper bound) at every volatility"
    )]
    NoVolatility {
        /// The premium asked for, present value per unit of underlying.
        price: f64,
        /// The discounted intrinsic value (the limit as volatility goes to zero).
        lower: f64,
        /// The discounted upper bound (the limit as volatility grows without bound).
        upper: f64,
    },
}

/// Standard normal distribution function.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

fn positive(name: &'static str, value: f64) -> Result<(), OptionError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(OptionError::Input { name, expected: "a positive finite number", found: value })
    }
}

fn finite(name: &'static str, value: f64) -> Result<(), OptionError> {
    if value.is_finite() { Ok(()) } else { Err(OptionError::Input { name, expected: "a finite number", found: value }) }
}

/// The forward `spot exp(r t)` of a spot without dividends, its inputs checked.
fn spot_forward(spot: f64, t: f64, r: f64) -> Result<f64, OptionError> {
    positive("underlying", spot)?;
    positive("expiry", t)?;
    finite("rate", r)?;
    Ok(spot * libm::exp(r * t))
}

/// The common inputs checked, with `d1`, `d2`, the discount factor and `sigma sqrt(t)`.
struct Terms {
    d1: f64,
    d2: f64,
    discount: f64,
    root: f64,
}

fn terms(forward: f64, strike: f64, sigma: f64, t: f64, r: f64) -> Result<Terms, OptionError> {
    positive("underlying", forward)?;
    positive("strike", strike)?;
    positive("volatility", sigma)?;
    positive("expiry", t)?;
    finite("rate", r)?;
    let root = sigma * t.sqrt();
    let d1 = (libm::log(forward / strike) + 0.5 * root * root) / root;
    Ok(Terms { d1, d2: d1 - root, discount: libm::exp(-r * t), root })
}

/// Black-76: a European option on the forward `forward` (a futures price, or a perpetual's mark taken as the
/// forward), struck at `strike`, with volatility `sigma`, `t` years to expiry, discounted at `r`.
pub fn black76(kind: OptionKind, forward: f64, strike: f64, sigma: f64, t: f64, r: f64) -> Result<Greeks, OptionError> {
    let Terms { d1, d2, discount, root } = terms(forward, strike, sigma, t, r)?;
    let (price, delta) = match kind {
        OptionKind::Call => {
            (discount * (forward * normal_cdf(d1) - strike * normal_cdf(d2)), discount * normal_cdf(d1))
        }
        OptionKind::Put => {
            (discount * (strike * normal_cdf(-d2) - forward * normal_cdf(-d1)), -discount * normal_cdf(-d1))
        }
    };
    let density = normal_pdf(d1);
    let vega = discount * forward * density * t.sqrt();
    Ok(Greeks {
        price,
        delta,
        gamma: discount * density / (forward * root),
        vega,
        theta: r * price - discount * forward * density * sigma / (2.0 * t.sqrt()),
        vanna: -discount * density * d2 / sigma,
        volga: vega * d1 * d2 / sigma,
    })
}

/// Black-Scholes: a European option on a spot `spot` paying no dividends, the rest as [`black76`] (whose forward
/// is `spot exp(r t)`); delta, gamma and vanna with respect to the spot, theta with the spot held.
pub fn black_scholes(
    kind: OptionKind,
    spot: f64,
    strike: f64,
    sigma: f64,
    t: f64,
    r: f64,
) -> Result<Greeks, OptionError> {
    let forward = spot_forward(spot, t, r)?;
    let growth = forward / spot;
    let on_forward = black76(kind, forward, strike, sigma, t, r)?;
    let Terms { d2, discount, .. } = terms(forward, strike, sigma, t, r)?;
    let carry = match kind {
        OptionKind::Call => -r * strike * discount * normal_cdf(d2),
        OptionKind::Put => r * strike * discount * normal_cdf(-d2),
    };
    let density_term = on_forward.vega * sigma / (2.0 * t);
    Ok(Greeks {
        price: on_forward.price,
        delta: on_forward.delta * growth,
        gamma: on_forward.gamma * growth * growth,
        vega: on_forward.vega,
        theta: -density_term + carry,
        vanna: on_forward.vanna * growth,
        volga: on_forward.volga,
    })
}

#[cfg(test)]
mod tests;
