//! CMA-ES, the covariance matrix adaptation evolution strategy, for searching several parameters at once: a
//! derivative-free optimiser made for noisy, rugged objectives, and rank-based, so that only the order of the
//! candidates matters (a candidate meeting the targets ranks before one that does not, whatever the numbers).
//!
//! The algorithm and its default constants are those of Hansen, "The CMA Evolution Strategy: A Tutorial"
//! (arXiv:1604.00772, 2016), Table 1 and Appendix A: weighted recombination of the best half, cumulative step-size
//! adaptation, rank-one and rank-mu covariance updates. It runs in the unit cube (each parameter's range mapped to
//! [0, 1], linearly or in logarithm); a sample outside it is mirrored back in (boundary handling by reflection),
//! and the mirrored point is what is evaluated and what the update learns from. Written here because no
//! maintained crate offers an ask-and-tell interface with batch evaluation and the caller's random stream: the
//! `cmaes` crate evaluates one point at a time through a closure, and `haru_cmaes` draws from the thread's
//! random generator, which no seed reproduces.

use cascade_core::rng::standard_normal;
use rand::Rng;

/// How good a candidate is, for ranking: every candidate that meets the targets ranks before every one that does
/// not (Deb's feasibility rule); among those that meet them the smaller `value` (the objective) is better, and
/// among those that do not the smaller `value` (by how much they miss) is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fitness {
    /// Whether the candidate meets every target.
    pub meets: bool,
    /// The objective when it meets the targets, else how far it misses them (both: smaller is better).
    pub value: f64,
}

impl Fitness {
    /// The ranking order: meeting first, then by value (total order: `NaN` last).
    pub fn rank(&self, other: &Self) -> std::cmp::Ordering {
        other.meets.cmp(&self.meets).then_with(|| self.value.total_cmp(&other.value))
    }
}

/// `u` reflected into [0, 1] (as a light ray between two mirrors: 1.2 -> 0.8, -0.3 -> 0.3, 2.5 -> 0.5).
pub fn mirror(u: f64) -> f64 {
    if !u.is_finite() {
        return 0.5;
    }
    let r = u.rem_euclid(2.0);
    if r > 1.0 { 2.0 - r } else { r }
}

/// The eigenvalues and eigenvectors (columns of the returned matrix) of the symmetric matrix `a`, by the cyclic
/// Jacobi method (Golub and Van Loan, Matrix Computations, 4th ed., section 8.5): exact to rounding for the small
/// matrices (a few parameters) this search needs.
pub fn symmetric_eigen(a: &[Vec<f64>]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = a.len();
    let mut a: Vec<Vec<f64>> = a.to_vec();
    let mut v: Vec<Vec<f64>> = (0..n).map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect()).collect();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |j| *j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        let scale: f64 = (0..n).map(|i| a[i][i] * a[i][i]).sum::<f64>().max(f64::MIN_POSITIVE);
        if off <= 1e-30 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q] == 0.0 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + libm::sqrt(theta * theta + 1.0));
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / libm::sqrt(t * t + 1.0);
                let s = t * c;
                for row in a.iter_mut() {
                    let (akp, akq) = (row[p], row[q]);
                    row[p] = c * akp - s * akq;
                    row[q] = s * akp + c * akq;
                }
                let (row_p, row_q) = (a[p].clone(), a[q].clone());
                for (k, (apk, aqk)) in row_p.into_iter().zip(row_q).enumerate() {
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for row in v.iter_mut() {
                    let (vkp, vkq) = (row[p], row[q]);
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i][i]).collect(), v)
}

/// The strategy's state between generations.
#[derive(Debug, Clone, PartialEq)]
pub struct Cmaes {
    /// The distribution's mean, in the unit cube.
    pub mean: Vec<f64>,
    /// The overall step size.
    pub sigma: f64,
    /// Candidates per generation (lambda).
    pub population: usize,
    /// Generations told so far.
    pub generation: usize,
    weights: Vec<f64>,
    mueff: f64,
    cs: f64,
    ds: f64,
    cc: f64,
    c1: f64,
    cmu: f64,
    chi_n: f64,
    c: Vec<Vec<f64>>,
    b: Vec<Vec<f64>>,
    d: Vec<f64>,
    ps: Vec<f64>,
    pc: Vec<f64>,
}

/// The default population for `n` parameters: 4 + floor(3 ln n) (Hansen 2016, Table 1).
pub fn default_population(n: usize) -> usize {
    4 + (3.0 * libm::log(n.max(1) as f64)).floor() as usize
}

