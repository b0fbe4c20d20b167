//! The liquidation engine's mechanisms and the oracle guards, on small worlds and on the default scenario.

use cascade_core::Decimal;
use cascade_core::money::to_f64;
use cascade_scenario::{LiquidationMode, LossAllocation, RawScenario, Scenario};
use cascade_sim::Simulation;
use cascade_sim::components::{Account, Agent};
use cascade_sim::record::{Event, EventKind};
use proptest::prelude::*;
use rust_decimal::dec;

/// A small world: one market maker with a thin book, 200 leveraged traders entering in the first 30 ticks, a gap
/// at tick 60. `liquidation`, `backstop` and `oracle` are spliced in as RON.
fn tiny(gap: f64, liquidation: &str, backstop: &str, oracle: &str) -> RawScenario {
    let text = format!(
        r#"(
        name: "tiny", ticks: 120,
        reference: (volatility: 0.3, flow_impact: 0.01),
        oracle: (sources: 3, delay_ticks: 0, noise: 0.0, {oracle}),
        funding: (interval_ticks: 40),
        liquidation: ({liquidation}),
        agents: (
            market_makers: (count: 1, capital: 3000000, levels: 10, level_notional: 20000.0),
            arbitrageurs: (count: 1, capital: 500000),
            noise_traders: (count: 5, capital: 50000),
            backstop: ({backstop}),
            leveraged_traders: (count: 200, capital: 2000.0, capital_sigma: 0.5, leverage: 8.0, leverage_sigma: 0.4,
                                long_fraction: 0.5, entry_window_ticks: 30),
        ),
        shocks: [(at: 60, kind: PriceGap(change: {gap}))],
    )"#
    );
    cascade_scenario::load_str("tiny.ron", &text).unwrap().into_raw()
}

/// Runs every tick, checking after each: the ledger is conserved, and no account without a position is left with
/// negative collateral (every shortfall was booked to an absorber).
fn run_checked(scenario: &RawScenario, seed: u64) -> Simulation {
    let mut sim = Simulation::new(&Scenario::try_from(scenario.clone()).unwrap(), seed).unwrap();
    sim.set_audit_every_tick(true);
    while !sim.is_finished() {
        sim.step().unwrap();
        sim.audit().unwrap();
        let world = sim.world();
        let mut accounts = world.try_query::<(&Agent, &Account)>().unwrap();
        for (agent, account) in accounts.iter(world) {
            let flat = account.0.positions.iter().all(|p| p.quantity.is_zero());
            assert!(
                !flat || account.0.collateral >= Decimal::ZERO,
                "account {} is flat with collateral {} at tick {}",
                agent.id,
                account.0.collateral,
                sim.tick()
            );
        }
    }
    for e in liquidations(&sim) {
        // Each shortfall is split exactly among its absorbers.
        assert_eq!(
            e.shortfall.unwrap(),
            e.insurance_paid.unwrap() + e.socialized.unwrap() + e.bad_debt.unwrap(),
            "{e:?}"
        );
        // ... and each closed quantity among the ways it was closed.
        assert_eq!(
            e.quantity.unwrap(),
            e.book_quantity.unwrap() + e.backstop_quantity.unwrap() + e.deleveraged_quantity.unwrap()
        );
    }
    sim
}

fn liquidations(sim: &Simulation) -> Vec<&Event> {
    sim.events().iter().filter(|e| e.kind == EventKind::Liquidation).collect()
}

fn of_kind(sim: &Simulation, kind: EventKind) -> Vec<&Event> {
    sim.events().iter().filter(|e| e.kind == kind).collect()
}

