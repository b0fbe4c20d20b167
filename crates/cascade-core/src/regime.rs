//! Markov-switching volatility regimes: Hamilton's filter, Kim's smoother and their fit by expectation
//! maximisation, and the predictive mixture's VaR, for a margin that sees a regime change coming.
//!
//! The model (Hamilton 1989, "A new approach to the economic analysis of nonstationary time series and the business
//! cycle", Econometrica 57(2)): a hidden regime `s_t` in `0..K` follows a Markov chain with transition matrix
//! `P[i][j] = Pr(s_t = j | s_{t-1} = i)`, and the return is `r_t ~ N(mu_k, sigma_k^2)` in regime `k`. The filter
//! gives `xi_t|t = Pr(s_t | r_1..r_t)`; Kim's smoother (Kim 1994, J. Econometrics 60) gives `Pr(s_t | r_1..r_T)`
//! and the smoothed transitions; EM (Hamilton 1990, J. Econometrics 45) re-estimates `P`, `sigma`, one mean common
//! to every regime (a switching-variance model: the regimes are volatility regimes) and the starting probabilities
//! from them until the log-likelihood stops rising. The filter and the mixture take a mean per regime; a fit gives
//! them all the same. Returns per observation, `f64`.
//!
//! The predictive distribution of the next `h` observations' summed return is taken as the mixture
//! `sum_k w_k N(h mu_k, h sigma_k^2)` with `w = xi_T+1|T` (the regime held over the horizon, a stated
//! approximation that is exact for `h = 1`).

use crate::option::normal_cdf;
use crate::risk::{Estimate, normal_pdf, normal_quantile};

/// The smallest volatility a regime may take in a fit (a regime collapsing on a run of equal returns would
/// otherwise reach zero and an infinite likelihood).
pub const MIN_SIGMA: f64 = 1e-8;

/// Why a regime model cannot be used or fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RegimeError {
    /// A parameter out of its domain.
    #[error("{name}: expected {expected}")]
    Parameter {
        /// Which parameter.
        name: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// Too few or non-finite observations.
    #[error("returns: expected at least {needed} finite observations, found {found}")]
    Data {
        /// How many are needed.
        needed: usize,
        /// How many finite ones there were.
        found: usize,
    },
}

/// A Markov-switching Gaussian model of returns with `K` regimes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RegimeModel {
    /// `transition[i][j] = Pr(next regime j | regime i)`; rows sum to 1.
    pub transition: Vec<Vec<f64>>,
    /// Mean return per observation of each regime (all equal in a fit).
    pub mean: Vec<f64>,
    /// Volatility per observation of each regime, positive.
    pub sigma: Vec<f64>,
    /// Probabilities of the regime at the first observation.
    pub initial: Vec<f64>,
}

/// What the filter says about a series.
#[derive(Debug, Clone, PartialEq)]
pub struct Filtered {
    /// `Pr(s_t = k | r_1..r_t)`, one row per observation.
    pub probabilities: Vec<Vec<f64>>,
    /// `Pr(s_t = k | r_1..r_t-1)`, one row per observation (the one-step predictions).
    pub predicted: Vec<Vec<f64>>,
    /// The log-likelihood of the series.
    pub log_likelihood: f64,
}

impl RegimeModel {
    /// Checks the shapes and domains: `K >= 1` regimes, stochastic rows, positive volatilities.
    pub fn validate(&self) -> Result<(), RegimeError> {
        let k = self.sigma.len();
        let bad = |name, expected| Err(RegimeError::Parameter { name, expected });
        if k == 0 || self.mean.len() != k || self.initial.len() != k || self.transition.len() != k {
            return bad("regimes", "as many means, volatilities, initial probabilities and transition rows");
        }
        let stochastic = |row: &[f64]| {
            row.len() == k
                && row.iter().all(|p| (0.0..=1.0).contains(p))
                && (row.iter().sum::<f64>() - 1.0).abs() < 1e-9
        };
        if !self.transition.iter().all(|row| stochastic(row)) || !stochastic(&self.initial) {
            return bad("transition", "rows of probabilities summing to 1");
        }
        if !self.sigma.iter().all(|s| s.is_finite() && *s > 0.0) || !self.mean.iter().all(|m| m.is_finite()) {
            return bad("sigma", "positive finite volatilities and finite means");
        }
        Ok(())
    }

