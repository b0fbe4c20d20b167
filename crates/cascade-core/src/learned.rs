//! A learned margin forecaster: linear quantile regression of the next horizon's absolute mark return on what the
//! venue sees, trained online on the venue's own history.
//!
//! The model (Koenker and Bassett 1978, "Regression quantiles", Econometrica 46(1)): the `tau`-quantile of
//! `y_t = |r_t+1 + ... + r_t+h|` given the features `x_t` is `b_0 + sum_j b_j z_tj`, `z` the features standardised
//! over the fitting window, and `b` minimises the pinball loss `sum_t rho_tau(y_t - b'z_t)`, `rho_tau(u) = u (tau -
//! 1{u < 0})`. The fit is iteratively reweighted least squares (Schlossmacher 1973, as for least absolute
//! deviations): from the least-squares start, each step solves the weighted normal equations with weights
//! `tau / |u|` above the fit and `(1 - tau) / |u|` below (`|u|` at least 1e-6 of the mean target), and the best
//! iterate by pinball loss is kept. A feature constant over the window is left out of that fit.
//!
//! [`Learner`] is a margin policy's state. It forecasts the quantile as `s_t x m_t`: `s_t` the realized volatility
//! of the last 60 returns times `sqrt(h)` (the scale), `m_t` a quantile regression of `y_t / s_t`, the absolute
//! horizon return in units of the scale, on the features (`FEATURE_NAMES`): the realized volatility over the last
//! 10 and 360 returns over the scale's; the log of one plus the book's depth within 1% of the mark (quote); the
//! bid-ask spread over the mark; the absolute last funding rate; the absolute log change of open interest over the
//! horizon; the log of one plus the notional liquidated over the horizon (quote); the absolute deviation of the mark
//! from the oracle. So the forecast scales with volatility by construction (a quantile of a return is proportional
//! to its volatility), and what is learned is the multiple: the tails' weight, how volatility reverts, what the
//! book and the flow add. It pairs each tick's features with their outcome once the horizon has passed, keeps the
//! last `lookback` pairs, fits once `warmup` pairs are in and refits every `refit_every` ticks. The scale carries the
//! forecast into a storm the window has not seen; the multiple never extrapolates: at prediction the features are
//! clamped to their range in the fitting window and the multiple to the range of its fitted values there. And the
//! multiple is at least the normal one, `Phi^-1((1 + tau) / 2)`: what is learned may add to the normal quantile of
//! the realized volatility (heavy tails, a thin book), never take from it (the first version, without, let margin
//! fall to its floor on the tick of a gap, the features at the window's edges).
//! Everything is `f64` arithmetic in a fixed order: same inputs, same forecasts.

use crate::stats::{root_mean_square, solve};
use std::collections::VecDeque;

/// Number of features.
pub const FEATURES: usize = 8;

/// The features' names, in order (`forecasts.csv`, docs).
pub const FEATURE_NAMES: [&str; FEATURES] = [
    "vol_ratio_10_60",
    "vol_ratio_360_60",
    "log_depth_1pct",
    "spread",
    "abs_funding_rate",
    "abs_open_interest_change",
    "log_liquidated",
    "abs_oracle_deviation",
];

/// The fewest (features, target) pairs a fit takes.
pub const MIN_SAMPLES: usize = 50;

/// The returns the longest realized-volatility feature looks back on.
const LONGEST_WINDOW: usize = 360;

/// IRLS steps at most.
const MAX_ITERATIONS: usize = 100;

/// Why a quantile regression cannot be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LearnedError {
    /// Too few or non-finite samples.
    #[error("samples: expected at least {needed} finite (features, target) pairs, found {found}")]
    Data {
        /// How many are needed.
        needed: usize,
        /// How many usable ones there were.
        found: usize,
    },
    /// The quantile level is not in (0, 1).
    #[error("quantile: expected a level in (0, 1), found {0}")]
    Quantile(f64),
    /// The weighted normal equations were singular.
    #[error("the quantile regression's normal equations are singular")]
    Singular,
}