/// Whether each tick's liquidations come largest position first: the position's notional at the mark (quantity,
/// all of it in a full close-out, times the mark, which stays put during the pass); `(ordered, the largest tick's
/// count)`.
fn largest_first(sim: &Simulation) -> (bool, usize) {
    let mut by_tick: std::collections::BTreeMap<u64, Vec<Decimal>> = Default::default();
    for e in liquidations(sim) {
        by_tick.entry(e.tick).or_default().push(e.quantity.unwrap() * e.mark_price.unwrap());
    }
    let ordered = by_tick.values().all(|n| n.windows(2).all(|w| w[0] >= w[1]));
    (ordered, by_tick.values().map(Vec::len).max().unwrap_or(0))
}

#[test]
fn the_notional_order_closes_the_largest_positions_first() {
    // 2,000 longs at a median 5x through a -30% gap: most are liquidated in one tick.
    let crash = |order: &str| {
        let text = format!(
            r#"(
            name: "order", ticks: 215, liquidation: (order: {order}),
            agents: (
                market_makers: (count: 4, capital: 100000000, max_inventory: 1000000000, level_notional: 300000),
                leveraged_traders: (count: 2000, capital: 300, long_fraction: 1.0, entry_window_ticks: 200),
            ),
            shocks: [(at: 200, kind: PriceGap(change: -0.30))],
        )"#
        );
        run_checked(&cascade_scenario::load_str("order.ron", &text).unwrap().into_raw(), 1)
    };
    let (ordered, most) = largest_first(&crash("Notional"));
    assert!(most >= 1_000, "a tick of many liquidations: {most}");
    assert!(ordered, "each tick's liquidations largest first");
    // The default order (worst margin ratio first) is another one.
    assert!(!largest_first(&crash("MarginRatio")).0, "the margin-ratio order is not by size");
}

#[test]
fn adl_closes_bankrupt_longs_against_profitable_shorts_and_leaves_no_bad_debt() {
    let scenario = tiny(-0.25, "insurance_fund: 0, loss_allocation: Adl", "count: 0", "staleness_ticks: 0");
    let sim = run_checked(&scenario, 11);
    let deleverages = of_kind(&sim, EventKind::Deleverage);
    assert!(!deleverages.is_empty(), "a 25% gap with no insurance fund must reach ADL");
    for d in &deleverages {
        assert_eq!(d.detail, "short", "only the opposite side is deleveraged");
        assert!(d.profit.unwrap() > Decimal::ZERO, "only winners are deleveraged");
        assert!(d.loss.unwrap() >= Decimal::ZERO);
        assert!(d.loss.unwrap() <= d.profit.unwrap(), "ADL takes part of the profit, not more");
    }
    assert_eq!(sim.ledger().bad_debt(), Decimal::ZERO);
    let summary = sim.summary();
    assert_eq!(summary.loss_allocation.events, deleverages.len() as u64);
    assert!(summary.deleveraged_notional > Decimal::ZERO);
    // The take per winner in all, recomputed from the events: its losses over the largest profit it showed.
    let mut by_winner: std::collections::BTreeMap<u32, (f64, f64, u64)> = Default::default();
    for d in &deleverages {
        let w = by_winner.entry(d.account.unwrap()).or_default();
        w.0 += to_f64(d.loss.unwrap());
        w.1 = w.1.max(to_f64(d.profit.unwrap()));
        w.2 += 1;
    }
    let shares: Vec<f64> = by_winner.values().map(|(loss, profit, _)| loss / profit).collect();
    let l = &summary.loss_allocation;
    assert_eq!(l.winners_hit, by_winner.len() as u64);
    assert_eq!(l.max_hits_per_winner, by_winner.values().map(|w| w.2).max().unwrap());
    let max = shares.iter().copied().fold(0.0, f64::max);
    assert!((l.max_share_of_profit_per_winner - max).abs() < 1e-9, "{} vs {max}", l.max_share_of_profit_per_winner);
    assert!(l.mean_share_of_profit_per_winner <= l.max_share_of_profit_per_winner);
    assert!(l.max_hits_per_winner > 1, "some winner is hit by several liquidations");
    assert!(l.max_share_of_profit_per_winner > l.mean_share_of_profit_per_event, "a winner hit often gives up more");
}

