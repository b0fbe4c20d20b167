//! Stylized facts of a price series (Cont 2001, "Empirical properties of asset returns: stylized facts and
//! statistical issues", Quantitative Finance 1:223-236): the figures by which a simulated market is judged
//! against a real one. Every figure is measured on log returns of the prices sampled every `interval`
//! observations; the same code measures a simulated mark and a real series.

/// Log returns of `prices` sampled every `interval` observations (non-positive or non-finite prices end a return).
pub fn log_returns(prices: &[f64], interval: usize) -> Vec<f64> {
    let step = interval.max(1);
    let sampled: Vec<f64> = prices.iter().copied().step_by(step).collect();
    sampled
        .windows(2)
        .filter(|w| w[0] > 0.0 && w[1] > 0.0 && w[0].is_finite() && w[1].is_finite())
        .map(|w| libm::log(w[1] / w[0]))
        .collect()
}

fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() { 0.0 } else { xs.iter().sum::<f64>() / xs.len() as f64 }
}

/// Excess kurtosis (the fourth standardized moment less 3; 0 for a normal distribution), `NaN` for fewer than 4
/// values or no variance.
pub fn excess_kurtosis(xs: &[f64]) -> f64 {
    let m = mean(xs);
    let (m2, m4) = xs.iter().fold((0.0, 0.0), |(a, b), x| {
        let d = (x - m) * (x - m);
        (a + d, b + d * d)
    });
    let n = xs.len() as f64;
    if xs.len() < 4 || m2 == 0.0 { f64::NAN } else { (m4 / n) / ((m2 / n) * (m2 / n)) - 3.0 }
}

/// Sample autocorrelation of `xs` at `lag` (the biased estimator, as in Box and Jenkins), `NaN` when undefined.
pub fn autocorrelation(xs: &[f64], lag: usize) -> f64 {
    if lag >= xs.len() {
        return f64::NAN;
    }
    let m = mean(xs);
    let denominator: f64 = xs.iter().map(|x| (x - m) * (x - m)).sum();
    let numerator: f64 = xs.windows(lag + 1).map(|w| (w[0] - m) * (w[lag] - m)).sum();
    if denominator == 0.0 { f64::NAN } else { numerator / denominator }
}

/// The Hill estimator of the tail index from the `k` largest of `tail` (positive values: losses, or gains):
/// `1 / mean(ln(x_(i) / x_(k+1)))` over the `k` largest (Hill 1975). `NaN` when undefined.
pub fn hill(tail: &[f64], k: usize) -> f64 {
    let mut xs: Vec<f64> = tail.iter().copied().filter(|x| *x > 0.0 && x.is_finite()).collect();
    if k == 0 || xs.len() <= k {
        return f64::NAN;
    }
    xs.sort_by(|a, b| b.total_cmp(a));
    let threshold = xs[k];
    let sum: f64 = xs[..k].iter().map(|x| libm::log(x / threshold)).sum();
    if sum > 0.0 { k as f64 / sum } else { f64::NAN }
}

/// The exponent `beta` of a power-law decay `acf(lag) ~ lag^-beta`, by least squares of `ln acf` on `ln lag` over
/// the lags whose autocorrelation is positive (`NaN` with fewer than 3 such lags).
pub fn power_law_exponent(acf: &[(usize, f64)]) -> f64 {
    let points: Vec<(f64, f64)> = acf
        .iter()
        .filter(|(lag, a)| *lag > 0 && *a > 0.0 && a.is_finite())
        .map(|(lag, a)| (libm::log(*lag as f64), libm::log(*a)))
        .collect();
    if points.len() < 3 {
        return f64::NAN;
    }
    let (mx, my) =
        (mean(&points.iter().map(|p| p.0).collect::<Vec<_>>()), mean(&points.iter().map(|p| p.1).collect::<Vec<_>>()));
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx == 0.0 { f64::NAN } else { -sxy / sxx }
}

/// Pearson correlation of two equally long series (`NaN` when undefined).
pub fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let (ma, mb) = (mean(a), mean(b));
    let sab: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let saa: f64 = a.iter().map(|x| (x - ma) * (x - ma)).sum();
    let sbb: f64 = b.iter().map(|y| (y - mb) * (y - mb)).sum();
    if saa == 0.0 || sbb == 0.0 { f64::NAN } else { sab / libm::sqrt(saa * sbb) }
}