/// What the venue sees of one market at a tick besides its mark return (statistics, `f64`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct VenueView {
    /// Resting notional within 1% of the mark, both sides, quote.
    pub depth_1pct: f64,
    /// Best ask minus best bid over the mark; `None` when a side is empty.
    pub spread: Option<f64>,
    /// Funding rate applied this tick (per interval, fraction), if funding happened.
    pub funding_rate: Option<f64>,
    /// Open interest, units.
    pub open_interest: f64,
    /// Notional closed by liquidations in the previous tick, quote.
    pub liquidated: f64,
    /// Mark over oracle, minus one.
    pub oracle_deviation: f64,
}

/// A fitted linear quantile regression over standardised features.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileModel {
    /// The quantile level.
    pub tau: f64,
    /// Each feature's mean over the fitting window.
    pub center: [f64; FEATURES],
    /// Each feature's standard deviation over the window; 0 for a feature left out (constant).
    pub scale: [f64; FEATURES],
    /// Each feature's smallest value over the window.
    pub low: [f64; FEATURES],
    /// Each feature's largest value over the window.
    pub high: [f64; FEATURES],
    /// Intercept, then one coefficient per standardised feature.
    pub coefficients: [f64; FEATURES + 1],
    /// The smallest and the largest of the fit's own values over the window.
    pub fitted: (f64, f64),
}

impl QuantileModel {
    /// Fits the `tau`-quantile of `targets` on `features` (module documentation).
    pub fn fit(features: &[[f64; FEATURES]], targets: &[f64], tau: f64) -> Result<Self, LearnedError> {
        if !(tau > 0.0 && tau < 1.0) {
            return Err(LearnedError::Quantile(tau));
        }
        let finite = features.iter().zip(targets).filter(|(x, y)| y.is_finite() && x.iter().all(|v| v.is_finite()));
        let (xs, ys): (Vec<[f64; FEATURES]>, Vec<f64>) = finite.map(|(x, y)| (*x, *y)).unzip();
        if xs.len() < MIN_SAMPLES || xs.len() < features.len().max(targets.len()) {
            return Err(LearnedError::Data { needed: MIN_SAMPLES.max(features.len()), found: xs.len() });
        }
        let n = xs.len() as f64;
        let mut center = [0.0; FEATURES];
        let mut scale = [0.0; FEATURES];
        for j in 0..FEATURES {
            center[j] = xs.iter().map(|x| x[j]).sum::<f64>() / n;
            let sd = (xs.iter().map(|x| (x[j] - center[j]).powi(2)).sum::<f64>() / n).sqrt();
            scale[j] = if sd > 1e-12 * (1.0 + center[j].abs()) { sd } else { 0.0 };
        }
        let mut low = [f64::INFINITY; FEATURES];
        let mut high = [f64::NEG_INFINITY; FEATURES];
        for x in &xs {
            for j in 0..FEATURES {
                low[j] = low[j].min(x[j]);
                high[j] = high[j].max(x[j]);
            }
        }
        let mut model = Self { tau, center, scale, low, high, coefficients: [0.0; FEATURES + 1], fitted: (0.0, 0.0) };
        let rows: Vec<[f64; FEATURES + 1]> = xs.iter().map(|x| model.design(x)).collect();
        let floor = 1e-6 * (ys.iter().map(|y| y.abs()).sum::<f64>() / n).max(f64::MIN_POSITIVE);
        let mut weights = vec![1.0; rows.len()];
        let mut best = (f64::INFINITY, model.coefficients);
        for _ in 0..=MAX_ITERATIONS {
            let next = weighted_least_squares(&rows, &ys, &weights, &scale).ok_or(LearnedError::Singular)?;
            model.coefficients = next;
            let residuals: Vec<f64> = rows.iter().zip(&ys).map(|(z, y)| y - dot(&next, z)).collect();
            let loss: f64 = residuals.iter().map(|u| pinball(*u, tau)).sum();
            if loss < best.0 * (1.0 - 1e-12) {
                best = (loss, next);
            } else if loss >= best.0 {
                break;
            }
            for (w, u) in weights.iter_mut().zip(&residuals) {
                *w = if *u >= 0.0 { tau } else { 1.0 - tau } / u.abs().max(floor);
            }
        }
        model.coefficients = best.1;
        model.fitted = rows
            .iter()
            .map(|z| dot(&model.coefficients, z))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
        Ok(model)
    }

