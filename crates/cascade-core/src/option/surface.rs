//! An implied-volatility surface: at-the-money level and term structure from a mean-reverting variance, skew and
//! smile in Gatheral and Jacquier's SSVI form, moved by realized volatility and by scenario shocks.
//!
//! With `k = ln(K / F)` the log-moneyness and `t` years to expiry, the total implied variance is
//! `w(k, t) = theta(t) / 2 * (1 + rho phi k + sqrt((phi k + rho)^2 + 1 - rho^2))`, `phi = eta / (theta^gamma
//! (1 + theta)^(1 - gamma))` (Gatheral and Jacquier, "Arbitrage-free SVI volatility surfaces", Quantitative Finance
//! 14(1), 2014, eq. 4.1 and the power law of Section 4.4), and the implied volatility `sqrt(w / t)`. The
//! at-the-money total variance is the expected average of a variance that reverts from `short_vol^2` to
//! `long_vol^2` at the rate `1 / term_decay`:
//! `theta(t) = long_vol^2 t + (short_vol^2 - long_vol^2) term_decay (1 - exp(-t / term_decay))`, which rises with
//! `t` whatever the two levels, so an inverted term structure (short above long) stays free of calendar arbitrage.
//! With `eta (1 + |rho|) <= 2` and `gamma` in (0, 1/2] the surface is free of butterfly arbitrage (ibid.,
//! Section 4.4); [`Surface::validate`] holds every surface, shocked ones included, to it.

use super::OptionError;

/// The parameters of a surface (units in the module's documentation).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Surface {
    /// At-the-money volatility at the shortest expiry, annual, as a fraction.
    pub short_vol: f64,
    /// At-the-money volatility the term structure reverts to at long expiries, annual, as a fraction.
    pub long_vol: f64,
    /// Years over which the term structure moves from `short_vol` to `long_vol` (the reversion time).
    pub term_decay: f64,
    /// Skew, in (-1, 1): negative puts more volatility on low strikes (a put skew), positive on high strikes.
    pub rho: f64,
    /// Smile curvature, positive.
    pub eta: f64,
    /// How the curvature fades with total variance, in (0, 1/2].
    pub gamma: f64,
}

/// The largest `|rho|` a shock may reach (at `|rho| = 1` the smile is a wedge).
pub const MAX_ABS_RHO: f64 = 0.99;

/// The lowest at-the-money volatility a shock may reach.
pub const MIN_VOL: f64 = 0.01;

impl Surface {
    /// Checks the parameters, no-arbitrage bound included; names the first out of its domain.
    pub fn validate(&self) -> Result<(), OptionError> {
        let input = |name, expected, found| Err(OptionError::Input { name, expected, found });
        for (name, value) in [
            ("short_vol", self.short_vol),
            ("long_vol", self.long_vol),
            ("term_decay", self.term_decay),
            ("eta", self.eta),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return input(name, "a positive finite number", value);
            }
        }
        if self.rho.is_nan() || self.rho.abs() >= 1.0 {
            return input("rho", "a skew in (-1, 1)", self.rho);
        }
        if !(self.gamma > 0.0 && self.gamma <= 0.5) {
            return input("gamma", "a number in (0, 0.5]", self.gamma);
        }
        if self.eta * (1.0 + self.rho.abs()) > 2.0 + 1e-12 {
            return input("eta", "eta (1 + |rho|) at most 2 (no butterfly arbitrage)", self.eta);
        }
        Ok(())
    }

    /// At-the-money total implied variance at `t` years.
    pub fn atm_total_variance(&self, t: f64) -> f64 {
        let (short, long) = (self.short_vol * self.short_vol, self.long_vol * self.long_vol);
        long * t + (short - long) * self.term_decay * -libm::expm1(-t / self.term_decay)
    }

    /// Total implied variance `w(k, t)` at log-moneyness `k = ln(strike / forward)` and `t` years.
    pub fn total_variance(&self, k: f64, t: f64) -> f64 {
        let theta = self.atm_total_variance(t);
        let phi = self.eta / (libm::pow(theta, self.gamma) * libm::pow(1.0 + theta, 1.0 - self.gamma));
        let (rho, x) = (self.rho, phi * k);
        0.5 * theta * (1.0 + rho * x + libm::sqrt((x + rho) * (x + rho) + 1.0 - rho * rho))
    }

    /// Implied volatility at `strike` on the forward `forward`, `t` years to expiry (annual, as a fraction).
    pub fn vol(&self, forward: f64, strike: f64, t: f64) -> Result<f64, OptionError> {
        super::positive("underlying", forward)?;
        super::positive("strike", strike)?;
        super::positive("expiry", t)?;
        Ok(libm::sqrt(self.total_variance(libm::log(strike / forward), t) / t))
    }

    /// The surface after realized volatility `realized` (annual, as a fraction) has been observed: the short-end
    /// variance moves `weight` (in [0, 1]) of the way to `realized^2`; the long end, skew and smile stay.
    pub fn with_realized(&self, realized: f64, weight: f64) -> Surface {
        let w = weight.clamp(0.0, 1.0);
        let variance = (1.0 - w) * self.short_vol * self.short_vol + w * realized * realized;
        Surface { short_vol: libm::sqrt(variance).max(MIN_VOL), ..*self }
    }

    /// A parallel shift: both ends of the at-the-money term structure up by `points` of volatility (0.1 = ten
    /// points), not below [`MIN_VOL`].
    pub fn shifted(&self, points: f64) -> Surface {
        let short_vol = (self.short_vol + points).max(MIN_VOL);
        Surface { short_vol, long_vol: (self.long_vol + points).max(MIN_VOL), ..*self }
    }

    /// Skew steepening: `rho` down by `change` (a put skew grows steeper), held within [`MAX_ABS_RHO`] and the
    /// no-arbitrage bound `eta (1 + |rho|) <= 2`.
    pub fn skew_steepened(&self, change: f64) -> Surface {
        let bound = (2.0 / self.eta - 1.0).clamp(0.0, MAX_ABS_RHO);
        Surface { rho: (self.rho - change).clamp(-bound, bound), ..*self }
    }

    /// Term-structure inversion: the short end up by `points` of volatility, the long end held (not below
    /// [`MIN_VOL`]).
    pub fn term_inverted(&self, points: f64) -> Surface {
        Surface { short_vol: (self.short_vol + points).max(MIN_VOL), ..*self }
    }
}

#[cfg(test)]
mod tests;
