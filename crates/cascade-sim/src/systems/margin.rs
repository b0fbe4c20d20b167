//! The margin policy: sets each market's margin schedule for the tick, before the margin check.

use crate::resources::{MarginEngine, Markets, PolicyState};
use bevy_ecs::prelude::*;
use cascade_core::Decimal;
use cascade_core::book::Side;
use cascade_core::correlation::Correlation;
use cascade_core::forecast::{GARCH_MIN_RETURNS, Garch, Har, realized_variances};
use cascade_core::liquidity::{DepthCurve, LiquidityCharge};
use cascade_core::margin::{MarginRates, MarginSchedule};
use cascade_core::money::{self, from_f64, to_f64};
use cascade_core::risk::estimate;
use cascade_core::stats::{Ewma, root_mean_square};
use cascade_core::tiers::{Tier, TierTable};
use cascade_scenario::{Margin, MarginPolicy, RiskMeasureKind, RiskMethod, VolatilityModel};
use std::collections::VecDeque;

/// Decimal places of margin fractions set by adaptive policies (1e-6).
const RATE_DP: u32 = 6;
const RATE_STEP: Decimal = Decimal::from_parts(1, 0, 0, false, RATE_DP);

/// RiskMetrics' daily decay, used by the EWMA fallback of predictive policies.
const RISKMETRICS_LAMBDA: f64 = 0.94;

impl MarginEngine {
    /// A fresh engine for `rules` over markets whose calm variances per tick are `calm_variances` and whose marks are
    /// `marks`; portfolio margin nets by `correlation`.
    pub fn new(rules: &Margin, calm_variances: &[f64], marks: &[Decimal], correlation: Correlation) -> Self {
        let lambda = match rules.policy {
            MarginPolicy::VolatilityAdaptive { lambda, .. } => lambda,
            _ => RISKMETRICS_LAMBDA,
        };
        Self {
            rules: rules.clone(),
            initial_ratio: rules.initial.checked_div(rules.maintenance).unwrap_or(Decimal::TWO),
            markets: calm_variances
                .iter()
                .zip(marks)
                .map(|(&calm, &mark)| PolicyState {
                    volatility: Ewma::new(lambda, calm),
                    previous_mark: mark,
                    returns: VecDeque::new(),
                    returns_seen: 0,
                    garch: None,
                    garch_variance: calm,
                    har_forecast: None,
                })
                .collect(),
            correlation,
            fallback_ticks: 0,
        }
    }
}

/// The schedule a market starts with under `rules`: the scenario's fractions or a tiered policy's brackets (their
/// maintenance raised by the stress buffer, which starts full; a fixed table keeps it full), and the size premium.
/// Open-interest scaling and the liquidity add-on are set each tick.
pub fn starting_schedule(rules: &Margin) -> MarginSchedule {
    let buffered =
        |f: Decimal| (f * (Decimal::ONE + rules.stress_buffer)).round_dp(RATE_DP).min(Decimal::ONE).normalize();
    let tiers = match &rules.policy {
        MarginPolicy::Tiered { brackets } => {
            let tiers: Vec<Tier> = brackets
                .iter()
                .map(|b| Tier {
                    max_notional: b.max_notional,
                    maintenance_rate: buffered(b.maintenance_rate),
                    max_leverage: b.max_leverage,
                })
                .collect();
            TierTable::new(&tiers).ok()
        }
        _ => None,
    };
    let rates = match &tiers {
        Some(t) => {
            let first = t.brackets()[0].0;
            MarginRates { initial: Decimal::ONE / first.max_leverage, maintenance: first.maintenance_rate }
        }
        None => MarginRates { initial: buffered(rules.initial), maintenance: buffered(rules.maintenance) },
    };
    MarginSchedule { rates, tiers, size_premium: rules.size_premium, ..MarginSchedule::flat(rates) }
}

/// Sets every market's schedule for this tick:
/// 1. the policy's maintenance fraction: fixed (static, tiered); `multiplier x sigma x sqrt(horizon)` from the EWMA
///    or rolling-window volatility of mark returns (volatility-adaptive); the VaR or ES of a unit position, the
///    worse side (risk-measure); `multiplier x` the forecast horizon volatility (predictive); clamped to `[floor, cap]`;
/// 2. the stress buffer: the fraction in force stays within `[policy, policy x (1 + buffer)]` (never above the cap),
///    moving only when pushed by an edge of that band;
/// 3. the speed limit: a rise of at most `max_increase_per_tick`;
/// 4. initial = maintenance x the scenario's initial-to-maintenance ratio (at most 1);
/// 5. open-interest scaling and the liquidity add-on from this tick's open interest and book.
pub fn set_margin_rates(mut engine: ResMut<MarginEngine>, mut markets: ResMut<Markets>) {
    let engine = &mut *engine;
    let rules = &engine.rules;
    for (market, state) in markets.0.iter_mut().zip(&mut engine.markets) {
        let mark = market.mark_price;
        let r = libm::log(to_f64(mark) / to_f64(state.previous_mark));
        state.previous_mark = mark;
        state.volatility.update(r);
        if r.is_finite() {
            state.returns.push_back(r);
            state.returns_seen += 1;
        }
        let (target, fell_back) = policy_target(&rules.policy, state, r);
        engine.fallback_ticks += u64::from(fell_back);
        let current = market.margin.rates.maintenance;
        if let Some((target, floor, cap)) = target
            && let Ok(target) = from_f64(target, RATE_STEP, "adaptive maintenance margin")
        {
            let model = target.clamp(floor, cap);
            let mut maintenance = if rules.stress_buffer > Decimal::ZERO {
                let top = (model * (Decimal::ONE + rules.stress_buffer)).round_dp(RATE_DP).min(cap).max(model);
                current.clamp(model, top)
            } else {
                model
            };
            if rules.max_increase_per_tick > Decimal::ZERO {
                maintenance = maintenance.min(current + rules.max_increase_per_tick);
            }
            let initial = (maintenance * engine.initial_ratio).round_dp(RATE_DP).min(Decimal::ONE);
            market.margin.rates = MarginRates { initial, maintenance };
        }
        market.margin.open_interest_scale = match rules.open_interest_scaling {
            Some(oi) => {
                let notional = market.open_interest * market.mark_price;
                ((notional - oi.lower) / (oi.upper - oi.lower)).clamp(Decimal::ZERO, Decimal::ONE).round_dp(RATE_DP)
            }
            None => Decimal::ZERO,
        };
        market.margin.liquidity = if rules.liquidity_add_on > Decimal::ZERO {
            liquidity_charge(market, rules.liquidity_add_on).ok()
        } else {
            None
        };
    }
}

