//! `cascade calibrate` and `cascade breakpoint`: the cheapest margin rules meeting a calibration's targets, and the
//! mildest shock that breaks each policy, through `cascade_calibrate`.

use anyhow::{Context, Result};
use cascade_calibrate::breakpoint::{Breakpoint, Threshold};
use cascade_calibrate::file::{Parameter, Safer, Scale, Search, WeightedScenario};
use cascade_calibrate::{FamilyResult, Prepared, output};
use cascade_scenario::library::MARGIN_PRESETS;
use std::path::{Path, PathBuf};

/// Arguments of `cascade calibrate`.
#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// The calibration file (RON; see docs/calibration.md).
    file: PathBuf,
    /// Output directory (default: runs/calibrate-<name>). Running again resumes: finished runs are not redone.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Runs at once (default: the number of cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

/// Reads and checks the calibration, searches every family, writes the answer and the frontier, and prints them.
pub fn calibrate(args: &CalibrateArgs) -> Result<()> {
    let prepared = Prepared::load(&args.file)?;
    let c = &prepared.calibration;
    let out = args.out.clone().unwrap_or_else(|| Path::new("runs").join(format!("calibrate-{}", c.name)));
    let mut results = Vec::new();
    for family in &c.families {
        if !args.quiet {
            let paths: Vec<&str> = family.parameters.iter().map(|p| p.path.as_str()).collect();
            let how = if paths.len() > 1 { "CMA-ES" } else { "bisection" };
            let budget = prepared.budget(family);
            eprintln!("family {}: searching {} ({how}, at most {budget} runs)", family.name, paths.join(", "));
        }
        let result = prepared.family(family, &out, args.jobs).with_context(|| format!("family {}", family.name))?;
        results.push(result);
    }
    let written = output::write(&prepared, &results, &out)?;
    if !args.quiet {
        println!(
            "calibration {:?}: {} families x {} scenarios x {} seeds per point",
            c.name,
            c.families.len(),
            c.scenarios.len(),
            c.seeds
        );
        println!("  method: {}", written.method);
        println!(
            "{:<24} {:<44} {:>10} {:>21} {:>10} {:>16} {:>7} {:>6}",
            "family", "parameter", "answer", "95% interval", "boundary", "collateral", "points", "runs"
        );
        for f in &written.families {
            let x = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v}"));
            let answer = match (f.status == "met", f.answer, f.best_reached) {
                (true, Some(a), _) => format!("{a}"),
                (true, None, _) => "(below)".to_owned(),
                (false, _, Some(b)) => format!("none ({b})"),
                (false, _, None) => "none".to_owned(),
            };
            let interval = format!("[{}, {}]", x(f.interval95.0), x(f.interval95.1));
            let collateral = f.objective.map_or_else(|| "-".to_owned(), |o| format!("{o:.0}"));
            println!(
                "{:<24} {:<44} {:>10} {:>21} {:>10} {:>16} {:>7} {:>6}",
                f.family,
                f.parameter,
                answer,
                interval,
                x(f.boundary),
                collateral,
                f.points,
                f.runs
            );
            if f.status != "met" {
                let closest: Vec<String> = f.parameters.iter().map(|p| x(p.best_reached)).collect();
                println!("  {}: no value in range meets the targets; closest at {}:", f.family, closest.join(", "));
                for (name, limit, worst) in &f.targets {
                    println!("    {name} {worst:.6} (limit {limit})");
                }
            }
            if f.parameters.len() > 1 {
                for p in &f.parameters {
                    let at = if f.answer.is_some() || p.answer.is_some() { p.answer } else { p.best_reached };
                    let interval = format!("[{}, {}]", x(p.interval95.0), x(p.interval95.1));
                    println!("  {:<22} {:<44} {:>10} {:>21}", "", p.path, x(at), interval);
                }
            }
            if let Some(e) = &f.evolution {
                let stop = if e.converged { "converged" } else { "generations ran out" };
                println!(
                    "  {}: {} generations of {} ({stop}, spread {:.4}); {} candidates stopped after {} screening seeds, \
                     {} refused by the scenarios' checks",
                    f.family, e.generations, e.population, e.spread, e.screened_out, e.screen_seeds, e.invalid
                );
            }
            if f.monotone == Some(false) {
                println!("  {}: note: the verdicts are not monotone along the range", f.family);
            }
        }
        println!("  output  {}/{{calibration.json, frontier.csv, frontier.parquet, rounds/}}", out.display());
    }
    Ok(())
}

