//! Resources: the world's singletons (clock, ledger, shocks, margin state, queues); the markets' are in
//! [`crate::market`] and re-exported here.

use bevy_ecs::prelude::*;
use cascade_core::book::Side;
use cascade_core::correlation::Correlation;
use cascade_core::margin::MarginSchedule;
use cascade_core::money::Ledger;
use cascade_core::rng::StreamRng;
use cascade_core::trigger_index::TriggerIndex;
use cascade_core::{AgentId, Decimal, InstrumentId};
use cascade_scenario::{Agents, Shock};
use std::collections::BTreeMap;

pub use crate::market::{
    ContractSpec, Fundamental, Instrument, Instruments, OrderRequest, TickFlow, Underlying, Underlyings,
};
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
        /// Whether the opening order's flow moves the reference (see [`OrderRequest::Market`]).
        ///
        /// [`OrderRequest::Market`]: crate::market::OrderRequest::Market
        moves_reference: bool,
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
    /// Whether herding markets share one herd (the scenario correlates its underlyings): every herding model's share
    /// of fundamentalists follows the first's, so that their volatility regimes move together.
    pub one_herd: bool,
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

/// Accounts found below maintenance margin this tick, in processing order (by the rules' sort key, then agent).
#[derive(Resource, Debug, Clone, Default)]
pub struct LiquidationQueue(pub Vec<AgentId>);

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
