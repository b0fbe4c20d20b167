//! The checks of a scenario's margin rules: fractions, the policy's parameters, brackets, premiums, add-ons and
//! the anti-procyclicality controls.

use super::Checker;
use crate::model::{LossMeasure, Margin, MarginPolicy, RiskMethod, VolatilityModel};
use rust_decimal::Decimal;

/// Checks `margin` (the scenario's `margin` section).
pub(super) fn check_margin(c: &mut Checker, mg: &Margin) {
    c.require(
        mg.initial > Decimal::ZERO && mg.initial <= Decimal::ONE,
        "margin.initial",
        format!("expected a fraction in (0, 1], found {}", mg.initial),
    );
    c.require(
        mg.maintenance > Decimal::ZERO && mg.maintenance < mg.initial,
        "margin.maintenance",
        format!("expected a fraction above 0 and below margin.initial ({}), found {}", mg.initial, mg.maintenance),
    );
    c.require(
        mg.max_increase_per_tick >= Decimal::ZERO,
        "margin.max_increase_per_tick",
        format!("expected a fraction >= 0 (0 disables), found {}", mg.max_increase_per_tick),
    );
    if let MarginPolicy::RiskMeasure { method, confidence, horizon_ticks, lookback_ticks, floor, cap, .. } = mg.policy {
        level(c, confidence, "margin.policy.confidence", "a confidence");
        c.require(horizon_ticks >= 1, "margin.policy.horizon_ticks", "expected at least 1 tick");
        c.require(
            lookback_ticks >= horizon_ticks + 2,
            "margin.policy.lookback_ticks",
            format!("expected at least horizon_ticks + 2 = {}, found {lookback_ticks}", horizon_ticks + 2),
        );
        match method {
            RiskMethod::StudentT { dof } => c.require(
                dof > 2.0 && dof.is_finite(),
                "margin.policy.method.dof",
                format!("expected degrees of freedom above 2, found {dof}"),
            ),
            RiskMethod::FilteredHistorical { lambda } => c.require(
                lambda > 0.0 && lambda < 1.0,
                "margin.policy.method.lambda",
                format!("expected a decay in (0, 1), found {lambda}"),
            ),
            RiskMethod::Normal | RiskMethod::Historical => {}
        }
        adaptive_bounds(c, floor, cap, mg.initial, mg.maintenance);
    }
    if let MarginPolicy::VolatilityAdaptive { lambda, window_ticks, horizon_ticks, multiplier, floor, cap } = mg.policy
    {
        if let Some(window) = window_ticks {
            c.require(window >= 2, "margin.policy.window_ticks", format!("expected at least 2 ticks, found {window}"));
        }
        c.require(
            lambda > 0.0 && lambda < 1.0,
            "margin.policy.lambda",
            format!("expected a decay in (0, 1), found {lambda}"),
        );
        c.require(
            horizon_ticks >= 1.0,
            "margin.policy.horizon_ticks",
            format!("expected at least 1 tick, found {horizon_ticks}"),
        );
        c.positive(multiplier, "margin.policy.multiplier");
        adaptive_bounds(c, floor, cap, mg.initial, mg.maintenance);
    }

    if let MarginPolicy::Predictive { model, horizon_ticks, multiplier, floor, cap } = mg.policy {
        c.require(horizon_ticks >= 1, "margin.policy.horizon_ticks", "expected at least 1 tick");
        c.positive(multiplier, "margin.policy.multiplier");
        match model {
            VolatilityModel::Garch { lookback_ticks, refit_every_ticks } => {
                fitted_window(c, lookback_ticks, refit_every_ticks, cascade_core::forecast::GARCH_MIN_RETURNS, "GARCH");
            }
            VolatilityModel::Har { block_ticks, lookback_blocks } => {
                c.require(block_ticks >= 1, "margin.policy.model.block_ticks", "expected at least 1 tick");
                c.require(
                    lookback_blocks as usize >= cascade_core::forecast::HAR_MIN_BLOCKS,
                    "margin.policy.model.lookback_blocks",
                    format!(
                        "expected at least {} blocks to fit HAR-RV, found {lookback_blocks}",
                        cascade_core::forecast::HAR_MIN_BLOCKS
                    ),
                );
            }
            VolatilityModel::Regime { regimes, lookback_ticks, refit_every_ticks, measure } => {
                c.require(
                    (2..=3).contains(&regimes),
                    "margin.policy.model.regimes",
                    format!("expected 2 or 3 regimes, found {regimes}"),
                );
                let min = cascade_core::regime::MIN_RETURNS;
                fitted_window(c, lookback_ticks, refit_every_ticks, min, "the regimes");
                if let Some(LossMeasure::Var(confidence) | LossMeasure::Es(confidence)) = measure {
                    level(c, confidence, "margin.policy.model.measure", "a confidence");
                }
            }
            VolatilityModel::Learned { quantile, lookback_ticks, refit_every_ticks, warmup_ticks } => {
                level(c, quantile, "margin.policy.model.quantile", "a quantile level");
                let min = cascade_core::learned::MIN_SAMPLES;
                c.require(
                    warmup_ticks as usize >= min,
                    "margin.policy.model.warmup_ticks",
                    format!("expected at least {min} pairs before the first fit, found {warmup_ticks}"),
                );
                fitted_window(c, lookback_ticks, refit_every_ticks, warmup_ticks as usize, "the learned model");
            }
        }
        adaptive_bounds(c, floor, cap, mg.initial, mg.maintenance);
    }
    if let MarginPolicy::Tiered { brackets } = &mg.policy {
        let tiers: Vec<cascade_core::tiers::Tier> = brackets
            .iter()
            .map(|b| cascade_core::tiers::Tier {
                max_notional: b.max_notional,
                maintenance_rate: b.maintenance_rate,
                max_leverage: b.max_leverage,
            })
            .collect();
        if let Err(e) = cascade_core::tiers::TierTable::new(&tiers) {
            c.require(false, "margin.policy.brackets", format!("expected usable brackets: {}", e.0));
        }
        for (i, b) in brackets.iter().enumerate() {
            c.require(
                b.maintenance_rate < Decimal::ONE / b.max_leverage.max(Decimal::ONE),
                "margin.policy.brackets",
                format!(
                    "bracket {}: expected a maintenance rate below the initial 1 / max_leverage = {}, found {}",
                    i + 1,
                    (Decimal::ONE / b.max_leverage.max(Decimal::ONE)).normalize(),
                    b.maintenance_rate
                ),
            );
        }
    }
    c.require(
        mg.size_premium >= Decimal::ZERO,
        "margin.size_premium",
        format!("expected a factor >= 0 (0 disables), found {}", mg.size_premium),
    );
    c.require(
        mg.liquidity_add_on >= Decimal::ZERO,
        "margin.liquidity_add_on",
        format!("expected a multiple >= 0 (0 disables), found {}", mg.liquidity_add_on),
    );
    c.require(
        mg.stress_buffer >= Decimal::ZERO && mg.stress_buffer <= Decimal::ONE,
        "margin.stress_buffer",
        format!("expected a fraction in [0, 1] (0 disables), found {}", mg.stress_buffer),
    );
    if let Some(oi) = mg.open_interest_scaling {
        c.require(
            oi.lower >= Decimal::ZERO && oi.upper > oi.lower,
            "margin.open_interest_scaling",
            format!("expected 0 <= lower < upper, found lower {} and upper {}", oi.lower, oi.upper),
        );
    }
}

