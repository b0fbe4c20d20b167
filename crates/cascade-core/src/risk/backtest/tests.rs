#![allow(clippy::unwrap_used)]
use super::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn kupiec_and_the_basel_traffic_light_for_250_days_at_99_percent() {
    // BCBS (1996) table: cumulative probabilities 89.22% (4 exceptions), 95.88% (5), 99.97% (9), 99.99% (10).
    assert!(close(binomial_cdf(4, 250, 0.01), 0.8922, 5e-5));
    assert!(close(binomial_cdf(5, 250, 0.01), 0.9588, 5e-5));
    assert!(close(binomial_cdf(9, 250, 0.01), 0.9997, 5e-5));
    let zones: Vec<Zone> = (0..=11).map(|x| traffic_light(x, 250, 0.01)).collect();
    use Zone::*;
    assert_eq!(zones, vec![Green, Green, Green, Green, Green, Yellow, Yellow, Yellow, Yellow, Yellow, Red, Red]);
    // Kupiec: 2.5 expected; 2 or 3 exceptions are fine, 8 is rejected at 5%.
    assert!(kupiec_lr(3, 250, 0.01) < KUPIEC_CRITICAL_95);
    assert!(kupiec_lr(8, 250, 0.01) > KUPIEC_CRITICAL_95);
    // By hand for x = 0: -2 x 250 ln(0.99) = 5.0252; for x = 2: 0.1084.
    assert!(close(kupiec_lr(0, 250, 0.01), 5.025_167, 1e-5));
    assert!(close(kupiec_lr(2, 250, 0.01), 0.108_435, 1e-5));
}

#[test]
fn backtest_counts_exceptions_on_both_sides() {
    // Prices 100 -> 90 (-10%) -> 99 (+10%) -> 99: with a 5% margin one long and one short exception in 3.
    let b = backtest(&[100.0, 90.0, 99.0, 99.0], &[0.05; 4], 1, 0.01).unwrap();
    assert_eq!((b.observations, b.long_exceptions, b.short_exceptions), (3, 1, 1));
    assert!(b.kupiec_rejects);
    // With a 20% margin, none.
    let b = backtest(&[100.0, 90.0, 99.0, 99.0], &[0.2; 4], 1, 0.01).unwrap();
    assert_eq!((b.long_exceptions, b.short_exceptions, b.zone), (0, 0, Zone::Green));
    // Two-observation windows do not overlap: 100 -> 99 (-1%) is the one window of four prices.
    let b = backtest(&[100.0, 90.0, 99.0, 99.0], &[0.05; 4], 2, 0.01).unwrap();
    assert_eq!((b.observations, b.long_exceptions, b.short_exceptions), (1, 0, 0));
    // Five prices, windows 0 -> 2 and 2 -> 4: 100 -> 80 (a long's exception) and 80 -> 96 (a short's).
    let b = backtest(&[100.0, 95.0, 80.0, 90.0, 96.0], &[0.1; 5], 2, 0.01).unwrap();
    assert_eq!((b.observations, b.long_exceptions, b.short_exceptions), (2, 1, 1));
    assert!(backtest(&[100.0], &[0.05], 1, 0.01).is_none());
}

/// Prices flat but for a 10% fall after each observation in `falls`, against a 5% margin: one long exception per
/// fall.
fn clustering_of(falls: &[usize]) -> Clustering {
    let mut prices = vec![100.0];
    for t in 0..100 {
        let last = prices[t];
        prices.push(if falls.contains(&t) { last * 0.9 } else { last });
    }
    let mut counter = ExceptionCounter::new(1);
    for price in prices {
        counter.push(price, 0.05);
    }
    assert_eq!(counter.result(0.05).unwrap().long_exceptions, falls.len() as u64);
    counter.clustering(0.05).unwrap()
}

#[test]
fn christoffersen_rejects_clustered_exceptions_and_not_spread_ones() {
    // Hand-worked (computed apart from the formulas in the module documentation): 100 observations, 5 exceptions
    // at p = 5%. In a run at 40-44: n = [[93, 1], [1, 4]], LR_ind 23.519995, LR_cc 23.520525.
    let clustered = clustering_of(&[40, 41, 42, 43, 44]);
    assert_eq!(clustered.transitions, [[93, 1], [1, 4]]);
    assert!(close(clustered.independence_lr, 23.519994559910074, 1e-9));
    assert!(close(clustered.conditional_coverage_lr, 23.52052450476242, 1e-9));
    assert!(clustered.independence_rejects && clustered.conditional_coverage_rejects);
    assert!(clustered.rate_after_exception > 10.0 * clustered.rate_after_calm);
    // Spread at 10, 30, 50, 70, 90: n = [[89, 5], [5, 0]], LR_ind 0.532166, LR_cc 0.532696: not rejected.
    let spread = clustering_of(&[10, 30, 50, 70, 90]);
    assert_eq!(spread.transitions, [[89, 5], [5, 0]]);
    assert!(close(spread.independence_lr, 0.5321660054482322, 1e-9));
    assert!(close(spread.conditional_coverage_lr, 0.5326959503005781, 1e-9));
    assert!(!spread.independence_rejects && !spread.conditional_coverage_rejects);
    assert!(christoffersen([[0, 0], [0, 0]], 0.05).is_none());
}
