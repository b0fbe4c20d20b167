//! A calm day at venue scale, with divan: `cargo bench -p cascade-sim --bench scale`.
//!
//! The shipped `scale` scenario (one-second ticks, volatility-adaptive margin whose fraction moves every tick,
//! leveraged accounts at a median 3x entering over six hours, no shock) at 10,000, 100,000 and 1,000,000 accounts.
//! One sample is the whole day, 86,400 ticks, world built and run, summary-only recording, on one thread. The target
//! is a million accounts in under 60 seconds: the per-tick work must stay far below the number of accounts.

#![allow(clippy::unwrap_used, missing_docs)] // a benchmark binary: a failure is the benchmark failing

use cascade_sim::Simulation;
use cascade_sim::recorder::Recording;

fn main() {
    divan::main();
}

/// The shipped scale scenario with `accounts` leveraged traders.
fn scenario(accounts: u32) -> cascade_scenario::Scenario {
    let text = include_str!("../../../scenarios/bench/scale.ron");
    let base = cascade_scenario::load_str("scale.ron", text).unwrap();
    base.edit(|s| s.agents.leveraged_traders.count = accounts).unwrap()
}

/// Builds and runs the day; prints the liquidations and the margin checks once per size.
#[divan::bench(args = [10_000, 100_000, 1_000_000], sample_count = 1, sample_size = 1)]
fn day(bencher: divan::Bencher, accounts: u32) {
    let scenario = scenario(accounts);
    bencher.bench_local(|| {
        let mut sim = Simulation::with_recording(&scenario, scenario.seed, Recording::SummaryOnly).unwrap();
        sim.set_audit_every_tick(false);
        sim.run(|_, _| {}).unwrap();
        let stats = sim.margin_engine_stats();
        eprintln!(
            "{accounts} accounts, {} ticks: {} close-outs, {} indexed margin checks, {} full scans",
            scenario.ticks,
            sim.summary().liquidations,
            stats.indexed_checks,
            stats.full_scans
        );
    });
}