#[test]
fn socialized_loss_turns_bad_debt_into_haircuts_of_winners() {
    let bad =
        run_checked(&tiny(-0.35, "insurance_fund: 0, loss_allocation: BadDebt", "count: 0", "staleness_ticks: 0"), 11);
    let social = run_checked(
        &tiny(-0.35, "insurance_fund: 0, loss_allocation: SocializedLoss", "count: 0", "staleness_ticks: 0"),
        11,
    );
    assert!(bad.ledger().bad_debt() > Decimal::ZERO, "without allocation the gap leaves bad debt");
    assert!(social.summary().socialized_loss > Decimal::ZERO);
    assert!(social.ledger().bad_debt() < bad.ledger().bad_debt());
    let haircuts = of_kind(&social, EventKind::Haircut);
    for h in &haircuts {
        assert!(h.loss.unwrap() <= h.profit.unwrap(), "a haircut never exceeds the winner's profit");
    }
    // One socialized-loss row per shortfall, after its liquidation, naming the winners its haircuts hit.
    let events = social.events();
    let shortfalls: Vec<usize> = (0..events.len()).filter(|&i| events[i].kind == EventKind::SocializedLoss).collect();
    let socialized: Vec<&Event> =
        liquidations(&social).into_iter().filter(|e| e.socialized.unwrap() > Decimal::ZERO).collect();
    assert_eq!(shortfalls.len(), socialized.len());
    assert!(!haircuts.is_empty() && haircuts.len() > shortfalls.len(), "several winners per shortfall");
    for (&i, liquidation) in shortfalls.iter().zip(&socialized) {
        let row = &events[i];
        assert_eq!((row.account, row.socialized), (liquidation.account, liquidation.socialized));
        let hits: Vec<&Event> = events[i + 1..].iter().take_while(|e| e.kind == EventKind::Haircut).collect();
        assert_eq!(row.detail, format!("{} winners", hits.len()));
        assert_eq!(hits.iter().map(|h| h.loss.unwrap()).sum::<Decimal>(), row.socialized.unwrap());
    }
    let hit = haircuts.len() + of_kind(&social, EventKind::Deleverage).len();
    assert_eq!(social.summary().loss_allocation.events, hit as u64, "the summary counts every haircut");
}

#[test]
fn a_backstop_takes_over_deeply_underwater_accounts_and_is_paid_its_share() {
    let sim = run_checked(
        &tiny(
            -0.12,
            "liquidator_share: 0.5",
            "count: 1, capital: 2000000, trigger: 0.9, discount: 0.01",
            "staleness_ticks: 0",
        ),
        5,
    );
    let taken: Vec<_> =
        liquidations(&sim).into_iter().filter(|e| e.backstop_quantity.unwrap() > Decimal::ZERO).collect();
    assert!(!taken.is_empty(), "the backstop took positions over");
    assert!(taken.iter().any(|e| e.liquidator_fee.unwrap() > Decimal::ZERO));
    assert!(sim.summary().backstop_notional > Decimal::ZERO);
}

#[test]
fn partial_liquidation_closes_in_slices_with_a_cooldown() {
    let sim = run_checked(
        &tiny(
            -0.09,
            "mode: Partial(target: 1.0, slice_fraction: 0.25, slice_min_notional: 1000, cooldown_ticks: 3)",
            "count: 0",
            "staleness_ticks: 0",
        ),
        5,
    );
    let events = liquidations(&sim);
    assert!(!events.is_empty());
    let mut by_account = std::collections::BTreeMap::<u32, Vec<u64>>::new();
    for e in &events {
        by_account.entry(e.account.unwrap()).or_default().push(e.tick);
    }
    assert!(by_account.values().any(|ticks| ticks.len() > 1), "some account was liquidated in several slices");
    for ticks in by_account.values() {
        assert!(ticks.windows(2).all(|w| w[1] >= w[0] + 3), "slices respect the cooldown: {ticks:?}");
    }
}

