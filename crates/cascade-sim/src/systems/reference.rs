//! Steps the exogenous reference price.

use crate::resources::{Correlations, Shocks, Underlyings};
use bevy_ecs::prelude::*;
use cascade_core::rng::standard_normal;

/// Advances each underlying's reference process by one tick: diffusion and jumps (volatility scaled by any spike in
/// force), plus a scripted gap, plus the impact of the net taker flow on its instruments in the previous tick
/// (permanent, or decaying with its half-life). With several correlated underlyings the diffusion shocks are drawn
/// jointly: independent unit-variance shocks from the common stream, each of its market's kind (a herding model's
/// Student's t, otherwise normal), mixed by the Cholesky factor of the matrix in force, so that they have exactly its
/// correlations; and herding markets share one herd, the first's, so that their volatility regimes move together.
pub fn step_reference(
    mut underlyings: ResMut<Underlyings>,
    shocks: Res<Shocks>,
    mut correlations: ResMut<Correlations>,
) {
    let joint: Option<Vec<f64>> = correlations.joint.then(|| {
        let c = &mut *correlations;
        let z: Vec<f64> = (0..c.in_force.len())
            .map(|k| match underlyings.0.get(k) {
                Some(u) => u.reference.unit_shock(&mut c.rng),
                None => standard_normal(&mut c.rng),
            })
            .collect();
        c.in_force.correlate(&z)
    });
    let herd =
        correlations.one_herd.then(|| underlyings.0.iter().find_map(|u| u.reference.fundamentalists())).flatten();
    for (k, underlying) in underlyings.0.iter_mut().enumerate() {
        if let Some(share) = herd {
            underlying.reference.follow_herd(share);
        }
        let diffusion = joint.as_ref().and_then(|z| z.get(k).copied());
        let impact = underlying.flow_impact * underlying.previous_net_taker_notional / 1_000_000.0;
        let impact = if impact.is_finite() { impact } else { 0.0 };
        // A transient impact decays: the tick adds its new impact and gives back the part of the old one that
        // decayed (nothing while the impact is permanent, retention 1).
        let decayed = (1.0 - underlying.impact_retention) * underlying.transient_impact;
        underlying.transient_impact = underlying.impact_retention * underlying.transient_impact + impact;
        let extra = underlying.pending_gap + (impact - decayed);
        underlying.pending_gap = 0.0;
        let price =
            underlying.reference.step(&mut underlying.reference_rng, shocks.volatility_multiplier, extra, diffusion);
        underlying.reference_history.push_front(price);
        let keep = underlying.history_len;
        underlying.reference_history.truncate(keep);
    }
}
