//! Sweep throughput on the shipped plan (`scenarios/sweeps/maintenance.ron`, 32 runs): `cargo bench -p
//! cascade-sweep`.
//!
//! Prints the runs per second of the sweep at 1 and 2 threads and the overhead of a sweep run (journal, figures,
//! tables) over the same runs done one by one with `Simulation::run` and summary-only recording.

#![allow(clippy::unwrap_used, missing_docs)] // a benchmark binary: a failure is the benchmark failing

use cascade_sim::Simulation;
use cascade_sim::recorder::Recording;
use cascade_sweep::{Options, Sweep};
use std::time::Instant;

fn main() {
    let plan = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/sweeps/maintenance.ron");
    let sweep = Sweep::load(&plan).unwrap();
    let runs = sweep.runs.len() as f64;

    let started = Instant::now();
    for spec in &sweep.runs {
        let mut sim = Simulation::with_recording(&spec.job.scenario, spec.job.seed, Recording::SummaryOnly).unwrap();
        sim.run(|_, _| {}).unwrap();
        std::hint::black_box(sim.summary());
    }
    let lone = started.elapsed().as_secs_f64();

    let timed = |jobs: usize| {
        let out = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let options = Options { jobs: Some(jobs), ..Options::default() };
        cascade_sweep::run(&sweep, out.path(), options, |_, _| {}).unwrap();
        started.elapsed().as_secs_f64()
    };
    let one = timed(1);
    let two = timed(2);
    println!("{} runs of {}", sweep.runs.len(), plan.display());
    println!("{:>28} {:>10} {:>10}", "", "seconds", "runs/s");
    println!("{:>28} {lone:>10.2} {:>10.2}", "lone Simulation::run, 1 thread", runs / lone);
    println!("{:>28} {one:>10.2} {:>10.2}", "sweep, 1 thread", runs / one);
    println!("{:>28} {two:>10.2} {:>10.2}", "sweep, 2 threads", runs / two);
    println!(
        "speed-up 2 threads / 1: {:.2}x; sweep overhead at 1 thread: {:+.1}%",
        one / two,
        100.0 * (one / lone - 1.0)
    );
}
