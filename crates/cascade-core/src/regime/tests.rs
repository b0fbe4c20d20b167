use super::*;
use crate::rng::{standard_normal, stream};
use rand::RngExt;

fn close(found: f64, expected: f64, tolerance: f64, what: &str) {
    assert!((found - expected).abs() <= tolerance, "{what}: {found} against {expected}");
}

fn two_state(p00: f64, p11: f64, calm: f64, stressed: f64) -> RegimeModel {
    RegimeModel {
        transition: vec![vec![p00, 1.0 - p00], vec![1.0 - p11, p11]],
        mean: vec![0.0, 0.0],
        sigma: vec![calm, stressed],
        initial: vec![0.5, 0.5],
    }
}

#[test]
fn filter_and_smoother_match_a_hand_computation() {
    // P = [[0.9, 0.1], [0.2, 0.8]], sigma 1% and 3%, zero means, even start; returns +0.5%, -4%, +2%. Computed
    // apart from the formulas in the module documentation: Pr(stressed) filtered 0.271406, 0.994042, 0.884892;
    // smoothed 0.746269, 0.996314, 0.884892; log-likelihood 5.910817; next observation 0.719424.
    let model = two_state(0.9, 0.8, 0.01, 0.03);
    let filtered = model.filter(&[0.005, -0.04, 0.02]).unwrap();
    for (t, expected) in [0.27140592431629695, 0.994041959582144, 0.8848919441622484].iter().enumerate() {
        close(filtered.probabilities[t][1], *expected, 1e-12, "filtered");
    }
    close(filtered.log_likelihood, 5.910816717450873, 1e-10, "log-likelihood");
    let smoothed = model.smooth(&filtered);
    for (t, expected) in [0.7462690984750674, 0.9963143775157218, 0.8848919441622484].iter().enumerate() {
        close(smoothed[t][1], *expected, 1e-12, "smoothed");
    }
    close(model.step(&filtered.probabilities[2])[1], 0.7194243609135739, 1e-12, "prediction");
}

/// A simulated path of `n` returns from `model`, and its regimes.
fn simulate(model: &RegimeModel, n: usize, seed: u64) -> (Vec<f64>, Vec<usize>) {
    let mut rng = stream(seed, 0, 0);
    let mut regime = 0;
    let (mut returns, mut regimes) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let stay: f64 = rng.random();
        if stay >= model.transition[regime][regime] {
            regime = 1 - regime;
        }
        returns.push(model.mean[regime] + model.sigma[regime] * standard_normal(&mut rng));
        regimes.push(regime);
    }
    (returns, regimes)
}

#[test]
fn em_recovers_simulated_parameters() {
    let truth = two_state(0.98, 0.95, 0.01, 0.04);
    for seed in [1, 2, 3] {
        let (returns, regimes) = simulate(&truth, 6000, seed);
        let fit = fit(&returns, 2, 1e-8, 500).unwrap();
        let m = &fit.model;
        close(m.sigma[0] / 0.01, 1.0, 0.1, "calm sigma");
        close(m.sigma[1] / 0.04, 1.0, 0.1, "stressed sigma");
        close(m.transition[0][0], 0.98, 0.02, "calm persistence");
        close(m.transition[1][1], 0.95, 0.03, "stressed persistence");
        // The maximum likelihood is at least the likelihood of the truth.
        assert!(fit.log_likelihood >= truth.filter(&returns).unwrap().log_likelihood - 1e-6);
        // The smoothed regimes classify the path: over 95% of observations right.
        let smoothed = m.smooth(&m.filter(&returns).unwrap());
        let right = smoothed.iter().zip(&regimes).filter(|(p, s)| usize::from(p[1] > 0.5) == **s).count();
        assert!(right as f64 > 0.95 * returns.len() as f64, "seed {seed}: {right} right");
    }
}

#[test]
fn em_never_lowers_the_likelihood() {
    let (returns, _) = simulate(&two_state(0.97, 0.9, 0.01, 0.03), 1500, 9);
    let path: Vec<f64> = (0..8).map(|i| fit(&returns, 2, f64::NEG_INFINITY, i).unwrap().log_likelihood).collect();
    assert!(path.windows(2).all(|w| w[1] >= w[0] - 1e-9), "{path:?}");
}

fn last(filtered: &Filtered) -> &[f64] {
    filtered.probabilities.last().unwrap()
}

