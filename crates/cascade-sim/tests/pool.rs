//! Pool-counterparty markets (issue 19): the pool's fills, fees and caps worked by hand, the shortfalls it pays,
//! conservation on every path, and the `pool-crash` library scenario.

use cascade_scenario::{RawScenario, Scenario};
use cascade_sim::Simulation;
use cascade_sim::record::{EventKind, PoolTick};
use rust_decimal::Decimal;
use rust_decimal::dec;

/// A pool market at 2,000 with no other trader than `traders` leveraged ones (1,000 each, 10x, entering at tick 0,
/// `long` of them long), a still reference read at once by one oracle, and `extra` scenario fields.
fn pool_world(pool: &str, traders: &str, extra: &str) -> Scenario {
    let text = format!(
        "(ticks: 120, market: (symbol: \"ETH-PERP\", initial_price: 2000, tick_size: 0.1, lot_size: 0.001, \
           taker_fee: 0.001, maker_fee: 0, pool: ({pool})), \
         reference: (volatility: 0.0, flow_impact: 0.0), oracle: (sources: 1, delay_ticks: 0, noise: 0.0), \
         liquidation: (insurance_fund: 0, loss_allocation: BadDebt), \
         agents: (market_makers: (count: 0), arbitrageurs: (count: 0), noise_traders: (count: 0), \
           leveraged_traders: (capital: 1000.0, capital_sigma: 0.0, leverage: 10.0, leverage_sigma: 0.0, \
             entry_window_ticks: 1, {traders})), \
         {extra})"
    );
    cascade_scenario::load_str("pool.ron", &text).unwrap()
}

fn run(scenario: &Scenario) -> Simulation {
    let mut sim = Simulation::new(scenario, 1).unwrap();
    sim.set_audit_every_tick(true);
    sim.run(|_, _| {}).unwrap();
    sim
}

fn last(sim: &Simulation) -> &PoolTick {
    sim.pool_records().last().unwrap()
}

#[test]
fn a_bankrupt_long_pays_the_pool_everything_and_the_pool_pays_its_shortfall() {
    // One long buys 5 ETH from the pool at 2,000 x 1.0005 = 2,001.0 and pays 0.1%: 10.005, of which the pool gets
    // 70% (7.0035). A 15% gap to 1,700 leaves it at 989.995 - 5 x 301 = -515.005: it is closed to the pool at 1,700
    // (the pool realizes 1,505), no penalty can be paid, and with no insurance fund the pool pays the 515.005.
    // In all the trader lost its 1,000: 3.0015 to the venue, 996.9985 to the pool; no bad debt.
    let scenario = pool_world(
        "liquidity: 20000000, spread: 0.0005, fee_share: 0.7",
        "count: 1, long_fraction: 1.0",
        "funding: (interval_ticks: 0), shocks: [(at: 10, kind: PriceGap(change: -0.15))]",
    );
    let sim = run(&scenario);
    let summary = sim.summary();
    let pool = &summary.pools[0];
    assert_eq!(pool.fees, dec!(7.0035));
    assert_eq!(pool.absorbed_shortfall, dec!(515.005));
    assert_eq!(pool.value_end, dec!(20000996.9985));
    assert_eq!(pool.lp_pnl, dec!(996.9985));
    assert_eq!((summary.bad_debt, summary.fees, summary.shortfall), (Decimal::ZERO, dec!(3.0015), dec!(515.005)));
    let liquidation = sim.events().iter().find(|e| e.kind == EventKind::Liquidation).unwrap();
    assert_eq!((liquidation.average_price, liquidation.book_quantity), (Some(dec!(1700)), Some(dec!(5))));
    let paid = sim.events().iter().find(|e| e.kind == EventKind::PoolLoss).unwrap();
    assert_eq!((paid.account, paid.loss), (liquidation.account, Some(dec!(515.005))));
    assert_eq!(last(&sim).position, Decimal::ZERO, "the pool holds nothing once the only trader is gone");
}

