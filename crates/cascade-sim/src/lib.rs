//! The cascade simulation: a bevy_ecs world of traders, market makers, oracles, a matching venue, a margin engine
//! and a liquidation engine, stepped tick by tick in the order declared in [`schedule`].
//!
//! The domain arithmetic lives in `cascade_core`; this crate wires it into systems. It knows nothing of any user
//! interface: the CLI and the GUI both drive a [`Simulation`].
//!
//! ```
//! let scenario = cascade_scenario::load_str("doc", "(name: \"doc\", ticks: 50)").unwrap();
//! let mut sim = cascade_sim::Simulation::new(&scenario, 7).unwrap();
//! sim.run(|_, _| {}).unwrap();
//! assert_eq!(sim.records().len(), 50);
//! ```

pub mod batch;
pub mod build;
pub mod chain;
pub mod components;
mod decimal_text;
pub mod frames;
pub mod health;
pub mod market;
pub mod memory;
pub mod options;
pub mod output;
pub mod pool;
pub mod record;
pub mod recorder;
pub mod resources;
pub mod runner;
pub mod schedule;
pub mod summary;
pub mod systems;

use crate::components::Account;
use crate::record::{Event, TickRecord};
use crate::recorder::{Recorder, Recording};
use crate::resources::{Audit, Clock, Faults, Instruments, VenueLedger};
use crate::summary::Summary;
use bevy_ecs::prelude::*;
use cascade_core::margin::MarginRates;
use cascade_core::money::{ConservationError, Ledger, MoneyError};
use cascade_core::{AgentId, Decimal, InstrumentId};
use cascade_scenario::Scenario;

/// Why a simulation could not go on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// Money arithmetic failed.
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// The world would not fit in the memory available (refused before it is built).
    #[error(transparent)]
    TooLarge(#[from] memory::TooLarge),
    /// The ledger does not add up.
    #[error(transparent)]
    Conservation(#[from] ConservationError),
    /// Open quantities in an instrument do not net to zero.
    #[error("open quantities in instrument {} net to {quantity}, not zero", instrument.0)]
    OpenQuantity {
        /// The instrument.
        instrument: InstrumentId,
        /// The net quantity.
        quantity: Decimal,
    },
    /// An amount in the ledger is off the booking grid (more than `money::BOOKING_DP` decimal places).
    #[error("{what} of {amount} is off the booking grid (at most 8 decimal places)")]
    OffGrid {
        /// What holds it (an account's collateral or cost basis, a sink).
        what: String,
        /// The amount.
        amount: Decimal,
    },
    /// The scenario cannot be built (for example, its replay file is unreadable).
    #[error("scenario: {0}")]
    Scenario(String),
    /// A record could not be written to the run's output.
    #[error("writing records: {0}")]
    Output(String),
    /// The margin index and a full scan disagree on which accounts are liquidatable (a bug; audited runs only).
    #[error("the margin index missed liquidatable accounts in instrument {}", instrument.0)]
    IndexMismatch {
        /// The instrument.
        instrument: InstrumentId,
    },
    /// A close-out the book was judged to refuse closed something when run in full (a bug; audited runs only).
    #[error("account {} was judged refused by the book but its close-out closed a position", account.0)]
    RefusalMismatch {
        /// The liquidated account.
        account: AgentId,
    },
    /// An order or fill names an agent the world does not have.
    #[error("no account for agent {0}")]
    UnknownAgent(AgentId),
}

/// Counters of the margin engine's work (see [`Simulation::margin_engine_stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MarginEngineStats {
    /// Instrument-ticks checked through the index of liquidation prices.
    pub indexed_checks: u64,
    /// Instrument-ticks checked by scanning every account (the schedule moved, or has no closed form).
    pub full_scans: u64,
    /// Ticks on which a predictive policy could not fit its model and used the EWMA forecast.
    pub forecast_fallback_ticks: u64,
}