/// The stylized facts of one series at one sampling interval.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Facts {
    /// Observations per return.
    pub interval: usize,
    /// Returns measured.
    pub returns: usize,
    /// Standard deviation of the log returns.
    pub volatility: f64,
    /// Excess kurtosis of the returns.
    pub excess_kurtosis: f64,
    /// Hill tail index of losses (negative returns), from the largest 5% of them.
    pub hill_loss_tail: f64,
    /// Hill tail index of gains, from the largest 5% of them.
    pub hill_gain_tail: f64,
    /// Autocorrelation of returns at lags 1 to 20.
    pub acf_returns: Vec<f64>,
    /// The 95% band of an uncorrelated series' autocorrelation: +-1.96 / sqrt(returns).
    pub acf_band: f64,
    /// Autocorrelation of absolute returns at lags 1 to 100 (fewer when the series is short).
    pub acf_abs: Vec<f64>,
    /// Autocorrelation of squared returns at lags 1 to 100.
    pub acf_squared: Vec<f64>,
    /// Mean autocorrelation of absolute returns at lags 1 to 10 (volatility clustering).
    pub acf_abs_mean_1_10: f64,
    /// Exponent of the power-law decay of the absolute returns' autocorrelation (Cont: 0.2 to 0.4).
    pub acf_abs_decay: f64,
    /// Leverage effect: correlation of each return with the next 10 returns' mean absolute value (negative: falls
    /// raise volatility).
    pub leverage: f64,
    /// Correlation of volume with absolute returns over the same interval (`NaN` without volumes).
    pub volume_volatility: f64,
}

/// Measures the facts of `prices` (with `volumes` per observation, if known) at `interval`.
pub fn measure(prices: &[f64], volumes: Option<&[f64]>, interval: usize) -> Facts {
    let r = log_returns(prices, interval);
    let abs: Vec<f64> = r.iter().map(|x| x.abs()).collect();
    let squared: Vec<f64> = r.iter().map(|x| x * x).collect();
    let lags = |xs: &[f64], most: usize| -> Vec<f64> {
        (1..=most.min(xs.len().saturating_sub(2))).map(|lag| autocorrelation(xs, lag)).collect()
    };
    let acf_abs = lags(&abs, 100);
    let k = (r.len() / 20).max(1);
    let losses: Vec<f64> = r.iter().filter(|x| **x < 0.0).map(|x| -x).collect();
    let gains: Vec<f64> = r.iter().filter(|x| **x > 0.0).copied().collect();
    let (k_loss, k_gain) = ((losses.len() / 20).max(1).min(k), (gains.len() / 20).max(1).min(k));
    let ahead = 10;
    let future: Vec<f64> = (0..r.len().saturating_sub(ahead)).map(|t| mean(&abs[t + 1..=t + ahead])).collect();
    let volume_volatility = volumes.map_or(f64::NAN, |v| {
        let step = interval.max(1);
        let per_return: Vec<f64> = v.chunks(step).skip(1).map(|c| c.iter().sum()).collect();
        correlation(&per_return, &abs)
    });
    let m = mean(&r);
    Facts {
        interval: interval.max(1),
        returns: r.len(),
        volatility: libm::sqrt(r.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (r.len().max(2) - 1) as f64),
        excess_kurtosis: excess_kurtosis(&r),
        hill_loss_tail: hill(&losses, k_loss),
        hill_gain_tail: hill(&gains, k_gain),
        acf_returns: lags(&r, 20),
        acf_band: 1.96 / libm::sqrt(r.len().max(1) as f64),
        acf_abs_mean_1_10: mean(&acf_abs.iter().take(10).copied().collect::<Vec<_>>()),
        acf_abs_decay: power_law_exponent(&acf_abs.iter().enumerate().map(|(i, a)| (i + 1, *a)).collect::<Vec<_>>()),
        acf_abs,
        acf_squared: lags(&squared, 100),
        leverage: correlation(&r[..future.len()], &future),
        volume_volatility,
    }
}

/// A fact as the literature reports it for real (crypto) markets, and how a measured series is checked against it.
#[derive(Debug, Clone, Copy)]
pub struct Reference {
    /// What is measured, in words.
    pub figure: &'static str,
    /// The range reported for real markets, in words.
    pub range: &'static str,
    /// Where it is reported.
    pub source: &'static str,
    /// The measured value, from the facts at one interval.
    pub value: fn(&Facts) -> f64,
    /// Whether a value holds (`None`: reported only, no bound).
    pub holds: Option<fn(f64) -> bool>,
}