/// The policy's maintenance fraction this tick (as `f64`) with its floor and cap (`None` for fixed policies and
/// while a risk-measure window is too short), and whether a predictive policy fell back to the EWMA.
fn policy_target(policy: &MarginPolicy, state: &mut PolicyState, r: f64) -> (Option<(f64, Decimal, Decimal)>, bool) {
    match *policy {
        MarginPolicy::Static | MarginPolicy::Tiered { .. } => (None, false),
        MarginPolicy::VolatilityAdaptive { window_ticks, horizon_ticks, multiplier, floor, cap, .. } => {
            let sigma = match window_ticks {
                Some(window) => {
                    keep_last(&mut state.returns, window as usize);
                    if state.returns.len() < 2 {
                        return (None, false);
                    }
                    root_mean_square(state.returns.make_contiguous())
                }
                None => state.volatility.volatility(),
            };
            (Some((multiplier * sigma * horizon_ticks.sqrt(), floor, cap)), false)
        }
        MarginPolicy::RiskMeasure { method, measure, confidence, horizon_ticks, lookback_ticks, floor, cap } => {
            keep_last(&mut state.returns, lookback_ticks as usize);
            let returns = state.returns.make_contiguous();
            let loss = risk_of_both_sides(returns, method, measure, confidence, horizon_ticks);
            (loss.map(|loss| (loss, floor, cap)), false)
        }
        MarginPolicy::Predictive { model, horizon_ticks, multiplier, floor, cap } => {
            let variance = match model {
                VolatilityModel::Garch { lookback_ticks, refit_every_ticks } => {
                    keep_last(&mut state.returns, lookback_ticks as usize);
                    garch_horizon_variance(state, r, refit_every_ticks, horizon_ticks)
                }
                VolatilityModel::Har { block_ticks, lookback_blocks } => {
                    keep_last(&mut state.returns, (block_ticks * lookback_blocks) as usize);
                    har_horizon_variance(state, block_ticks, horizon_ticks)
                }
            };
            let (variance, fell_back) = match variance {
                Some(v) if v.is_finite() && v > 0.0 => (v, false),
                _ => (state.volatility.variance * f64::from(horizon_ticks), true),
            };
            (Some((multiplier * variance.sqrt(), floor, cap)), fell_back)
        }
    }
}

fn keep_last(returns: &mut VecDeque<f64>, n: usize) {
    while returns.len() > n {
        returns.pop_front();
    }
}

/// GARCH(1,1): refit every `refit_every` returns on the window (then filter the window for the current variance),
/// otherwise step the variance with the last return. `None` until a fit has succeeded, and after a failed one.
fn garch_horizon_variance(engine: &mut PolicyState, r: f64, refit_every: u32, horizon: u32) -> Option<f64> {
    // Fits are due every `refit_every` returns, and as soon as the window first holds enough to fit; a failed fit
    // waits for the next due time (the EWMA stands in), so a series that will not fit costs no more than one that does.
    let first = engine.returns.len() == GARCH_MIN_RETURNS && engine.returns_seen == GARCH_MIN_RETURNS as u64;
    let refit = engine.returns_seen.is_multiple_of(u64::from(refit_every)) || first;
    if refit {
        let window = engine.returns.make_contiguous();
        engine.garch = Garch::fit(window).ok();
        if let Some(g) = engine.garch {
            engine.garch_variance = g.variances(window, cascade_core::forecast::sample_variance(window)).pop()?;
        }
    } else if let Some(g) = engine.garch
        && r.is_finite()
    {
        engine.garch_variance = g.omega + g.alpha * r * r + g.beta * engine.garch_variance;
    }
    Some(engine.garch?.horizon_variance(engine.garch_variance, horizon))
}

/// HAR-RV: at each completed block, refit on the window's blocks and forecast the next block's realized variance;
/// the horizon variance is that per tick times the horizon. `None` while no fit has succeeded.
fn har_horizon_variance(engine: &mut PolicyState, block: u32, horizon: u32) -> Option<f64> {
    if engine.returns_seen.is_multiple_of(u64::from(block)) {
        let rv = realized_variances(engine.returns.make_contiguous(), block as usize);
        engine.har_forecast = Har::fit(&rv).ok().and_then(|h| h.next(&rv));
    }
    Some(engine.har_forecast? / f64::from(block) * f64::from(horizon))
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

/// The liquidity add-on of `market` at its mark and current book.
fn liquidity_charge(
    market: &crate::resources::Market,
    multiplier: Decimal,
) -> Result<LiquidityCharge, money::MoneyError> {
    let mark = market.mark_price;
    Ok(LiquidityCharge {
        multiplier,
        bids: DepthCurve::new(&market.book.levels(Side::Buy), mark)?,
        asks: DepthCurve::new(&market.book.levels(Side::Sell), mark)?,
        beyond: money::mul(market.spec.price_band, mark)?,
    })
}
