//! What a run keeps of its records, and where they go as each tick ends.
//!
//! Systems hand their rows to the [`Recorder`] during a tick; at the end of the tick the recorder *commits* them:
//! the summary's running aggregates take each row once, a [`RecordSink`] (the output files) gets them, and they
//! are kept in memory only when the [`Recording`] asks for it. A streamed or summary-only run of any length holds
//! no row per tick.

use crate::output::OutputError;
use crate::record::{Event, ForecastTick, MarketTick, PoolTick, TickRecord};
use crate::summary::{Summary, SummaryBuilder};
use bevy_ecs::prelude::*;

/// Where a run's rows go as they are committed (the output files, a test's buffer).
pub trait RecordSink: Send + Sync {
    /// One tick's rows: the venue's and one per instrument, in instrument order.
    fn tick(&mut self, venue: &TickRecord, markets: &[MarketTick]) -> Result<(), OutputError>;
    /// One event (`events.csv`).
    fn event(&mut self, row: &Event) -> Result<(), OutputError>;
    /// One predictive forecast (`forecasts.csv`).
    fn forecast(&mut self, row: &ForecastTick) -> Result<(), OutputError>;
    /// One pool's row of a tick (`pool.csv`).
    fn pool(&mut self, row: &PoolTick) -> Result<(), OutputError>;
    /// Flushes what is buffered; called once, after the last row.
    fn finish(&mut self) -> Result<(), OutputError>;
}

/// What a simulation keeps of its rows.
pub enum Recording {
    /// Every row, in memory (tests, the GUI): the simulation's `records`, `events` and `market_records` hold them.
    Memory,
    /// Every row to a sink as its tick ends; none kept in memory.
    Stream(Box<dyn RecordSink>),
    /// Only the summary's running aggregates (sweeps).
    SummaryOnly,
}

/// A run's rows of one kind or all: a tick's pending rows, or everything kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    /// Venue rows, one per tick.
    pub ticks: Vec<TickRecord>,
    /// Events, in order.
    pub events: Vec<Event>,
    /// Instrument rows: each tick's, one per instrument in instrument order.
    pub markets: Vec<MarketTick>,
    /// Predictive forecasts: each tick's, one per instrument in instrument order (none under other policies).
    pub forecasts: Vec<ForecastTick>,
    /// Pools' rows: each tick's, one per pool market in instrument order (none without pools).
    pub pools: Vec<PoolTick>,
}

impl Rows {
    /// Each tick's venue row with its instrument rows.
    pub fn by_tick(&self) -> impl Iterator<Item = (&TickRecord, &[MarketTick])> {
        let per_tick = self.markets.len().checked_div(self.ticks.len()).unwrap_or(0).max(1);
        self.ticks.iter().zip(self.markets.chunks(per_tick).chain(std::iter::repeat(&[][..])))
    }
}

/// The run's recorder: this tick's rows until they are committed, the summary so far, and what is kept.
#[derive(Resource)]
pub struct Recorder {
    pending: Rows,
    kept: Option<Rows>,
    sink: Option<Box<dyn RecordSink>>,
    summary: SummaryBuilder,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("pending", &self.pending)
            .field("kept", &self.kept.as_ref().map(|k| (k.ticks.len(), k.events.len(), k.markets.len(), k.pools.len())))
            .field("sink", &self.sink.is_some())
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// A recorder that keeps what `recording` asks for, and builds its summary with `summary`.
    pub fn new(recording: Recording, summary: SummaryBuilder) -> Self {
        let (kept, sink) = match recording {
            Recording::Memory => (Some(Rows::default()), None),
            Recording::Stream(sink) => (None, Some(sink)),
            Recording::SummaryOnly => (None, None),
        };
        Self { pending: Rows::default(), kept, sink, summary }
    }

    /// Records the venue's row of this tick.
    pub fn tick(&mut self, row: TickRecord) {
        self.pending.ticks.push(row);
    }

    /// Records an event.
    pub fn event(&mut self, event: Event) {
        self.pending.events.push(event);
    }

    /// Records a predictive policy's forecast for an instrument this tick (in instrument order).
    pub fn forecast(&mut self, row: ForecastTick) {
        self.pending.forecasts.push(row);
    }

    /// Records a pool's row of this tick (in instrument order).
    pub fn pool(&mut self, row: PoolTick) {
        self.pending.pools.push(row);
    }

    /// Records an instrument's row of this tick (in instrument order).
    pub fn market(&mut self, row: MarketTick) {
        self.pending.markets.push(row);
    }

    /// Commits the pending rows: into the summary, to the sink, and into memory if kept.
    pub fn commit(&mut self) -> Result<(), OutputError> {
        let pending = std::mem::take(&mut self.pending);
        for (row, markets) in pending.by_tick() {
            self.summary.tick(row, markets);
        }
        for event in &pending.events {
            self.summary.event(event);
        }
        for pool in &pending.pools {
            self.summary.pool(pool);
        }
        if let Some(sink) = &mut self.sink {
            pending.by_tick().try_for_each(|(row, markets)| sink.tick(row, markets))?;
            pending.events.iter().try_for_each(|e| sink.event(e))?;
            pending.forecasts.iter().try_for_each(|f| sink.forecast(f))?;
            pending.pools.iter().try_for_each(|p| sink.pool(p))?;
        }
        if let Some(kept) = &mut self.kept {
            kept.ticks.extend(pending.ticks);
            kept.events.extend(pending.events);
            kept.markets.extend(pending.markets);
            kept.forecasts.extend(pending.forecasts);
            kept.pools.extend(pending.pools);
        }
        Ok(())
    }

    /// Commits what is pending and flushes the sink.
    pub fn finish(&mut self) -> Result<(), OutputError> {
        self.commit()?;
        self.sink.as_mut().map_or(Ok(()), |sink| sink.finish())
    }

    /// The rows kept in memory (`None` unless the recording is [`Recording::Memory`]).
    pub fn kept(&self) -> Option<&Rows> {
        self.kept.as_ref()
    }

    /// The summary of the committed rows of a run of `scenario` with `seed`.
    pub fn summary(&self, scenario: &str, seed: u64) -> Summary {
        self.summary.summary(scenario, seed)
    }
}
