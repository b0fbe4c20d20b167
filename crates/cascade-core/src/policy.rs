//! Margin policies: how a market's maintenance fraction is set each tick from its own mark returns, and the state
//! each policy keeps. Pure and headless: the simulation's margin system observes each mark, asks the policy for its
//! target and applies the anti-procyclicality controls ([`Controls::next_maintenance`]) to the fraction in force.
//!
//! Fractions are of position notional; adaptive fractions are set on a grid of 1e-6 ([`RATE_DP`]).

use crate::forecast::Garch;
use crate::learned::{Learner, VenueView};
use crate::money::to_f64;
use crate::regime::RegimeTracker;
use crate::risk::{Method, estimate};
use crate::stats::{Ewma, root_mean_square};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

mod predictive;

/// Decimal places of margin fractions set by adaptive policies (1e-6).
pub const RATE_DP: u32 = 6;

/// RiskMetrics' daily decay, used by the EWMA fallback of predictive policies.
pub const RISKMETRICS_LAMBDA: f64 = 0.94;

/// One bracket of a tiered policy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bracket {
    /// Largest position notional in the bracket, quote.
    pub max_notional: Decimal,
    /// Maintenance fraction in the bracket.
    pub maintenance_rate: Decimal,
    /// Largest leverage in the bracket (initial margin is notional over it).
    pub max_leverage: Decimal,
}

/// The forecasting model of a predictive policy: of the horizon's volatility, or of a loss quantile.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum VolatilityModel {
    /// GARCH(1,1) fitted by maximum likelihood (variance targeting) on the last `lookback_ticks` mark returns,
    /// refitted every `refit_every_ticks`; between refits the variance is updated with the fitted parameters.
    Garch {
        /// Returns in the fitting window, >= 100.
        #[serde(default = "default::lookback_ticks")]
        lookback_ticks: u32,
        /// Ticks between fits, >= 1.
        #[serde(default = "default::refit_every_ticks")]
        refit_every_ticks: u32,
    },
    /// HAR-RV: realized variance per block of `block_ticks` returns, regressed on its 1-, 5- and 22-block
    /// averages over the last `lookback_blocks` blocks, refitted at each new block.
    Har {
        /// Returns per block (the model's "day"), >= 1.
        #[serde(default = "default::block_ticks")]
        block_ticks: u32,
        /// Blocks in the fitting window, >= 42.
        #[serde(default = "default::lookback_blocks")]
        lookback_blocks: u32,
    },
    /// Markov-switching volatility regimes (`crate::regime`): `regimes` regimes fitted by EM on the last
    /// `lookback_ticks` mark returns, refitted every `refit_every_ticks`, the regime probabilities filtered at each
    /// return; the horizon variance is the predictive mixture's.
    Regime {
        /// Number of regimes, 2 or 3.
        #[serde(default = "default::regimes")]
        regimes: u32,
        /// Returns in the fitting window, at least 100.
        #[serde(default = "default::lookback_ticks")]
        lookback_ticks: u32,
        /// Ticks between fits, >= 1.
        #[serde(default = "default::refit_every_ticks")]
        refit_every_ticks: u32,
        /// What the margin is taken from: absent, the mixture's horizon volatility; `Var(c)` or `Es(c)`, the
        /// mixture's VaR or ES at confidence `c` (the worse of long and short), a loss the multiplier scales.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        measure: Option<LossMeasure>,
    },
    /// A learned forecaster (`crate::learned`): linear quantile regression of the horizon's absolute mark return
    /// at level `quantile` on the venue's features (realized volatility at three windows, depth, spread, funding,
    /// open-interest change, liquidations, oracle deviation), fitted on the last `lookback_ticks` (features,
    /// outcome) pairs once `warmup_ticks` are in, refitted every `refit_every_ticks`. Its forecast is a loss, which
    /// the multiplier scales.
    Learned {
        /// Quantile level of the absolute horizon return, in (0.5, 1).
        #[serde(default = "default::confidence")]
        quantile: f64,
        /// Pairs in the fitting window, >= the warm-up.
        #[serde(default = "default::lookback_ticks")]
        lookback_ticks: u32,
        /// Ticks between fits, >= 1.
        #[serde(default = "default::refit_every_ticks")]
        refit_every_ticks: u32,
        /// Pairs needed before the first fit (the EWMA stands in until then), >= 50.
        #[serde(default = "default::warmup_ticks")]
        warmup_ticks: u32,
    },
}

