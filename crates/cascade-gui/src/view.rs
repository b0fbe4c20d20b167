//! What the window keeps of each run: the history it has been sent and the latest state.

use cascade_sim::record::{Event, EventKind, MarketTick, TickRecord};
use cascade_sim::runner::RunState;

/// One run as the window sees it.
#[derive(Default)]
pub struct RunView {
    /// Scenario name.
    pub name: String,
    /// The venue's row of every tick so far.
    pub records: Vec<TickRecord>,
    /// Every event so far.
    pub events: Vec<Event>,
    /// Every instrument's rows so far, tick by tick in instrument order.
    pub market_records: Vec<MarketTick>,
    /// The latest state (its `new_records` and `new_events` are already appended above and emptied).
    pub latest: Option<RunState>,
}

impl RunView {
    /// A run with no history yet.
    pub fn new(name: String) -> Self {
        Self { name, ..Self::default() }
    }

    /// Appends an update's news and keeps the rest as the latest state.
    pub fn absorb(&mut self, mut state: RunState) {
        self.records.append(&mut state.new_records);
        self.events.append(&mut state.new_events);
        self.market_records.append(&mut state.new_market_records);
        self.latest = Some(state);
    }

    /// The symbols of the world's instruments, in instrument order (empty before the first update).
    pub fn symbols(&self) -> Vec<&str> {
        self.latest.as_ref().map_or_else(Vec::new, |s| s.instruments.iter().map(|i| i.symbol.as_str()).collect())
    }

    /// Instrument `k`'s rows so far, tick by tick.
    pub fn rows_of(&self, k: usize) -> impl Iterator<Item = &MarketTick> + Clone {
        let per_tick = self.latest.as_ref().map_or(1, |s| s.instruments.len().max(1));
        self.market_records.iter().skip(k).step_by(per_tick)
    }

    /// Instrument `k` now: its book and margin fractions.
    pub fn instrument(&self, k: usize) -> Option<&cascade_sim::InstrumentState> {
        self.latest.as_ref()?.instruments.get(k)
    }

    /// Ticks completed.
    pub fn tick(&self) -> u64 {
        self.latest.as_ref().map_or(0, |s| s.tick)
    }

    /// Shock windows so far as `(start hour, end hour, name)`; a shock still running ends at the last record.
    pub fn shock_windows(&self) -> Vec<(f64, f64, String)> {
        let hour = |tick: u64| self.records.get(tick as usize).map_or(0.0, |r| r.time_s / 3600.0);
        let now = self.records.last().map_or(0.0, |r| r.time_s / 3600.0);
        let mut windows = Vec::new();
        for (i, start) in self.events.iter().enumerate().filter(|(_, e)| e.kind == EventKind::ShockStart) {
            if start.detail == "price_gap" {
                windows.push((hour(start.tick), hour(start.tick), start.detail.clone()));
                continue;
            }
            let end = self.events[i + 1..]
                .iter()
                .find(|e| e.kind == EventKind::ShockEnd && e.detail == start.detail && e.tick >= start.tick)
                .map_or(now, |e| hour(e.tick));
            let start_hour = hour(start.tick);
            windows.push((start_hour, end.max(start_hour), start.detail.clone()));
        }
        windows
    }
}
