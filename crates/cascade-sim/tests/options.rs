//! Options in the world (issue 16): the gamma feedback of a delta-hedging market maker, settlement at expiry, the
//! surface shocks, and the checks of an options section.

use cascade_core::option::grid::{Leg, presets};
use cascade_core::option::{OptionKind, black76};
use cascade_scenario::{RawScenario, Scenario};
use cascade_sim::Simulation;
use cascade_sim::record::EventKind;
use rust_decimal::Decimal;
use std::collections::BTreeSet;

/// The shipped `gamma-crash`, edited by `edit`, run with `seed` and audited: its lowest mark and how many long
/// accounts were liquidated.
fn gamma_crash(seed: u64, edit: impl FnOnce(&mut RawScenario)) -> (f64, usize) {
    let scenario =
        cascade_scenario::library::load("gamma-crash", &Default::default()).unwrap().unwrap().edit(edit).unwrap();
    let mut sim = Simulation::new(&scenario, seed).unwrap();
    sim.run(|_, _| {}).unwrap();
    sim.audit().unwrap();
    let low = sim.market_records().iter().map(|r| cascade_core::money::to_f64(r.mark)).fold(f64::INFINITY, f64::min);
    let longs: BTreeSet<u32> = sim
        .events()
        .iter()
        .filter(|e| e.kind == EventKind::Liquidation && e.detail == "long")
        .filter_map(|e| e.account)
        .collect();
    (low, longs.len())
}

fn unhedged(s: &mut RawScenario) {
    s.options.as_mut().unwrap().market_maker.hedge = false;
}

#[test]
fn a_short_gamma_market_maker_hedging_deepens_the_crash_and_a_long_gamma_one_damps_it() {
    // The traders buy puts: the market maker is short gamma and sells the perpetual as the price falls.
    for seed in 1..=3 {
        let (low, longs) = gamma_crash(seed, |_| {});
        let (low_off, longs_off) = gamma_crash(seed, unhedged);
        assert!(low < low_off, "seed {seed}: hedging short gamma, low {low} against {low_off} unhedged");
        assert!(longs > longs_off, "seed {seed}: {longs} longs liquidated against {longs_off} unhedged");
    }
    // Flipped: the traders sell the puts, the market maker is long gamma and buys as the price falls.
    let flip = |s: &mut RawScenario| s.options.as_mut().unwrap().traders[0].quantity = Decimal::from(-2);
    for seed in 1..=2 {
        let (low, longs) = gamma_crash(seed, flip);
        let (low_off, longs_off) = gamma_crash(seed, |s| {
            flip(s);
            unhedged(s);
        });
        assert!(low > low_off, "seed {seed}: hedging long gamma, low {low} against {low_off} unhedged");
        assert!(longs < longs_off, "seed {seed}: {longs} longs liquidated against {longs_off} unhedged");
    }
}

/// A quiet market with options expiring after 100 one-minute ticks: put buyers and call sellers at the money.
const EXPIRING: &str = "(ticks: 160, reference: (volatility: 0.8), \
    agents: (leveraged_traders: (count: 100)), \
    options: (strikes: [0.98, 1.0, 1.02], strike_step: 100, expiries_days: [0.0694444444444], \
      traders: [(count: 20, right: put, strike: 1.0, expiry_days: 0.0694444444444, quantity: 1, \
                 entry_window_ticks: 20), \
                (count: 20, right: call, strike: 1.02, expiry_days: 0.0694444444444, quantity: -0.5, \
                 capital: 40000, entry_window_ticks: 20)]))";

#[test]
fn options_settle_at_their_payoff_against_the_oracle_and_the_ledger_stays_conserved() {
    let scenario: Scenario = cascade_scenario::load_str("s.ron", EXPIRING).unwrap();
    let mut sim = Simulation::new(&scenario, 7).unwrap();
    // Before expiry the traders hold their options (ledger audited every tick in test builds).
    for _ in 0..50 {
        sim.step().unwrap();
    }
    // The market maker sold the puts and bought the calls: it is long delta on both, and hedged back within its
    // threshold of one unit.
    assert!(sim.option_maker_delta().unwrap().abs() <= 1.0 + 1e-9, "{:?}", sim.option_maker_delta());
    let series = sim.option_series();
    assert_eq!(series.len(), 6, "three strikes, a call and a put each");
    assert_eq!(series.iter().map(|s| s.open_interest).sum::<Decimal>(), Decimal::from(30), "all entered");
    assert_eq!(sim.instruments(0).len(), 1, "one perpetual");
    let open_before = sim.account_health().len();
    sim.run(|_, _| {}).unwrap();
    sim.audit().unwrap();
    let expiries: Vec<_> = sim.events().iter().filter(|e| e.kind == EventKind::OptionExpiry).collect();
    assert_eq!(expiries.len(), 6, "every series settles once");
    for e in &expiries {
        assert_eq!(e.tick, 100);
        let symbol = e.market.as_deref().unwrap();
        let strike: Decimal = symbol.split('-').nth(2).unwrap().parse().unwrap();
        let oracle = e.mark_price.unwrap();
        let payoff = if symbol.ends_with("-P") { strike - oracle } else { oracle - strike };
        assert_eq!(e.average_price, Some(payoff.max(Decimal::ZERO)), "{symbol} pays its intrinsic value");
    }
    let traded: Decimal = expiries.iter().filter_map(|e| e.quantity).sum();
    assert_eq!(traded, Decimal::from(30), "20 puts bought and 10 calls sold were open at expiry");
    assert!(sim.option_series().iter().all(|s| s.open_interest.is_zero()));
    // After expiry no account holds an option; the traders' accounts are flat and still in the ledger.
    let after = sim.account_health();
    assert!(after.len() < open_before, "the option traders' accounts are flat after settlement");
}