/// A tail measure of a predictive loss distribution at a confidence in (0.5, 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum LossMeasure {
    /// Value-at-Risk at this confidence.
    Var(f64),
    /// Expected Shortfall at this confidence.
    Es(f64),
}

/// How margin fractions are set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum MarginPolicy {
    /// Fixed `initial` and `maintenance`.
    Static,
    /// Realized-volatility adaptive: maintenance = `multiplier x sigma x sqrt(horizon_ticks)`, with `sigma` the EWMA
    /// (decay `lambda`) volatility of mark log-returns per tick, or with `window_ticks` their rolling-window
    /// volatility, clamped to `[floor, cap]`; initial keeps the scenario's initial-to-maintenance ratio.
    VolatilityAdaptive {
        /// EWMA decay per tick, in (0, 1).
        #[serde(default = "default::lambda")]
        lambda: f64,
        /// Use the rolling-window volatility (root mean square of the last this many mark returns) instead of the
        /// EWMA; at least 2.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window_ticks: Option<u32>,
        /// Liquidation horizon in ticks, >= 1.
        #[serde(default = "default::horizon_ticks_f64")]
        horizon_ticks: f64,
        /// Multiple of the horizon volatility (e.g. 3 for about 99.9% under normality), > 0.
        #[serde(default = "default::multiplier")]
        multiplier: f64,
        /// Lowest maintenance fraction.
        #[serde(default = "default::floor")]
        floor: Decimal,
        /// Highest maintenance fraction.
        #[serde(default = "default::cap")]
        cap: Decimal,
    },
    /// VaR or Expected Shortfall of a unit position over `horizon_ticks`, at `confidence`, estimated each tick from
    /// the mark's log-returns over the last `lookback_ticks` (by `method`; the worse of long and short), clamped to
    /// `[floor, cap]`; initial keeps the scenario's initial-to-maintenance ratio. Until the lookback has
    /// `horizon_ticks + 2` returns, the starting fractions hold.
    RiskMeasure {
        /// How the loss distribution is estimated.
        #[serde(default = "default::method")]
        method: Method,
        /// VaR or ES.
        #[serde(default = "default::measure")]
        measure: RiskMeasureKind,
        /// Confidence, in (0.5, 1).
        #[serde(default = "default::confidence")]
        confidence: f64,
        /// Horizon in ticks, >= 1.
        #[serde(default = "default::horizon_ticks")]
        horizon_ticks: u32,
        /// Returns looked back on, in ticks.
        #[serde(default = "default::lookback_ticks")]
        lookback_ticks: u32,
        /// Lowest maintenance fraction.
        #[serde(default = "default::floor")]
        floor: Decimal,
        /// Highest maintenance fraction.
        #[serde(default = "default::cap")]
        cap: Decimal,
    },
    /// Tiered by position size, as large perpetual venues publish it: brackets of notional with rising
    /// maintenance rates, a maintenance amount that keeps the requirement continuous, and a falling maximum
    /// leverage. The brackets replace `initial` and `maintenance`.
    Tiered {
        /// Brackets in increasing notional; the last one bounds nothing (larger positions stay in it).
        brackets: Vec<Bracket>,
    },
    /// Predictive: maintenance = `multiplier x` the model's forecast over `horizon_ticks` (the mark's volatility,
    /// or for a model that forecasts a loss, that loss), clamped to `[floor, cap]`. When the model cannot be fitted
    /// (too little history, a flat or explosive series) the forecast falls back to a RiskMetrics EWMA (decay 0.94)
    /// of the same returns under normality, in the model's unit (its volatility, VaR, ES or quantile).
    Predictive {
        /// The forecasting model.
        #[serde(default = "default::model")]
        model: VolatilityModel,
        /// Liquidation horizon in ticks, >= 1.
        #[serde(default = "default::horizon_ticks")]
        horizon_ticks: u32,
        /// Multiple of the forecast, > 0 (3 suits a volatility, 1 a loss).
        #[serde(default = "default::multiplier")]
        multiplier: f64,
        /// Lowest maintenance fraction.
        #[serde(default = "default::floor")]
        floor: Decimal,
        /// Highest maintenance fraction.
        #[serde(default = "default::cap")]
        cap: Decimal,
    },
}

