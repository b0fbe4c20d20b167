//! `cascade report` as a user runs it: on a run, a sweep and (in calibrate.rs) a calibration, headless figures
//! in PNG and SVG with their axes and legends, the same bytes every time, and a Markdown summary whose figures
//! are the run's; a directory that holds none of those, and a damaged table, get clear errors.

use crate::util::{cascade, stderr};
use std::path::Path;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Checks `dir/STEM.png` is a PNG and `dir/STEM.svg` holds every text of `texts`.
pub fn assert_figure(dir: &Path, stem: &str, texts: &[&str]) {
    let png = std::fs::read(dir.join(format!("{stem}.png"))).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{stem}.png is not a PNG");
    let svg = read(&dir.join(format!("{stem}.svg")));
    for text in texts {
        assert!(svg.contains(text), "{stem}.svg lacks {text:?}");
    }
}

#[test]
fn a_run_report_has_prices_solvency_and_margin_and_is_the_same_twice() {
    let dir = tempfile::tempdir().unwrap();
    let run = cascade(dir.path(), &["run", "--ticks", "200", "--out", "run", "-q"]);
    assert!(run.status.success(), "{}", stderr(&run));
    for out in ["a", "b"] {
        let report = cascade(dir.path(), &["report", "run", "--out", out, "-q"]);
        assert!(report.status.success(), "{}", stderr(&report));
    }
    let a = dir.path().join("a");
    assert_figure(
        &a,
        "price",
        &["time (hours)", "price (quote per base)", "reference", "oracle", "mark", "Liquidations"],
    );
    assert_figure(&a, "solvency", &["Insurance fund", "bad debt", "socialized loss"]);
    assert_figure(&a, "margin", &["requirement (% of notional)", "initial", "maintenance", "Collateral locked"]);
    for file in ["price.png", "price.svg", "margin.png", "report.md"] {
        assert!(
            std::fs::read(a.join(file)).unwrap() == std::fs::read(dir.path().join("b").join(file)).unwrap(),
            "{file}"
        );
    }
    let summary: serde_json::Value = serde_json::from_str(&read(&dir.path().join("run/summary.json"))).unwrap();
    let markdown = read(&a.join("report.md"));
    let fund = summary["insurance_fund_end"].as_str().unwrap().parse::<f64>().unwrap();
    assert!(markdown.contains(&format!("| insurance fund end (quote) | {fund} |")), "{markdown}");
    assert!(markdown.contains("![Prices and liquidations: default, seed"), "{markdown}");
}

#[test]
fn a_sweep_report_plots_each_figure_against_its_axis_and_the_tails() {
    let dir = tempfile::tempdir().unwrap();
    let plan = r#"(
    name: "tiny",
    seed: 2,
    seeds: Count(2),
    scenarios: [(name: "default", ticks: 200, set: ["agents.leveraged_traders.count=100", "shocks[0].at=100"])],
    axes: [(path: "margin.maintenance", values: List([0.01, 0.03]))],
    metrics: ["bad_debt", "liquidated_notional", "margin_locked_mean"],
)"#;
    std::fs::write(dir.path().join("plan.ron"), plan).unwrap();
    let sweep = cascade(dir.path(), &["sweep", "plan.ron", "--out", "sweep", "--jobs", "2", "-q"]);
    assert!(sweep.status.success(), "{}", stderr(&sweep));
    let report = cascade(dir.path(), &["report", "sweep", "-q"]);
    assert!(report.status.success(), "{}", stderr(&report));
    let out = dir.path().join("sweep/report");
    assert_figure(&out, "sensitivity-margin_maintenance", &["bad debt (mean)", "margin.maintenance", "default"]);
    assert_figure(&out, "frontier", &["mean collateral locked (quote)", "bad debt probability"]);
    assert_figure(&out, "tails", &["share of seeds at or above", "default, margin.maintenance=0.03"]);
    assert!(read(&out.join("report.md")).contains("4 runs over 2 points"));
}

#[test]
fn a_directory_without_outputs_and_a_damaged_table_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let empty = cascade(dir.path(), &["report", "empty"]);
    assert!(!empty.status.success());
    assert!(stderr(&empty).contains("empty: not a run, sweep or calibration directory"), "{}", stderr(&empty));

    let run = dir.path().join("damaged");
    std::fs::create_dir(&run).unwrap();
    std::fs::write(run.join("timeseries.csv"), "tick,time_s,mark\n0,60,100\n1,120\n").unwrap();
    std::fs::write(run.join("summary.json"), "{}").unwrap();
    let damaged = cascade(dir.path(), &["report", "damaged"]);
    assert!(!damaged.status.success());
    assert!(stderr(&damaged).contains("timeseries.csv:3"), "{}", stderr(&damaged));
}
