//! The market-realism mechanics (issue 15): which flow moves the wider market, how its impact decays, a mark that
//! averages the basis, self-exciting and power-law noise trading, and the venue's trend followers and
//! fundamentalists.

use cascade_scenario::{RawScenario, Scenario};
use cascade_sim::Simulation;

/// The scenario `text`, edited by `edit`, run to its end with `seed` and its ledger audited.
fn simulate(text: &str, seed: u64, edit: impl FnOnce(&mut RawScenario)) -> Simulation {
    let scenario: Scenario = cascade_scenario::load_str("s.ron", text).unwrap().edit(edit).unwrap();
    let mut sim = Simulation::new(&scenario, seed).unwrap();
    sim.run(|_, _| {}).unwrap();
    sim.audit().unwrap();
    sim
}

/// The reference of each tick of [`simulate`] with seed 5.
fn references(text: &str, edit: impl FnOnce(&mut RawScenario)) -> Vec<f64> {
    simulate(text, 5, edit).market_records().iter().map(|r| r.reference).collect()
}

#[test]
fn with_directional_impact_arbitrage_and_market_making_do_not_move_the_wider_market() {
    // Only market makers and arbitrageurs trade: their flow follows the reference, so under directional impact the
    // reference is the exogenous path itself, to the bit; counting every taker, their flow moves it.
    let text = "(ticks: 300, agents: (noise_traders: (count: 0), leveraged_traders: (count: 0)))";
    let exogenous = references(text, |s| s.reference.flow_impact = 0.0);
    let directional = references(text, |s| s.reference.directional_impact = true);
    let every_taker = references(text, |_| {});
    assert_eq!(directional, exogenous);
    assert_ne!(every_taker, exogenous, "arbitrageurs' flow moves the reference when it counts");
}

#[test]
fn a_transient_impact_gives_back_half_of_itself_in_a_half_life() {
    // One burst of buying: every leveraged trader (all long) enters at tick 0 and nothing else takes. The reference
    // has no diffusion, so its log excess over the start is the impact alone: I at tick 1, I / 2 a half-life later,
    // I / 4 two half-lives later; a permanent impact stays at I.
    let text = "(ticks: 40, reference: (volatility: 1e-12, flow_impact: 0.004), \
                agents: (noise_traders: (count: 0), arbitrageurs: (count: 0), \
                leveraged_traders: (count: 200, entry_window_ticks: 1, long_fraction: 1.0)))";
    let half_life = 10.0;
    let transient = references(text, |s| {
        s.reference.directional_impact = true;
        s.reference.impact_half_life_ticks = Some(half_life);
    });
    let permanent = references(text, |s| s.reference.directional_impact = true);
    let excess = |path: &[f64], t: usize| libm::log(path[t] / path[0]);
    let impact = excess(&transient, 1);
    assert!(impact > 1e-4, "the burst moved the reference: {impact}");
    assert!((excess(&permanent, 30) / impact - 1.0).abs() < 1e-9, "a permanent impact stays");
    for (t, left) in [(11, 0.5), (21, 0.25), (31, 0.125)] {
        let ratio = excess(&transient, t) / impact;
        assert!((ratio - left).abs() < 1e-9, "tick {t}: {ratio} of the impact left, expected {left}");
    }
}

fn lag_one_autocorrelation(prices: &[f64]) -> f64 {
    let r: Vec<f64> = prices.windows(2).map(|w| libm::log(w[1] / w[0])).collect();
    let mean = r.iter().sum::<f64>() / r.len() as f64;
    let d: Vec<f64> = r.iter().map(|x| x - mean).collect();
    d.windows(2).map(|w| w[0] * w[1]).sum::<f64>() / d.iter().map(|x| x * x).sum::<f64>()
}