/// Which risk measure a policy sets margin to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RiskMeasureKind {
    /// Value-at-Risk.
    Var,
    /// Expected Shortfall.
    Es,
}

/// The documented defaults of policy fields a scenario leaves out (one-minute ticks in mind).
mod default {
    use super::{Method, RiskMeasureKind, VolatilityModel};
    use rust_decimal::Decimal;

    /// EWMA decay: RiskMetrics' 0.94.
    pub fn lambda() -> f64 {
        super::RISKMETRICS_LAMBDA
    }
    /// Liquidation horizon: 60 ticks (an hour of one-minute ticks).
    pub fn horizon_ticks() -> u32 {
        60
    }
    /// Liquidation horizon of the volatility-adaptive policy (a fraction of a tick is allowed there): 60 ticks.
    pub fn horizon_ticks_f64() -> f64 {
        60.0
    }
    /// Multiple of the horizon volatility: 3 (about 99.9% under normality).
    pub fn multiplier() -> f64 {
        3.0
    }
    /// Lowest maintenance fraction: 1%.
    pub fn floor() -> Decimal {
        Decimal::new(1, 2)
    }
    /// Highest maintenance fraction: 30%.
    pub fn cap() -> Decimal {
        Decimal::new(3, 1)
    }
    /// Loss distribution: historical.
    pub fn method() -> Method {
        Method::Historical
    }
    /// Risk measure: Expected Shortfall.
    pub fn measure() -> RiskMeasureKind {
        RiskMeasureKind::Es
    }
    /// Confidence: 99%.
    pub fn confidence() -> f64 {
        0.99
    }
    /// Returns looked back on: 1,440 (a day of one-minute ticks).
    pub fn lookback_ticks() -> u32 {
        1_440
    }
    /// GARCH refits: every 60 ticks.
    pub fn refit_every_ticks() -> u32 {
        60
    }
    /// Pairs a learned forecaster waits for before its first fit: 240.
    pub fn warmup_ticks() -> u32 {
        240
    }
    /// Regimes of a regime-switching model: 2 (calm and stressed).
    pub fn regimes() -> u32 {
        2
    }
    /// HAR-RV block: 30 ticks.
    pub fn block_ticks() -> u32 {
        30
    }
    /// HAR-RV window: 96 blocks (two days of half-hour blocks).
    pub fn lookback_blocks() -> u32 {
        96
    }
    /// Forecasting model: GARCH(1,1) on a day of returns, refitted every 60 ticks.
    pub fn model() -> VolatilityModel {
        VolatilityModel::Garch { lookback_ticks: lookback_ticks(), refit_every_ticks: refit_every_ticks() }
    }
}

impl MarginPolicy {
    /// The floor and cap of an adaptive policy's maintenance fraction (`None` for static and tiered rules).
    pub fn bounds(&self) -> Option<(Decimal, Decimal)> {
        match self {
            MarginPolicy::VolatilityAdaptive { floor, cap, .. }
            | MarginPolicy::RiskMeasure { floor, cap, .. }
            | MarginPolicy::Predictive { floor, cap, .. } => Some((*floor, *cap)),
            _ => None,
        }
    }
}

/// What a margin policy remembers about one market.
#[derive(Debug, Clone)]
pub struct PolicyState {
    /// EWMA of squared mark log-returns per tick (the volatility-adaptive policy, and predictive fallbacks).
    pub volatility: Ewma,
    /// The mark price of the previous tick.
    pub previous_mark: Decimal,
    /// Recent mark log-returns, oldest first (risk-measure and predictive policies).
    pub returns: VecDeque<f64>,
    /// Mark log-returns seen since the start (predictive policies time their refits by it).
    pub returns_seen: u64,
    /// The fitted GARCH(1,1), if the last fit succeeded.
    pub garch: Option<Garch>,
    /// GARCH conditional variance of the next return.
    pub garch_variance: f64,
    /// The HAR-RV forecast of the next block's realized variance, if the last fit succeeded.
    pub har_forecast: Option<f64>,
    /// The regime model and its filtered probabilities, if the last fit succeeded.
    pub regime: Option<RegimeTracker>,
    /// The learned forecaster (created at its first return).
    pub learned: Option<Learner>,
    /// The predictive model's last forecast in its own unit (before the multiplier), and whether it was the
    /// EWMA fallback's.
    pub forecast: Option<(f64, bool)>,
}

