//! Keepers on a decentralized venue's chain: which of the accounts below maintenance are liquidated this tick
//! (block ticks only; by a keeper's transaction when it pays), and the keepers' gas and rewards. Each does nothing
//! in a world without a chain.

use crate::SimError;
use crate::chain::{ChainState, KeeperTransaction, gas_multiplier};
use crate::components::Account;
use crate::record::{Event, EventKind};
use crate::recorder::Recorder;
use crate::resources::{AgentIndex, Clock, Faults, Instruments, LiquidationQueue, Underlyings, VenueLedger};
use crate::systems::settlement::account_mut;
use bevy_ecs::prelude::*;
use cascade_core::account::Portfolio;
use cascade_core::liquidation::absorb_shortfall;
use cascade_core::money::{self, MoneyError};
use cascade_core::{AgentId, Decimal};
use cascade_scenario::Liquidators;

/// Between the margin check and the liquidation engine, on a chain: notes when each queued account was first seen
/// below maintenance and sets the block's gas multiplier (from the first market's realized volatility against its
/// calm level, the accounts waiting and any congestion). Off block ticks nothing is liquidated. On a block tick,
/// under `Keepers` or `Both`, each account a keeper has seen for `latency_ticks` whose reward (`reward` x its gross
/// notional) less the transaction's cost is at least `min_profit` is sent, highest reward first, up to the block's
/// space, each by the first keeper (by id) that holds the cost, which it pays to the chain at once; under `Both`
/// the engine also liquidates the accounts waiting `after_ticks` or more. What is not sent waits.
#[allow(clippy::too_many_arguments)] // a system: each parameter is a resource it reads or writes
pub fn dispatch_keepers(
    clock: Res<Clock>,
    chain: Option<ResMut<ChainState>>,
    instruments: Res<Instruments>,
    underlyings: Res<Underlyings>,
    mut queue: ResMut<LiquidationQueue>,
    mut accounts: Query<&mut Account>,
    mut index: ResMut<AgentIndex>,
    mut ledger: ResMut<VenueLedger>,
    mut recorder: ResMut<Recorder>,
    mut faults: ResMut<Faults>,
) {
    let Some(mut chain) = chain else { return };
    let tick = clock.tick;
    chain.sent.clear();
    let queued: Vec<AgentId> = queue.0.iter().map(|(_, id)| *id).collect();
    let waiting: std::collections::BTreeSet<AgentId> = queued.iter().copied().collect();
    chain.seen.retain(|id, _| waiting.contains(id));
    for &id in &queued {
        chain.seen.entry(id).or_insert(tick);
    }
    let (sigma, calm) = match (instruments.0.first(), underlyings.0.first()) {
        (Some(i), Some(u)) => (i.mark_volatility.volatility(), u.calm_volatility_per_tick),
        _ => (0.0, 0.0),
    };
    chain.multiplier = gas_multiplier(&chain.rules, sigma, calm, queued.len(), chain.congestion);
    if !tick.is_multiple_of(chain.rules.block_ticks) {
        queue.0.clear();
        return;
    }
    if !chain.keepers_liquidate() {
        return;
    }
    match send(&mut chain, tick, &instruments, &queued, &mut accounts, &mut index, &mut ledger) {
        Ok(events) => events.into_iter().for_each(|e| recorder.event(e)),
        Err(e) => faults.0.push(e),
    }
    let engine_after = match chain.rules.liquidators {
        Liquidators::Both { after_ticks } => Some(after_ticks),
        _ => None,
    };
    let sent: Vec<AgentId> = chain.sent.iter().map(|t| t.account).collect();
    let seen = &chain.seen;
    queue.0.retain(|(_, id)| {
        sent.contains(id) || engine_after.is_some_and(|after| seen.get(id).is_some_and(|&t| tick >= t + after))
    });
}

