//! The tutorial in docs/scenarios.md: steps 4 and 5 run as written, print what the doc shows, and the figures the
//! text gives are what their files hold.

use crate::util::{cascade, stderr, stdout};
use std::fs;
use std::path::Path;

/// The ```ron block and the ```text block that follow `heading` in the tutorial.
fn step<'a>(docs: &'a str, heading: &str) -> (&'a str, &'a str) {
    let rest = docs.split(heading).nth(1).expect("the step is in the tutorial");
    let block = |fence: &str| rest.split(fence).nth(1).and_then(|b| b.split("```").next()).expect("a block");
    (block("```ron\n"), block("```text\n"))
}

/// Column `name` of a run's `timeseries.csv`, every tick.
fn column(run: &Path, name: &str) -> Vec<f64> {
    let mut reader = csv::Reader::from_path(run.join("timeseries.csv")).unwrap();
    let at = reader.headers().unwrap().iter().position(|h| h == name).unwrap();
    reader.records().map(|r| r.unwrap()[at].parse().unwrap_or(0.0)).collect()
}

/// Runs `text` as `mine.ron` in `dir` and returns what it printed and its run directory.
fn run(dir: &Path, text: &str) -> (String, std::path::PathBuf) {
    fs::write(dir.join("mine.ron"), text).unwrap();
    let out = cascade(dir, &["run", "mine.ron"]);
    assert!(out.status.success(), "{}", stderr(&out));
    (stdout(&out), dir.join("runs/mine-seed7"))
}

fn first_liquidation(run: &Path) -> usize {
    column(run, "liquidations").iter().position(|&n| n > 0.0).unwrap()
}

#[test]
fn steps_four_and_five_show_what_they_say() {
    let docs = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenarios.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();

    // Step 4: the market carries the crowd until the drift liquidates it.
    let (scenario, printed) = step(&docs, "**4. Crowd the book.**");
    let (out, r) = run(dir.path(), scenario);
    assert_eq!(out, printed, "step 4 prints what the tutorial shows");
    let (bids, asks) = (column(&r, "bid_depth_1pct"), column(&r, "ask_depth_1pct"));
    assert!(bids[..600].iter().chain(&asks[..600]).all(|&d| d > 0.0), "depth within 1% on every tick of ten hours");
    let mut before: Vec<f64> = bids[..600].to_vec();
    before.sort_by(f64::total_cmp);
    assert!((1.40e6..1.50e6).contains(&before[300]), "a median 1.45M per side: {}", before[300]);
    assert_eq!(first_liquidation(&r), 713);
    assert!(printed.contains("of 848 accounts") && docs.contains("liquidates 848 accounts from tick 713 on"));

    // Step 5: the freeze holds the mark, the oracle goes stale at 610, liquidations wait for its print at 630.
    let (scenario, printed) = step(&docs, "**5. Add shocks.**");
    let (out, r) = run(dir.path(), scenario);
    assert_eq!(out, printed, "step 5 prints what the tutorial shows");
    let mark = column(&r, "mark");
    let held = mark[600..630].iter().map(|m| (m / mark[599] - 1.0).abs()).fold(0.0, f64::max);
    assert!(held < 0.011, "the mark holds within 1.1% with the frozen oracles: {held}");
    assert_eq!(first_liquidation(&r), 630);
    let events = fs::read_to_string(r.join("events.csv")).unwrap();
    assert!(events.lines().any(|l| l.starts_with("610,oracle_stale,")), "stale at 610");
    let bids = column(&r, "bid_depth_1pct");
    let empty = bids[600..720].iter().filter(|&&d| d == 0.0).count();
    assert_eq!((100 * empty + 60) / 120, 97, "no bid within 1% on 97% of the shocked ticks ({empty} of 120)");
    assert!(printed.contains("bad debt 1059.77") && docs.contains("1,059.77 is\nleft as bad debt"));

    // Without the freeze: liquidations from tick 602, and another path.
    let unfrozen: String = scenario.lines().filter(|l| !l.contains("OracleFreeze")).map(|l| format!("{l}\n")).collect();
    let (out, r) = run(dir.path(), &unfrozen);
    assert_eq!(first_liquidation(&r), 602);
    assert!(out.contains("1492 close-outs of 1318 accounts"), "{out}");
    assert!(out.contains("bad debt 1448.86"), "{out}");
    assert!(docs.contains("1,492 close-outs of 1,318 accounts and 1,448.86 of bad debt"));
}