/// A policy's maintenance fraction for this tick, before the controls: the model's value (`f64`) and its bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// The model's maintenance fraction.
    pub fraction: f64,
    /// Lowest maintenance fraction.
    pub floor: Decimal,
    /// Highest maintenance fraction.
    pub cap: Decimal,
}

impl PolicyState {
    /// A market's state before its first return: EWMA decay `lambda` (the policy's, or RiskMetrics'), starting at
    /// the calm variance per tick `calm_variance`, and the starting mark.
    pub fn new(lambda: f64, calm_variance: f64, mark: Decimal) -> Self {
        Self {
            volatility: Ewma::new(lambda, calm_variance),
            previous_mark: mark,
            returns: VecDeque::new(),
            returns_seen: 0,
            garch: None,
            garch_variance: calm_variance,
            har_forecast: None,
            regime: None,
            learned: None,
            forecast: None,
        }
    }

    /// Takes this tick's mark: its log-return over the previous mark updates the EWMA and (when finite) the return
    /// history. Returns the log-return.
    pub fn observe(&mut self, mark: Decimal) -> f64 {
        let r = libm::log(to_f64(mark) / to_f64(self.previous_mark));
        self.previous_mark = mark;
        self.volatility.update(r);
        if r.is_finite() {
            self.returns.push_back(r);
            self.returns_seen += 1;
        }
        r
    }

    /// The policy's target after the return `r` was observed (`None` for fixed policies and while a window is too
    /// short), and whether a predictive policy fell back to the EWMA; `view` is what the venue sees of the market
    /// this tick (a learned forecaster's features).
    pub fn target(&mut self, policy: &MarginPolicy, r: f64, view: &VenueView) -> (Option<Target>, bool) {
        let target = |fraction: f64, floor: Decimal, cap: Decimal| Some(Target { fraction, floor, cap });
        match *policy {
            MarginPolicy::Static | MarginPolicy::Tiered { .. } => (None, false),
            MarginPolicy::VolatilityAdaptive { window_ticks, horizon_ticks, multiplier, floor, cap, .. } => {
                let sigma = match window_ticks {
                    Some(window) => {
                        keep_last(&mut self.returns, window as usize);
                        if self.returns.len() < 2 {
                            return (None, false);
                        }
                        root_mean_square(self.returns.make_contiguous())
                    }
                    None => self.volatility.volatility(),
                };
                (target(multiplier * sigma * horizon_ticks.sqrt(), floor, cap), false)
            }
            MarginPolicy::RiskMeasure { method, measure, confidence, horizon_ticks, lookback_ticks, floor, cap } => {
                keep_last(&mut self.returns, lookback_ticks as usize);
                let returns = self.returns.make_contiguous();
                let loss = risk_of_both_sides(returns, method, measure, confidence, horizon_ticks);
                (loss.and_then(|loss| target(loss, floor, cap)), false)
            }
            MarginPolicy::Predictive { model, horizon_ticks, multiplier, floor, cap } => {
                let (forecast, fell_back) = self.forecast(model, r, horizon_ticks, view);
                (target(multiplier * forecast, floor, cap), fell_back)
            }
        }
    }
}

pub(crate) fn keep_last(returns: &mut VecDeque<f64>, n: usize) {
    while returns.len() > n {
        returns.pop_front();
    }
}

/// The larger of a unit long's and a unit short's VaR or ES (`None` while the window is too short).
fn risk_of_both_sides(
    returns: &[f64],
    method: Method,
    measure: RiskMeasureKind,
    confidence: f64,
    horizon: u32,
) -> Option<f64> {
    let short: Vec<f64> = returns.iter().map(|r| -r).collect();
    let long = estimate(returns, confidence, horizon as usize, method).ok()?;
    let short = estimate(&short, confidence, horizon as usize, method).ok()?;
    let pick = |e: crate::risk::Estimate| match measure {
        RiskMeasureKind::Var => e.var,
        RiskMeasureKind::Es => e.es,
    };
    Some(pick(long).max(pick(short)))
}

