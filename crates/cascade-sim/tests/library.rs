//! The shipped scenario library, run in full and checked against the figures each scenario's header says it
//! reproduces.

use cascade_core::Decimal;
use cascade_core::money::to_f64;
use cascade_sim::Simulation;
use cascade_sim::record::EventKind;
use cascade_sim::summary::Summary;
use rust_decimal::dec;
use std::path::Path;

fn run(name: &str) -> (Simulation, Summary) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let scenario = cascade_scenario::load_file(&dir.join(format!("{name}.ron"))).unwrap();
    let mut sim = Simulation::new(&scenario, scenario.seed).unwrap();
    sim.run(|_, _| {}).unwrap();
    let summary = sim.summary();
    (sim, summary)
}

fn change(from: Decimal, to: Decimal) -> f64 {
    to_f64(to) / to_f64(from) - 1.0
}

#[test]
fn crash_2020_falls_40_to_50_percent_in_two_legs_and_reaches_adl() {
    let (sim, s) = run("crash-2020-03-12");
    let low = change(s.markets[0].mark_start, s.markets[0].mark_min);
    assert!((-0.55..=-0.40).contains(&low), "low {low}");
    // Two legs: the mark after the first leg and its recovery window is well above the final low.
    let after_first = sim.market_records()[1400].mark;
    assert!(change(s.markets[0].mark_start, after_first) < -0.15 && after_first > s.markets[0].mark_min * dec!(1.1));
    assert!(s.insurance_fund_min < dec!(1), "the fund is exhausted: {}", s.insurance_fund_min);
    assert!(s.deleveraged_notional > Decimal::ZERO, "ADL is reached");
}

#[test]
fn flush_2021_is_a_long_flush_with_recovery() {
    let (sim, s) = run("flush-2021-05-19");
    assert!((-0.40..=-0.28).contains(&change(s.markets[0].mark_start, s.markets[0].mark_min)));
    assert!(s.markets[0].mark_end > s.markets[0].mark_min * dec!(1.2), "the price recovers");
    let longs = sim.events().iter().filter(|e| e.kind == EventKind::Liquidation && e.detail == "long").count();
    assert!(longs as f64 > 0.9 * s.liquidations as f64, "a long flush");
}

#[test]
fn bleed_2022_goes_stale_then_is_manipulated() {
    let (sim, s) = run("bleed-2022-11");
    assert!((-0.35..=-0.20).contains(&change(s.markets[0].mark_start, s.markets[0].mark_end)));
    assert!(s.oracle_stale_ticks >= 100);
    let stale = sim.events().iter().find(|e| e.kind == EventKind::OracleStale).unwrap();
    let fresh = sim.events().iter().find(|e| e.kind == EventKind::OracleFresh).unwrap();
    assert!(
        sim.events().iter().all(|e| e.kind != EventKind::Liquidation || e.tick < stale.tick || e.tick >= fresh.tick)
    );
    // Two of three sources printing 6% high move the oracle median up against the reference.
    let r = &sim.market_records()[2500];
    assert!(to_f64(r.oracle) > r.reference * 1.04, "oracle {} reference {}", r.oracle, r.reference);
}

#[test]
fn crash_2025_exhausts_the_fund_reaches_adl_and_leaves_almost_no_bad_debt() {
    let (sim, s) = run("crash-2025-10-10");
    assert!(s.insurance_fund_min < dec!(1), "the fund is exhausted: {}", s.insurance_fund_min);
    assert!(s.loss_allocation.events > 0 && s.deleveraged_notional > Decimal::ZERO);
    assert!(s.bad_debt < s.liquidated_notional * dec!(0.0005), "bad debt {}", s.bad_debt);
    let first_peak = sim.records().iter().skip(360).max_by_key(|r| r.liquidations).unwrap().tick;
    assert!(first_peak < 360 + 30, "the wave peaks within half an hour of the gap, at {first_peak}");
    let notional = |side: &str| -> Decimal {
        sim.events()
            .iter()
            .filter(|e| e.kind == EventKind::Liquidation && e.detail == side)
            .filter_map(|e| e.notional)
            .sum()
    };
    assert!(notional("long") > notional("short") * dec!(9), "about 90% longs");
    let before = sim.market_records()[359].open_interest;
    assert!(sim.market_records()[400].open_interest < before * dec!(0.57), "open interest falls by more than 43%");
    // The crowd's positions stand for open interest built before the run: its entries do not lift the price for a
    // reversal to liquidate it before the gap (which spent the whole fund and began ADL there when they did).
    let pre_gap: Decimal = sim.records()[..360].iter().map(|r| r.liquidated_notional).sum();
    assert!(pre_gap < s.liquidated_notional * dec!(0.2), "the wave comes with the gap: {pre_gap} before it");
    assert!(sim.records()[359].insurance_fund > dec!(10000), "the fund is there at the gap");
    assert!(sim.records()[..360].iter().all(|r| r.deleveraged_notional.is_zero()), "no ADL before the gap");
}

#[test]
fn replay_follows_the_real_2018_path() {
    let (sim, s) = run("replay-btc-2018-01");
    // The real hourly low was 5,918 (-58.5% from 14,262.66); flow impact moves the replay only a little.
    assert!(
        (-0.62..=-0.55).contains(&change(s.markets[0].mark_start, s.markets[0].mark_min)),
        "{}",
        s.markets[0].mark_min
    );
    assert!((sim.market_records()[0].reference - 14_300.0).abs() < 1.0, "tick 0 is the second hourly close");
}

#[test]
fn vol_spike_without_a_move_ends_near_its_start() {
    let (_, s) = run("vol-spike-no-move");
    assert!(change(s.markets[0].mark_start, s.markets[0].mark_end).abs() < 0.05);
    assert!(s.liquidations > 0, "volatility alone liquidates the most leveraged");
}

#[test]
fn calm_has_no_bad_debt_and_few_liquidations() {
    let (_, s) = run("calm");
    assert_eq!(s.bad_debt, Decimal::ZERO);
    assert_eq!(s.shortfall, Decimal::ZERO);
    assert!(s.accounts_liquidated < 300);
}