    /// Hamilton's filter over `returns`.
    pub fn filter(&self, returns: &[f64]) -> Result<Filtered, RegimeError> {
        self.validate()?;
        finite(returns, 1)?;
        let mut probabilities = Vec::with_capacity(returns.len());
        let mut predicted = Vec::with_capacity(returns.len());
        let mut log_likelihood = 0.0;
        let mut prior = self.initial.clone();
        for &r in returns {
            let (posterior, likelihood) = self.update(&prior, r);
            log_likelihood += libm::log(likelihood.max(f64::MIN_POSITIVE));
            predicted.push(prior);
            prior = self.step(&posterior);
            probabilities.push(posterior);
        }
        Ok(Filtered { probabilities, predicted, log_likelihood })
    }

    /// One step of the filter: the regime probabilities after `r`, from the prediction `prior`, and the density of
    /// `r` under that prediction. A return far out in every regime's tail underflows: the prediction is kept.
    pub fn update(&self, prior: &[f64], r: f64) -> (Vec<f64>, f64) {
        let joint: Vec<f64> = (0..self.sigma.len()).map(|j| prior[j] * self.density(j, r)).collect();
        let total: f64 = joint.iter().sum();
        let posterior = if total > 0.0 { joint.iter().map(|p| p / total).collect() } else { prior.to_vec() };
        (posterior, total)
    }

    /// The variance of the summed return over the next `horizon` observations under the predictive mixture after
    /// the regime probabilities `probabilities` (module documentation).
    pub fn horizon_variance(&self, probabilities: &[f64], horizon: u32) -> f64 {
        let (w, h) = (self.step(probabilities), f64::from(horizon));
        let mean: f64 = (0..w.len()).map(|k| w[k] * h * self.mean[k]).sum();
        let second: f64 =
            (0..w.len()).map(|k| w[k] * (h * self.sigma[k] * self.sigma[k] + (h * self.mean[k]).powi(2))).sum();
        (second - mean * mean).max(0.0)
    }

    /// The regime probabilities one observation after `probabilities`: `P' probabilities`.
    pub fn step(&self, probabilities: &[f64]) -> Vec<f64> {
        let k = self.sigma.len();
        (0..k).map(|j| (0..k).map(|i| probabilities[i] * self.transition[i][j]).sum()).collect()
    }

    fn density(&self, regime: usize, r: f64) -> f64 {
        normal_pdf((r - self.mean[regime]) / self.sigma[regime]) / self.sigma[regime]
    }

    /// Kim's smoother: `Pr(s_t = k | r_1..r_T)` for every `t`, from a filter over the same `returns`.
    pub fn smooth(&self, filtered: &Filtered) -> Vec<Vec<f64>> {
        let n = filtered.probabilities.len();
        let k = self.sigma.len();
        let mut smoothed = filtered.probabilities.clone();
        for t in (0..n.saturating_sub(1)).rev() {
            let next_predicted = &filtered.predicted[t + 1];
            let ratio: Vec<f64> = (0..k)
                .map(|j| if next_predicted[j] > 0.0 { smoothed[t + 1][j] / next_predicted[j] } else { 0.0 })
                .collect();
            smoothed[t] = (0..k)
                .map(|i| filtered.probabilities[t][i] * (0..k).map(|j| self.transition[i][j] * ratio[j]).sum::<f64>())
                .collect();
        }
        smoothed
    }

