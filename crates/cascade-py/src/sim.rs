//! A simulation driven from Python: stepped tick by tick or run to its end, its rows, marks, books and accounts'
//! health read as tables at any point, and its files written as `cascade run` writes them.

use crate::scenario::Scenario;
use crate::table::Table;
use crate::{CHECK_SIGNALS_EVERY, scenario_error, simulation_error};
use cascade_core::Decimal;
use cascade_sim::frames::{self, Money};
use cascade_sim::output::{Manifest, write_run};
use cascade_sim::record::PoolTick;
use cascade_sim::{SimError, Simulation};
use pyo3::prelude::*;
use serde::Serialize;
use std::time::Instant;

/// A simulation of one scenario and seed, every row kept in memory.
#[pyclass(module = "cascade._cascade")]
pub struct Sim {
    sim: Simulation,
    manifest: Manifest,
    /// Whether the end-of-run audit and flush have been done.
    closed: bool,
}

/// Decimals as the caller asked: the nearest doubles, or the exact text.
fn money(exact: bool) -> Money {
    if exact { Money::Exact } else { Money::Float }
}

fn table(batch: Result<arrow_array::RecordBatch, frames::FrameError>) -> PyResult<Table> {
    batch.map(Table::new).map_err(simulation_error)
}

/// Steps `sim` until `until` ticks are done (or its last), with the GIL released, coming back for signals every
/// [`CHECK_SIGNALS_EVERY`] (a Ctrl-C raises `KeyboardInterrupt`, leaving the simulation at a whole tick).
fn step_until(py: Python<'_>, sim: &mut Simulation, until: u64) -> PyResult<()> {
    loop {
        let done = py
            .detach(|| -> Result<bool, SimError> {
                let started = Instant::now();
                while sim.tick() < until && !sim.is_finished() {
                    sim.step()?;
                    if started.elapsed() >= CHECK_SIGNALS_EVERY {
                        break;
                    }
                }
                Ok(sim.tick() >= until || sim.is_finished())
            })
            .map_err(|e| simulation_error(format!("tick {}: {e}", sim.tick())))?;
        py.check_signals()?;
        if done {
            return Ok(());
        }
    }
}

/// One price level of a book.
#[derive(Serialize)]
struct Level {
    symbol: String,
    side: Side,
    /// 0: the best price.
    level: u64,
    price: Decimal,
    quantity: Decimal,
}

#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum Side {
    Bid,
    Ask,
}

/// One account's health.
#[derive(Serialize)]
struct AccountHealth {
    account: u32,
    equity: Decimal,
    notional: Decimal,
    initial_requirement: Decimal,
    maintenance_requirement: Decimal,
    margin_ratio: Option<Decimal>,
    liquidatable: bool,
}

#[pymethods]
impl Sim {
    /// Builds the world of `scenario` with `seed` (default: the scenario's), at tick 0; with `audit`, the ledger's
    /// conservation is checked after every tick.
    #[new]
    #[pyo3(signature = (scenario, seed=None, audit=false))]
    fn new(py: Python<'_>, scenario: &Scenario, seed: Option<u64>, audit: bool) -> PyResult<Self> {
        let seed = seed.unwrap_or(scenario.scenario.seed);
        let mut sim = py
            .detach(|| Simulation::new(&scenario.scenario, seed))
            .map_err(|e| simulation_error(format!("building the world: {e}")))?;
        if audit {
            sim.set_audit_every_tick(true);
        }
        let mut command_line = vec!["cascade (python)".to_owned(), "run".to_owned(), scenario.source.label.clone()];
        command_line.extend(scenario.overrides.set.iter().flat_map(|o| ["--set".to_owned(), o.to_string()]));
        let manifest = Manifest::new(&scenario.source, &scenario.scenario, seed, &scenario.overrides, command_line);
        Ok(Self { sim, manifest, closed: false })
    }

    /// Runs `n` more ticks (fewer at the end of the run); returns the ticks done.
    #[pyo3(signature = (n=1))]
    fn step(&mut self, py: Python<'_>, n: u64) -> PyResult<u64> {
        let until = self.sim.tick().saturating_add(n);
        step_until(py, &mut self.sim, until)?;
        Ok(self.sim.tick())
    }

    /// Runs the remaining ticks, then audits the ledger as `cascade run` does at the end.
    fn run(&mut self, py: Python<'_>) -> PyResult<()> {
        step_until(py, &mut self.sim, u64::MAX)?;
        if !self.closed {
            self.sim.run(|_, _| {}).map_err(|e| simulation_error(format!("at the end: {e}")))?;
            self.closed = true;
        }
        Ok(())
    }

    /// Ticks done.
    #[getter]
    fn tick(&self) -> u64 {
        self.sim.tick()
    }

    /// Run length, ticks.
    #[getter]
    fn total_ticks(&self) -> u64 {
        self.sim.total_ticks()
    }

    /// Whether every tick has run.
    #[getter]
    fn finished(&self) -> bool {
        self.sim.is_finished()
    }

    /// The seed.
    #[getter]
    fn seed(&self) -> u64 {
        self.sim.seed()
    }

    /// The tables so far, as `cascade run` writes them: `timeseries`, `markets` (one row per instrument and tick)
    /// and `events` (each winner's haircut only with `haircuts`); decimals exact text with `exact`.
    #[pyo3(signature = (exact=false, haircuts=false))]
    fn tables(&self, exact: bool, haircuts: bool) -> PyResult<(Table, Table, Table)> {
        let rows = self.sim.kept().ok_or_else(|| simulation_error("the rows of this simulation are not kept"))?;
        let instruments = self.sim.instruments(0).len();
        let f = frames::frames(rows, instruments, money(exact), haircuts).map_err(simulation_error)?;
        Ok((f.timeseries.into(), f.markets.into(), f.events.into()))
    }

