//! Resources: the world's singletons (clock, underlyings and instruments, ledger, shocks, recorders).

use bevy_ecs::prelude::*;
use cascade_core::activity::SelfExciting;
use cascade_core::book::{OrderBook, Side};
use cascade_core::correlation::Correlation;
use cascade_core::instrument::{InstrumentKind, Valuation};
use cascade_core::margin::MarginSchedule;
use cascade_core::money::Ledger;
use cascade_core::process::ReferenceProcess;
use cascade_core::rng::StreamRng;
use cascade_core::stats::Ewma;
use cascade_core::trigger_index::TriggerIndex;
use cascade_core::{AgentId, Decimal, InstrumentId, UnderlyingId};
use cascade_scenario::{Agents, Shock};
use std::collections::{BTreeMap, VecDeque};

pub use crate::options::OptionMark;

/// The simulation clock.
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct Clock {
    /// The tick being computed (0-based); advanced after the metrics of a tick are recorded.
    pub tick: u64,
    /// Run length in ticks.
    pub ticks: u64,
    /// Seconds of simulated time per tick.
    pub tick_seconds: f64,
}

/// Static parameters of an instrument's contract.
#[derive(Debug, Clone)]
pub struct ContractSpec {
    /// Ticker.
    pub symbol: String,
    /// Price grid, quote per unit.
    pub tick_size: Decimal,
    /// Quantity grid, units.
    pub lot_size: Decimal,
    /// Taker fee, fraction of notional.
    pub taker_fee: Decimal,
    /// Maker fee, fraction of notional (negative: rebate).
    pub maker_fee: Decimal,
    /// Market orders fill no further than this fraction from the mark price.
    pub price_band: Decimal,
    /// The mark is clamped to this fraction around the oracle price (0: no clamp).
    pub mark_band: Decimal,
    /// Ticks over which the mark averages the basis (0: the mark takes the mid itself).
    pub basis_average_ticks: usize,
    /// Liquidation penalty, fraction of liquidated notional, paid to the insurance fund.
    pub liquidation_fee: Decimal,
    /// Funding interval in ticks (0: no funding).
    pub funding_interval: u64,
    /// Funding rate cap per interval.
    pub funding_cap: Decimal,
}

/// What an agent asks the venue to do. Requests queue in the instrument's inbox and are matched in arrival order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderRequest {
    /// Fill up to `quantity` against the book, no worse than `limit` if given; the rest is dropped.
    Market {
        /// Who sends it.
        agent: AgentId,
        /// Direction.
        side: Side,
        /// Base units, on the lot grid.
        quantity: Decimal,
        /// Worst acceptable price.
        limit: Option<Decimal>,
    },
    /// Fill what crosses at `price` or better, rest the remainder.
    Limit {
        /// Who sends it.
        agent: AgentId,
        /// Direction.
        side: Side,
        /// Limit price, on the tick grid.
        price: Decimal,
        /// Base units, on the lot grid.
        quantity: Decimal,
    },
    /// Cancel every resting order of `agent`.
    CancelAll {
        /// Whose orders.
        agent: AgentId,
    },
}

impl ContractSpec {
    /// The worst price a market order on `side` may fill at, given the mark: `mark * (1 +- price_band)`.
    pub fn protected_limit(&self, side: Side, mark: Decimal) -> Decimal {
        let band = match side {
            Side::Buy => Decimal::ONE + self.price_band,
            Side::Sell => Decimal::ONE - self.price_band,
        };
        (mark * band).round_dp(self.tick_size.scale())
    }
}

