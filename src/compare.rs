//! `cascade compare`: the same scenarios under several margin rules, side by side.
//!
//! Every (scenario, margin) pair is one run, written like `cascade run` writes it; the headline figures of all runs
//! go to `comparison.csv` and a table. Runs are independent worlds, so they run on several threads; each is
//! deterministic, so the results do not depend on how many.

use crate::{load, margin_override};
use anyhow::{Context, Result, bail};
use cascade_core::Decimal;
use cascade_scenario::{Override, library};
use cascade_sim::Simulation;
use cascade_sim::output::{Manifest, write_run};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The name that stands for a scenario's own margin rules.
const OWN: &str = "scenario";

/// Arguments of `cascade compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Scenario files or names of shipped scenarios. Default: every shipped scenario.
    scenarios: Vec<String>,
    /// Margin rules to run each scenario under: a shipped preset (see `cascade scenarios`), a file
    /// `(margin: (...))`, or `scenario` for the scenario's own (repeatable). Default: `scenario` and every preset.
    #[arg(long = "margin", value_name = "PRESET|FILE")]
    margins: Vec<String>,
    /// Seed of every run (default: each scenario's own).
    #[arg(long)]
    seed: Option<u64>,
    /// Ticks of every run (default: each scenario's own).
    #[arg(long)]
    ticks: Option<u64>,
    /// Output directory: one run per `<scenario>/<margin>/`, and `comparison.csv`.
    #[arg(long, default_value = "runs/compare")]
    out: PathBuf,
    /// Runs at once (default: the number of cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

/// One run's headline figures: what a margin rule costs (collateral locked) and what it buys (losses avoided).
#[derive(Debug, Clone, Serialize)]
struct Row {
    scenario: String,
    margin: String,
    seed: u64,
    bad_debt: Decimal,
    insurance_fund_drawdown: Decimal,
    liquidated_notional: Decimal,
    accounts_liquidated: u64,
    margin_locked_mean: Decimal,
    margin_locked_peak: Decimal,
    rejected_orders: u64,
    mark_max_drawdown: f64,
    backtest_exceptions: Option<u64>,
    backtest_zone: Option<String>,
}

/// Runs the grid and reports it.
pub fn compare(args: CompareArgs) -> Result<()> {
    let scenarios = if args.scenarios.is_empty() {
        library::LIBRARY.iter().map(|e| e.name.to_owned()).collect()
    } else {
        args.scenarios.clone()
    };
    let margins = if args.margins.is_empty() {
        std::iter::once(OWN.to_owned()).chain(library::MARGIN_PRESETS.iter().map(|e| e.name.to_owned())).collect()
    } else {
        args.margins.clone()
    };
    if args.ticks == Some(0) {
        bail!("--ticks must be at least 1");
    }
    // Load everything first, so a bad file stops the comparison before any run.
    let mut jobs = Vec::new();
    for margin in &margins {
        let overrides: Vec<Override> = match margin.as_str() {
            OWN => Vec::new(),
            m => vec![margin_override(&library::load_margin(m).with_context(|| format!("margin rules {m}"))?)?],
        };
        for name in &scenarios {
            let loaded = load(Some(name), &overrides)?;
            jobs.push((loaded, margin_label(margin), overrides.clone()));
        }
    }

    let progress = if args.quiet { ProgressBar::hidden() } else { ProgressBar::new(jobs.len() as u64) };
    progress.set_style(
        ProgressStyle::with_template("{spinner} run {pos}/{len} [{bar:40}] eta {eta} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let threads = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Row>>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.min(jobs.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((loaded, margin, overrides)) = jobs.get(i) else { break };
                    let row = run_one(loaded, margin, overrides, &args);
                    progress.inc(1);
                    progress.set_message(format!("{} / {margin}", loaded.scenario.name));
                    if let Ok(mut results) = results.lock() {
                        results[i] = Some(row);
                    }
                }
            });
        }
    });
    progress.finish_and_clear();
    let rows = results
        .into_inner()
        .map_err(|_| anyhow::anyhow!("a run panicked"))?
        .into_iter()
        .map(|r| r.unwrap_or_else(|| bail!("a run did not finish")))
        .collect::<Result<Vec<Row>>>()?;

    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let path = args.out.join("comparison.csv");
    let mut writer = csv::Writer::from_path(&path).with_context(|| format!("writing {}", path.display()))?;
    for row in &rows {
        writer.serialize(row)?;
    }
    writer.flush()?;
    if !args.quiet {
        print_table(&rows);
        println!("\nwrote {} runs and {}", rows.len(), path.display());
    }
    Ok(())
}

