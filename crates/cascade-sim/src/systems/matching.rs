//! The matching engine: executes queued requests in arrival order and settles their fills.

use crate::components::Account;
use crate::resources::{AgentIndex, Faults, Markets, OrderRequest, VenueLedger};
use crate::systems::settlement::{FillSource, settle_fills};
use bevy_ecs::prelude::*;
use cascade_core::account::Position;
use cascade_core::book::Side;
use cascade_core::margin::passes_initial_margin;

/// Executes every market's inbox. A market order that would open or increase a position beyond what the
/// account's equity covers at initial margin (at the current mark) is rejected and counted; an accepted one fills
/// no further from the mark than the market's price band.
pub fn match_orders(
    mut markets: ResMut<Markets>,
    mut accounts: Query<&mut Account>,
    mut index: ResMut<AgentIndex>,
    mut ledger: ResMut<VenueLedger>,
    mut faults: ResMut<Faults>,
) {
    for market in &mut markets.0 {
        for request in std::mem::take(&mut market.inbox) {
            let execution = match request {
                OrderRequest::CancelAll { agent } => {
                    market.book.cancel_all(agent);
                    continue;
                }
                OrderRequest::Market { agent, side, quantity, limit } => {
                    let Ok(account) = accounts.get(index.entity(agent)) else {
                        continue;
                    };
                    let signed = side.sign() * quantity;
                    let (mark, schedule) = (market.mark_price, &market.margin);
                    let requirement = |p: &Position, at| schedule.requirement(p.quantity, at);
                    match passes_initial_margin(&account.0, market.id, signed, |_| mark, requirement) {
                        Ok(true) => {
                            let band = market.spec.protected_limit(side, market.mark_price);
                            let limit = match (side, limit) {
                                (Side::Buy, Some(l)) => l.min(band),
                                (Side::Sell, Some(l)) => l.max(band),
                                (_, None) => band,
                            };
                            market.book.market(agent, side, quantity, Some(limit))
                        }
                        Ok(false) => {
                            market.flow.rejected_orders += 1;
                            continue;
                        }
                        Err(e) => {
                            faults.0.push(e.into());
                            continue;
                        }
                    }
                }
                OrderRequest::Limit { agent, side, price, quantity } => market.book.limit(agent, side, price, quantity),
            };
            let source = FillSource::Book { taker_fee: market.spec.taker_fee };
            if let Err(e) = settle_fills(&execution.fills, market, source, &mut accounts, &mut index, &mut ledger.0) {
                faults.0.push(e);
            }
        }
    }
}
