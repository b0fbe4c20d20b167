//! The winners a close-out deleverages against: each instrument's ADL queue, kept current within a tick.
//!
//! The marks do not move while the liquidation engine runs, so a winner's standing changes only when its account
//! does, and every change goes through [`crate::systems::settlement::account_mut`], which notes the account as
//! touched. The queue is built from every account on its first use in a tick and then re-ranks only the accounts
//! touched since its last use. Debug builds compare it with a full rebuild at every use.

use crate::SimError;
use crate::components::{Account, Agent, BackstopLiquidator};
use crate::resources::{AdlQueues, AgentIndex, TickQueue};
use bevy_ecs::prelude::*;
use cascade_core::adl_queue::AdlQueue;
use cascade_core::deleverage::Winner;
use cascade_core::instrument::Valuation;
use cascade_core::revaluation::covers;
use cascade_core::{AgentId, Decimal, InstrumentId};

/// The agents and their accounts, as the liquidation engine queries them.
pub type Agents<'w, 's> = Query<'w, 's, (Entity, &'static Agent, Has<BackstopLiquidator>)>;

/// `account`'s position in `instrument` as a winner (positive unrealized PnL), valued now (`values`).
fn winner_of(
    agent: AgentId,
    account: &Account,
    instrument: InstrumentId,
    values: &[Valuation],
) -> Result<Option<Winner>, SimError> {
    let at = values[usize::from(instrument.0)];
    let Some(position) = account.0.position(instrument).filter(|p| !p.quantity.is_zero()) else { return Ok(None) };
    // A position losing for certain in `f64` (`-cost basis + quantity x mark < 0`, the bound of [`covers`]) is no
    // winner: most of a crash's accounts, each ranked without its exact valuation.
    let value = std::iter::once((position.quantity, at.mark, Decimal::ZERO, Decimal::ZERO));
    if covers(-position.cost_basis, value) == Some(false) {
        return Ok(None);
    }
    let unrealized_pnl = position.unrealized_pnl(at)?;
    if unrealized_pnl <= Decimal::ZERO {
        return Ok(None);
    }
    Ok(Some(Winner {
        agent,
        quantity: position.quantity,
        unrealized_pnl,
        cost_basis: position.cost_basis.abs(),
        equity: account.0.equity(|i| values[usize::from(i.0)])?,
        notional: position.notional(at)?,
    }))
}

/// Every account's winning position in `instrument`, ranked.
fn rebuild(
    agents: &Agents,
    accounts: &Query<&mut Account>,
    instrument: InstrumentId,
    values: &[Valuation],
) -> Result<AdlQueue, SimError> {
    let mut queue = AdlQueue::new();
    for (entity, agent, _) in agents {
        let Ok(account) = accounts.get(entity) else { continue };
        queue.set(agent.id, winner_of(agent.id, account, instrument, values)?);
    }
    Ok(queue)
}

/// The ADL queue of `instrument` at tick `tick`, current: built on its first use in the tick, then updated with
/// the accounts touched since its last use.
pub fn adl_queue<'q>(
    queues: &'q mut AdlQueues,
    agents: &Agents,
    accounts: &Query<&mut Account>,
    index: &AgentIndex,
    (tick, instrument): (u64, InstrumentId),
    values: &[Valuation],
) -> Result<&'q AdlQueue, SimError> {
    let slot = usize::from(instrument.0);
    if queues.0.len() <= slot {
        queues.0.resize(slot + 1, None);
    }
    let entry = &mut queues.0[slot];
    let kept = match entry.take() {
        Some(q) if q.tick == tick && q.seen <= index.touched.len() => q,
        _ => TickQueue { tick, seen: index.touched.len(), queue: rebuild(agents, accounts, instrument, values)? },
    };
    let cached = entry.insert(kept);
    for &agent in &index.touched[cached.seen..] {
        let winner = match accounts.get(index.entity(agent)) {
            Ok(account) => winner_of(agent, account, instrument, values)?,
            Err(_) => None,
        };
        cached.queue.set(agent, winner);
    }
    cached.seen = index.touched.len();
    #[cfg(debug_assertions)]
    {
        let fresh = rebuild(agents, accounts, instrument, values)?;
        assert_eq!(cached.queue, fresh, "the ADL queue kept up to date equals a rebuild");
    }
    Ok(&cached.queue)
}
