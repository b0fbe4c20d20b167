//! The matching engine: executes queued requests in arrival order and settles their fills.

use crate::chain::ChainState;
use crate::components::Account;
use crate::health::passes_initial;
use crate::record::{Event, EventKind};
use crate::recorder::Recorder;
use crate::resources::{AgentIndex, Clock, Faults, Instruments, MarginState, OrderRequest, Underlyings, VenueLedger};
use crate::systems::settlement::{FillSource, settle_fills};
use bevy_ecs::prelude::*;
use cascade_core::Decimal;
use cascade_core::book::Side;

/// Executes every instrument's inbox, instrument by instrument. A market order that would open or increase a position
/// beyond what the account's equity covers at initial margin (at the current marks, under the venue's margin mode) is
/// rejected and counted; an accepted one fills no further from the mark than the instrument's price band. In a pool
/// market it fills against the pool at its price around the oracle, if the open-interest caps allow
/// ([`crate::pool::fill_order`]). With orders as transactions on a chain, a market order lands only in a block with
/// space, its sender paying the order's gas, and otherwise waits in the inbox for the next block.
#[allow(clippy::too_many_arguments)] // a system: each parameter is a resource it reads or writes
pub fn match_orders(
    mut instruments: ResMut<Instruments>,
    underlyings: Res<Underlyings>,
    engine: Res<MarginState>,
    mut accounts: Query<&mut Account>,
    mut index: ResMut<AgentIndex>,
    mut ledger: ResMut<VenueLedger>,
    mut faults: ResMut<Faults>,
    (clock, mut chain, mut recorder): (Res<Clock>, Option<ResMut<ChainState>>, ResMut<Recorder>),
) {
    let mut block = chain.as_deref_mut().and_then(|c| BlockOrders::open(c, clock.tick));
    for i in 0..instruments.0.len() {
        let mut waiting = Vec::new();
        // The price band's limits at this tick's mark, which matching does not move.
        let (spec, mark) = (&instruments.0[i].spec, instruments.0[i].mark_price);
        let bands = (spec.protected_limit(Side::Buy, mark), spec.protected_limit(Side::Sell, mark));
        for request in std::mem::take(&mut instruments.0[i].inbox) {
            let moves_reference = !matches!(request, OrderRequest::Market { moves_reference: false, .. });
            let execution = match request {
                OrderRequest::CancelAll { agent } => {
                    instruments.0[i].book.cancel_all(agent);
                    continue;
                }
                OrderRequest::Market { agent, side, quantity, limit, .. } => {
                    if let Some(block) = &mut block {
                        match block.admit(agent, &mut accounts, &mut index, &mut ledger) {
                            Ok(Admission::Land) => {}
                            Ok(Admission::Wait) => {
                                waiting.push(request);
                                continue;
                            }
                            Ok(Admission::Drop) => continue,
                            Err(e) => {
                                faults.0.push(e);
                                continue;
                            }
                        }
                    }
                    let Ok(account) = accounts.get(index.entity(agent)) else {
                        continue;
                    };
                    let signed = side.signed(quantity);
                    let accepted = passes_initial(&instruments, &engine, &account.0, instruments.0[i].id, signed);
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
                            let source = FillSource::Pool { taker_fee: market.spec.taker_fee, moves_reference };
                            if let Err(e) =
                                settle_fills(&[fill], market, source, &mut accounts, &mut index, &mut ledger.0)
                            {
                                faults.0.push(e);
                            }
                            continue;
                        }
                        Ok(true) => {
                            let band = if side == Side::Buy { bands.0 } else { bands.1 };
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
            let source = FillSource::Book { taker_fee: market.spec.taker_fee, moves_reference };
            if let Err(e) = settle_fills(&execution.fills, market, source, &mut accounts, &mut index, &mut ledger.0) {
                faults.0.push(e);
            }
        }
        // Orders that did not land wait for the next block, ahead of the next tick's.
        instruments.0[i].inbox = waiting;
    }
    if let (Some(block), Some(chain)) = (block, chain.as_deref_mut()) {
        let waiting = instruments.0.iter().map(|m| m.inbox.len()).sum();
        if let Some(event) = block.close(chain, waiting, clock.tick) {
            recorder.event(event);
        }
    }
}

/// What becomes of an order transaction.
enum Admission {
    /// It lands in this block.
    Land,
    /// It waits for a block with space.
    Wait,
    /// Its sender cannot pay for it: dropped.
    Drop,
}

/// A block's space for agents' order transactions, and what the orders that landed paid.
struct BlockOrders {
    /// Whether this tick is a block.
    open: bool,
    /// Transactions the block still holds.
    space: u32,
    /// What one order costs in this block.
    cost: Decimal,
    /// Orders landed.
    landed: u32,
    /// Gas they paid.
    gas: Decimal,
    /// The block's gas multiplier.
    multiplier: f64,
}

impl BlockOrders {
    /// This tick's block for orders on `chain` (`None` unless orders are transactions there).
    fn open(chain: &mut ChainState, tick: u64) -> Option<Self> {
        let orders = chain.rules.orders?;
        let cost = chain.order_cost().unwrap_or(Decimal::ZERO);
        chain.orders_landed = 0;
        let open = tick.is_multiple_of(chain.rules.block_ticks);
        let multiplier = chain.multiplier;
        Some(Self { open, space: orders.block_space, cost, landed: 0, gas: Decimal::ZERO, multiplier })
    }

    /// What becomes of `agent`'s order: it lands in a block with space left, its sender paying the cost to the
    /// chain; it waits when the block is full or this tick is not a block; a sender that cannot pay the cost sees
    /// it dropped.
    fn admit(
        &mut self,
        agent: cascade_core::AgentId,
        accounts: &mut Query<&mut Account>,
        index: &mut AgentIndex,
        ledger: &mut VenueLedger,
    ) -> Result<Admission, crate::SimError> {
        if !self.open || self.space == 0 {
            return Ok(Admission::Wait);
        }
        let account = &mut crate::systems::settlement::account_mut(accounts, index, agent)?.0;
        if account.collateral < self.cost {
            return Ok(Admission::Drop);
        }
        account.pay(self.cost)?;
        ledger.0.pay_gas(self.cost)?;
        self.space -= 1;
        self.landed += 1;
        self.gas += self.cost;
        Ok(Admission::Land)
    }

    /// Ends the block: notes on `chain` how many orders landed and how many wait; a `block_orders` event when any
    /// did either.
    fn close(self, chain: &mut ChainState, waiting: usize, tick: u64) -> Option<Event> {
        chain.orders_landed = self.landed;
        chain.orders_waiting = waiting;
        (self.landed > 0 || waiting > 0).then(|| Event {
            quantity: Some(Decimal::from(self.landed)),
            unfilled: Some(Decimal::from(waiting)),
            fee: Some(self.gas),
            magnitude: Some(self.multiplier),
            ..Event::new(tick, EventKind::BlockOrders, if self.open { "block" } else { "between blocks" })
        })
    }
}
