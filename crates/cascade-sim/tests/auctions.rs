//! Dutch auctions on a chain (issue 19, MakerDAO Liquidations 2.0): an auction's price path and take worked by
//! hand, restarts when nobody can take, and on Black Thursday the bad debt and the cheap sales of stalled keepers.

use cascade_scenario::{KeeperStyle, RawScenario, Scenario};
use cascade_sim::Simulation;
use cascade_sim::record::{Event, EventKind};
use rust_decimal::Decimal;
use rust_decimal::dec;

/// One long of 1,000 at 10x on a still market that gaps 8% down at tick 10, one keeper with `capital` and no gas,
/// latency or price risk, auctions at buf 1.1, a 5% cut every 2 ticks, a tail of 20 ticks, cusp 0.4, tip 60 and
/// chip 0.1%, and a keeper's least profit of 50 (which the tip covers: starting an auction pays).
fn one_auction(capital: u32) -> Simulation {
    let text = format!(
        "(ticks: 80, market: (initial_price: 2000, tick_size: 0.1, lot_size: 0.001), \
         reference: (volatility: 0.0, flow_impact: 0.0), oracle: (sources: 1, delay_ticks: 0, noise: 0.0), \
         agents: (arbitrageurs: (count: 0), noise_traders: (count: 0), \
           leveraged_traders: (count: 1, capital: 1000.0, capital_sigma: 0.0, leverage: 10.0, leverage_sigma: 0.0, \
             long_fraction: 1.0, entry_window_ticks: 1)), \
         chain: (block_ticks: 1, block_liquidations: 10, gas: (base_cost: 0), liquidators: Keepers, \
           keepers: (count: 1, capital: {capital}, latency_ticks: 0, min_profit: 50, risk_aversion: 0.0, \
             style: Auction(buf: 1.1, cut: 0.95, step_ticks: 2, tail_ticks: 20, cusp: 0.4, tip: 60, chip: 0.001))), \
         shocks: [(at: 10, kind: PriceGap(change: -0.08))])"
    );
    let scenario: Scenario = cascade_scenario::load_str("auction.ron", &text).unwrap();
    let mut sim = Simulation::new(&scenario, 1).unwrap();
    sim.set_audit_every_tick(true);
    sim.run(|_, _| {}).unwrap();
    sim
}

fn of_kind(sim: &Simulation, kind: EventKind) -> Vec<&Event> {
    sim.events().iter().filter(|e| e.kind == kind).collect()
}

#[test]
fn an_auction_steps_down_a_cut_per_step_until_a_keeper_takes_it() {
    // The long's 5 ETH are offered from the oracle price at the start, 1,840: at 1.1 x 1,840 = 2,024, then
    // 1.045 (1,922.8), then 0.99275 x 1,840 = 1,826.66, 1,826.7 on the tick grid, two steps (four ticks) later.
    // There the keeper earns (1,840 - 1,826.7) x 5 = 66.5 >= 50; at 1.045 it would lose. The start paid it
    // tip + chip x notional.
    let sim = one_auction(1_000_000);
    let start = of_kind(&sim, EventKind::AuctionStart);
    let [start] = start.as_slice() else { panic!("{start:?}") };
    assert_eq!(start.liquidator_fee, Some(dec!(60) + (dec!(0.001) * start.notional.unwrap()).round_dp(8)));
    let t0 = start.tick;
    let steps: Vec<(u64, f64)> =
        of_kind(&sim, EventKind::AuctionStep).iter().map(|e| (e.tick - t0, e.magnitude.unwrap())).collect();
    assert_eq!(steps, vec![(2, 1.045), (4, 0.99275)]);
    let taken = of_kind(&sim, EventKind::Liquidation);
    let [taken] = taken.as_slice() else { panic!("{taken:?}") };
    assert_eq!(taken.tick, t0 + 4);
    assert_eq!((taken.average_price, taken.backstop_quantity), (Some(dec!(1826.7)), Some(dec!(5))));
    let reward = of_kind(&sim, EventKind::KeeperReward);
    assert_eq!(reward.iter().map(|e| e.liquidator_fee).collect::<Vec<_>>(), vec![Some(dec!(66.5))]);
    // Two transactions (the start and the take), no gas; the keeper's rewards are the incentive and the discount.
    let keepers = sim.summary().keepers.unwrap();
    assert_eq!((keepers.transactions, keepers.gas), (2, Decimal::ZERO));
    assert_eq!(keepers.rewards, start.liquidator_fee.unwrap() + dec!(66.5));
}