#[test]
fn the_mixture_var_follows_the_filtered_regime() {
    // One regime: the normal VaR, 2.326348 sigma at 99%, sqrt(h) over h observations; ES sigma phi(z) / 1%.
    let one = RegimeModel { transition: vec![vec![1.0]], mean: vec![0.0], sigma: vec![0.01], initial: vec![1.0] };
    let calm = one.filter(&[0.001; 20]).unwrap();
    let tail = one.tail(last(&calm), 1, 0.99, 1.0).unwrap();
    close(tail.var, 0.02326348, 1e-7, "normal VaR");
    close(tail.es, 0.02665214, 1e-7, "normal ES");
    close(one.tail(last(&calm), 4, 0.99, 1.0).unwrap().var, 0.04652696, 1e-7, "four observations");
    // A drift: a long's loss is the short's gain; the worse side is the short's when the mean is positive.
    let drift = RegimeModel { mean: vec![0.002], ..one.clone() };
    let (long, short) = (drift.tail(&[1.0], 1, 0.99, 1.0).unwrap(), drift.tail(&[1.0], 1, 0.99, -1.0).unwrap());
    close(long.var, 0.02126348, 1e-7, "long with drift");
    close(short.var, 0.02526348, 1e-7, "short with drift");
    assert_eq!(drift.worse_tail(&[1.0], 1, 0.99).unwrap(), short);
    // Two regimes: after a calm history near the calm regime's VaR, after a crash near the stressed one's.
    let model = two_state(0.98, 0.95, 0.01, 0.04);
    let var = |r: &[f64]| model.tail(last(&model.filter(r).unwrap()), 1, 0.99, 1.0).unwrap().var;
    let quiet = var(&[0.002, -0.004, 0.001, 0.003, -0.002, 0.0, 0.001]);
    let storm = var(&[0.002, -0.05, 0.06, -0.07, -0.04]);
    assert!(quiet > 0.0233 && quiet < 0.04, "quiet {quiet}");
    assert!(storm > 0.08 && storm < 0.0931, "storm {storm}");
}

#[test]
fn the_mixture_tail_matches_a_numerical_integral() {
    // Weights after one step from (0.7, 0.3): (0.7 x 0.98 + 0.3 x 0.05, 0.7 x 0.02 + 0.3 x 0.95) = (0.701, 0.299).
    let model = RegimeModel { mean: vec![0.001, -0.004], ..two_state(0.98, 0.95, 0.01, 0.04) };
    let tail = model.tail(&[0.7, 0.3], 4, 0.975, 1.0).unwrap();
    // The loss density, mixture of N(-4 mu_k, 4 sigma_k^2), integrated by the midpoint rule beyond the VaR.
    let (w, h) = ([0.701, 0.299], 4.0_f64);
    let density = |x: f64| -> f64 {
        (0..2)
            .map(|k| w[k] * normal_pdf((x + h * model.mean[k]) / (model.sigma[k] * 2.0)) / (model.sigma[k] * 2.0))
            .sum()
    };
    let (steps, top) = (400_000, 1.0);
    let dx = (top - tail.var) / f64::from(steps);
    let (mut mass, mut first) = (0.0, 0.0);
    for i in 0..steps {
        let x = tail.var + (f64::from(i) + 0.5) * dx;
        mass += density(x) * dx;
        first += x * density(x) * dx;
    }
    close(mass, 0.025, 1e-9, "tail mass beyond the VaR");
    close(first / mass, tail.es, 1e-9, "ES as the mean loss beyond the VaR");
    assert!(tail.es > tail.var && tail.var > 0.0);
}

#[test]
fn bad_models_and_data_are_errors() {
    let mut bad = two_state(0.9, 0.8, 0.01, 0.03);
    bad.transition[0] = vec![0.9, 0.2];
    assert!(matches!(bad.filter(&[0.0]), Err(RegimeError::Parameter { name: "transition", .. })));
    assert!(matches!(two_state(0.9, 0.8, 0.0, 0.03).validate(), Err(RegimeError::Parameter { .. })));
    assert!(matches!(fit(&[0.01, f64::NAN], 2, 1e-8, 10), Err(RegimeError::Data { .. })));
    assert!(matches!(fit(&[0.01; 5], 2, 1e-8, 10), Err(RegimeError::Data { needed: 20, found: 5 })));
    assert!(two_state(0.9, 0.8, 0.01, 0.03).tail(&[0.5, 0.5], 1, 1.5, 1.0).is_err());
    assert!(two_state(0.9, 0.8, 0.01, 0.03).tail(&[1.0], 1, 0.99, 1.0).is_err());
}