    /// The VaR and ES of the summed return over the next `horizon` observations at `confidence`, as positive loss
    /// fractions of a unit position (`position` +1 long, -1 short), from the predictive mixture after the filtered
    /// probabilities `probabilities` (module documentation). The loss is a mixture of `N(-position h mu_k,
    /// h sigma_k^2)`; its VaR is found by bisection between the regimes' own quantiles, and its ES is
    /// `sum_k w_k [m_k (1 - Phi(z_k)) + s_k phi(z_k)] / (1 - confidence)`, `z_k = (VaR - m_k) / s_k`.
    pub fn tail(
        &self,
        probabilities: &[f64],
        horizon: u32,
        confidence: f64,
        position: f64,
    ) -> Result<Estimate, RegimeError> {
        if !(confidence > 0.0 && confidence < 1.0) || horizon == 0 || probabilities.len() != self.sigma.len() {
            return Err(RegimeError::Parameter {
                name: "confidence",
                expected: "in (0, 1), with a horizon of at least 1 and a probability per regime",
            });
        }
        let weights = self.step(probabilities);
        let h = f64::from(horizon);
        let means: Vec<f64> = self.mean.iter().map(|m| -position * h * m).collect();
        let scales: Vec<f64> = self.sigma.iter().map(|s| s * h.sqrt()).collect();
        let tail_probability =
            |x: f64| -> f64 { (0..weights.len()).map(|k| weights[k] * normal_cdf(-(x - means[k]) / scales[k])).sum() };
        let alpha = 1.0 - confidence;
        let z = normal_quantile(confidence);
        let ends = (0..weights.len()).map(|k| means[k] + z * scales[k]);
        let (mut low, mut high) = ends.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, u), q| (l.min(q), u.max(q)));
        for _ in 0..200 {
            let mid = 0.5 * (low + high);
            if tail_probability(mid) > alpha { low = mid } else { high = mid }
        }
        let var = 0.5 * (low + high);
        let beyond: f64 = (0..weights.len())
            .map(|k| {
                let zk = (var - means[k]) / scales[k];
                weights[k] * (means[k] * normal_cdf(-zk) + scales[k] * normal_pdf(zk))
            })
            .sum();
        Ok(Estimate { var, es: beyond / alpha })
    }

    /// The worse of a unit long's and a unit short's [`RegimeModel::tail`]: VaR and ES each the larger side's.
    pub fn worse_tail(&self, probabilities: &[f64], horizon: u32, confidence: f64) -> Result<Estimate, RegimeError> {
        let long = self.tail(probabilities, horizon, confidence, 1.0)?;
        let short = self.tail(probabilities, horizon, confidence, -1.0)?;
        Ok(Estimate { var: long.var.max(short.var), es: long.es.max(short.es) })
    }
}

fn finite(returns: &[f64], needed: usize) -> Result<(), RegimeError> {
    let found = returns.iter().filter(|r| r.is_finite()).count();
    if found < needed || found < returns.len() {
        return Err(RegimeError::Data { needed: needed.max(returns.len()), found });
    }
    Ok(())
}

/// A fit by EM: the model, its log-likelihood and the iterations taken.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// The fitted model, regimes ordered by volatility (0 the calmest).
    pub model: RegimeModel,
    /// Its log-likelihood on the data.
    pub log_likelihood: f64,
    /// EM iterations run.
    pub iterations: usize,
}

/// Fits a `regimes`-regime switching-variance model (one mean, the sample's) to `returns` by EM, from a start fixed
/// by the data (volatilities spread from half to twice the sample's, 0.95 on the diagonal), until the log-likelihood rises by
/// less than `tolerance` or after `max_iterations`. Deterministic: the same data gives the same fit.
pub fn fit(returns: &[f64], regimes: usize, tolerance: f64, max_iterations: usize) -> Result<Fit, RegimeError> {
    if regimes == 0 {
        return Err(RegimeError::Parameter { name: "regimes", expected: "at least 1" });
    }
    finite(returns, 10 * regimes)?;
    let n = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / n;
    let sd = crate::stats::stdev(returns).max(MIN_SIGMA);
    let stay = if regimes == 1 { 1.0 } else { 0.95 };
    let spread = |k: usize| if regimes == 1 { 1.0 } else { 0.5 * libm::pow(4.0, k as f64 / (regimes - 1) as f64) };
    let mut model = RegimeModel {
        transition: (0..regimes)
            .map(|i| (0..regimes).map(|j| if i == j { stay } else { (1.0 - stay) / (regimes - 1) as f64 }).collect())
            .collect(),
        mean: vec![mean; regimes],
        sigma: (0..regimes).map(|k| sd * spread(k)).collect(),
        initial: vec![1.0 / regimes as f64; regimes],
    };
    let mut previous = f64::NEG_INFINITY;
    for iteration in 1..=max_iterations {
        let filtered = model.filter(returns)?;
        if filtered.log_likelihood - previous < tolerance {
            return Ok(finish(model, filtered.log_likelihood, iteration - 1));
        }
        previous = filtered.log_likelihood;
        model = maximise(&model, &filtered, returns);
    }
    let log_likelihood = model.filter(returns)?.log_likelihood;
    Ok(finish(model, log_likelihood, max_iterations))
}

