//! The serde types of a scenario. Every field has a default, so a minimal scenario is a few lines; the defaults
//! describe a BTC-like perpetual with one-minute ticks. Fractions are plain numbers (`0.05` is 5%); amounts of
//! money are in the market's quote currency.

use rust_decimal::Decimal;
use rust_decimal::dec;
use serde::{Deserialize, Serialize};

/// A whole scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawScenario {
    /// Another scenario file this one extends, relative to this file: its fields are the defaults, and the fields
    /// written here replace them (structs are merged field by field; lists and enum values are replaced whole).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// Short name, used in output paths and reports.
    pub name: String,
    /// One-line description, shown by `cascade scenarios`.
    pub description: String,
    /// Base seed of every random stream; `--seed` overrides it.
    pub seed: u64,
    /// Run length in ticks.
    pub ticks: u64,
    /// Length of a tick in seconds of simulated time.
    pub tick_seconds: f64,
    /// The window, hours of simulated time, within which the summary measures the largest increase of the
    /// reference position's margin requirement (procyclicality; `docs/calibration.md`).
    pub procyclicality_window_hours: f64,
    /// The traded perpetual.
    pub market: Market,
    /// The exogenous reference price (the wider market).
    pub reference: Reference,
    /// The oracles that report the reference to the venue.
    pub oracle: Oracle,
    /// Margin fractions.
    pub margin: Margin,
    /// Liquidation settings.
    pub liquidation: Liquidation,
    /// Funding between longs and shorts.
    pub funding: Funding,
    /// The agent populations.
    pub agents: Agents,
    /// Scripted shocks, in any order.
    pub shocks: Vec<Shock>,
    /// Further markets on the same venue, in the same quote currency: each with its own reference price and (unless
    /// given) a copy of `agents`. Accounts margin them together according to `margin.mode`.
    pub other_markets: Vec<OtherMarket>,
    /// Correlation of the markets' reference diffusion shocks, one row per market (`market` first, then
    /// `other_markets` in order). Empty: independent. Portfolio margin nets positions by the same matrix.
    pub correlation: Vec<Vec<f64>>,
}

/// A further market: its contract, its reference price and its traders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OtherMarket {
    /// The contract (its symbol must differ from the other markets').
    pub market: Market,
    /// Its reference price.
    pub reference: Reference,
    /// Its agent populations; the first market's `agents` when absent (without pair traders, which trade the first
    /// two markets and are set in the first market's `agents` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agents: Option<Agents>,
}

impl Default for OtherMarket {
    fn default() -> Self {
        Self {
            market: Market {
                symbol: "ETH-PERP".into(),
                initial_price: dec!(2000),
                tick_size: dec!(0.01),
                ..Market::default()
            },
            reference: Reference::default(),
            agents: None,
        }
    }
}

impl Default for RawScenario {
    fn default() -> Self {
        Self {
            base: None,
            name: "unnamed".into(),
            description: String::new(),
            seed: 1,
            ticks: 2_880,
            tick_seconds: 60.0,
            procyclicality_window_hours: 1.0,
            market: Market::default(),
            reference: Reference::default(),
            oracle: Oracle::default(),
            margin: Margin::default(),
            liquidation: Liquidation::default(),
            funding: Funding::default(),
            agents: Agents::default(),
            shocks: Vec::new(),
            other_markets: Vec::new(),
            correlation: Vec::new(),
        }
    }
}

/// A perpetual futures market quoted in a stable quote currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Market {
    /// Ticker, e.g. `BTC-PERP`.
    pub symbol: String,
    /// Price grid: quote currency per base unit (e.g. 0.1).
    pub tick_size: Decimal,
    /// Quantity grid in base units (e.g. 0.001).
    pub lot_size: Decimal,
    /// Fee paid by the taker, fraction of notional (e.g. 0.0005 = 5 bps).
    pub taker_fee: Decimal,
    /// Fee paid by the maker, fraction of notional; negative for a rebate.
    pub maker_fee: Decimal,
    /// Reference and venue price at tick 0, quote per base.
    pub initial_price: Decimal,
    /// Market-order price protection: a market order (including a liquidation) fills no further than this
    /// fraction from the mark price (0.05 = 5%); the rest is dropped.
    pub price_band: Decimal,
    /// The mark price is clamped to this fraction around the oracle price (0.05 = within 5%); 0 disables.
    pub mark_band: Decimal,
}

