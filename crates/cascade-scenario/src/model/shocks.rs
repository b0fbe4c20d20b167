//! Scripted shocks.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A scripted shock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shock {
    /// Tick at which it starts.
    pub at: u64,
    /// How many ticks it lasts (ignored by instantaneous shocks such as a price gap).
    #[serde(default)]
    pub duration: u64,
    /// What happens.
    pub kind: ShockKind,
}

/// The kinds of shock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ShockKind {
    /// The reference price jumps by `change` (a fraction: -0.1 is a 10% drop) at the start tick.
    PriceGap {
        /// Relative change, greater than -1.
        change: f64,
        /// The symbol of the one market it hits; every market when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        market: Option<String>,
    },
    /// The reference price moves by `change` in total, spread evenly (in log terms) over the duration.
    PriceCrash {
        /// Relative change over the window, greater than -1.
        change: f64,
        /// The symbol of the one market it hits; every market when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        market: Option<String>,
    },
    /// Every pairwise correlation of the reference prices' diffusion shocks becomes `correlation` for the duration
    /// (a correlation break: hedges stop hedging). The margin engine keeps the scenario's matrix.
    CorrelationBreak {
        /// The correlation in force, in `[-1 / (markets - 1), 1]`.
        correlation: f64,
    },
    /// Market makers quote spreads `multiplier` times wider for the duration.
    SpreadWidening {
        /// Spread multiplier, >= 1.
        multiplier: f64,
    },
    /// Arbitrageurs commit only `1 - fraction` of their capital and order size for the duration.
    ArbitrageWithdrawal {
        /// Fraction withdrawn, in [0, 1].
        fraction: f64,
    },
    /// `rate` is added to every funding rate paid during the window (positive: longs pay more).
    FundingSpike {
        /// Extra funding rate per interval, fraction.
        rate: Decimal,
    },
    /// A wave of new leveraged traders (crowding): `count` more accounts open positions uniformly over the window,
    /// drawn like `agents.leveraged_traders` but with this capital, leverage and direction.
    LeverageWave {
        /// How many new accounts.
        count: u32,
        /// Median collateral, quote currency.
        capital: f64,
        /// Median leverage.
        leverage: f64,
        /// Probability of going long, in [0, 1].
        long_fraction: f64,
    },
    /// Market makers pull `fraction` of their depth for the duration.
    DepthWithdrawal {
        /// Fraction of depth withdrawn, in [0, 1].
        fraction: f64,
    },
    /// The reference volatility is multiplied by `multiplier` for the duration.
    VolatilitySpike {
        /// Volatility multiplier, positive.
        multiplier: f64,
    },
    /// Oracle sources stop printing for the duration (an outage, or a frozen feed): the oracle price goes stale.
    OracleFreeze,
    /// Oracle sources report the reference `ticks` later than usual for the duration.
    OracleLag {
        /// Extra delay in ticks.
        ticks: u32,
    },
    /// Oracle sources become `multiplier` times noisier for the duration, and say so: their confidence intervals
    /// widen by the same factor.
    OracleUncertainty {
        /// Noise and confidence multiplier, positive.
        multiplier: f64,
    },
    /// The first `sources` oracle sources print `(1 + change)` times the true value for the duration (a bad print
    /// or a manipulated feed).
    OracleBadPrint {
        /// Relative error of the bad prints, greater than -1.
        change: f64,
        /// How many sources print badly, at least 1.
        sources: u32,
    },
    /// The options' implied-volatility surface moves up by `points` of volatility at both ends (0.2: twenty points)
    /// at the start tick, and stays moved (needs `options`).
    VolSurfaceShift {
        /// Volatility added, annual, as a fraction; the result stays above 1%.
        points: f64,
    },
    /// The surface's skew steepens: `rho` falls by `change` (puts dearer against calls), held within the
    /// no-arbitrage bound (needs `options`).
    SkewSteepening {
        /// Decrease of `rho`, positive steepens a put skew.
        change: f64,
    },
    /// The surface's term structure inverts: the short end rises by `points` of volatility, the long end is held
    /// (needs `options`).
    TermInversion {
        /// Volatility added at the short end, annual, as a fraction.
        points: f64,
    },
    /// The chain is congested: every transaction costs `multiplier` times as much for `duration` ticks (needs
    /// `chain`).
    Congestion {
        /// Multiplier on the gas cost, at least 1.
        multiplier: f64,
    },
}

impl ShockKind {
    /// A short name for logs: `price_gap`, `depth_withdrawal`, `volatility_spike`.
    pub fn name(&self) -> &'static str {
        match self {
            ShockKind::PriceGap { .. } => "price_gap",
            ShockKind::PriceCrash { .. } => "price_crash",
            ShockKind::SpreadWidening { .. } => "spread_widening",
            ShockKind::ArbitrageWithdrawal { .. } => "arbitrage_withdrawal",
            ShockKind::FundingSpike { .. } => "funding_spike",
            ShockKind::LeverageWave { .. } => "leverage_wave",
            ShockKind::DepthWithdrawal { .. } => "depth_withdrawal",
            ShockKind::VolatilitySpike { .. } => "volatility_spike",
            ShockKind::OracleFreeze => "oracle_freeze",
            ShockKind::OracleLag { .. } => "oracle_lag",
            ShockKind::OracleUncertainty { .. } => "oracle_uncertainty",
            ShockKind::OracleBadPrint { .. } => "oracle_bad_print",
            ShockKind::CorrelationBreak { .. } => "correlation_break",
            ShockKind::VolSurfaceShift { .. } => "vol_surface_shift",
            ShockKind::SkewSteepening { .. } => "skew_steepening",
            ShockKind::TermInversion { .. } => "term_inversion",
            ShockKind::Congestion { .. } => "congestion",
        }
    }

    /// Whether the shock happens at one tick rather than over a window.
    pub fn is_instantaneous(&self) -> bool {
        matches!(
            self,
            ShockKind::PriceGap { .. }
                | ShockKind::VolSurfaceShift { .. }
                | ShockKind::SkewSteepening { .. }
                | ShockKind::TermInversion { .. }
        )
    }
}