/// One M-step: the parameters that maximise the expected log-likelihood under the smoothed probabilities.
fn maximise(model: &RegimeModel, filtered: &Filtered, returns: &[f64]) -> RegimeModel {
    let k = model.sigma.len();
    let smoothed = model.smooth(filtered);
    let mut transitions = vec![vec![0.0; k]; k];
    for t in 0..returns.len().saturating_sub(1) {
        let predicted = &filtered.predicted[t + 1];
        for (i, row) in transitions.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate() {
                if predicted[j] > 0.0 {
                    *cell += filtered.probabilities[t][i] * model.transition[i][j] * smoothed[t + 1][j] / predicted[j];
                }
            }
        }
    }
    let transition = transitions
        .iter()
        .zip(&model.transition)
        .map(|(row, old)| {
            let total: f64 = row.iter().sum();
            if total > 0.0 { row.iter().map(|x| x / total).collect() } else { old.clone() }
        })
        .collect();
    let weight = |j: usize| smoothed.iter().map(|p| p[j]).sum::<f64>();
    // One mean for every regime (a switching-variance model, as Hamilton and Susmel's 1994 SWARCH): the regimes
    // differ in volatility; a mean per regime, fitted on a few returns each, would be noise that a horizon of `h`
    // returns magnifies `h^2`-fold in the mixture's variance.
    let common = returns.iter().sum::<f64>() / returns.len() as f64;
    let mean = vec![common; k];
    let sigma = (0..k)
        .map(|j| {
            let w = weight(j);
            let variance = smoothed.iter().zip(returns).map(|(p, r)| p[j] * (r - mean[j]) * (r - mean[j])).sum::<f64>();
            if w > 0.0 { libm::sqrt(variance / w).max(MIN_SIGMA) } else { model.sigma[j] }
        })
        .collect();
    let start: f64 = smoothed[0].iter().sum();
    let initial = if start > 0.0 { smoothed[0].iter().map(|p| p / start).collect() } else { model.initial.clone() };
    RegimeModel { transition, mean, sigma, initial }
}

/// Orders the regimes by volatility, calmest first.
fn finish(model: RegimeModel, log_likelihood: f64, iterations: usize) -> Fit {
    let mut order: Vec<usize> = (0..model.sigma.len()).collect();
    order.sort_by(|&a, &b| model.sigma[a].total_cmp(&model.sigma[b]));
    let pick = |v: &[f64]| order.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let model = RegimeModel {
        transition: order.iter().map(|&i| pick(&model.transition[i])).collect(),
        mean: pick(&model.mean),
        sigma: pick(&model.sigma),
        initial: pick(&model.initial),
    };
    Fit { model, log_likelihood, iterations }
}

/// The fewest returns a regime-switching margin policy fits on.
pub const MIN_RETURNS: usize = 100;

/// A fitted model kept current one return at a time: a margin policy's state.
#[derive(Debug, Clone, PartialEq)]
pub struct RegimeTracker {
    /// The model of the last fit.
    pub model: RegimeModel,
    /// The filtered regime probabilities after the latest return.
    pub probabilities: Vec<f64>,
}

impl RegimeTracker {
    /// Fits `regimes` regimes to `window` by EM (tolerance 1e-6, at most 200 iterations) and filters the window.
    pub fn fit(window: &[f64], regimes: usize) -> Result<Self, RegimeError> {
        let model = fit(window, regimes, 1e-6, 200)?.model;
        let probabilities =
            model.filter(window)?.probabilities.pop().ok_or(RegimeError::Data { needed: 1, found: 0 })?;
        Ok(Self { model, probabilities })
    }

    /// A margin policy's step after the return `r`, `window` the returns of its fitting window and `seen` those seen
    /// since the start: fit as soon as [`MIN_RETURNS`] have arrived and every `refit_every` returns from then on (a
    /// failed fit waits for the next due time, as GARCH's does), otherwise filter `r`. Returns the horizon variance
    /// over `horizon` returns, `None` while no fit has succeeded.
    pub fn advance(
        tracker: &mut Option<Self>,
        window: &[f64],
        seen: u64,
        r: f64,
        regimes: usize,
        refit_every: u32,
        horizon: u32,
    ) -> Option<f64> {
        let ready = window.len() >= MIN_RETURNS;
        if ready && (seen.is_multiple_of(u64::from(refit_every)) || seen == MIN_RETURNS as u64) {
            *tracker = Self::fit(window, regimes).ok();
        } else if let Some(current) = tracker.as_mut() {
            current.observe(r);
        }
        let current = tracker.as_ref()?;
        Some(current.model.horizon_variance(&current.probabilities, horizon))
    }

    /// Takes the next return.
    pub fn observe(&mut self, r: f64) {
        if r.is_finite() {
            let prior = self.model.step(&self.probabilities);
            self.probabilities = self.model.update(&prior, r).0;
        }
    }
}

#[cfg(test)]
mod tests;