#[test]
fn the_pool_holds_the_traders_imbalance_and_collects_borrowing_and_funding() {
    // Three longs and one short, 5 ETH each: the pool is short 10. Hourly intervals (60 ticks): the imbalance rate
    // is 0.002 x (15 - 5) / 20 = 0.001, so each long pays 5 x 2,000 x 0.001 = 10 and the short receives 10; the pool,
    // short 10, receives 20. Borrowing at 0.001 x utilization (longs 30,000 / pool value ~ 100,000: ~0.3; shorts
    // ~0.1): a long pays ~ 0.001 x 0.3 x 10,000 = 3, the short ~1.
    let scenario = pool_world(
        "liquidity: 100000, spread: 0.0, borrowing_rate: 0.001, funding_factor: 0.002, fee_share: 1.0",
        "count: 4, long_fraction: 0.75",
        "funding: (interval_ticks: 60)",
    );
    let sim = run(&scenario);
    let rows = sim.pool_records();
    let at = |tick: u64| rows.iter().find(|r| r.tick == tick).unwrap();
    assert_eq!(at(59).position, dec!(-10));
    assert_eq!((at(59).long_interest, at(59).short_interest), (dec!(15), dec!(5)));
    assert_eq!(at(59).funding, dec!(20));
    let borrowing = at(59).borrowing_fees;
    assert!((borrowing - dec!(10)).abs() < dec!(0.01), "3 longs x ~3 and a short ~1: {borrowing}");
    assert_eq!(at(119).funding, dec!(20));
    assert!(rows.iter().filter(|r| r.tick % 60 != 59).all(|r| r.funding.is_zero() && r.borrowing_fees.is_zero()));
    // At a still price the pool's value is its deposits and what it collected: fees, funding and borrowing.
    let summary = sim.summary();
    let pool = &summary.pools[0];
    assert_eq!(pool.value_end, dec!(100000) + pool.fees + pool.funding + pool.borrowing_fees);
    assert!(pool.lp_pnl > dec!(80), "two intervals of 20 funding and ~10 borrowing, and 4 x 10 of fees");
}

#[test]
fn open_interest_caps_refuse_growth_and_keep_the_interest_under_them() {
    // 20 longs of 10,000 each against a long cap of 55,000: five fit (50,000), the other 15 are refused.
    let scenario = pool_world(
        "liquidity: 1000000, spread: 0.0, max_long_interest: 55000",
        "count: 20, long_fraction: 1.0",
        "funding: (interval_ticks: 0)",
    );
    let sim = run(&scenario);
    let summary = sim.summary();
    assert_eq!(summary.pools[0].capped_orders, 15);
    assert_eq!(last(&sim).long_interest, dec!(25));
    assert!(sim.pool_records().iter().all(|r| r.long_interest * dec!(2000) <= dec!(55000)));
}

