//! Tick throughput of the default scenario as the number of leveraged accounts grows: `cargo bench -p cascade-sim`.
//!
//! Prints, per population size, ticks per second, microseconds per tick per thousand accounts, and how many margin
//! checks went through the index of liquidation prices. The margin check alone is measured against a full scan,
//! up to a million accounts, by `cargo bench -p cascade-core --bench margin_check`.

#![allow(clippy::unwrap_used, missing_docs)] // a benchmark binary: a failure is the benchmark failing

use cascade_sim::Simulation;
use std::time::Instant;

fn main() {
    let base = cascade_scenario::library::load("default", &Default::default()).unwrap().unwrap();
    println!(
        "{:>10} {:>8} {:>12} {:>22} {:>16}",
        "accounts", "ticks", "ticks/s", "us/tick per 1k accts", "indexed checks"
    );
    for accounts in [1_000u32, 3_000, 10_000] {
        let scenario = base
            .edit(|s| {
                s.agents.leveraged_traders.count = accounts;
                s.ticks = 1_600; // through the shock at tick 1,440
            })
            .unwrap();
        let mut sim = Simulation::new(&scenario, scenario.seed).unwrap();
        sim.set_audit_every_tick(false);
        let started = Instant::now();
        sim.run(|_, _| {}).unwrap();
        let seconds = started.elapsed().as_secs_f64();
        let per_tick = seconds / scenario.ticks as f64;
        let stats = sim.margin_engine_stats();
        println!(
            "{accounts:>10} {:>8} {:>12.0} {:>22.2} {:>16}",
            scenario.ticks,
            1.0 / per_tick,
            per_tick * 1e6 / (f64::from(accounts) / 1_000.0),
            format!("{}/{}", stats.indexed_checks, stats.indexed_checks + stats.full_scans)
        );
    }
}
