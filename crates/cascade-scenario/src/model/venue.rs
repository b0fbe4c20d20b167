//! The venue's rules in a scenario: margin, liquidation and funding.

use rust_decimal::Decimal;
use rust_decimal::dec;
use serde::{Deserialize, Serialize};

/// Margin fractions of notional at the mark price, and how they move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Margin {
    /// Initial margin fraction (0.05: at most 20x leverage); with an adaptive policy, the starting value.
    pub initial: Decimal,
    /// Maintenance margin fraction; below it an account is liquidated. With an adaptive policy, the starting value.
    pub maintenance: Decimal,
    /// How the fractions are set each tick.
    pub policy: MarginPolicy,
    /// How an account's positions in several markets are margined together.
    pub mode: MarginMode,
    /// Square-root size premium (drift protocol-v2's form), per square root of a base unit: each requirement `R`
    /// of a position of `|q|` base units and notional `N` becomes `max(R, 0.8 R + N x size_premium x sqrt(|q|))`.
    /// 0 disables.
    pub size_premium: Decimal,
    /// Open-interest scaling of initial margin (dYdX v4's form): as the market's open interest (quote notional)
    /// moves from `lower` to `upper`, the initial fraction moves linearly from its value to 100%.
    pub open_interest_scaling: Option<OpenInterestScaling>,
    /// Liquidity add-on: both requirements of a position rise by this multiple of the cost of closing it into the
    /// current book (distance from the mark of each level it would take, plus the price band for anything beyond
    /// the book). 0 disables.
    pub liquidity_add_on: Decimal,
    /// Anti-procyclicality buffer (a fraction, 0.25 = 25% as EMIR RTS Article 28 allows): the maintenance fraction
    /// in force stays put while the policy's value moves within `[in force / (1 + buffer), in force]`, so rises are
    /// first absorbed by the buffer (released in stress) and falls rebuild it. 0 disables.
    pub stress_buffer: Decimal,
    /// Anti-procyclicality speed limit: the maintenance fraction may rise by at most this much per tick (an absolute
    /// fraction, 0.0005 = 5 bps per tick); falls are not limited. 0 disables.
    pub max_increase_per_tick: Decimal,
}

impl Default for Margin {
    fn default() -> Self {
        Self {
            initial: dec!(0.05),
            maintenance: dec!(0.025),
            policy: MarginPolicy::Static,
            mode: MarginMode::Cross,
            size_premium: Decimal::ZERO,
            open_interest_scaling: None,
            liquidity_add_on: Decimal::ZERO,
            stress_buffer: Decimal::ZERO,
            max_increase_per_tick: Decimal::ZERO,
        }
    }
}

/// How positions in several markets share collateral.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum MarginMode {
    /// One collateral pool per account; requirements of its positions add up.
    Cross,
    /// One collateral pool per position: a trader holding several markets gets a separate account per market, so
    /// a gain in one cannot support a loss in another.
    Isolated,
    /// One collateral pool per account; signed requirements are netted by the scenario's correlation matrix,
    /// `max(sqrt(r^T C r), (1 - max_offset) x sum |r|)` (see `cascade_core::correlation`).
    Portfolio {
        /// Largest share of the summed stand-alone requirements that offsets may remove, in [0, 1].
        max_offset: Decimal,
    },
}

/// The open-interest band of [`Margin::open_interest_scaling`], quote notional.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenInterestScaling {
    /// Below this open interest, initial margin is unscaled.
    pub lower: Decimal,
    /// At and above this open interest, initial margin is 100% (no new leverage).
    pub upper: Decimal,
}

pub use cascade_core::policy::{Bracket, LossMeasure, MarginPolicy, RiskMeasureKind, VolatilityModel};

/// How a risk-measure policy estimates the loss distribution: `Normal`, `StudentT(dof: V)`, `Historical` or
/// `FilteredHistorical(lambda: L)` (see [`cascade_core::risk::Method`]).
pub use cascade_core::risk::Method as RiskMethod;

