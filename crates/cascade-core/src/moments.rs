//! The method of simulated moments for a market's shape: the moments of returns a simulated market is fitted on,
//! how much each moment varies in a real series, and the distance between a simulation and the real series.
//!
//! The moments follow Franke and Westerhoff (2012, "Structural stochastic volatility in asset pricing dynamics:
//! estimation and model contest", JEDC 36:1193-1211), without the mean absolute return (a scenario sets its
//! volatility directly): the autocorrelation of returns at lag 1, of absolute returns at lags 1, 5, 10, 25 and 50,
//! the Hill index of absolute returns (largest 5%) and the excess kurtosis. The weighting is diagonal: each squared
//! deviation is divided by the moment's variance across windows of the simulated run's length drawn from the real
//! series by a moving-block bootstrap (Künsch 1989), so a distance of about the number of moments means "as far from
//! the real series as another stretch of it would be".

use crate::facts::{autocorrelation, excess_kurtosis, hill};
use crate::rng::{StreamRng, domain, stream};
use rand::RngExt;

/// Names of the moments, in the order of [`moments`]' values.
pub const NAMES: [&str; 8] = [
    "acf_returns_1",
    "acf_abs_1",
    "acf_abs_5",
    "acf_abs_10",
    "acf_abs_25",
    "acf_abs_50",
    "hill_abs",
    "excess_kurtosis",
];

/// How many moments there are.
pub const COUNT: usize = NAMES.len();

/// The moments of `returns` (log returns), in the order of [`NAMES`]; `NaN` where a moment is undefined (too few
/// returns, no variance).
pub fn moments(returns: &[f64]) -> [f64; COUNT] {
    let abs: Vec<f64> = returns.iter().map(|r| r.abs()).collect();
    let k = abs.len() / 20;
    [
        autocorrelation(returns, 1),
        autocorrelation(&abs, 1),
        autocorrelation(&abs, 5),
        autocorrelation(&abs, 10),
        autocorrelation(&abs, 25),
        autocorrelation(&abs, 50),
        hill(&abs, k),
        excess_kurtosis(returns),
    ]
}

/// The variance of each moment over `draws` windows of `window` returns drawn from `returns` by a moving-block
/// bootstrap with blocks of `block` returns (from a fixed random stream, so the same inputs give the same
/// variances). `None` when the series is shorter than a block or a window or block is empty.
pub fn bootstrap_variances(returns: &[f64], window: usize, block: usize, draws: usize) -> Option<[f64; COUNT]> {
    if block == 0 || window == 0 || draws < 2 || returns.len() < block {
        return None;
    }
    let mut rng: StreamRng = stream(0, domain::MOMENTS_BOOTSTRAP, 0);
    let starts = returns.len() - block + 1;
    let mut sums = [(0.0, 0.0, 0usize); COUNT];
    let mut sample = Vec::with_capacity(window + block);
    for _ in 0..draws {
        sample.clear();
        while sample.len() < window {
            let start = rng.random_range(0..starts);
            sample.extend_from_slice(&returns[start..start + block]);
        }
        sample.truncate(window);
        for (sum, m) in sums.iter_mut().zip(moments(&sample)) {
            if m.is_finite() {
                *sum = (sum.0 + m, sum.1 + m * m, sum.2 + 1);
            }
        }
    }
    Some(sums.map(|(s, s2, n)| {
        if n < 2 {
            f64::NAN
        } else {
            let mean = s / n as f64;
            (s2 - n as f64 * mean * mean) / (n - 1) as f64
        }
    }))
}

/// The weighted distance `sum((simulated - target)^2 / variance)` over the moments defined in all three (a moment
/// undefined in either series or without variance is left out); `NaN` when none is left.
pub fn distance(simulated: &[f64; COUNT], target: &[f64; COUNT], variance: &[f64; COUNT]) -> f64 {
    let terms: Vec<f64> = (0..COUNT)
        .filter(|&i| simulated[i].is_finite() && target[i].is_finite() && variance[i].is_finite() && variance[i] > 0.0)
        .map(|i| (simulated[i] - target[i]).powi(2) / variance[i])
        .collect();
    if terms.is_empty() { f64::NAN } else { terms.iter().sum() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::standard_normal;

    fn garch(n: usize, seed: u64) -> Vec<f64> {
        // GARCH(1,1) with omega 0.05, alpha 0.1, beta 0.85: clustered, heavy-tailed, uncorrelated.
        let mut rng = stream(seed, 0, 0);
        let mut v = 1.0;
        let mut r = 0.0_f64;
        (0..n)
            .map(|_| {
                v = 0.05 + 0.1 * r * r + 0.85 * v;
                r = v.sqrt() * standard_normal(&mut rng);
                r
            })
            .collect()
    }

    #[test]
    fn white_noise_has_no_memory_and_normal_tails() {
        let mut rng = stream(1, 0, 0);
        let r: Vec<f64> = (0..100_000).map(|_| standard_normal(&mut rng)).collect();
        let m = moments(&r);
        for (name, value) in NAMES.iter().zip(m).take(6) {
            assert!(value.abs() < 0.015, "{name}: {value}");
        }
        assert!(m[7].abs() < 0.06, "kurtosis {}", m[7]);
    }

    #[test]
    fn a_clustered_series_shows_it_in_its_moments() {
        let m = moments(&garch(100_000, 2));
        assert!(m[0].abs() < 0.015, "no linear memory: {}", m[0]);
        assert!(m[1] > 0.1 && m[1] > m[3] && m[3] > m[5] && m[5] > 0.0, "clustering decays: {m:?}");
        assert!(m[7] > 0.5, "heavy tails: {}", m[7]);
    }

    #[test]
    fn the_distance_weighs_by_variance_and_the_bootstrap_sees_the_window() {
        let mut target = [0.0; COUNT];
        target[1] = 0.2;
        let mut simulated = target;
        simulated[1] = 0.3;
        simulated[7] = f64::NAN;
        let variance = [0.01; COUNT];
        // (0.3 - 0.2)^2 / 0.01 = 1; the undefined kurtosis is left out.
        assert!((distance(&simulated, &target, &variance) - 1.0).abs() < 1e-12);
        assert!(distance(&[f64::NAN; COUNT], &target, &variance).is_nan());
        // Shorter windows vary more: the variance of the lag-1 autocorrelation of a long series' windows of n
        // returns is about 1/n for white noise.
        let series = garch(40_000, 3);
        let short = bootstrap_variances(&series, 1_000, 200, 200).unwrap_or([f64::NAN; COUNT]);
        let long = bootstrap_variances(&series, 10_000, 200, 200).unwrap_or([f64::NAN; COUNT]);
        for i in 0..COUNT {
            assert!(short[i] > 2.0 * long[i], "{}: {} against {}", NAMES[i], short[i], long[i]);
        }
        assert!((short[0] * 1_000.0 - 1.0).abs() < 0.5, "lag-1 variance x n: {}", short[0] * 1_000.0);
        assert_eq!(bootstrap_variances(&series[..10], 100, 200, 10), None);
    }
}
