//! Sweep throughput on the shipped plan (`scenarios/sweeps/maintenance.ron`, 32 runs of 1,600 ticks), with divan:
//! `cargo bench -p cascade-sweep`.
//!
//! Three benchmarks, each one whole pass over the plan per sample: the runs one by one with `Simulation::run` and
//! summary-only recording (`lone_runs`), and the sweep on 1 and 2 threads (`sweep`). Runs per second are 32 over
//! the median time; the speed-up is `sweep(1) / sweep(2)`, the sweep's overhead `sweep(1) / lone_runs - 1`.

#![allow(clippy::unwrap_used, missing_docs)] // a benchmark binary: a failure is the benchmark failing

use cascade_sim::Simulation;
use cascade_sim::recorder::Recording;
use cascade_sweep::{Options, Sweep};
use std::sync::LazyLock;

/// The shipped plan, prepared once.
static PLAN: LazyLock<Sweep> = LazyLock::new(|| {
    let plan = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/sweeps/maintenance.ron");
    Sweep::load(&plan).unwrap()
});

fn main() {
    LazyLock::force(&PLAN);
    divan::main();
}

/// Every run of the plan alone, one after the other.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn lone_runs() {
    for spec in &PLAN.runs {
        let mut sim = Simulation::with_recording(&spec.job.scenario, spec.job.seed, Recording::SummaryOnly).unwrap();
        sim.run(|_, _| {}).unwrap();
        divan::black_box(sim.summary());
    }
}

/// The whole sweep (journal, figures, tables) into a fresh directory on `jobs` threads.
#[divan::bench(args = [1, 2], sample_count = 3, sample_size = 1)]
fn sweep(bencher: divan::Bencher, jobs: usize) {
    bencher.with_inputs(|| tempfile::tempdir().unwrap()).bench_values(|out| {
        let options = Options { jobs: Some(jobs), ..Options::default() };
        cascade_sweep::run(&PLAN, out.path(), options, |_, _| {}).unwrap()
    });
}
