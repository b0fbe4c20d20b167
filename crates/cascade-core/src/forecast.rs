//! Volatility forecasts for predictive margin: GARCH(1,1) fitted by maximum likelihood, and HAR-RV.
//!
//! Both take log-returns per tick (`f64`, statistics) and forecast the *variance of the sum of the next `h`
//! returns*, whose square root is the volatility over a liquidation horizon of `h` ticks.
//!
//! - **GARCH(1,1)** (Bollerslev 1986): `s2(t+1) = omega + alpha r(t)^2 + beta s2(t)`, fitted by Gaussian
//!   quasi-maximum likelihood with variance targeting (`omega = (1 - alpha - beta) x sample variance`, Engle and
//!   Mezrich 1996), so only `alpha` and `beta` are searched (Nelder-Mead over a transform that keeps
//!   `alpha, beta >= 0` and `alpha + beta < 1`). The `h`-tick variance is
//!   `h v + (s2(T+1) - v) (1 - p^h) / (1 - p)` with `p = alpha + beta` and `v` the long-run variance.
//! - **HAR-RV** (Corsi 2009): realized variance per block of ticks (a "day") regressed by least squares on its
//!   own average over the last 1, 5 and 22 blocks; the next block's forecast, scaled to `h` ticks.

/// Why a forecast could not be made; callers fall back to a simpler estimate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForecastError {
    /// Too few observations for the model.
    #[error("need at least {needed} observations, have {have}")]
    TooShort {
        /// Observations needed.
        needed: usize,
        /// Observations given.
        have: usize,
    },
    /// The fit did not give a usable model (flat series, explosive or degenerate parameters, singular regression).
    #[error("the fit failed: {0}")]
    FitFailed(&'static str),
}

/// Fitted GARCH(1,1) parameters, per tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Garch {
    /// Constant, variance per tick.
    pub omega: f64,
    /// Reaction to the last squared return.
    pub alpha: f64,
    /// Persistence of the last variance.
    pub beta: f64,
}

/// Fewest returns a GARCH fit accepts.
pub const GARCH_MIN_RETURNS: usize = 100;

/// Persistence at or above which a fit is treated as failed (an integrated, non-stationary model).
const MAX_PERSISTENCE: f64 = 0.9999;

impl Garch {
    /// Long-run variance per tick, `omega / (1 - alpha - beta)`.
    pub fn long_run_variance(&self) -> f64 {
        self.omega / (1.0 - self.alpha - self.beta)
    }

    /// Conditional variances `s2(1..=T+1)` of `returns`, starting from `s2(1) = initial`; the last element is the
    /// one-step forecast after the sample.
    pub fn variances(&self, returns: &[f64], initial: f64) -> Vec<f64> {
        let mut out = Vec::with_capacity(returns.len() + 1);
        let mut s2 = initial;
        out.push(s2);
        for r in returns {
            s2 = self.omega + self.alpha * r * r + self.beta * s2;
            out.push(s2);
        }
        out
    }

    /// Gaussian log-likelihood of `returns` (without the constant), variances started at the sample variance.
    pub fn log_likelihood(&self, returns: &[f64]) -> f64 {
        let s2 = self.variances(returns, sample_variance(returns));
        -0.5 * returns.iter().zip(&s2).map(|(r, v)| libm::log(*v) + r * r / v).sum::<f64>()
    }

    /// Variance of the sum of the next `horizon` returns, given the next one-step variance `next`.
    pub fn horizon_variance(&self, next: f64, horizon: u32) -> f64 {
        let p = self.alpha + self.beta;
        let v = self.long_run_variance();
        let h = f64::from(horizon);
        h * v + (next - v) * (1.0 - libm::pow(p, h)) / (1.0 - p)
    }

    /// Fits `alpha` and `beta` by maximum likelihood with variance targeting. Errors when there are fewer than
    /// [`GARCH_MIN_RETURNS`] returns, the series is flat, or the fit is explosive or not finite.
    pub fn fit(returns: &[f64]) -> Result<Self, ForecastError> {
        if returns.len() < GARCH_MIN_RETURNS {
            return Err(ForecastError::TooShort { needed: GARCH_MIN_RETURNS, have: returns.len() });
        }
        let variance = sample_variance(returns);
        if !(variance.is_finite() && variance > 0.0) {
            return Err(ForecastError::FitFailed("the returns have no variance"));
        }
        // x = (logit persistence, logit share of alpha in it).
        let model = |x: [f64; 2]| {
            let p = logistic(x[0]) * MAX_PERSISTENCE;
            let share = logistic(x[1]);
            Garch { omega: variance * (1.0 - p), alpha: p * share, beta: p * (1.0 - share) }
        };
        let start = [logit(0.95 / MAX_PERSISTENCE), logit(0.1)];
        let best = nelder_mead(|x| -model(x).log_likelihood(returns), start, 0.5, 400);
        let fitted = model(best);
        let persistence = fitted.alpha + fitted.beta;
        if !fitted.log_likelihood(returns).is_finite() || persistence >= MAX_PERSISTENCE * 0.9999 {
            return Err(ForecastError::FitFailed("explosive or non-finite GARCH fit"));
        }
        Ok(fitted)
    }
}