/// One instrument as a front end shows it: its symbol, its book and the margin fractions in force.
#[derive(Debug, Clone, PartialEq)]
pub struct InstrumentState {
    /// The instrument's symbol.
    pub symbol: String,
    /// Mark price now (the one margin is computed at), quote per unit.
    pub mark: Decimal,
    /// Bids then asks, best first, `(price, quantity)`.
    pub book: [Vec<(Decimal, Decimal)>; 2],
    /// Margin fractions in force (with a tiered policy, its first bracket's).
    pub margin: MarginRates,
}

/// One option series as a front end shows it: its symbol, premium mark, open interest and what it was marked from.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionSeriesState {
    /// The series' symbol (`BTC-7D-27000-P`).
    pub symbol: String,
    /// Call or put.
    pub right: cascade_core::option::OptionKind,
    /// Strike, quote per unit.
    pub strike: Decimal,
    /// Its premium mark, quote per unit.
    pub mark: Decimal,
    /// Options open, units of the underlying.
    pub open_interest: Decimal,
    /// The underlying price, surface volatility, time to expiry and delta it was marked at.
    pub surface: resources::OptionMark,
}

/// One world and its tick schedule.
pub struct Simulation {
    world: World,
    schedule: Schedule,
    scenario_name: String,
    seed: u64,
}

impl Simulation {
    /// Builds the world of `scenario` seeded with `seed` (the scenario's own `seed` field is not used here; callers
    /// pass it or an override), keeping every record in memory.
    pub fn new(scenario: &Scenario, seed: u64) -> Result<Self, SimError> {
        Self::with_recording(scenario, seed, Recording::Memory)
    }

    /// As [`Simulation::new`], keeping what `recording` asks for: every record in memory, a stream to a sink, or
    /// only the summary.
    /// A world too large for the memory available is refused before it is built ([`memory`]).
    pub fn with_recording(scenario: &Scenario, seed: u64, recording: Recording) -> Result<Self, SimError> {
        memory::check([scenario], 1, memory::available())?;
        let mut world = build::build_world(scenario, seed)?;
        world.insert_resource(Recorder::new(recording, summary::SummaryBuilder::for_scenario(scenario)));
        Ok(Self { world, schedule: schedule::tick_schedule(), scenario_name: scenario.name.clone(), seed })
    }

    /// Runs one tick. Fails if a system raised a fault (the world is then left as the faulty tick made it).
    pub fn step(&mut self) -> Result<(), SimError> {
        self.schedule.run(&mut self.world);
        match self.world.resource_mut::<Faults>().0.drain(..).next() {
            Some(fault) => Err(fault),
            None => Ok(()),
        }
    }

    /// Runs the remaining ticks, calling `progress(done, total)` after each, audits the ledger once more and
    /// flushes the records' sink.
    pub fn run(&mut self, mut progress: impl FnMut(u64, u64)) -> Result<(), SimError> {
        while !self.is_finished() {
            self.step()?;
            progress(self.tick(), self.total_ticks());
        }
        self.audit()?;
        self.world.resource_mut::<Recorder>().finish().map_err(|e| SimError::Output(e.to_string()))
    }

    /// Ticks completed so far.
    pub fn tick(&self) -> u64 {
        self.world.resource::<Clock>().tick
    }

    /// Run length in ticks.
    pub fn total_ticks(&self) -> u64 {
        self.world.resource::<Clock>().ticks
    }

    /// Whether every tick has run.
    pub fn is_finished(&self) -> bool {
        self.tick() >= self.total_ticks()
    }

    /// Audit the ledger after every tick (default: only in debug builds).
    pub fn set_audit_every_tick(&mut self, every_tick: bool) {
        self.world.resource_mut::<Audit>().every_tick = every_tick;
    }

    /// Checks conservation of the ledger and of open quantities now.
    pub fn audit(&mut self) -> Result<(), SimError> {
        let instruments = self.world.resource::<Instruments>().0.len();
        let ledger = self.world.resource::<VenueLedger>().0.clone();
        let mut accounts = self.world.query::<&Account>();
        systems::metrics::check_conservation(accounts.iter(&self.world), &ledger, instruments)
    }

