//! On-chain venue mechanics (issue 19): a push oracle that publishes on a deviation threshold or a heartbeat;
//! blocks, gas and keepers, and the Black Thursday scenario.

use cascade_scenario::{KeeperStyle, PullOracle, PushOracle, RawScenario, Scenario};
use cascade_sim::Simulation;
use cascade_sim::record::{Event, EventKind};
use rust_decimal::Decimal;

fn run(push: PushOracle, ticks: u64) -> Vec<(u64, Decimal)> {
    let base = cascade_scenario::library::load("default", &Default::default()).unwrap().unwrap();
    let scenario: Scenario = base
        .edit(|s: &mut RawScenario| {
            s.ticks = ticks;
            s.oracle.push = Some(push);
        })
        .unwrap();
    let mut sim = Simulation::new(&scenario, scenario.seed).unwrap();
    sim.run(|_, _| {}).unwrap();
    sim.market_records().iter().map(|r| (r.tick, r.oracle)).collect()
}

/// The ticks at which the published price changed, with the prices before and after.
fn changes(oracle: &[(u64, Decimal)]) -> Vec<(u64, Decimal, Decimal)> {
    oracle.windows(2).filter(|w| w[0].1 != w[1].1).map(|w| (w[1].0, w[0].1, w[1].1)).collect()
}

#[test]
fn a_heartbeat_only_oracle_publishes_on_the_heartbeat() {
    // A threshold no move reaches: the price changes only on the heartbeat's ticks, and on nearly all of them.
    let oracle = run(PushOracle { deviation: 10.0, heartbeat_ticks: 60, max_gas_cost: None }, 1_600);
    let changed = changes(&oracle);
    assert!(changed.iter().all(|(t, ..)| t % 60 == 0), "{changed:?}");
    assert!(changed.len() >= 24, "26 heartbeats in 1,600 ticks, {} changes", changed.len());
}

#[test]
fn a_push_oracle_publishes_past_its_deviation_or_its_heartbeat_only() {
    let (deviation, heartbeat) = (0.005, 60);
    let oracle = run(PushOracle { deviation, heartbeat_ticks: heartbeat, max_gas_cost: None }, 1_600);
    let changed = changes(&oracle);
    let mut last = 0;
    for &(t, before, after) in &changed {
        let moved = ((after - before) / before).abs() > Decimal::try_from(deviation).unwrap();
        assert!(moved || t - last >= heartbeat, "tick {t}: {before} -> {after}, {} ticks after the last", t - last);
        last = t;
    }
    // Far fewer publications than ticks (55 on this path), yet never older than the heartbeat (the price moves
    // every tick), and the 8% gap at tick 1,440 is published at once.
    assert!(changed.len() < 1_600 / 5 && changed.len() > 1_600 / heartbeat as usize, "{}", changed.len());
    let gaps = changed.windows(2).map(|w| w[1].0 - w[0].0);
    assert!(gaps.max().unwrap() <= heartbeat);
    assert!(
        changed.iter().any(|&(t, before, after)| (1_440..=1_443).contains(&t) && after < before * Decimal::new(95, 2))
    );
}

/// The shipped `black-thursday`, edited by `edit`, run with `seed` with the ledger audited every tick.
fn black_thursday(seed: u64, edit: impl FnOnce(&mut RawScenario)) -> Simulation {
    let scenario =
        cascade_scenario::library::load("black-thursday", &Default::default()).unwrap().unwrap().edit(edit).unwrap();
    let mut sim = Simulation::new(&scenario, seed).unwrap();
    sim.set_audit_every_tick(true);
    sim.run(|_, _| {}).unwrap();
    sim.audit().unwrap();
    sim
}

fn unconstrained(s: &mut RawScenario) {
    let chain = s.chain.as_mut().unwrap();
    chain.gas.base_cost = Decimal::ZERO;
    chain.keepers.latency_ticks = 0;
    chain.block_liquidations = 100_000;
}

#[test]
fn stalled_keepers_turn_black_thursday_into_bad_debt_and_unconstrained_ones_do_not() {
    for seed in 1..=2 {
        let stalled = black_thursday(seed, |_| {});
        let free = black_thursday(seed, unconstrained);
        let (bad, bad_free) = (stalled.ledger().bad_debt(), free.ledger().bad_debt());
        assert!(bad > Decimal::from(100_000) && bad > bad_free, "seed {seed}: {bad} against {bad_free}");
        // Once the gas has risen, from hour 10 until the congestion ends, stalled keepers send a fraction of what
        // free ones do; they catch up when it clears.
        let sent = |sim: &Simulation, ticks: std::ops::Range<u64>| {
            let kind = EventKind::KeeperTransaction;
            sim.events().iter().filter(|e| e.kind == kind && ticks.contains(&e.tick)).count()
        };
        let (congested, congested_free) = (sent(&stalled, 600..1_140), sent(&free, 600..1_140));
        assert!(4 * congested < congested_free, "seed {seed}: {congested} against {congested_free}");
        assert!(sent(&stalled, 1_140..1_440) > 4 * congested, "seed {seed}: the backlog clears after the congestion");
    }
}

