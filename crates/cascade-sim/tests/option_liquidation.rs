//! Option accounts under stress (issue 16): put sellers liquidated through the series' books or taken over by the
//! options' backstop at its discount, the checks of the margin rule and backstop, and the margin check's cost.

use cascade_scenario::{RawScenario, Scenario};
use cascade_sim::Simulation;
use cascade_sim::record::{Event, EventKind};
use rust_decimal::Decimal;

/// Twenty put sellers with little collateral over a 20% gap at tick 60: each sold one 7-day at-the-money put, and
/// the gap takes their losses past what their collateral covers.
const PUT_SELLERS: &str = "(ticks: 200, reference: (volatility: 0.6), \
    agents: (leveraged_traders: (count: 50)), \
    options: (strikes: [0.9, 1.0], strike_step: 500, expiries_days: [7], \
      traders: [(count: 20, right: put, strike: 1.0, expiry_days: 7, quantity: -1, capital: 7000, \
                 entry_window_ticks: 20)]), \
    shocks: [(at: 60, kind: PriceGap(change: -0.2))])";

/// The put sellers' run (ledger audited every tick in test builds, and at the end): the liquidations in the put.
fn put_sellers(edit: impl FnOnce(&mut RawScenario)) -> (Simulation, Vec<Event>) {
    let scenario: Scenario = cascade_scenario::load_str("s.ron", PUT_SELLERS).unwrap().edit(edit).unwrap();
    let mut sim = Simulation::new(&scenario, 3).unwrap();
    sim.run(|_, _| {}).unwrap();
    sim.audit().unwrap();
    let put = "BTC-7D-30000-P";
    let events = sim
        .events()
        .iter()
        .filter(|e| e.kind == EventKind::Liquidation && e.market.as_deref() == Some(put))
        .cloned()
        .collect();
    (sim, events)
}

fn sum(events: &[Event], field: impl Fn(&Event) -> Option<Decimal>) -> Decimal {
    events.iter().filter_map(field).sum()
}

#[test]
fn short_puts_close_at_the_market_makers_ask_or_go_to_the_backstop_at_its_discount() {
    // No backstop: every seller buys its put back from the market maker's ask, a few a tick (it quotes 5 a side).
    let (book_sim, book) = put_sellers(|_| {});
    assert_eq!(book.len(), 20, "every put seller is liquidated");
    assert_eq!(sum(&book, |e| e.book_quantity), Decimal::from(20));
    assert!(book.iter().all(|e| e.detail == "short" && e.average_price >= e.mark_price), "bought back at the ask");
    let book_ticks: std::collections::BTreeSet<u64> = book.iter().map(|e| e.tick).collect();
    assert!(book_ticks.len() > 1, "the ask's depth spreads them over ticks: {book_ticks:?}");

    // A backstop vault with 5% discount takes every one over at once, at the mark plus 5% on the premium grid.
    let (sim, taken) = put_sellers(|s| s.options.as_mut().unwrap().backstop.count = 1);
    assert_eq!(taken.len(), 20);
    assert_eq!(sum(&taken, |e| e.backstop_quantity), Decimal::from(20));
    for e in &taken {
        let mark = e.mark_price.unwrap();
        let discounted = (mark * Decimal::new(105, 2) / Decimal::new(5, 1)).round() * Decimal::new(5, 1);
        assert_eq!(e.average_price, Some(discounted), "{e:?}");
    }
    assert_eq!(taken.iter().map(|e| e.tick).collect::<std::collections::BTreeSet<_>>().len(), 1, "one tick");
    // Sooner, and dearer for the liquidated accounts than the market maker's ask.
    assert!(taken[0].tick <= *book_ticks.first().unwrap());
    let average = |events: &[Event]| sum(events, |e| e.notional) / sum(events, |e| e.quantity);
    assert!(average(&taken) > average(&book), "{} against {}", average(&taken), average(&book));
    assert!(sim.summary().backstop_notional > Decimal::ZERO);
    // The vault unwinds what it took into the market maker's bid: nothing is left open in the series.
    for state in [book_sim.option_series(), sim.option_series()] {
        assert!(state.iter().all(|s| s.open_interest.is_zero()), "{state:?}");
    }
}

#[test]
fn the_option_margin_rule_and_backstop_are_checked_with_located_errors() {
    let bad = "(options: (margin: GreeksAddOns(vol_shock: -0.1), backstop: (count: 1, discount: 1.5)))";
    let err = cascade_scenario::load_str("s.ron", bad).unwrap_err().to_string();
    assert!(err.contains("options.margin.vol_shock"), "{err}");
    assert!(err.contains("options.backstop.discount") && err.contains("1.5"), "{err}");
}

#[test]
fn the_margin_check_revalues_each_distinct_book_once_a_tick_however_many_accounts_hold_it() {
    // 20 or 200 put buyers holding the same book: the grid revaluations (the costly part of the margin check) stay
    // the same, one per distinct book and tick (the traders' book, the market maker's, the books of the entry window).
    let revaluations = |count: u32| {
        let scenario: Scenario = cascade_scenario::load_str("s.ron", PUT_SELLERS)
            .unwrap()
            .edit(|s| {
                let o = s.options.as_mut().unwrap();
                o.market_maker.quote_size = Decimal::from(500);
                o.traders[0].count = count;
                o.traders[0].quantity = Decimal::ONE;
                s.ticks = 100;
            })
            .unwrap();
        let mut sim = Simulation::new(&scenario, 3).unwrap();
        sim.run(|_, _| {}).unwrap();
        let state = sim.world().resource::<cascade_sim::resources::MarginState>();
        let revaluations = state.options.as_ref().unwrap().revaluations();
        let holders = sim.account_health().len();
        (revaluations, holders)
    };
    let (few, few_holders) = revaluations(20);
    let (many, many_holders) = revaluations(200);
    assert!(many_holders > few_holders + 150, "{many_holders} holders against {few_holders}");
    assert!(many < few + few / 5, "{many} revaluations for 200 holders against {few} for 20");
}
