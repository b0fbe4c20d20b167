//! The option calculators, `cascade greeks` and `cascade iv`, against textbook values.

use crate::util::{cascade, stderr, stdout};

#[test]
fn greeks_match_hulls_worked_example_and_refuse_bad_inputs() {
    let dir = tempfile::tempdir().unwrap();
    // Hull, Options, Futures and Other Derivatives, Examples 19.1-19.7: S = 49, K = 50, r = 5%, sigma = 20%,
    // 20 weeks: delta 0.522, gamma 0.066, vega 12.1 per 1.00 of volatility, theta -4.31 per year.
    let args = ["greeks", "--type", "call", "--underlying", "49", "--strike", "50", "--vol", "0.2"];
    let spot = [&args[..], &["--expiry", "0.3846153846", "--rate", "0.05", "--model", "spot", "--json"]].concat();
    let out = cascade(dir.path(), &spot);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let g = &json["greeks"];
    let near = |field: &str, expected: f64, tolerance: f64| {
        let found = g[field].as_f64().unwrap();
        assert!((found - expected).abs() <= tolerance, "{field}: {found} against {expected}");
    };
    near("delta", 0.522, 0.0005);
    near("gamma", 0.066, 0.0005);
    near("vega", 12.1, 0.05);
    near("theta", -4.31, 0.005);
    assert_eq!(json["conventions"]["vega"], "per 1.00 of volatility");
    // On the forward (default), text: a put's price is on the first line.
    let text = cascade(
        dir.path(),
        &[
            "greeks",
            "--type",
            "put",
            "--underlying",
            "20",
            "--strike",
            "20",
            "--vol",
            "0.25",
            "--expiry",
            "0.3333333333",
            "--rate",
            "0.09",
        ],
    );
    assert!(stdout(&text).starts_with("price        1.116"), "{}", stdout(&text));
    let bad = cascade(dir.path(), &[&args[..], &["--expiry", "0"]].concat());
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("expiry: expected a positive finite number, found 0"), "{}", stderr(&bad));
}

#[test]
fn iv_inverts_hulls_example_and_says_when_no_volatility_fits() {
    let dir = tempfile::tempdir().unwrap();
    // Hull, Section 15.11: a call worth 1.875 with S = 21, K = 20, r = 10%, three months: sigma = 0.235.
    let args = ["iv", "--type", "call", "--underlying", "21", "--strike", "20", "--expiry", "0.25", "--rate", "0.1"];
    let out = cascade(dir.path(), &[&args[..], &["--price", "1.875", "--model", "spot", "--json"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let sigma = json["implied_vol"].as_f64().unwrap();
    assert!((sigma - 0.235).abs() < 0.0005, "{sigma}");
    // On the forward 21 the same call is worth at least its discounted intrinsic value, 0.975: 0.9 is no price.
    let below = cascade(dir.path(), &[&args[..], &["--price", "0.9"]].concat());
    assert!(!below.status.success());
    assert!(stderr(&below).contains("no volatility gives a price of 0.9"), "{}", stderr(&below));
}

#[test]
fn pm_matches_the_hand_worked_deribit_book_and_reads_a_grid_file() {
    let dir = tempfile::tempdir().unwrap();
    // The book of cascade-core's hand enumeration: short a 10-day 90 put at 60%, long a 60-day 110 call at 55%,
    // short 0.4 of the perpetual, on 100: initial 22.160246, maintenance 17.728197.
    let book = ["pm", "--underlying", "100", "--option", "put,90,10,0.6,-1", "--option", "call,110,60,0.55,1"];
    let out = cascade(dir.path(), &[&book[..], &["--linear", "-0.4", "--json"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let initial = json["margin"]["initial"].as_f64().unwrap();
    assert!((initial - 22.160245978839438).abs() < 1e-9, "{initial}");
    assert_eq!(json["margin"]["worst"]["price_move"], -0.66);
    // A grid of one's own, in RON: SPAN-like, a 10% range; one unit long loses 10.
    let grid = "(price_moves: [-0.1, 0.0, 0.1], vol_moves: [0.25, -0.25], vol_scaling: (pivot_days: 30, \
                short_power: 0, long_power: 0, floor_days: 1), maintenance_ratio: 1.0)";
    std::fs::write(dir.path().join("grid.ron"), grid).unwrap();
    let own = cascade(dir.path(), &["pm", "--grid", "grid.ron", "--underlying", "100", "--linear", "1"]);
    assert!(stdout(&own).contains("initial         10.000000"), "{}{}", stdout(&own), stderr(&own));
    // A misspelt field is located in the file; a malformed leg says what it expects.
    std::fs::write(dir.path().join("bad.ron"), grid.replace("vol_moves", "vol_move")).unwrap();
    let bad = cascade(dir.path(), &["pm", "--grid", "bad.ron", "--underlying", "100", "--linear", "1"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("bad.ron:1:"), "{}", stderr(&bad));
    let leg = cascade(dir.path(), &["pm", "--underlying", "100", "--option", "put,90,10,0.6"]);
    assert!(stderr(&leg).contains("expected TYPE,STRIKE,DAYS,VOL,QUANTITY"), "{}", stderr(&leg));
}
