//! Correlation between markets: correlated diffusion shocks for the reference prices, and portfolio margin that
//! nets correlated positions.
//!
//! A [`Correlation`] is a validated correlation matrix with its Cholesky factor `L` (`C = L L^T`): independent
//! standard normals `z` become correlated ones `L z`. Portfolio margin aggregates the *signed* stand-alone
//! requirements `r_i` (positive for a long, negative for a short) as `sqrt(r^T C r)`: two equal and opposite
//! positions in perfectly correlated markets offset completely, in uncorrelated markets they add in quadrature,
//! and in perfectly anti-correlated ones they add up. A floor keeps at least `1 - max_offset` of the sum of
//! stand-alone requirements, as clearing houses cap spread credits.

use crate::money::{self, MoneyError};
use rust_decimal::Decimal;

/// A correlation matrix and its Cholesky factor.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    matrix: Vec<Vec<f64>>,
    cholesky: Vec<Vec<f64>>,
}

/// Why a matrix is not a usable correlation matrix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("correlation: {0}")]
pub struct CorrelationError(pub String);

impl Correlation {
    /// The identity on `n` markets (independent prices).
    pub fn identity(n: usize) -> Self {
        let matrix: Vec<Vec<f64>> = (0..n).map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect()).collect();
        Self { cholesky: matrix.clone(), matrix }
    }

    /// Checks `matrix` (square, symmetric, unit diagonal, entries in `[-1, 1]`, positive semi-definite) and
    /// factors it.
    pub fn new(matrix: Vec<Vec<f64>>) -> Result<Self, CorrelationError> {
        let n = matrix.len();
        for (i, row) in matrix.iter().enumerate() {
            if row.len() != n {
                return Err(CorrelationError(format!("row {} has {} entries, expected {n}", i + 1, row.len())));
            }
            if (row[i] - 1.0).abs() > 1e-12 {
                return Err(CorrelationError(format!("diagonal entry {} is {}, expected 1", i + 1, row[i])));
            }
            for (j, v) in row.iter().enumerate() {
                if !(v.is_finite() && (-1.0..=1.0).contains(v)) {
                    return Err(CorrelationError(format!("entry ({}, {}) is {v}, expected [-1, 1]", i + 1, j + 1)));
                }
                if (v - matrix[j][i]).abs() > 1e-12 {
                    return Err(CorrelationError(format!("not symmetric at ({}, {})", i + 1, j + 1)));
                }
            }
        }
        let cholesky = cholesky(&matrix)
            .ok_or_else(|| CorrelationError("not positive semi-definite (no such joint distribution)".into()))?;
        Ok(Self { matrix, cholesky })
    }

    /// Every off-diagonal entry set to `rho` (a correlation break): valid for `rho` in `[-1 / (n - 1), 1]`.
    pub fn uniform(n: usize, rho: f64) -> Result<Self, CorrelationError> {
        Self::new((0..n).map(|i| (0..n).map(|j| if i == j { 1.0 } else { rho }).collect()).collect())
    }

    /// Number of markets.
    pub fn len(&self) -> usize {
        self.matrix.len()
    }

    /// Whether there are no markets.
    pub fn is_empty(&self) -> bool {
        self.matrix.is_empty()
    }

    /// The entry `(i, j)`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.matrix[i][j]
    }

    /// Correlated standard normals `L z` from independent ones.
    pub fn correlate(&self, z: &[f64]) -> Vec<f64> {
        self.cholesky.iter().map(|row| row.iter().zip(z).map(|(l, z)| l * z).sum()).collect()
    }

    /// Portfolio requirement of positions with signed stand-alone requirements `signed[i]` in market `markets[i]`
    /// (quote currency; positive long, negative short): `max(sqrt(r^T C r), (1 - max_offset) x sum |r_i|)`.
    /// Computed in `f64` (a statistic) and brought back to the ledger's precision at `step`.
    pub fn portfolio_requirement(
        &self,
        markets: &[usize],
        signed: &[Decimal],
        max_offset: Decimal,
        step: Decimal,
    ) -> Result<Decimal, MoneyError> {
        let r: Vec<f64> = signed.iter().map(|d| money::to_f64(*d)).collect();
        let mut quadratic = 0.0;
        for (a, ra) in markets.iter().zip(&r) {
            for (b, rb) in markets.iter().zip(&r) {
                quadratic += ra * rb * self.matrix[*a][*b];
            }
        }
        let netted = money::from_f64(libm::sqrt(quadratic.max(0.0)), step, "portfolio requirement")?;
        let gross = signed.iter().try_fold(Decimal::ZERO, |acc, r| money::add(acc, r.abs()))?;
        let floor = money::mul(gross, Decimal::ONE - max_offset)?;
        Ok(netted.max(floor).min(gross))
    }
}