#[test]
fn rate_limits_cap_liquidated_notional_per_tick() {
    let sim = run_checked(
        &tiny(-0.15, "max_notional_per_tick: 50000, max_notional_per_account: 20000", "count: 0", "staleness_ticks: 0"),
        5,
    );
    let records = sim.records();
    assert!(records.iter().any(|r| r.liquidations > 0));
    // Book and backstop close-outs respect the market's budget (one lot of rounding at most per close-out).
    for r in records {
        assert!(
            r.liquidated_notional <= dec!(50000) + Decimal::from(r.liquidations) * dec!(100),
            "tick {}: {}",
            r.tick,
            r.liquidated_notional
        );
    }
    assert!(liquidations(&sim).iter().all(|e| e.notional.unwrap() <= dec!(20000) + dec!(100)));
}

#[test]
fn a_frozen_oracle_goes_stale_and_pauses_liquidations() {
    let mut scenario = tiny(-0.15, "", "count: 0", "staleness_ticks: 5, pause_liquidations_when_stale: true");
    scenario.shocks.push(cascade_scenario::Shock {
        at: 58,
        duration: 30,
        kind: cascade_scenario::ShockKind::OracleFreeze,
    });
    let sim = run_checked(&scenario, 5);
    let stale = of_kind(&sim, EventKind::OracleStale);
    let fresh = of_kind(&sim, EventKind::OracleFresh);
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0].detail, "liquidations paused");
    // The last print is from tick 57; at tick 63 it is 6 ticks old, beyond the limit of 5.
    assert_eq!(stale[0].tick, 63, "stale once the last print is older than the limit");
    assert_eq!(fresh[0].tick, 88, "fresh again when the freeze ends");
    assert!(liquidations(&sim).iter().all(|e| e.tick < stale[0].tick || e.tick >= fresh[0].tick));
    assert!(sim.records().iter().filter(|r| r.oracle_stale).count() >= 20);
}

#[test]
fn a_single_bad_source_is_outvoted_and_the_deviation_guard_rejects_the_rest() {
    let mut one = tiny(-0.01, "", "count: 0", "staleness_ticks: 0");
    one.shocks.push(cascade_scenario::Shock {
        at: 70,
        duration: 10,
        kind: cascade_scenario::ShockKind::OracleBadPrint { change: -0.3, sources: 1 },
    });
    let sim = run_checked(&one, 5);
    let r = &sim.market_records()[75];
    assert!(
        (r.oracle / dec!(1) - Decimal::try_from(r.reference).unwrap()).abs() < dec!(300),
        "the median ignores one bad source"
    );

    let mut two = tiny(-0.01, "", "count: 0", "staleness_ticks: 0, max_deviation: 0.1");
    two.shocks = one.shocks.clone();
    if let cascade_scenario::ShockKind::OracleBadPrint { ref mut sources, .. } = two.shocks[1].kind {
        *sources = 2;
    }
    let guarded = run_checked(&two, 5);
    let rejected = of_kind(&guarded, EventKind::OraclePrintRejected);
    assert_eq!(rejected.len(), 20, "two sources for ten ticks");
    assert_eq!(guarded.summary().oracle_rejections, 20);
    let r = &guarded.market_records()[75];
    assert!((r.oracle - Decimal::try_from(r.reference).unwrap()).abs() < dec!(300));
}

#[test]
fn twap_smooths_the_oracle_and_the_mark_stays_in_its_band() {
    let sim = run_checked(&tiny(-0.10, "", "count: 0", "staleness_ticks: 0, twap_ticks: 10"), 5);
    let r = sim.market_records();
    let reference = Decimal::try_from(r[61].reference).unwrap();
    assert!(r[61].oracle > reference * dec!(1.05), "one tick after a 10% gap a 10-tick TWAP has moved a tenth of it");
    for t in r {
        assert!(
            (t.mark - t.oracle).abs() <= t.oracle * dec!(0.05) + dec!(0.1),
            "tick {}: mark {} oracle {}",
            t.tick,
            t.mark,
            t.oracle
        );
    }
}

