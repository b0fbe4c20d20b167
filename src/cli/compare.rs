//! `cascade compare`: the same scenarios under several margin rules, side by side.
//!
//! Every (scenario, margin) pair is one run, written like `cascade run` writes it; the headline figures of all runs
//! go to `comparison.csv` and a table. Runs are independent worlds, so they run on several threads; each is
//! deterministic, so the results do not depend on how many ([`cascade_sim::batch`] runs them).

use crate::cli::{load, margin_label, note_late_shocks, progress_bar};
use anyhow::{Context, Result};
use cascade_core::Decimal;
use cascade_core::risk::Backtest;
use cascade_scenario::{Override, Overrides, library};
use cascade_sim::batch::{self, Job};
use cascade_sim::output::{FileSink, Manifest, write_summary};
use cascade_sim::recorder::Recording;
use cascade_sim::summary::Summary;
use serde::Serialize;
use std::path::PathBuf;

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
    /// Override any scenario field in every run: PATH=VALUE (repeatable; as for `cascade run`, applied after
    /// `--margin`).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    overrides: Vec<Override>,
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
    // Load everything first, so a bad file stops the comparison before any run.
    let mut runs = Vec::new();
    for margin in &margins {
        let rules = match margin.as_str() {
            OWN => None,
            m => Some(library::load_margin(m).with_context(|| format!("margin rules {m}"))?),
        };
        let overrides = Overrides { margin: rules, set: args.overrides.clone(), ticks: args.ticks, seed: args.seed };
        for name in &scenarios {
            let loaded = load(name, &overrides)?;
            note_late_shocks(&loaded, args.quiet);
            runs.push((loaded, margin_label(margin), overrides.clone()));
        }
    }

    let progress = progress_bar(runs.len() as u64, "run", args.quiet);
    let jobs: Vec<Job> =
        runs.iter().map(|(l, _, _)| Job { scenario: l.scenario.clone(), seed: l.scenario.seed }).collect();
    let dir = |i: usize| args.out.join(&runs[i].0.scenario.name).join(&runs[i].1);
    let rows = batch::run(
        &jobs,
        args.jobs,
        |i, _| -> Result<Recording> { Ok(Recording::Stream(Box::new(FileSink::create(&dir(i))?))) },
        |i, job, sim| -> Result<Row> {
            let (loaded, margin, overrides) = &runs[i];
            let manifest =
                Manifest::new(&loaded.source, &job.scenario, job.seed, overrides, std::env::args().collect());
            write_summary(&dir(i), &sim, &manifest).context("writing outputs")?;
            progress.set_message(format!("{} / {margin}", job.scenario.name));
            Ok(Row::new(&job.scenario.name, margin, job.seed, &sim.summary()))
        },
        |_| progress.inc(1),
    )?;
    progress.finish_and_clear();
    let rows = rows
        .into_iter()
        .zip(&runs)
        .map(|(row, (loaded, margin, _))| {
            row.with_context(|| format!("running {} under {margin}", loaded.source.label))
        })
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

impl Row {
    /// The row of one finished run.
    fn new(scenario: &str, margin: &str, seed: u64, s: &Summary) -> Self {
        // With several instruments: the largest drawdown of any, and the backtest with the most exceptions.
        let exceptions = |b: &&Backtest| b.long_exceptions.max(b.short_exceptions);
        let worst = s.markets.iter().filter_map(|m| m.backtest.as_ref()).max_by_key(exceptions);
        Self {
            scenario: scenario.to_owned(),
            margin: margin.to_owned(),
            seed,
            bad_debt: s.bad_debt.round_dp(2),
            insurance_fund_drawdown: s.insurance_fund_drawdown.round_dp(2),
            liquidated_notional: s.liquidated_notional.round_dp(0),
            accounts_liquidated: s.accounts_liquidated,
            margin_locked_mean: s.margin_locked_mean.round_dp(0),
            margin_locked_peak: s.margin_locked_peak.round_dp(0),
            rejected_orders: s.rejected_orders,
            mark_max_drawdown: s.markets.iter().map(|m| m.mark_max_drawdown).fold(0.0, f64::max),
            backtest_exceptions: worst.map(|b| b.long_exceptions.max(b.short_exceptions)),
            backtest_zone: worst.map(|b| b.zone.to_string()),
        }
    }
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