/// This block's keeper transactions among `queued`, their gas paid; one event each.
fn send(
    chain: &mut ChainState,
    tick: u64,
    instruments: &Instruments,
    queued: &[AgentId],
    accounts: &mut Query<&mut Account>,
    index: &mut AgentIndex,
    ledger: &mut VenueLedger,
) -> Result<Vec<Event>, SimError> {
    let k = chain.rules.keepers.clone();
    let gas = chain.transaction_cost()?;
    let mut offers: Vec<(Decimal, AgentId, Decimal)> = Vec::new();
    for &id in queued.iter().filter(|id| chain.seen.get(id).is_some_and(|&t| tick >= t + k.latency_ticks)) {
        let Ok(account) = accounts.get(index.entity(id)) else { continue };
        let notional = gross_notional(instruments, &account.0)?;
        let reward = money::mul(k.reward, notional)?;
        if money::sub(reward, gas)? >= k.min_profit {
            offers.push((reward, id, notional));
        }
    }
    // The highest rewards first (a priority-fee auction for the block's space), ties by account.
    offers.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut events = Vec::new();
    for (_, id, notional) in offers.into_iter().take(chain.rules.block_liquidations as usize) {
        let mut keeper = None;
        for &candidate in &chain.keepers {
            if accounts.get(index.entity(candidate)).is_ok_and(|a| a.0.collateral >= gas) {
                keeper = Some(candidate);
                break;
            }
        }
        let Some(keeper) = keeper else { break };
        account_mut(accounts, index, keeper)?.0.pay(gas)?;
        ledger.0.pay_gas(gas)?;
        chain.sent.push(KeeperTransaction { account: id, keeper, gas, notional });
        events.push(Event {
            account: Some(id.0),
            notional: Some(notional),
            fee: Some(gas),
            magnitude: Some(chain.multiplier),
            ..Event::new(tick, EventKind::KeeperTransaction, format!("keeper {}", keeper.0))
        });
    }
    Ok(events)
}

/// An account's gross notional at the marks, quote currency.
fn gross_notional(instruments: &Instruments, portfolio: &Portfolio) -> Result<Decimal, MoneyError> {
    portfolio
        .positions
        .iter()
        .filter(|p| !p.quantity.is_zero())
        .try_fold(Decimal::ZERO, |sum, p| money::add(sum, p.notional(instruments.get(p.instrument).valuation())?))
}

/// After the liquidation engine: each keeper is paid its reward on the notional its transaction closed (the
/// account's gross notional before, less after), by the liquidated account, on the booking grid; a liquidated
/// account left flat with a negative balance has it covered (insurance fund, then bad debt). One event each.
#[allow(clippy::too_many_arguments)] // a system: each parameter is a resource it reads or writes
pub fn pay_keepers(
    clock: Res<Clock>,
    chain: Option<Res<ChainState>>,
    instruments: Res<Instruments>,
    mut accounts: Query<&mut Account>,
    mut index: ResMut<AgentIndex>,
    mut ledger: ResMut<VenueLedger>,
    mut recorder: ResMut<Recorder>,
    mut faults: ResMut<Faults>,
) {
    let Some(chain) = chain else { return };
    for sent in &chain.sent {
        let paid = pay(sent, &chain, &instruments, &mut accounts, &mut index, &mut ledger);
        match paid {
            Ok(event) => recorder.event(Event { tick: clock.tick, ..event }),
            Err(e) => faults.0.push(e),
        }
    }
}

/// Pays the keeper of `sent`; the event of the reward.
fn pay(
    sent: &KeeperTransaction,
    chain: &ChainState,
    instruments: &Instruments,
    accounts: &mut Query<&mut Account>,
    index: &mut AgentIndex,
    ledger: &mut VenueLedger,
) -> Result<Event, SimError> {
    let account = &mut account_mut(accounts, index, sent.account)?.0;
    let closed = money::sub(sent.notional, gross_notional(instruments, account)?)?.max(Decimal::ZERO);
    let reward = money::mul(chain.rules.keepers.reward, closed)?.round_dp(8);
    account.pay(reward)?;
    let flat = account.positions.iter().all(|p| p.quantity.is_zero());
    let cover = if flat && account.collateral < Decimal::ZERO {
        absorb_shortfall(&mut account.collateral, &mut ledger.0)?
    } else {
        Default::default()
    };
    account_mut(accounts, index, sent.keeper)?.0.pay(-reward)?;
    Ok(Event {
        account: Some(sent.account.0),
        notional: Some(closed),
        liquidator_fee: Some(reward),
        shortfall: Some(cover.shortfall),
        insurance_paid: Some(cover.insurance_fund),
        bad_debt: Some(cover.bad_debt),
        ..Event::new(0, EventKind::KeeperReward, format!("keeper {}", sent.keeper.0))
    })
}
