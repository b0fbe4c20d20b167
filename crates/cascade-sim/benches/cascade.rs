//! A liquidation cascade at venue scale, with divan: `cargo bench -p cascade-sim --bench cascade`.
//!
//! `N` leveraged longs (300 of collateral at a median 5x) enter over 200 one-minute ticks against four deep market
//! makers; a -30% gap at tick 200 liquidates about a third of them within the hour, the insurance fund runs dry and
//! auto-deleveraging closes what the book cannot. One sample is the whole 260-tick run; the figure to read is the
//! time per close-out, which should not grow with `N` (the ADL queue is kept current, not rebuilt per close-out).

#![allow(clippy::unwrap_used, missing_docs)] // a benchmark binary: a failure is the benchmark failing

use cascade_sim::Simulation;
use cascade_sim::recorder::Recording;

fn main() {
    divan::main();
}

/// The crash scenario with `accounts` leveraged longs.
fn scenario(accounts: u32) -> cascade_scenario::Scenario {
    let text = format!(
        r#"(
            name: "cascade-{accounts}", seed: 1, ticks: 260,
            agents: (
                market_makers: (count: 4, capital: 100000000, max_inventory: 1000000000, level_notional: 300000),
                leveraged_traders: (count: {accounts}, capital: 300, long_fraction: 1.0, entry_window_ticks: 200),
            ),
            shocks: [(at: 200, kind: PriceGap(change: -0.30))],
        )"#
    );
    cascade_scenario::load_str("cascade.ron", &text).unwrap()
}

/// The whole run, summary-only recording; prints the close-outs and the ADL volume once per size.
#[divan::bench(args = [10_000, 30_000, 100_000], sample_count = 3, sample_size = 1)]
fn crash(bencher: divan::Bencher, accounts: u32) {
    let scenario = scenario(accounts);
    let mut printed = false;
    bencher.bench_local(|| {
        let mut sim = Simulation::with_recording(&scenario, scenario.seed, Recording::SummaryOnly).unwrap();
        sim.set_audit_every_tick(false);
        sim.run(|_, _| {}).unwrap();
        let summary = sim.summary();
        if !printed {
            eprintln!(
                "{accounts} accounts: {} close-outs, {} deleveraged notional",
                summary.liquidations,
                summary.deleveraged_notional.round_dp(0)
            );
            printed = true;
        }
        summary
    });
}