/// On the default scenario (losses beyond the fund booked as bad debt, so that bad debt is the measure), the three
/// ways of liquidating give different bad debt and price paths. A backstop vault, taking the deepest accounts over
/// before they are bankrupt and keeping their selling off the book, leaves far less bad debt and a shallower crash.
/// Partial liquidation closes in many smaller slices; on this crash it does not reduce bad debt (slices leave
/// positions open while the price keeps falling), which the docs report.
#[test]
fn partial_and_backstop_liquidation_change_bad_debt_and_the_price_path() {
    const SHOCK: usize = 1440; // the default scenario's gap
    let mut base = cascade_scenario::library::load("default", &Default::default()).unwrap().unwrap().into_raw();
    base.liquidation.loss_allocation = LossAllocation::BadDebt;
    let mut partial = base.clone();
    partial.liquidation.mode = LiquidationMode::Partial {
        target: dec!(1),
        slice_fraction: dec!(0.2),
        slice_min_notional: dec!(20000),
        cooldown_ticks: 1,
    };
    let mut backstop = base.clone();
    backstop.agents.backstop.count = 1;
    let run = |s: &RawScenario| {
        let mut sim = Simulation::new(&Scenario::try_from(s.clone()).unwrap(), s.seed).unwrap();
        sim.run(|_, _| {}).unwrap();
        let marks: Vec<Decimal> = sim.market_records().iter().map(|r| r.mark).collect();
        (sim.summary(), marks)
    };
    let ((full, full_path), (partial, partial_path), (backstop, backstop_path)) =
        (run(&base), run(&partial), run(&backstop));
    assert!(full.bad_debt > Decimal::ZERO, "{full:?}");
    // Partial: on this crash, not materially less bad debt than closing whole positions (0.8% less on this seed,
    // more on five of seeds 1, 2, 4-7; the docs report it), on another path.
    assert!(partial.bad_debt > full.bad_debt * dec!(0.98), "{} vs {}", partial.bad_debt, full.bad_debt);
    assert!(partial_path != full_path, "slices sell on other ticks");
    assert!(backstop_path[..SHOCK] == full_path[..SHOCK], "the vault changes nothing before the shock");
    // Partial: more, smaller close-outs.
    assert!(partial.liquidations > 2 * full.liquidations);
    let mean = |s: &cascade_sim::summary::Summary| to_f64(s.liquidated_notional) / s.liquidations as f64;
    assert!(mean(&partial) < mean(&full) / 2.0);
    // Backstop: far less bad debt and shortfall (the low is not reliably higher: the docs report it).
    assert!(backstop.bad_debt * dec!(5) < full.bad_debt, "{} vs {}", backstop.bad_debt, full.bad_debt);
    assert!(backstop.shortfall < full.shortfall * dec!(0.6), "the backstop closes out before bankruptcy");
    // The table in docs/liquidation.md is these three runs.
    let doc = include_str!("../../../docs/liquidation.md");
    for (label, s) in
        [("full, into the book", &full), ("partial (20% slices)", &partial), ("full, one 5M backstop vault", &backstop)]
    {
        let row = format!(
            "| {label} | {} | {} | {} | {} | {} | {} |",
            grouped(Decimal::from(s.liquidations)),
            grouped(Decimal::from(s.accounts_liquidated)),
            grouped(s.shortfall),
            grouped(s.insurance_fund_end),
            grouped(s.bad_debt),
            grouped_tenths(s.markets[0].mark_min),
        );
        assert!(doc.contains(&row), "docs/liquidation.md lacks the row\n{row}");
    }
}

