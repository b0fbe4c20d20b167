//! Starts and ends scripted shocks.

use crate::options::OptionDesk;
use crate::record::{Event, EventKind};
use crate::recorder::Recorder;
use crate::resources::{Clock, Correlations, OracleDisruption, Shocks, Underlying, Underlyings};
use bevy_ecs::prelude::*;
use cascade_core::Decimal;
use cascade_scenario::ShockKind;

/// Applies the shock timeline for this tick: queues price gaps and this tick's share of price crashes, sets what is
/// in force (overlapping depth and arbitrage withdrawals combine as `1 - prod(1 - f)`, multipliers multiply, funding
/// spikes add) and the oracle disruptions, and logs starts and ends. Leverage waves were planned when the world was
/// built; they are only logged here. Surface shocks move the options' surface at their tick, for good; congestion
/// multiplies the chain's gas.
pub fn apply_shocks(
    clock: Res<Clock>,
    mut shocks: ResMut<Shocks>,
    mut underlyings: ResMut<Underlyings>,
    mut correlations: ResMut<Correlations>,
    mut recorder: ResMut<Recorder>,
    mut desk: Option<ResMut<OptionDesk>>,
    mut chain: Option<ResMut<crate::chain::ChainState>>,
) {
    let tick = clock.tick;
    let mut kept_depth = 1.0;
    let mut volatility = 1.0;
    let mut spread = 1.0;
    let mut arbitrage_kept = 1.0;
    let mut funding_extra = Decimal::ZERO;
    let mut crash = vec![0.0; underlyings.0.len()];
    let mut broken: Option<f64> = None;
    let mut oracle = OracleDisruption::default();
    let mut congestion = 1.0;
    let hits = |target: &Option<String>, u: &Underlying| target.as_ref().is_none_or(|s| *s == u.symbol);
    for shock in &shocks.timeline {
        let end = shock.at + shock.duration;
        let active = shock.at <= tick && tick < end;
        if shock.at == tick {
            recorder.event(shock_event(tick, EventKind::ShockStart, &shock.kind));
            if let ShockKind::PriceGap { change, market } = &shock.kind {
                for u in underlyings.0.iter_mut().filter(|u| hits(market, u)) {
                    u.pending_gap += libm::log1p(*change);
                }
            }
            if let Some(desk) = desk.as_mut() {
                let surface = desk.surface;
                desk.surface = match shock.kind {
                    ShockKind::VolSurfaceShift { points } => surface.shifted(points),
                    ShockKind::SkewSteepening { change } => surface.skew_steepened(change),
                    ShockKind::TermInversion { points } => surface.term_inverted(points),
                    _ => surface,
                };
            }
        }
        if !shock.kind.is_instantaneous() && tick == end {
            recorder.event(shock_event(tick, EventKind::ShockEnd, &shock.kind));
        }
        if active {
            match &shock.kind {
                ShockKind::DepthWithdrawal { fraction } => kept_depth *= 1.0 - fraction,
                ShockKind::VolatilitySpike { multiplier } => volatility *= multiplier,
                ShockKind::PriceCrash { change, market } => {
                    for (k, u) in underlyings.0.iter().enumerate() {
                        if hits(market, u) {
                            crash[k] += libm::log1p(*change) / shock.duration as f64;
                        }
                    }
                }
                ShockKind::SpreadWidening { multiplier } => spread *= multiplier,
                ShockKind::ArbitrageWithdrawal { fraction } => arbitrage_kept *= 1.0 - fraction,
                ShockKind::FundingSpike { rate } => funding_extra += rate,
                ShockKind::LeverageWave { .. } => {}
                ShockKind::OracleFreeze => oracle.frozen = true,
                ShockKind::OracleLag { ticks } => oracle.extra_delay += ticks,
                ShockKind::OracleUncertainty { multiplier } => oracle.uncertainty *= multiplier,
                ShockKind::OracleBadPrint { change, sources } => oracle.bad_print = Some((*change, *sources)),
                ShockKind::CorrelationBreak { correlation } => broken = Some(*correlation),
                ShockKind::Congestion { multiplier } => congestion *= multiplier,
                ShockKind::PriceGap { .. }
                | ShockKind::VolSurfaceShift { .. }
                | ShockKind::SkewSteepening { .. }
                | ShockKind::TermInversion { .. } => {}
            }
        }
    }
    shocks.depth_withdrawal = 1.0 - kept_depth;
    shocks.volatility_multiplier = volatility;
    shocks.spread_multiplier = spread;
    shocks.arbitrage_kept = arbitrage_kept;
    shocks.funding_extra = funding_extra;
    if let Some(chain) = chain.as_mut() {
        chain.congestion = congestion;
    }
    for (underlying, crash) in underlyings.0.iter_mut().zip(crash) {
        underlying.pending_gap += crash;
    }
    // A correlation break replaces the matrix the prices move by while it lasts (validated when loaded).
    let n = correlations.scenario.len();
    let in_force = match broken {
        Some(rho) => {
            cascade_core::correlation::Correlation::uniform(n, rho).unwrap_or_else(|_| correlations.scenario.clone())
        }
        None => correlations.scenario.clone(),
    };
    if in_force != correlations.in_force {
        correlations.joint = n > 1;
        correlations.in_force = in_force;
    }
    shocks.oracle = oracle;
}

fn shock_event(tick: u64, kind: EventKind, shock: &ShockKind) -> Event {
    let magnitude = match *shock {
        ShockKind::PriceGap { change, .. }
        | ShockKind::PriceCrash { change, .. }
        | ShockKind::OracleBadPrint { change, .. } => change,
        ShockKind::CorrelationBreak { correlation } => correlation,
        ShockKind::SpreadWidening { multiplier } | ShockKind::Congestion { multiplier } => multiplier,
        ShockKind::ArbitrageWithdrawal { fraction } => fraction,
        ShockKind::FundingSpike { rate } => cascade_core::money::to_f64(rate),
        ShockKind::LeverageWave { count, .. } => f64::from(count),
        ShockKind::DepthWithdrawal { fraction } => fraction,
        ShockKind::VolatilitySpike { multiplier } | ShockKind::OracleUncertainty { multiplier } => multiplier,
        ShockKind::OracleLag { ticks } => f64::from(ticks),
        ShockKind::VolSurfaceShift { points } | ShockKind::TermInversion { points } => points,
        ShockKind::SkewSteepening { change } => change,
        ShockKind::OracleFreeze => 1.0,
    };
    let event = Event { magnitude: Some(magnitude), ..Event::new(tick, kind, shock.name()) };
    match shock {
        ShockKind::PriceGap { market: Some(m), .. } | ShockKind::PriceCrash { market: Some(m), .. } => {
            event.in_market(m)
        }
        _ => event,
    }
}
