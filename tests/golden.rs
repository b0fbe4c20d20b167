//! The shipped library's outputs, pinned: the SHA-256 of every file that `cascade run` writes for every shipped
//! scenario (and for the default scenario under every shipped margin preset), checked against `tests/golden.sha256`.
//!
//! A refactoring must leave this table alone. A change that means to change outputs regenerates it with
//! `CASCADE_BLESS=1 cargo test golden` and says in its commit which files changed and why.

use crate::util::{cascade, stderr};
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// Run length of every pinned run (or the scenario's own, when shorter): long enough that the early shocks of the
/// library start (the 2025-10-10 gap at tick 360, the 2021 flush and the 2022 crash at 600) and the ADL and
/// insurance-fund paths run.
const TICKS: u64 = 700;

/// The files of a run whose bytes are pinned (`markets.csv` only in multi-market runs, `forecasts.csv` only under
/// predictive margin, `pool.csv` only with pool markets). The manifest is pinned without its command line (which holds the binary's path) and version.
const FILES: [&str; 6] = ["timeseries.csv", "events.csv", "summary.json", "markets.csv", "forecasts.csv", "pool.csv"];

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// `hash  label/file` lines of one run's outputs in `dir`.
fn hashes(dir: &Path, label: &str, table: &mut String) {
    for file in FILES {
        let path = dir.join(file);
        if let Ok(bytes) = fs::read(&path) {
            writeln!(table, "{}  {label}/{file}", sha256_hex(&bytes)).unwrap();
        }
    }
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let fields = manifest.as_object_mut().unwrap();
    fields.remove("command_line");
    fields.remove("version");
    writeln!(table, "{}  {label}/manifest.json", sha256_hex(manifest.to_string().as_bytes())).unwrap();
}

#[test]
fn golden_outputs_of_the_shipped_library_are_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let mut runs: Vec<(String, Vec<&str>)> =
        cascade_scenario::library::LIBRARY.iter().map(|e| (e.name.to_owned(), vec!["run", e.name])).collect();
    for preset in cascade_scenario::library::MARGIN_PRESETS {
        runs.push((format!("default--margin-{}", preset.name), vec!["run", "default", "--margin", preset.name]));
    }
    let mut table = String::new();
    for (label, mut args) in runs {
        let own = cascade_scenario::library::load(args[1], &Default::default()).unwrap().unwrap().ticks;
        let ticks = TICKS.min(own).to_string();
        let out_dir = format!("out/{label}");
        args.extend(["--ticks", &ticks, "-q", "--out", &out_dir]);
        let out = cascade(dir.path(), &args);
        assert!(out.status.success(), "{label}: {}", stderr(&out));
        hashes(&dir.path().join(&out_dir), &label, &mut table);
    }
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden.sha256");
    if std::env::var_os("CASCADE_BLESS").is_some() {
        fs::write(&golden, &table).unwrap();
        return;
    }
    let expected = fs::read_to_string(&golden).unwrap();
    let changed: Vec<&str> = table.lines().filter(|l| !expected.lines().any(|e| e == *l)).collect();
    let missing: Vec<&str> = expected.lines().filter(|e| !table.lines().any(|l| l == *e)).collect();
    assert!(
        changed.is_empty() && missing.is_empty(),
        "outputs changed (bless deliberately with CASCADE_BLESS=1):\nnow:\n{}\nwas:\n{}",
        changed.join("\n"),
        missing.join("\n")
    );
}
