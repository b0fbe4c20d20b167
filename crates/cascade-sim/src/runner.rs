//! Running simulations on a thread of their own, driven by [`Command`]s and reporting [`Update`]s.
//!
//! Any front end (the GUI, a notebook, a test) talks to a [`Runner`] over channels: it never touches the world, so a
//! slow front end never slows or changes the simulation, and a run driven this way gives the same numbers as the
//! same run headless. Several runs can be stepped in lockstep to compare settings on the same seed and shocks.

use crate::output::{Manifest, OutputError, write_run};
use crate::record::{Event, TickRecord};
use crate::summary::Summary;
use crate::{InstrumentState, SimError, Simulation};
use cascade_scenario::{Scenario, ShockKind};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How fast a playing run advances.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// At most this many ticks per second of wall time.
    TicksPerSecond(f64),
    /// As fast as the machine allows.
    Max,
}

/// What a front end asks of the runner.
#[derive(Debug, Clone)]
pub enum Command {
    /// Start or resume stepping.
    Play,
    /// Stop stepping.
    Pause,
    /// Advance exactly one tick (pausing first).
    Step,
    /// Change the speed of play.
    SetSpeed(Speed),
    /// Rebuild every run from its scenario with this seed, paused at tick 0.
    Restart {
        /// The new seed.
        seed: u64,
    },
    /// Replace the primary run's scenario (comparison runs are dropped), paused at tick 0.
    Load(Box<Scenario>),
    /// Start a shock now in every run.
    Shock {
        /// What happens.
        kind: ShockKind,
        /// For how many ticks.
        duration: u64,
    },
    /// Change the margin rules (policy and fractions) from the next tick on, in one run (0: the primary).
    SetMargin {
        /// Which run.
        run: usize,
        /// The new rules, validated by the sender.
        margin: Box<cascade_scenario::Margin>,
    },
    /// Run a second scenario beside the primary one, from tick 0, with the same seed; `None` stops comparing.
    Compare(Option<Box<Scenario>>),
    /// Write a run's output files (as `cascade run` does) into a directory.
    Export {
        /// Which run.
        run: usize,
        /// The directory.
        dir: PathBuf,
    },
    /// Stop the runner's thread.
    Shutdown,
}

/// The state of one run, as of an [`Update`].
#[derive(Debug, Clone, PartialEq)]
pub struct RunState {
    /// Ticks completed.
    pub tick: u64,
    /// Run length.
    pub total_ticks: u64,
    /// Tick records completed since the previous update.
    pub new_records: Vec<TickRecord>,
    /// Events logged since the previous update.
    pub new_events: Vec<Event>,
    /// Instrument rows since the previous update (one per instrument and tick).
    pub new_market_records: Vec<crate::record::MarketTick>,
    /// Every instrument now: its book (up to 25 levels a side) and margin fractions, in instrument order.
    pub instruments: Vec<InstrumentState>,
    /// Every open account's margin ratio (equity over maintenance requirement).
    pub margin_ratios: Vec<f64>,
    /// Every option series now (empty without options).
    pub options: Vec<crate::OptionSeriesState>,
    /// The option market maker's net delta, units of the underlying (`None` without one).
    pub option_maker_delta: Option<f64>,
    /// Headline figures so far.
    pub summary: Summary,
}

/// What the runner reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// Runs were (re)built: forget earlier records. Carries each run's scenario name.
    Reset {
        /// Scenario names, primary first.
        names: Vec<String>,
        /// The seed.
        seed: u64,
    },
    /// Progress of every run, primary first.
    Progress {
        /// Whether the runs are playing.
        playing: bool,
        /// One state per run.
        runs: Vec<RunState>,
    },
    /// Output files were written.
    Exported(PathBuf),
    /// Something failed; the runs are paused.
    Error(String),
}

/// Book levels a side reported in updates.
const BOOK_LEVELS: usize = 25;
/// How often a playing runner reports.
const REPORT_EVERY: Duration = Duration::from_millis(16);

