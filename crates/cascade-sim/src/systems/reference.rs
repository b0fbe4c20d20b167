//! Steps the exogenous reference price.

use crate::resources::{Markets, Shocks};
use bevy_ecs::prelude::*;

/// Advances each market's reference process by one tick: diffusion and jumps (volatility scaled by any spike in
/// force), plus a scripted gap, plus the permanent impact of the venue's net taker flow in the previous tick.
pub fn step_reference(mut markets: ResMut<Markets>, shocks: Res<Shocks>) {
    for market in &mut markets.0 {
        let impact = market.spec.flow_impact * market.previous_net_taker_notional / 1_000_000.0;
        let extra = market.pending_gap + if impact.is_finite() { impact } else { 0.0 };
        market.pending_gap = 0.0;
        let price = market.reference.step(&mut market.reference_rng, shocks.volatility_multiplier, extra);
        market.reference_history.push_front(price);
        let keep = market.history_len;
        market.reference_history.truncate(keep);
    }
}
