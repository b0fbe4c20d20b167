//! `cascade facts` as a user runs it: on a run's directory and on a CSV of real prices (the same code), as text
//! and as JSON; bad input gets a located error.

use crate::util::{cascade, stderr, stdout};
use std::path::Path;

fn asset() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/data/coinbase-btcusd-1h-2018-01.csv")
}

#[test]
fn facts_of_a_run_and_of_a_real_series_are_measured_alike() {
    let dir = tempfile::tempdir().unwrap();
    let run = cascade(dir.path(), &["run", "calm", "--ticks", "600", "--out", "calm", "-q"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let text = cascade(dir.path(), &["facts", "calm", "--interval", "1", "--interval", "5"]);
    assert!(text.status.success(), "{}", stderr(&text));
    let out = stdout(&text);
    for expected in
        ["interval 1 (599 returns", "interval 5 (119 returns", "excess kurtosis", "Cont 2001", "volume-volatility"]
    {
        assert!(out.contains(expected), "{expected:?} in:\n{out}");
    }
    // The shipped Coinbase hours, as JSON: 648 closes, 647 hourly returns; BTC in January 2018 was heavy-tailed.
    let real = cascade(dir.path(), &["facts", asset().to_str().unwrap(), "--interval", "1", "--json"]);
    assert!(real.status.success(), "{}", stderr(&real));
    let json: serde_json::Value = serde_json::from_str(&stdout(&real)).unwrap();
    assert_eq!(json["prices"], 648);
    let facts = &json["facts"][0];
    assert_eq!(facts["returns"], 647);
    assert!(facts["excess_kurtosis"].as_f64().unwrap() > 1.0, "{facts:#}");
    assert!(facts["volume_volatility"].is_null(), "no volume column: not measured");
    assert_eq!(facts["acf_returns"].as_array().unwrap().len(), 20);
    let checks = json["checks"].as_array().unwrap();
    assert!(checks.iter().any(|c| c["figure"] == "excess kurtosis" && c["holds"].is_boolean()));
}

#[test]
fn bad_price_files_get_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.csv"), "time,price\n1,100\n2,abc\n").unwrap();
    let bad = cascade(dir.path(), &["facts", "p.csv"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("p.csv:3: `abc` is not a number"), "{}", stderr(&bad));
    let none = cascade(dir.path(), &["facts", "p.csv", "--column", "close"]);
    assert!(stderr(&none).contains("p.csv: no column `close`"), "{}", stderr(&none));
    std::fs::write(dir.path().join("short.csv"), "price\n1\n2\n3\n").unwrap();
    let short = cascade(dir.path(), &["facts", "short.csv"]);
    assert!(stderr(&short).contains("fewer than 30 returns"), "{}", stderr(&short));
    let zero = cascade(dir.path(), &["facts", "short.csv", "--interval", "0"]);
    assert!(stderr(&zero).contains("--interval must be at least 1"), "{}", stderr(&zero));
}

fn json_facts(dir: &Path, run: &str, intervals: &[&str]) -> serde_json::Value {
    let mut args = vec!["facts", run, "--json"];
    for i in intervals {
        args.extend(["--interval", i]);
    }
    let out = cascade(dir, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn numbers(value: &serde_json::Value) -> Vec<f64> {
    value.as_array().unwrap().iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect()
}

/// The shipped calm market passes the stylized facts on five seeds (docs/validation.md), each a week of one-minute
/// ticks (10,079 returns: the 95% band of one autocorrelation is +-0.020). At the tick interval, on every seed: no
/// autocorrelation of returns beyond +-0.05 at lags 1-10, excess kurtosis above 3, Hill indices of both tails in
/// [2, 5], volatility clustering (mean autocorrelation of absolute returns over lags 1-10 above 0.1, still positive at
/// lags 20 and 50, decaying as a power law slower than 1/lag), and kurtosis lower at an hour than at a tick. At ten
/// ticks (1,007 returns a seed, a band of +-0.062 that volatility clustering widens further) one seed's estimate
/// says little, so the seeds' mean autocorrelation is held to +-0.05 at lags 1-10.
#[test]
fn the_calm_market_has_the_stylized_facts_of_a_real_one_on_five_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let mut coarse = vec![0.0; 10];
    for seed in 1..=5 {
        let out_dir = format!("calm-{seed}");
        let run = cascade(dir.path(), &["run", "calm", "--seed", &seed.to_string(), "--out", &out_dir, "-q"]);
        assert!(run.status.success(), "{}", stderr(&run));
        let json = json_facts(dir.path(), &out_dir, &["1", "10", "60"]);
        let (tick, ten, hour) = (&json["facts"][0], &json["facts"][1], &json["facts"][2]);
        let figure = |f: &serde_json::Value, name: &str| f[name].as_f64().unwrap_or(f64::NAN);
        assert_eq!(tick["returns"], 10_079);
        let acf = numbers(&tick["acf_returns"]);
        assert!(acf[..10].iter().all(|a| a.abs() <= 0.05), "seed {seed}: autocorrelation {acf:?}");
        let kurtosis = figure(tick, "excess_kurtosis");
        assert!(kurtosis > 3.0, "seed {seed}: excess kurtosis {kurtosis}");
        for tail in ["hill_loss_tail", "hill_gain_tail"] {
            let hill = figure(tick, tail);
            assert!((2.0..=5.0).contains(&hill), "seed {seed}: {tail} {hill}");
        }
        let abs = numbers(&tick["acf_abs"]);
        let mean: f64 = abs[..10].iter().sum::<f64>() / 10.0;
        assert!(mean > 0.1 && abs[19] > 0.0 && abs[49] > 0.0, "seed {seed}: clustering {abs:?}");
        let decay = figure(tick, "acf_abs_decay");
        assert!(decay > 0.0 && decay < 1.0, "seed {seed}: decay exponent {decay}");
        assert!(figure(hour, "excess_kurtosis") < kurtosis, "seed {seed}: kurtosis falls from a tick to an hour");
        for (sum, a) in coarse.iter_mut().zip(numbers(&ten["acf_returns"])) {
            *sum += a / 5.0;
        }
    }
    assert!(coarse.iter().all(|a| a.abs() <= 0.05), "mean autocorrelation at ten ticks {coarse:?}");
}
