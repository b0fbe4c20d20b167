//! The application: controls, headline numbers and plots, over a [`Runner`].

use crate::Options;
use crate::plots;
use crate::policy_form::PolicyForm;
use crate::smile;
use crate::view::RunView;
use cascade_core::Decimal;
use cascade_core::money::to_f64;
use cascade_scenario::{Margin, MarginMode, Scenario, ShockKind, library};
use cascade_sim::SimError;
use cascade_sim::runner::{Command, Runner, Speed, Update};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// The cascade window.
pub struct CascadeApp {
    runner: Runner,
    scenario: Scenario,
    runs: Vec<RunView>,
    seed: u64,
    playing: bool,
    /// Ticks per second when not at maximum speed.
    speed: f64,
    max_speed: bool,
    seed_text: String,
    /// A shipped scenario's name or a file path, for "Load".
    scenario_text: String,
    export_text: String,
    gap_percent: f64,
    shock_ticks: u64,
    volatility_multiplier: f64,
    depth_fraction: f64,
    initial_text: String,
    maintenance_text: String,
    /// The margin form: policy kind and parameters.
    policy: PolicyForm,
    /// The latest error, shown in the window until the next successful action.
    error: Option<String>,
    /// The latest notice (an export written).
    notice: Option<String>,
    /// The instrument whose prices, book and margin are shown (index in instrument order).
    instrument: usize,
}

impl CascadeApp {
    /// A window on `scenario`, started as `options` say.
    pub fn new(scenario: Scenario, options: Options) -> Result<Self, SimError> {
        let Options { seed, autoplay, speed } = options;
        let runner = Runner::start(scenario.clone(), seed)?;
        runner.send(Command::SetSpeed(Speed::TicksPerSecond(speed)));
        if autoplay {
            runner.send(Command::Play);
        }
        let rates = (scenario.margin.initial, scenario.margin.maintenance);
        Ok(Self {
            runner,
            runs: vec![RunView::new(scenario.name.clone())],
            seed,
            playing: autoplay,
            speed,
            max_speed: false,
            seed_text: seed.to_string(),
            scenario_text: scenario.name.clone(),
            export_text: format!("runs/{}-gui", scenario.name),
            gap_percent: -10.0,
            shock_ticks: 60,
            volatility_multiplier: 3.0,
            depth_fraction: 0.6,
            initial_text: rates.0.to_string(),
            maintenance_text: rates.1.to_string(),
            policy: PolicyForm::default(),
            scenario,
            error: None,
            notice: None,
            instrument: 0,
        })
    }

    /// Ticks completed by the primary run, as last reported.
    pub fn tick(&self) -> u64 {
        self.runs.first().map_or(0, RunView::tick)
    }

    /// Whether the runs are playing, as last reported.
    pub fn is_playing(&self) -> bool {
        self.playing
    }

    /// The error shown in the window, if any.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The maintenance fraction in force for the shown instrument of the primary run, as last reported.
    pub fn maintenance_margin(&self) -> Option<Decimal> {
        self.runs.first()?.instrument(self.instrument).map(|i| i.margin.maintenance)
    }

    /// The primary run's instruments, in instrument order.
    pub fn market_symbols(&self) -> Vec<String> {
        self.runs.first().map_or_else(Vec::new, |r| r.symbols().into_iter().map(str::to_owned).collect())
    }

    /// How many runs are shown (2 when comparing).
    pub fn run_count(&self) -> usize {
        self.runs.len()
    }

    /// Waits (up to `timeout`) for the runner's next update and applies it: for tests and scripts that need the
    /// window's view to catch up without a frame being drawn.
    pub fn sync(&mut self, timeout: Duration) {
        if let Some(update) = self.runner.wait(timeout) {
            self.apply(update);
        }
        self.drain();
    }

    fn drain(&mut self) {
        for update in self.runner.poll() {
            self.apply(update);
        }
    }

    fn apply(&mut self, update: Update) {
        match update {
            Update::Reset { names, seed } => {
                self.seed = seed;
                self.runs = names.into_iter().map(RunView::new).collect();
                self.instrument = 0;
            }
            Update::Progress { playing, runs } => {
                self.playing = playing;
                for (view, state) in self.runs.iter_mut().zip(runs) {
                    view.absorb(state);
                }
            }
            Update::Exported(dir) => self.notice = Some(format!("exported to {}", dir.display())),
            Update::Error(e) => self.error = Some(e),
        }
    }

    fn send(&mut self, command: Command) {
        self.error = None;
        self.runner.send(command);
    }

