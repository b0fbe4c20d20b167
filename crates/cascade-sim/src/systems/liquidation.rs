//! The liquidation engine: closes out accounts below maintenance margin into the book.

use crate::SimError;
use crate::components::{Account, Agent};
use crate::record::{Event, EventKind};
use crate::resources::{
    AgentIndex, Clock, Faults, LiquidationQueue, LiquidationSwitch, Markets, Recorder, VenueLedger,
};
use crate::systems::settlement::{account_mut, settle_fills};
use bevy_ecs::prelude::*;
use cascade_core::book::Side;
use cascade_core::liquidation::{ShortfallCover, absorb_shortfall, liquidation_fee};
use cascade_core::margin::health;
use cascade_core::money;
use cascade_core::{AgentId, Decimal};

/// Liquidates the queued accounts, worst first. For each: re-check (an earlier close-out may have filled against
/// it), cancel its resting orders, send a market order for the whole position into the book (no taker fee, within
/// the market's price band), charge the liquidation penalty to the insurance fund (capped by the equity left), and
/// once the position is closed, cover negative collateral from the insurance fund and then as bad debt. What the
/// book cannot fill within the band stays open and is retried next tick; a close-out that fills nothing is not
/// counted.
#[allow(clippy::too_many_arguments)] // a system lists every resource it touches
pub fn liquidate(
    switch: Res<LiquidationSwitch>,
    clock: Res<Clock>,
    mut queue: ResMut<LiquidationQueue>,
    mut markets: ResMut<Markets>,
    agents: Query<&Agent>,
    mut accounts: Query<&mut Account>,
    index: Res<AgentIndex>,
    mut ledger: ResMut<VenueLedger>,
    mut recorder: ResMut<Recorder>,
    mut faults: ResMut<Faults>,
) {
    let queued = std::mem::take(&mut queue.0);
    if !switch.0 {
        return;
    }
    for (_, id) in queued {
        let Ok(agent) = agents.get(index.entity(id)) else {
            continue;
        };
        match close_out(
            id,
            agent,
            clock.tick,
            &mut markets,
            &mut accounts,
            &index,
            &mut ledger,
        ) {
            Ok(Some(event)) => recorder.events.push(event),
            Ok(None) => {}
            Err(e) => faults.0.push(e),
        }
    }
}

fn close_out(
    id: AgentId,
    agent: &Agent,
    tick: u64,
    markets: &mut Markets,
    accounts: &mut Query<&mut Account>,
    index: &AgentIndex,
    ledger: &mut VenueLedger,
) -> Result<Option<Event>, SimError> {
    let market = markets.get_mut(agent.market);
    let mark = market.mark_price;
    let (quantity, still_liquidatable) = {
        let account = &account_mut(accounts, index, id)?.0;
        (
            account.quantity(market.id),
            health(account, |_| mark, market.spec.margin)?.is_liquidatable(),
        )
    };
    let Some(side) = Side::closing(quantity) else {
        return Ok(None);
    };
    if !still_liquidatable {
        return Ok(None);
    }
    market.book.cancel_all(id);
    let band = market.spec.protected_limit(side, mark);
    let execution = market.book.market(id, side, quantity.abs(), Some(band));
    if execution.filled.is_zero() {
        return Ok(None);
    }
    settle_fills(
        &execution.fills,
        market,
        Decimal::ZERO,
        accounts,
        index,
        &mut ledger.0,
    )?;
    let notional = execution.notional();
    let account = &mut account_mut(accounts, index, id)?.0;
    let fee = liquidation_fee(
        notional,
        market.spec.liquidation_fee,
        account.equity(|_| mark)?,
    )?;
    account.pay(fee)?;
    ledger.0.insurance_fund = money::add(ledger.0.insurance_fund, fee)?;
    let cover = if account.quantity(market.id).is_zero() {
        absorb_shortfall(&mut account.collateral, &mut ledger.0)?
    } else {
        ShortfallCover::default()
    };
    market.flow.liquidations += 1;
    market.flow.liquidated_notional = money::add(market.flow.liquidated_notional, notional)?;
    Ok(Some(Event {
        tick,
        kind: EventKind::Liquidation,
        detail: if quantity.is_sign_positive() {
            "long"
        } else {
            "short"
        }
        .to_owned(),
        account: Some(id.0),
        quantity: Some(execution.filled),
        unfilled: Some(execution.unfilled),
        mark_price: Some(mark),
        average_price: execution.average_price().map(|p| p.round_dp(8)),
        notional: Some(notional),
        fee: Some(fee),
        shortfall: Some(cover.shortfall),
        insurance_paid: Some(cover.insurance_fund),
        bad_debt: Some(cover.bad_debt),
        magnitude: None,
    }))
}
