//! `cascade sweep` and `cascade merge`: a plan of scenarios x axes x seeds on every core, through
//! `cascade_sweep`.

use crate::cli::progress_bar;
use anyhow::{Context, Result};
use cascade_sweep::{Options, Shard, Sweep};
use std::path::{Path, PathBuf};

/// Arguments of `cascade sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// The sweep plan (RON; see docs/sweeps.md).
    plan: PathBuf,
    /// Output directory (default: runs/sweep-<name>). Running again resumes: finished runs are not redone.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Runs at once (default: the number of cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Run only shard I of N (runs whose index mod N is I) into <out>/part-I-of-N; `cascade merge` combines parts.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// Also write each run's own files (timeseries.csv, events.csv, summary.json) under <out>/runs/<index>/.
    #[arg(long)]
    keep_runs: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

/// Prepares the plan (every point validated first), runs it and reports where the tables are.
pub fn sweep(args: &SweepArgs) -> Result<()> {
    let sweep = Sweep::load(&args.plan)?;
    let out = args.out.clone().unwrap_or_else(|| Path::new("runs").join(format!("sweep-{}", sweep.plan.name)));
    let shard = args.shard.unwrap_or(Shard::ALL);
    let owned = sweep.runs.iter().filter(|r| shard.owns(r.index)).count();
    if !args.quiet {
        sweep.late_shock_notes().iter().for_each(|note| eprintln!("note: {note}"));
    }
    let bar = progress_bar(owned as u64, "run", args.quiet);
    let options = Options { jobs: args.jobs, shard, keep_runs: args.keep_runs, ..Options::default() };
    let outcome = cascade_sweep::run(&sweep, &out, options, |done, _| bar.set_position(done as u64))
        .with_context(|| format!("sweep {}", args.plan.display()))?;
    bar.finish_and_clear();
    if !args.quiet {
        let m = &outcome.manifest;
        let rate = m.runs_this_time as f64 / m.elapsed_seconds.max(1e-9);
        println!(
            "sweep {:?}: {} points x {} scenarios x {} seeds = {} runs; this shard {}: {} run now ({rate:.1} runs/s), {} found done, {} errors",
            m.plan_name,
            sweep.points.len(),
            sweep.plan.scenarios.len(),
            sweep.seeds_per_point(),
            m.runs,
            if shard.count == 1 { "all".to_owned() } else { format!("{}/{}", shard.index, shard.count) },
            m.runs_this_time,
            m.shard_runs - m.runs_this_time,
            m.errors
        );
        if shard.count == 1 {
            println!(
                "  output  {}/{{runs.parquet, runs.csv, points.parquet, points.csv, manifest.json}}",
                outcome.dir.display()
            );
        } else {
            println!("  output  {} (combine the parts with `cascade merge {}`)", outcome.dir.display(), out.display());
        }
    }
    Ok(())
}

/// Combines the parts of a sharded sweep into its tables.
pub fn merge(dir: &Path, quiet: bool) -> Result<()> {
    let outcome = cascade_sweep::merge(dir)?;
    if !quiet {
        println!(
            "merged {} runs ({} errors) into {}/{{runs.parquet, runs.csv, points.parquet, points.csv}}",
            outcome.manifest.runs,
            outcome.manifest.errors,
            outcome.dir.display()
        );
    }
    Ok(())
}
