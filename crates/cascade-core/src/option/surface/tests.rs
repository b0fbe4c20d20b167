use super::*;
use crate::option::{OptionKind, black76};

/// A crypto-like surface: 80% at the short end reverting to 60% over about five weeks, a put skew.
const BTC: Surface = Surface { short_vol: 0.8, long_vol: 0.6, term_decay: 0.1, rho: -0.4, eta: 1.2, gamma: 0.5 };

fn close(found: f64, expected: f64, tolerance: f64, what: &str) {
    assert!((found - expected).abs() <= tolerance, "{what}: {found} against {expected}");
}

#[test]
fn ssvi_matches_a_hand_computation() {
    // 45 days, strike 85 on a forward of 100, computed apart from the formulas in the module documentation:
    // theta = 0.06422287920, w = 0.08881343747, sigma = 0.84874946803.
    let t = 45.0 / 365.0;
    close(BTC.atm_total_variance(t), 0.06422287920371753, 1e-13, "theta");
    close(BTC.total_variance(libm::log(0.85), t), 0.08881343746939772, 1e-13, "w");
    close(BTC.vol(100.0, 85.0, t).unwrap(), 0.848749468025756, 1e-12, "sigma");
    // At the money the total variance is theta whatever the skew and smile.
    close(BTC.total_variance(0.0, t), BTC.atm_total_variance(t), 1e-15, "atm");
}

#[test]
fn term_structure_runs_from_the_short_to_the_long_level() {
    close(BTC.vol(100.0, 100.0, 1e-6).unwrap(), 0.8, 1e-4, "short end");
    close(BTC.vol(100.0, 100.0, 30.0).unwrap(), 0.6, 0.01, "long end");
    let curve: Vec<f64> = [0.01, 0.1, 0.5, 2.0].iter().map(|&t| BTC.vol(100.0, 100.0, t).unwrap()).collect();
    assert!(curve.windows(2).all(|w| w[1] < w[0]), "a falling term structure: {curve:?}");
    // A put skew: lower strikes carry more volatility.
    assert!(BTC.vol(100.0, 80.0, 0.1).unwrap() > BTC.vol(100.0, 120.0, 0.1).unwrap());
}

/// Call prices convex in strike (no butterfly arbitrage) and rising with expiry at a fixed log-moneyness (no
/// calendar arbitrage), r = 0.
fn assert_arbitrage_free(surface: &Surface) {
    surface.validate().unwrap();
    let call = |strike: f64, t: f64| {
        black76(OptionKind::Call, 100.0, strike, surface.vol(100.0, strike, t).unwrap(), t, 0.0).unwrap().price
    };
    for t in [1.0 / 365.0, 7.0 / 365.0, 0.1, 0.5, 2.0] {
        for i in 1..80 {
            let strike = 20.0 + 4.0 * f64::from(i);
            let fly = call(strike - 2.0, t) - 2.0 * call(strike, t) + call(strike + 2.0, t);
            assert!(fly >= -1e-9, "butterfly at K={strike} t={t}: {fly} ({surface:?})");
        }
    }
    for k in [-1.0, -0.3, 0.0, 0.3, 1.0] {
        let w: Vec<f64> = [0.01, 0.05, 0.2, 1.0, 3.0].iter().map(|&t| surface.total_variance(k, t)).collect();
        assert!(w.windows(2).all(|p| p[1] > p[0]), "calendar at k={k}: {w:?}");
    }
}

#[test]
fn surfaces_and_their_shocks_are_free_of_static_arbitrage() {
    assert_arbitrage_free(&BTC);
    // At the bound eta (1 + |rho|) = 2.
    assert_arbitrage_free(&Surface { rho: -0.6, eta: 1.25, ..BTC });
    assert_arbitrage_free(&BTC.shifted(0.3));
    assert_arbitrage_free(&BTC.skew_steepened(2.0));
    assert_arbitrage_free(&BTC.term_inverted(0.7));
    assert_arbitrage_free(&BTC.with_realized(1.5, 1.0));
}

#[test]
fn shocks_move_the_surface_their_way() {
    let vol = |s: &Surface, strike: f64| s.vol(100.0, strike, 0.1).unwrap();
    let shifted = BTC.shifted(0.1);
    for strike in [70.0, 100.0, 140.0] {
        assert!(vol(&shifted, strike) > vol(&BTC, strike) + 0.05, "shift at {strike}");
    }
    let skew = |s: &Surface| vol(s, 80.0) - vol(s, 120.0);
    let steeper = BTC.skew_steepened(0.2);
    assert!(skew(&steeper) > skew(&BTC) + 0.01, "steepening: {} against {}", skew(&steeper), skew(&BTC));
    close(steeper.rho, -0.6, 1e-12, "rho");
    // The no-arbitrage bound caps it: eta 1.2 allows |rho| up to 2 / 1.2 - 1 = 0.6667.
    close(BTC.skew_steepened(5.0).rho, -(2.0 / 1.2 - 1.0), 1e-12, "capped rho");
    let inverted = BTC.term_inverted(0.5);
    assert!(inverted.vol(100.0, 100.0, 1.0 / 365.0).unwrap() > 1.2);
    close(inverted.vol(100.0, 100.0, 50.0).unwrap(), BTC.vol(100.0, 100.0, 50.0).unwrap(), 0.01, "long end held");
    assert!(vol(&BTC.with_realized(1.2, 0.5), 100.0) > vol(&BTC, 100.0));
    assert!(vol(&BTC.with_realized(0.3, 0.5), 100.0) < vol(&BTC, 100.0));
    close(BTC.with_realized(1.2, 1.0).short_vol, 1.2, 1e-12, "all the way");
}

#[test]
fn bad_parameters_are_refused() {
    for bad in [
        Surface { eta: 1.8, ..BTC },
        Surface { rho: 1.0, ..BTC },
        Surface { gamma: 0.7, ..BTC },
        Surface { short_vol: f64::NAN, ..BTC },
        Surface { term_decay: 0.0, ..BTC },
    ] {
        assert!(bad.validate().is_err(), "{bad:?}");
    }
    assert!(BTC.vol(100.0, -5.0, 0.1).is_err());
}
