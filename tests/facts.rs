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