    /// The ledger's sinks and deposits.
    pub fn ledger(&self) -> &Ledger {
        &self.world.resource::<VenueLedger>().0
    }

    /// The rows kept in memory: `None` unless the simulation records into memory ([`Recording::Memory`]).
    pub fn kept(&self) -> Option<&recorder::Rows> {
        self.world.resource::<Recorder>().kept()
    }

    /// The venue's row of every completed tick (empty unless rows are kept in memory).
    pub fn records(&self) -> &[TickRecord] {
        self.kept().map_or(&[], |k| &k.ticks)
    }

    /// Liquidation and shock events so far (empty unless rows are kept in memory).
    pub fn events(&self) -> &[Event] {
        self.kept().map_or(&[], |k| &k.events)
    }

    /// One row per instrument and completed tick, tick by tick in instrument order (empty unless rows are kept).
    pub fn market_records(&self) -> &[record::MarketTick] {
        self.kept().map_or(&[], |k| &k.markets)
    }

    /// A predictive margin policy's forecasts, one row per instrument and completed tick (empty unless rows are
    /// kept, and under other policies).
    pub fn forecast_records(&self) -> &[record::ForecastTick] {
        self.kept().map_or(&[], |k| &k.forecasts)
    }

    /// Pool markets' rows, one per pool and completed tick (empty unless rows are kept, and without pools).
    pub fn pool_records(&self) -> &[record::PoolTick] {
        self.kept().map_or(&[], |k| &k.pools)
    }

    /// Headline figures of the ticks run so far (kept up to date as each tick ends, whatever is recorded), with the
    /// accounts underwater now (one pass over the accounts).
    pub fn summary(&self) -> Summary {
        let summary = self.world.resource::<Recorder>().summary(&self.scenario_name, self.seed);
        Summary { underwater: summary::Underwater::of(&self.world), ..summary }
    }