#[test]
fn a_pool_market_is_refused_a_book_and_bad_pool_fields_are_located() {
    let text = "(market: (pool: (liquidity: 0, spread: 0.2, fee_share: 1.5)))";
    let err = cascade_scenario::load_str("p.ron", text).unwrap_err().to_string();
    for expected in [
        "market.pool.liquidity",
        "market.pool.spread",
        "market.pool.fee_share",
        "agents.market_makers.count: a pool market has no book",
    ] {
        assert!(err.contains(expected), "{expected} not in {err}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(10))]

    /// Whatever the pool's spread, caps, fees and the crash, the ledger balances after every tick (pool fills, fee
    /// shares, borrowing, funding and shortfalls included) and no flat account keeps a negative balance.
    #[test]
    fn every_pool_path_conserves_the_ledger(
        spread in 0u32..20,
        cap in 0u32..4,
        borrowing in 0u32..50,
        funding in 0u32..50,
        fee_share in 0u32..=10,
        gap in 5u32..40,
        long_fraction in 0u32..=10,
        seed in 0u64..1_000,
    ) {
        let text = format!(
            "(ticks: 150, market: (taker_fee: 0.001, maker_fee: 0, pool: (liquidity: 3000000, spread: 0.000{spread:02}, \
               max_long_interest: {long_cap}, max_short_interest: {short_cap}, borrowing_rate: 0.0{borrowing:03}, \
               funding_factor: 0.0{funding:03}, fee_share: 0.{fee_share})), \
             reference: (flow_impact: 0.0), funding: (interval_ticks: 30), \
             liquidation: (insurance_fund: 1000), \
             agents: (market_makers: (count: 0), \
               leveraged_traders: (count: 150, capital: 800.0, leverage: 15.0, long_fraction: 0.{long_fraction}, \
                 entry_window_ticks: 30)), \
             shocks: [(at: 60, kind: PriceGap(change: -0.{gap:02})), (at: 100, kind: PriceGap(change: 0.{gap:02}))])",
            long_cap = cap * 400_000,
            short_cap = (3 - cap) * 400_000,
            fee_share = fee_share.min(9),
        );
        let scenario: Scenario = cascade_scenario::load_str("s.ron", &text).unwrap();
        super::audited_to_the_end(Simulation::new(&scenario, seed).unwrap())?;
    }
}

/// The shipped `pool-crash` with `seed`, with its leveraged traders `long_fraction` long, its caps kept or not,
/// audited every tick.
fn pool_crash(seed: u64, long_fraction: Option<f64>, caps: bool) -> cascade_sim::summary::PoolSummary {
    let scenario = cascade_scenario::library::load("pool-crash", &Default::default())
        .unwrap()
        .unwrap()
        .edit(|s: &mut RawScenario| {
            if let Some(f) = long_fraction {
                s.agents.leveraged_traders.long_fraction = f;
            }
            if let Some(pool) = s.market.pool.as_mut().filter(|_| !caps) {
                pool.max_long_interest = Decimal::ZERO;
                pool.max_short_interest = Decimal::ZERO;
            }
        })
        .unwrap();
    let mut sim = Simulation::new(&scenario, seed).unwrap();
    sim.set_audit_every_tick(true);
    sim.run(|_, _| {}).unwrap();
    let summary = sim.summary();
    assert_eq!(summary.bad_debt, Decimal::ZERO, "the pool pays every shortfall");
    summary.pools[0].clone()
}

#[test]
fn in_a_crash_the_pool_loses_when_the_crowd_is_short_and_caps_bound_its_drawdown() {
    for seed in [1, 2] {
        let shipped = pool_crash(seed, None, true);
        assert!(shipped.absorbed_shortfall > Decimal::ZERO && shipped.max_drawdown > Decimal::ZERO, "{shipped:?}");
        // A crowd 30% long leaves the pool long into the crash; 80% long, short: it loses more and falls further.
        let short_crowd = pool_crash(seed, Some(0.3), true);
        let long_crowd = pool_crash(seed, Some(0.8), true);
        assert!(short_crowd.lp_pnl < long_crowd.lp_pnl, "seed {seed}: {short_crowd:?} vs {long_crowd:?}");
        assert!(short_crowd.max_drawdown > long_crowd.max_drawdown, "seed {seed}");
        // Without the 40M caps the pool takes on more of the short crowd's imbalance, and falls further.
        let uncapped = pool_crash(seed, Some(0.3), false);
        assert!(uncapped.max_drawdown > short_crowd.max_drawdown, "seed {seed}: {uncapped:?} vs {short_crowd:?}");
        assert!(short_crowd.capped_orders > 0 && uncapped.capped_orders == 0);
    }
}

#[test]
fn the_pool_pays_the_shortfall_whoever_liquidates() {
    // The bankrupt long of the hand-worked story, liquidated by a keeper instead: a fixed-discount keeper takes its
    // 5 ETH at 5% below the oracle (1,615), a close-out keeper has the engine close it into the pool and is paid
    // 0.5% of it. Either way the pool pays what the account cannot, and no bad debt is booked.
    for style in ["FixedDiscount(bonus: 0.05, close_factor: 0.5, full_below: 0.95)", "CloseOut"] {
        let chain = format!(
            "chain: (gas: (base_cost: 0), keepers: (count: 1, capital: 1000000, latency_ticks: 0, min_profit: 0, \
             style: {style}))"
        );
        let scenario = pool_world(
            "liquidity: 20000000, spread: 0.0005, fee_share: 0.7",
            "count: 1, long_fraction: 1.0",
            &format!("funding: (interval_ticks: 0), {chain}, shocks: [(at: 10, kind: PriceGap(change: -0.15))]"),
        );
        let sim = run(&scenario);
        let summary = sim.summary();
        assert_eq!(summary.bad_debt, Decimal::ZERO, "{style}");
        // A close-out keeper's reward (0.5% of 8,500) deepens the shortfall after the engine's close-out: the pool
        // pays that too, in a second event.
        let paid: Decimal = sim.events().iter().filter(|e| e.kind == EventKind::PoolLoss).filter_map(|e| e.loss).sum();
        assert_eq!(paid, summary.pools[0].absorbed_shortfall, "{style}");
        assert!(summary.pools[0].absorbed_shortfall >= dec!(515.005), "{style}: at least the engine's shortfall");
    }
}
