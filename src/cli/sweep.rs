//! `cascade sweep` and `cascade merge`: a plan of scenarios x axes x seeds on every core, through
//! `cascade_sweep`.

use crate::cli::progress_bar;
use anyhow::{Context, Result};
use cascade_sweep::cluster::{self, Estimate, Kubernetes, Paths, ShardSpec};
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
    /// `auto/N` reads I from the batch engine: SLURM_ARRAY_TASK_ID (Slurm job arrays) or JOB_COMPLETION_INDEX
    /// (Kubernetes Indexed Jobs).
    #[arg(long, value_name = "I/N|auto/N")]
    shard: Option<ShardSpec>,
    /// Instead of running the sweep, write what runs it on a cluster into <out>/slurm/ (a job array and a submit
    /// script with the merge as a dependent job) or <out>/k8s/ (an Indexed Job and a merge Job), with each task's
    /// time and memory estimated from a pilot run here.
    #[arg(long, value_name = "slurm|k8s")]
    emit: Option<Engine>,
    /// Tasks (shards) of the emitted job.
    #[arg(long, default_value_t = 4, requires = "emit")]
    tasks: usize,
    /// Runs of the plan the pilot runs (on one core) to estimate a task's time.
    #[arg(long, default_value_t = 1, requires = "emit")]
    pilot: usize,
    /// Container image holding `cascade` (--emit k8s).
    #[arg(long, default_value = "cascade:latest", requires = "emit")]
    image: String,
    /// Persistent volume claim mounted at /work in every pod, holding the plan and the output (--emit k8s).
    #[arg(long, default_value = "cascade-work", requires = "emit")]
    volume_claim: String,
    /// Also write each run's own files (timeseries.csv, events.csv, summary.json) under <out>/runs/<index>/.
    #[arg(long)]
    keep_runs: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

/// A batch engine `--emit` writes for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Engine {
    /// A Slurm job array (`sbatch`).
    Slurm,
    /// A Kubernetes Indexed Job.
    K8s,
}

/// Prepares the plan (every point validated first), runs it and reports where the tables are; or, with `--emit`,
/// writes the files that run it on a cluster.
pub fn sweep(args: &SweepArgs) -> Result<()> {
    let sweep = Sweep::load(&args.plan)?;
    let out = args.out.clone().unwrap_or_else(|| Path::new("runs").join(format!("sweep-{}", sweep.plan.name)));
    if let Some(engine) = args.emit {
        return emit(args, &sweep, &out, engine);
    }
    let shard = match args.shard {
        Some(spec) => spec.resolve(|name| std::env::var(name).ok()).map_err(anyhow::Error::msg)?,
        None => Shard::ALL,
    };
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

/// Writes the cluster files of `--emit` after a pilot run, and says how to submit them.
fn emit(args: &SweepArgs, sweep: &Sweep, out: &Path, engine: Engine) -> Result<()> {
    anyhow::ensure!(args.tasks >= 1, "--tasks must be at least 1");
    anyhow::ensure!(args.shard.is_none(), "--emit writes the job of every shard; leave out --shard");
    let cores = args.jobs.unwrap_or(1).max(1);
    let estimate = Estimate::pilot(sweep, args.tasks, cores, args.pilot)?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let absolute = |p: &Path| -> Result<String> {
        Ok(std::fs::canonicalize(p).with_context(|| format!("{}", p.display()))?.display().to_string())
    };
    let file_name = |p: &Path| p.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let (dir, submit) = match engine {
        Engine::Slurm => {
            let cascade = std::env::current_exe().context("finding the cascade executable")?.display().to_string();
            let paths = Paths { cascade, plan: absolute(&args.plan)?, out: absolute(out)? };
            let dir = cluster::write_slurm(out, sweep, &paths, &estimate)?;
            let submit = format!("bash {}/submit.sh", dir.display());
            (dir, submit)
        }
        Engine::K8s => {
            let paths = Paths {
                cascade: "cascade".to_owned(),
                plan: format!("/work/{}", file_name(&args.plan)),
                out: format!("/work/{}", file_name(out)),
            };
            let k8s = Kubernetes {
                image: args.image.clone(),
                volume_claim: args.volume_claim.clone(),
                parallelism: args.tasks,
            };
            let dir = cluster::write_kubernetes(out, sweep, &paths, &estimate, &k8s)?;
            let submit = format!(
                "copy {} to the volume's root, then kubectl apply -f {}/sweep-job.yaml; once it completes, \
                 kubectl apply -f {}/merge-job.yaml",
                args.plan.display(),
                dir.display(),
                dir.display()
            );
            (dir, submit)
        }
    };
    if !args.quiet {
        println!(
            "sweep {:?}: {} runs in {} tasks of {} core(s), at most {} runs each; pilot {:.2} s a run: \
             {} minutes and {} MiB a task",
            sweep.plan.name,
            sweep.runs.len(),
            estimate.tasks,
            estimate.cores_per_task,
            estimate.runs_per_task,
            estimate.seconds_per_run,
            estimate.minutes,
            estimate.memory_mib
        );
        println!("  wrote   {}", dir.display());
        println!("  submit  {submit}");
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