#[test]
fn a_mark_that_averages_the_basis_has_no_memory_the_oracle_lacks() {
    // The calm market with the book's mid as the mark's middle price, and with its five-tick average basis: with the
    // mid, the market makers' inventory skew and stale quotes make the mark trail the oracle (its returns correlate
    // from one tick to the next more than the oracle's: 0.017 to 0.022 more on seeds 1-3 over 4,000 ticks); with
    // the average, no more than the oracle's (0.008 to 0.018 less).
    let calm = include_str!("../../../scenarios/calm.ron");
    let excess = |basis: u32, seed: u64| {
        let sim = simulate(calm, seed, |s| {
            s.ticks = 4_000;
            s.market.basis_average_ticks = basis;
        });
        let price = |x: rust_decimal::Decimal| x.to_string().parse::<f64>().unwrap();
        let marks: Vec<f64> = sim.market_records().iter().map(|r| price(r.mark)).collect();
        let oracles: Vec<f64> = sim.market_records().iter().map(|r| price(r.oracle)).collect();
        lag_one_autocorrelation(&marks) - lag_one_autocorrelation(&oracles)
    };
    for seed in [1, 2] {
        let (mid, averaged) = (excess(0, seed), excess(5, seed));
        assert!(mid > 0.01, "seed {seed}: with the mid the mark trails: {mid} more than the oracle's");
        assert!(averaged < 0.0, "seed {seed}: with the average basis: {averaged} against the oracle's");
    }
}

#[test]
fn self_exciting_noise_trading_comes_in_bursts_at_the_same_mean() {
    // Noise traders alone take liquidity. With self-excitation (each trade begets 0.8 more over the next 30 ticks on
    // average) the traded notional clusters in time while its mean stays that of independent trading.
    let run = |excited: bool| {
        let text = "(ticks: 3000, agents: (arbitrageurs: (count: 0), leveraged_traders: (count: 0)))";
        let sim = simulate(text, 3, |s| {
            if excited {
                s.agents.noise_traders.self_excitation =
                    Some(cascade_scenario::SelfExcitation { branching: 0.8, decay_ticks: 30.0 });
            }
        });
        let volume: Vec<f64> =
            sim.market_records().iter().map(|r| r.notional_volume.to_string().parse().unwrap()).collect();
        // Ten-tick sums: one tick's volume is mostly the luck of its orders' sizes.
        let sums: Vec<f64> = volume.chunks(10).map(|c| c.iter().sum()).collect();
        let mean = sums.iter().sum::<f64>() / sums.len() as f64;
        let d: Vec<f64> = sums.iter().map(|v| v - mean).collect();
        let acf = d.windows(2).map(|w| w[0] * w[1]).sum::<f64>() / d.iter().map(|x| x * x).sum::<f64>();
        (mean, acf)
    };
    let ((plain_mean, plain_acf), (excited_mean, excited_acf)) = (run(false), run(true));
    assert!(
        excited_acf > 0.2 && excited_acf > plain_acf + 0.15,
        "bursts: autocorrelation of ten-tick volumes {excited_acf} against {plain_acf} trading independently"
    );
    assert!((excited_mean / plain_mean - 1.0).abs() < 0.15, "mean notional {excited_mean} against {plain_mean}");
}

#[test]
fn trend_followers_pile_into_a_rally_and_the_reversal_liquidates_them() {
    // A 6% rally over two hours, then a 7% gap down as it ends. Trend followers (15x, watching 15 to 60 minutes) go
    // long in the rally, and the gap liquidates them: more open interest before it, more accounts liquidated after
    // it, than the same world without them (seeds 1-5: 287 to 463 accounts against 48 to 94). Whether the fall goes
    // deeper depends on the path: on seeds 1-5 it did on three and not on two.
    let text = "(ticks: 700, shocks: [(at: 300, duration: 120, kind: PriceCrash(change: 0.06)), \
                (at: 420, kind: PriceGap(change: -0.07))])";
    let run = |followers: u32| {
        let sim = simulate(text, 2, |s| {
            s.agents.trend_followers = cascade_scenario::TrendFollowers {
                count: followers,
                leverage: 15.0,
                horizons_ticks: vec![15, 30, 60],
                threshold: 0.005,
                ..cascade_scenario::TrendFollowers::default()
            }
        });
        (sim.summary().accounts_liquidated, sim.market_records()[419].open_interest)
    };
    let ((liquidated_without, oi_without), (liquidated_with, oi_with)) = (run(0), run(600));
    assert!(oi_with > oi_without, "the crowd adds open interest before the gap: {oi_with} against {oi_without}");
    assert!(
        liquidated_with > 2 * liquidated_without,
        "liquidated: {liquidated_with} with the crowd, {liquidated_without} without"
    );
}

