//! Risk statistics for margin: Value-at-Risk and Expected Shortfall of a return series, and backtesting of a
//! margin (or VaR) level by its exceptions (Kupiec's proportion-of-failures test and the Basel traffic light).
//!
//! Backtesting lives in [`backtest`] and is re-exported here.
//!
//! Sign conventions: returns are simple or log returns per observation (0.01 = +1%); **losses are positive**:
//! `VaR = 0.05` at 99% means a loss of more than 5% of the position's value happens with probability 1%. The
//! horizon `h` is in observations; parametric methods scale the mean by `h` and the volatility by `sqrt(h)`,
//! historical ones use overlapping `h`-observation sums. Everything is `f64`: statistics, not money.

mod backtest;
pub use backtest::*;

/// How VaR and ES are estimated. (Scenario files name these variants in `margin.policy`.)
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Method {
    /// Normal with the sample mean and standard deviation.
    Normal,
    /// Student-t with `dof` degrees of freedom (> 2), scaled to the sample standard deviation.
    StudentT {
        /// Degrees of freedom.
        dof: f64,
    },
    /// Empirical quantile of the observed losses.
    Historical,
    /// Filtered historical simulation: each return rescaled by the ratio of the current EWMA volatility to the EWMA
    /// volatility when it happened (decay `lambda`), then historical.
    FilteredHistorical {
        /// EWMA decay, in (0, 1).
        lambda: f64,
    },
}

/// VaR and ES of a position, as positive losses (fractions of its value).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Value-at-Risk: the loss exceeded with probability `1 - confidence`.
    pub var: f64,
    /// Expected Shortfall: the mean loss beyond the VaR.
    pub es: f64,
}

/// Why an estimate could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RiskError {
    /// Too few returns for the method and horizon.
    #[error("need at least {needed} returns, have {have}")]
    TooFewReturns {
        /// How many are needed.
        needed: usize,
        /// How many there are.
        have: usize,
    },
    /// A parameter is out of range.
    #[error("{0}")]
    Parameter(String),
}

/// VaR and ES of a long position in an asset with these `returns`, at `confidence` (e.g. 0.99) over `horizon`
/// observations.
pub fn estimate(returns: &[f64], confidence: f64, horizon: usize, method: Method) -> Result<Estimate, RiskError> {
    if !(confidence > 0.5 && confidence < 1.0) {
        return Err(RiskError::Parameter(format!("confidence must be in (0.5, 1), found {confidence}")));
    }
    if horizon == 0 {
        return Err(RiskError::Parameter("horizon must be at least 1".into()));
    }
    if returns.iter().any(|r| !r.is_finite()) {
        return Err(RiskError::Parameter("returns must be finite numbers".into()));
    }
    let needed = 2 + horizon;
    if returns.len() < needed {
        return Err(RiskError::TooFewReturns { needed, have: returns.len() });
    }
    let h = horizon as f64;
    let (mean, sd) = mean_sd(returns);
    match method {
        Method::Normal => {
            let z = normal_quantile(confidence);
            let s = sd * h.sqrt();
            Ok(Estimate { var: s * z - mean * h, es: s * normal_pdf(z) / (1.0 - confidence) - mean * h })
        }
        Method::StudentT { dof } => {
            if !(dof > 2.0 && dof.is_finite()) {
                return Err(RiskError::Parameter(format!("degrees of freedom must be above 2, found {dof}")));
            }
            // A t with unit scale has variance dof / (dof - 2): scale it to the sample standard deviation.
            let scale = sd * h.sqrt() * ((dof - 2.0) / dof).sqrt();
            let t = student_t_quantile(confidence, dof);
            let es_unit = student_t_pdf(t, dof) / (1.0 - confidence) * (dof + t * t) / (dof - 1.0);
            Ok(Estimate { var: scale * t - mean * h, es: scale * es_unit - mean * h })
        }
        Method::Historical => Ok(historical(&horizon_sums(returns, horizon), confidence)),
        Method::FilteredHistorical { lambda } => {
            if !(lambda > 0.0 && lambda < 1.0) {
                return Err(RiskError::Parameter(format!("lambda must be in (0, 1), found {lambda}")));
            }
            Ok(historical(&horizon_sums(&filtered(returns, lambda), horizon), confidence))
        }
    }
}

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    (mean, crate::stats::stdev(xs))
}