/// Flow through an instrument during one tick.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TickFlow {
    /// Quantity traded, units.
    pub volume: Decimal,
    /// Quote notional traded.
    pub notional: Decimal,
    /// Net taker buying minus selling, quote notional (f64: feeds price impact, a statistic).
    pub net_taker_notional: f64,
    /// Accounts liquidated (liquidation orders sent).
    pub liquidations: u32,
    /// Notional closed by liquidations, quote.
    pub liquidated_notional: Decimal,
    /// Orders rejected for insufficient initial margin.
    pub rejected_orders: u32,
    /// Notional taken over by backstop liquidators, quote.
    pub backstop_notional: Decimal,
    /// Notional closed against winners by deleveraging, quote.
    pub deleveraged_notional: Decimal,
    /// Loss taken from winners by socialization, quote.
    pub socialized_loss: Decimal,
    /// Funding rate applied this tick, if funding happened.
    pub funding_rate: Option<Decimal>,
}

/// An underlying: the wider market's reference price, the oracles that report it, and the venue's oracle price.
/// Instruments are written on it.
#[derive(Debug, Clone)]
pub struct Underlying {
    /// Its id (its index in [`Underlyings`]).
    pub id: UnderlyingId,
    /// Its name in the scenario (shocks aimed at a market name it).
    pub symbol: String,
    /// The oracle price's grid, quote per unit.
    pub price_step: Decimal,
    /// The exogenous reference price process.
    pub reference: ReferenceProcess,
    /// The reference process's random stream.
    pub reference_rng: StreamRng,
    /// Recent reference prices, newest first (oracles read delayed values from here).
    pub reference_history: VecDeque<f64>,
    /// How many reference prices to keep: the longest oracle delay plus one.
    pub history_len: usize,
    /// A scripted log-return gap to apply at the next reference step.
    pub pending_gap: f64,
    /// Log-return of the reference per 1,000,000 quote of net taker buying in a tick, on its instruments.
    pub flow_impact: f64,
    /// The share of the flow impact that survives a tick: `0.5^(1 / half-life)`, or 1 for a permanent impact.
    pub impact_retention: f64,
    /// The flow impact accumulated in the reference's log price, less what has decayed.
    pub transient_impact: f64,
    /// Net taker notional of its instruments in the previous tick (less that of price followers, see
    /// [`AgentIndex::price_followers`]), which moves this tick's reference.
    pub previous_net_taker_notional: f64,
    /// Volatility of the reference per tick in calm conditions (market makers compare against it).
    pub calm_volatility_per_tick: f64,
    /// The venue's oracle price: the (time-averaged) median of fresh oracle prints, on the price grid.
    pub oracle_price: Decimal,
    /// Whether no oracle source is fresh: the oracle price is the last valid one.
    pub oracle_stale: bool,
    /// Tick at which a push oracle last published (0 at the start).
    pub oracle_published_at: u64,
    /// Recent medians of fresh prints, newest last, for the TWAP.
    pub oracle_medians: VecDeque<Decimal>,
    /// How many medians the oracle price averages.
    pub twap_ticks: usize,
    /// Oracle prints rejected by a guard this tick.
    pub oracle_rejections: u32,
}

/// Every underlying of the world, indexed by [`UnderlyingId`].
#[derive(Resource, Debug, Clone, Default)]
pub struct Underlyings(pub Vec<Underlying>);

impl Underlyings {
    /// The underlying with this id.
    pub fn get(&self, id: UnderlyingId) -> &Underlying {
        &self.0[usize::from(id.0)]
    }
}