#[test]
fn pareto_order_sizes_give_volume_a_power_law_tail() {
    // Noise traders alone take liquidity, with log-normal sizes or Pareto sizes of tail index 1.5 at the same
    // median. Hill's estimator on the largest 5% of the ticks' traded notional: about 5 (thin) against about 2.3.
    let run = |tail: Option<f64>| {
        let text = "(ticks: 3000, agents: (arbitrageurs: (count: 0), leveraged_traders: (count: 0)))";
        let sim = simulate(text, 3, |s| s.agents.noise_traders.order_notional_tail = tail);
        let volume: Vec<f64> =
            sim.market_records().iter().map(|r| r.notional_volume.to_string().parse().unwrap()).collect();
        cascade_core::facts::hill(&volume, volume.len() / 20)
    };
    let (lognormal, pareto) = (run(None), run(Some(1.5)));
    assert!(pareto < 3.0 && lognormal > pareto + 1.5, "tail index of volume: {pareto} against {lognormal}");
}

#[test]
fn fundamentalists_buy_the_gap_and_cushion_the_fall() {
    // A 7% gap down. Fundamentalists (3x, the fundamental a day's average of the oracle price, 2% threshold) buy
    // the mark's distance from it: they hold open interest after the gap, and the fall is shallower with fewer
    // accounts liquidated than without them (seeds 1-5 measured: lows -7.1% to -7.7% against -7.7% to -10.2%).
    let text = "(ticks: 700, shocks: [(at: 300, kind: PriceGap(change: -0.07))])";
    let run = |count: u32| {
        let sim = simulate(text, 1, |s| s.agents.fundamentalists.count = count);
        let mark = |t: usize| sim.market_records()[t].mark.to_string().parse::<f64>().unwrap();
        let low = (300..700).map(mark).fold(f64::INFINITY, f64::min);
        let longs: rust_decimal::Decimal = sim
            .world()
            .iter_entities()
            .filter(|e| e.contains::<cascade_sim::components::SignalTrader>())
            .filter_map(|e| e.get::<cascade_sim::components::Account>())
            .map(|a| a.0.quantity(cascade_core::InstrumentId(0)))
            .sum();
        (low / mark(299) - 1.0, sim.summary().accounts_liquidated, longs)
    };
    let ((fall_without, liquidated_without, _), (fall_with, liquidated_with, held)) = (run(0), run(300));
    assert!(held > rust_decimal::Decimal::ZERO, "the fundamentalists end long: {held}");
    assert!(fall_with > fall_without + 0.01, "the fall is shallower: {fall_with} against {fall_without}");
    assert!(liquidated_with < liquidated_without, "liquidated: {liquidated_with} against {liquidated_without}");
}

#[test]
fn entries_built_before_the_run_leave_the_reference_but_their_liquidations_move_it() {
    // Every leveraged trader (all long, 10x) enters at tick 0 and nothing else takes until a 15% gap at tick 20
    // liquidates them. The reference has no diffusion: it is the exogenous path but for the flow that counts.
    let text = "(ticks: 40, reference: (volatility: 0.0, flow_impact: 0.004, directional_impact: true), \
                agents: (noise_traders: (count: 0), arbitrageurs: (count: 0), \
                leveraged_traders: (count: 20, capital: 1000.0, capital_sigma: 0.0, leverage: 10.0, \
                leverage_sigma: 0.0, long_fraction: 1.0, entry_window_ticks: 1)), \
                shocks: [(at: 20, kind: PriceGap(change: -0.15))])";
    let exogenous = references(text, |s| s.reference.flow_impact = 0.0);
    let entering = references(text, |_| {});
    let built_before = references(text, |s| s.agents.leveraged_traders.entries_move_reference = false);
    assert!(entering[1] > exogenous[1] * 1.000_1, "the entries' buying lifts the reference");
    assert_eq!(built_before[..20], exogenous[..20], "entries built before the run leave it as it was, to the bit");
    let sim = simulate(text, 5, |s| s.agents.leveraged_traders.entries_move_reference = false);
    assert_eq!(sim.summary().accounts_liquidated, 20, "the gap liquidates every long");
    assert!(built_before[25] < exogenous[25] * 0.999_9, "their liquidations' selling still pushes it down");
}