impl Default for Market {
    fn default() -> Self {
        Self {
            symbol: "BTC-PERP".into(),
            tick_size: dec!(0.1),
            lot_size: dec!(0.001),
            taker_fee: dec!(0.0005),
            maker_fee: dec!(0.0001),
            initial_price: dec!(30000),
            price_band: dec!(0.05),
            mark_band: dec!(0.05),
        }
    }
}

/// The reference price: a diffusion with optional jumps (or a replayed historical series), plus the permanent price
/// impact of the venue's net taker flow on the wider market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Reference {
    /// How the price moves.
    pub model: ReferenceModel,
    /// Annualized volatility (0.6 = 60%): the diffusion's, the GARCH long-run level, or the calm regime's. Market
    /// makers measure excess volatility against it.
    pub volatility: f64,
    /// Annualized drift of the log price.
    pub drift: f64,
    /// Expected jumps per day.
    pub jumps_per_day: f64,
    /// Mean log-return of a jump.
    pub jump_mean: f64,
    /// Standard deviation of a jump's log-return.
    pub jump_stdev: f64,
    /// Log-return of the reference per 1,000,000 of quote currency of net taker buying on the venue in a tick
    /// (selling moves it down). 0 makes the reference fully exogenous.
    pub flow_impact: f64,
}

impl Default for Reference {
    fn default() -> Self {
        Self {
            model: ReferenceModel::Gbm,
            volatility: 0.6,
            drift: 0.0,
            jumps_per_day: 0.0,
            jump_mean: 0.0,
            jump_stdev: 0.0,
            flow_impact: 0.002,
        }
    }
}

/// How the reference price moves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ReferenceModel {
    /// Geometric Brownian motion at constant `volatility` (plus jumps, if configured).
    Gbm,
    /// GARCH(1,1) volatility: per-tick variance `v(t) = omega + alpha r(t-1)^2 + beta v(t-1)`, with `omega` set so
    /// that the long-run volatility is `volatility`. Volatility clusters after large moves.
    Garch {
        /// Reaction to the last squared return, >= 0.
        alpha: f64,
        /// Persistence, >= 0; `alpha + beta < 1`.
        beta: f64,
    },
    /// Markov regime switching: in regime `i` volatility is `volatility * regimes[i].multiplier`; each tick the
    /// regime ends with probability `1 / mean_duration_ticks` and the next one is drawn uniformly from the others.
    /// The run starts in the first regime.
    RegimeSwitching {
        /// The regimes, at least one.
        regimes: Vec<Regime>,
    },
    /// Replay of a historical series from a CSV file with columns `time` (seconds, increasing) and `price`, relative
    /// to the scenario file. Tick `t` takes the last price at or before `first time + t * tick_seconds`; gaps and
    /// flow impact move the replayed path multiplicatively. Diffusion, jumps and volatility spikes do not apply.
    Replay {
        /// The CSV file.
        file: String,
    },
}

/// A volatility regime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regime {
    /// Volatility multiplier of the regime, > 0.
    pub multiplier: f64,
    /// Expected length of a stay in the regime, ticks, >= 1.
    pub mean_duration_ticks: f64,
}

/// Oracles sample the reference with a delay and noise; the venue's oracle price is their median.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Oracle {
    /// Number of independent oracle sources.
    pub sources: u32,
    /// Delay in ticks: source `i` reports the reference of `delay_ticks + i` ticks ago, so sources disagree.
    pub delay_ticks: u32,
    /// Relative noise of each print (standard deviation, 0.0005 = 5 bps).
    pub noise: f64,
    /// Each source prints every `update_interval_ticks` ticks (staggered by source), at least 1.
    pub update_interval_ticks: u64,
    /// A source whose last accepted print is older than this many ticks is stale and left out of the median; when
    /// every source is stale the oracle price is stale (margin keeps using the last valid price). 0 disables.
    pub staleness_ticks: u64,
    /// Whether the liquidation engine pauses while the oracle price is stale.
    pub pause_liquidations_when_stale: bool,
    /// Deviation guard: a print further than this fraction from the current oracle price is rejected. 0 disables.
    pub max_deviation: f64,
    /// The oracle price is the time-weighted average of the last `twap_ticks` medians (1: no averaging).
    pub twap_ticks: u32,
    /// Confidence guard: each print carries a confidence interval of +-2 noise standard deviations (relative); a
    /// print whose half-width exceeds this fraction is rejected. 0 disables.
    pub max_confidence: f64,
}

