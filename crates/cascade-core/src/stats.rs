//! Risk statistics in `f64`: volatility estimators and medians. Nothing here touches the ledger.

use rust_decimal::Decimal;

/// Exponentially weighted moving variance of returns (RiskMetrics): `v_t = lambda v_(t-1) + (1 - lambda) r_t^2`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ewma {
    /// Decay, in (0, 1); RiskMetrics uses 0.94 on daily data.
    pub lambda: f64,
    /// Current variance per observation interval.
    pub variance: f64,
}

impl Ewma {
    /// Starts from a prior variance.
    pub fn new(lambda: f64, initial_variance: f64) -> Self {
        Self { lambda, variance: initial_variance }
    }

    /// Adds one return (a non-finite return is ignored).
    pub fn update(&mut self, r: f64) {
        if r.is_finite() {
            self.variance = self.lambda * self.variance + (1.0 - self.lambda) * r * r;
        }
    }

    /// Current volatility (standard deviation) per observation interval.
    pub fn volatility(&self) -> f64 {
        self.variance.sqrt()
    }
}

/// Sample standard deviation (divisor n - 1); 0 for fewer than two values.
pub fn stdev(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    (xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// Root mean square of returns: the volatility of a rolling window about a zero mean (as RiskMetrics assumes for
/// short horizons); 0 when empty.
pub fn root_mean_square(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    (xs.iter().map(|x| x * x).sum::<f64>() / xs.len() as f64).sqrt()
}

/// Solves the `N x N` system `a x = b` by Gaussian elimination with partial pivoting (`None` when singular: a pivot
/// below 1e-12 of the largest entry, or a non-finite solution).
pub fn solve<const N: usize>(mut a: [[f64; N]; N], mut b: [f64; N]) -> Option<[f64; N]> {
    let scale = a.iter().flatten().fold(0.0_f64, |m, v| m.max(v.abs()));
    for col in 0..N {
        let pivot = (col..N).max_by(|i, j| a[*i][col].abs().total_cmp(&a[*j][col].abs()))?;
        if a[pivot][col].abs() <= 1e-12 * scale {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..N {
            let factor = a[row][col] / a[col][col];
            let pivot_row = a[col];
            for (v, p) in a[row].iter_mut().zip(pivot_row).skip(col) {
                *v -= factor * p;
            }
            b[row] -= factor * b[col];
        }
    }
    let mut x = [0.0; N];
    for row in (0..N).rev() {
        let tail: f64 = (row + 1..N).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - tail) / a[row][row];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// The `q`-quantile (0 to 1) of `sorted` (ascending, finite), interpolated linearly between order statistics
/// (Hyndman and Fan's definition 7, the default of R, NumPy and polars). `None` when empty.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = q.clamp(0.0, 1.0) * last as f64;
    let below = h.floor() as usize;
    let above = (below + 1).min(last);
    Some(sorted[below] + (h - below as f64) * (sorted[above] - sorted[below]))
}

/// Median of exact values; the mean of the two middle values for an even count. `None` when empty.
pub fn median(values: &mut [Decimal]) -> Option<Decimal> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / Decimal::TWO })
}

/// The exact (Clopper-Pearson) two-sided interval, at `confidence` (0.95), of a probability estimated from
/// `successes` out of `trials`: the `p` at which seeing at least (lower) or at most (upper) that many successes
/// has probability `(1 - confidence) / 2`. `(0, 1)` without trials. Found by bisection on the binomial CDF (to 1e-12).
pub fn clopper_pearson(successes: u64, trials: u64, confidence: f64) -> (f64, f64) {
    if trials == 0 {
        return (0.0, 1.0);
    }
    let tail = (1.0 - confidence) / 2.0;
    // P(X <= k) falls as p rises: the upper end is where it equals the tail.
    let solve = |k: u64, target: f64| {
        let (mut low, mut high) = (0.0_f64, 1.0_f64);
        for _ in 0..60 {
            let mid = 0.5 * (low + high);
            if crate::risk::binomial_cdf(k, trials, mid) > target { low = mid } else { high = mid }
        }
        0.5 * (low + high)
    };
    let lower = if successes == 0 { 0.0 } else { solve(successes - 1, 1.0 - tail) };
    let upper = if successes >= trials { 1.0 } else { solve(successes, tail) };
    (lower, upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn clopper_pearson_matches_published_intervals() {
        // 0 of 10: (0, 1 - 0.025^(1/10)) = (0, 0.30850); 5 of 10: (0.18709, 0.81291); 1 of 50: (0.00051, 0.10647).
        let (l, u) = clopper_pearson(0, 10, 0.95);
        assert!(l == 0.0 && near(u, 0.308_50, 5e-5), "{u}");
        let (l, u) = clopper_pearson(5, 10, 0.95);
        assert!(near(l, 0.187_09, 5e-5) && near(u, 0.812_91, 5e-5), "{l} {u}");
        let (l, u) = clopper_pearson(1, 50, 0.95);
        assert!(near(l, 0.000_51, 5e-5) && near(u, 0.106_47, 5e-5), "{l} {u}");
        assert_eq!(clopper_pearson(10, 10, 0.95).1, 1.0);
    }

    #[test]
    fn quantiles_interpolate_as_numpy_does() {
        // numpy.quantile([1, 2, 3, 4, 10], [0.5, 0.95, 0.99]) = 3, 8.8, 9.76.
        let xs = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(quantile(&xs, 0.5), Some(3.0));
        assert!((quantile(&xs, 0.95).unwrap() - 8.8).abs() < 1e-12);
        assert!((quantile(&xs, 0.99).unwrap() - 9.76).abs() < 1e-12);
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[7.0], 0.99), Some(7.0));
    }
    use rust_decimal::dec;

    #[test]
    fn ewma_by_hand() {
        // v = 0.94 * 0.0001 + 0.06 * 0.02^2 = 0.000094 + 0.000024 = 0.000118
        let mut e = Ewma::new(0.94, 0.0001);
        e.update(0.02);
        assert!((e.variance - 0.000118).abs() < 1e-15);
        e.update(f64::NAN);
        assert!((e.variance - 0.000118).abs() < 1e-15);
    }

    #[test]
    fn stdev_of_a_known_series() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squares 32, sample variance 32/7.
        let s = stdev(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert!((s - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn root_mean_square_of_a_known_window() {
        // 0.01, -0.02, 0.02: (1 + 4 + 4) / 3 = 3 (x 1e-4), so sqrt(3) x 0.01.
        assert!((root_mean_square(&[0.01, -0.02, 0.02]) - 3.0f64.sqrt() * 0.01).abs() < 1e-15);
        assert_eq!(root_mean_square(&[]), 0.0);
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut [dec!(3), dec!(1), dec!(2)]), Some(dec!(2)));
        assert_eq!(median(&mut [dec!(4), dec!(1), dec!(2), dec!(3)]), Some(dec!(2.5)));
        assert_eq!(median(&mut []), None);
    }
}
