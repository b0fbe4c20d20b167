//! `cascade fit`: a scenario's market fitted to a real price series by simulated moments, through
//! `cascade_calibrate::market`.

use anyhow::{Context, Result};
use cascade_calibrate::market::{self, FitOptions};
use cascade_core::moments::NAMES;
use cascade_sweep::Sweep;
use std::path::{Path, PathBuf};

/// Arguments of `cascade fit`.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// A sweep plan (RON, as `cascade sweep` reads) of one scenario, whose axes are the market's parameters.
    plan: PathBuf,
    /// The real series: a CSV of prices (a `price`, `close` or `mark` column; lines starting with `#` skipped).
    #[arg(long)]
    target: PathBuf,
    /// The target's price column (default: the first of `mark`, `price`, `close`).
    #[arg(long)]
    column: Option<String>,
    /// Sampling interval in observations: ticks of a run and rows of the target alike.
    #[arg(long, default_value_t = 1)]
    interval: usize,
    /// Block length of the target's bootstrap, returns.
    #[arg(long, default_value_t = 500)]
    block: usize,
    /// Output directory (default: runs/fit-<plan name>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Runs at once (default: the number of cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs every point of the plan, ranks the points by their distance to the target's moments, writes fit.csv and
/// fit.parquet, and prints the target's moments beside the nearest point's.
pub fn fit(args: &FitArgs) -> Result<()> {
    anyhow::ensure!(args.interval >= 1, "--interval must be at least 1");
    let sweep = Sweep::load(&args.plan)?;
    let (shown, prices, _) = super::facts::read(&args.target, args.column.as_deref())?;
    let options = FitOptions { interval: args.interval, block: args.block, jobs: args.jobs, ..FitOptions::default() };
    let runs = sweep.runs.len();
    let bar = super::progress_bar(runs as u64, "run", args.quiet);
    let result = market::fit(&sweep, &prices, &options, || bar.inc(1))?;
    bar.finish_and_clear();
    let out = args.out.clone().unwrap_or_else(|| Path::new("runs").join(format!("fit-{}", sweep.plan.name)));
    std::fs::create_dir_all(&out).with_context(|| format!("{}: cannot create", out.display()))?;
    let table = market::table(&sweep, &result);
    table.write_csv(&out.join("fit.csv"))?;
    table.write_parquet(&out.join("fit.parquet"))?;
    if args.quiet {
        return Ok(());
    }
    println!(
        "fit {:?}: {} points x {} seeds = {runs} runs of {} returns, against {shown} ({} returns), interval {}",
        sweep.plan.name,
        sweep.points.len(),
        runs / sweep.points.len().max(1),
        result.run_returns,
        result.target_returns,
        args.interval
    );
    for (index, message) in &result.failures {
        println!("  run {index} failed: {message}");
    }
    let Some(best) = result.points.first() else { return Ok(()) };
    println!("\n  {:<16} {:>9} {:>14} {:>9}", "moment", "target", "sd of a run", "nearest");
    for (i, name) in NAMES.iter().enumerate() {
        println!("  {:<16} {:>9.3} {:>14.3} {:>9.3}", name, result.target[i], result.target_sd[i], best.moments[i]);
    }
    let paths: Vec<&str> = sweep.plan.axes.iter().map(|a| a.path.as_str()).collect();
    println!("\n  {:>4} {:>9}  {}", "rank", "distance", paths.join("  "));
    for (rank, p) in result.points.iter().take(10).enumerate() {
        let values: Vec<String> = p.values.iter().map(|v| v.as_setting()).collect();
        println!("  {:>4} {:>9.2}  {}", rank + 1, p.distance, values.join("  "));
    }
    println!("  output  {}/{{fit.csv, fit.parquet}}", out.display());
    Ok(())
}