#[test]
fn a_volatility_surface_shift_raises_every_premium() {
    // No diffusion: the premiums move only by time and by the shock at tick 10.
    let text = "(ticks: 20, reference: (volatility: 1e-9), agents: (leveraged_traders: (count: 0)), \
        options: (strikes: [0.9, 1.0, 1.1], expiries_days: [7]), \
        shocks: [(at: 10, kind: VolSurfaceShift(points: 0.2))])";
    let scenario: Scenario = cascade_scenario::load_str("s.ron", text).unwrap();
    let mut sim = Simulation::new(&scenario, 1).unwrap();
    let marks = |sim: &Simulation| sim.option_series().into_iter().map(|s| s.mark).collect::<Vec<_>>();
    for _ in 0..10 {
        sim.step().unwrap();
    }
    let before = marks(&sim);
    sim.step().unwrap();
    let after = marks(&sim);
    for (b, a) in before.iter().zip(&after) {
        assert!(a > b, "a premium rises with its volatility: {b} -> {a}");
    }
}

#[test]
fn an_options_section_is_checked_with_located_errors() {
    let bad = "(margin: (mode: Isolated), \
        options: (traders: [(count: 3, strike: 0.93)]), \
        shocks: [(at: 5, kind: SkewSteepening(change: 0.1))])";
    let err = cascade_scenario::load_str("s.ron", bad).unwrap_err().to_string();
    assert!(err.contains("expected margin.mode Cross or Portfolio"), "{err}");
    assert!(err.contains("options.traders[0].strike") && err.contains("0.93"), "{err}");
    let twins = "(options: (strikes: [0.95, 0.951], strike_step: 500))";
    let err = cascade_scenario::load_str("s.ron", twins).unwrap_err().to_string();
    assert!(err.contains("options.strikes[1]") && err.contains("same strike as options.strikes[0]"), "{err}");
    let no_options = "(shocks: [(at: 5, kind: TermInversion(points: 0.1))])";
    let err = cascade_scenario::load_str("s.ron", no_options).unwrap_err().to_string();
    assert!(err.contains("shocks[0].kind") && err.contains("needs `options`"), "{err}");
}

/// A quiet world where one trader sells 3 puts at 95% of the price and buys 1 unit of the perpetual beside them,
/// `scenario` adding fields and `options` fields of the options section; stepped twice, so the trader holds them.
fn put_seller_world(scenario: &str, options: &str) -> Simulation {
    let text = format!(
        "({scenario} ticks: 5, reference: (volatility: 0.5), \
        agents: (leveraged_traders: (count: 0), noise_traders: (count: 0)), \
        options: (strikes: [0.95, 1.0], expiries_days: [10], {options} \
          traders: [(count: 1, capital: 50000, right: put, strike: 0.95, expiry_days: 10, quantity: -3, underlying: 1, \
                     entry_window_ticks: 1)]))"
    );
    let scenario: Scenario = cascade_scenario::load_str("s.ron", &text).unwrap();
    let mut sim = Simulation::new(&scenario, 2).unwrap();
    sim.step().unwrap();
    sim.step().unwrap();
    sim
}

/// The put seller's health with option accounts margined by `options` (e.g. `margin: GreeksAddOns(...)`, or "" for
/// the default grid), what the put was marked at, the perpetual's mark, and the legs of its book.
fn one_put_seller(options: &str) -> (cascade_core::margin::Health, cascade_sim::resources::OptionMark, f64, [Leg; 2]) {
    let mut sim = put_seller_world("", options);
    let (_, health) = *sim.account_health().last().unwrap();
    let m = sim.option_series().into_iter().find(|s| s.symbol.ends_with("-28500-P")).unwrap().surface;
    let perpetual = cascade_core::money::to_f64(sim.instruments(0)[0].mark);
    let legs = [
        Leg::Option { kind: OptionKind::Put, strike: 28_500.0, expiry: m.years, vol: m.vol, quantity: -3.0 },
        Leg::Linear { quantity: 1.0 },
    ];
    (health, m, perpetual, legs)
}

