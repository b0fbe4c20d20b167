//! Running a sweep: the runs of one shard on every core, journaled as they end, resumed after an interrupt, and
//! the result tables written once every run of the sweep is in; `merge` does the same from the parts of a sharded
//! sweep.

use crate::SweepError;
use crate::journal::{Entry, Journal};
use crate::results::{points_table, runs_table};
use crate::sweep::{Sweep, part_dir};
use cascade_sim::batch;
use cascade_sim::output::{FileSink, write_summary};
use cascade_sim::recorder::Recording;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Which runs one process does: run `i` belongs to shard `i mod count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard, from 0.
    pub index: usize,
    /// How many shards the sweep is cut into (1: unsharded).
    pub count: usize,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Whether run `run` is this shard's.
    pub fn owns(&self, run: usize) -> bool {
        run % self.count == self.index
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// `I/N`, with `0 <= I < N`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("expected a shard as I/N with 0 <= I < N, found `{s}`");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (usize, usize) =
            (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// A flag another thread raises to stop a sweep (a Ctrl-C in a notebook): runs not yet started are skipped, those
/// running finish and are journaled, and [`run`] returns [`SweepError::Cancelled`]; running again resumes.
#[derive(Debug, Clone, Default)]
pub struct Cancel(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Cancel {
    /// Asks the sweep to stop.
    pub fn cancel(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether it was asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl PartialEq for Cancel {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Cancel {}

/// How to run (default: every core, the whole sweep, summaries only, another plan's directory refused, never
/// cancelled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Runs at once (`None`: one per core).
    pub jobs: Option<usize>,
    /// Which runs.
    pub shard: Shard,
    /// Write each run's own files (as `cascade run` does) under `runs/<index>/`.
    pub keep_runs: bool,
    /// An output directory holding another plan's sweep is cleared of it and reused (what `cascade compare`
    /// does), instead of refused.
    pub replace: bool,
    /// Raised to stop the sweep early.
    pub cancel: Cancel,
}

impl Default for Options {
    fn default() -> Self {
        Self { jobs: None, shard: Shard::ALL, keep_runs: false, replace: false, cancel: Cancel::default() }
    }
}

/// What the output directory records of a sweep: written when a run starts, checked when it resumes, and (with
/// `complete`) when it has finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Program name.
    pub program: String,
    /// Program version.
    pub version: String,
    /// The sweep's name.
    pub plan_name: String,
    /// SHA-256 of the plan's text.
    pub plan_sha256: String,
    /// The sweep seed.
    pub seed: u64,
    /// Runs in the whole sweep.
    pub runs: usize,
    /// The shard this directory holds.
    pub shard: Shard,
    /// Runs of this shard.
    pub shard_runs: usize,
    /// Runs that failed (each is a row with its error).
    pub errors: usize,
    /// Runs done by this invocation (the others were found in the journal).
    pub runs_this_time: usize,
    /// Wall time of this invocation, seconds.
    pub elapsed_seconds: f64,
    /// Whether every run of the shard is done (a part that says `false` is not mergeable).
    pub complete: bool,
    /// The plan's directory, where its relative scenario files resolve (`cascade merge` prepares the plan again).
    #[serde(default)]
    pub plan_dir: Option<PathBuf>,
}

impl Manifest {
    /// The manifest of `shard` of `sweep` holding `entries`, `runs_this_time` of them run by an invocation that
    /// started at `started`.
    fn new(sweep: &Sweep, shard: Shard, entries: &[Entry], runs_this_time: usize, started: Instant) -> Self {
        let shard_runs = sweep.runs.iter().filter(|r| shard.owns(r.index)).count();
        Self {
            program: "cascade".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            plan_name: sweep.plan.name.clone(),
            plan_sha256: sweep.sha256.clone(),
            seed: sweep.plan.seed,
            runs: sweep.runs.len(),
            shard,
            shard_runs,
            errors: entries.iter().filter(|e| e.error.is_some()).count(),
            runs_this_time,
            elapsed_seconds: started.elapsed().as_secs_f64(),
            complete: entries.len() == shard_runs,
            plan_dir: sweep.dir.clone(),
        }
    }
}

/// What a finished invocation did.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Where the results are.
    pub dir: PathBuf,
    /// The manifest written.
    pub manifest: Manifest,
    /// Every finished run of the shard (or, merged, of the sweep), in run order.
    pub entries: Vec<Entry>,
}

/// Runs the shard's runs of `sweep` into `out` (a part directory inside it when sharded), skipping those its
/// journal already holds; `progress(done, total)` after each run. With the whole sweep done, writes `runs` and
/// `points` (CSV and Parquet) and the manifest.
pub fn run(
    sweep: &Sweep,
    out: &Path,
    options: Options,
    progress: impl Fn(usize, usize) + Sync,
) -> Result<Outcome, SweepError> {
    let started = Instant::now();
    let shard = options.shard;
    let dir = if shard.count == 1 { out.to_path_buf() } else { part_dir(out, shard.index, shard.count) };
    let io =
        |path: &Path, e: std::io::Error| SweepError::Io { path: path.display().to_string(), message: e.to_string() };
    std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
    let plan_copy = dir.join("plan.ron");
    match std::fs::read_to_string(&plan_copy) {
        Ok(previous) if previous != sweep.text && !options.replace => {
            return Err(SweepError::PlanChanged { dir: dir.display().to_string() });
        }
        Ok(previous) if previous != sweep.text => {
            clear(&dir)?;
            crate::table::write_atomically(&plan_copy, sweep.text.as_bytes())?;
        }
        Ok(_) => {}
        Err(_) => crate::table::write_atomically(&plan_copy, sweep.text.as_bytes())?,
    }
    let (journal, mut entries) = Journal::open(&dir.join("journal.jsonl"))?;
    entries.retain(|e| e.run < sweep.runs.len() && shard.owns(e.run));
    let done: std::collections::BTreeSet<usize> = entries.iter().map(|e| e.run).collect();
    let todo: Vec<&crate::sweep::RunSpec> =
        sweep.runs.iter().filter(|r| shard.owns(r.index) && !done.contains(&r.index)).collect();
    let shard_runs = sweep.runs.iter().filter(|r| shard.owns(r.index)).count();
    let jobs: Vec<batch::Job> = todo.iter().map(|r| r.job.clone()).collect();
    let counter = std::sync::atomic::AtomicUsize::new(done.len());
    let keep = &sweep.plan.metrics;
    let results = batch::run(
        &jobs,
        options.jobs,
        |i, _| -> Result<Recording, SweepError> {
            if options.cancel.is_cancelled() {
                return Err(SweepError::Cancelled);
            }
            if !options.keep_runs {
                return Ok(Recording::SummaryOnly);
            }
            let run_dir = dir.join("runs").join(todo[i].index.to_string());
            let sink = FileSink::create(&run_dir).map_err(|e| SweepError::Run(e.to_string()))?;
            Ok(Recording::Stream(Box::new(sink)))
        },
        |i, _, sim| {
            if options.keep_runs {
                let run_dir = dir.join("runs").join(todo[i].index.to_string());
                write_summary(&run_dir, &sim, &todo[i].manifest).map_err(|e| SweepError::Run(e.to_string()))?;
            }
            let entry =
                Entry { run: todo[i].index, figures: crate::metrics::figures(&sim.summary(), keep), error: None };
            journal.append(&entry)?;
            Ok(entry)
        },
        |_| progress(counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, shard_runs),
    )
    .map_err(|e| SweepError::Run(e.to_string()))?;
    let runs_this_time = results.len();
    for (result, spec) in results.into_iter().zip(&todo) {
        let entry = match result {
            Ok(entry) => entry,
            Err(e @ SweepError::Io { .. }) => return Err(e),
            Err(SweepError::Cancelled) => continue,
            Err(e) => {
                let entry = Entry { run: spec.index, figures: Vec::new(), error: Some(e.to_string()) };
                journal.append(&entry)?;
                entry
            }
        };
        entries.push(entry);
    }
    if options.cancel.is_cancelled() {
        return Err(SweepError::Cancelled);
    }
    entries.sort_by_key(|e| e.run);
    let manifest = Manifest::new(sweep, shard, &entries, runs_this_time, started);
    if shard.count == 1 {
        write_tables(sweep, &entries, &dir)?;
    }
    write_manifest(&dir, &manifest)?;
    Ok(Outcome { dir, manifest, entries })
}

/// Removes from `dir` what a sweep wrote there: its journal, tables, manifest and kept runs.
fn clear(dir: &Path) -> Result<(), SweepError> {
    let io =
        |path: &Path, e: std::io::Error| SweepError::Io { path: path.display().to_string(), message: e.to_string() };
    let runs = dir.join("runs");
    if runs.is_dir() {
        std::fs::remove_dir_all(&runs).map_err(|e| io(&runs, e))?;
    }
    for name in ["journal.jsonl", "manifest.json", "runs.csv", "runs.parquet", "points.csv", "points.parquet"] {
        let path = dir.join(name);
        if path.is_file() {
            std::fs::remove_file(&path).map_err(|e| io(&path, e))?;
        }
    }
    Ok(())
}

/// Writes `runs` and `points`, CSV and Parquet, into `dir`.
fn write_tables(sweep: &Sweep, entries: &[Entry], dir: &Path) -> Result<(), SweepError> {
    let runs = runs_table(sweep, entries);
    runs.write_csv(&dir.join("runs.csv"))?;
    runs.write_parquet(&dir.join("runs.parquet"))?;
    let points = points_table(sweep, entries);
    points.write_csv(&dir.join("points.csv"))?;
    points.write_parquet(&dir.join("points.parquet"))?;
    Ok(())
}

fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), SweepError> {
    let mut text = serde_json::to_string_pretty(manifest).map_err(|e| SweepError::Run(e.to_string()))?;
    text.push('\n');
    Ok(crate::table::write_atomically(&dir.join("manifest.json"), text.as_bytes())?)
}

/// Combines the parts of a sharded sweep in `out` (`part-I-of-N/`) into the tables the unsharded sweep writes,
/// in `out`. Refuses parts of different plans, a missing or unfinished part.
pub fn merge(out: &Path) -> Result<Outcome, SweepError> {
    let started = Instant::now();
    let io =
        |path: &Path, e: std::io::Error| SweepError::Io { path: path.display().to_string(), message: e.to_string() };
    let mut parts: Vec<(Shard, PathBuf)> = Vec::new();
    for item in std::fs::read_dir(out).map_err(|e| io(out, e))? {
        let path = item.map_err(|e| io(out, e))?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if let Some(rest) = name.strip_prefix("part-")
            && let Some((i, n)) = rest.split_once("-of-")
            && let (Ok(index), Ok(count)) = (i.parse(), n.parse())
        {
            parts.push((Shard { index, count }, path));
        }
    }
    parts.sort_by_key(|(s, _)| (s.count, s.index));
    let Some(&(first, _)) = parts.first() else {
        return Err(SweepError::Merge(format!("{}: no part-I-of-N directories", out.display())));
    };
    let count = first.count;
    if parts.iter().any(|(s, _)| s.count != count) {
        return Err(SweepError::Merge(format!(
            "{}: parts of sweeps cut into different numbers of shards",
            out.display()
        )));
    }
    let missing: Vec<String> = (0..count)
        .filter(|i| !parts.iter().any(|(s, _)| s.index == *i))
        .map(|i| format!("part-{i}-of-{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(SweepError::Merge(format!("{}: missing {}", out.display(), missing.join(", "))));
    }
    let text = std::fs::read_to_string(parts[0].1.join("plan.ron")).map_err(|e| io(&parts[0].1.join("plan.ron"), e))?;
    let mut entries = Vec::new();
    let mut first_manifest = None;
    for (shard, dir) in &parts {
        let manifest_path = dir.join("manifest.json");
        let manifest: Manifest =
            std::fs::read_to_string(&manifest_path).map_err(|e| io(&manifest_path, e)).and_then(|t| {
                serde_json::from_str(&t).map_err(|e| SweepError::Merge(format!("{}: {e}", manifest_path.display())))
            })?;
        let plan = std::fs::read_to_string(dir.join("plan.ron")).map_err(|e| io(&dir.join("plan.ron"), e))?;
        if plan != text {
            return Err(SweepError::Merge(format!("{}: a part of another plan", dir.display())));
        }
        if !manifest.complete {
            let again = format!("cascade sweep PLAN --shard {}/{}", shard.index, shard.count);
            return Err(SweepError::Merge(format!("{}: unfinished: run `{again}` again to finish it", dir.display())));
        }
        first_manifest.get_or_insert(manifest);
        let (_, found) = Journal::open(&dir.join("journal.jsonl"))?;
        entries.extend(found.into_iter().filter(|e| shard.owns(e.run)));
    }
    let plan_dir = first_manifest.and_then(|m| m.plan_dir);
    let sweep = Sweep::prepare(&out.join("plan.ron").display().to_string(), &text, plan_dir.as_deref(), "sweep")?;
    entries.sort_by_key(|e| e.run);
    entries.dedup_by_key(|e| e.run);
    if entries.len() != sweep.runs.len() {
        return Err(SweepError::Merge(format!(
            "{}: {} of {} runs found",
            out.display(),
            entries.len(),
            sweep.runs.len()
        )));
    }
    write_tables(&sweep, &entries, out)?;
    crate::table::write_atomically(&out.join("plan.ron"), text.as_bytes())?;
    let manifest = Manifest::new(&sweep, Shard::ALL, &entries, 0, started);
    write_manifest(out, &manifest)?;
    Ok(Outcome { dir: out.to_path_buf(), manifest, entries })
}
