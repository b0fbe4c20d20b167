//! The margin engine: finds accounts below maintenance margin.

use crate::components::{Account, Agent};
use crate::resources::{Faults, LiquidationQueue, LiquidationRules, Markets};
use bevy_ecs::prelude::*;
use cascade_core::margin::health;
use cascade_scenario::LiquidationOrder;

/// Checks every account with a position against maintenance margin at the mark price and queues those below it in
/// the configured order: worst margin ratio (equity / maintenance requirement) first, or largest notional first;
/// ties by agent id.
pub fn check_margin(
    markets: Res<Markets>,
    rules: Res<LiquidationRules>,
    accounts: Query<(&Agent, &Account)>,
    mut queue: ResMut<LiquidationQueue>,
    mut faults: ResMut<Faults>,
) {
    queue.0.clear();
    for (agent, account) in &accounts {
        if account.0.positions.iter().all(|p| p.quantity.is_zero()) {
            continue;
        }
        let rates = markets.get(agent.market).spec.margin;
        match health(&account.0, |m| markets.get(m).mark_price, rates) {
            Ok(h) if h.is_liquidatable() => {
                let key = match rules.0.order {
                    LiquidationOrder::MarginRatio => h.margin_ratio().unwrap_or_default(),
                    LiquidationOrder::Notional => -h.notional,
                };
                queue.0.push((key, agent.id));
            }
            Ok(_) => {}
            Err(e) => faults.0.push(e.into()),
        }
    }
    queue.0.sort_unstable();
}
