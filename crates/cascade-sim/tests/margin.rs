//! The margin engine's policies in whole runs: tiered brackets, size and open-interest premiums, the liquidity
//! add-on, predictive (GARCH, HAR-RV) policies, the stress buffer, and the index behind the margin check.
//!
//! Every run here audits the ledger and compares each indexed margin check with a full scan (debug builds), so a
//! missed liquidation fails the run.

#![allow(clippy::unwrap_used)]

use cascade_scenario::{Bracket, MarginPolicy, OpenInterestScaling, RawScenario, Scenario, VolatilityModel};
use cascade_sim::Simulation;
use rust_decimal::Decimal;
use rust_decimal::dec;

fn default_scenario() -> RawScenario {
    cascade_scenario::library::load("default", &Default::default()).unwrap().unwrap().into_raw()
}

/// Validates `scenario` as a change of the shipped default (a shorter run drops the shocks it does not reach, as
/// with `--ticks`) and runs it to the end.
fn run(scenario: &RawScenario) -> Simulation {
    let scenario: Scenario = cascade_scenario::library::load("default", &Default::default())
        .unwrap()
        .unwrap()
        .edit(|s| *s = scenario.clone())
        .unwrap();
    let mut sim = Simulation::new(&scenario, scenario.seed).unwrap();
    sim.run(|_, _| {}).unwrap();
    sim
}

fn bracket(max_notional: Decimal, maintenance_rate: Decimal, max_leverage: Decimal) -> Bracket {
    Bracket { max_notional, maintenance_rate, max_leverage }
}

/// Under a static schedule the check uses the index on every tick but the first two (a scan, then the build).
#[test]
fn a_static_schedule_is_checked_through_the_index() {
    let mut scenario = default_scenario();
    scenario.ticks = 1_600;
    let sim = run(&scenario);
    let stats = sim.margin_engine_stats();
    assert_eq!(stats.full_scans, 1);
    assert_eq!(stats.indexed_checks, 1_599);
    assert!(sim.summary().accounts_liquidated > 0, "the index found the cascade's liquidations");
}

/// Tiered brackets charge each position by its size: most of the default population's positions are above the
/// first bracket's 20,000, so the table locks more collateral than the flat 2.5% / 5%; the engine records the first
/// bracket's fractions and liquidates by the table.
#[test]
fn tiered_brackets_set_each_position_s_requirement() {
    let mut scenario = default_scenario();
    scenario.ticks = 1_600;
    // Small positions (under 20k notional) at 1% / 50x, then steeply rising.
    scenario.margin.policy = MarginPolicy::Tiered {
        brackets: vec![
            bracket(dec!(20000), dec!(0.01), dec!(50)),
            bracket(dec!(100000), dec!(0.05), dec!(10)),
            bracket(dec!(10000000), dec!(0.10), dec!(5)),
        ],
    };
    let tiered = run(&scenario);
    let first = &tiered.market_records()[0];
    assert_eq!((first.initial_margin, first.maintenance_margin), (dec!(0.02), dec!(0.01)));
    let flat = run(&default_scenario_ticks(1_600));
    let (tiered_locked, flat_locked) = (tiered.summary().margin_locked_mean, flat.summary().margin_locked_mean);
    assert!(tiered_locked > flat_locked, "{tiered_locked} vs {flat_locked}");
    assert!(tiered.margin_engine_stats().indexed_checks > 1_500, "a tiered table has a closed form");
}

/// Volatility-adaptive margin: 3 x the EWMA (decay 0.97) volatility over 60 ticks, within 1% to 30%.
fn ewma_adaptive() -> MarginPolicy {
    MarginPolicy::VolatilityAdaptive {
        lambda: 0.97,
        window_ticks: None,
        horizon_ticks: 60.0,
        multiplier: 3.0,
        floor: dec!(0.01),
        cap: dec!(0.3),
    }
}

fn default_scenario_ticks(ticks: u64) -> RawScenario {
    let mut s = default_scenario();
    s.ticks = ticks;
    s
}

