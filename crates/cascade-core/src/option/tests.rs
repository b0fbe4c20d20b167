use super::*;

fn close(found: f64, expected: f64, tolerance: f64, what: &str) {
    assert!((found - expected).abs() <= tolerance, "{what}: {found} against {expected} (+-{tolerance})");
}

#[test]
fn black76_gives_hulls_futures_put() {
    // Hull, Options, Futures and Other Derivatives (8th ed.), Example 18.8: F = K = 20, r = 9%, 4 months,
    // sigma = 25%: the European put is worth 1.12.
    let put = black76(OptionKind::Put, 20.0, 20.0, 0.25, 4.0 / 12.0, 0.09).unwrap();
    close(put.price, 1.12, 0.005, "put");
    // Put-call parity on the forward: c - p = exp(-r t) (F - K), here 0.
    let call = black76(OptionKind::Call, 20.0, 20.0, 0.25, 4.0 / 12.0, 0.09).unwrap();
    close(call.price - put.price, 0.0, 1e-12, "parity at the money");
    let (c, p) =
        (black76(OptionKind::Call, 25.0, 20.0, 0.25, 0.5, 0.03), black76(OptionKind::Put, 25.0, 20.0, 0.25, 0.5, 0.03));
    close(c.unwrap().price - p.unwrap().price, libm::exp(-0.015) * 5.0, 1e-12, "parity in the money");
}

#[test]
fn black_scholes_gives_hulls_prices_and_greeks() {
    // Hull, Example 15.6: S = 42, K = 40, r = 10%, sigma = 20%, six months: c = 4.76, p = 0.81.
    close(black_scholes(OptionKind::Call, 42.0, 40.0, 0.2, 0.5, 0.1).unwrap().price, 4.76, 0.005, "call");
    close(black_scholes(OptionKind::Put, 42.0, 40.0, 0.2, 0.5, 0.1).unwrap().price, 0.81, 0.005, "put");
    // Hull, Table 19.1 / Examples 19.1, 19.4, 19.6, 19.7: S = 49, K = 50, r = 5%, sigma = 20%, 20 weeks: delta
    // 0.522, gamma 0.066, vega 12.1 (per 1.00 of volatility), theta -4.31 per year.
    let g = black_scholes(OptionKind::Call, 49.0, 50.0, 0.2, 20.0 / 52.0, 0.05).unwrap();
    close(g.delta, 0.522, 0.0005, "delta");
    close(g.gamma, 0.066, 0.0005, "gamma");
    close(g.vega, 12.1, 0.05, "vega");
    close(g.theta, -4.31, 0.005, "theta");
    // A put's delta is the call's less one; gamma and vega are the same.
    let p = black_scholes(OptionKind::Put, 49.0, 50.0, 0.2, 20.0 / 52.0, 0.05).unwrap();
    close(p.delta, g.delta - 1.0, 1e-12, "put delta");
    close(p.gamma, g.gamma, 1e-15, "put gamma");
}

#[test]
fn black_scholes_is_black76_on_the_forward() {
    let (s, k, sigma, t, r) = (100.0, 110.0, 0.6, 0.25, 0.04);
    let spot = black_scholes(OptionKind::Call, s, k, sigma, t, r).unwrap();
    let forward = black76(OptionKind::Call, s * libm::exp(r * t), k, sigma, t, r).unwrap();
    close(spot.price, forward.price, 1e-12, "price");
    close(spot.vega, forward.vega, 1e-12, "vega");
}

#[test]
fn every_greek_is_the_derivative_of_the_price() {
    for kind in [OptionKind::Call, OptionKind::Put] {
        for (f, k, sigma, t, r) in [(100.0, 90.0, 0.8, 0.1, 0.02), (30_000.0, 33_000.0, 0.55, 7.0 / 365.0, 0.0)] {
            let g = black76(kind, f, k, sigma, t, r).unwrap();
            let at = |f: f64, sigma: f64, t: f64| black76(kind, f, k, sigma, t, r).unwrap();
            let (h, v, d) = (f * 1e-4, 1e-4, t * 1e-4);
            let what = |name: &str| format!("{kind:?} F={f} K={k}: {name}");
            let scale = |x: f64| 1e-5 * x.abs().max(1e-3 * f);
            close(g.delta, (at(f + h, sigma, t).price - at(f - h, sigma, t).price) / (2.0 * h), 1e-6, &what("delta"));
            let gamma = (at(f + h, sigma, t).delta - at(f - h, sigma, t).delta) / (2.0 * h);
            close(g.gamma, gamma, 1e-5 * g.gamma.abs() + 1e-12, &what("gamma"));
            close(
                g.vega,
                (at(f, sigma + v, t).price - at(f, sigma - v, t).price) / (2.0 * v),
                scale(g.vega),
                &what("vega"),
            );
            let vanna = (at(f, sigma + v, t).delta - at(f, sigma - v, t).delta) / (2.0 * v);
            close(g.vanna, vanna, 1e-5 * g.vanna.abs() + 1e-9, &what("vanna"));
            let volga = (at(f, sigma + v, t).vega - at(f, sigma - v, t).vega) / (2.0 * v);
            close(g.volga, volga, 1e-4 * g.volga.abs() + 1e-6 * f, &what("volga"));
            // Theta: calendar time passing is expiry shrinking.
            let theta = -(at(f, sigma, t + d).price - at(f, sigma, t - d).price) / (2.0 * d);
            close(g.theta, theta, scale(g.theta), &what("theta"));
        }
    }
}