/// The venue's state for one instrument: its contract, book, mark, margin schedule and flow.
#[derive(Debug, Clone)]
pub struct Instrument {
    /// Its id (its index in [`Instruments`]).
    pub id: InstrumentId,
    /// The underlying it is written on.
    pub underlying: UnderlyingId,
    /// What kind of contract it is (how a position in it is valued).
    pub kind: InstrumentKind,
    /// Static parameters.
    pub spec: ContractSpec,
    /// The limit order book.
    pub book: OrderBook,
    /// Mark price used for margin: median of oracle, book mid and last trade.
    pub mark_price: Decimal,
    /// How positions are margined this tick (the margin policy sets its fractions before the margin check).
    pub margin: MarginSchedule,
    /// Price of the most recent trade.
    pub last_trade: Option<Decimal>,
    /// Open interest: sum of long quantities, units.
    pub open_interest: Decimal,
    /// Requests waiting for the matching engine.
    pub inbox: Vec<OrderRequest>,
    /// This tick's flow.
    pub flow: TickFlow,
    /// The previous tick's flow (what a learned margin forecaster sees of recent liquidations).
    pub previous_flow: TickFlow,
    /// Sum of `(mid - oracle) / oracle` over the current funding interval.
    pub premium_sum: f64,
    /// Number of ticks summed in `premium_sum`.
    pub premium_count: u32,
    /// EWMA of squared log-returns of the mark price, per tick.
    pub mark_volatility: Ewma,
    /// The last `basis_average_ticks` bases (mid less oracle price, quote per unit), oldest first.
    pub basis: VecDeque<Decimal>,
    /// The noise traders' self-exciting trade rate, trades per tick (`None`: each trades independently).
    pub noise_activity: Option<SelfExciting>,
    /// The last marks as numbers, oldest first, as many as the longest trend a trend follower watches (plus one).
    pub mark_history: VecDeque<f64>,
    /// How many marks `mark_history` keeps (0: none).
    pub mark_history_len: usize,
    /// The fundamentalists' fundamental value (the oracle price's running average, quote per unit) and the share of
    /// it each tick keeps, `0.5^(1 / half-life)` (`None`: no fundamentalists).
    pub fundamental: Option<Fundamental>,
    /// An option's surface values as of its last mark (`None`: not an option).
    pub option: Option<OptionMark>,
}

/// A running average of the oracle price with a half-life: what fundamentalists take the value to be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fundamental {
    /// The average, quote per unit.
    pub value: f64,
    /// The share of the average a tick keeps.
    pub retention: f64,
}

impl Instrument {
    /// A new instrument with an empty book, no flow and no trade yet, marked at `mark` and margined by `margin`;
    /// the state only some kinds or populations keep (noise activity, mark history, fundamental value, option
    /// marks) starts empty.
    pub fn new(
        id: InstrumentId,
        underlying: UnderlyingId,
        kind: InstrumentKind,
        spec: ContractSpec,
        mark_price: Decimal,
        margin: MarginSchedule,
        mark_volatility: Ewma,
    ) -> Self {
        let basis = VecDeque::with_capacity(spec.basis_average_ticks);
        Self {
            id,
            underlying,
            kind,
            spec,
            book: OrderBook::new(),
            mark_price,
            margin,
            last_trade: None,
            open_interest: Decimal::ZERO,
            inbox: Vec::new(),
            flow: TickFlow::default(),
            previous_flow: TickFlow::default(),
            premium_sum: 0.0,
            premium_count: 0,
            mark_volatility,
            basis,
            noise_activity: None,
            mark_history: VecDeque::new(),
            mark_history_len: 0,
            fundamental: None,
            option: None,
        }
    }

    /// What values a position in it now: its kind, underlying and mark.
    pub fn valuation(&self) -> Valuation {
        Valuation { kind: self.kind, underlying: self.underlying, mark: self.mark_price }
    }
}

/// Every instrument of the world, indexed by [`InstrumentId`].
#[derive(Resource, Debug, Clone, Default)]
pub struct Instruments(pub Vec<Instrument>);

impl Instruments {
    /// The instrument with this id.
    pub fn get(&self, id: InstrumentId) -> &Instrument {
        &self.0[usize::from(id.0)]
    }

    /// The instrument with this id, mutably.
    pub fn get_mut(&mut self, id: InstrumentId) -> &mut Instrument {
        &mut self.0[usize::from(id.0)]
    }

    /// What values a position in instrument `id` now.
    pub fn valuation(&self, id: InstrumentId) -> Valuation {
        self.get(id).valuation()
    }
}

/// The ledger's sinks and deposits.
#[derive(Resource, Debug, Clone, Default)]
pub struct VenueLedger(pub Ledger);

