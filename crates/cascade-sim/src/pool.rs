//! Pool-counterparty markets (GMX-style): the pool's account and state, its fills of traders' orders and of
//! liquidations, its fees, and the shortfalls it absorbs. The arithmetic is [`cascade_core::pool`]'s; the systems
//! that charge its fees and record it are in [`crate::systems::pool`].

use crate::SimError;
use crate::components::Account;
use crate::record::{Event, EventKind};
use crate::resources::{AgentIndex, Instrument};
use crate::systems::settlement::account_mut;
use bevy_ecs::prelude::*;
use cascade_core::account::Portfolio;
use cascade_core::book::{Fill, Side};
use cascade_core::liquidation::ShortfallCover;
use cascade_core::money::Ledger;
use cascade_core::pool::{Drawdown, Interest, trade_price};
use cascade_core::{AgentId, Decimal};
use cascade_scenario::Pool;

/// The marker of a pool's account: it is the counterparty of its market, never margin-checked nor liquidated (its
/// losses are the liquidity providers').
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct LiquidityPool;

/// The pool of a pool-counterparty market.
#[derive(Debug, Clone)]
pub struct PoolVenue {
    /// The pool's account.
    pub agent: AgentId,
    /// The scenario's rules.
    pub rules: Pool,
    /// The pool's position, base units (the opposite of the traders' net position), kept as fills settle.
    pub position: Decimal,
    /// Its value's peak, low and largest drawdown so far.
    pub drawdown: Drawdown,
    /// What it earned and paid this tick.
    pub flow: PoolFlow,
}

/// What a pool earned and paid during one tick, quote (positive: received by the pool).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PoolFlow {
    /// Its share of the traders' taker fees.
    pub fees: Decimal,
    /// Borrowing fees the traders paid it.
    pub borrowing_fees: Decimal,
    /// Funding it received (negative: paid) on the imbalance it holds.
    pub funding: Decimal,
    /// Shortfalls of bankrupt traders it paid (beyond the insurance fund), positive.
    pub absorbed_shortfall: Decimal,
    /// Orders refused by an open-interest cap.
    pub capped_orders: u32,
}

impl PoolVenue {
    /// A pool holding nothing yet, its account `agent` holding `rules.liquidity`.
    pub fn new(agent: AgentId, rules: Pool) -> Self {
        let drawdown = Drawdown::new(rules.liquidity);
        Self { agent, rules, position: Decimal::ZERO, drawdown, flow: PoolFlow::default() }
    }

    /// The traders' open interest in a market whose open interest (every long, the pool's included) is
    /// `open_interest`.
    pub fn interest(&self, open_interest: Decimal) -> Interest {
        Interest::of_traders(open_interest, self.position)
    }
}

/// The pool's fill of a trader's market order in `market`: `quantity` at the pool's price around `oracle` (no
/// worse than `limit`, else nothing). `None` when the price is beyond the limit or an open-interest cap refuses
/// the trade (counted in the pool's flow); `held` is the trader's position before.
pub fn fill_order(
    market: &mut Instrument,
    order: (AgentId, Side, Decimal, Option<Decimal>),
    held: Decimal,
    oracle: Decimal,
) -> Option<Fill> {
    let (agent, side, quantity, limit) = order;
    let tick = market.spec.tick_size;
    let pool = market.pool.as_mut()?;
    let price = trade_price(side, oracle, pool.rules.spread, tick)?;
    let beyond = match (side, limit) {
        (Side::Buy, Some(l)) => price > l,
        (Side::Sell, Some(l)) => price < l,
        (_, None) => false,
    };
    if beyond {
        return None;
    }
    let (max_long, max_short) = (pool.rules.max_long_interest, pool.rules.max_short_interest);
    let capped = !(max_long.is_zero() && max_short.is_zero());
    if capped {
        let before = pool.interest(market.open_interest);
        let after = before.after_trade(held, held + side.sign() * quantity);
        if !after.within_caps(before, oracle, max_long, max_short) {
            pool.flow.capped_orders += 1;
            return None;
        }
    }
    Some(Fill { maker: pool.agent, taker: agent, taker_side: side, price, quantity })
}

/// The pool's value: its account's equity at the instruments' marks.
pub fn pool_value(account: &Account, instruments: &[Instrument]) -> Result<Decimal, cascade_core::money::MoneyError> {
    account.0.equity(|i| instruments[usize::from(i.0)].valuation())
}

/// In a pool market the liquidity providers, the traders' counterparty, pay what the insurance fund could not:
/// `pool` pays the `bad_debt` of `cover` (flat account `id`'s shortfall left after the fund), which is then no bad
/// debt. The `pool_loss` event, when it paid.
pub(crate) fn pool_pays(
    pool: Option<&mut PoolVenue>,
    (id, tick, mark): (AgentId, u64, Decimal),
    cover: &mut ShortfallCover,
    (accounts, index, ledger): (&mut Query<&mut Account>, &mut AgentIndex, &mut Ledger),
) -> Result<Option<Event>, SimError> {
    let Some(pool) = pool.filter(|_| cover.bad_debt > Decimal::ZERO) else { return Ok(None) };
    account_mut(accounts, index, pool.agent)?.0.pay(cover.bad_debt)?;
    ledger.recover_bad_debt(cover.bad_debt)?;
    pool.flow.absorbed_shortfall += cover.bad_debt;
    let event = Event {
        account: Some(id.0),
        mark_price: Some(mark),
        loss: Some(cover.bad_debt),
        ..Event::new(tick, EventKind::PoolLoss, "pool")
    };
    cover.bad_debt = Decimal::ZERO;
    Ok(Some(event))
}

/// The pool market that pays a flat account's shortfall: the first (by id) pool market it held a position in.
pub(crate) fn paying_pool(account: &Portfolio, instruments: &[Instrument]) -> Option<cascade_core::InstrumentId> {
    let mut held: Vec<cascade_core::InstrumentId> = account.positions.iter().map(|p| p.instrument).collect();
    held.sort_unstable();
    held.into_iter().find(|i| instruments[usize::from(i.0)].pool.is_some())
}