#[test]
fn inputs_out_of_their_domain_are_errors_not_nan() {
    let err = black76(OptionKind::Call, 100.0, 100.0, 0.0, 1.0, 0.0).unwrap_err();
    assert_eq!(err.to_string(), "volatility: expected a positive finite number, found 0");
    assert!(black76(OptionKind::Call, 100.0, 100.0, 0.2, -1.0, 0.0).is_err(), "past expiry");
    assert!(black76(OptionKind::Put, f64::NAN, 100.0, 0.2, 1.0, 0.0).is_err());
    assert!(black_scholes(OptionKind::Put, 100.0, 100.0, 0.2, 1.0, f64::INFINITY).is_err());
    close(normal_cdf(0.0), 0.5, 0.0, "N(0)");
    close(normal_cdf(1.959963984540054), 0.975, 1e-15, "N(1.96)");
}

#[test]
fn implied_vol_gives_hulls_example() {
    // Hull, Options, Futures and Other Derivatives (8th ed.), Section 15.11: a call worth 1.875 with S = 21,
    // K = 20, r = 10%, three months has an implied volatility of 0.235.
    let sigma = implied_vol_spot(OptionKind::Call, 1.875, 21.0, 20.0, 0.25, 0.1).unwrap();
    close(sigma, 0.235, 0.0005, "implied volatility");
    // And the price at that volatility is the price asked for, to the solver's precision.
    close(black_scholes(OptionKind::Call, 21.0, 20.0, sigma, 0.25, 0.1).unwrap().price, 1.875, 1e-12, "reprice");
}

#[test]
fn implied_vol_round_trips_over_wings_and_short_expiries() {
    let hour = 1.0 / (365.0 * 24.0);
    let mut checked = 0;
    for kind in [OptionKind::Call, OptionKind::Put] {
        for strike in [30.0, 50.0, 80.0, 95.0, 100.0, 105.0, 125.0, 200.0, 330.0] {
            for sigma in [0.05, 0.2, 0.8, 2.5] {
                for t in [hour, 1.0 / 365.0, 0.25, 3.0] {
                    let price = black76(kind, 100.0, strike, sigma, t, 0.04).unwrap().price;
                    let intrinsic =
                        libm::exp(-0.04 * t) * if kind == OptionKind::Call { 100.0 - strike } else { strike - 100.0 };
                    // A premium whose time value is lost in the rounding of the intrinsic value, or that underflows,
                    // carries no volatility: those are the error case below.
                    if price < 1e-250 || price - intrinsic.max(0.0) < 1e-9 * price {
                        continue;
                    }
                    let found = implied_vol(kind, price, 100.0, strike, t, 0.04).unwrap();
                    close(found / sigma, 1.0, 1e-6, &format!("{kind:?} K={strike} sigma={sigma} t={t}"));
                    checked += 1;
                }
            }
        }
    }
    // Most of the grid carries a volatility, the deep wings at one hour included.
    assert!(checked > 150, "{checked} points checked");
    let wing = black76(OptionKind::Put, 100.0, 80.0, 0.8, hour, 0.0).unwrap().price;
    assert!(wing < 1e-100 && wing > 0.0);
    close(implied_vol(OptionKind::Put, wing, 100.0, 80.0, hour, 0.0).unwrap(), 0.8, 1e-9, "deep wing at one hour");
}

#[test]
fn implied_vol_says_when_no_volatility_fits() {
    // A call on F = 100, K = 90 is worth at least its intrinsic value 10 and at most the forward 100 (r = 0).
    for price in [9.5, 10.0, 100.0, 120.0] {
        match implied_vol(OptionKind::Call, price, 100.0, 90.0, 0.5, 0.0) {
            Err(OptionError::NoVolatility { lower, upper, .. }) => {
                close(lower, 10.0, 1e-12, "lower");
                close(upper, 100.0, 1e-12, "upper");
            }
            other => panic!("price {price}: {other:?}"),
        }
    }
    // A put's upper bound is the discounted strike.
    let err = implied_vol(OptionKind::Put, 96.0, 100.0, 100.0, 1.0, 0.05).unwrap_err();
    assert!(matches!(err, OptionError::NoVolatility { upper, .. } if (upper - 100.0 * libm::exp(-0.05)).abs() < 1e-9));
    assert!(err.to_string().contains("no volatility gives a price of 96"), "{err}");
    for (price, forward) in [(f64::NAN, 100.0), (1.0, -5.0), (f64::INFINITY, 100.0)] {
        assert!(matches!(
            implied_vol(OptionKind::Call, price, forward, 100.0, 1.0, 0.0),
            Err(OptionError::Input { .. })
        ));
    }
}
