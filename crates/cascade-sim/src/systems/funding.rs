//! Funding payments between longs and shorts.

use crate::components::Account;
use crate::resources::{AgentIndex, Clock, Faults, Markets, Shocks};
use bevy_ecs::prelude::*;
use cascade_core::funding::{funding_payment, funding_rate};

/// At the end of each funding interval, every account with a position pays `quantity * oracle * rate` (negative:
/// receives), where the rate is the interval's average premium clamped to the cap, plus any funding spike in force.
/// Payments sum to zero.
pub fn pay_funding(
    clock: Res<Clock>,
    shocks: Res<Shocks>,
    mut markets: ResMut<Markets>,
    mut accounts: Query<&mut Account>,
    mut agents: ResMut<AgentIndex>,
    mut faults: ResMut<Faults>,
) {
    for market in &mut markets.0 {
        let interval = market.spec.funding_interval;
        if interval == 0 || !(clock.tick + 1).is_multiple_of(interval) {
            continue;
        }
        let premium = if market.premium_count > 0 { market.premium_sum / f64::from(market.premium_count) } else { 0.0 };
        let rate = funding_rate(premium, market.spec.funding_cap) + shocks.funding_extra;
        market.premium_sum = 0.0;
        market.premium_count = 0;
        market.flow.funding_rate = Some(rate);
        if rate.is_zero() {
            continue;
        }
        agents.all_touched = true;
        for mut account in &mut accounts {
            let quantity = account.0.quantity(market.id);
            if quantity.is_zero() {
                continue;
            }
            if let Err(e) = funding_payment(quantity, market.oracle_price, rate).and_then(|p| account.0.pay(p)) {
                faults.0.push(e.into());
            }
        }
    }
}
