//! The margin engine: finds accounts below maintenance margin.

use crate::components::{Account, Agent};
use crate::resources::{Faults, LiquidationQueue, LiquidationRules, MarginEngine, Markets};
use bevy_ecs::prelude::*;
use cascade_core::Decimal;
use cascade_core::margin::MarginRates;
use cascade_core::margin::health;
use cascade_core::money::{from_f64, to_f64};
use cascade_core::risk::estimate;
use cascade_scenario::LiquidationOrder;
use cascade_scenario::{MarginPolicy, RiskMeasureKind, RiskMethod};

/// Sets the margin fractions in force for this tick from the policy: fixed for a static policy; for a
/// volatility-adaptive one, maintenance `multiplier x sigma x sqrt(horizon)` from the EWMA volatility of mark
/// returns; for a risk-measure one, the VaR or ES of a unit position (the worse side) over the lookback window.
/// Adaptive fractions are clamped to `[floor, cap]`, rise by at most the anti-procyclical speed limit per tick, and
/// keep initial margin at the scenario's ratio to maintenance.
pub fn set_margin_rates(mut engine: ResMut<MarginEngine>, mut markets: ResMut<Markets>) {
    let Some(market) = markets.0.first_mut() else { return };
    let mark = market.mark_price;
    let r = libm::log(to_f64(mark) / to_f64(engine.previous_mark));
    engine.previous_mark = mark;
    engine.volatility.update(r);
    let (target, floor, cap) = match engine.policy {
        MarginPolicy::Static => return,
        MarginPolicy::VolatilityAdaptive { horizon_ticks, multiplier, floor, cap, .. } => {
            (multiplier * engine.volatility.volatility() * horizon_ticks.sqrt(), floor, cap)
        }
        MarginPolicy::RiskMeasure { method, measure, confidence, horizon_ticks, lookback_ticks, floor, cap } => {
            if r.is_finite() {
                engine.returns.push_back(r);
            }
            while engine.returns.len() > lookback_ticks as usize {
                engine.returns.pop_front();
            }
            let Some(loss) =
                risk_of_both_sides(engine.returns.make_contiguous(), method, measure, confidence, horizon_ticks)
            else {
                return;
            };
            (loss, floor, cap)
        }
    };
    let Ok(target) = from_f64(target, RATE_STEP, "adaptive maintenance margin") else { return };
    let mut maintenance = target.clamp(floor, cap);
    let current = market.spec.margin.maintenance;
    if engine.max_increase_per_tick > Decimal::ZERO {
        maintenance = maintenance.min(current + engine.max_increase_per_tick);
    }
    let initial = (maintenance * engine.initial_ratio).round_dp(RATE_DP).min(Decimal::ONE);
    for market in &mut markets.0 {
        market.spec.margin = MarginRates { initial, maintenance };
    }
}

/// The larger of a unit long's and a unit short's VaR or ES (`None` while the window is too short).
fn risk_of_both_sides(
    returns: &[f64],
    method: RiskMethod,
    measure: RiskMeasureKind,
    confidence: f64,
    horizon: u32,
) -> Option<f64> {
    let short: Vec<f64> = returns.iter().map(|r| -r).collect();
    let long = estimate(returns, confidence, horizon as usize, method).ok()?;
    let short = estimate(&short, confidence, horizon as usize, method).ok()?;
    let pick = |e: cascade_core::risk::Estimate| match measure {
        RiskMeasureKind::Var => e.var,
        RiskMeasureKind::Es => e.es,
    };
    Some(pick(long).max(pick(short)))
}

/// Decimal places of margin fractions set by adaptive policies (1e-6).
const RATE_DP: u32 = 6;
const RATE_STEP: Decimal = Decimal::from_parts(1, 0, 0, false, RATE_DP);

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