/// Liquidation settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Liquidation {
    /// Whether the liquidation engine runs. Off, accounts below maintenance are left open (a counterfactual).
    pub enabled: bool,
    /// Penalty, fraction of the liquidated notional (capped by remaining equity); paid to the insurance fund, less
    /// the liquidator's share when a backstop liquidator takes the position.
    pub fee: Decimal,
    /// The backstop liquidator's share of the penalty, in [0, 1].
    pub liquidator_share: Decimal,
    /// The insurance fund's balance at tick 0, quote currency.
    pub insurance_fund: Decimal,
    /// Close the whole position at once, or in slices.
    pub mode: LiquidationMode,
    /// The order in which liquidatable accounts are processed within a tick.
    pub order: LiquidationOrder,
    /// Largest notional liquidated per tick in the market (quote); 0 means no limit.
    pub max_notional_per_tick: Decimal,
    /// Largest notional liquidated per tick from one account (quote); 0 means no limit.
    pub max_notional_per_account: Decimal,
    /// Who bears a loss beyond the insurance fund.
    pub loss_allocation: LossAllocation,
}

impl Default for Liquidation {
    fn default() -> Self {
        Self {
            enabled: true,
            fee: dec!(0.01),
            liquidator_share: dec!(0.5),
            insurance_fund: dec!(250000),
            mode: LiquidationMode::Full,
            order: LiquidationOrder::MarginRatio,
            max_notional_per_tick: Decimal::ZERO,
            max_notional_per_account: Decimal::ZERO,
            loss_allocation: LossAllocation::Adl,
        }
    }
}

/// How much of a position one liquidation closes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum LiquidationMode {
    /// Close the whole position at once.
    Full,
    /// Close only as much as restores equity to `target` times the initial margin requirement of what remains;
    /// a position above `slice_min_notional` is closed at most `slice_fraction` at a time, with `cooldown_ticks`
    /// between slices.
    Partial {
        /// Multiple of initial margin to restore (1.0 = back to initial margin).
        target: Decimal,
        /// Largest fraction of a large position closed per slice, in (0, 1].
        slice_fraction: Decimal,
        /// Positions below this notional (quote) are closed without slicing.
        slice_min_notional: Decimal,
        /// Ticks between two slices of the same account.
        cooldown_ticks: u64,
    },
}

/// The order in which liquidatable accounts are processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LiquidationOrder {
    /// Lowest equity over maintenance requirement first: the accounts whose bankruptcy price is nearest the oracle.
    MarginRatio,
    /// Largest position notional first.
    Notional,
}

/// Who bears a loss that the insurance fund cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LossAllocation {
    /// Nobody: the loss is booked as bad debt. Liquidation orders are bounded by the price band (a bankrupt
    /// account's not at all).
    BadDebt,
    /// Auto-deleveraging: liquidation orders are bounded by the price at which the insurance fund can still cover
    /// the shortfall; what the book cannot take there is closed against ranked opposite-side winners at that price.
    Adl,
    /// Socialized loss: orders bounded as for ADL; the rest is closed against winners at the mark, and the
    /// shortfall beyond the insurance fund is taken from all winners in proportion to their unrealized profit.
    SocializedLoss,
}

/// Funding: every `interval_ticks` longs pay shorts `quantity * oracle * rate`, the rate being the average premium
/// of the book mid over the oracle price during the interval, clamped to `[-cap, cap]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Funding {
    /// Ticks between funding payments (480 one-minute ticks = 8 hours). 0 disables funding.
    pub interval_ticks: u64,
    /// Largest absolute rate per interval (0.0075 = 0.75%).
    pub cap: Decimal,
}

impl Default for Funding {
    fn default() -> Self {
        Self { interval_ticks: 480, cap: dec!(0.0075) }
    }
}