/// `amount` rounded to a whole number as `cascade run` prints it, with thousands separators (1,286).
fn grouped(amount: Decimal) -> String {
    let digits = amount.round_dp(0).to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `price` to one decimal, with thousands separators (25,203.5).
fn grouped_tenths(price: Decimal) -> String {
    let shown = format!("{:.1}", price.round_dp(1));
    let (whole, tenth) = shown.split_once('.').unwrap_or((&shown, "0"));
    format!("{}.{tenth}", grouped(whole.parse().unwrap()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Conservation and the absorber bookkeeping hold whatever the mechanism and the shock.
    #[test]
    fn every_path_conserves_the_ledger(
        gap in -0.35f64..-0.03,
        partial in any::<bool>(),
        backstop in any::<bool>(),
        allocation in 0usize..3,
        fund in prop_oneof![Just(0u32), Just(20_000u32)],
        seed in 0u64..1_000,
    ) {
        let mode = if partial { "Partial(target: 1.0, slice_fraction: 0.3, slice_min_notional: 5000, cooldown_ticks: 2)" } else { "Full" };
        let allocation = ["BadDebt", "Adl", "SocializedLoss"][allocation];
        let liquidation = format!("insurance_fund: {fund}, mode: {mode}, loss_allocation: {allocation}");
        let backstop = if backstop { "count: 1, capital: 300000, trigger: 0.8" } else { "count: 0" };
        run_checked(&tiny(gap, &liquidation, backstop, "staleness_ticks: 0"), seed);
    }
}

#[test]
fn the_confidence_guard_rejects_uncertain_prints_until_the_oracle_goes_stale() {
    let mut scenario = tiny(-0.01, "", "count: 0", "max_confidence: 0.005, staleness_ticks: 3");
    scenario.oracle.noise = 0.001;
    scenario.shocks.push(cascade_scenario::Shock {
        at: 70,
        duration: 10,
        kind: cascade_scenario::ShockKind::OracleUncertainty { multiplier: 5.0 },
    });
    let sim = run_checked(&scenario, 5);
    let rejected = of_kind(&sim, EventKind::OraclePrintRejected);
    // Three sources, ten ticks; confidence 2 x 0.005 = 1% > 0.5%.
    assert_eq!(rejected.len(), 30);
    assert!(rejected.iter().all(|e| e.detail.ends_with("confidence") && e.tick >= 70 && e.tick < 80));
    let stale = of_kind(&sim, EventKind::OracleStale);
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0].tick, 73);
    assert_eq!(of_kind(&sim, EventKind::OracleFresh)[0].tick, 80);
}

/// A bankrupt short waiting out a partial-liquidation cooldown is liquidatable at any price; the margin index
/// once missed it (found by the property test above, seed 708).
#[test]
fn a_bankrupt_short_in_cooldown_stays_in_the_margin_check() {
    let liquidation = "insurance_fund: 0, mode: Partial(target: 1.0, slice_fraction: 0.3, slice_min_notional: 5000, \
                       cooldown_ticks: 2), loss_allocation: BadDebt";
    run_checked(&tiny(-0.03, liquidation, "count: 0", "staleness_ticks: 0"), 708);
}

/// A short being liquidated in slices paid penalties that left its collateral negative; the gap then made it a
/// winner, and ADL closed it at break-even, taking its whole profit and leaving it flat at -3.80, a loss nobody
/// booked. A winner now gives up no more than its equity (found by the property test above, seed 405).
#[test]
fn a_winner_whose_collateral_went_negative_is_not_deleveraged_below_zero() {
    let mode = "Partial(target: 1.0, slice_fraction: 0.3, slice_min_notional: 5000, cooldown_ticks: 2)";
    let liquidation = format!("insurance_fund: 20000, mode: {mode}, loss_allocation: Adl");
    let backstop = "count: 1, capital: 300000, trigger: 0.8";
    run_checked(&tiny(-0.12536925737572385, &liquidation, backstop, "staleness_ticks: 0"), 405);
}
