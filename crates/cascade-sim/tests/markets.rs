//! Several markets in one world: correlated reference prices, shocks aimed at one market, pair traders, and the
//! margin modes (cross, isolated, portfolio) compared on the same hedge.
//!
//! Every run audits the ledger and the margin index after each tick (debug builds).

#![allow(clippy::unwrap_used)]

use cascade_scenario::{MarginMode, RawScenario, Scenario};
use cascade_sim::Simulation;
use rust_decimal::Decimal;
use rust_decimal::dec;

/// The shipped scenario, its `base` resolved.
fn shipped() -> Scenario {
    cascade_scenario::library::load("correlation-break", &Default::default()).unwrap().unwrap()
}

fn scenario() -> RawScenario {
    shipped().into_raw()
}

/// Validates `s` as a change of the shipped scenario (a shorter run drops the shocks it does not reach, as with
/// `--ticks`) and runs it to the end.
fn run(s: &RawScenario) -> Simulation {
    let s: Scenario = shipped().edit(|raw| *raw = s.clone()).unwrap();
    let mut sim = Simulation::new(&s, s.seed).unwrap();
    sim.run(|_, _| {}).unwrap();
    sim
}

fn log_returns(sim: &Simulation, symbol: &str, from: u64, to: u64) -> Vec<f64> {
    let prices: Vec<f64> = sim
        .market_records()
        .iter()
        .filter(|r| r.symbol == symbol && (from..=to).contains(&r.tick))
        .map(|r| r.reference)
        .collect();
    prices.windows(2).map(|w| libm::log(w[1] / w[0])).collect()
}

fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (mx, my) = (mean(x), mean(y));
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let var = |v: &[f64], m: f64| v.iter().map(|a| (a - m) * (a - m)).sum::<f64>();
    cov / (var(x, mx) * var(y, my)).sqrt()
}

/// Without the venue's own price impact, reference returns have about the scenario's correlation (0.8: the shocks
/// have it exactly and both herding markets follow one herd; each market's own fundamentalist and chartist demand
/// takes off 0.01-0.02, measured 0.78-0.79 on seeds 1-3; sampling error about 0.01 over 1,400 ticks), and about
/// none while the correlation break is in force.
#[test]
fn reference_prices_move_with_the_scenario_s_correlation_and_break_on_cue() {
    let mut s = scenario();
    s.ticks = 1_900;
    s.reference.flow_impact = 0.0;
    s.other_markets[0].reference.flow_impact = 0.0;
    s.agents.pair_traders.count = 50;
    s.agents.leveraged_traders.count = 100;
    let sim = run(&s);
    let calm = correlation(&log_returns(&sim, "BTC-PERP", 0, 1_430), &log_returns(&sim, "ETH-PERP", 0, 1_430));
    assert!((calm - 0.8).abs() < 0.04, "calm correlation {calm}");
    let broken =
        correlation(&log_returns(&sim, "BTC-PERP", 1_442, 1_799), &log_returns(&sim, "ETH-PERP", 1_442, 1_799));
    assert!(broken.abs() < 0.15, "correlation during the break {broken}");
    // The gaps hit one market each: BTC -6%, ETH +4% at tick 1,440 (plus one tick of diffusion).
    let jump = |symbol: &str| {
        let r = log_returns(&sim, symbol, 1_439, 1_440);
        libm::exp(r[0]) - 1.0
    };
    assert!((jump("BTC-PERP") + 0.06).abs() < 0.01, "{}", jump("BTC-PERP"));
    assert!((jump("ETH-PERP") - 0.04).abs() < 0.01, "{}", jump("ETH-PERP"));
}