    /// The world, for inspection (tests, snapshots).
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The scenario name.
    pub fn scenario_name(&self) -> &str {
        &self.scenario_name
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Starts `kind` now (at the next tick to run), lasting `duration` ticks; logged like a scripted shock.
    pub fn inject_shock(&mut self, kind: cascade_scenario::ShockKind, duration: u64) {
        let at = self.tick();
        let mut shocks = self.world.resource_mut::<resources::Shocks>();
        shocks.timeline.push(cascade_scenario::Shock { at, duration, kind });
        shocks.timeline.sort_by_key(|s| s.at);
    }

    /// How the margin engine has worked so far: checks through the index and full scans, and ticks on which a
    /// predictive policy fell back to its EWMA forecast.
    pub fn margin_engine_stats(&self) -> MarginEngineStats {
        let index = self.world.resource::<resources::MarginIndex>();
        MarginEngineStats {
            indexed_checks: index.indexed_checks,
            full_scans: index.full_scans,
            forecast_fallback_ticks: self.world.resource::<resources::MarginState>().fallback_ticks,
        }
    }

    /// Replaces the margin rules from the next tick on: every instrument starts again from `margin`'s schedule (an
    /// adaptive policy then moves it, keeping the return history seen so far), and the change is logged as an event.
    /// The caller validates `margin` (as a scenario's). The margin mode applies from now on, but accounts were split
    /// per position (isolated margin) when the world was built.
    pub fn set_margin(&mut self, margin: &cascade_scenario::Margin) {
        let tick = self.tick();
        {
            let mut engine = self.world.resource_mut::<resources::MarginState>();
            let states = std::mem::take(&mut engine.instruments);
            let variances: Vec<f64> = states.iter().map(|s| s.volatility.variance).collect();
            let marks: Vec<Decimal> = states.iter().map(|s| s.previous_mark).collect();
            let mut fresh = resources::MarginState::new(margin, &variances, &marks, engine.correlation.clone());
            for (state, old) in fresh.instruments.iter_mut().zip(states) {
                state.returns = old.returns;
                state.returns_seen = old.returns_seen;
            }
            fresh.fallback_ticks = engine.fallback_ticks;
            fresh.options = engine.options.take();
            *engine = fresh;
        }
        let schedule = systems::margin::starting_schedule(margin);
        for instrument in &mut self.world.resource_mut::<Instruments>().0 {
            instrument.margin = schedule.clone();
        }
        let detail = format!(
            "margin policy={:?} initial={} maintenance={} max_increase_per_tick={} stress_buffer={}",
            margin.policy, margin.initial, margin.maintenance, margin.max_increase_per_tick, margin.stress_buffer
        );
        let mut recorder = self.world.resource_mut::<Recorder>();
        recorder.event(Event::new(tick, record::EventKind::PolicyChange, detail));
        // Between ticks: committed at once, so the event is seen before the next tick runs.
        if let Err(e) = recorder.commit() {
            self.world.resource_mut::<Faults>().0.push(SimError::Output(e.to_string()));
        }
    }

    /// Every market's perpetual as it stands now, in instrument order, its book cut to `levels` price levels a side
    /// (one per row of a tick's market records; option series are [`Simulation::option_series`]).
    pub fn instruments(&self, levels: usize) -> Vec<InstrumentState> {
        let instruments = &self.world.resource::<Instruments>().0;
        instruments
            .iter()
            .filter(|i| i.kind.is_linear())
            .map(|i| {
                let mut book =
                    [i.book.levels(cascade_core::book::Side::Buy), i.book.levels(cascade_core::book::Side::Sell)];
                for side in &mut book {
                    side.truncate(levels);
                }
                InstrumentState { symbol: i.spec.symbol.clone(), mark: i.mark_price, book, margin: i.margin.rates }
            })
            .collect()
    }

    /// Every option series as it stands now, in instrument order (empty without options).
    pub fn option_series(&self) -> Vec<OptionSeriesState> {
        let instruments = &self.world.resource::<Instruments>().0;
        let state = |i: &resources::Instrument| {
            let (right, strike, _) = i.kind.option()?;
            Some(OptionSeriesState {
                symbol: i.spec.symbol.clone(),
                right,
                strike,
                mark: i.mark_price,
                open_interest: i.open_interest,
                surface: i.option?,
            })
        };
        instruments.iter().filter_map(state).collect()
    }

    /// The option market maker's net delta, units of the underlying: its perpetual position plus each series'
    /// position times its delta (`None` without an option market maker).
    pub fn option_maker_delta(&self) -> Option<f64> {
        let desk = self.world.get_resource::<options::OptionDesk>()?;
        let entity = self.world.resource::<resources::AgentIndex>().entity(desk.maker?);
        let account = self.world.get::<Account>(entity)?;
        Some(desk.maker_delta(self.world.resource::<Instruments>(), &account.0))
    }

    /// Every account with a position, by account id: its health (equity, notional, initial and maintenance
    /// requirements under the margin mode) at the marks.
    pub fn account_health(&mut self) -> Vec<(AgentId, cascade_core::margin::Health)> {
        let mut query = self.world.query::<(&components::Agent, &Account)>();
        let (instruments, engine) =
            (self.world.resource::<Instruments>(), self.world.resource::<resources::MarginState>());
        let mut accounts: Vec<_> = query
            .iter(&self.world)
            .filter(|(_, a)| a.0.positions.iter().any(|p| !p.quantity.is_zero()))
            .filter_map(|(agent, a)| Some((agent.id, health::account_health(instruments, engine, &a.0).ok()?)))
            .collect();
        accounts.sort_by_key(|(id, _)| *id);
        accounts
    }

    /// Every account with a position, by account id: its margin ratio (equity over maintenance requirement, under
    /// the margin mode) at the marks; below 1 it is liquidatable.
    pub fn margin_ratios(&mut self) -> Vec<f64> {
        let health = self.account_health();
        health.iter().filter_map(|(_, h)| h.margin_ratio().map(cascade_core::money::to_f64)).collect()
    }
}
