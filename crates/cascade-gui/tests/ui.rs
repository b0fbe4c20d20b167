//! The window, driven through egui's test harness (no GPU): it builds, and its controls do what they say.

#![allow(clippy::unwrap_used)] // tests unwrap: a failure is the test failing

use cascade_gui::{CascadeApp, Options};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::time::{Duration, Instant};

fn scenario() -> cascade_scenario::Scenario {
    let shorter = cascade_scenario::Overrides { ticks: Some(500), ..Default::default() };
    cascade_scenario::library::load("default", &shorter).unwrap().unwrap()
}

fn harness(autoplay: bool) -> Harness<'static, CascadeApp> {
    let mut harness = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_eframe(move |_cc| CascadeApp::new(scenario(), Options { seed: 3, autoplay, speed: 60.0 }).unwrap());
    harness.run_steps(2);
    harness
}

/// Runs frames, letting the simulation thread report, until `done` holds or a timeout passes.
fn until(harness: &mut Harness<'static, CascadeApp>, done: impl Fn(&CascadeApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done(harness.state()) && Instant::now() < deadline {
        harness.state_mut().sync(Duration::from_millis(20));
        harness.step();
    }
    assert!(done(harness.state()), "timed out");
}

#[test]
fn the_window_builds_with_its_panels() {
    let harness = harness(false);
    for label in ["Play", "Step", "Restart", "Load", "Export", "Apply margin", "Price gap", "Compare"] {
        harness.get_by_role_and_label(Role::Button, label);
    }
    assert!(harness.query_by_label_contains("insurance fund").is_some());
}

#[test]
fn step_advances_one_tick_and_pause_stops_the_clock() {
    let mut harness = harness(false);
    harness.get_by_label("Step").click();
    harness.step();
    until(&mut harness, |app| app.tick() == 1);
    harness.get_by_label("Step").click();
    harness.step();
    until(&mut harness, |app| app.tick() == 2);

    harness.get_by_label("Play").click();
    harness.step();
    until(&mut harness, |app| app.tick() > 5);
    harness.get_by_label("Pause").click();
    harness.step();
    until(&mut harness, |app| !app.is_playing());
    std::thread::sleep(Duration::from_millis(100));
    harness.state_mut().sync(Duration::from_millis(50));
    let paused_at = harness.state().tick();
    std::thread::sleep(Duration::from_millis(300));
    harness.state_mut().sync(Duration::from_millis(50));
    harness.step();
    assert_eq!(harness.state().tick(), paused_at, "no tick runs while paused");
}

#[test]
fn a_bad_scenario_file_shows_its_error_in_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.ron");
    std::fs::write(&path, "(\n  margn: (initial: 0.1),\n)").unwrap();
    let mut harness = harness(false);
    // Type the path into the scenario field, replacing its text.
    harness.get_by_role_and_label(Role::TextInput, "scenario").click();
    harness.step();
    harness.key_combination_modifiers(egui::Modifiers::COMMAND, &[egui::Key::A]);
    harness.step();
    harness.get_by_role_and_label(Role::TextInput, "scenario").type_text(&path.display().to_string());
    harness.step();
    assert!(harness.query_all_by_value(&path.display().to_string()).next().is_some(), "the field shows the path");
    harness.step();
    harness.get_by_label("Load").click();
    harness.step();
    harness.step();
    let error = harness.state().error().unwrap().to_owned();
    assert!(error.contains("bad.ron:2:3") && error.contains("did you mean `margin`?"), "{error}");
    assert!(harness.query_by_label_contains("Error: ").is_some(), "the error is shown in the window");
}

#[test]
fn compare_runs_a_second_world_beside_the_first() {
    let mut harness = harness(false);
    harness.get_by_role_and_label(Role::Button, "Compare").click();
    harness.step();
    until(&mut harness, |app| app.run_count() == 2);
    harness.get_by_label("Step").click();
    harness.step();
    until(&mut harness, |app| app.tick() == 1);
}