impl Cmaes {
    /// A strategy at `mean` (in the unit cube) with step size `sigma` and `population` candidates per generation
    /// (at least 2), the covariance the identity.
    pub fn new(mean: Vec<f64>, sigma: f64, population: usize) -> Self {
        let n = mean.len().max(1) as f64;
        let lambda = population.max(2);
        let mu = lambda / 2;
        let raw: Vec<f64> = (1..=mu).map(|i| libm::log((lambda as f64 + 1.0) / 2.0) - libm::log(i as f64)).collect();
        let total: f64 = raw.iter().sum();
        let weights: Vec<f64> = raw.iter().map(|w| w / total).collect();
        let mueff = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();
        let cs = (mueff + 2.0) / (n + mueff + 5.0);
        let ds = 1.0 + 2.0 * (libm::sqrt((mueff - 1.0) / (n + 1.0)) - 1.0).max(0.0) + cs;
        let cc = (4.0 + mueff / n) / (n + 4.0 + 2.0 * mueff / n);
        let c1 = 2.0 / ((n + 1.3) * (n + 1.3) + mueff);
        let cmu = (1.0 - c1).min(2.0 * (mueff - 2.0 + 1.0 / mueff) / ((n + 2.0) * (n + 2.0) + mueff));
        let chi_n = libm::sqrt(n) * (1.0 - 1.0 / (4.0 * n) + 1.0 / (21.0 * n * n));
        let dim = mean.len();
        let identity: Vec<Vec<f64>> =
            (0..dim).map(|i| (0..dim).map(|j| f64::from(u8::from(i == j))).collect()).collect();
        Self {
            mean,
            sigma,
            population: lambda,
            generation: 0,
            weights,
            mueff,
            cs,
            ds,
            cc,
            c1,
            cmu,
            chi_n,
            c: identity.clone(),
            b: identity,
            d: vec![1.0; dim],
            ps: vec![0.0; dim],
            pc: vec![0.0; dim],
        }
    }

    /// The largest standard deviation of the sampling distribution along any parameter, in the unit cube: the
    /// search has converged when it is below the tolerance.
    pub fn spread(&self) -> f64 {
        self.sigma * (0..self.mean.len()).map(|i| libm::sqrt(self.c[i][i])).fold(0.0, f64::max)
    }

    /// This generation's candidates: `population` samples of N(mean, sigma^2 C), each mirrored into the unit cube.
    pub fn ask(&self, rng: &mut impl Rng) -> Vec<Vec<f64>> {
        let n = self.mean.len();
        (0..self.population)
            .map(|_| {
                let z: Vec<f64> = (0..n).map(|_| standard_normal(rng)).collect();
                (0..n)
                    .map(|i| {
                        let y: f64 = (0..n).map(|j| self.b[i][j] * self.d[j] * z[j]).sum();
                        mirror(self.mean[i] + self.sigma * y)
                    })
                    .collect()
            })
            .collect()
    }