#[test]
fn an_auction_nobody_can_take_restarts_at_its_tail() {
    // A keeper with 100 cannot hold 5 ETH at initial margin: the auction restarts every 20 ticks (before its factor
    // reaches the cusp, 0.4 x 1.1, at 36), each time from 1.1.
    let sim = one_auction(100);
    let t0 = of_kind(&sim, EventKind::AuctionStart)[0].tick;
    let resets: Vec<u64> = of_kind(&sim, EventKind::AuctionReset).iter().map(|e| e.tick - t0).collect();
    assert!(resets.len() >= 2 && resets.iter().enumerate().all(|(k, &t)| t == 20 * (k as u64 + 1)), "{resets:?}");
    assert!(of_kind(&sim, EventKind::AuctionReset).iter().all(|e| e.magnitude == Some(1.1)));
    assert!(of_kind(&sim, EventKind::Liquidation).is_empty());
}

/// `black-thursday` with auctions (buf 1.2, a 1% cut a tick, restarts after two hours or below 0.4, chip 0.5%)
/// and keepers with 1,000,000 each, on `seed`; unconstrained (no gas, latency or block limit) when `free`.
fn auctioned_black_thursday(seed: u64, free: bool) -> Simulation {
    let edit = |s: &mut RawScenario| {
        let chain = s.chain.as_mut().unwrap();
        chain.keepers.capital = dec!(1000000);
        chain.keepers.style = KeeperStyle::Auction {
            buf: dec!(1.2),
            cut: dec!(0.99),
            step_ticks: 1,
            tail_ticks: 120,
            cusp: dec!(0.4),
            tip: Decimal::ZERO,
            chip: dec!(0.005),
        };
        if free {
            chain.gas.base_cost = Decimal::ZERO;
            chain.keepers.latency_ticks = 0;
            chain.block_liquidations = 100_000;
        }
    };
    let scenario =
        cascade_scenario::library::load("black-thursday", &Default::default()).unwrap().unwrap().edit(edit).unwrap();
    let mut sim = Simulation::new(&scenario, seed).unwrap();
    sim.run(|_, _| {}).unwrap();
    sim.audit().unwrap();
    sim
}

/// The median of the takes' discounts to the mark, fraction.
fn median_discount(sim: &Simulation) -> Decimal {
    let mut d: Vec<Decimal> = of_kind(sim, EventKind::Liquidation)
        .iter()
        .map(|e| ((e.mark_price.unwrap() - e.average_price.unwrap()) / e.mark_price.unwrap()).abs())
        .collect();
    d.sort();
    d[d.len() / 2]
}

#[test]
fn stalled_keepers_let_black_thursday_auctions_clear_cheap_and_leave_bad_debt() {
    for seed in 1..=2 {
        let (stalled, free) = (auctioned_black_thursday(seed, false), auctioned_black_thursday(seed, true));
        let (bad, bad_free) = (stalled.ledger().bad_debt(), free.ledger().bad_debt());
        assert!(bad > dec!(500000) && bad > bad_free * dec!(10), "seed {seed}: {bad} vs {bad_free}");
        let (cheap, fair) = (median_discount(&stalled), median_discount(&free));
        assert!(cheap > fair * dec!(3) && fair < dec!(0.01), "seed {seed}: median discounts {cheap} vs {fair}");
    }
}