/// Cont (2001), Quantitative Finance 1:223-236.
const CONT: &str = "Cont 2001";

/// The facts a real market shows, each with its measure and bound.
pub const REFERENCES: [Reference; 9] = [
    Reference {
        figure: "largest |autocorrelation| of returns, lags 1-10",
        range: "within +-0.05 (no linear memory)",
        source: CONT,
        value: |f| f.acf_returns.iter().take(10).fold(0.0, |m, a| f64::max(m, a.abs())),
        holds: Some(|v| v <= 0.05),
    },
    Reference {
        figure: "excess kurtosis",
        range: "above 3 (heavy tails; BTC hourly about 16)",
        source: CONT,
        value: |f| f.excess_kurtosis,
        holds: Some(|v| v > 3.0),
    },
    Reference {
        figure: "Hill tail index, losses (largest 5%)",
        range: "2 to 5; BTC about 2 to 3",
        source: "Cont 2001; Begusic et al. 2018 (arXiv:1803.08405); Takaishi 2020 (arXiv:2009.06874)",
        value: |f| f.hill_loss_tail,
        holds: Some(|v| (2.0..=5.0).contains(&v)),
    },
    Reference {
        figure: "Hill tail index, gains (largest 5%)",
        range: "2 to 5; BTC about 2 to 3",
        source: "Cont 2001; Begusic et al. 2018; Takaishi 2020",
        value: |f| f.hill_gain_tail,
        holds: Some(|v| (2.0..=5.0).contains(&v)),
    },
    Reference {
        figure: "mean autocorrelation of |returns|, lags 1-10",
        range: "above 0.1 (volatility clustering)",
        source: CONT,
        value: |f| f.acf_abs_mean_1_10,
        holds: Some(|v| v > 0.1),
    },
    Reference {
        figure: "autocorrelation of |returns| at lag 20",
        range: "positive (slow decay)",
        source: CONT,
        value: |f| f.acf_abs.get(19).copied().unwrap_or(f64::NAN),
        holds: Some(|v| v > 0.0),
    },
    Reference {
        figure: "power-law decay exponent of autocorrelation of |returns|",
        range: "0.2 to 0.4",
        source: CONT,
        value: |f| f.acf_abs_decay,
        holds: Some(|v| (0.2..=0.4).contains(&v)),
    },
    Reference {
        figure: "leverage effect: corr(return, next 10 |returns|)",
        range: "negative in equities, weak in crypto",
        source: CONT,
        value: |f| f.leverage,
        holds: None,
    },
    Reference {
        figure: "volume-volatility correlation",
        range: "positive",
        source: CONT,
        value: |f| f.volume_volatility,
        holds: Some(|v| v > 0.0),
    },
];