/// A margin's label in paths and tables: a preset's name, or a file's stem.
fn margin_label(margin: &str) -> String {
    std::path::Path::new(margin).file_stem().map_or_else(|| margin.to_owned(), |s| s.to_string_lossy().into_owned())
}

fn run_one(loaded: &crate::Loaded, margin: &str, overrides: &[Override], args: &CompareArgs) -> Result<Row> {
    let mut scenario = loaded.scenario.clone();
    if let Some(ticks) = args.ticks {
        scenario.ticks = ticks;
    }
    let seed = args.seed.unwrap_or(scenario.seed);
    let mut sim = Simulation::new(&scenario, seed).with_context(|| format!("building {}", loaded.label))?;
    sim.run(|_, _| {}).with_context(|| format!("running {} under {margin}", loaded.label))?;
    let manifest = Manifest {
        program: env!("CARGO_PKG_NAME").to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        scenario_path: loaded.label.clone(),
        scenario_sha256: cascade_sim::output::sha256_hex(loaded.text.as_bytes()),
        scenario_name: scenario.name.clone(),
        seed,
        ticks: scenario.ticks,
        overrides: overrides.iter().map(ToString::to_string).collect(),
        command_line: std::env::args().collect(),
    };
    write_run(&args.out.join(&scenario.name).join(margin), &sim, &manifest).context("writing outputs")?;
    let s = sim.summary();
    Ok(Row {
        scenario: scenario.name.clone(),
        margin: margin.to_owned(),
        seed,
        bad_debt: s.bad_debt.round_dp(2),
        insurance_fund_drawdown: s.insurance_fund_drawdown.round_dp(2),
        liquidated_notional: s.liquidated_notional.round_dp(0),
        accounts_liquidated: s.accounts_liquidated,
        margin_locked_mean: s.margin_locked_mean.round_dp(0),
        margin_locked_peak: s.margin_locked_peak.round_dp(0),
        rejected_orders: s.rejected_orders,
        mark_max_drawdown: s.mark_max_drawdown,
        backtest_exceptions: s.backtest.as_ref().map(|b| b.long_exceptions.max(b.short_exceptions)),
        backtest_zone: s.backtest.as_ref().map(|b| format!("{:?}", b.zone)),
    })
}

fn print_table(rows: &[Row]) {
    println!(
        "{:<20} {:<24} {:>12} {:>12} {:>14} {:>7} {:>13} {:>13} {:>9} {:>7}",
        "scenario",
        "margin",
        "bad debt",
        "fund drawn",
        "liquidated",
        "accts",
        "locked mean",
        "locked peak",
        "mark dd",
        "zone"
    );
    for r in rows {
        println!(
            "{:<20} {:<24} {:>12} {:>12} {:>14} {:>7} {:>13} {:>13} {:>8.1}% {:>7}",
            r.scenario,
            r.margin,
            r.bad_debt.round_dp(0),
            r.insurance_fund_drawdown.round_dp(0),
            r.liquidated_notional,
            r.accounts_liquidated,
            r.margin_locked_mean,
            r.margin_locked_peak,
            100.0 * r.mark_max_drawdown,
            r.backtest_zone.as_deref().unwrap_or("-")
        );
    }
}