/// Arguments of `cascade breakpoint`.
#[derive(Debug, clap::Args)]
pub struct BreakpointArgs {
    /// A scenario file or the name of a shipped scenario.
    scenario: String,
    /// The shock's magnitude: a scenario field, as --set takes it (e.g. shocks[0].kind.PriceGap.change).
    #[arg(long, value_name = "PATH")]
    shock: String,
    /// One end of the magnitude's range; the end nearer zero is the milder, where the search starts.
    #[arg(long, allow_hyphen_values = true)]
    from: f64,
    /// The other end.
    #[arg(long, allow_hyphen_values = true)]
    to: f64,
    /// Margin rules tested: a preset, a rules file, or `scenario` (repeatable). Default: `scenario` and every preset.
    #[arg(long = "margin", value_name = "PRESET|FILE")]
    margins: Vec<String>,
    /// Broken means bad debt above this (quote; default 0: any bad debt).
    #[arg(long, default_value_t = 0.0, conflicts_with = "fund_exhausted")]
    bad_debt_above: f64,
    /// Broken means the insurance fund exhausted.
    #[arg(long)]
    fund_exhausted: bool,
    /// Share of the seeds that must break (0.5: the median breakpoint).
    #[arg(long, default_value_t = 0.5)]
    share: f64,
    /// Seeds per magnitude (the same at every magnitude).
    #[arg(long, default_value_t = 8)]
    seeds: u32,
    /// The bisection stops when the bracket is at most this wide (default: a hundredth of the range).
    #[arg(long)]
    tolerance: Option<f64>,
    /// Override a scenario field: PATH=VALUE (repeatable; applied before each --margin's rules are tested).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    overrides: Vec<String>,
    /// Ticks of every run (default: the scenario's).
    #[arg(long)]
    ticks: Option<u64>,
    /// Output directory (sweep rounds per policy, breakpoint.csv).
    #[arg(long, default_value = "runs/breakpoint")]
    out: PathBuf,
    /// Runs at once (default: the number of cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

/// Finds each policy's breakpoint and prints the table.
pub fn breakpoint(args: &BreakpointArgs) -> Result<()> {
    let (min, max) = (args.from.min(args.to), args.from.max(args.to));
    // The search starts from the milder end: the one nearer zero.
    let safer = if max.abs() < min.abs() { Safer::Lower } else { Safer::Higher };
    let policies = if args.margins.is_empty() {
        std::iter::once("scenario".to_owned()).chain(MARGIN_PRESETS.iter().map(|e| e.name.to_owned())).collect()
    } else {
        args.margins.clone()
    };
    let test = Breakpoint {
        scenario: WeightedScenario {
            name: args.scenario.clone(),
            weight: 1.0,
            set: args.overrides.clone(),
            ticks: args.ticks,
        },
        policies,
        shock: Parameter { path: args.shock.clone(), min, max, safer, scale: Scale::Linear, tied: Vec::new() },
        threshold: if args.fund_exhausted {
            Threshold::FundExhausted
        } else {
            Threshold::BadDebtAbove(args.bad_debt_above)
        },
        share: args.share,
        seeds: args.seeds,
        seed: 0,
        search: Search { tolerance: args.tolerance, ..Search::default() },
    };
    let results = test.run(&args.out, args.jobs)?;
    write_breakpoints(&args.out.join("breakpoint.csv"), &test, &results)?;
    if !args.quiet {
        println!(
            "breakpoint of {} along {}: {} in at least {:.0}% of {} seeds",
            args.scenario,
            args.shock,
            test.threshold,
            test.share * 100.0,
            test.seeds
        );
        println!("{:<24} {:>14} {:>23} {:>14} {:>6}", "margin rules", "breaks at", "95% interval", "holds at", "runs");
        for r in &results {
            let (breaks, holds) = ends(r);
            let x = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v}"));
            let (low, high) = r.interval.first().copied().unwrap_or((None, None));
            let interval = format!("[{}, {}]", x(low), x(high));
            let breaks = breaks.map_or_else(|| "beyond range".to_owned(), |b| format!("{b}"));
            println!("{:<24} {:>14} {:>23} {:>14} {:>6}", r.family, breaks, interval, x(holds), r.runs);
        }
        println!("  output  {}/{{breakpoint.csv, rounds/}}", args.out.display());
    }
    Ok(())
}

/// The mildest magnitude found to break the policy, and the strongest found that it survives.
fn ends(r: &FamilyResult) -> (Option<f64>, Option<f64>) {
    use cascade_calibrate::search::Answer;
    match r.bisection() {
        Some(found) => match found.answer {
            Answer::AtStart => (found.evaluated.first().map(|e| e.0), None),
            Answer::Between { before, first } => (Some(first), Some(before)),
            Answer::Nowhere => (None, found.evaluated.last().map(|e| e.0)),
        },
        None => (None, None),
    }
}

/// `breakpoint.csv`: one row per policy.
fn write_breakpoints(path: &Path, test: &Breakpoint, results: &[FamilyResult]) -> Result<()> {
    std::fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).with_context(|| path.display().to_string())?;
    let mut w = csv::Writer::from_path(path).with_context(|| path.display().to_string())?;
    w.write_record([
        "margin",
        "shock",
        "threshold",
        "share",
        "seeds",
        "breaks_at",
        "holds_at",
        "ci95_low",
        "ci95_high",
        "runs",
    ])?;
    for r in results {
        let (breaks, holds) = ends(r);
        let x = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v}"));
        w.write_record([
            r.family.clone(),
            r.paths.join(", "),
            test.threshold.to_string(),
            test.share.to_string(),
            test.seeds.to_string(),
            x(breaks),
            x(holds),
            x(r.interval.first().and_then(|i| i.0)),
            x(r.interval.first().and_then(|i| i.1)),
            r.runs.to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
}