/// Overlapping sums of `h` consecutive returns (the returns themselves for `h = 1`).
fn horizon_sums(returns: &[f64], h: usize) -> Vec<f64> {
    returns.windows(h).map(|w| w.iter().sum()).collect()
}

/// Empirical VaR and ES of `returns`: with losses sorted from the worst, VaR is the `k`-th worst loss, `k = floor(n
/// (1 - confidence)) + 1`, and ES the mean of the `k` worst (the definition most risk texts use for historical
/// simulation).
fn historical(returns: &[f64], confidence: f64) -> Estimate {
    let mut losses: Vec<f64> = returns.iter().map(|r| -r).collect();
    losses.sort_by(|a, b| b.total_cmp(a));
    // A hair of tolerance so that 20 x (1 - 0.9) counts as the 2 it is, not 1.9999999999999996.
    let k = (((losses.len() as f64) * (1.0 - confidence) + 1e-9).floor() as usize + 1).min(losses.len());
    let var = losses[k - 1];
    let es = losses[..k].iter().sum::<f64>() / k as f64;
    Estimate { var, es }
}

/// Returns rescaled to today's volatility: `r_t * sigma_now / sigma_t`, with EWMA volatilities seeded by the sample
/// variance.
fn filtered(returns: &[f64], lambda: f64) -> Vec<f64> {
    let (_, sd) = mean_sd(returns);
    let mut ewma = crate::stats::Ewma::new(lambda, sd * sd);
    let sigmas: Vec<f64> = returns
        .iter()
        .map(|r| {
            let before = ewma.volatility();
            ewma.update(*r);
            before
        })
        .collect();
    let now = ewma.volatility();
    returns.iter().zip(sigmas).map(|(r, s)| if s > 0.0 { r * now / s } else { *r }).collect()
}

/// Standard normal density.
pub fn normal_pdf(x: f64) -> f64 {
    libm::exp(-0.5 * x * x) / (2.0 * std::f64::consts::PI).sqrt()
}

/// Standard normal quantile (Wichura's AS 241, relative accuracy about 1e-16).
pub fn normal_quantile(p: f64) -> f64 {
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * poly(&A, r) / poly(&B, r);
    }
    let r = if q < 0.0 { p } else { 1.0 - p };
    let r = (-libm::log(r)).sqrt();
    let x = if r <= 5.0 {
        let r = r - 1.6;
        poly(&C, r) / poly(&D, r)
    } else {
        let r = r - 5.0;
        poly(&E, r) / poly(&F, r)
    };
    if q < 0.0 { -x } else { x }
}

fn poly(c: &[f64; 8], x: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, k| acc * x + k)
}

const A: [f64; 8] = [
    3.387_132_872_796_366_5,
    133.141_667_891_784_38,
    1_971.590_950_306_551_3,
    13_731.693_765_509_46,
    45_921.953_931_549_87,
    67_265.770_927_008_7,
    33_430.575_583_588_13,
    2_509.080_928_730_122_7,
];
const B: [f64; 8] = [
    1.0,
    42.313_330_701_600_91,
    687.187_007_492_057_9,
    5_394.196_021_424_751,
    21_213.794_301_586_597,
    39_307.895_800_092_71,
    28_729.085_735_721_943,
    5_226.495_278_852_545,
];
const C: [f64; 8] = [
    1.423_437_110_749_683_5,
    4.630_337_846_156_546,
    5.769_497_221_460_691,
    3.647_848_324_763_204_5,
    1.270_458_252_452_368_4,
    0.241_780_725_177_450_6,
    0.022_723_844_989_269_184,
    7.745_450_142_783_414e-4,
];
const D: [f64; 8] = [
    1.0,
    2.053_191_626_637_759,
    1.676_384_830_183_803_8,
    0.689_767_334_985_1,
    0.148_103_976_427_480_08,
    0.015_198_666_563_616_457,
    5.475_938_084_995_345e-4,
    1.050_750_071_644_416_9e-9,
];
const E: [f64; 8] = [
    6.657_904_643_501_103,
    5.463_784_911_164_114,
    1.784_826_539_917_291_3,
    0.296_560_571_828_504_87,
    0.026_532_189_526_576_124,
    0.001_242_660_947_388_078_4,
    2.711_555_568_743_487_6e-5,
    2.010_334_399_292_288_1e-7,
];
const F: [f64; 8] = [
    1.0,
    0.599_832_206_555_888,
    0.136_929_880_922_735_8,
    0.014_875_361_290_850_615,
    7.868_691_311_456_133e-4,
    1.846_318_317_510_054_8e-5,
    1.421_511_758_316_446e-7,
    2.044_263_103_389_939_7e-15,
];