/// A handle on simulations running on their own thread. Dropping it stops the thread.
pub struct Runner {
    commands: Sender<Command>,
    updates: Receiver<Update>,
    thread: Option<JoinHandle<()>>,
}

impl Runner {
    /// Starts a runner on `scenario` with `seed`, paused at tick 0.
    pub fn start(scenario: Scenario, seed: u64) -> Result<Self, SimError> {
        let primary = Simulation::new(&scenario, seed)?;
        let (commands, command_rx) = channel();
        let (update_tx, updates) = channel();
        let mut worker = Worker {
            runs: vec![(scenario, primary)],
            seed,
            playing: false,
            speed: Speed::TicksPerSecond(60.0),
            sent: vec![(0, 0, 0)],
            updates: update_tx,
        };
        worker.reset();
        let thread = std::thread::Builder::new()
            .name("cascade-sim".into())
            .spawn(move || worker.serve(&command_rx))
            .map_err(|e| SimError::Scenario(format!("cannot start the simulation thread: {e}")))?;
        Ok(Self { commands, updates, thread: Some(thread) })
    }

    /// Sends a command (ignored if the thread has stopped).
    pub fn send(&self, command: Command) {
        let _ = self.commands.send(command);
    }

    /// Every update received since the last call, oldest first.
    pub fn poll(&self) -> Vec<Update> {
        self.updates.try_iter().collect()
    }