/// The square-root size premium and open-interest scaling raise collateral locked; open-interest scaling past the
/// upper cap stops new leverage altogether (every opening order is rejected).
#[test]
fn size_and_open_interest_premiums_raise_requirements() {
    let base = run(&default_scenario_ticks(1_000)).summary();
    let mut premium = default_scenario_ticks(1_000);
    premium.margin.size_premium = dec!(0.02);
    let premium = run(&premium).summary();
    assert!(premium.margin_locked_mean > base.margin_locked_mean);
    let mut capped = default_scenario_ticks(1_000);
    capped.margin.open_interest_scaling = Some(OpenInterestScaling { lower: dec!(0), upper: dec!(1) });
    let capped = run(&capped).summary();
    assert!(
        capped.rejected_orders > base.rejected_orders * 10,
        "{} vs {}",
        capped.rejected_orders,
        base.rejected_orders
    );
}

/// The liquidity add-on rises when depth is withdrawn: collateral locked per unit of open interest is higher
/// during the default scenario's depth withdrawal than before it.
#[test]
fn the_liquidity_add_on_rises_as_depth_decays() {
    let mut scenario = default_scenario_ticks(1_600);
    scenario.margin.liquidity_add_on = dec!(1);
    let sim = run(&scenario);
    assert_eq!(sim.margin_engine_stats().indexed_checks, 0, "the add-on depends on the book: every tick scans");
    let per_open_interest = |t: usize| {
        let (venue, market) = (&sim.records()[t], &sim.market_records()[t]);
        venue.margin_locked / (market.open_interest * market.mark)
    };
    let flat = |t: usize| sim.market_records()[t].initial_margin * dec!(2);
    assert!(per_open_interest(1_000) > flat(1_000), "the add-on adds to the flat 5%");
    let withdrawal =
        scenario.shocks.iter().find(|s| matches!(s.kind, cascade_scenario::ShockKind::DepthWithdrawal { .. }));
    let w = withdrawal.expect("the default scenario withdraws depth");
    let t = (w.at + w.duration / 2) as usize;
    assert!(
        per_open_interest(t) > per_open_interest(1_000),
        "{} vs {}",
        per_open_interest(t),
        per_open_interest(1_000)
    );
}

/// Predictive policies forecast rather than react: GARCH fitted by maximum likelihood, HAR-RV, the regime model
/// (from its volatility and from its ES) and the learned quantile all produce a margin inside their bounds, fall
/// back to the EWMA only until they have enough history, and rise after the gap.
#[test]
fn predictive_policies_fit_forecast_and_fall_back_only_early() {
    let es = Some(cascade_scenario::LossMeasure::Es(0.99));
    for (model, multiplier) in [
        (VolatilityModel::Garch { lookback_ticks: 500, refit_every_ticks: 60 }, 3.0),
        (VolatilityModel::Har { block_ticks: 10, lookback_blocks: 60 }, 3.0),
        (VolatilityModel::Regime { regimes: 2, lookback_ticks: 500, refit_every_ticks: 60, measure: None }, 3.0),
        (VolatilityModel::Regime { regimes: 2, lookback_ticks: 500, refit_every_ticks: 60, measure: es }, 1.0),
        (
            VolatilityModel::Learned { quantile: 0.99, lookback_ticks: 500, refit_every_ticks: 60, warmup_ticks: 100 },
            1.0,
        ),
    ] {
        let mut scenario = default_scenario_ticks(1_600);
        scenario.margin.policy =
            MarginPolicy::Predictive { model, horizon_ticks: 30, multiplier, floor: dec!(0.005), cap: dec!(0.3) };
        let sim = run(&scenario);
        let stats = sim.margin_engine_stats();
        let needed = match model {
            VolatilityModel::Garch { .. } | VolatilityModel::Regime { .. } => 100,
            VolatilityModel::Har { block_ticks, .. } => u64::from(block_ticks) * 42,
            // The warm-up's pairs, each complete a horizon after its features.
            VolatilityModel::Learned { warmup_ticks, .. } => u64::from(warmup_ticks) + 30,
        };
        // A fit on the first few hundred returns of a herding market can fail (heavy tails: GARCH's likelihood with
        // no interior maximum, HAR's regression without a positive forecast): the EWMA stands in until a later fit
        // succeeds, a few refits on (GARCH 279 ticks in all, HAR 499 on this seed).
        assert!(
            stats.forecast_fallback_ticks >= needed - 1 && stats.forecast_fallback_ticks <= needed + 4 * 60,
            "{model:?}: {stats:?}"
        );
        let mm = |t: usize| sim.market_records()[t].maintenance_margin;
        assert!((dec!(0.005)..=dec!(0.3)).contains(&mm(1_000)), "{model:?}: {}", mm(1_000));
        assert!(
            mm(1_500) > mm(1_400),
            "{model:?}: the gap at 1,440 raises the forecast: {} -> {}",
            mm(1_400),
            mm(1_500)
        );
    }
}

