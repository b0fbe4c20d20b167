//! `cascade run`: one scenario headless, its files written and its summary printed.

use crate::cli::{Loaded, load, note_late_shocks, progress_bar, summary::print_summary};
use anyhow::{Context, Result};
use cascade_scenario::{Override, Overrides, library};
use cascade_sim::Simulation;
use cascade_sim::output::{FileSink, Manifest, write_summary};
use cascade_sim::recorder::Recording;
use std::path::PathBuf;

/// The scenario `cascade run` runs without one named.
pub const DEFAULT_SCENARIO: &str = "default";

/// Arguments of `cascade run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (RON), or the name of a shipped scenario (see `cascade scenarios`). Default: `default`.
    scenario: Option<String>,
    /// Seed of every random stream (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Number of ticks to run (default: the scenario's `ticks`).
    #[arg(long)]
    ticks: Option<u64>,
    /// Output directory (default: runs/<scenario name>-seed<seed>, or runs/<scenario name>-<margin>-seed<seed> with
    /// --margin, so that a run under other rules does not overwrite the plain run).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Override any scenario field: PATH=VALUE, e.g. `--set margin.initial=0.1 --set shocks[0].at=600`
    /// (repeatable; recorded in the manifest). VALUE is written as in a scenario file (`BadDebt`,
    /// `Partial(target: 1.0, slice_fraction: 0.2)`) or as JSON.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    overrides: Vec<Override>,
    /// Replace the scenario's margin rules with a shipped preset (see `cascade scenarios`) or a file
    /// `(margin: (...))` (nothing else); `--set margin.*` overrides still apply on top.
    #[arg(long, value_name = "PRESET|FILE")]
    margin: Option<String>,
    /// Audit ledger conservation after every tick (slower; always on in debug builds).
    #[arg(long)]
    audit: bool,
    /// Write each winner's haircut of a socialized loss to events.csv (`haircut` rows; default: one
    /// `socialized_loss` row per shortfall, with the number of winners).
    #[arg(long)]
    haircut_events: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs the scenario, writes its files and prints its summary.
pub fn run(args: RunArgs) -> Result<()> {
    let margin = match &args.margin {
        Some(name) => Some(library::load_margin(name).with_context(|| format!("margin rules {name}"))?),
        None => None,
    };
    let overrides = Overrides { margin, set: args.overrides, ticks: args.ticks, seed: args.seed };
    let loaded = load(args.scenario.as_deref().unwrap_or(DEFAULT_SCENARIO), &overrides)?;
    note_late_shocks(&loaded, args.quiet);
    let Loaded { source, scenario } = &loaded;
    let seed = scenario.seed;
    let margin_label = args.margin.as_deref().map(|m| format!("-{}", crate::cli::margin_label(m))).unwrap_or_default();
    let out =
        args.out.unwrap_or_else(|| PathBuf::from("runs").join(format!("{}{margin_label}-seed{seed}", scenario.name)));

    // Rows stream to the files as the run goes; a run that fails leaves no partial files behind.
    let sink = FileSink::create(&out).context("writing outputs")?.with_haircuts(args.haircut_events);
    let mut sim = match Simulation::with_recording(scenario, seed, Recording::Stream(Box::new(sink))) {
        Ok(sim) => sim,
        Err(e) => {
            remove_partial(&out);
            return Err(e).context("building the world");
        }
    };
    if args.audit {
        sim.set_audit_every_tick(true);
    }
    let progress = progress_bar(scenario.ticks, "tick", args.quiet);
    let step = (scenario.ticks / 200).max(1);
    let ran = sim.run(|done, _| {
        if done % step == 0 {
            progress.set_position(done);
        }
    });
    progress.finish_and_clear();
    if let Err(e) = ran {
        drop(sim);
        remove_partial(&out);
        return Err(e).with_context(|| format!("running {}", source.label));
    }

    let manifest = Manifest::new(source, scenario, seed, &overrides, std::env::args().collect());
    write_summary(&out, &sim, &manifest).context("writing outputs")?;
    if !args.quiet {
        print_summary(&sim.summary(), scenario, &source.label, &out);
    }
    Ok(())
}

/// Removes the streamed files of a run that failed, so that nothing in `out` looks like a finished run.
fn remove_partial(out: &std::path::Path) {
    for file in ["timeseries.csv", "events.csv", "markets.csv"] {
        let _ = std::fs::remove_file(out.join(file));
    }
    let _ = std::fs::remove_dir(out);
}