    /// Waits up to `timeout` for the next update.
    pub fn wait(&self, timeout: Duration) -> Option<Update> {
        self.updates.recv_timeout(timeout).ok()
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Shutdown);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Worker {
    runs: Vec<(Scenario, Simulation)>,
    seed: u64,
    playing: bool,
    speed: Speed,
    /// Per run: records and events already reported.
    /// Records, events and market rows already reported, per run.
    sent: Vec<(usize, usize, usize)>,
    updates: Sender<Update>,
}

impl Worker {
    fn serve(&mut self, commands: &Receiver<Command>) {
        let mut carry = 0.0;
        let mut last = Instant::now();
        loop {
            let wait = if self.playing { Duration::ZERO } else { Duration::from_millis(50) };
            match commands.recv_timeout(wait) {
                Ok(Command::Shutdown) | Err(RecvTimeoutError::Disconnected) => return,
                Ok(command) => {
                    self.handle(command);
                    while let Ok(more) = commands.try_recv() {
                        if matches!(more, Command::Shutdown) {
                            return;
                        }
                        self.handle(more);
                    }
                    last = Instant::now();
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if !self.playing {
                continue;
            }
            // Step for one reporting interval at the requested speed, then report.
            let started = Instant::now();
            match self.speed {
                Speed::Max => {
                    while started.elapsed() < REPORT_EVERY && self.playing {
                        self.step_all();
                    }
                }
                Speed::TicksPerSecond(rate) => {
                    std::thread::sleep(REPORT_EVERY);
                    carry += rate * last.elapsed().as_secs_f64();
                    last = Instant::now();
                    while carry >= 1.0 && self.playing {
                        carry -= 1.0;
                        self.step_all();
                    }
                }
            }
            self.report();
        }
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Play => self.playing = true,
            Command::Pause => self.playing = false,
            Command::Step => {
                self.playing = false;
                self.step_all();
            }
            Command::SetSpeed(speed) => self.speed = speed,
            Command::Restart { seed } => {
                self.seed = seed;
                self.rebuild();
            }
            Command::Load(scenario) => {
                self.runs.truncate(1);
                self.runs[0].0 = *scenario;
                self.rebuild();
            }
            Command::Shock { kind, duration } => {
                for (_, sim) in &mut self.runs {
                    sim.inject_shock(kind.clone(), duration);
                }
            }
            Command::SetMargin { run, margin } => {
                if let Some((_, sim)) = self.runs.get_mut(run) {
                    sim.set_margin(&margin);
                }
            }
            Command::Compare(other) => {
                self.runs.truncate(1);
                if let Some(other) = other {
                    match Simulation::new(&other, self.seed) {
                        Ok(sim) => self.runs.push((*other, sim)),
                        Err(e) => self.send(Update::Error(format!("{}: {e}", other.name))),
                    }
                }
                self.rebuild();
            }
            Command::Export { run, dir } => match self.export(run, dir) {
                Ok(dir) => self.send(Update::Exported(dir)),
                Err(e) => self.send(Update::Error(e.to_string())),
            },
            Command::Shutdown => {}
        }
        self.report();
    }

    fn step_all(&mut self) {
        for (_, sim) in &mut self.runs {
            if sim.is_finished() {
                continue;
            }
            if let Err(e) = sim.step() {
                self.playing = false;
                let _ = self.updates.send(Update::Error(format!("tick {}: {e}", sim.tick())));
                return;
            }
        }
        if self.runs.iter().all(|(_, sim)| sim.is_finished()) {
            self.playing = false;
        }
    }

    fn rebuild(&mut self) {
        self.playing = false;
        let mut rebuilt = Vec::with_capacity(self.runs.len());
        for (scenario, _) in self.runs.drain(..) {
            match Simulation::new(&scenario, self.seed) {
                Ok(sim) => rebuilt.push((scenario, sim)),
                Err(e) => {
                    let _ = self.updates.send(Update::Error(format!("{}: {e}", scenario.name)));
                }
            }
        }
        self.runs = rebuilt;
        self.reset();
    }

    fn reset(&mut self) {
        self.sent = vec![(0, 0, 0); self.runs.len()];
        let names = self.runs.iter().map(|(s, _)| s.name.clone()).collect();
        self.send(Update::Reset { names, seed: self.seed });
        self.report();
    }

    fn report(&mut self) {
        let runs = self
            .runs
            .iter_mut()
            .zip(&mut self.sent)
            .map(|((_, sim), (records, events, market_records))| {
                let new_records = sim.records()[*records..].to_vec();
                let new_events = sim.events()[*events..].to_vec();
                let new_market_records = sim.market_records()[*market_records..].to_vec();
                *records += new_records.len();
                *events += new_events.len();
                *market_records += new_market_records.len();
                RunState {
                    tick: sim.tick(),
                    total_ticks: sim.total_ticks(),
                    new_records,
                    new_events,
                    new_market_records,
                    instruments: sim.instruments(BOOK_LEVELS),
                    margin_ratios: sim.margin_ratios(),
                    options: sim.option_series(),
                    option_maker_delta: sim.option_maker_delta(),
                    summary: sim.summary(),
                }
            })
            .collect();
        self.send(Update::Progress { playing: self.playing, runs });
    }

    fn export(&self, run: usize, dir: PathBuf) -> Result<PathBuf, OutputError> {
        let Some((scenario, sim)) = self.runs.get(run) else { return Ok(dir) };
        // The scenario as run is written beside the outputs, so the export can be rerun headless.
        let text = cascade_scenario::to_ron(scenario);
        std::fs::create_dir_all(&dir).map_err(|source| OutputError::Io { path: dir.display().to_string(), source })?;
        let path = dir.join("scenario.ron");
        std::fs::write(&path, &text).map_err(|source| OutputError::Io { path: path.display().to_string(), source })?;
        let source = cascade_scenario::Source { label: path.display().to_string(), text, dir: None };
        let command_line = vec!["cascade".into(), "gui".into()];
        let mut manifest =
            Manifest::new(&source, scenario, sim.seed(), &cascade_scenario::Overrides::default(), command_line);
        manifest.ticks = sim.tick();
        write_run(&dir, sim, &manifest)?;
        Ok(dir)
    }

    fn send(&self, update: Update) {
        let _ = self.updates.send(update);
    }
}