impl Default for Oracle {
    fn default() -> Self {
        Self {
            sources: 3,
            delay_ticks: 1,
            noise: 0.0003,
            update_interval_ticks: 1,
            staleness_ticks: 10,
            pause_liquidations_when_stale: true,
            max_deviation: 0.0,
            twap_ticks: 1,
            max_confidence: 0.0,
        }
    }
}

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

pub use cascade_core::policy::{Bracket, MarginPolicy, RiskMeasureKind, VolatilityModel};

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

/// The populations of agents.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Agents {
    /// Market makers quoting depth ladders.
    pub market_makers: MarketMakers,
    /// Arbitrageurs trading the venue towards the reference.
    pub arbitrageurs: Arbitrageurs,
    /// Noise traders.
    pub noise_traders: NoiseTraders,
    /// Leveraged position takers: the population at risk.
    pub leveraged_traders: LeveragedTraders,
    /// Backstop liquidators: vaults that take over deeply underwater positions.
    pub backstop: Backstop,
    /// Relative-value traders: long one of the first two markets and short the other (needs `other_markets`).
    pub pair_traders: PairTraders,
}

/// Pair traders hold a hedge across the first two markets: long the first and short the second (with probability
/// `long_fraction`, else the reverse), each leg half of `leverage x capital` in notional, opened at a tick drawn
/// uniformly in the entry window and held. Under cross or portfolio margin each is one account with two positions;
/// under isolated margin, two accounts with half the capital each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PairTraders {
    /// How many (0: none).
    pub count: u32,
    /// Median collateral, quote currency (log-normal, sigma 0.5).
    pub capital: f64,
    /// Gross notional (both legs) over collateral.
    pub leverage: f64,
    /// Entries are spread uniformly over the first this many ticks.
    pub entry_window_ticks: u64,
    /// Probability that a trader is long the first market and short the second (else the reverse), in [0, 1].
    pub long_fraction: f64,
}

impl Default for PairTraders {
    fn default() -> Self {
        Self { count: 0, capital: 20_000.0, leverage: 8.0, entry_window_ticks: 600, long_fraction: 0.5 }
    }
}

/// A backstop liquidator (a vault with finite capital) takes over a liquidatable position when the account's equity
/// is below `trigger` times its maintenance requirement, or when the book could not take it, at `discount` from the
/// mark; it then unwinds what it holds into the book. When its capital is used up, liquidations go to the book.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Backstop {
    /// How many vaults (0: no backstop).
    pub count: u32,
    /// Collateral of each, quote currency.
    pub capital: Decimal,
    /// Largest position notional as a multiple of equity.
    pub max_leverage: Decimal,
    /// Take over when equity < trigger x maintenance requirement (2/3 on some venues), in [0, 1].
    pub trigger: Decimal,
    /// Take-over price discount from the mark, fraction (the liquidated account sells below / buys above the mark).
    pub discount: Decimal,
    /// Largest notional unwound into the book per tick, quote currency.
    pub unwind_notional: f64,
    /// Worst price of an unwinding order, basis points from the mark.
    pub unwind_slippage_bps: f64,
}

impl Default for Backstop {
    fn default() -> Self {
        Self {
            count: 0,
            capital: dec!(5000000),
            max_leverage: dec!(3),
            trigger: dec!(0.66),
            discount: dec!(0.01),
            unwind_notional: 100_000.0,
            unwind_slippage_bps: 20.0,
        }
    }
}

