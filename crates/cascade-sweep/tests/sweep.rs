//! The sweep engine end to end, on a small plan: the same tables at any thread count and however the runs are
//! sharded, a resumed sweep that redoes nothing, failed runs as rows, located plan errors, and Parquet that reads
//! back as the CSV.

#![allow(clippy::unwrap_used)] // tests unwrap: a failure is the test failing

use cascade_sweep::{Options, Shard, Sweep, SweepError};
use std::path::Path;

/// Two maintenance fractions x three seeds of a short, small default world: 6 runs.
const PLAN: &str = r#"(
    name: "small",
    seed: 11,
    seeds: Count(3),
    scenarios: [(name: "default", ticks: 90, set: ["agents.leveraged_traders.count=60", "shocks[0].at=30"])],
    axes: [(path: "margin.maintenance", values: List([0.01, 0.03]))],
)"#;

fn sweep(text: &str) -> Sweep {
    Sweep::prepare("plan.ron", text, None, "plan").unwrap()
}

fn options(jobs: usize, shard: Shard) -> Options {
    Options { jobs: Some(jobs), shard, ..Options::default() }
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
}

/// Asserts that the two directories hold the same four tables, byte for byte.
fn same_tables(a: &Path, b: &Path, what: &str) {
    for file in ["runs.csv", "points.csv", "runs.parquet", "points.parquet"] {
        assert!(read(a, file) == read(b, file), "{what}: {file} differs");
    }
}

#[test]
fn one_or_two_threads_and_any_sharding_give_the_same_tables() {
    let s = sweep(PLAN);
    assert_eq!(s.runs.len(), 6);
    let (one, two, sharded) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    cascade_sweep::run(&s, one.path(), options(1, Shard::ALL), |_, _| {}).unwrap();
    cascade_sweep::run(&s, two.path(), options(2, Shard::ALL), |_, _| {}).unwrap();
    same_tables(one.path(), two.path(), "1 and 2 threads");
    let merge_early = cascade_sweep::merge(sharded.path());
    assert!(matches!(merge_early, Err(SweepError::Merge(_))), "nothing to merge yet");
    for index in 0..4 {
        let outcome = cascade_sweep::run(&s, sharded.path(), options(1, Shard { index, count: 4 }), |_, _| {}).unwrap();
        assert_eq!(outcome.manifest.shard_runs, if index < 2 { 2 } else { 1 }, "run i belongs to shard i mod 4");
        if index == 2 {
            let missing = cascade_sweep::merge(sharded.path()).unwrap_err().to_string();
            assert!(missing.contains("missing part-3-of-4"), "{missing}");
        }
    }
    cascade_sweep::merge(sharded.path()).unwrap();
    same_tables(one.path(), sharded.path(), "four shards merged");
}

#[test]
fn an_interrupted_sweep_resumes_without_redoing_finished_runs() {
    let s = sweep(PLAN);
    let (whole, resumed) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    cascade_sweep::run(&s, whole.path(), options(2, Shard::ALL), |_, _| {}).unwrap();
    // A sweep killed after four runs, in the middle of writing the fifth line of its journal.
    let journal = String::from_utf8(read(whole.path(), "journal.jsonl")).unwrap();
    let lines: Vec<&str> = journal.lines().collect();
    let cut = format!("{}\n{}", lines[..4].join("\n"), &lines[4][..lines[4].len() / 2]);
    std::fs::write(resumed.path().join("journal.jsonl"), cut).unwrap();
    std::fs::write(resumed.path().join("plan.ron"), PLAN).unwrap();
    let outcome = cascade_sweep::run(&s, resumed.path(), options(2, Shard::ALL), |_, _| {}).unwrap();
    assert_eq!(outcome.manifest.runs_this_time, 2, "only the two unfinished runs");
    assert!(outcome.manifest.complete);
    same_tables(whole.path(), resumed.path(), "resumed");
    // Once complete, running again does nothing; another plan in the same directory is refused.
    let again = cascade_sweep::run(&s, resumed.path(), options(2, Shard::ALL), |_, _| {}).unwrap();
    assert_eq!(again.manifest.runs_this_time, 0);
    let other = sweep(&PLAN.replace("Count(3)", "Count(2)"));
    let refused = cascade_sweep::run(&other, resumed.path(), options(2, Shard::ALL), |_, _| {}).unwrap_err();
    assert!(matches!(refused, SweepError::PlanChanged { .. }), "{refused}");
}

#[test]
fn a_run_that_fails_is_a_row_with_its_error_and_the_sweep_goes_on() {
    let s = sweep(PLAN);
    let out = tempfile::tempdir().unwrap();
    // Run 4's own output directory cannot be made: a file stands where it would be.
    std::fs::create_dir_all(out.path().join("runs")).unwrap();
    std::fs::write(out.path().join("runs").join("4"), "in the way").unwrap();
    let keep = Options { keep_runs: true, ..options(2, Shard::ALL) };
    let outcome = cascade_sweep::run(&s, out.path(), keep, |_, _| {}).unwrap();
    assert_eq!(outcome.manifest.errors, 1);
    let runs = String::from_utf8(read(out.path(), "runs.csv")).unwrap();
    let row = runs.lines().nth(5).unwrap();
    assert!(row.starts_with("4,") && row.contains("runs/4"), "{row}");
    for file in ["timeseries.csv", "events.csv", "summary.json", "manifest.json"] {
        assert!(out.path().join("runs/5").join(file).is_file(), "the other runs wrote their {file}");
    }
    let manifest = std::fs::read_to_string(out.path().join("runs/5/manifest.json")).unwrap();
    assert!(manifest.contains("margin.maintenance=0.03"), "a run's manifest records its point: {manifest}");
    let points = String::from_utf8(read(out.path(), "points.csv")).unwrap();
    assert!(points.lines().nth(2).unwrap().starts_with("default,1,0.03,3,1,"), "point 1: 3 runs, 1 error");
}

