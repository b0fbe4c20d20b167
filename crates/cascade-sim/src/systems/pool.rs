//! Pool markets' systems: the borrowing fee the traders pay their pool, and the pool's row of each tick.

use crate::SimError;
use crate::components::{Account, Agent};
use crate::pool::{LiquidityPool, pool_value};
use crate::record::PoolTick;
use crate::recorder::Recorder;
use crate::resources::{AgentIndex, Clock, Faults, Instruments, Underlyings};
use bevy_ecs::prelude::*;
use cascade_core::book::Side;
use cascade_core::money;
use cascade_core::pool::borrowing_fee;
use cascade_core::{AgentId, Decimal};

/// The traders' accounts (every one but the pools').
type Traders<'w, 's> = Query<'w, 's, (&'static Agent, &'static mut Account), Without<LiquidityPool>>;
/// The pools' accounts.
type Pools<'w, 's> = Query<'w, 's, &'static mut Account, With<LiquidityPool>>;

/// At the end of each funding interval, every trader with a position in a pool market pays the pool
/// `borrowing_rate x utilization x |quantity| x oracle`, its side's utilization being that side's open interest
/// over the pool's value at the mark ([`cascade_core::pool::Interest::utilization`]).
pub fn charge_borrowing(
    clock: Res<Clock>,
    mut instruments: ResMut<Instruments>,
    underlyings: Res<Underlyings>,
    mut traders: Traders,
    mut pools: Pools,
    mut index: ResMut<AgentIndex>,
    mut faults: ResMut<Faults>,
) {
    for m in 0..instruments.0.len() {
        let instrument = &instruments.0[m];
        let interval = instrument.spec.funding_interval;
        let charged = instrument.pool.as_ref().is_some_and(|p| !p.rules.borrowing_rate.is_zero());
        if !charged || interval == 0 || !(clock.tick + 1).is_multiple_of(interval) {
            continue;
        }
        let oracle = underlyings.get(instrument.underlying).oracle_price;
        match charge(&instruments, m, oracle, (&mut traders, &mut pools), &index) {
            Ok((total, payers)) => {
                index.touched.extend(payers);
                if let Some(pool) = &mut instruments.0[m].pool {
                    pool.flow.borrowing_fees += total;
                }
            }
            Err(e) => faults.0.push(e),
        }
    }
}

/// Charges every trader holding instrument `m` its borrowing fee at `oracle` and pays the total to the pool; the
/// total and who paid.
fn charge(
    instruments: &Instruments,
    m: usize,
    oracle: Decimal,
    (traders, pools): (&mut Traders, &mut Pools),
    index: &AgentIndex,
) -> Result<(Decimal, Vec<AgentId>), SimError> {
    let instrument = &instruments.0[m];
    let Some(pool) = &instrument.pool else { return Ok((Decimal::ZERO, Vec::new())) };
    let entity = index.entity(pool.agent);
    let unknown = || SimError::UnknownAgent(pool.agent);
    let value = pool_value(pools.get(entity).map_err(|_| unknown())?, &instruments.0)?;
    let interest = pool.interest(instrument.open_interest);
    let utilization = [Side::Buy, Side::Sell].map(|side| interest.utilization(side, oracle, value));
    let (mut total, mut payers) = (Decimal::ZERO, Vec::new());
    for (agent, mut account) in traders.iter_mut() {
        let quantity = account.0.quantity(instrument.id);
        if quantity.is_zero() {
            continue;
        }
        let fee = borrowing_fee(
            quantity,
            oracle,
            pool.rules.borrowing_rate,
            utilization[usize::from(quantity < Decimal::ZERO)],
        )?;
        account.0.pay(fee)?;
        total = money::add(total, fee)?;
        payers.push(agent.id);
    }
    pools.get_mut(entity).map_err(|_| unknown())?.0.pay(-total)?;
    Ok((total, payers))
}

/// Records each pool's row of the tick (`pool.csv`): its value at the mark, position, the traders' interest, its
/// drawdown and what it earned and paid; then starts its next tick's flow.
pub fn record_pools(
    clock: Res<Clock>,
    mut instruments: ResMut<Instruments>,
    pools: Query<&Account, With<LiquidityPool>>,
    index: Res<AgentIndex>,
    mut recorder: ResMut<Recorder>,
    mut faults: ResMut<Faults>,
) {
    for m in 0..instruments.0.len() {
        let Some(agent) = instruments.0[m].pool.as_ref().map(|p| p.agent) else { continue };
        let value = match pools.get(index.entity(agent)) {
            Ok(account) => pool_value(account, &instruments.0).map_err(SimError::from),
            Err(_) => Err(SimError::UnknownAgent(agent)),
        };
        let value = match value {
            Ok(v) => v,
            Err(e) => {
                faults.0.push(e);
                continue;
            }
        };
        let instrument = &mut instruments.0[m];
        let open_interest = instrument.open_interest;
        let symbol = instrument.spec.symbol.clone();
        let Some(pool) = &mut instrument.pool else { continue };
        let interest = pool.interest(open_interest);
        let drawdown = pool.drawdown.update(value);
        let flow = std::mem::take(&mut pool.flow);
        recorder.pool(PoolTick {
            tick: clock.tick,
            symbol,
            value,
            position: pool.position,
            long_interest: interest.long,
            short_interest: interest.short,
            drawdown,
            fees: flow.fees,
            borrowing_fees: flow.borrowing_fees,
            funding: flow.funding,
            absorbed_shortfall: flow.absorbed_shortfall,
            capped_orders: flow.capped_orders,
        });
    }
}
