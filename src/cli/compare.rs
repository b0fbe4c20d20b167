//! `cascade compare`: the same scenarios under several margin rules, side by side.
//!
//! A thin front end over the sweep engine: the scenarios, an axis of margin rules and each scenario's own seed make
//! a plan (written to `<out>/plan.ron`, so `cascade sweep` reruns it), run on every core with summary-only
//! recording (each run's files only with `--keep-runs`); the headline figures of every run go to `comparison.csv`
//! and a table, beside the sweep's own `runs` and `points` tables.

use crate::cli::{margin_label, progress_bar};
use anyhow::{Context, Result, bail};
use cascade_core::risk::traffic_light;
use cascade_core::{Decimal, money};
use cascade_scenario::{Override, library};
use cascade_sweep::journal::Entry;
use cascade_sweep::plan::{Axis, Combine, Plan, ScenarioRef, Seeds, Value, Values};
use cascade_sweep::{Options, Sweep};
use serde::Serialize;
use std::path::PathBuf;

/// A hundredth of the quote currency.
const CENT: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

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
    /// Seed of every run (default: each scenario's own); with `--seeds`, the seed the runs' seeds derive from
    /// (default 0).
    #[arg(long)]
    seed: Option<u64>,
    /// Run every scenario under every margin with this many seeds, derived from `--seed` and the seed index only:
    /// the same seeds for every margin (common random numbers), so the differences between margins are the
    /// margins'. `policies.csv` then sums each margin up over every scenario and seed.
    #[arg(long, value_name = "N")]
    seeds: Option<u32>,
    /// Ticks of every run (default: each scenario's own; shocks after the last tick are dropped, with a note).
    #[arg(long)]
    ticks: Option<u64>,
    /// Output directory: `comparison.csv`, the sweep's tables and `plan.ron`. The same command again resumes an
    /// interrupted comparison; a different one replaces it.
    #[arg(long, default_value = "runs/compare")]
    out: PathBuf,
    /// Also write each run's own files (as `cascade run` does) under <out>/runs/<run>/.
    #[arg(long)]
    keep_runs: bool,
    /// Runs at once (default: the number of cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

mod policies;

/// One run's headline figures: what a margin rule costs (collateral locked) and what it buys (losses avoided).
/// Money is in quote currency, rounded (bad debt and fund drawdown to cents, the rest to units).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Row {
    run: usize,
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
    /// Whether Christoffersen's independence test rejects (exceptions cluster) in the backtest with the most
    /// exceptions.
    clustering_rejects: Option<bool>,
    /// The reference position's largest rise of requirement within an hour, a fraction of the hour's lowest.
    procyclicality_max_increase: Option<f64>,
    /// The reference position's largest requirement over its smallest.
    procyclicality_peak_to_trough: Option<f64>,
}

/// Runs the comparison and reports it.
pub fn compare(args: CompareArgs) -> Result<()> {
    let scenarios = if args.scenarios.is_empty() {
        library::LIBRARY.iter().map(|e| e.name.to_owned()).collect()
    } else {
        args.scenarios.clone()
    };
    let margins: Vec<String> = if args.margins.is_empty() {
        std::iter::once(OWN.to_owned()).chain(library::MARGIN_PRESETS.iter().map(|e| e.name.to_owned())).collect()
    } else {
        args.margins.clone()
    };
    let plan = Plan {
        name: "compare".to_owned(),
        seed: args.seed.unwrap_or(0),
        seeds: match (args.seeds, args.seed) {
            (Some(n), _) => Seeds::Count(n),
            (None, Some(seed)) => Seeds::List(vec![seed]),
            (None, None) => Seeds::Scenario,
        },
        scenarios: scenarios
            .iter()
            .map(|name| ScenarioRef {
                name: name.clone(),
                set: args.overrides.iter().map(ToString::to_string).collect(),
                ticks: args.ticks,
            })
            .collect(),
        axes: vec![Axis { path: "margin".to_owned(), values: Values::Presets(margins) }],
        combine: Combine::Grid,
        metrics: Vec::new(),
    };
    // Every (scenario, margin) is loaded and validated here, so a bad file stops the comparison before any run.
    let sweep = Sweep::from_plan(&plan, "cascade compare")?;
    if !args.quiet {
        sweep.late_shock_notes().iter().for_each(|note| eprintln!("note: {note}"));
    }
    let progress = progress_bar(sweep.runs.len() as u64, "run", args.quiet);
    let options = Options { jobs: args.jobs, keep_runs: args.keep_runs, replace: true, ..Options::default() };
    let outcome = cascade_sweep::run(&sweep, &args.out, options, |done, _| progress.set_position(done as u64))?;
    progress.finish_and_clear();
    let failed: Vec<String> = outcome
        .entries
        .iter()
        .filter_map(|e| e.error.as_ref().map(|error| format!("  run {}: {error}", e.run)))
        .collect();
    if !failed.is_empty() {
        bail!(
            "{} run(s) failed (their rows are in {}):\n{}",
            failed.len(),
            outcome.dir.join("runs.csv").display(),
            failed.join("\n")
        );
    }
    // Rows by margin, then scenario: each margin's block reads down the scenarios.
    let mut rows: Vec<Row> = outcome.entries.iter().map(|e| Row::new(&sweep, e)).collect();
    rows.sort_by_key(|r| (sweep.runs[r.run].point, sweep.runs[r.run].scenario));

    let path = args.out.join("comparison.csv");
    let mut writer = csv::Writer::from_path(&path).with_context(|| format!("writing {}", path.display()))?;
    for row in &rows {
        writer.serialize(row)?;
    }
    writer.flush()?;
    let margins = policies::by_margin(&rows);
    if args.seeds.is_some() {
        policies::write(&args.out.join("policies.csv"), &margins)?;
    }
    if !args.quiet {
        print_table(&rows);
        if args.seeds.is_some() {
            policies::print(&margins);
        }
        println!("\nwrote {} runs: {} (and the sweep's runs and points tables beside it)", rows.len(), path.display());
    }
    Ok(())
}