/// The stress buffer holds the requirement still while the policy's value moves inside the band, so the margin
/// in force changes far less often, and a rise is first absorbed by the buffer.
#[test]
fn the_stress_buffer_damps_and_delays_margin_increases() {
    let mut scenario = default_scenario_ticks(1_600);
    scenario.margin.policy = ewma_adaptive();
    let plain = run(&scenario);
    scenario.margin.stress_buffer = dec!(0.25);
    let buffered = run(&scenario);
    let changes = |sim: &Simulation| {
        sim.market_records().windows(2).filter(|w| w[0].maintenance_margin != w[1].maintenance_margin).count()
    };
    assert!(changes(&buffered) * 3 < changes(&plain), "{} vs {}", changes(&buffered), changes(&plain));
    // The policy's own value, recomputed from the buffered run's marks (EWMA from the calm variance).
    let calm = 0.6 * (60.0_f64 / 31_536_000.0).sqrt();
    let mut ewma = cascade_core::stats::Ewma::new(0.97, calm * calm);
    let mut previous = cascade_core::money::to_f64(scenario.market.initial_price);
    for r in buffered.market_records() {
        let mark = cascade_core::money::to_f64(r.mark);
        ewma.update(libm::log(mark / previous));
        previous = mark;
        let model = cascade_core::money::from_f64(3.0 * ewma.volatility() * 60.0_f64.sqrt(), dec!(0.000001), "m")
            .unwrap()
            .clamp(dec!(0.01), dec!(0.3));
        let m = r.maintenance_margin;
        assert!(m >= model && m <= (model * dec!(1.25)).round_dp(6), "tick {}: {m} outside [{model}, x1.25]", r.tick);
    }
}

/// The rolling-window estimator: maintenance is `multiplier x RMS(last window returns) x sqrt(horizon)`, recomputed
/// here from the recorded marks.
#[test]
fn rolling_window_volatility_margin_is_recomputed_from_the_marks() {
    let mut scenario = default_scenario_ticks(1_500);
    scenario.margin.policy = MarginPolicy::VolatilityAdaptive {
        lambda: 0.97,
        window_ticks: Some(120),
        horizon_ticks: 60.0,
        multiplier: 3.0,
        floor: dec!(0.005),
        cap: dec!(0.3),
    };
    let sim = run(&scenario);
    let marks: Vec<f64> = std::iter::once(cascade_core::money::to_f64(scenario.market.initial_price))
        .chain(sim.market_records().iter().map(|r| cascade_core::money::to_f64(r.mark)))
        .collect();
    let returns: Vec<f64> = marks.windows(2).map(|w| libm::log(w[1] / w[0])).collect();
    for t in [200usize, 900, 1_445, 1_499] {
        let window = &returns[t + 1 - 120..=t];
        let sigma = cascade_core::stats::root_mean_square(window);
        let expected = cascade_core::money::from_f64(3.0 * sigma * 60.0_f64.sqrt(), dec!(0.000001), "m")
            .unwrap()
            .clamp(dec!(0.005), dec!(0.3));
        assert_eq!(sim.market_records()[t].maintenance_margin, expected, "tick {t}");
    }
}

/// A tiered table is fixed, so the stress buffer raises its maintenance rates for good (like a static policy's):
/// 25% on the first bracket's 1% is 1.25%.
#[test]
fn the_stress_buffer_raises_a_tiered_table() {
    let mut scenario = default_scenario_ticks(5);
    scenario.margin.policy = MarginPolicy::Tiered {
        brackets: vec![bracket(dec!(20000), dec!(0.01), dec!(50)), bracket(dec!(100000), dec!(0.05), dec!(10))],
    };
    scenario.margin.stress_buffer = dec!(0.25);
    let sim = run(&scenario);
    assert_eq!(sim.market_records()[4].maintenance_margin, dec!(0.0125));
}