/// The floor and cap of an adaptive margin policy: `0 < floor <= cap < 1`, and the initial margin at the cap (kept
/// at the scenario's initial-to-maintenance ratio) at most 1.
fn adaptive_bounds(c: &mut Checker, floor: Decimal, cap: Decimal, initial: Decimal, maintenance: Decimal) {
    c.require(
        floor > Decimal::ZERO && floor <= cap,
        "margin.policy.floor",
        format!("expected a fraction above 0 and at most the cap ({cap}), found {floor}"),
    );
    let top = cap * initial / maintenance.max(Decimal::new(1, 12));
    c.require(
        cap < Decimal::ONE && top <= Decimal::ONE,
        "margin.policy.cap",
        format!("expected a fraction below 1 whose initial margin ({top}) stays at most 1, found {cap}"),
    );
}

/// A model fitted on a window of `lookback_ticks` returns every `refit_every_ticks`: the window must hold `min`.
/// A confidence or quantile level, in (0.5, 1).
fn level(c: &mut Checker, value: f64, path: &str, what: &str) {
    c.require(value > 0.5 && value < 1.0, path, format!("expected {what} in (0.5, 1), found {value}"));
}

fn fitted_window(c: &mut Checker, lookback_ticks: u32, refit_every_ticks: u32, min: usize, model: &str) {
    c.require(
        lookback_ticks as usize >= min,
        "margin.policy.model.lookback_ticks",
        format!("expected at least {min} returns to fit {model}, found {lookback_ticks}"),
    );
    c.require(refit_every_ticks >= 1, "margin.policy.model.refit_every_ticks", "expected at least 1 tick");
}