#[test]
fn keepers_pay_the_gas_to_the_chain_and_are_paid_their_reward_by_hand() {
    let sim = black_thursday(3, |s| s.ticks = 900);
    let chain = sim.world().resource::<cascade_sim::chain::ChainState>();
    let sent: Vec<&Event> = sim.events().iter().filter(|e| e.kind == EventKind::KeeperTransaction).collect();
    let paid: Vec<&Event> = sim.events().iter().filter(|e| e.kind == EventKind::KeeperReward).collect();
    assert!(sent.len() > 100 && sent.len() == paid.len(), "{} sent, {} paid", sent.len(), paid.len());
    // Each block holds at most 30; each reward is 0.5% of what the close-out closed, on the 1e-8 grid.
    for tick in sent.iter().map(|e| e.tick) {
        assert!(sent.iter().filter(|e| e.tick == tick).count() <= 30);
    }
    for e in &paid {
        let expected = (e.notional.unwrap() * Decimal::new(5, 3)).round_dp(8);
        assert_eq!(e.liquidator_fee, Some(expected), "{e:?}");
    }
    // The chain's gas sink holds exactly what the keepers paid; each keeper holds its capital less its gas plus
    // its rewards.
    let gas: Decimal = sent.iter().map(|e| e.fee.unwrap()).sum();
    assert_eq!(sim.ledger().gas(), gas);
    let rewards: Decimal = paid.iter().map(|e| e.liquidator_fee.unwrap()).sum();
    let summary = cascade_sim::summary::KeeperSummary { transactions: sent.len() as u64, gas, rewards };
    assert_eq!(sim.summary().keepers, Some(summary));
    let world = sim.world();
    let mut accounts =
        world.try_query::<(&cascade_sim::components::Agent, &cascade_sim::components::Account)>().unwrap();
    for &keeper in &chain.keepers {
        let name = format!("keeper {}", keeper.0);
        let of = |events: &[&Event], field: fn(&Event) -> Option<Decimal>| -> Decimal {
            events.iter().filter(|e| e.detail == name).filter_map(|e| field(e)).sum()
        };
        let expected = Decimal::from(1_500) - of(&sent, |e| e.fee) + of(&paid, |e| e.liquidator_fee);
        let held = accounts.iter(world).find(|(a, _)| a.id == keeper).unwrap().1.0.collateral;
        assert_eq!(held, expected, "{name}");
    }
}

fn fixed_discount(s: &mut RawScenario) {
    let (bonus, close_factor, full_below) = (Decimal::new(5, 2), Decimal::new(5, 1), Decimal::new(95, 2));
    s.chain.as_mut().unwrap().keepers.style = KeeperStyle::FixedDiscount { bonus, close_factor, full_below };
}

#[test]
fn fixed_discount_keepers_take_positions_over_at_the_bonus_and_unwind_them() {
    let sim = black_thursday(1, |s| {
        fixed_discount(s);
        s.ticks = 800;
    });
    let oracle: std::collections::BTreeMap<u64, Decimal> =
        sim.market_records().iter().map(|r| (r.tick, r.oracle)).collect();
    let taken: Vec<&Event> = sim.events().iter().filter(|e| e.kind == EventKind::Liquidation).collect();
    assert!(taken.len() > 500, "{}", taken.len());
    let mut discounts = Decimal::ZERO;
    for e in &taken {
        // A long sells to its keeper at 95% of the oracle price, on the 0.01 grid; all of it off the book.
        let expected = (oracle[&e.tick] * Decimal::new(95, 2))
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        assert_eq!((e.detail.as_str(), e.average_price), ("long", Some(expected)), "{e:?}");
        assert_eq!(e.backstop_quantity, e.quantity);
        discounts += e.liquidator_fee.unwrap();
    }
    // What the keepers earned is the discount; they unwound most of what they took into the book.
    assert_eq!(sim.summary().keepers.unwrap().rewards, discounts);
    let world = sim.world();
    let mut keepers =
        world.try_query::<(&cascade_sim::components::Account, &cascade_sim::components::Keeper)>().unwrap();
    let held: Decimal =
        keepers.iter(world).map(|(a, _)| a.0.positions.iter().map(|p| p.quantity.abs()).sum::<Decimal>()).sum();
    let bought: Decimal = taken.iter().map(|e| e.quantity.unwrap()).sum();
    assert!(held < bought / Decimal::TEN, "keepers hold {held} of the {bought} they took");
}