/// The summary's procyclicality measures, recomputed by hand from the recorded rows (the initial margin of one unit
/// long at every tick, and every pair of ticks at most the window apart), and in the direction expected: a
/// volatility-adaptive requirement swings and jumps more through the crash than a static one, which moves with
/// the mark alone.
#[test]
fn procyclicality_is_the_reference_requirement_peak_to_trough_and_largest_rise() {
    let mut scenario = default_scenario_ticks(600);
    scenario.shocks.iter_mut().for_each(|s| s.at = 300);
    scenario.procyclicality_window_hours = 2.0;
    let measured = |sim: &Simulation| {
        let rows = sim.market_records();
        let seconds = sim.records().iter().map(|t| t.time_s).collect::<Vec<_>>();
        let r: Vec<f64> = rows.iter().map(|m| cascade_core::money::to_f64(m.initial_margin * m.mark)).collect();
        let (peak, trough) = r.iter().fold((f64::MIN, f64::MAX), |(p, t), x| (p.max(*x), t.min(*x)));
        let mut rise = 0.0_f64;
        for t in 0..r.len() {
            for s in (0..=t).filter(|&s| seconds[t] - seconds[s] <= 7_200.0) {
                rise = rise.max(r[t] / r[s] - 1.0);
            }
        }
        let summary = sim.summary();
        let p = summary.sole_market().unwrap().procyclicality;
        assert!((p.requirement_mean - r.iter().sum::<f64>() / r.len() as f64).abs() < 1e-9);
        assert!((p.peak_to_trough.unwrap() - peak / trough).abs() < 1e-12);
        assert!((p.max_increase.unwrap() - rise).abs() < 1e-12, "{:?} vs {rise}", p.max_increase);
        assert_eq!(p.window_hours, 2.0);
        p
    };
    let fixed = measured(&run(&scenario));
    scenario.margin.policy = ewma_adaptive();
    let adaptive = measured(&run(&scenario));
    assert!(adaptive.peak_to_trough > fixed.peak_to_trough, "{adaptive:?} vs {fixed:?}");
    assert!(adaptive.max_increase > fixed.max_increase, "{adaptive:?} vs {fixed:?}");
}

/// The initial-margin check's `f64` screen answers as the exact check does: every account of a default world after
/// its entries, before the gap, asked about orders from a tenth to a hundred times its position (or its collateral's
/// worth) each way. The screen settles more than a thousand of each answer, so the test fails if it ever admits or
/// refuses wrongly, or stops answering.
#[test]
fn the_initial_margin_screen_answers_as_the_exact_check() {
    use cascade_sim::components::Account;
    use cascade_sim::health::{account_health, initial_margin_screen, passes_initial};
    use cascade_sim::market::Instruments;
    use cascade_sim::resources::MarginState;
    let sim = run(&default_scenario_ticks(400));
    let world = sim.world();
    let (instruments, engine) = (world.resource::<Instruments>(), world.resource::<MarginState>());
    let market = &instruments.0[0];
    let mut accounts = world.try_query::<&Account>().unwrap();
    let (mut admitted, mut refused) = (0, 0);
    for account in accounts.iter(world) {
        let held = account.0.quantity(market.id).abs();
        let unit = if held.is_zero() { account.0.collateral / market.mark_price } else { held };
        for factor in [dec!(0.1), dec!(1), dec!(3), dec!(10), dec!(100)] {
            for sign in [Decimal::ONE, Decimal::NEGATIVE_ONE] {
                let order = (sign * unit * factor).round_dp(3);
                let exact = cascade_core::margin::passes_initial_margin(
                    &account.0,
                    market.id,
                    order,
                    |_| None,
                    |p| account_health(instruments, engine, p),
                );
                assert_eq!(passes_initial(instruments, engine, &account.0, market.id, order), exact);
                let after = account.0.quantity(market.id) + order;
                match initial_margin_screen(instruments, engine, &account.0, market.id, after) {
                    Some(answer) if after.abs() > account.0.quantity(market.id).abs() => {
                        assert_eq!(Ok(answer), exact, "order {order} on {:?}", account.0);
                        if answer { admitted += 1 } else { refused += 1 }
                    }
                    _ => {}
                }
            }
        }
    }
    assert!(admitted > 1_000 && refused > 1_000, "admitted {admitted}, refused {refused}");
}
