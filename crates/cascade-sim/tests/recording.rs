//! What a run keeps of its records: streamed to files, kept in memory, or only summarized; the same numbers and
//! bytes whichever.

use cascade_scenario::{Overrides, Scenario, library};
use cascade_sim::Simulation;
use cascade_sim::output::{FileSink, Manifest, write_run, write_summary};
use cascade_sim::recorder::Recording;
use std::fs;

/// A shipped scenario with its shocks moved early, so a short run liquidates, deleverages and logs shocks.
fn early(name: &str, ticks: u64, shock_at: u64) -> Scenario {
    let scenario = library::load(name, &Overrides::default()).unwrap().unwrap();
    let set = (0..scenario.shocks.len()).map(|i| format!("shocks[{i}].at={shock_at}").parse().unwrap()).collect();
    library::load(name, &Overrides { set, ticks: Some(ticks), ..Overrides::default() }).unwrap().unwrap()
}

fn run(scenario: &Scenario, recording: Recording) -> Simulation {
    let mut sim = Simulation::with_recording(scenario, scenario.seed, recording).unwrap();
    sim.run(|_, _| {}).unwrap();
    sim
}

#[test]
fn streamed_kept_and_summary_only_runs_agree_to_the_byte() {
    for scenario in [early("default", 400, 200), early("correlation-break", 300, 150)] {
        let dir = tempfile::tempdir().unwrap();
        let source = cascade_scenario::resolve(&scenario.name).unwrap();
        let manifest = |sim: &Simulation| Manifest::new(&source, &scenario, sim.seed(), &Overrides::default(), vec![]);

        let kept = run(&scenario, Recording::Memory);
        write_run(&dir.path().join("kept"), &kept, &manifest(&kept)).unwrap();
        let sink = FileSink::create(&dir.path().join("streamed")).unwrap();
        let streamed = run(&scenario, Recording::Stream(Box::new(sink)));
        write_summary(&dir.path().join("streamed"), &streamed, &manifest(&streamed)).unwrap();
        let summarized = run(&scenario, Recording::SummaryOnly);

        assert!(kept.summary().liquidations > 0, "{}: the test run liquidates", scenario.name);
        assert!(kept.events().iter().any(|e| e.kind == cascade_sim::record::EventKind::ShockStart));
        assert_eq!(streamed.summary(), kept.summary());
        assert_eq!(summarized.summary(), kept.summary());
        assert!(streamed.kept().is_none() && summarized.kept().is_none(), "no rows held in memory");
        assert!(streamed.records().is_empty() && summarized.events().is_empty());
        assert!(write_run(&dir.path().join("none"), &summarized, &manifest(&summarized)).is_err());
        let multi = scenario.name == "correlation-break";
        let files = ["timeseries.csv", "events.csv", "summary.json", "manifest.json", "markets.csv"];
        for file in files.iter().filter(|f| multi || **f != "markets.csv") {
            let read = |run: &str| fs::read(dir.path().join(run).join(file)).unwrap();
            assert!(read("kept") == read("streamed"), "{}: {file} differs", scenario.name);
        }
        assert_eq!(dir.path().join("streamed/markets.csv").exists(), multi, "markets.csv only with several markets");
    }
}

#[test]
fn the_summary_follows_the_run_tick_by_tick() {
    let scenario = early("default", 300, 150);
    let mut sim = Simulation::with_recording(&scenario, 3, Recording::SummaryOnly).unwrap();
    let mut liquidations = 0;
    while !sim.is_finished() {
        sim.step().unwrap();
        let summary = sim.summary();
        assert_eq!(summary.ticks, sim.tick(), "every finished tick is in the summary");
        assert!(summary.liquidations >= liquidations, "counts only grow");
        liquidations = summary.liquidations;
    }
    assert!(liquidations > 0);
}

#[test]
fn a_batch_returns_the_same_summaries_in_job_order_on_one_thread_or_two() {
    use cascade_sim::batch::{self, Job};
    let jobs: Vec<Job> = [("default", 3), ("calm", 5), ("default", 4)]
        .iter()
        .map(|&(name, seed)| Job { scenario: early(name, 200, 100), seed })
        .collect();
    let run = |threads| {
        batch::run(
            &jobs,
            Some(threads),
            |_, _| -> Result<Recording, cascade_sim::SimError> { Ok(Recording::SummaryOnly) },
            |_, _, sim| Ok(sim.summary()),
            |_| {},
        )
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect::<Vec<_>>()
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(one, two);
    let order: Vec<(&str, u64)> = one.iter().map(|s| (s.scenario.as_str(), s.seed)).collect();
    assert_eq!(order, [("default", 3), ("calm", 5), ("default", 4)]);
    assert_ne!(one[0], one[2], "another seed, another run");
}