    fn load(&mut self) {
        let text = self.scenario_text.trim().to_owned();
        // The same resolver as the command line: a file of that name wins over a shipped scenario.
        let loaded = cascade_scenario::resolve(&text).and_then(|s| s.load(&cascade_scenario::Overrides::default()));
        match loaded {
            Ok(scenario) => {
                self.initial_text = scenario.margin.initial.to_string();
                self.maintenance_text = scenario.margin.maintenance.to_string();
                self.scenario = scenario.clone();
                self.send(Command::Load(Box::new(scenario)));
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    /// The margin rules the form describes, checked as a scenario's would be.
    fn margin(&self) -> Result<Margin, String> {
        let parse =
            |s: &str, what: &str| Decimal::from_str(s.trim()).map_err(|_| format!("{what}: `{s}` is not a number"));
        let p = &self.policy;
        let policy = p.policy()?;
        let margin = Margin {
            initial: parse(&self.initial_text, "initial margin")?,
            maintenance: parse(&self.maintenance_text, "maintenance margin")?,
            policy,
            max_increase_per_tick: parse(&p.speed_limit, "speed limit")?,
            stress_buffer: parse(&p.stress_buffer, "stress buffer")?,
            ..self.scenario.margin.clone()
        };
        let mut check = self.scenario.raw().clone();
        check.margin = margin.clone();
        let problems: Vec<String> = cascade_scenario::validate(&check)
            .into_iter()
            .filter(|p| p.path.starts_with("margin"))
            .map(|p| p.to_string())
            .collect();
        if problems.is_empty() { Ok(margin) } else { Err(problems.join("; ")) }
    }

    fn controls(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            if self.playing {
                if ui.button("Pause").clicked() {
                    self.send(Command::Pause);
                    self.playing = false;
                }
            } else if ui.button("Play").clicked() {
                self.send(Command::Play);
                self.playing = true;
            }
            if ui.button("Step").clicked() {
                self.send(Command::Step);
            }
            ui.separator();
            let speed_text = format!("speed {:.0} ticks/s", self.speed);
            let speed = ui.add_enabled(
                !self.max_speed,
                egui::Slider::new(&mut self.speed, 1.0..=5000.0).logarithmic(true).show_value(false).text(speed_text),
            );
            let max = ui.checkbox(&mut self.max_speed, "max");
            if speed.changed() || max.changed() {
                let speed = if self.max_speed { Speed::Max } else { Speed::TicksPerSecond(self.speed) };
                self.send(Command::SetSpeed(speed));
            }
            ui.separator();
            let label = ui.label("seed");
            ui.add(egui::TextEdit::singleline(&mut self.seed_text).desired_width(60.0)).labelled_by(label.id);
            if ui.button("Restart").clicked() {
                match self.seed_text.trim().parse() {
                    Ok(seed) => self.send(Command::Restart { seed }),
                    Err(_) => self.error = Some(format!("seed: `{}` is not a whole number", self.seed_text)),
                }
            }
            ui.separator();
            egui::ComboBox::from_label("library").selected_text("choose").show_ui(ui, |ui| {
                for entry in library::LIBRARY {
                    ui.selectable_value(&mut self.scenario_text, entry.name.to_owned(), entry.name);
                }
            });
            let label = ui.label("scenario");
            ui.add(
                egui::TextEdit::singleline(&mut self.scenario_text).desired_width(180.0).hint_text("name or file.ron"),
            )
            .labelled_by(label.id);
            if ui.button("Load").clicked() {
                self.load();
            }
            ui.separator();
            let label = ui.label("export to");
            ui.add(egui::TextEdit::singleline(&mut self.export_text).desired_width(160.0)).labelled_by(label.id);
            if ui.button("Export").clicked() {
                self.send(Command::Export { run: 0, dir: PathBuf::from(self.export_text.trim()) });
            }
        });
        let frame_time = ui.ctx().input(|i| i.stable_dt).max(1e-3);
        ui.horizontal(|ui| {
            ui.label(format!("{:.0} frames/s", 1.0 / frame_time));
            if let Some(run) = self.runs.first() {
                ui.label(format!("tick {} / {}", run.tick(), run.latest.as_ref().map_or(0, |s| s.total_ticks)));
                let symbols: Vec<String> = run.symbols().into_iter().map(str::to_owned).collect();
                if symbols.len() > 1 {
                    let shown = symbols.get(self.instrument).cloned().unwrap_or_default();
                    egui::ComboBox::from_label("market shown").selected_text(shown).show_ui(ui, |ui| {
                        for (k, symbol) in symbols.iter().enumerate() {
                            ui.selectable_value(&mut self.instrument, k, symbol);
                        }
                    });
                }
            }
        });
        if let Some(error) = &self.error {
            ui.colored_label(egui::Color32::from_rgb(220, 50, 50), format!("Error: {error}"));
        } else if let Some(notice) = &self.notice {
            ui.label(notice);
        }
    }

    fn side_panel(&mut self, ui: &mut egui::Ui) {
        egui::ScrollArea::vertical().show(ui, |ui| {
            for run in &self.runs {
                headline(ui, run, self.instrument, self.seed, self.scenario.margin.mode);
                ui.separator();
            }
            ui.heading("Margin");
            egui::Grid::new("margin-grid").show(ui, |ui| {
                labelled_text(ui, "initial", &mut self.initial_text);
                labelled_text(ui, "maintenance", &mut self.maintenance_text);
            });
            self.policy.ui(ui);
            ui.horizontal(|ui| {
                if ui.button("Apply margin").clicked() {
                    match self.margin() {
                        Ok(margin) => self.send(Command::SetMargin { run: 0, margin: Box::new(margin) }),
                        Err(e) => self.error = Some(e),
                    }
                }
                if ui
                    .button("Compare")
                    .on_hover_text("Run the scenario again with this margin, beside the first")
                    .clicked()
                {
                    match self.margin() {
                        Ok(margin) => {
                            let name = format!("{} / {}", self.scenario.name, self.policy.name());
                            match self.scenario.edit(|s| {
                                s.name = name;
                                s.margin = margin;
                            }) {
                                Ok(other) => self.send(Command::Compare(Some(Box::new(other)))),
                                Err(e) => self.error = Some(e.to_string()),
                            }
                        }
                        Err(e) => self.error = Some(e),
                    }
                }
                if self.runs.len() > 1 && ui.button("Stop comparing").clicked() {
                    self.send(Command::Compare(None));
                }
            });
            ui.separator();
            ui.heading("Inject a shock now");
            let duration = format!("lasting {} ticks", self.shock_ticks);
            ui.add(
                egui::Slider::new(&mut self.shock_ticks, 1..=1440).logarithmic(true).show_value(false).text(duration),
            );
            ui.horizontal(|ui| {
                let label = ui.label("gap");
                ui.add(egui::DragValue::new(&mut self.gap_percent).range(-90.0..=90.0).suffix(" %"))
                    .labelled_by(label.id);
                if ui.button("Price gap").clicked() {
                    self.send(Command::Shock {
                        kind: ShockKind::PriceGap { change: self.gap_percent / 100.0, market: None },
                        duration: 0,
                    });
                }
            });
            ui.horizontal(|ui| {
                let label = ui.label("volatility");
                ui.add(egui::DragValue::new(&mut self.volatility_multiplier).range(1.0..=20.0).prefix("x"))
                    .labelled_by(label.id);
                if ui.button("Volatility spike").clicked() {
                    let kind = ShockKind::VolatilitySpike { multiplier: self.volatility_multiplier };
                    self.send(Command::Shock { kind, duration: self.shock_ticks });
                }
            });
            ui.horizontal(|ui| {
                let label = ui.label("fraction");
                ui.add(egui::DragValue::new(&mut self.depth_fraction).range(0.0..=1.0).speed(0.01))
                    .labelled_by(label.id);
                if ui.button("Depth withdrawal").clicked() {
                    let kind = ShockKind::DepthWithdrawal { fraction: self.depth_fraction };
                    self.send(Command::Shock { kind, duration: self.shock_ticks });
                }
            });
            if ui.button("Oracle freeze").clicked() {
                self.send(Command::Shock { kind: ShockKind::OracleFreeze, duration: self.shock_ticks });
            }
        });
    }

    fn central(&self, ui: &mut egui::Ui) {
        let height = ui.available_height();
        let k = self.instrument;
        match self.runs.first().filter(|run| run.symbols().len() > 1) {
            Some(run) => {
                ui.columns(2, |columns| {
                    plots::prices(&mut columns[0], &self.runs, k, height * 0.42);
                    plots::markets(&mut columns[1], run, height * 0.42);
                });
            }
            None => plots::prices(ui, &self.runs, k, height * 0.42),
        }
        let row =
            (height * 0.55 - 3.0 * ui.spacing().item_spacing.y) / 2.0 - ui.text_style_height(&egui::TextStyle::Body);
        ui.columns(2, |columns| {
            plots::liquidations(&mut columns[0], &self.runs, row);
            plots::insurance(&mut columns[1], &self.runs, row);
        });
        if let Some(run) = self.runs.first() {
            let options = run.latest.as_ref().is_some_and(|s| !s.options.is_empty());
            ui.columns(if options { 3 } else { 2 }, |columns| {
                plots::depth_ladder(&mut columns[0], run, k, row);
                plots::margin_ratios(&mut columns[1], run, row);
                if options {
                    smile::smile(&mut columns[2], run, row);
                }
            });
        }
    }
}

/// A grid row: a label and a text field named by it.
pub(crate) fn labelled_text(ui: &mut egui::Ui, label: &str, text: &mut String) {
    let label = ui.label(label);
    ui.add(egui::TextEdit::singleline(text).desired_width(90.0).clip_text(false)).labelled_by(label.id);
    ui.end_row();
}

/// The headline numbers of one run: instrument `k`'s prices and margin, the venue's money.
fn headline(ui: &mut egui::Ui, run: &RunView, k: usize, seed: u64, mode: MarginMode) {
    ui.heading(&run.name);
    let Some(state) = &run.latest else { return };
    let s = &state.summary;
    let last = run.rows_of(k).last();
    let below = state.margin_ratios.iter().filter(|r| **r < 1.0).count();
    let near = state.margin_ratios.iter().filter(|r| (1.0..1.5).contains(*r)).count();
    egui::Grid::new(format!("headline-{}", run.name)).striped(true).show(ui, |ui| {
        let mut row = |label: &str, value: String| {
            ui.label(label);
            ui.label(value);
            ui.end_row();
        };
        row("tick", format!("{} / {} (seed {seed})", state.tick, state.total_ticks));
        if let Some(r) = last {
            row("market", r.symbol.clone());
            row("reference", format!("{:.1}", r.reference));
            row("mark", format!("{:.1}", r.mark.round_dp(1)));
            row("open interest", format!("{:.3}", r.open_interest.round_dp(3)));
        }
        if let Some(m) = s.markets.get(k) {
            row("max drawdown", format!("{:.1}%", 100.0 * m.mark_max_drawdown));
        }
        let mode = match mode {
            MarginMode::Cross => "cross".to_owned(),
            MarginMode::Isolated => "isolated".to_owned(),
            MarginMode::Portfolio { max_offset } => {
                format!("portfolio, offsets up to {}%", max_offset * Decimal::ONE_HUNDRED)
            }
        };
        if let Some(i) = state.instruments.get(k) {
            row("margin", format!("{} initial / {} maintenance, {mode}", i.margin.initial, i.margin.maintenance));
        }
        row("liquidations", format!("{} ({} accounts)", s.liquidations, s.accounts_liquidated));
        row("liquidated", format!("{:.0}", s.liquidated_notional.round_dp(0)));
        row("below maintenance", below.to_string());
        row("near (ratio < 1.5)", near.to_string());
        row(
            "insurance fund",
            format!("{:.0} (low {:.0})", s.insurance_fund_end.round_dp(0), s.insurance_fund_min.round_dp(0)),
        );
        row("bad debt", format!("{:.2}", s.bad_debt.round_dp(2)));
        if let Some(delta) = state.option_maker_delta {
            row("option market maker delta", format!("{delta:+.2}"));
        }
        row("absorbed by", absorbers(s));
    });
}

fn absorbers(s: &cascade_sim::summary::Summary) -> String {
    format!(
        "book {:.0}, backstop {:.0}, ADL {:.0}, insurance {:.0}, socialized {:.0}, bad debt {:.0}",
        to_f64(s.liquidated_notional - s.backstop_notional - s.deleveraged_notional),
        to_f64(s.backstop_notional),
        to_f64(s.deleveraged_notional),
        to_f64(s.shortfall - s.socialized_loss - s.bad_debt),
        to_f64(s.socialized_loss),
        to_f64(s.bad_debt),
    )
}

impl eframe::App for CascadeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.drain();
        egui::Panel::top("controls").show(ui, |ui| self.controls(ui));
        egui::Panel::left("headline").default_size(330.0).show(ui, |ui| self.side_panel(ui));
        egui::CentralPanel::default().show(ui, |ui| self.central(ui));
        // Keep drawing while the simulation runs; otherwise poll now and then for updates.
        let every = if self.playing { Duration::from_millis(16) } else { Duration::from_millis(100) };
        ui.ctx().request_repaint_after(every);
    }
}