    /// The forecast quantile at `features`, each first clamped to the range it had in the fitting window and the
    /// value then to the range of the fit's own values there: the model never extrapolates (a linear effect learned
    /// from calm hours, projected onto a crash's features, gave negative quantiles in the first version).
    pub fn predict(&self, features: &[f64; FEATURES]) -> f64 {
        let mut x = *features;
        for ((v, low), high) in x.iter_mut().zip(&self.low).zip(&self.high) {
            *v = v.clamp(*low, *high);
        }
        dot(&self.coefficients, &self.design(&x)).clamp(self.fitted.0, self.fitted.1)
    }

    /// The row of the design matrix: 1, then each standardised feature (0 for one left out).
    fn design(&self, x: &[f64; FEATURES]) -> [f64; FEATURES + 1] {
        let mut row = [1.0; FEATURES + 1];
        for j in 0..FEATURES {
            row[j + 1] = if self.scale[j] > 0.0 { (x[j] - self.center[j]) / self.scale[j] } else { 0.0 };
        }
        row
    }
}

/// The pinball (check) loss of a residual at level `tau`.
pub fn pinball(residual: f64, tau: f64) -> f64 {
    if residual >= 0.0 { tau * residual } else { (tau - 1.0) * residual }
}

fn dot(a: &[f64; FEATURES + 1], b: &[f64; FEATURES + 1]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Solves the weighted normal equations (with a tiny ridge); a feature left out (`scale` 0) keeps a zero
/// coefficient.
fn weighted_least_squares(
    rows: &[[f64; FEATURES + 1]],
    ys: &[f64],
    weights: &[f64],
    scale: &[f64; FEATURES],
) -> Option<[f64; FEATURES + 1]> {
    let mut a = [[0.0; FEATURES + 1]; FEATURES + 1];
    let mut b = [0.0; FEATURES + 1];
    for ((z, y), w) in rows.iter().zip(ys).zip(weights) {
        for i in 0..=FEATURES {
            b[i] += w * z[i] * y;
            for (a_ij, z_j) in a[i].iter_mut().zip(z) {
                *a_ij += w * z[i] * z_j;
            }
        }
    }
    // A ridge of 1e-8 of the total weight on the standardised coefficients: collinear features (the realized
    // volatilities coincide while fewer than 10 returns are in) share their weight instead of making the system
    // singular; negligible otherwise.
    let ridge = 1e-8 * a[0][0];
    for (j, s) in scale.iter().enumerate() {
        a[j + 1][j + 1] += ridge;
        if *s == 0.0 {
            a[j + 1] = [0.0; FEATURES + 1];
            a[j + 1][j + 1] = 1.0;
            b[j + 1] = 0.0;
        }
    }
    solve(a, b)
}

/// The learned forecaster's state for one market (module documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct Learner {
    /// Quantile level forecast.
    pub tau: f64,
    /// Horizon in returns.
    pub horizon: usize,
    /// Pairs kept for fitting.
    pub lookback: usize,
    /// Returns between refits.
    pub refit_every: u64,
    /// Pairs needed before the first fit.
    pub warmup: usize,
    /// The model of the last successful fit.
    pub model: Option<QuantileModel>,
    returns: VecDeque<f64>,
    pending: VecDeque<([f64; FEATURES], f64)>,
    samples: VecDeque<([f64; FEATURES], f64)>,
    open_interest: VecDeque<f64>,
    liquidated: VecDeque<f64>,
    spread: f64,
    funding: f64,
    seen: u64,
}

