//! Funding payments between longs and shorts.

use crate::components::Account;
use crate::resources::{AgentIndex, Clock, Faults, Instruments, Shocks, Underlyings, VenueLedger};
use bevy_ecs::prelude::*;
use cascade_core::funding::{funding_payment, funding_rate};
use cascade_core::{Decimal, money};

/// At the end of each of an instrument's funding intervals, every account with a position in it pays
/// `quantity * oracle * rate` (negative: receives), where the oracle price is its underlying's and the rate is the
/// interval's average premium clamped to the cap (in a pool market, the imbalance rate of
/// [`cascade_core::pool::Interest::funding_rate`], the pool paying or receiving its share), plus any funding spike
/// in force. Each payment is rounded to the booking precision; what the rounded payments leave over (a few units
/// of 1e-8) goes to the venue's fees.
pub fn pay_funding(
    clock: Res<Clock>,
    shocks: Res<Shocks>,
    mut instruments: ResMut<Instruments>,
    underlyings: Res<Underlyings>,
    mut accounts: Query<&mut Account>,
    mut agents: ResMut<AgentIndex>,
    (mut ledger, mut faults): (ResMut<VenueLedger>, ResMut<Faults>),
) {
    for instrument in &mut instruments.0 {
        let oracle = underlyings.get(instrument.underlying).oracle_price;
        let interval = instrument.spec.funding_interval;
        if interval == 0 || !(clock.tick + 1).is_multiple_of(interval) {
            continue;
        }
        let premium = if instrument.premium_count > 0 {
            instrument.premium_sum / f64::from(instrument.premium_count)
        } else {
            0.0
        };
        let base = match &instrument.pool {
            Some(pool) => pool.interest(instrument.open_interest).funding_rate(pool.rules.funding_factor),
            None => funding_rate(premium, instrument.spec.funding_cap),
        };
        let rate = base + shocks.funding_extra;
        instrument.premium_sum = 0.0;
        instrument.premium_count = 0;
        instrument.flow.funding_rate = Some(rate);
        if rate.is_zero() {
            continue;
        }
        agents.all_touched = true;
        let mut paid = Decimal::ZERO;
        for mut account in &mut accounts {
            let quantity = account.0.quantity(instrument.id);
            if quantity.is_zero() {
                continue;
            }
            let payment = funding_payment(quantity, oracle, rate)
                .and_then(|p| account.0.pay(p).map(|()| p))
                .and_then(|p| money::add(paid, p));
            match payment {
                Ok(total) => paid = total,
                Err(e) => faults.0.push(e.into()),
            }
        }
        if let Some(pool) = &mut instrument.pool {
            match funding_payment(pool.position, oracle, rate) {
                Ok(p) => pool.flow.funding -= p,
                Err(e) => faults.0.push(e.into()),
            }
        }
        if let Err(e) = ledger.0.collect_funding_rounding(paid) {
            faults.0.push(e.into());
        }
    }
}