    /// Learns from the evaluated `candidates` (as [`Cmaes::ask`] gave them) and their `fitness`: moves the mean
    /// towards the best half and adapts the step size and the covariance.
    pub fn tell(&mut self, candidates: &[Vec<f64>], fitness: &[Fitness]) {
        let n = self.mean.len();
        let mut order: Vec<usize> = (0..candidates.len().min(fitness.len())).collect();
        order.sort_by(|a, b| fitness[*a].rank(&fitness[*b]).then(a.cmp(b)));
        let steps: Vec<Vec<f64>> = order
            .iter()
            .take(self.weights.len())
            .map(|&k| (0..n).map(|i| (candidates[k][i] - self.mean[i]) / self.sigma).collect())
            .collect();
        let yw: Vec<f64> = (0..n).map(|i| steps.iter().zip(&self.weights).map(|(y, w)| w * y[i]).sum()).collect();
        for (m, y) in self.mean.iter_mut().zip(&yw) {
            *m += self.sigma * y;
        }
        // C^(-1/2) y_w = B D^-1 B^T y_w.
        let bt_y: Vec<f64> = (0..n).map(|j| (0..n).map(|i| self.b[i][j] * yw[i]).sum::<f64>() / self.d[j]).collect();
        let inv_sqrt: Vec<f64> = (0..n).map(|i| (0..n).map(|j| self.b[i][j] * bt_y[j]).sum()).collect();
        let kick = libm::sqrt(self.cs * (2.0 - self.cs) * self.mueff);
        for (p, v) in self.ps.iter_mut().zip(&inv_sqrt) {
            *p = (1.0 - self.cs) * *p + kick * v;
        }
        let ps_norm = libm::sqrt(self.ps.iter().map(|p| p * p).sum());
        self.generation += 1;
        let decay = libm::sqrt(1.0 - libm::pow(1.0 - self.cs, 2.0 * self.generation as f64));
        let h_sigma = ps_norm / decay < (1.4 + 2.0 / (n as f64 + 1.0)) * self.chi_n;
        let kick_c = if h_sigma { libm::sqrt(self.cc * (2.0 - self.cc) * self.mueff) } else { 0.0 };
        for (p, y) in self.pc.iter_mut().zip(&yw) {
            *p = (1.0 - self.cc) * *p + kick_c * y;
        }
        let lost = if h_sigma { 0.0 } else { self.c1 * self.cc * (2.0 - self.cc) };
        for i in 0..n {
            for j in 0..n {
                let rank_mu: f64 = steps.iter().zip(&self.weights).map(|(y, w)| w * y[i] * y[j]).sum();
                self.c[i][j] = (1.0 - self.c1 - self.cmu + lost) * self.c[i][j]
                    + self.c1 * self.pc[i] * self.pc[j]
                    + self.cmu * rank_mu;
            }
        }
        self.sigma *= libm::exp((self.cs / self.ds) * (ps_norm / self.chi_n - 1.0)).min(1e3);
        let (values, vectors) = symmetric_eigen(&self.c);
        self.d = values.iter().map(|v| libm::sqrt(v.max(1e-20))).collect();
        self.b = vectors;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_core::rng::stream;

    #[test]
    fn mirroring_reflects_into_the_unit_interval() {
        assert!((mirror(1.2) - 0.8).abs() < 1e-12);
        assert!((mirror(-0.3) - 0.3).abs() < 1e-12);
        assert!((mirror(2.5) - 0.5).abs() < 1e-12);
        assert_eq!(mirror(0.25), 0.25);
        assert_eq!(mirror(f64::NAN), 0.5);
    }

    /// [[2, 1], [1, 2]] has eigenvalues 1 and 3 with eigenvectors (1, -1) and (1, 1) over root 2.
    #[test]
    fn jacobi_finds_a_known_decomposition() {
        let (values, vectors) = symmetric_eigen(&[vec![2.0, 1.0], vec![1.0, 2.0]]);
        let mut pairs: Vec<(f64, [f64; 2])> = (0..2).map(|k| (values[k], [vectors[0][k], vectors[1][k]])).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!((pairs[0].0 - 1.0).abs() < 1e-12 && (pairs[1].0 - 3.0).abs() < 1e-12, "{pairs:?}");
        assert!((pairs[0].1[0] + pairs[0].1[1]).abs() < 1e-12 && (pairs[1].1[0] - pairs[1].1[1]).abs() < 1e-12);
        let r = libm::sqrt(0.5);
        assert!((pairs[1].1[0].abs() - r).abs() < 1e-12);
    }

    fn minimise(f: impl Fn(&[f64]) -> Fitness, mean: Vec<f64>, generations: usize, seed: u64) -> Vec<f64> {
        let mut rng = stream(seed, 99, 0);
        let mut es = Cmaes::new(mean, 0.3, default_population(2));
        let mut best: Option<(Fitness, Vec<f64>)> = None;
        for _ in 0..generations {
            let xs = es.ask(&mut rng);
            let fs: Vec<Fitness> = xs.iter().map(|x| f(x)).collect();
            for (x, fit) in xs.iter().zip(&fs) {
                if best.as_ref().is_none_or(|(b, _)| fit.rank(b).is_lt()) {
                    best = Some((*fit, x.clone()));
                }
            }
            es.tell(&xs, &fs);
            if es.spread() < 1e-6 {
                break;
            }
        }
        best.map(|(_, x)| x).unwrap_or_default()
    }

    /// An ill-conditioned ellipsoid with its minimum at (0.3, 0.7): found to 1e-4 from the cube's centre.
    #[test]
    fn finds_the_minimum_of_an_ellipsoid() {
        for seed in [1, 2, 3] {
            let f = |x: &[f64]| Fitness { meets: true, value: (x[0] - 0.3).powi(2) + 100.0 * (x[1] - 0.7).powi(2) };
            let x = minimise(f, vec![0.5, 0.5], 200, seed);
            assert!((x[0] - 0.3).abs() < 1e-4 && (x[1] - 0.7).abs() < 1e-4, "seed {seed}: {x:?}");
        }
    }

    /// The cheapest point of the unit square with x * y >= 0.09 costs x + y: by symmetry and the arithmetic-geometric
    /// mean inequality, (0.3, 0.3). Constraint by ranking alone (meeting first, then cost; missing, by how much).
    #[test]
    fn finds_a_constrained_optimum_known_in_closed_form() {
        for seed in [1, 2, 3] {
            let f = |x: &[f64]| {
                let product = x[0] * x[1];
                if product >= 0.09 {
                    Fitness { meets: true, value: x[0] + x[1] }
                } else {
                    Fitness { meets: false, value: 0.09 - product }
                }
            };
            let x = minimise(f, vec![0.8, 0.9], 150, seed);
            assert!((x[0] - 0.3).abs() < 0.01 && (x[1] - 0.3).abs() < 0.01, "seed {seed}: {x:?}");
            assert!(x[0] * x[1] >= 0.09);
        }
    }
}