#[test]
fn on_black_thursday_a_five_percent_discount_keeps_keepers_liquidating_where_a_half_percent_reward_does_not() {
    // The traders' bad debt (the market makers', who absorb the keepers' unwinding, is another story: docs/onchain.md).
    let traders_bad_debt = |sim: &Simulation| {
        let world = sim.world();
        let mut makers = world
            .try_query_filtered::<&cascade_sim::components::Agent, bevy_ecs::query::With<cascade_sim::components::MarketMaker>>()
            .unwrap();
        let makers: Vec<u32> = makers.iter(world).map(|a| a.id.0).collect();
        let liquidations = sim.events().iter().filter(|e| e.kind == EventKind::Liquidation);
        liquidations.filter(|e| !makers.contains(&e.account.unwrap())).filter_map(|e| e.bad_debt).sum::<Decimal>()
    };
    for seed in 1..=2 {
        let close_out = black_thursday(seed, |_| {});
        let discount = black_thursday(seed, fixed_discount);
        let congested = |sim: &Simulation| {
            let kind = EventKind::KeeperTransaction;
            sim.events().iter().filter(|e| e.kind == kind && (600..1_140).contains(&e.tick)).count()
        };
        assert!(congested(&discount) > 4 * congested(&close_out), "seed {seed}");
        let (bad, bad_discount) = (traders_bad_debt(&close_out), traders_bad_debt(&discount));
        assert!(bad_discount < bad / Decimal::TEN, "seed {seed}: {bad_discount} against {bad}");
    }
}

#[test]
fn liquidations_land_only_in_blocks() {
    let sim = black_thursday(1, |s| {
        s.ticks = 700;
        s.chain.as_mut().unwrap().block_ticks = 5;
    });
    let liquidations: Vec<u64> =
        sim.events().iter().filter(|e| e.kind == EventKind::Liquidation).map(|e| e.tick).collect();
    assert!(!liquidations.is_empty());
    assert!(liquidations.iter().all(|t| t % 5 == 0), "{liquidations:?}");
}

