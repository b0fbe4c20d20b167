//! `cascade compare` and `cascade run --margin`: the same stress under several margin rules.

use crate::util::{cascade, stderr, stdout};
use std::fs;

#[test]
fn compare_runs_each_scenario_under_each_margin_and_writes_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "compare",
        "default",
        "calm",
        "--margin",
        "scenario",
        "--margin",
        "binance-btcusdt",
        "--margin",
        "ccp-apc",
        "--ticks",
        "120",
        "--out",
        "cmp",
        "--jobs",
        "2",
        "--keep-runs",
    ];
    let out = cascade(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("binance-btcusdt"), "{}", stdout(&out));
    let mut table = csv::Reader::from_path(dir.path().join("cmp/comparison.csv")).unwrap();
    let header: Vec<String> = table.headers().unwrap().iter().map(str::to_owned).collect();
    for column in [
        "bad_debt",
        "insurance_fund_drawdown",
        "liquidated_notional",
        "accounts_liquidated",
        "margin_locked_mean",
        "margin_locked_peak",
        "backtest_zone",
    ] {
        assert!(header.iter().any(|h| h == column), "no column {column} in {header:?}");
    }
    let rows: Vec<csv::StringRecord> = table.records().map(Result::unwrap).collect();
    let pairs: Vec<(String, String)> = rows.iter().map(|r| (r[1].to_owned(), r[2].to_owned())).collect();
    let expected: Vec<(String, String)> = ["scenario", "binance-btcusdt", "ccp-apc"]
        .iter()
        .flat_map(|m| ["default", "calm"].map(|s| (s.to_owned(), (*m).to_owned())))
        .collect();
    assert_eq!(pairs, expected, "every pair once, in a fixed order");
    // Runs are numbered scenario by scenario (the sweep's order); the table reads margin by margin.
    let runs: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(runs, ["0", "3", "1", "4", "2", "5"]);
    let kept: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("cmp/runs/5/summary.json")).unwrap()).unwrap();
    assert_eq!(kept["scenario"], "calm", "run 5 is calm under ccp-apc, its files kept with --keep-runs");
    assert_eq!(
        kept["margin_locked_mean"].as_str().unwrap().parse::<f64>().unwrap().round(),
        rows[5][8].parse::<f64>().unwrap()
    );
    for table in ["runs.parquet", "points.csv", "plan.ron"] {
        assert!(dir.path().join("cmp").join(table).is_file(), "the sweep's {table} beside comparison.csv");
    }
    // The tiered rules lock less collateral than the default 5% on the default scenario's small positions.
    let locked = |margin: &str| -> f64 {
        rows.iter().find(|r| &r[1] == "default" && &r[2] == margin).unwrap()[8].parse().unwrap()
    };
    assert!(locked("binance-btcusdt") < locked("scenario"));
}

#[test]
fn compare_is_the_same_on_one_thread_or_two() {
    let dir = tempfile::tempdir().unwrap();
    for (jobs, out) in [("1", "one"), ("2", "two")] {
        let args = ["compare", "default", "--margin", "garch-forecast", "--margin", "har-rv", "--ticks", "150"];
        let run = cascade(dir.path(), &[&args[..], &["--jobs", jobs, "--out", out, "-q", "--keep-runs"]].concat());
        assert!(run.status.success(), "{}", stderr(&run));
    }
    let read = |p: &str| fs::read(dir.path().join(p)).unwrap();
    assert_eq!(read("one/comparison.csv"), read("two/comparison.csv"));
    assert_eq!(read("one/runs/1/timeseries.csv"), read("two/runs/1/timeseries.csv"));
}

#[test]
fn compare_again_resumes_and_a_different_compare_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["compare", "default", "--margin", "scenario", "--margin", "har-rv", "--ticks", "60", "--out", "c"];
    let first = cascade(dir.path(), &args);
    assert!(first.status.success(), "{}", stderr(&first));
    let table = fs::read(dir.path().join("c/comparison.csv")).unwrap();
    let again = cascade(dir.path(), &args);
    assert!(again.status.success(), "{}", stderr(&again));
    let manifest = |d: &std::path::Path| -> serde_json::Value {
        serde_json::from_slice(&fs::read(d.join("c/manifest.json")).unwrap()).unwrap()
    };
    assert_eq!(manifest(dir.path())["runs_this_time"], 0, "nothing redone");
    assert_eq!(fs::read(dir.path().join("c/comparison.csv")).unwrap(), table);
    let other = cascade(dir.path(), &["compare", "calm", "--margin", "scenario", "--ticks", "60", "--out", "c"]);
    assert!(other.status.success(), "{}", stderr(&other));
    let text = fs::read_to_string(dir.path().join("c/comparison.csv")).unwrap();
    assert_eq!(text.lines().count(), 2, "only the new comparison's one run: {text}");
    assert!(text.contains(",calm,scenario,42,"), "{text}");
    assert_eq!(manifest(dir.path())["runs_this_time"], 1);
}

