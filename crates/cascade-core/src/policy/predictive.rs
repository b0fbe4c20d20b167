//! The predictive policy's forecasts: each model's value in its own unit (a horizon volatility, or a loss), and the
//! EWMA fallback in the same unit.

use super::{LossMeasure, PolicyState, VolatilityModel, keep_last};
use crate::forecast::{GARCH_MIN_RETURNS, Garch, Har, realized_variances};
use crate::learned::{Learner, VenueView};
use crate::regime::RegimeTracker;
use crate::risk::{normal_pdf, normal_quantile};

impl PolicyState {
    /// The model's forecast over `horizon` returns after the return `r` (and the venue's `view`), and whether it
    /// is the EWMA fallback's: a volatility for GARCH, HAR-RV and a regime model without a measure, the mixture's
    /// VaR or ES for one with, the quantile of the absolute horizon return for the learned model. The fallback is
    /// the same quantity for a normal distribution at the EWMA's variance. Kept in [`PolicyState::forecast`].
    pub(super) fn forecast(&mut self, model: VolatilityModel, r: f64, horizon: u32, view: &VenueView) -> (f64, bool) {
        let from_variance = |v: Option<f64>| v.map(f64::sqrt);
        let value = match model {
            VolatilityModel::Garch { lookback_ticks, refit_every_ticks } => {
                keep_last(&mut self.returns, lookback_ticks as usize);
                from_variance(self.garch_horizon_variance(r, refit_every_ticks, horizon))
            }
            VolatilityModel::Har { block_ticks, lookback_blocks } => {
                keep_last(&mut self.returns, (block_ticks * lookback_blocks) as usize);
                from_variance(self.har_horizon_variance(block_ticks, horizon))
            }
            VolatilityModel::Regime { regimes, lookback_ticks, refit_every_ticks, measure } => {
                keep_last(&mut self.returns, lookback_ticks as usize);
                let window = self.returns.make_contiguous();
                let (seen, k) = (self.returns_seen, regimes as usize);
                let variance = RegimeTracker::advance(&mut self.regime, window, seen, r, k, refit_every_ticks, horizon);
                match (measure, &self.regime) {
                    (None, _) => from_variance(variance),
                    (Some(measure), Some(tracker)) => {
                        let (confidence, es) = confidence(measure);
                        let tail = tracker.model.worse_tail(&tracker.probabilities, horizon, confidence).ok();
                        tail.map(|t| if es { t.es } else { t.var })
                    }
                    (Some(_), None) => None,
                }
            }
            VolatilityModel::Learned { quantile, lookback_ticks, refit_every_ticks, warmup_ticks } => {
                let learner = self.learned.get_or_insert_with(|| {
                    Learner::new(quantile, horizon, lookback_ticks, refit_every_ticks, warmup_ticks)
                });
                learner.observe(r, view)
            }
        };
        let forecast = match value {
            Some(v) if v.is_finite() && v > 0.0 => (v, false),
            _ => (self.fallback(model, horizon), true),
        };
        self.forecast = Some(forecast);
        forecast
    }

    /// The model's quantity for a normal distribution of the horizon return at the EWMA's variance.
    fn fallback(&self, model: VolatilityModel, horizon: u32) -> f64 {
        let sigma = (self.volatility.variance * f64::from(horizon)).sqrt();
        match model {
            VolatilityModel::Regime { measure: Some(measure), .. } => {
                let (confidence, es) = confidence(measure);
                let z = normal_quantile(confidence);
                sigma * if es { normal_pdf(z) / (1.0 - confidence) } else { z }
            }
            VolatilityModel::Learned { quantile, .. } => sigma * normal_quantile(0.5 + quantile / 2.0),
            _ => sigma,
        }
    }

    /// GARCH(1,1): refit every `refit_every` returns on the window (then filter the window for the current
    /// variance), otherwise step the variance with the last return. `None` until a fit has succeeded, and after a
    /// failed one.
    fn garch_horizon_variance(&mut self, r: f64, refit_every: u32, horizon: u32) -> Option<f64> {
        // Fits are due every `refit_every` returns, and as soon as the window first holds enough to fit; a failed
        // fit waits for the next due time (the EWMA stands in), so a series that will not fit costs no more than
        // one that does.
        let first = self.returns.len() == GARCH_MIN_RETURNS && self.returns_seen == GARCH_MIN_RETURNS as u64;
        let refit = self.returns_seen.is_multiple_of(u64::from(refit_every)) || first;
        if refit {
            let window = self.returns.make_contiguous();
            self.garch = Garch::fit(window).ok();
            if let Some(g) = self.garch {
                self.garch_variance = g.variances(window, crate::forecast::sample_variance(window)).pop()?;
            }
        } else if let Some(g) = self.garch
            && r.is_finite()
        {
            self.garch_variance = g.omega + g.alpha * r * r + g.beta * self.garch_variance;
        }
        Some(self.garch?.horizon_variance(self.garch_variance, horizon))
    }

    /// HAR-RV: at each completed block, refit on the window's blocks and forecast the next block's realized
    /// variance; the horizon variance is that per tick times the horizon. `None` while no fit has succeeded.
    fn har_horizon_variance(&mut self, block: u32, horizon: u32) -> Option<f64> {
        if self.returns_seen.is_multiple_of(u64::from(block)) {
            let rv = realized_variances(self.returns.make_contiguous(), block as usize);
            self.har_forecast = Har::fit(&rv).ok().and_then(|h| h.next(&rv));
        }
        Some(self.har_forecast? / f64::from(block) * f64::from(horizon))
    }
}

/// A measure's confidence, and whether it is the ES.
fn confidence(measure: LossMeasure) -> (f64, bool) {
    match measure {
        LossMeasure::Var(c) => (c, false),
        LossMeasure::Es(c) => (c, true),
    }
}
