//! Greeks add-ons: margin for options under a per-position policy, from the book's Greeks instead of a full
//! revaluation. With `F` the underlying's price, `m` the fraction the policy charges the underlying (a perpetual of
//! the same notional would need `m |q| F`) and `v` a relative volatility shock:
//!
//! - **delta**: the delta-equivalent exposure margined like the underlying, `m |Delta| F`;
//! - **gamma**: the convexity loss of a move of `m` when the book is short gamma, `max(-Gamma, 0) (m F)^2 / 2`
//!   (a long-gamma book gains on both sides and pays nothing);
//! - **vega**: the loss of a volatility move of `v` of each leg's own volatility, `|sum of vega_i sigma_i| v`.
//!
//! The sum is a delta-gamma-vega approximation of the scan loss of [`super::grid`]: exact for a linear book, close
//! for small moves, and blind to what the grid's wide moves catch (a short wing far out of the money).

use super::grid::Leg;
use super::{OptionError, black76};

/// A book's Greeks add-ons, quote currency.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct GreeksAddOn {
    /// The delta-equivalent charge, `m |Delta| F`.
    pub delta: f64,
    /// The short-gamma charge, `max(-Gamma, 0) (m F)^2 / 2`.
    pub gamma: f64,
    /// The vega charge, `|sum vega_i sigma_i| v`.
    pub vega: f64,
}

impl GreeksAddOn {
    /// The whole add-on.
    pub fn total(&self) -> f64 {
        self.delta + self.gamma + self.vega
    }
}

/// The add-ons of `legs` on an underlying at `forward` (rate `rate`), for an underlying fraction `fraction` and a
/// relative volatility shock `vol_shock`.
pub fn greeks_addon(
    legs: &[Leg],
    forward: f64,
    rate: f64,
    fraction: f64,
    vol_shock: f64,
) -> Result<GreeksAddOn, OptionError> {
    super::positive("underlying", forward)?;
    for (name, value) in [("fraction", fraction), ("vol shock", vol_shock)] {
        if !(value.is_finite() && value >= 0.0) {
            return Err(OptionError::Input { name, expected: "a finite number of at least 0", found: value });
        }
    }
    let (mut delta, mut gamma, mut vega) = (0.0, 0.0, 0.0);
    for leg in legs {
        match *leg {
            Leg::Linear { quantity } => delta += quantity,
            Leg::Option { expiry, .. } if expiry <= 0.0 => {}
            Leg::Option { kind, strike, expiry, vol, quantity } => {
                let g = black76(kind, forward, strike, vol, expiry, rate)?;
                delta += quantity * g.delta;
                gamma += quantity * g.gamma;
                vega += quantity * g.vega * vol;
            }
        }
    }
    let move_size = fraction * forward;
    Ok(GreeksAddOn {
        delta: fraction * delta.abs() * forward,
        gamma: 0.5 * (-gamma).max(0.0) * move_size * move_size,
        vega: vega.abs() * vol_shock,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::option::OptionKind;
    use crate::option::grid::presets::span;

    #[test]
    fn a_linear_book_is_margined_like_the_underlying() {
        let addon = greeks_addon(&[Leg::Linear { quantity: -2.0 }], 50.0, 0.0, 0.1, 0.25).unwrap();
        assert_eq!((addon.delta, addon.gamma, addon.vega), (10.0, 0.0, 0.0));
    }

    #[test]
    fn an_at_the_money_straddle_by_hand() {
        // F = K = 100, r = 0, 30% for a quarter: d1 = 0.075, N(d1) = 0.529893, N'(d1) = 0.397822, sqrt(t) = 0.5.
        // A short straddle: delta -(2 N(d1) - 1) = -0.059785, gamma -2 N'(d1) / (F 0.15) = -0.053043, vega
        // -2 F N'(d1) 0.5 = -39.7822. At m = 10%, v = 25%: delta 0.59785, gamma 0.053043 x 100 / 2 = 2.65215,
        // vega 39.7822 x 0.3 x 0.25 = 2.98366.
        let leg = |kind| Leg::Option { kind, strike: 100.0, expiry: 0.25, vol: 0.3, quantity: -1.0 };
        let book = [leg(OptionKind::Call), leg(OptionKind::Put)];
        let addon = greeks_addon(&book, 100.0, 0.0, 0.1, 0.25).unwrap();
        for (found, expected) in [(addon.delta, 0.59785), (addon.gamma, 2.65215), (addon.vega, 2.98366)] {
            assert!((found - expected).abs() < 2e-5, "{found} against {expected}");
        }
        // The long straddle pays no gamma charge, the same vega.
        let long: Vec<Leg> = book
            .iter()
            .map(|l| match *l {
                Leg::Option { kind, strike, expiry, vol, .. } => {
                    Leg::Option { kind, strike, expiry, vol, quantity: 1.0 }
                }
                linear => linear,
            })
            .collect();
        let long = greeks_addon(&long, 100.0, 0.0, 0.1, 0.25).unwrap();
        assert_eq!(long.gamma, 0.0);
        assert!((long.vega - addon.vega).abs() < 1e-12);
        // Against a full revaluation on the same moves (SPAN at 10% and 25%, no extremes binding): the add-on is
        // within a fifth of the scan loss for this book of small moves.
        let scan = span(0.1, 0.25, 0.0).margin(&book, 100.0, 0.0).unwrap().worst.loss;
        assert!((addon.total() - scan).abs() < 0.2 * scan, "add-on {} against scan {scan}", addon.total());
    }
}
