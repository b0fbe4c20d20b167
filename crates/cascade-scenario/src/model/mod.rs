//! The serde types of a scenario. Every field has a default, so a minimal scenario is a few lines; the defaults
//! describe a BTC-like perpetual with one-minute ticks. Fractions are plain numbers (`0.05` is 5%); amounts of
//! money are in the market's quote currency.

use rust_decimal::Decimal;
use rust_decimal::dec;
use serde::{Deserialize, Serialize};

mod agents;
mod chain;
mod options;
mod pool;
mod shocks;
mod venue;
pub use agents::*;
pub use chain::*;
pub use options::*;
pub use pool::*;
pub use shocks::*;
pub use venue::*;

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
    /// European options on the first market's underlying, with their market maker and traders (`None`: no options).
    pub options: Option<Options>,
    /// The chain of a decentralized venue: blocks, gas and keepers (`None`: the venue's engine liquidates every
    /// tick at no cost, as a centralized venue).
    pub chain: Option<Chain>,
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
            options: None,
            chain: None,
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
    /// The mark's middle candidate: 0, the book's mid; N > 0, the oracle price plus the basis (mid less oracle)
    /// averaged over the last N ticks, as Binance marks its perpetuals (a five-minute average), so that the book's
    /// tick-to-tick noise and its lag behind the oracle do not enter the mark.
    pub basis_average_ticks: u32,
    /// A liquidity pool as the counterparty of every trade, instead of a book (`None`: an order book).
    pub pool: Option<Pool>,
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
            basis_average_ticks: 0,
            pool: None,
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
    /// Half-life of the flow impact, ticks (> 0): the impact decays geometrically towards nothing, as order flow's
    /// impact does in real markets (transient impact, Bouchaud et al. 2004). Absent: the impact is permanent.
    pub impact_half_life_ticks: Option<f64>,
    /// Only directional taker flow moves the reference: not that of arbitrageurs, who lay their risk off in the
    /// wider market, nor of market makers re-centring their quotes on the oracle. Both follow the wider market's
    /// price, so counting their flow feeds its own moves back into it as a trend. Default false: every taker's flow.
    pub directional_impact: bool,
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
            impact_half_life_ticks: None,
            directional_impact: false,
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
    /// The wider market as fundamentalists and chartists who switch between the strategies by herding and price
    /// misalignment (Franke and Westerhoff 2012, DCA-HPM; `cascade_core::herding`): volatility clusters with the
    /// chartists' share. Parameters in the model's own units; its moves are scaled so that their long-run standard
    /// deviation is `volatility`. Franke and Westerhoff's estimates on daily S&P 500 returns: phi 0.18, chi 2.30,
    /// sigma_f 0.79, sigma_c 1.91, alpha_0 -0.161, alpha_n 1.3, alpha_p 12.5, beta 1, mu 0.01.
    Herding {
        /// Fundamentalists' reaction to the misalignment, >= 0.
        phi: f64,
        /// Chartists' reaction to the last price change, >= 0.
        chi: f64,
        /// Fundamentalists' demand noise, > 0.
        sigma_f: f64,
        /// Chartists' demand noise, > 0.
        sigma_c: f64,
        /// Predisposition towards fundamentalism (negative: towards chartism).
        alpha_0: f64,
        /// Herding: the pull of the majority, >= 0.
        alpha_n: f64,
        /// Misalignment: the pull back to fundamentals as the price strays, >= 0.
        alpha_p: f64,
        /// Intensity of choice, >= 0.
        beta: f64,
        /// Impact of the aggregate demand on the model's price, > 0.
        mu: f64,
        /// Degrees of freedom (> 2) of a Student's t demand shock (heavy-tailed order flow). Absent: normal. With
        /// correlated markets the shock is the correlated normal.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tail_dof: Option<f64>,
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
    /// Delay in ticks: source `i` reports the reference of `delay_ticks + i * source_lag_ticks` ticks ago.
    pub delay_ticks: u32,
    /// Extra delay of each next source, ticks (default 1, so sources disagree by their lags; 0: every source reads
    /// the same moment and they disagree by their noise only, so the median does not smooth the price).
    pub source_lag_ticks: u32,
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
    /// A push oracle (Chainlink-style): the venue's oracle price is published only when the aggregate moves by more
    /// than a deviation threshold from the last published price, or a heartbeat has passed. Absent: every tick.
    pub push: Option<PushOracle>,
    /// A pull oracle (Pyth-style): the oracle price and its confidence interval are aggregated from the sources'
    /// prints by Pyth's algorithm, and every transaction that needs the price brings the latest one along. Absent:
    /// the plain median. Not with `push`.
    #[serde(default)]
    pub pull: Option<PullOracle>,
}

/// A pull oracle: publishers' prints are aggregated with their confidence (each source's is its two noise standard
/// deviations), and a transaction brings the latest aggregate along.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PullOracle {
    /// On a chain, what bringing the price along adds to each keeper's transaction in a calm chain (the update's
    /// fee and gas), quote currency; it scales with the gas multiplier like the transaction.
    pub update_cost: Decimal,
    /// The widest confidence the venue accepts, fraction of the price: a wider aggregate is not used and the oracle
    /// price is stale until it narrows (the existing staleness rules then apply). 0 disables.
    pub max_confidence: f64,
}

impl Default for PullOracle {
    fn default() -> Self {
        Self { update_cost: Decimal::ZERO, max_confidence: 0.0 }
    }
}

/// When a push oracle publishes a new price.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushOracle {
    /// Publish when the aggregate price differs from the last published one by more than this fraction (0.005 is
    /// Chainlink's 0.5% for BTC/USD on Ethereum), >= 0.
    pub deviation: f64,
    /// Publish at least every this many ticks whatever the move (Chainlink's heartbeat, an hour for BTC/USD), >= 1.
    pub heartbeat_ticks: u64,
    /// On a chain, the most its operator pays for an update transaction, quote currency: while the chain's
    /// transaction cost (the last block's, `chain.gas`) is above it, no update is published, whatever the move or the
    /// heartbeat. Absent (or without a chain): updates always land.
    #[serde(default)]
    pub max_gas_cost: Option<Decimal>,
}

impl Default for Oracle {
    fn default() -> Self {
        Self {
            sources: 3,
            delay_ticks: 1,
            source_lag_ticks: 1,
            noise: 0.0003,
            update_interval_ticks: 1,
            staleness_ticks: 10,
            pause_liquidations_when_stale: true,
            max_deviation: 0.0,
            twap_ticks: 1,
            max_confidence: 0.0,
            push: None,
            pull: None,
        }
    }
}