/// The anti-procyclicality controls applied to a policy's target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Controls {
    /// Stress buffer: in calm the fraction in force may sit up to this fraction above the model's (0 disables).
    pub stress_buffer: Decimal,
    /// Speed limit: the most the maintenance fraction may rise in one tick (0 disables).
    pub max_increase_per_tick: Decimal,
}

impl Controls {
    /// The maintenance fraction in force after `current`, given the model's `target` (already on the rate grid):
    /// the target clamped to `[floor, cap]`; with a stress buffer, `current` kept within
    /// `[model, model x (1 + buffer)]` (never above the cap), so it moves only when an edge of that band pushes it;
    /// with a speed limit, a rise of at most `max_increase_per_tick`.
    pub fn next_maintenance(&self, current: Decimal, target: Decimal, floor: Decimal, cap: Decimal) -> Decimal {
        let model = target.clamp(floor, cap);
        let mut maintenance = if self.stress_buffer > Decimal::ZERO {
            let top = (model * (Decimal::ONE + self.stress_buffer)).round_dp(RATE_DP).min(cap).max(model);
            current.clamp(model, top)
        } else {
            model
        };
        if self.max_increase_per_tick > Decimal::ZERO {
            maintenance = maintenance.min(current + self.max_increase_per_tick);
        }
        maintenance
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn the_controls_by_hand() {
        let (floor, cap) = (dec!(0.01), dec!(0.2));
        let buffer = Controls { stress_buffer: dec!(0.5), max_increase_per_tick: Decimal::ZERO };
        // In force 3%, model 2.5%: the band is [2.5%, 3.75%], so 3% stays.
        assert_eq!(buffer.next_maintenance(dec!(0.03), dec!(0.025), floor, cap), dec!(0.03));
        // Model 1%: the band's top, 1.5%, pushes it down.
        assert_eq!(buffer.next_maintenance(dec!(0.03), dec!(0.01), floor, cap), dec!(0.015));
        // Model 5%: the band's bottom pushes it up at once.
        assert_eq!(buffer.next_maintenance(dec!(0.03), dec!(0.05), floor, cap), dec!(0.05));
        // The band never reaches above the cap: model 19%, band [19%, 20%].
        assert_eq!(buffer.next_maintenance(dec!(0.25), dec!(0.19), floor, cap), dec!(0.2));
        // The model is clamped to [floor, cap] first.
        assert_eq!(buffer.next_maintenance(dec!(0.03), dec!(0.5), floor, cap), dec!(0.2));
        // A speed limit of 10 bp a tick: from 3% towards 5%, 3.1%; falls are not limited.
        let limit = Controls { stress_buffer: Decimal::ZERO, max_increase_per_tick: dec!(0.001) };
        assert_eq!(limit.next_maintenance(dec!(0.03), dec!(0.05), floor, cap), dec!(0.031));
        assert_eq!(limit.next_maintenance(dec!(0.03), dec!(0.01), floor, cap), dec!(0.01));
    }

    #[test]
    fn a_volatility_adaptive_target_is_the_multiple_of_horizon_volatility() {
        // EWMA at a variance of 1e-6 per tick (0.1% volatility), 3 x sqrt(100) x 0.1% = 3%.
        let mut state = PolicyState::new(0.94, 1e-6, dec!(100));
        let policy = MarginPolicy::VolatilityAdaptive {
            lambda: 0.94,
            window_ticks: None,
            horizon_ticks: 100.0,
            multiplier: 3.0,
            floor: dec!(0.01),
            cap: dec!(0.2),
        };
        let r = state.observe(dec!(100));
        assert_eq!(r, 0.0);
        let (target, fell_back) = state.target(&policy, r, &VenueView::default());
        let target = target.unwrap();
        // One zero return decays the variance to 0.94e-6.
        assert!((target.fraction - 3.0 * 10.0 * (0.94e-6f64).sqrt()).abs() < 1e-12, "{target:?}");
        assert!(!fell_back);
        assert_eq!(state.target(&MarginPolicy::Static, r, &VenueView::default()), (None, false));
    }
}