/// Market makers quote a ladder of limit orders on both sides around the oracle price, refreshed every tick. As
/// realized volatility rises above the reference's own, they widen the spread and pull depth; they skew quotes
/// against their inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarketMakers {
    /// How many.
    pub count: u32,
    /// Collateral of each, quote currency.
    pub capital: Decimal,
    /// Price levels per side.
    pub levels: u32,
    /// Distance between levels, basis points of the oracle price.
    pub level_spacing_bps: f64,
    /// Distance of the first level from the quote centre, basis points.
    pub half_spread_bps: f64,
    /// Notional quoted at each level, quote currency.
    pub level_notional: f64,
    /// How strongly the spread widens with excess volatility: spread x (1 + k (v / v0 - 1)).
    pub spread_sensitivity: f64,
    /// How strongly depth is pulled with excess volatility: depth / (1 + k (v / v0 - 1)).
    pub depth_sensitivity: f64,
    /// Quote-centre skew at the inventory limit, basis points (against the inventory).
    pub inventory_skew_bps: f64,
    /// Inventory (absolute notional) beyond which the side that adds to it is not quoted.
    pub max_inventory: f64,
    /// EWMA decay of the volatility estimate (per tick).
    pub volatility_lambda: f64,
}

impl Default for MarketMakers {
    fn default() -> Self {
        Self {
            count: 4,
            capital: dec!(2000000),
            levels: 15,
            level_spacing_bps: 5.0,
            half_spread_bps: 2.0,
            level_notional: 30_000.0,
            spread_sensitivity: 1.0,
            depth_sensitivity: 1.0,
            inventory_skew_bps: 30.0,
            max_inventory: 3_000_000.0,
            volatility_lambda: 0.97,
        }
    }
}

/// Arbitrageurs see the reference price and trade the venue towards it when the gap exceeds a threshold, with
/// finite capital: they stop adding once their position reaches `max_leverage` times equity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Arbitrageurs {
    /// How many.
    pub count: u32,
    /// Collateral of each, quote currency.
    pub capital: Decimal,
    /// Largest position notional as a multiple of equity.
    pub max_leverage: f64,
    /// Gap between venue and reference that triggers a trade, basis points.
    pub threshold_bps: f64,
    /// Largest notional traded per tick, quote currency.
    pub max_order_notional: f64,
}

impl Default for Arbitrageurs {
    fn default() -> Self {
        Self { count: 3, capital: dec!(2000000), max_leverage: 5.0, threshold_bps: 10.0, max_order_notional: 150_000.0 }
    }
}

/// Noise traders send market orders of random side and log-normal size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoiseTraders {
    /// How many.
    pub count: u32,
    /// Collateral of each, quote currency.
    pub capital: Decimal,
    /// Probability of trading in a tick, in [0, 1].
    pub trade_probability: f64,
    /// Median order notional, quote currency.
    pub order_notional: f64,
    /// Log-standard deviation of the order notional.
    pub order_notional_sigma: f64,
}

impl Default for NoiseTraders {
    fn default() -> Self {
        Self {
            count: 50,
            capital: dec!(200000),
            trade_probability: 0.2,
            order_notional: 10_000.0,
            order_notional_sigma: 1.0,
        }
    }
}

/// Leveraged traders each open one position at a random tick in the entry window, at a leverage drawn from a
/// log-normal distribution (clipped to what initial margin allows), and hold it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LeveragedTraders {
    /// How many.
    pub count: u32,
    /// Median collateral, quote currency.
    pub capital: f64,
    /// Log-standard deviation of collateral.
    pub capital_sigma: f64,
    /// Median leverage (position notional over collateral).
    pub leverage: f64,
    /// Log-standard deviation of leverage.
    pub leverage_sigma: f64,
    /// Probability that a trader goes long, in [0, 1].
    pub long_fraction: f64,
    /// Entries are spread uniformly over ticks `[0, entry_window_ticks)`.
    pub entry_window_ticks: u64,
    /// Mean holding period in ticks (exponentially distributed), after which a trader closes its position with a
    /// market order; 0 holds until liquidated or the end of the run.
    pub holding_ticks: f64,
}

impl Default for LeveragedTraders {
    fn default() -> Self {
        Self {
            count: 3_000,
            capital: 2_000.0,
            capital_sigma: 0.8,
            leverage: 5.0,
            leverage_sigma: 0.5,
            long_fraction: 0.6,
            entry_window_ticks: 1_200,
            holding_ticks: 0.0,
        }
    }
}

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
        }
    }

    /// Whether the shock happens at one tick rather than over a window.
    pub fn is_instantaneous(&self) -> bool {
        matches!(self, ShockKind::PriceGap { .. })
    }
}