/// Maps agent ids to entities (dense: index = id), and notes which accounts were handed out for change this tick
/// (the margin index re-prices exactly those).
#[derive(Resource, Debug, Clone, Default)]
pub struct AgentIndex {
    /// Entity of each agent, by id.
    pub entities: Vec<Entity>,
    /// Agents whose account may have changed since the last margin check.
    pub touched: Vec<AgentId>,
    /// Every account may have changed (funding was paid): the margin index must be rebuilt.
    pub all_touched: bool,
    /// Agents whose taker flow does not move the reference, sorted: the market makers and arbitrageurs of markets
    /// whose reference moves with directional flow only.
    pub price_followers: Vec<AgentId>,
}

impl AgentIndex {
    /// The entity of `agent`.
    pub fn entity(&self, agent: AgentId) -> Entity {
        self.entities[agent.0 as usize]
    }

    /// Whether `agent`'s taker flow follows the wider market's price rather than moving it.
    pub fn follows_price(&self, agent: AgentId) -> bool {
        self.price_followers.binary_search(&agent).is_ok()
    }
}

/// A leveraged trader's planned action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlannedTrade {
    /// Open a position of `collateral * leverage` notional on `side` in `instrument`.
    Open {
        /// The instrument.
        instrument: InstrumentId,
        /// Direction.
        side: Side,
        /// Position notional over collateral.
        leverage: Decimal,
    },
    /// Close whatever position is left.
    Close,
}

/// What leveraged traders do when: tick -> `(agent, action)`, in agent-id order within a tick.
#[derive(Resource, Debug, Clone, Default)]
pub struct TradeSchedule(pub BTreeMap<u64, Vec<(AgentId, PlannedTrade)>>);

/// Behaviour parameters of the populations trading each instrument, as the scenario gives them (index: instrument).
#[derive(Resource, Debug, Clone)]
pub struct Populations(pub Vec<Agents>);

impl Populations {
    /// The populations trading `instrument`.
    pub fn of(&self, instrument: InstrumentId) -> &Agents {
        &self.0[usize::from(instrument.0)]
    }
}

/// Correlation of the underlyings' reference shocks: the scenario's matrix, the one in force (a correlation break
/// replaces it for a while), and the stream of the common draws.
#[derive(Resource, Debug, Clone)]
pub struct Correlations {
    /// The scenario's matrix (also what portfolio margin nets by).
    pub scenario: Correlation,
    /// The matrix the reference prices move by now.
    pub in_force: Correlation,
    /// Whether the shocks are drawn jointly (several underlyings and a matrix given, or a break in force).
    pub joint: bool,
    /// The stream of the independent normals that `in_force` correlates.
    pub rng: StreamRng,
}

/// Oracle disruptions in force.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OracleDisruption {
    /// Sources do not print.
    pub frozen: bool,
    /// Extra delay of every source, ticks.
    pub extra_delay: u32,
    /// Multiplier on every source's noise and confidence interval (1: normal).
    pub uncertainty: f64,
    /// The first `n` sources print `(1 + change)` times the true value: `(change, n)`.
    pub bad_print: Option<(f64, u32)>,
}

impl Default for OracleDisruption {
    fn default() -> Self {
        Self { frozen: false, extra_delay: 0, uncertainty: 1.0, bad_print: None }
    }
}

/// The shock timeline and the shocks in force this tick.
#[derive(Resource, Debug, Clone)]
pub struct Shocks {
    /// Every scripted shock, sorted by start tick.
    pub timeline: Vec<Shock>,
    /// Fraction of market-maker depth withdrawn now, in [0, 1].
    pub depth_withdrawal: f64,
    /// Multiplier on reference volatility now.
    pub volatility_multiplier: f64,
    /// Multiplier on market makers' spreads now.
    pub spread_multiplier: f64,
    /// Fraction of arbitrage capital still committed now, in [0, 1].
    pub arbitrage_kept: f64,
    /// Extra funding rate added to rates paid now.
    pub funding_extra: Decimal,
    /// Oracle disruptions now.
    pub oracle: OracleDisruption,
}