impl Learner {
    /// A forecaster of the `tau`-quantile of the absolute return over `horizon` returns, fitted on the last
    /// `lookback` pairs once `warmup` are in and every `refit_every` returns.
    pub fn new(tau: f64, horizon: u32, lookback: u32, refit_every: u32, warmup: u32) -> Self {
        Self {
            tau,
            horizon: horizon.max(1) as usize,
            lookback: lookback as usize,
            refit_every: u64::from(refit_every.max(1)),
            warmup: (warmup as usize).max(MIN_SAMPLES),
            model: None,
            returns: VecDeque::new(),
            pending: VecDeque::new(),
            samples: VecDeque::new(),
            open_interest: VecDeque::new(),
            liquidated: VecDeque::new(),
            spread: 0.0,
            funding: 0.0,
            seen: 0,
        }
    }

    /// Takes this tick's return `r` and view; returns the forecast quantile of the absolute return over the next
    /// horizon, `None` while warming up, when no fit has succeeded (a failed fit waits for the next due time) and
    /// while the last 60 returns are all zero.
    pub fn observe(&mut self, r: f64, view: &VenueView) -> Option<f64> {
        self.seen += 1;
        push_bounded(&mut self.returns, if r.is_finite() { r } else { 0.0 }, LONGEST_WINDOW.max(self.horizon));
        if self.pending.len() == self.horizon
            && let Some((x, scale)) = self.pending.pop_front()
            && scale > 0.0
        {
            let summed: f64 = self.returns.iter().rev().take(self.horizon).sum();
            push_bounded(&mut self.samples, (x, summed.abs() / scale), self.lookback);
        }
        let (x, scale) = self.features(view);
        self.pending.push_back((x, scale));
        let first = self.samples.len() == self.warmup && self.model.is_none();
        if self.samples.len() >= self.warmup && (first || self.seen.is_multiple_of(self.refit_every)) {
            let (xs, ys): (Vec<[f64; FEATURES]>, Vec<f64>) = self.samples.iter().copied().unzip();
            self.model = QuantileModel::fit(&xs, &ys, self.tau).ok();
        }
        // The normal multiple is the least: what is learned may add to the normal quantile of the realized
        // volatility (heavy tails, a thin book), never take from it.
        let normal = crate::risk::normal_quantile(0.5 + self.tau / 2.0);
        let forecast = scale * self.model.as_ref()?.predict(&x).max(normal);
        (forecast.is_finite() && forecast > 0.0).then_some(forecast)
    }

    /// The features at this tick and the scale, the hourly realized volatility over the horizon (module
    /// documentation).
    fn features(&mut self, view: &VenueView) -> ([f64; FEATURES], f64) {
        let h = self.horizon;
        let rv = |n: usize| {
            let last: Vec<f64> = self.returns.iter().rev().take(n).copied().collect();
            root_mean_square(&last) * (h as f64).sqrt()
        };
        if let Some(spread) = view.spread.filter(|s| s.is_finite()) {
            self.spread = spread;
        }
        if let Some(rate) = view.funding_rate.filter(|r| r.is_finite()) {
            self.funding = rate.abs();
        }
        push_bounded(&mut self.open_interest, view.open_interest, h + 1);
        push_bounded(&mut self.liquidated, view.liquidated, h);
        let (oldest, newest) = (self.open_interest.front().copied(), self.open_interest.back().copied());
        let oi_change = match (oldest, newest) {
            (Some(a), Some(b)) if a > 0.0 && b > 0.0 => libm::log(b / a).abs(),
            _ => 0.0,
        };
        let liquidated: f64 = self.liquidated.iter().sum();
        let scale = rv(60);
        let ratio = |v: f64| if scale > 0.0 { v / scale } else { 1.0 };
        let x = [
            ratio(rv(10)),
            ratio(rv(LONGEST_WINDOW)),
            libm::log1p(view.depth_1pct.max(0.0)),
            self.spread,
            self.funding,
            oi_change,
            libm::log1p(liquidated.max(0.0)),
            view.oracle_deviation.abs(),
        ];
        (x.map(|v| if v.is_finite() { v } else { 0.0 }), if scale.is_finite() { scale } else { 0.0 })
    }
}

fn push_bounded<T>(queue: &mut VecDeque<T>, value: T, len: usize) {
    queue.push_back(value);
    while queue.len() > len {
        queue.pop_front();
    }
}

#[cfg(test)]
mod tests;