impl Row {
    /// The row of one finished run, from its summary figures.
    fn new(sweep: &Sweep, entry: &Entry) -> Self {
        let spec = &sweep.runs[entry.run];
        let figure = |name: &str| {
            entry.figures.binary_search_by(|(n, _)| n.as_str().cmp(name)).ok().and_then(|i| entry.figures[i].1)
        };
        // Back to money at the one boundary, rounded as the table shows it.
        let money = |name: &str, step: Decimal| {
            money::from_f64(figure(name).unwrap_or(0.0), step, "a summary figure").unwrap_or_default()
        };
        let count = |name: &str| figure(name).map_or(0, |x| x as u64);
        // Each market's figures sit under its prefix (none for a one-market world, `markets.SYMBOL.` otherwise):
        // the largest drawdown of any, and the backtest with the most exceptions.
        let prefixes: Vec<&str> =
            entry.figures.iter().filter_map(|(n, _)| n.strip_suffix("mark_max_drawdown")).collect();
        let backtest = |p: &str| {
            let side = |s: &str| figure(&format!("{p}backtest.{s}_exceptions"));
            let exceptions = side("long")?.max(side("short")?) as u64;
            let observations = figure(&format!("{p}backtest.observations"))? as u64;
            let rate = figure(&format!("{p}backtest.expected_rate"))?;
            let clustered = figure(&format!("{p}backtest.clustering.independence_rejects")).map(|x| x > 0.5);
            Some((exceptions, traffic_light(exceptions, observations, rate), clustered))
        };
        let worst = prefixes.iter().filter_map(|p| backtest(p)).max_by_key(|(exceptions, ..)| *exceptions);
        let margin = match &sweep.points[spec.point][0] {
            Value::Text(name) => margin_label(name),
            Value::Number(x) => x.to_string(),
        };
        Self {
            run: entry.run,
            scenario: spec.job.scenario.name.clone(),
            margin,
            seed: spec.job.seed,
            bad_debt: money("bad_debt", CENT),
            insurance_fund_drawdown: money("insurance_fund_drawdown", CENT),
            liquidated_notional: money("liquidated_notional", Decimal::ONE),
            accounts_liquidated: count("accounts_liquidated"),
            margin_locked_mean: money("margin_locked_mean", Decimal::ONE),
            margin_locked_peak: money("margin_locked_peak", Decimal::ONE),
            rejected_orders: count("rejected_orders"),
            mark_max_drawdown: prefixes
                .iter()
                .filter_map(|p| figure(&format!("{p}mark_max_drawdown")))
                .fold(0.0, f64::max),
            backtest_exceptions: worst.map(|(exceptions, ..)| exceptions),
            backtest_zone: worst.map(|(_, zone, _)| zone.to_string()),
            clustering_rejects: worst.and_then(|(.., clustered)| clustered),
            procyclicality_max_increase: figure("procyclicality.max_increase"),
            procyclicality_peak_to_trough: figure("procyclicality.peak_to_trough"),
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
