//! The tick: every system of the world, in the one order a reader needs to know.
//!
//! ```text
//! Shocks -> Reference -> Oracles -> Agents -> Matching -> Mark -> Funding -> Margin -> Liquidation -> Metrics
//!        -> Clock
//! ```
//!
//! Agents decide on what they see at the start of the tick (oracle prices of this tick, the book and mark left by
//! the previous one) and queue orders; the matching engine executes them in arrival order; the mark is then set
//! from this tick's trades; margin is checked against it; liquidations sell into the same book, which moves the
//! next tick's mark and, through the venue's net flow, the reference itself. That is the feedback loop:
//! price drop -> liquidations -> forced selling -> lower price -> more liquidations.
//!
//! The executor is single-threaded: a tick is a deterministic sequence. Speed comes from running many worlds in
//! parallel, not from parallelism inside a tick.

use crate::systems::{
    agents, auctions, funding, keepers, liquidation, margin, margin_check, mark, matching, metrics, options, oracles,
    pool, reference, shocks,
};
use bevy_ecs::prelude::*;
use bevy_ecs::schedule::{ScheduleLabel, SingleThreadedExecutor};

/// The label of the tick schedule.
#[derive(ScheduleLabel, Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tick;

/// The stages of a tick, run in declaration order.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TickSet {
    /// Start and end scripted shocks.
    Shocks,
    /// Step the exogenous reference price.
    Reference,
    /// Oracles sample the reference; the venue takes their median; option series are marked from the surface.
    Oracles,
    /// Agents decide and queue orders.
    Agents,
    /// The venue matches queued orders and settles fills.
    Matching,
    /// Set the mark price.
    Mark,
    /// Pay funding between longs and shorts at interval ends (and pool markets' borrowing fees).
    Funding,
    /// Set the margin fractions from the policy; find accounts below maintenance margin; on a chain, keep those a
    /// keeper sends (or the engine may take) in this block.
    Margin,
    /// Close them out into the book; absorb shortfalls; pay the keepers.
    Liquidation,
    /// Audit the ledger, record the tick and commit its records.
    Metrics,
    /// Move the clock to the next tick.
    Clock,
}

/// Builds the tick schedule.
pub fn tick_schedule() -> Schedule {
    let mut schedule = Schedule::new(Tick);
    schedule.set_executor(SingleThreadedExecutor::new());
    schedule.configure_sets(
        (
            TickSet::Shocks,
            TickSet::Reference,
            TickSet::Oracles,
            TickSet::Agents,
            TickSet::Matching,
            TickSet::Mark,
            TickSet::Funding,
            TickSet::Margin,
            TickSet::Liquidation,
            TickSet::Metrics,
            TickSet::Clock,
        )
            .chain(),
    );
    schedule.add_systems((
        shocks::apply_shocks.in_set(TickSet::Shocks),
        reference::step_reference.in_set(TickSet::Reference),
        (oracles::sample_oracles, oracles::aggregate_oracles, options::mark_options).chain().in_set(TickSet::Oracles),
        (
            agents::quote_market_makers,
            options::quote_options,
            options::hedge_options,
            agents::trade_arbitrageurs,
            agents::trade_noise,
            agents::trade_leveraged,
            agents::trade_signal_traders,
            agents::unwind_backstop,
            keepers::unwind_keepers,
            options::enter_option_traders,
        )
            .chain()
            .in_set(TickSet::Agents),
        matching::match_orders.in_set(TickSet::Matching),
        (mark::update_mark, options::settle_expired).chain().in_set(TickSet::Mark),
        (funding::pay_funding, pool::charge_borrowing).chain().in_set(TickSet::Funding),
        (margin::set_margin_rates, margin_check::check_margin, keepers::dispatch_keepers)
            .chain()
            .in_set(TickSet::Margin),
        (keepers::take_over, auctions::bid_auctions, liquidation::liquidate, keepers::pay_keepers)
            .chain()
            .in_set(TickSet::Liquidation),
        (metrics::audit_ledger, metrics::record_tick, pool::record_pools, metrics::commit_records)
            .chain()
            .in_set(TickSet::Metrics),
        metrics::advance_clock.in_set(TickSet::Clock),
    ));
    schedule
}
