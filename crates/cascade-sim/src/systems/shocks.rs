//! Starts and ends scripted shocks.

use crate::record::{Event, EventKind};
use crate::resources::{Clock, Markets, OracleDisruption, Recorder, Shocks};
use bevy_ecs::prelude::*;
use cascade_scenario::ShockKind;

/// Applies the shock timeline for this tick: queues price gaps, sets the depth withdrawal and volatility
/// multiplier in force (overlapping withdrawals combine as `1 - prod(1 - f)`, spikes multiply) and the oracle
/// disruptions, logs starts and ends.
pub fn apply_shocks(
    clock: Res<Clock>,
    mut shocks: ResMut<Shocks>,
    mut markets: ResMut<Markets>,
    mut recorder: ResMut<Recorder>,
) {
    let tick = clock.tick;
    let mut kept_depth = 1.0;
    let mut volatility = 1.0;
    let mut oracle = OracleDisruption::default();
    for shock in &shocks.timeline {
        let end = shock.at + shock.duration;
        let active = shock.at <= tick && tick < end;
        if shock.at == tick {
            recorder.events.push(shock_event(tick, EventKind::ShockStart, &shock.kind));
            if let ShockKind::PriceGap { change } = shock.kind {
                for market in &mut markets.0 {
                    market.pending_gap += libm::log1p(change);
                }
            }
        }
        if !shock.kind.is_instantaneous() && tick == end {
            recorder.events.push(shock_event(tick, EventKind::ShockEnd, &shock.kind));
        }
        if active {
            match shock.kind {
                ShockKind::DepthWithdrawal { fraction } => kept_depth *= 1.0 - fraction,
                ShockKind::VolatilitySpike { multiplier } => volatility *= multiplier,
                ShockKind::OracleFreeze => oracle.frozen = true,
                ShockKind::OracleLag { ticks } => oracle.extra_delay += ticks,
                ShockKind::OracleUncertainty { multiplier } => oracle.uncertainty *= multiplier,
                ShockKind::OracleBadPrint { change, sources } => oracle.bad_print = Some((change, sources)),
                ShockKind::PriceGap { .. } => {}
            }
        }
    }
    shocks.depth_withdrawal = 1.0 - kept_depth;
    shocks.volatility_multiplier = volatility;
    shocks.oracle = oracle;
}

fn shock_event(tick: u64, kind: EventKind, shock: &ShockKind) -> Event {
    let magnitude = match *shock {
        ShockKind::PriceGap { change } | ShockKind::OracleBadPrint { change, .. } => change,
        ShockKind::DepthWithdrawal { fraction } => fraction,
        ShockKind::VolatilitySpike { multiplier } | ShockKind::OracleUncertainty { multiplier } => multiplier,
        ShockKind::OracleLag { ticks } => f64::from(ticks),
        ShockKind::OracleFreeze => 1.0,
    };
    Event { magnitude: Some(magnitude), ..Event::new(tick, kind, shock.name()) }
}