/// The same hedge under the three modes: portfolio margin locks less collateral than the sum of stand-alone
/// requirements (cross), because a long BTC / short ETH pair offsets at correlation 0.8; isolated margin splits
/// each pair trader into one account per leg.
#[test]
fn portfolio_margin_nets_the_hedge_that_cross_and_isolated_margin_add_up() {
    let mut s = scenario();
    s.ticks = 1_400; // before the break
    let locked = |mode: MarginMode| {
        let mut s = s.clone();
        s.margin.mode = mode;
        let sim = run(&s);
        (sim.records()[1_300].margin_locked, sim)
    };
    let (portfolio, portfolio_sim) = locked(MarginMode::Portfolio { max_offset: dec!(0.8) });
    let (cross, cross_sim) = locked(MarginMode::Cross);
    let (isolated, isolated_sim) = locked(MarginMode::Isolated);
    assert!(portfolio < cross * dec!(0.9), "portfolio {portfolio} vs cross {cross}");
    assert!(isolated > portfolio, "isolated {isolated} vs portfolio {portfolio}");
    // Each run also reports the stand-alone sum beside what it locks: equal without netting, larger with it.
    let (p, c) = (portfolio_sim.summary(), cross_sim.summary());
    assert!(p.margin_locked_standalone_mean > p.margin_locked_mean * dec!(1.1), "{p:?}");
    assert_eq!(c.margin_locked_standalone_mean, c.margin_locked_mean);
    let pair_accounts = |sim: &Simulation| {
        let world = sim.world();
        let mut q = world.try_query::<&cascade_sim::components::PairTrader>().unwrap();
        q.iter(world).count()
    };
    assert_eq!(pair_accounts(&cross_sim), 400);
    assert_eq!(pair_accounts(&portfolio_sim), 400);
    assert_eq!(pair_accounts(&isolated_sim), 800, "one account per leg");
    // Under cross margin a pair trader's account holds both legs, one long and one short.
    let world = cross_sim.world();
    let mut q = world
        .try_query_filtered::<&cascade_sim::components::Account, bevy_ecs::query::With<cascade_sim::components::PairTrader>>()
        .unwrap();
    let hedged = q.iter(world).filter(|a| a.0.positions.len() == 2).collect::<Vec<_>>();
    assert!(hedged.len() > 300, "{}", hedged.len());
    for legs in hedged {
        let (a, b) = (legs.0.positions[0].quantity, legs.0.positions[1].quantity);
        assert!(a * b < Decimal::ZERO, "one long, one short: {a} and {b}");
    }
}

/// The break with both legs losing: the hedge that portfolio margin priced as safe loses on both sides, and the
/// run (audited every tick) liquidates pair traders in both markets.
#[test]
fn a_correlation_break_sets_off_liquidations_in_both_markets() {
    let sim = run(&scenario());
    let summary = sim.summary();
    assert_eq!(summary.markets.len(), 2);
    assert!(summary.markets.iter().all(|m| m.liquidations > 0), "{:?}", summary.markets);
    let before: u32 = sim.records()[..1_440].iter().map(|r| r.liquidations).sum();
    let after: u32 = sim.records()[1_440..].iter().map(|r| r.liquidations).sum();
    assert!(after > 10 * before.max(1), "{before} before the break, {after} after");
}

/// A small two-market world: pair traders and leveraged traders in both markets, a gap in each.
fn small(mode: &str, allocation: &str, rho: f64, btc_gap: f64, eth_gap: f64, partial: bool) -> Scenario {
    let liquidation_mode = if partial {
        "Partial(target: 1.0, slice_fraction: 0.3, slice_min_notional: 5000, cooldown_ticks: 2)"
    } else {
        "Full"
    };
    let text = format!(
        r#"(
        name: "small", ticks: 100,
        reference: (volatility: 0.6, flow_impact: 0.01),
        oracle: (sources: 1, delay_ticks: 0, noise: 0.0),
        funding: (interval_ticks: 30),
        margin: (mode: {mode}),
        liquidation: (insurance_fund: 10000, mode: {liquidation_mode}, loss_allocation: {allocation}),
        agents: (
            market_makers: (count: 1, capital: 3000000, levels: 10, level_notional: 20000.0),
            arbitrageurs: (count: 1, capital: 500000),
            noise_traders: (count: 3, capital: 50000),
            leveraged_traders: (count: 60, capital: 2000.0, leverage: 8.0, entry_window_ticks: 20),
            pair_traders: (count: 40, capital: 5000.0, leverage: 12.0, entry_window_ticks: 20),
        ),
        other_markets: [(market: (symbol: "ETH-PERP", initial_price: 2000, tick_size: 0.01, lot_size: 0.01))],
        correlation: [[1.0, {rho}], [{rho}, 1.0]],
        shocks: [
            (at: 50, kind: PriceGap(change: {btc_gap}, market: "BTC-PERP")),
            (at: 50, kind: PriceGap(change: {eth_gap}, market: "ETH-PERP")),
            (at: 50, duration: 30, kind: CorrelationBreak(correlation: 0.0)),
        ],
    )"#
    );
    cascade_scenario::load_str("small.ron", &text).unwrap()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Whatever the mode, loss allocation and gaps, the ledger balances after every tick (audited inside the run),
    /// the margin index agrees with a full scan, and no flat account keeps negative collateral.
    #[test]
    fn every_multi_market_path_conserves_the_ledger(
        mode in proptest::prop_oneof![
            proptest::prelude::Just("Cross"),
            proptest::prelude::Just("Isolated"),
            proptest::prelude::Just("Portfolio(max_offset: 0.9)"),
        ],
        allocation in proptest::prop_oneof![
            proptest::prelude::Just("BadDebt"),
            proptest::prelude::Just("Adl"),
            proptest::prelude::Just("SocializedLoss"),
        ],
        rho in 0.0f64..0.95,
        btc_gap in -0.2f64..0.1,
        eth_gap in -0.1f64..0.2,
        partial in proptest::prelude::any::<bool>(),
        seed in 0u64..1_000,
    ) {
        let scenario = small(mode, allocation, rho, btc_gap, eth_gap, partial);
        super::audited_to_the_end(Simulation::new(&scenario, seed).unwrap())?;
    }
}