/// Lower-triangular `L` with `L L^T = a`, tolerating positive semi-definite matrices (a zero pivot gives a zero
/// column); `None` when `a` is not positive semi-definite.
fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - sum;
                if d < -1e-10 {
                    return None;
                }
                l[i][j] = d.max(0.0).sqrt();
            } else if l[j][j] > 1e-12 {
                l[i][j] = (a[i][j] - sum) / l[j][j];
            } else if (a[i][j] - sum).abs() > 1e-10 {
                return None;
            }
        }
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{standard_normal, stream};
    use rust_decimal::dec;

    #[test]
    fn cholesky_by_hand_and_correlated_draws_have_the_target_correlation() {
        // [[1, 0.6], [0.6, 1]] = L L^T with L = [[1, 0], [0.6, 0.8]].
        let c = Correlation::new(vec![vec![1.0, 0.6], vec![0.6, 1.0]]).unwrap();
        assert_eq!(c.correlate(&[1.0, 1.0]), vec![1.0, 0.6 + 0.8]);
        let mut rng = stream(5, 1, 0);
        let (mut xy, mut xx, mut yy) = (0.0, 0.0, 0.0);
        for _ in 0..50_000 {
            let z = c.correlate(&[standard_normal(&mut rng), standard_normal(&mut rng)]);
            xy += z[0] * z[1];
            xx += z[0] * z[0];
            yy += z[1] * z[1];
        }
        let rho = xy / (xx * yy).sqrt();
        assert!((rho - 0.6).abs() < 0.01, "{rho}");
    }

    #[test]
    fn bad_matrices_are_errors() {
        assert!(Correlation::new(vec![vec![1.0, 0.5]]).is_err(), "not square");
        assert!(Correlation::new(vec![vec![1.0, 0.5], vec![0.4, 1.0]]).is_err(), "not symmetric");
        assert!(Correlation::new(vec![vec![0.9, 0.0], vec![0.0, 1.0]]).is_err(), "diagonal");
        // Three markets pairwise at -0.9 cannot exist.
        assert!(Correlation::uniform(3, -0.9).is_err());
        assert!(Correlation::uniform(3, -0.5).is_ok(), "the boundary, -1 / (n - 1), is semi-definite");
        assert!(Correlation::uniform(2, 1.0).is_ok(), "perfect correlation is allowed");
    }

    #[test]
    fn portfolio_requirement_nets_by_correlation_within_the_offset_cap() {
        let step = dec!(0.01);
        let pair = |rho: f64, max_offset| {
            let c = Correlation::uniform(2, rho).unwrap();
            c.portfolio_requirement(&[0, 1], &[dec!(1000), dec!(-1000)], max_offset, step).unwrap()
        };
        // Long 1,000 and short 1,000 of requirement: rho 0 -> sqrt(2) x 1,000; rho 0.8 -> sqrt(0.4) x 1,000;
        // rho -1 -> 2,000 (the positions add); rho 1 -> 0, floored at 20% of 2,000 by an 80% offset cap.
        assert_eq!(pair(0.0, Decimal::ONE), dec!(1414.21));
        assert_eq!(pair(0.8, Decimal::ONE), dec!(632.46));
        assert_eq!(pair(-1.0, Decimal::ONE), dec!(2000));
        assert_eq!(pair(1.0, dec!(0.8)), dec!(400));
        // Two longs in correlated markets do not offset: rho 0.8 -> sqrt(1 + 1 + 1.6) x 1,000 = 1,897.37.
        let c = Correlation::uniform(2, 0.8).unwrap();
        let longs = c.portfolio_requirement(&[0, 1], &[dec!(1000), dec!(1000)], Decimal::ONE, step).unwrap();
        assert_eq!(longs, dec!(1897.37));
        // One position is its stand-alone requirement.
        assert_eq!(c.portfolio_requirement(&[1], &[dec!(-250)], dec!(0.8), step).unwrap(), dec!(250));
    }
}
