//! Tick throughput of the default scenario as the number of leveraged accounts grows: `cargo bench -p cascade-sim`.
//!
//! Prints, per population size, ticks per second and microseconds per tick per thousand accounts. A margin engine
//! whose cost per tick grows slower than the number of accounts shows a falling last column.

#![allow(clippy::unwrap_used, missing_docs)] // a benchmark binary: a failure is the benchmark failing

use cascade_sim::Simulation;
use std::time::Instant;

fn main() {
    let text = include_str!("../../../scenarios/default.ron");
    let base = cascade_scenario::load_str("default.ron", text).unwrap();
    println!("{:>10} {:>8} {:>12} {:>22}", "accounts", "ticks", "ticks/s", "us/tick per 1k accts");
    for accounts in [1_000u32, 3_000, 10_000] {
        let mut scenario = base.clone();
        scenario.agents.leveraged_traders.count = accounts;
        scenario.ticks = 1_600; // through the shock at tick 1,440
        let mut sim = Simulation::new(&scenario, scenario.seed).unwrap();
        sim.set_audit_every_tick(false);
        let started = Instant::now();
        sim.run(|_, _| {}).unwrap();
        let seconds = started.elapsed().as_secs_f64();
        let per_tick = seconds / scenario.ticks as f64;
        println!(
            "{accounts:>10} {:>8} {:>12.0} {:>22.2}",
            scenario.ticks,
            1.0 / per_tick,
            per_tick * 1e6 / (f64::from(accounts) / 1_000.0)
        );
    }
}
