//! The margin policy: sets each instrument's margin schedule for the tick, before the margin check.

use crate::record::ForecastTick;
use crate::recorder::Recorder;
use crate::resources::{Clock, Instrument, Instruments, MarginState, Underlyings};
use bevy_ecs::prelude::*;
use cascade_core::Decimal;
use cascade_core::book::Side;
use cascade_core::correlation::Correlation;
use cascade_core::learned::VenueView;
use cascade_core::liquidity::{DepthCurve, LiquidityCharge};
use cascade_core::margin::{MarginRates, MarginSchedule};
use cascade_core::money::{self, from_f64, to_f64};
use cascade_core::policy::{Controls, PolicyState, RATE_DP, RISKMETRICS_LAMBDA, Target};
use cascade_core::tiers::{Tier, TierTable};
use cascade_scenario::{Margin, MarginPolicy, VolatilityModel};

/// The grid of margin fractions set by adaptive policies.
const RATE_STEP: Decimal = Decimal::from_parts(1, 0, 0, false, RATE_DP);

impl MarginState {
    /// A fresh engine for `rules` over instruments whose calm variances per tick are `calm_variances` and whose
    /// marks are `marks`; portfolio margin nets by `correlation` (of the underlyings).
    pub fn new(rules: &Margin, calm_variances: &[f64], marks: &[Decimal], correlation: Correlation) -> Self {
        let lambda = match rules.policy {
            MarginPolicy::VolatilityAdaptive { lambda, .. } => lambda,
            _ => RISKMETRICS_LAMBDA,
        };
        Self {
            rules: rules.clone(),
            initial_ratio: rules.initial.checked_div(rules.maintenance).unwrap_or(Decimal::TWO),
            instruments: calm_variances
                .iter()
                .zip(marks)
                .map(|(&calm, &mark)| PolicyState::new(lambda, calm, mark))
                .collect(),
            correlation,
            fallback_ticks: 0,
            options: None,
        }
    }
}

/// The schedule an instrument starts with under `rules`: the scenario's fractions or a tiered policy's brackets (their
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
        None => {
            let (initial, maintenance) = opening_rates(rules);
            MarginRates { initial: buffered(initial), maintenance: buffered(maintenance) }
        }
    };
    MarginSchedule { rates, tiers, size_premium: rules.size_premium, ..MarginSchedule::flat(rates) }
}

/// The initial and maintenance fractions a flat schedule opens with, before the stress buffer: the scenario's, or
/// for an adaptive policy whose floor or cap they lie outside, the maintenance clamped to `[floor, cap]` and the
/// initial at the scenario's initial-to-maintenance ratio (a floor holds from the first tick, not once the policy
/// has warmed up).
pub fn opening_rates(rules: &Margin) -> (Decimal, Decimal) {
    match rules.policy.bounds() {
        Some((floor, cap)) if rules.maintenance < floor || rules.maintenance > cap => {
            let maintenance = rules.maintenance.clamp(floor, cap);
            let ratio = rules.initial.checked_div(rules.maintenance).unwrap_or(Decimal::TWO);
            ((maintenance * ratio).round_dp(RATE_DP).min(Decimal::ONE), maintenance)
        }
        _ => (rules.initial, rules.maintenance),
    }
}

/// Sets every instrument's schedule for this tick:
/// 1. the policy's maintenance fraction: fixed (static, tiered); `multiplier x sigma x sqrt(horizon)` from the EWMA or
///    rolling-window volatility of mark returns (volatility-adaptive); the VaR or ES of a unit position, the worse side
///    (risk-measure); `multiplier x` the forecast horizon volatility (predictive); clamped to `[floor, cap]`;
/// 2. the stress buffer: the fraction in force stays within `[policy, policy x (1 + buffer)]` (never above the cap),
///    moving only when pushed by an edge of that band;
/// 3. the speed limit: a rise of at most `max_increase_per_tick`;
/// 4. initial = maintenance x the scenario's initial-to-maintenance ratio (at most 1);
/// 5. open-interest scaling and the liquidity add-on from this tick's open interest and book.
/// 6. under a predictive policy, the forecast and regime probabilities recorded (`forecasts.csv`).
pub fn set_margin_rates(
    mut engine: ResMut<MarginState>,
    mut instruments: ResMut<Instruments>,
    underlyings: Res<Underlyings>,
    clock: Res<Clock>,
    mut recorder: ResMut<Recorder>,
) {
    let engine = &mut *engine;
    let rules = &engine.rules;
    let controls = Controls { stress_buffer: rules.stress_buffer, max_increase_per_tick: rules.max_increase_per_tick };
    let learned = matches!(rules.policy, MarginPolicy::Predictive { model: VolatilityModel::Learned { .. }, .. });
    for (market, state) in instruments.0.iter_mut().zip(&mut engine.instruments) {
        let r = state.observe(market.mark_price);
        let view = if learned {
            venue_view(market, underlyings.get(market.underlying).oracle_price)
        } else {
            VenueView::default()
        };
        let (target, fell_back) = state.target(&rules.policy, r, &view);
        engine.fallback_ticks += u64::from(fell_back);
        if let Some((forecast, fallback)) = state.forecast {
            let regime = |k: usize| state.regime.as_ref().and_then(|t| t.probabilities.get(k).copied());
            recorder.forecast(ForecastTick {
                tick: clock.tick,
                symbol: market.spec.symbol.clone(),
                forecast,
                fallback,
                regime_0: regime(0),
                regime_1: regime(1),
                regime_2: regime(2),
            });
        }
        let current = market.margin.rates.maintenance;
        if let Some(Target { fraction, floor, cap }) = target
            && let Ok(target) = from_f64(fraction, RATE_STEP, "adaptive maintenance margin")
        {
            let maintenance = controls.next_maintenance(current, target, floor, cap);
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

/// What a learned forecaster sees of `market` this tick, its underlying's oracle at `oracle` (`f64` statistics).
fn venue_view(market: &Instrument, oracle: Decimal) -> VenueView {
    let mark = market.mark_price;
    let band = Decimal::new(1, 2);
    let depth = market.book.depth_within(Side::Buy, mark, band) + market.book.depth_within(Side::Sell, mark, band);
    let spread = match (market.book.best_bid(), market.book.best_ask()) {
        (Some(bid), Some(ask)) if mark > Decimal::ZERO => Some(to_f64(ask - bid) / to_f64(mark)),
        _ => None,
    };
    VenueView {
        depth_1pct: to_f64(depth),
        spread,
        funding_rate: market.flow.funding_rate.map(to_f64),
        open_interest: to_f64(market.open_interest),
        liquidated: to_f64(market.previous_flow.liquidated_notional),
        oracle_deviation: if oracle > Decimal::ZERO { to_f64(mark) / to_f64(oracle) - 1.0 } else { 0.0 },
    }
}

/// The liquidity add-on of `market` at its mark and current book.
fn liquidity_charge(market: &Instrument, multiplier: Decimal) -> Result<LiquidityCharge, money::MoneyError> {
    let mark = market.mark_price;
    Ok(LiquidityCharge {
        multiplier,
        bids: DepthCurve::new(&market.book.levels(Side::Buy), mark)?,
        asks: DepthCurve::new(&market.book.levels(Side::Sell), mark)?,
        beyond: money::mul(market.spec.price_band, mark)?,
    })
}