#[test]
fn run_takes_margin_rules_from_a_preset_or_a_file_and_bad_ones_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = cascade(dir.path(), &["run", "--margin", "dydx-v4-mid-cap", "--ticks", "50", "--out", "r", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let first = fs::read_to_string(dir.path().join("r/timeseries.csv")).unwrap();
    let header: Vec<&str> = first.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = first.lines().nth(1).unwrap().split(',').collect();
    let column = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!((column("initial_margin"), column("maintenance_margin")), ("0.1", "0.05"));

    fs::write(dir.path().join("mine.ron"), "(margin: (initial: 0.2, maintenance: 0.1, stress_buffer: 0.5))").unwrap();
    let out = cascade(dir.path(), &["run", "--margin", "mine.ron", "--ticks", "50", "--out", "m", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = fs::read_to_string(dir.path().join("m/timeseries.csv")).unwrap();
    assert!(text.lines().nth(1).unwrap().contains(",0.3,0.15,"), "the buffer starts full: 0.2 / 0.1 x 1.5");

    // A rules file sets `margin` and nothing else: anything more would be silently ignored, so it is an error.
    fs::write(dir.path().join("more.ron"), "(margin: (initial: 0.2, maintenance: 0.1), ticks: 10)").unwrap();
    let out = cascade(dir.path(), &["run", "--margin", "more.ron", "--ticks", "50"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("more.ron:1:44: Unexpected field named `ticks` in `MarginRulesFile`, expected `margin`"),
        "{}",
        stderr(&out)
    );

    fs::write(dir.path().join("bad.ron"), "(margin: (stress_buffer: 2))").unwrap();
    let out = cascade(dir.path(), &["run", "--margin", "bad.ron", "--ticks", "50"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("bad.ron:1:"), "{}", stderr(&out));
    assert!(stderr(&out).contains("margin.stress_buffer"), "{}", stderr(&out));
    let out = cascade(dir.path(), &["compare", "default", "--margin", "nope"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("nope"), "{}", stderr(&out));
}

#[test]
fn compare_takes_set_overrides_and_notes_shocks_a_shorter_run_drops() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["compare", "default", "--margin", "scenario", "--set", "margin.initial=0.2", "--ticks", "60"];
    let out = cascade(dir.path(), &[&args[..], &["--out", "c", "--keep-runs"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("note: <built-in default>: 3 shock(s) start after the last tick (60) and will not happen"),
        "{}",
        stderr(&out)
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("c/runs/0/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["overrides"], serde_json::json!(["margin.initial=0.2"]));
    let series = fs::read_to_string(dir.path().join("c/runs/0/timeseries.csv")).unwrap();
    assert!(series.lines().nth(1).unwrap().contains(",0.2,"), "the initial margin is the override's");
}

#[test]
fn compare_with_seeds_runs_every_margin_on_the_same_seeds_and_sums_each_margin_up() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["compare", "default", "--margin", "volatility-adaptive", "--margin", "learned-quantile"];
    let more = ["--seeds", "2", "--seed", "7", "--ticks", "150", "--out", "cmp", "--jobs", "2"];
    let out = cascade(dir.path(), &[&args[..], &more[..]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("margin (per run)"), "the per-margin table is printed: {}", stdout(&out));
    let mut table = csv::Reader::from_path(dir.path().join("cmp/comparison.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = table.records().map(Result::unwrap).collect();
    let seeds = |margin: &str| -> Vec<String> {
        rows.iter().filter(|r| &r[2] == margin).map(|r| r[3].to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(rows.len(), 4);
    assert_eq!(seeds("volatility-adaptive"), seeds("learned-quantile"), "common random numbers across margins");
    assert_ne!(seeds("learned-quantile")[0], seeds("learned-quantile")[1], "two different seeds");
    let mut policies = csv::Reader::from_path(dir.path().join("cmp/policies.csv")).unwrap();
    let header: Vec<String> = policies.headers().unwrap().iter().map(str::to_owned).collect();
    for column in ["bad_debt_p95", "margin_locked_mean", "clustering_rejects", "max_increase_mean"] {
        assert!(header.iter().any(|h| h == column), "no column {column} in {header:?}");
    }
    let summed: Vec<csv::StringRecord> = policies.records().map(Result::unwrap).collect();
    assert_eq!(
        summed.iter().map(|r| (r[0].to_owned(), r[1].to_owned())).collect::<Vec<_>>(),
        [("volatility-adaptive".to_owned(), "2".to_owned()), ("learned-quantile".to_owned(), "2".to_owned())]
    );
    // The per-margin mean of collateral locked is the mean of its runs' (to the unit).
    let locked: f64 = rows.iter().filter(|r| &r[2] == "learned-quantile").map(|r| r[8].parse::<f64>().unwrap()).sum();
    let mean: f64 = summed[1][7].parse().unwrap();
    assert!((mean - locked / 2.0).abs() <= 1.0, "{mean} against {}", locked / 2.0);
}