impl Shocks {
    /// A timeline with nothing in force yet.
    pub fn new(timeline: Vec<Shock>) -> Self {
        Self {
            timeline,
            depth_withdrawal: 0.0,
            volatility_multiplier: 1.0,
            spread_multiplier: 1.0,
            arbitrage_kept: 1.0,
            funding_extra: Decimal::ZERO,
            oracle: OracleDisruption::default(),
        }
    }
}

/// The oracle safety rules.
#[derive(Resource, Debug, Clone)]
pub struct OracleRules(pub cascade_scenario::Oracle);

/// Accounts found below maintenance margin this tick, in processing order: `(sort key, agent)`.
#[derive(Resource, Debug, Clone, Default)]
pub struct LiquidationQueue(pub Vec<(Decimal, AgentId)>);

/// The margin rules in force and the state their policy keeps for each instrument: what sets the margin
/// fractions each tick.
#[derive(Resource, Debug, Clone)]
pub struct MarginState {
    /// The margin rules: policy, premiums, add-ons, anti-procyclicality controls and the account mode.
    pub rules: cascade_scenario::Margin,
    /// Initial over maintenance fraction, kept by adaptive policies.
    pub initial_ratio: Decimal,
    /// The policy's state for each instrument (index: instrument).
    pub instruments: Vec<cascade_core::policy::PolicyState>,
    /// What portfolio margin nets positions by (the scenario's correlation matrix of the underlyings).
    pub correlation: Correlation,
    /// Instrument-ticks on which a predictive policy fell back to the EWMA forecast.
    pub fallback_ticks: u64,
    /// The scenario grid that margins accounts holding options (`None`: the world lists none).
    pub options: Option<crate::options::OptionMargin>,
}

/// The margin check's index of liquidation prices (see [`cascade_core::trigger_index`]).
#[derive(Resource, Debug, Clone, Default)]
pub struct MarginIndex {
    /// One index per instrument.
    pub instruments: Vec<TriggerIndex>,
    /// The schedule each instrument's index was built with (`None`: not built, or stale).
    pub built_with: Vec<Option<MarginSchedule>>,
    /// Each instrument's schedule at the previous check (an index is rebuilt only once it stops moving).
    pub previous: Vec<Option<MarginSchedule>>,
    /// Margin checks that used the index, and that scanned every account (for benchmarks and tests).
    pub indexed_checks: u64,
    /// Margin checks that scanned every account.
    pub full_scans: u64,
    /// The accounts holding options, by book (`None`: not built yet, or stale).
    pub books: Option<cascade_core::book_groups::BookGroups>,
}

/// The liquidation engine's rules.
#[derive(Resource, Debug, Clone)]
pub struct LiquidationRules(pub cascade_scenario::Liquidation);

/// The tick of each account's latest liquidation slice (for the partial-liquidation cooldown).
#[derive(Resource, Debug, Clone, Default)]
pub struct LastLiquidation(pub BTreeMap<AgentId, u64>);

/// Each instrument's ADL queue as of its last use (index: instrument; `None` until first used): built from every
/// account on the first use in a tick, then brought up to date with the accounts changed since.
#[derive(Resource, Debug, Clone, Default)]
pub struct AdlQueues(pub Vec<Option<TickQueue>>);

/// An ADL queue and what it has seen.
#[derive(Debug, Clone)]
pub struct TickQueue {
    /// The tick it was built in (the marks it ranks at are that tick's).
    pub tick: u64,
    /// How many entries of [`AgentIndex::touched`] it has taken in.
    pub seen: usize,
    /// The queue.
    pub queue: cascade_core::adl_queue::AdlQueue,
}

/// Whether the ledger is audited every tick (always in debug builds; on demand in release).
#[derive(Resource, Debug, Clone, Copy)]
pub struct Audit {
    /// Audit after every tick.
    pub every_tick: bool,
}

/// Errors raised inside systems; the simulation stops at the end of the tick that raised one.
#[derive(Resource, Debug, Default)]
pub struct Faults(pub Vec<crate::SimError>);