#[test]
fn a_margin_policy_chosen_in_the_window_takes_effect_mid_run() {
    let mut harness = harness(false);
    harness.get_by_role_and_label(Role::Button, "Step").click();
    harness.step();
    until(&mut harness, |app| app.tick() == 1);
    harness.get_by_role_and_label(Role::ComboBox, "policy").click();
    harness.run_steps(3);
    harness.get_by_label("volatility-adaptive").click();
    harness.step();
    harness.get_by_role_and_label(Role::Button, "Apply margin").click();
    harness.step();
    harness.get_by_role_and_label(Role::Button, "Step").click();
    harness.step();
    until(&mut harness, |app| app.tick() == 2);
    // Adaptive: 3 x calm volatility x sqrt(60 ticks) = about 1.9%, no longer the static 2.5%.
    let maintenance = harness.state().maintenance_margin().unwrap();
    assert!(
        maintenance != cascade_core::Decimal::new(25, 3) && maintenance < cascade_core::Decimal::new(22, 3),
        "{maintenance}"
    );
    assert!(harness.state().error().is_none());
}

#[test]
fn a_predictive_policy_applies_and_falls_back_to_the_ewma_until_it_can_fit() {
    let mut harness = harness(false);
    harness.get_by_role_and_label(Role::ComboBox, "policy").click();
    harness.run_steps(3);
    harness.get_by_label("GARCH forecast").click();
    harness.step();
    harness.get_by_role_and_label(Role::Button, "Apply margin").click();
    harness.step();
    harness.get_by_role_and_label(Role::Button, "Step").click();
    harness.step();
    until(&mut harness, |app| app.tick() == 1);
    // Too few returns to fit: the RiskMetrics EWMA from the calm volatility, 3 x 0.000827 x sqrt(60) = 1.9%.
    let maintenance = harness.state().maintenance_margin().unwrap();
    assert!(
        maintenance > cascade_core::Decimal::new(17, 3) && maintenance < cascade_core::Decimal::new(21, 3),
        "{maintenance}"
    );
    assert!(harness.state().error().is_none());
}

#[test]
fn a_world_of_several_markets_shows_each_market_s_move() {
    let set = ["agents.leveraged_traders.count=50", "agents.pair_traders.count=20"];
    let overrides = cascade_scenario::Overrides {
        ticks: Some(50),
        set: set.iter().map(|o| o.parse().unwrap()).collect(),
        ..Default::default()
    };
    let s = cascade_scenario::library::load("correlation-break", &overrides).unwrap().unwrap();
    let mut harness = Harness::builder().with_size([1400.0, 900.0]).build_eframe(move |_cc| {
        CascadeApp::new(s.clone(), Options { seed: 3, autoplay: false, speed: 60.0 }).unwrap()
    });
    harness.run_steps(2);
    harness.get_by_role_and_label(Role::Button, "Step").click();
    harness.step();
    until(&mut harness, |app| app.tick() == 1);
    assert_eq!(harness.state().market_symbols(), vec!["BTC-PERP".to_owned(), "ETH-PERP".to_owned()]);
    harness.step();
    assert!(harness.query_by_label_contains("ETH-PERP").is_some(), "the markets plot has a line per market");
    // Choosing the second market shows its book.
    harness.get_by_label("market shown").click();
    harness.run_steps(2);
    harness.get_by_role_and_label(Role::Button, "ETH-PERP").click();
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("ETH-PERP order book now").is_some());
    // A one-market world has no such plot, and no choice of market.
    let mut single = self::harness(false);
    until(&mut single, |app| app.market_symbols().len() == 1);
    assert_eq!(single.state().market_symbols(), vec!["BTC-PERP".to_owned()]);
    assert!(single.query_by_label_contains("ETH-PERP").is_none());
    assert!(single.query_by_label_contains("market shown").is_none());
}

#[test]
fn with_options_the_window_shows_the_smile_and_the_market_makers_delta() {
    let shorter = cascade_scenario::Overrides { ticks: Some(40), ..Default::default() };
    let scenario = cascade_scenario::library::load("gamma-crash", &shorter).unwrap().unwrap();
    let mut harness = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_eframe(move |_cc| CascadeApp::new(scenario, Options { seed: 1, autoplay: false, speed: 60.0 }).unwrap());
    harness.run_steps(2);
    harness.get_by_label("Step").click();
    harness.step();
    until(&mut harness, |app| app.tick() == 1);
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("Smile at the nearest expiry (2.0 days)").is_some());
    assert!(harness.query_by_label_contains("option market maker delta").is_some());
}