#[test]
fn a_chain_is_checked_with_located_errors() {
    let bad = "(chain: (block_ticks: 0, keepers: (count: 0), gas: (max_multiplier: 0.5)), \
        shocks: [(at: 5, duration: 10, kind: Congestion(multiplier: 0.5))])";
    let err = cascade_scenario::load_str("s.ron", bad).unwrap_err().to_string();
    for field in ["chain.block_ticks", "chain.keepers.count", "chain.gas.max_multiplier", "shocks[0].kind.multiplier"] {
        assert!(err.contains(field), "{field}: {err}");
    }
    let no_chain = "(shocks: [(at: 5, duration: 10, kind: Congestion(multiplier: 2))])";
    let err = cascade_scenario::load_str("s.ron", no_chain).unwrap_err().to_string();
    assert!(err.contains("shocks[0].kind") && err.contains("needs `chain`"), "{err}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(12))]

    /// Whatever the chain's block space, gas, latency, liquidators and keepers' style (close-out, fixed discount,
    /// auction), the ledger balances after every tick (gas, rewards, auction incentives and takes, shortfalls
    /// included) and no flat account keeps a negative balance.
    #[test]
    fn every_chain_path_conserves_the_ledger(
        block_ticks in 1u64..4,
        space in 1u32..40,
        cost in 0u32..60,
        latency in 0u64..4,
        liquidators in proptest::prop_oneof![
            proptest::prelude::Just("Engine"),
            proptest::prelude::Just("Keepers"),
            proptest::prelude::Just("Both(after_ticks: 5)"),
        ],
        style in proptest::prop_oneof![
            proptest::prelude::Just("CloseOut"),
            proptest::prelude::Just("FixedDiscount(bonus: 0.05, close_factor: 0.5, full_below: 0.9)"),
            proptest::prelude::Just(
                "Auction(buf: 1.2, cut: 0.97, step_ticks: 2, tail_ticks: 30, cusp: 0.4, tip: 5, chip: 0.005)"
            ),
        ],
        congestion in 1.0f64..20.0,
        orders in proptest::prop_oneof![
            proptest::prelude::Just("None"),
            proptest::prelude::Just("Some((cost: 0.5, block_space: 12))"),
        ],
        seed in 0u64..1_000,
    ) {
        let text = format!(
            "(ticks: 120, liquidation: (insurance_fund: 2000, loss_allocation: BadDebt), \
             agents: (leveraged_traders: (count: 200, capital: 800.0, leverage: 8.0, entry_window_ticks: 20)), \
             chain: (block_ticks: {block_ticks}, block_liquidations: {space}, gas: (base_cost: {cost}), \
               liquidators: {liquidators}, \
               keepers: (count: 2, capital: 300, latency_ticks: {latency}, style: {style}, unwind_notional: 5000), \
               orders: {orders}), \
             shocks: [(at: 40, kind: PriceGap(change: -0.15)), \
                      (at: 40, duration: 40, kind: Congestion(multiplier: {congestion}))])"
        );
        let scenario: Scenario = cascade_scenario::load_str("s.ron", &text).unwrap();
        super::audited_to_the_end(Simulation::new(&scenario, seed).unwrap())?;
    }
}

#[test]
fn a_push_oracle_whose_operator_will_not_pay_the_gas_freezes_through_the_congestion() {
    // Black Thursday with a push oracle (0.5% or an hour) whose updates cost what a liquidation does: an operator
    // paying at most 4 publishes nothing while congestion puts a transaction at 8 or more, then publishes the fall at
    // once; the frozen price leaves the accounts unliquidated until then, and far more bad debt.
    let push = |max_gas_cost| {
        move |s: &mut RawScenario| {
            s.oracle.push = Some(PushOracle { deviation: 0.005, heartbeat_ticks: 60, max_gas_cost });
        }
    };
    let free = black_thursday(1, push(None));
    let frozen = black_thursday(1, push(Some(Decimal::from(4))));
    let published = |sim: &Simulation, ticks: std::ops::Range<u64>| {
        let oracle: Vec<(u64, Decimal)> = sim.market_records().iter().map(|r| (r.tick, r.oracle)).collect();
        changes(&oracle).into_iter().filter(|(t, ..)| ticks.contains(t)).count()
    };
    assert_eq!(published(&frozen, 310..1_140), 0);
    assert!(published(&free, 310..1_140) > 50, "{}", published(&free, 310..1_140));
    assert!(published(&frozen, 1_140..1_440) > 0, "updates land once the chain clears");
    let (bad, bad_free) = (frozen.ledger().bad_debt(), free.ledger().bad_debt());
    assert!(bad > Decimal::TWO * bad_free, "{bad} against {bad_free}");
}

fn oracle(s: &mut RawScenario, push: Option<PushOracle>, pull: Option<PullOracle>) {
    s.oracle.push = push;
    s.oracle.pull = pull;
}

#[test]
fn a_pull_oracle_does_not_freeze_where_an_unpaid_push_oracle_does_and_its_update_cost_slows_keepers() {
    let frozen = Some(PushOracle { deviation: 0.005, heartbeat_ticks: 60, max_gas_cost: Some(Decimal::from(4)) });
    let pulled = |update_cost: u32, max_confidence: f64| {
        Some(PullOracle { update_cost: Decimal::from(update_cost), max_confidence })
    };
    for seed in 1..=2 {
        // Each liquidation brings its own price: the crash reaches the venue and is liquidated as it comes.
        let push = black_thursday(seed, |s| oracle(s, frozen, None));
        let pull = black_thursday(seed, |s| oracle(s, None, pulled(0, 0.0)));
        let (bad_push, bad_pull) = (push.ledger().bad_debt(), pull.ledger().bad_debt());
        assert!(bad_pull * Decimal::from(4) < bad_push, "seed {seed}: pull {bad_pull}, frozen push {bad_push}");
        // Bringing the update along costs each keeper's transaction 2 more (x the gas multiplier): fewer are sent.
        let dear = black_thursday(seed, |s| oracle(s, None, pulled(2, 0.0)));
        let sent = |sim: &Simulation| sim.summary().keepers.unwrap().transactions;
        assert!(sent(&dear) * 2 < sent(&pull), "seed {seed}: {} vs {}", sent(&dear), sent(&pull));
    }
}

#[test]
fn a_pull_oracle_whose_confidence_is_too_wide_goes_stale_in_the_crash() {
    // A still reference read by three sources five ticks apart, then a 20% slide over 20 ticks from tick 100:
    // calm, the aggregate's confidence is the sources' own (0.06%); in the slide they disagree by about 5% and it
    // exceeds the 0.5% the venue accepts, so the oracle price is stale (and liquidations paused) until the sources
    // agree again, ten ticks after the slide.
    let text = |max_confidence: f64| {
        format!(
            "(ticks: 200, reference: (volatility: 0.0, flow_impact: 0.0), \
             oracle: (sources: 3, delay_ticks: 0, source_lag_ticks: 5, staleness_ticks: 0, \
               pull: (max_confidence: {max_confidence})), \
             shocks: [(at: 100, duration: 20, kind: PriceCrash(change: -0.2))])"
        )
    };
    let run = |max_confidence: f64| {
        let scenario: Scenario = cascade_scenario::load_str("pull.ron", &text(max_confidence)).unwrap();
        let mut sim = Simulation::new(&scenario, 1).unwrap();
        sim.run(|_, _| {}).unwrap();
        sim
    };
    let sim = run(0.005);
    let stale: Vec<u64> = sim.market_records().iter().filter(|r| r.oracle_stale).map(|r| r.tick).collect();
    assert!(!stale.is_empty() && stale.iter().all(|t| (100..=131).contains(t)), "{stale:?}");
    let wide = sim.events().iter().find(|e| e.kind == EventKind::OracleStale).unwrap();
    assert!(wide.detail.starts_with("confidence too wide") && wide.magnitude.unwrap() > 0.005, "{wide:?}");
    // While stale the venue keeps its last price; without the limit the same slide goes through.
    let held = sim.market_records().iter().find(|r| r.tick == stale[0]).unwrap().oracle;
    assert!(stale.iter().all(|&t| sim.market_records()[t as usize].oracle == held));
    assert_eq!(run(0.0).summary().oracle_stale_ticks, 0);
}

#[test]
fn orders_as_transactions_land_only_in_blocks_and_pay_their_gas() {
    // Blocks every 5 ticks: market orders wait for them, so with one market maker (whose quotes, off-chain, never
    // cross another's) trades print only on block ticks; every order that landed paid its gas, and the chain's gas
    // sink holds exactly the orders' and the keepers' gas.
    let text = "(ticks: 300, agents: (market_makers: (count: 1), \
          leveraged_traders: (count: 50, entry_window_ticks: 200)), \
        chain: (block_ticks: 5, gas: (base_cost: 2), orders: (cost: 0.5, block_space: 8), \
          keepers: (count: 2, capital: 10000)), \
        shocks: [(at: 150, kind: PriceGap(change: -0.1))])";
    let scenario: Scenario = cascade_scenario::load_str("orders.ron", text).unwrap();
    let mut sim = Simulation::new(&scenario, 3).unwrap();
    sim.set_audit_every_tick(true);
    sim.run(|_, _| {}).unwrap();
    let traded: Vec<u64> = sim.market_records().iter().filter(|r| r.volume > Decimal::ZERO).map(|r| r.tick).collect();
    assert!(traded.len() > 20 && traded.iter().all(|t| t % 5 == 0), "{traded:?}");
    let blocks: Vec<&Event> = sim.events().iter().filter(|e| e.kind == EventKind::BlockOrders).collect();
    assert!(blocks.iter().all(|e| e.quantity.unwrap() <= Decimal::from(8)), "at most 8 a block");
    assert!(blocks.iter().any(|e| e.unfilled.unwrap() > Decimal::ZERO), "some orders wait");
    let orders_gas: Decimal = blocks.iter().map(|e| e.fee.unwrap()).sum();
    let summary = sim.summary();
    let keepers_gas = summary.keepers.as_ref().map_or(Decimal::ZERO, |k| k.gas);
    assert!(orders_gas > Decimal::ZERO);
    assert_eq!(sim.ledger().gas(), orders_gas + keepers_gas);
    assert_eq!(summary.orders.unwrap().gas, orders_gas);
}

#[test]
fn orders_that_fill_the_blocks_crowd_out_liquidations_on_black_thursday() {
    // The traders' orders (about 13 a tick) land first; liquidations get what they leave of the block's space.
    let orders = |space: u32| {
        move |s: &mut RawScenario| {
            s.chain.as_mut().unwrap().orders =
                Some(cascade_scenario::OrderTransactions { cost: Decimal::ZERO, block_space: space });
        }
    };
    for seed in 1..=2 {
        let (roomy, crowded) = (black_thursday(seed, orders(30)), black_thursday(seed, orders(15)));
        let (bad, bad_crowded) = (roomy.ledger().bad_debt(), crowded.ledger().bad_debt());
        assert!(bad_crowded > bad * Decimal::from(2), "seed {seed}: {bad_crowded} vs {bad}");
        assert!(crowded.summary().liquidations < roomy.summary().liquidations, "seed {seed}");
        assert!(crowded.summary().orders.unwrap().most_waiting > 1_000, "seed {seed}: a backlog builds");
    }
}
