//! A run driven through the runner's channels gives the same numbers as the same run headless.

use cascade_scenario::ShockKind;
use cascade_sim::Simulation;
use cascade_sim::record::{EventKind, TickRecord};
use cascade_sim::runner::{Command, Runner, Speed, Update};
use std::time::{Duration, Instant};

fn scenario() -> cascade_scenario::Scenario {
    let s = cascade_scenario::library::load("default", &Default::default()).unwrap().unwrap();
    s.edit(|s| s.ticks = 300).unwrap()
}

/// Collects records until `ticks` have arrived or a timeout passes.
fn collect(runner: &Runner, ticks: usize) -> Vec<TickRecord> {
    let mut records = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while records.len() < ticks && Instant::now() < deadline {
        if let Some(Update::Progress { runs, .. }) = runner.wait(Duration::from_millis(100)) {
            records.extend(runs[0].new_records.iter().cloned());
        }
    }
    records
}

#[test]
fn a_run_through_the_runner_equals_the_headless_run() {
    let scenario = scenario();
    let mut headless = Simulation::new(&scenario, 9).unwrap();
    headless.run(|_, _| {}).unwrap();
    let runner = Runner::start(scenario, 9).unwrap();
    runner.send(Command::SetSpeed(Speed::Max));
    runner.send(Command::Play);
    assert_eq!(collect(&runner, 300), headless.records());
}

#[test]
fn pause_stops_and_step_advances_exactly_one_tick() {
    let runner = Runner::start(scenario(), 9).unwrap();
    for _ in 0..3 {
        runner.send(Command::Step);
    }
    assert_eq!(collect(&runner, 3).len(), 3);
    // Paused: nothing more arrives.
    std::thread::sleep(Duration::from_millis(200));
    let more: usize = runner
        .poll()
        .into_iter()
        .map(|u| if let Update::Progress { runs, .. } = u { runs[0].new_records.len() } else { 0 })
        .sum();
    assert_eq!(more, 0);
}

#[test]
fn an_injected_shock_is_logged_and_compare_runs_two_worlds_in_lockstep() {
    let runner = Runner::start(scenario(), 9).unwrap();
    let other = scenario()
        .edit(|s| {
            s.name = "tighter".into();
            s.margin.initial = rust_decimal::dec!(0.10);
            s.margin.maintenance = rust_decimal::dec!(0.05);
        })
        .unwrap();
    runner.send(Command::Compare(Some(Box::new(other))));
    runner.send(Command::Step);
    runner.send(Command::Shock { kind: ShockKind::PriceGap { change: -0.05, market: None }, duration: 0 });
    runner.send(Command::Step);
    let deadline = Instant::now() + Duration::from_secs(30);
    let (mut ticks, mut shocks) = ([0u64; 2], [0usize; 2]);
    while ticks != [2, 2] && Instant::now() < deadline {
        if let Some(Update::Progress { runs, .. }) = runner.wait(Duration::from_millis(100)) {
            if runs.len() != 2 {
                continue; // reported before the comparison run was added
            }
            for (i, run) in runs.iter().enumerate() {
                ticks[i] = run.tick;
                shocks[i] += run.new_events.iter().filter(|e| e.kind == EventKind::ShockStart).count();
            }
        }
    }
    assert_eq!(ticks, [2, 2]);
    assert_eq!(shocks, [1, 1], "the shock starts in both runs");
}