/// Aggregational Gaussianity across intervals: whether excess kurtosis falls as the interval grows (`facts` in
/// increasing order of interval; `None` with fewer than two).
pub fn kurtosis_falls(facts: &[Facts]) -> Option<bool> {
    (facts.len() >= 2).then(|| facts.windows(2).all(|w| w[1].excess_kurtosis < w[0].excess_kurtosis))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{standard_normal, stream};
    use rand::RngExt;

    #[test]
    fn returns_are_logs_of_sampled_ratios() {
        let r = log_returns(&[100.0, 110.0, 121.0, 0.0, 5.0], 1);
        assert_eq!(r.len(), 2);
        assert!((r[0] - libm::log(1.1)).abs() < 1e-15 && (r[1] - libm::log(1.1)).abs() < 1e-15);
        assert_eq!(log_returns(&[100.0, 1.0, 121.0], 2), vec![libm::log(1.21)]);
    }

    /// An AR(1) series with coefficient 0.5 has autocorrelation 0.5^lag; a normal series no excess kurtosis.
    #[test]
    fn autocorrelation_and_kurtosis_of_known_processes() {
        let mut rng = stream(7, 99, 0);
        let mut x = 0.0;
        let ar: Vec<f64> = (0..200_000)
            .map(|_| {
                x = 0.5 * x + standard_normal(&mut rng);
                x
            })
            .collect();
        assert!((autocorrelation(&ar, 1) - 0.5).abs() < 0.01, "{}", autocorrelation(&ar, 1));
        assert!((autocorrelation(&ar, 2) - 0.25).abs() < 0.01);
        let normal: Vec<f64> = (0..200_000).map(|_| standard_normal(&mut rng)).collect();
        assert!(excess_kurtosis(&normal).abs() < 0.05, "{}", excess_kurtosis(&normal));
        // Laplace: excess kurtosis 3.
        let laplace: Vec<f64> = (0..200_000)
            .map(|_| {
                let u: f64 = rng.random::<f64>() - 0.5;
                -u.signum() * libm::log(1.0 - 2.0 * u.abs())
            })
            .collect();
        assert!((excess_kurtosis(&laplace) - 3.0).abs() < 0.2, "{}", excess_kurtosis(&laplace));
        // Aggregational Gaussianity: a sum of 10 independent such returns has excess kurtosis 3 / 10.
        let prices: Vec<f64> = laplace
            .iter()
            .scan(100.0, |p, r| {
                *p *= libm::exp(0.001 * r);
                Some(*p)
            })
            .collect();
        let (one, ten) = (measure(&prices, None, 1), measure(&prices, None, 10));
        assert!((ten.excess_kurtosis - 0.3).abs() < 0.15, "{}", ten.excess_kurtosis);
        assert_eq!(kurtosis_falls(&[one.clone(), ten.clone()]), Some(true));
        assert_eq!(kurtosis_falls(&[ten, one]), Some(false));
        assert_eq!(kurtosis_falls(&[]), None);
    }

    /// Pareto draws with tail index 3 (x = u^(-1/3)): Hill on the largest 5% recovers 3.
    #[test]
    fn hill_recovers_a_pareto_tail_index() {
        let mut rng = stream(8, 99, 0);
        let xs: Vec<f64> = (0..100_000).map(|_| libm::pow(1.0 - rng.random::<f64>(), -1.0 / 3.0)).collect();
        let alpha = hill(&xs, 5_000);
        assert!((alpha - 3.0).abs() < 0.15, "{alpha}");
        assert!(hill(&xs[..3], 5).is_nan());
    }

    #[test]
    fn a_power_law_decay_is_fitted_and_a_correlation_signed() {
        let acf: Vec<(usize, f64)> = (1..=100).map(|lag| (lag, 0.3 * libm::pow(lag as f64, -0.25))).collect();
        assert!((power_law_exponent(&acf) - 0.25).abs() < 1e-12);
        assert!((correlation(&[1.0, 2.0, 3.0], &[6.0, 4.0, 2.0]) + 1.0).abs() < 1e-15);
        assert!(correlation(&[1.0, 1.0], &[1.0, 2.0]).is_nan());
    }

    /// A GARCH(1,1) series (omega 1e-6, alpha 0.1, beta 0.85) clusters its volatility: the autocorrelation of
    /// absolute returns is positive and slowly decaying while returns themselves are uncorrelated; its excess
    /// kurtosis is Bollerslev's (1986) closed form 3 (1 - (a + b)^2) / (1 - (a + b)^2 - 2 a^2) - 3 = 0.774.
    #[test]
    fn a_garch_series_shows_the_facts_of_a_real_market() {
        let mut rng = stream(9, 99, 0);
        let (mut variance, mut price) = (2e-5, 100.0);
        let prices: Vec<f64> = (0..100_000)
            .map(|_| {
                let r = libm::sqrt(variance) * standard_normal(&mut rng);
                variance = 1e-6 + 0.1 * r * r + 0.85 * variance;
                price *= libm::exp(r);
                price
            })
            .collect();
        let facts = measure(&prices, None, 1);
        assert!(facts.acf_returns.iter().take(10).all(|a| a.abs() < facts.acf_band * 2.0), "{:?}", facts.acf_returns);
        assert!(facts.acf_abs_mean_1_10 > 0.1, "{}", facts.acf_abs_mean_1_10);
        assert!(facts.acf_abs[19] > 0.0, "{:?}", facts.acf_abs);
        let closed_form = 3.0 * (1.0 - 0.95 * 0.95) / (1.0 - 0.95 * 0.95 - 2.0 * 0.01) - 3.0;
        assert!((facts.excess_kurtosis - closed_form).abs() < 0.25, "{} vs {closed_form}", facts.excess_kurtosis);
        assert!(facts.volume_volatility.is_nan());
    }
}