/// The small world of the property test does exercise multi-leg liquidation: under cross margin, a -15% BTC gap
/// against a +10% ETH gap liquidates accounts holding both legs.
#[test]
fn the_small_world_liquidates_accounts_with_two_legs() {
    let sim = run(&small("Cross", "Adl", 0.8, -0.15, 0.1, false));
    let pair_ids: Vec<u32> = {
        let world = sim.world();
        let mut q = world
            .try_query_filtered::<&cascade_sim::components::Agent, bevy_ecs::query::With<cascade_sim::components::PairTrader>>()
            .unwrap();
        q.iter(world).map(|a| a.id.0).collect()
    };
    let liquidated_pairs = sim
        .events()
        .iter()
        .filter(|e| e.kind == cascade_sim::record::EventKind::Liquidation)
        .filter(|e| e.account.is_some_and(|a| pair_ids.contains(&a)))
        .count();
    assert!(liquidated_pairs >= 10, "{liquidated_pairs} pair-trader close-outs");
}

/// No market is privileged: the venue's row of each tick sums every market's flow, the summary's venue figures
/// count liquidations in every market, and each market's prices are under `markets` (none at the top of
/// `summary.json`, where a one-market world keeps its market's).
#[test]
fn the_venue_row_sums_every_market_and_the_summary_names_each() {
    let mut short = scenario();
    short.ticks = 1_600;
    let sim = run(&short);
    let (venue, markets) = (sim.records(), sim.market_records());
    assert_eq!(markets.len(), 2 * venue.len(), "a row per market and tick");
    for (row, pair) in venue.iter().zip(markets.chunks(2)) {
        assert_eq!((pair[0].symbol.as_str(), pair[1].symbol.as_str()), ("BTC-PERP", "ETH-PERP"));
        assert!(pair.iter().all(|m| m.tick == row.tick));
        assert_eq!(row.liquidations, pair[0].liquidations + pair[1].liquidations, "tick {}", row.tick);
        assert_eq!(row.notional_volume, pair[0].notional_volume + pair[1].notional_volume);
        assert_eq!(row.liquidated_notional, pair[0].liquidated_notional + pair[1].liquidated_notional);
        let parts = pair[0].margin_locked + pair[1].margin_locked;
        assert!((row.margin_locked_standalone - parts).abs() <= dec!(0.01), "each market's part of the collateral");
    }
    // Every liquidation names its market, and they add up to each market's count.
    for m in &sim.summary().markets {
        let named = sim.events().iter().filter(|e| {
            e.kind == cascade_sim::record::EventKind::Liquidation && e.market.as_deref() == Some(m.symbol.as_str())
        });
        assert_eq!(named.count() as u64, m.liquidations, "{}", m.symbol);
    }
    let eth_only = markets.chunks(2).filter(|p| p[1].liquidations > 0 && p[0].liquidations == 0).count() as u64;
    assert!(eth_only > 0, "some ticks liquidate in the second market only");
    let summary = sim.summary();
    let by_market: u64 = summary.markets.iter().map(|m| m.liquidations).sum();
    assert_eq!(summary.liquidations, by_market);
    let with_any = markets.chunks(2).filter(|p| p.iter().any(|m| m.liquidations > 0)).count() as u64;
    assert_eq!(summary.ticks_with_liquidations, with_any);
    assert!(summary.sole_market().is_none());
    let json = serde_json::to_value(&summary).unwrap();
    assert!(json.get("mark_min").is_none() && json.get("backtest").is_none(), "no first market at the top");
    assert_eq!(json["markets"][1]["symbol"], "ETH-PERP");
    assert!(json["markets"][1]["mark_max_drawdown"].as_f64().unwrap() > 0.0);
}
