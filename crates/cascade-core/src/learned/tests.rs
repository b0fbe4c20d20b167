use super::*;
use crate::rng::{standard_normal, stream};
use rand::RngExt;

/// Samples whose conditional quantile is known: `y = |sigma e|`, `sigma` uniform in [0.5, 2] as feature 0, `e`
/// standard normal, the other features pure noise. The `tau`-quantile of `y` given `sigma` is `sigma
/// Phi^-1((1 + tau) / 2)`.
fn samples(n: usize, seed: u64) -> (Vec<[f64; FEATURES]>, Vec<f64>) {
    let mut rng = stream(seed, 7, 0);
    let mut xs = Vec::with_capacity(n);
    let mut ys = Vec::with_capacity(n);
    for _ in 0..n {
        let mut x = [0.0; FEATURES];
        x[0] = 0.5 + 1.5 * rng.random::<f64>();
        for v in x.iter_mut().skip(1).take(4) {
            *v = standard_normal(&mut rng);
        }
        ys.push((x[0] * standard_normal(&mut rng)).abs());
        xs.push(x);
    }
    (xs, ys)
}

fn coverage(model: &QuantileModel, xs: &[[f64; FEATURES]], ys: &[f64], keep: impl Fn(&[f64; FEATURES]) -> bool) -> f64 {
    let kept: Vec<bool> = xs.iter().zip(ys).filter(|(x, _)| keep(x)).map(|(x, y)| *y <= model.predict(x)).collect();
    kept.iter().filter(|c| **c).count() as f64 / kept.len() as f64
}

#[test]
fn the_fit_recovers_a_known_conditional_quantile() {
    for (tau, seed) in [(0.9, 1), (0.95, 2), (0.99, 3)] {
        let (xs, ys) = samples(20_000, seed);
        let model = QuantileModel::fit(&xs, &ys, tau).unwrap();
        // Out of sample: overall coverage within 1 point (the sampling error of 20,000 draws is under 0.25 points
        // at 90%), and within 2 points in the calmest and the wildest third: a model blind to sigma would cover
        // nearly all of the calm third and far too little of the wild one.
        let (test_x, test_y) = samples(20_000, seed + 100);
        let all = coverage(&model, &test_x, &test_y, |_| true);
        let calm = coverage(&model, &test_x, &test_y, |x| x[0] < 1.0);
        let wild = coverage(&model, &test_x, &test_y, |x| x[0] > 1.5);
        assert!((all - tau).abs() < 0.01, "tau {tau}: coverage {all}");
        assert!((calm - tau).abs() < 0.02 && (wild - tau).abs() < 0.02, "tau {tau}: calm {calm}, wild {wild}");
        // The slope on sigma, back in the feature's units, is Phi^-1((1 + tau) / 2) within 8% (its standard error
        // at this sample size, from Koenker's asymptotic variance, is 2% at 90% and 3% at 99%); noise features
        // carry little weight, and unused (constant) ones none.
        let slope = model.coefficients[1] / model.scale[0];
        let exact = crate::risk::normal_quantile(0.5 + tau / 2.0);
        assert!((slope / exact - 1.0).abs() < 0.08, "tau {tau}: slope {slope} against {exact}");
        assert!(model.coefficients[2..6].iter().all(|c| c.abs() < 0.1 * model.coefficients[1].abs()), "{model:?}");
        assert!(model.coefficients[6..].iter().all(|c| *c == 0.0) && model.scale[5..].iter().all(|s| *s == 0.0));
    }
}

#[test]
fn the_fit_lowers_the_pinball_loss_below_least_squares() {
    let (xs, ys) = samples(2_000, 9);
    let model = QuantileModel::fit(&xs, &ys, 0.95).unwrap();
    let ols = weighted_least_squares(
        &xs.iter().map(|x| model.design(x)).collect::<Vec<_>>(),
        &ys,
        &vec![1.0; ys.len()],
        &model.scale,
    )
    .unwrap();
    let loss = |c: &[f64; FEATURES + 1]| -> f64 {
        xs.iter().zip(&ys).map(|(x, y)| pinball(y - dot(c, &model.design(x)), 0.95)).sum()
    };
    assert!(loss(&model.coefficients) < 0.8 * loss(&ols), "{} against {}", loss(&model.coefficients), loss(&ols));
}