/// HAR-RV coefficients: `RV(next) = b0 + b_day RV_day + b_week RV_week + b_month RV_month`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Har {
    /// Intercept, variance per block.
    pub intercept: f64,
    /// On the last block's realized variance.
    pub day: f64,
    /// On the average of the last 5 blocks.
    pub week: f64,
    /// On the average of the last 22 blocks.
    pub month: f64,
}

/// Blocks in the HAR "week" and "month".
const WEEK: usize = 5;
const MONTH: usize = 22;

/// Fewest blocks of realized variance a HAR fit accepts: a month of lags and 20 regression rows.
pub const HAR_MIN_BLOCKS: usize = MONTH + 20;

impl Har {
    /// The regressors after `rv[..=t]`: last block, last-5 mean and last-22 mean.
    fn regressors(rv: &[f64], t: usize) -> [f64; 4] {
        let mean = |n: usize| rv[t + 1 - n..=t].iter().sum::<f64>() / n as f64;
        [1.0, rv[t], mean(WEEK), mean(MONTH)]
    }

    /// Fits the coefficients by ordinary least squares on a series of realized variances per block.
    pub fn fit(rv: &[f64]) -> Result<Self, ForecastError> {
        if rv.len() < HAR_MIN_BLOCKS {
            return Err(ForecastError::TooShort { needed: HAR_MIN_BLOCKS, have: rv.len() });
        }
        // Regress on the series over its mean, so the system is well scaled whatever the units; only the intercept
        // carries the unit back.
        let unit = rv.iter().sum::<f64>() / rv.len() as f64;
        if !(unit.is_finite() && unit > 0.0) {
            return Err(ForecastError::FitFailed("no realized variance"));
        }
        let rv: Vec<f64> = rv.iter().map(|v| v / unit).collect();
        let mut xtx = [[0.0; 4]; 4];
        let mut xty = [0.0; 4];
        for t in MONTH - 1..rv.len() - 1 {
            let x = Self::regressors(&rv, t);
            for i in 0..4 {
                xty[i] += x[i] * rv[t + 1];
                for j in 0..4 {
                    xtx[i][j] += x[i] * x[j];
                }
            }
        }
        let b = crate::stats::solve(xtx, xty).ok_or(ForecastError::FitFailed("singular HAR regression"))?;
        Ok(Har { intercept: b[0] * unit, day: b[1], week: b[2], month: b[3] })
    }

    /// The next block's realized variance after the series `rv` (at least 22 blocks).
    pub fn next(&self, rv: &[f64]) -> Option<f64> {
        let t = rv.len().checked_sub(1).filter(|t| *t + 1 >= MONTH)?;
        let x = Self::regressors(rv, t);
        Some(self.intercept + self.day * x[1] + self.week * x[2] + self.month * x[3])
    }
}

/// Realized variance of each complete block of `block` returns (sum of squares), oldest first.
pub fn realized_variances(returns: &[f64], block: usize) -> Vec<f64> {
    returns.chunks_exact(block.max(1)).map(|c| c.iter().map(|r| r * r).sum()).collect()
}

/// Mean square of the returns (the variance about a zero mean, as margin models use for short horizons).
pub fn sample_variance(returns: &[f64]) -> f64 {
    returns.iter().map(|r| r * r).sum::<f64>() / returns.len().max(1) as f64
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-x))
}

fn logit(p: f64) -> f64 {
    libm::log(p / (1.0 - p))
}