    /// Pool markets' rows so far, as `pool.csv` (one row per pool and tick; empty without pools); decimals exact
    /// text with `exact`.
    #[pyo3(signature = (exact=false))]
    fn pools(&self, exact: bool) -> PyResult<Table> {
        table(frames::batch(self.sim.pool_records(), &PoolTick::default(), money(exact)))
    }

    /// The summary so far, as `summary.json` (JSON text).
    fn summary_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.sim.summary()).map_err(simulation_error)
    }

    /// The manifest, as `manifest.json` (JSON text).
    fn manifest_json(&self) -> PyResult<String> {
        let mut manifest = self.manifest.clone();
        manifest.ticks = self.sim.tick();
        serde_json::to_string(&manifest).map_err(simulation_error)
    }

    /// Writes the run's files into `dir`, as `cascade run --out DIR` does (the ticks done so far).
    fn save(&self, dir: std::path::PathBuf) -> PyResult<()> {
        let mut manifest = self.manifest.clone();
        manifest.ticks = self.sim.tick();
        write_run(&dir, &self.sim, &manifest).map_err(simulation_error)
    }

    /// Every instrument's mark price now, `(symbol, mark)` in instrument order (exact text with `exact`).
    #[pyo3(signature = (exact=false))]
    fn marks(&self, py: Python<'_>, exact: bool) -> PyResult<Vec<(String, Py<PyAny>)>> {
        self.sim
            .instruments(0)
            .into_iter()
            .map(|i| {
                let mark = if exact {
                    i.mark.to_string().into_pyobject(py)?.into_any().unbind()
                } else {
                    cascade_core::money::to_f64(i.mark).into_pyobject(py)?.into_any().unbind()
                };
                Ok((i.symbol, mark))
            })
            .collect()
    }

    /// The books now: one row per price level, best first, up to `levels` a side, of `symbol` (default: every
    /// instrument).
    #[pyo3(signature = (symbol=None, levels=10, exact=false))]
    fn book(&self, symbol: Option<String>, levels: usize, exact: bool) -> PyResult<Table> {
        let instruments = self.sim.instruments(levels);
        if let Some(wanted) = &symbol
            && !instruments.iter().any(|i| &i.symbol == wanted)
        {
            let known: Vec<&str> = instruments.iter().map(|i| i.symbol.as_str()).collect();
            return Err(scenario_error(format!("no instrument `{wanted}`: expected one of {}", known.join(", "))));
        }
        let mut rows = Vec::new();
        for i in instruments.iter().filter(|i| symbol.as_ref().is_none_or(|s| s == &i.symbol)) {
            for (side, levels) in [(Side::Bid, &i.book[0]), (Side::Ask, &i.book[1])] {
                for (level, (price, quantity)) in levels.iter().enumerate() {
                    let (price, quantity) = (*price, *quantity);
                    rows.push(Level { symbol: i.symbol.clone(), side, level: level as u64, price, quantity });
                }
            }
        }
        let template =
            Level { symbol: String::new(), side: Side::Bid, level: 0, price: Decimal::ZERO, quantity: Decimal::ZERO };
        table(frames::batch(&rows, &template, money(exact)))
    }

    /// Every account with a position now, by account id: equity, notional, initial and maintenance requirements
    /// (quote, under the margin mode), the margin ratio (equity over maintenance; below 1 liquidatable).
    #[pyo3(signature = (exact=false))]
    fn health(&mut self, exact: bool) -> PyResult<Table> {
        let rows: Vec<AccountHealth> = self
            .sim
            .account_health()
            .into_iter()
            .map(|(id, h)| AccountHealth {
                account: id.0,
                equity: h.equity,
                notional: h.notional,
                initial_requirement: h.initial_requirement,
                maintenance_requirement: h.maintenance_requirement,
                margin_ratio: h.margin_ratio(),
                liquidatable: h.is_liquidatable(),
            })
            .collect();
        let zero = Decimal::ZERO;
        let template = AccountHealth {
            account: 0,
            equity: zero,
            notional: zero,
            initial_requirement: zero,
            maintenance_requirement: zero,
            margin_ratio: Some(zero),
            liquidatable: false,
        };
        table(frames::batch(&rows, &template, money(exact)))
    }

    /// Starts a shock now, lasting `duration` ticks: `kind` written as in a scenario's `shocks`
    /// (`PriceGap(change: -0.1)`, `VolatilitySpike(multiplier: 3.0)`).
    #[pyo3(signature = (kind, duration=1))]
    fn shock(&mut self, kind: &str, duration: u64) -> PyResult<()> {
        let kind: cascade_scenario::ShockKind = cascade_scenario::parse_as("<shock>", kind).map_err(scenario_error)?;
        self.sim.inject_shock(kind, duration);
        Ok(())
    }

    /// Replaces the margin rules from the next tick on with a shipped preset or a rules file (as `--margin`),
    /// logged as a `policy_change` event.
    fn set_margin(&mut self, margin: &str) -> PyResult<()> {
        let rules = cascade_scenario::library::load_margin(margin).map_err(scenario_error)?;
        self.sim.set_margin(&rules);
        Ok(())
    }

    fn __repr__(&self) -> String {
        format!(
            "<cascade Sim {:?} seed {}: tick {}/{}>",
            self.sim.scenario_name(),
            self.sim.seed(),
            self.sim.tick(),
            self.sim.total_ticks()
        )
    }
}