#[test]
fn bad_inputs_are_errors() {
    let (xs, ys) = samples(100, 4);
    assert_eq!(QuantileModel::fit(&xs, &ys, 1.0), Err(LearnedError::Quantile(1.0)));
    assert_eq!(QuantileModel::fit(&xs[..10], &ys[..10], 0.9), Err(LearnedError::Data { needed: 50, found: 10 }));
    let mut bad = ys.clone();
    bad[3] = f64::NAN;
    assert!(matches!(QuantileModel::fit(&xs, &bad, 0.9), Err(LearnedError::Data { found: 99, .. })));
    assert!((pinball(2.0, 0.9) - 1.8).abs() < 1e-15 && (pinball(-2.0, 0.9) - 0.2).abs() < 1e-15);
}

/// Returns that switch between a calm (0.1% a tick) and a stressed (0.5%) regime, each lasting about 300 ticks.
fn regime_returns(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = stream(seed, 8, 0);
    let mut stressed = false;
    (0..n)
        .map(|_| {
            if rng.random::<f64>() < 1.0 / 300.0 {
                stressed = !stressed;
            }
            (if stressed { 0.005 } else { 0.001 }) * standard_normal(&mut rng)
        })
        .collect()
}

#[test]
fn the_learner_forecasts_calibrated_quantiles_online() {
    // One-step and ten-step horizons at 95%, on a series whose volatility switches: after the warm-up, the share of
    // horizons whose absolute return exceeds the forecast made before them is within 1.5 points of 5%, in the
    // calm and the stressed regime alike (a constant quantile would be exceeded far more often in the stressed one).
    for (horizon, seed) in [(1_u32, 11), (10, 12)] {
        let returns = regime_returns(12_000, seed);
        let mut learner = Learner::new(0.95, horizon, 2_000, 50, 500);
        let view = VenueView { depth_1pct: 1e6, spread: Some(1e-4), open_interest: 100.0, ..VenueView::default() };
        let forecasts: Vec<Option<f64>> = returns.iter().map(|r| learner.observe(*r, &view)).collect();
        let h = horizon as usize;
        assert!(forecasts[..499 + h].iter().all(Option::is_none), "no forecast before the warm-up");
        assert!(forecasts[499 + h].is_some(), "a forecast once 500 pairs are in");
        let mut hits = [(0, 0); 2];
        for t in 3_000..returns.len() - h {
            let realized: f64 = returns[t + 1..=t + h].iter().sum::<f64>().abs();
            let stressed = usize::from(returns[t + 1 - 30..=t].iter().map(|r| r * r).sum::<f64>() > 30.0 * 4e-6);
            hits[stressed].0 += usize::from(realized > forecasts[t].unwrap());
            hits[stressed].1 += 1;
        }
        for (regime, (exceeded, total)) in hits.iter().enumerate() {
            let rate = *exceeded as f64 / *total as f64;
            assert!((rate - 0.05).abs() < 0.015, "horizon {horizon}, regime {regime}: {exceeded} of {total}");
        }
    }
}

#[test]
fn the_model_never_extrapolates() {
    // Feature 3 (depth) carries an effect: y = |sigma e| + 0.1 depth, depth uniform in [0, 1].
    let (mut xs, mut ys) = samples(5_000, 21);
    let mut rng = stream(22, 7, 0);
    for (x, y) in xs.iter_mut().zip(ys.iter_mut()) {
        x[3] = rng.random::<f64>();
        *y += 0.1 * x[3];
    }
    let model = QuantileModel::fit(&xs, &ys, 0.9).unwrap();
    let at = |sigma: f64, depth: f64| {
        let mut x = [0.0; FEATURES];
        x[0] = sigma;
        x[3] = depth;
        model.predict(&x)
    };
    assert!(at(1.0, 1.0) > at(1.0, 0.0), "the depth effect is learned");
    assert!(at(2.0, 0.5) > at(1.0, 0.5), "and the sigma effect");
    // Beyond a feature's range in the window, the forecast is the one at the range's edge, and it stays within the
    // range of the fit's own values.
    assert_eq!(at(1.0, 50.0), at(1.0, model.high[3]));
    assert_eq!(at(-3.0, 0.5), at(model.low[0], 0.5));
    assert_eq!(at(80.0, 80.0), at(model.high[0], model.high[3]).min(model.fitted.1));
    let (low, high) = model.fitted;
    assert!(low > 0.0 && high > low);
    assert!([at(80.0, -9.0), at(-9.0, 80.0), at(80.0, 80.0)].iter().all(|q| (low..=high).contains(q)));
}