/// Minimizes `f` over two variables by Nelder-Mead from `start` with initial step `step`, for at most
/// `iterations` iterations (deterministic: fixed coefficients, no randomness).
fn nelder_mead(f: impl Fn([f64; 2]) -> f64, start: [f64; 2], step: f64, iterations: usize) -> [f64; 2] {
    let value = |x: [f64; 2]| {
        let v = f(x);
        if v.is_finite() { v } else { f64::INFINITY }
    };
    let mut simplex = [start, [start[0] + step, start[1]], [start[0], start[1] + step]].map(|x| (value(x), x));
    let along = |a: [f64; 2], b: [f64; 2], t: f64| [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
    for _ in 0..iterations {
        simplex.sort_by(|a, b| a.0.total_cmp(&b.0));
        if (simplex[2].0 - simplex[0].0).abs() <= 1e-10 * (1.0 + simplex[0].0.abs()) {
            break;
        }
        let centroid = along(simplex[0].1, simplex[1].1, 0.5);
        let worst = simplex[2];
        let reflected = along(worst.1, centroid, 2.0);
        let fr = value(reflected);
        if fr < simplex[0].0 {
            let expanded = along(worst.1, centroid, 3.0);
            let fe = value(expanded);
            simplex[2] = if fe < fr { (fe, expanded) } else { (fr, reflected) };
        } else if fr < simplex[1].0 {
            simplex[2] = (fr, reflected);
        } else {
            let contracted = along(worst.1, centroid, 0.5);
            let fc = value(contracted);
            if fc < worst.0 {
                simplex[2] = (fc, contracted);
            } else {
                for i in 1..3 {
                    let x = along(simplex[0].1, simplex[i].1, 0.5);
                    simplex[i] = (value(x), x);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.0.total_cmp(&b.0));
    simplex[0].1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{standard_normal, stream};

    #[test]
    fn garch_recursion_and_horizon_variance_by_hand() {
        let g = Garch { omega: 0.1, alpha: 0.2, beta: 0.7 };
        // s2(2) = 0.1 + 0.2 x 4 + 0.7 x 1 = 1.6; s2(3) = 0.1 + 0.2 x 1 + 0.7 x 1.6 = 1.42.
        let s2 = g.variances(&[2.0, -1.0], 1.0);
        assert!((s2[1] - 1.6).abs() < 1e-12 && (s2[2] - 1.42).abs() < 1e-12, "{s2:?}");
        // Long run 0.1 / 0.1 = 1. Two ticks from next = 1.42: E s2(T+1) + E s2(T+2) = 1.42 + (1 + 0.9 x 0.42) = 2.798.
        assert!((g.long_run_variance() - 1.0).abs() < 1e-12);
        assert!((g.horizon_variance(1.42, 2) - 2.798).abs() < 1e-12);
        assert!((g.horizon_variance(1.0, 10) - 10.0).abs() < 1e-12, "at the long-run level it is h v");
    }

    fn simulate(g: Garch, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = stream(seed, 99, 0);
        let mut s2 = g.long_run_variance();
        (0..n)
            .map(|_| {
                let r = s2.sqrt() * standard_normal(&mut rng);
                s2 = g.omega + g.alpha * r * r + g.beta * s2;
                r
            })
            .collect()
    }

    #[test]
    fn maximum_likelihood_recovers_simulated_parameters() {
        let truth = Garch { omega: 1e-6 * 0.05, alpha: 0.10, beta: 0.85 };
        let returns = simulate(truth, 8_000, 7);
        let fit = Garch::fit(&returns).unwrap();
        assert!((fit.alpha - 0.10).abs() < 0.03, "{fit:?}");
        assert!((fit.beta - 0.85).abs() < 0.05, "{fit:?}");
        // The fit is a maximum: nudging either parameter lowers the likelihood.
        let l = fit.log_likelihood(&returns);
        for (da, db) in [(0.01, 0.0), (-0.01, 0.0), (0.0, 0.01), (0.0, -0.01)] {
            let p = Garch { alpha: fit.alpha + da, beta: fit.beta + db, ..fit };
            let nudged = Garch { omega: sample_variance(&returns) * (1.0 - p.alpha - p.beta), ..p };
            assert!(nudged.log_likelihood(&returns) < l);
        }
    }

    #[test]
    fn garch_fit_fails_cleanly() {
        assert_eq!(Garch::fit(&[0.01; 10]), Err(ForecastError::TooShort { needed: 100, have: 10 }));
        assert!(matches!(Garch::fit(&[0.0; 200]), Err(ForecastError::FitFailed(_))));
    }

    #[test]
    fn har_recovers_exact_coefficients_and_forecasts_by_hand() {
        // A series that follows the HAR recursion exactly after 22 arbitrary starting blocks: least squares must
        // give back the coefficients.
        let truth = Har { intercept: 0.2, day: 0.4, week: 0.3, month: 0.2 };
        let mut rv: Vec<f64> = (0..22).map(|i| 1.0 + 0.5 * f64::from(i % 7) + 0.1 * f64::from(i % 3)).collect();
        while rv.len() < HAR_MIN_BLOCKS + 5 {
            rv.push(truth.next(&rv).unwrap());
        }
        let fit = Har::fit(&rv).unwrap();
        for (got, want) in [(fit.intercept, 0.2), (fit.day, 0.4), (fit.week, 0.3), (fit.month, 0.2)] {
            assert!((got - want).abs() < 1e-6, "{fit:?}");
        }
        // The forecast by hand: after 22 blocks of 2.0, 0.2 + (0.4 + 0.3 + 0.2) x 2 = 2.0.
        assert!((truth.next(&[2.0; 22]).unwrap() - 2.0).abs() < 1e-12);
        assert_eq!(truth.next(&[2.0; 21]), None);
        assert_eq!(Har::fit(&[1.0; 10]), Err(ForecastError::TooShort { needed: HAR_MIN_BLOCKS, have: 10 }));
        assert!(matches!(Har::fit(&[1.0; 60]), Err(ForecastError::FitFailed(_))), "constant regressors");
    }

    #[test]
    fn realized_variance_blocks() {
        assert_eq!(realized_variances(&[1.0, 2.0, 3.0, 1.0, 9.0], 2), vec![5.0, 10.0]);
    }
}
