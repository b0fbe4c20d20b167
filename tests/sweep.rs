//! `cascade sweep` as a user runs it: killed outright part-way, the same command resumes and redoes nothing.

use crate::util::{cascade, stdout};
use std::process::Command;
use std::time::{Duration, Instant};

const PLAN: &str = r#"(
    name: "killed",
    seed: 2,
    seeds: Count(6),
    scenarios: [(name: "default", ticks: 300, set: ["agents.leveraged_traders.count=200", "shocks[0].at=100"])],
    axes: [(path: "margin.maintenance", values: List([0.01, 0.03]))],
)"#;

fn journal_lines(dir: &std::path::Path) -> usize {
    std::fs::read_to_string(dir.join("journal.jsonl")).map_or(0, |t| t.lines().count())
}

#[test]
fn a_sweep_killed_part_way_resumes_without_redoing_finished_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plan.ron"), PLAN).unwrap();
    let whole = cascade(dir.path(), &["sweep", "plan.ron", "--out", "whole", "--jobs", "2", "-q"]);
    assert!(whole.status.success(), "{}", String::from_utf8_lossy(&whole.stderr));

    // SIGKILL once a few runs are journaled: no chance to clean up.
    let out = dir.path().join("killed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cascade"))
        .args(["sweep", "plan.ron", "--out", "killed", "--jobs", "1", "-q"])
        .current_dir(dir.path())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while journal_lines(&out) < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let finished = journal_lines(&out);
    assert!((3..12).contains(&finished), "killed after {finished} of 12 runs");
    assert!(!out.join("runs.csv").exists() && !out.join("manifest.json").exists(), "no table before the end");

    let resumed = cascade(dir.path(), &["sweep", "plan.ron", "--out", "killed", "--jobs", "2"]);
    let said = stdout(&resumed);
    assert!(resumed.status.success(), "{said}");
    assert!(said.contains(&format!("{} run now", 12 - finished)), "{said}");
    assert!(said.contains(&format!("{finished} found done")), "{said}");
    for file in ["runs.csv", "points.csv", "runs.parquet", "points.parquet"] {
        let a = std::fs::read(dir.path().join("whole").join(file)).unwrap();
        let b = std::fs::read(out.join(file)).unwrap();
        assert!(a == b, "{file}: the resumed sweep's table differs from the uninterrupted one's");
    }
}
