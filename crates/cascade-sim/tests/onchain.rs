//! On-chain venue mechanics (issue 19): a push oracle that publishes on a deviation threshold or a heartbeat.

use cascade_scenario::{PushOracle, RawScenario, Scenario};
use cascade_sim::Simulation;
use rust_decimal::Decimal;

fn run(push: PushOracle, ticks: u64) -> Vec<(u64, Decimal)> {
    let base = cascade_scenario::load_str("default.ron", include_str!("../../../scenarios/default.ron")).unwrap();
    let scenario: Scenario = base
        .edit(|s: &mut RawScenario| {
            s.ticks = ticks;
            s.oracle.push = Some(push);
        })
        .unwrap();
    let mut sim = Simulation::new(&scenario, scenario.seed).unwrap();
    sim.run(|_, _| {}).unwrap();
    sim.market_records().iter().map(|r| (r.tick, r.oracle)).collect()
}

/// The ticks at which the published price changed, with the prices before and after.
fn changes(oracle: &[(u64, Decimal)]) -> Vec<(u64, Decimal, Decimal)> {
    oracle.windows(2).filter(|w| w[0].1 != w[1].1).map(|w| (w[1].0, w[0].1, w[1].1)).collect()
}

#[test]
fn a_heartbeat_only_oracle_publishes_on_the_heartbeat() {
    // A threshold no move reaches: the price changes only on the heartbeat's ticks, and on nearly all of them.
    let oracle = run(PushOracle { deviation: 10.0, heartbeat_ticks: 60 }, 1_600);
    let changed = changes(&oracle);
    assert!(changed.iter().all(|(t, ..)| t % 60 == 0), "{changed:?}");
    assert!(changed.len() >= 24, "26 heartbeats in 1,600 ticks, {} changes", changed.len());
}

#[test]
fn a_push_oracle_publishes_past_its_deviation_or_its_heartbeat_only() {
    let (deviation, heartbeat) = (0.005, 60);
    let oracle = run(PushOracle { deviation, heartbeat_ticks: heartbeat }, 1_600);
    let changed = changes(&oracle);
    let mut last = 0;
    for &(t, before, after) in &changed {
        let moved = ((after - before) / before).abs() > Decimal::try_from(deviation).unwrap();
        assert!(moved || t - last >= heartbeat, "tick {t}: {before} -> {after}, {} ticks after the last", t - last);
        last = t;
    }
    // Far fewer publications than ticks (165 on this path), yet never older than the heartbeat (the price moves
    // every tick), and the 8% gap at tick 1,440 is published at once.
    assert!(changed.len() < 1_600 / 5 && changed.len() > 1_600 / heartbeat as usize, "{}", changed.len());
    let gaps = changed.windows(2).map(|w| w[1].0 - w[0].0);
    assert!(gaps.max().unwrap() <= heartbeat);
    assert!(
        changed.iter().any(|&(t, before, after)| (1_440..=1_443).contains(&t) && after < before * Decimal::new(95, 2))
    );
}