#[test]
fn plan_errors_are_all_reported_at_once_and_located() {
    let text = r#"(
    seeds: Count(2),
    scenarios: [(name: "default"), (name: "no-such-scenario")],
    axes: [
        (path: "margin.maintenanec", values: List([0.01])),
        (path: "margin", values: Linear(from: 0, to: 1, count: 2)),
    ],
)"#;
    let e = Sweep::prepare("plan.ron", text, None, "plan").unwrap_err().to_string();
    assert!(e.contains("plan.ron:6:10: axes[1].path"), "{e}");
    assert!(e.contains("plan.ron:3:37: scenarios[1].name") && e.contains("no such file"), "{e}");
    let typo = r#"(scenarios: [(name: "default")], axes: [(path: "margin.maintenanec", values: List([0.01]))])"#;
    let e = Sweep::prepare("plan.ron", typo, None, "plan").unwrap_err().to_string();
    assert!(e.contains("plan.ron:1:42: axes[0].path") && e.contains("maintenanec"), "{e}");
    let syntax = Sweep::prepare("plan.ron", "(scenarios: [], seedz: 1)", None, "plan").unwrap_err().to_string();
    assert!(syntax.contains("plan.ron:1:17") && syntax.contains("did you mean `seed`"), "{syntax}");
}

#[test]
fn the_parquet_tables_read_back_as_the_csv() {
    use arrow_array::{Array, Float64Array, StringArray, UInt64Array};
    let s = sweep(PLAN);
    let out = tempfile::tempdir().unwrap();
    cascade_sweep::run(&s, out.path(), options(2, Shard::ALL), |_, _| {}).unwrap();
    for name in ["runs", "points"] {
        let file = std::fs::File::open(out.path().join(format!("{name}.parquet"))).unwrap();
        let batches: Vec<_> = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut csv = csv::Reader::from_path(out.path().join(format!("{name}.csv"))).unwrap();
        let header: Vec<String> = csv.headers().unwrap().iter().map(str::to_owned).collect();
        let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
        let batch = &batches[0];
        assert_eq!(batches.len(), 1);
        assert_eq!(batch.num_rows(), rows.len());
        let schema = batch.schema();
        for (j, field) in schema.fields().iter().enumerate() {
            assert_eq!(field.name(), &header[j]);
            let column = batch.column(j);
            for (i, row) in rows.iter().enumerate() {
                let cell = &row[j];
                let parquet = if column.is_null(i) {
                    String::new()
                } else if let Some(a) = column.as_any().downcast_ref::<Float64Array>() {
                    format!("{}", a.value(i))
                } else if let Some(a) = column.as_any().downcast_ref::<UInt64Array>() {
                    a.value(i).to_string()
                } else {
                    column.as_any().downcast_ref::<StringArray>().unwrap().value(i).to_owned()
                };
                assert_eq!(&parquet, cell, "{name}.{} row {i}", field.name());
            }
        }
        if name == "runs" {
            let unit = schema.field_with_name("bad_debt").unwrap().metadata().get("unit").cloned();
            assert_eq!(unit.as_deref(), Some("quote"));
            assert!(schema.field_with_name("margin.maintenance").unwrap().data_type().is_floating());
        }
    }
}

#[test]
fn a_cancelled_sweep_stops_keeps_what_finished_and_resumes_to_the_same_tables() {
    let s = sweep(PLAN);
    let (whole, cancelled) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    cascade_sweep::run(&s, whole.path(), options(1, Shard::ALL), |_, _| {}).unwrap();
    let stop = cascade_sweep::Cancel::default();
    let cancelling = Options { cancel: stop.clone(), ..options(1, Shard::ALL) };
    // Cancelled once the second run has finished: the rest are skipped, no table is written.
    let result = cascade_sweep::run(&s, cancelled.path(), cancelling, |done, _| {
        if done == 2 {
            stop.cancel();
        }
    });
    assert!(matches!(result, Err(SweepError::Cancelled)), "{result:?}");
    assert!(!cancelled.path().join("runs.csv").exists(), "no tables from a cancelled sweep");
    let journal = std::fs::read_to_string(cancelled.path().join("journal.jsonl")).unwrap();
    assert_eq!(journal.lines().count(), 2, "the finished runs are journaled, the skipped ones are not failures");
    let resumed = cascade_sweep::run(&s, cancelled.path(), options(1, Shard::ALL), |_, _| {}).unwrap();
    assert_eq!(resumed.manifest.runs_this_time, 4);
    same_tables(whole.path(), cancelled.path(), "cancelled and resumed");
}