#[test]
fn an_option_account_is_margined_by_the_deribit_grid_over_its_positions() {
    let (health, m, _, legs) = one_put_seller("");
    let grid = presets::deribit().margin(&legs, m.forward, 0.0).unwrap();
    let money = |x: f64| cascade_core::money::from_f64(x, Decimal::new(1, 8), "expected").unwrap();
    assert_eq!(health.initial_requirement, money(grid.initial));
    assert_eq!(health.maintenance_requirement, money(grid.maintenance));
    // Deribit's maintenance is 0.8 of initial; a short put and a long perpetual lose together on the way down.
    assert!((grid.maintenance / grid.initial - 0.8).abs() < 1e-12);
    assert!(grid.worst.price_move < 0.0, "the worst scenario is a fall: {:?}", grid.worst);
}

#[test]
fn greeks_add_ons_margin_an_option_account_on_the_perpetuals_policy_by_hand() {
    // The same book under Greeks add-ons on the default static 5% / 2.5% policy, covering a 25% volatility move.
    let (health, m, perpetual, legs) = one_put_seller("margin: GreeksAddOns(vol_shock: 0.25),");
    // By hand: the book's delta is 1 - 3 x the put's; the delta-equivalent position is charged 5% (2.5%) of its
    // notional at the perpetual's mark; the short gamma 3 Gamma (m F)^2 / 2 for m = 5% (2.5%); vega 3 vega sigma x 25%
    // (12.5%: the volatility move scaled by maintenance over initial).
    let g = black76(OptionKind::Put, m.forward, 28_500.0, m.vol, m.years, 0.0).unwrap();
    let delta = (1.0 - 3.0 * g.delta).abs();
    let by_hand = |fraction: f64, vol_move: f64| {
        fraction * delta * perpetual
            + 0.5 * 3.0 * g.gamma * (fraction * m.forward).powi(2)
            + 3.0 * g.vega * m.vol * vol_move
    };
    let found = cascade_core::money::to_f64;
    for (requirement, expected) in
        [(health.initial_requirement, by_hand(0.05, 0.25)), (health.maintenance_requirement, by_hand(0.025, 0.125))]
    {
        assert!((found(requirement) - expected).abs() < 1e-6 * expected, "{requirement} against {expected}");
    }
    // Small moves only: Deribit's grid, which also revalues the book 16% down, asks far more of the same book.
    let grid = presets::deribit().margin(&legs, m.forward, 0.0).unwrap();
    let initial = found(health.initial_requirement);
    assert!(initial < 0.5 * grid.initial, "{initial} against {}", grid.initial);
}

#[test]
fn under_portfolio_margin_an_option_book_nets_with_other_underlyings_by_their_correlation() {
    // The put seller's book is long delta on BTC (short puts, long the perpetual). Beside it, 40 units of an ETH
    // perpetual, correlated 0.8 with BTC, portfolio margin offsetting at most 90%.
    let markets = "margin: (mode: Portfolio(max_offset: 0.9)), correlation: [[1.0, 0.8], [0.8, 1.0]], \
        other_markets: [(market: (symbol: \"ETH-PERP\", initial_price: 2000, tick_size: 0.01, lot_size: 0.01))],";
    let mut sim = put_seller_world(markets, "");
    let (trader, _) = *sim.account_health().last().unwrap();
    let world = sim.world();
    let instruments = world.resource::<cascade_sim::resources::Instruments>();
    let engine = world.resource::<cascade_sim::resources::MarginState>();
    let mut query = world.try_query::<(&cascade_sim::components::Agent, &cascade_sim::components::Account)>().unwrap();
    let book = query.iter(world).find(|(a, _)| a.id == trader).map(|(_, a)| a.0.clone()).unwrap();
    // The book alone: its grid requirement G, the same under either mode.
    let alone = cascade_sim::health::standalone_health(instruments, engine, &book).unwrap();
    assert_eq!(cascade_sim::health::account_health(instruments, engine, &book).unwrap(), alone);
    let eth = instruments.get(cascade_core::InstrumentId(1));
    let with_eth = |units: i64| {
        let mut p = book.clone();
        p.apply_fill(eth.id, Decimal::from(units), eth.mark_price).unwrap();
        let e = eth.margin.requirement(Decimal::from(units), eth.mark_price).unwrap().initial;
        let netted = cascade_sim::health::account_health(instruments, engine, &p).unwrap().initial_requirement;
        let summed = cascade_sim::health::standalone_health(instruments, engine, &p).unwrap().initial_requirement;
        // By the netting rule with the book signed long: max(sqrt(r' C r), 10% of the sum), r = (G, +-E).
        let signed = [alone.initial_requirement, if units > 0 { e } else { -e }];
        let expected =
            engine.correlation.portfolio_requirement(&[0, 1], &signed, Decimal::new(9, 1), Decimal::new(1, 8));
        assert_eq!(netted, expected.unwrap(), "{units} ETH");
        assert_eq!(summed, alone.initial_requirement + e, "cross margin sums the parts");
        (netted, summed)
    };
    let (hedged, summed) = with_eth(-40);
    let (doubled, _) = with_eth(40);
    // Short ETH against a long-delta BTC book offsets; long ETH beside it still nets below the sum (rho < 1).
    assert!(hedged < doubled && doubled < summed, "{hedged} < {doubled} < {summed}");
}