/// Student-t density with `dof` degrees of freedom.
pub fn student_t_pdf(x: f64, dof: f64) -> f64 {
    let log_norm =
        libm::lgamma((dof + 1.0) / 2.0) - libm::lgamma(dof / 2.0) - 0.5 * libm::log(dof * std::f64::consts::PI);
    libm::exp(log_norm - (dof + 1.0) / 2.0 * libm::log1p(x * x / dof))
}

/// Student-t distribution function, through the regularized incomplete beta function.
pub fn student_t_cdf(x: f64, dof: f64) -> f64 {
    let tail = 0.5 * incomplete_beta(dof / 2.0, 0.5, dof / (dof + x * x));
    if x >= 0.0 { 1.0 - tail } else { tail }
}

/// Student-t quantile, by bisection on the distribution function (to 1e-12).
pub fn student_t_quantile(p: f64, dof: f64) -> f64 {
    let (mut lo, mut hi) = (-1e3, 1e3);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if student_t_cdf(mid, dof) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Regularized incomplete beta `I_x(a, b)` (continued fraction, Numerical Recipes' `betacf`).
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        libm::exp(libm::lgamma(a + b) - libm::lgamma(a) - libm::lgamma(b) + a * libm::log(x) + b * libm::log1p(-x));
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    d = if d.abs() < TINY { TINY } else { d };
    d = 1.0 / d;
    let mut h = d;
    for m in 1..300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn normal_quantiles_and_var_es_match_tables() {
        // z(0.99) = 2.326348, z(0.975) = 1.959964, z(0.95) = 1.644854 (standard tables).
        assert!(close(normal_quantile(0.99), 2.326_347_874, 1e-9));
        assert!(close(normal_quantile(0.975), 1.959_963_985, 1e-9));
        assert!(close(normal_quantile(0.05), -1.644_853_627, 1e-9));
        assert!(close(normal_quantile(1e-10), -6.361_340_902, 1e-8));
        // ES of a standard normal at 99% = phi(2.3263) / 0.01 = 2.665214; at 97.5% = 2.337803 (the Basel FRTB figure
        // showing 97.5% ES close to 99% VaR).
        let returns = standard_normal_sample();
        let e = estimate(&returns, 0.99, 1, Method::Normal).unwrap();
        let (mean, sd) = mean_sd(&returns);
        assert!(close(e.var, 2.326_347_874 * sd - mean, 1e-9));
        assert!(close((e.es + mean) / sd, 2.665_214_220, 1e-8));
        let e = estimate(&returns, 0.975, 1, Method::Normal).unwrap();
        assert!(close((e.es + mean) / sd, 2.337_802_792, 1e-8));
        // Ten-observation horizon: sqrt(10) scaling.
        let e10 = estimate(&returns, 0.99, 10, Method::Normal).unwrap();
        assert!(close(e10.var, 2.326_347_874 * sd * 10f64.sqrt() - 10.0 * mean, 1e-9));
    }

    #[test]
    fn student_t_quantiles_and_es_match_tables() {
        // t table: t(0.99; 4) = 3.746947, t(0.99; 10) = 2.763769, t(0.975; 30) = 2.042272.
        assert!(close(student_t_quantile(0.99, 4.0), 3.746_947, 1e-6));
        assert!(close(student_t_quantile(0.99, 10.0), 2.763_769, 1e-6));
        assert!(close(student_t_quantile(0.975, 30.0), 2.042_272, 1e-6));
        assert!(close(student_t_cdf(0.0, 5.0), 0.5, 1e-15));
        // ES of a standard t(4) at 99% (unit scale): g(t) / 0.01 * (4 + t^2) / 3 = 0.86818 x 6.01320 = 5.2206
        // (closed form, checked by numerical integration of the tail).
        let t = student_t_quantile(0.99, 4.0);
        let es = student_t_pdf(t, 4.0) / 0.01 * (4.0 + t * t) / 3.0;
        let step = 1e-4;
        let tail: f64 =
            (0..2_000_000).map(|i| t + (i as f64 + 0.5) * step).map(|x| x * student_t_pdf(x, 4.0) * step).sum();
        assert!(close(es, tail / 0.01, 1e-3), "{es} vs {}", tail / 0.01);
        assert!(close(es, 5.2206, 1e-4), "{es}");
        // Heavier tails than the normal at the same standard deviation, at 99%.
        let returns = standard_normal_sample();
        let n = estimate(&returns, 0.99, 1, Method::Normal).unwrap();
        let t4 = estimate(&returns, 0.99, 1, Method::StudentT { dof: 4.0 }).unwrap();
        assert!(t4.es > n.es);
    }

    #[test]
    fn historical_var_of_a_short_known_series() {
        // Twenty returns; at 90% VaR is the k = floor(20 x 0.1) + 1 = 3rd worst loss and ES the mean of the 3 worst.
        let returns = [
            0.01, -0.02, 0.015, -0.05, 0.03, 0.0, -0.01, 0.02, -0.04, 0.005, 0.01, -0.03, 0.025, -0.015, 0.0, 0.01,
            -0.005, 0.02, -0.025, 0.03,
        ];
        let e = estimate(&returns, 0.90, 1, Method::Historical).unwrap();
        assert!(close(e.var, 0.03, 1e-15));
        assert!(close(e.es, (0.05 + 0.04 + 0.03) / 3.0, 1e-15));
        // Two-day horizon: overlapping sums; worst is -0.02 + 0.015... computed by hand below.
        let e2 = estimate(&returns, 0.95, 2, Method::Historical).unwrap();
        // 19 overlapping two-day sums; k = floor(19 x 0.05) + 1 = 1, the worst: 0.015 + (-0.05) = -0.035.
        assert!(close(e2.var, 0.035, 1e-12));
    }

    #[test]
    fn filtered_historical_scales_to_current_volatility() {
        // A calm history followed by a volatile recent stretch: FHS VaR exceeds plain historical VaR.
        let mut returns: Vec<f64> = standard_normal_sample().iter().map(|z| 0.01 * z).collect();
        returns.extend(standard_normal_sample().iter().take(50).map(|z| 0.05 * z));
        let h = estimate(&returns, 0.99, 1, Method::Historical).unwrap();
        let f = estimate(&returns, 0.99, 1, Method::FilteredHistorical { lambda: 0.94 }).unwrap();
        assert!(f.var > 1.5 * h.var, "fhs {} hs {}", f.var, h.var);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(estimate(&[0.01, 0.02], 0.99, 1, Method::Normal).is_err());
        assert!(estimate(&[0.01; 10], 1.5, 1, Method::Normal).is_err());
        assert!(estimate(&[0.01, f64::NAN, 0.0, 0.0], 0.99, 1, Method::Normal).is_err());
        assert!(estimate(&[0.01; 10], 0.99, 1, Method::StudentT { dof: 2.0 }).is_err());
    }

    /// 2,000 pseudo-normal draws from a fixed stream.
    fn standard_normal_sample() -> Vec<f64> {
        let mut rng = crate::rng::stream(5, 0, 0);
        (0..2_000).map(|_| crate::rng::standard_normal(&mut rng)).collect()
    }
}
