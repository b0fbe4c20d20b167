//! The matching engine: executes queued requests in arrival order and settles their fills.

use crate::components::Account;
use crate::health::account_health;
use crate::resources::{AgentIndex, Faults, Instruments, MarginState, OrderRequest, Underlyings, VenueLedger};
use crate::systems::settlement::{FillSource, settle_fills};
use bevy_ecs::prelude::*;
use cascade_core::account::Portfolio;
use cascade_core::book::Side;
use cascade_core::margin::passes_initial_margin;

/// Executes every instrument's inbox, instrument by instrument. A market order that would open or increase a position
/// beyond what the account's equity covers at initial margin (at the current marks, under the venue's margin mode) is
/// rejected and counted; an accepted one fills no further from the mark than the instrument's price band. In a pool
/// market it fills against the pool at its price around the oracle, if the open-interest caps allow
/// ([`crate::pool::fill_order`]).
pub fn match_orders(
    mut instruments: ResMut<Instruments>,
    underlyings: Res<Underlyings>,
    engine: Res<MarginState>,
    mut accounts: Query<&mut Account>,
    mut index: ResMut<AgentIndex>,
    mut ledger: ResMut<VenueLedger>,
    mut faults: ResMut<Faults>,
) {
    for i in 0..instruments.0.len() {
        for request in std::mem::take(&mut instruments.0[i].inbox) {
            let execution = match request {
                OrderRequest::CancelAll { agent } => {
                    instruments.0[i].book.cancel_all(agent);
                    continue;
                }
                OrderRequest::Market { agent, side, quantity, limit } => {
                    let Ok(account) = accounts.get(index.entity(agent)) else {
                        continue;
                    };
                    let signed = side.sign() * quantity;
                    let health = |p: &Portfolio| account_health(&instruments, &engine, p);
                    let accepted = passes_initial_margin(&account.0, instruments.0[i].id, signed, health);
                    let held = account.0.quantity(instruments.0[i].id);
                    let market = &mut instruments.0[i];
                    match accepted {
                        Ok(true) if market.pool.is_some() => {
                            let oracle = underlyings.get(market.underlying).oracle_price;
                            let Some(fill) =
                                crate::pool::fill_order(market, (agent, side, quantity, limit), held, oracle)
                            else {
                                continue;
                            };
                            let source = FillSource::Pool { taker_fee: market.spec.taker_fee };
                            if let Err(e) =
                                settle_fills(&[fill], market, source, &mut accounts, &mut index, &mut ledger.0)
                            {
                                faults.0.push(e);
                            }
                            continue;
                        }
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
                OrderRequest::Limit { agent, side, price, quantity } => {
                    instruments.0[i].book.limit(agent, side, price, quantity)
                }
            };
            let market = &mut instruments.0[i];
            let source = FillSource::Book { taker_fee: market.spec.taker_fee };
            if let Err(e) = settle_fills(&execution.fills, market, source, &mut accounts, &mut index, &mut ledger.0) {
                faults.0.push(e);
            }
        }
    }
}
