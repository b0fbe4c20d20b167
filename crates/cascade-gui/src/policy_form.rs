//! The margin-policy part of the side panel: which policy, its parameters, and the controls.

use crate::app::labelled_text;
use cascade_core::Decimal;
use cascade_scenario::{LossMeasure, MarginPolicy, RiskMeasureKind, RiskMethod, VolatilityModel};
use std::str::FromStr;

/// Which margin policy the form describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PolicyKind {
    Static,
    VolatilityAdaptive,
    RiskMeasure,
    Garch,
    Har,
    Regime,
    Learned,
}

/// The margin policy part of the side panel.
pub(crate) struct PolicyForm {
    kind: PolicyKind,
    lambda: f64,
    horizon_ticks: u32,
    multiplier: f64,
    confidence: f64,
    lookback_ticks: u32,
    expected_shortfall: bool,
    historical: bool,
    floor: String,
    cap: String,
    /// Most the maintenance fraction may rise per tick (text).
    pub(crate) speed_limit: String,
    /// Stress buffer fraction (text).
    pub(crate) stress_buffer: String,
}

impl Default for PolicyForm {
    fn default() -> Self {
        Self {
            kind: PolicyKind::Static,
            lambda: 0.97,
            horizon_ticks: 60,
            multiplier: 3.0,
            confidence: 0.99,
            lookback_ticks: 1440,
            expected_shortfall: true,
            historical: true,
            floor: "0.01".into(),
            cap: "0.25".into(),
            speed_limit: "0".into(),
            stress_buffer: "0".into(),
        }
    }
}

impl PolicyForm {
    /// The policy the form describes (its Decimal fields parsed).
    pub(crate) fn policy(&self) -> Result<MarginPolicy, String> {
        let parse =
            |s: &str, what: &str| Decimal::from_str(s.trim()).map_err(|_| format!("{what}: `{s}` is not a number"));
        let p = self;
        Ok(match p.kind {
            PolicyKind::Static => MarginPolicy::Static,
            PolicyKind::VolatilityAdaptive => MarginPolicy::VolatilityAdaptive {
                lambda: p.lambda,
                window_ticks: None,
                horizon_ticks: f64::from(p.horizon_ticks),
                multiplier: p.multiplier,
                floor: parse(&p.floor, "floor")?,
                cap: parse(&p.cap, "cap")?,
            },
            PolicyKind::Garch | PolicyKind::Har | PolicyKind::Regime | PolicyKind::Learned => {
                MarginPolicy::Predictive {
                    model: match p.kind {
                        // Refit hourly on the lookback window.
                        PolicyKind::Garch => {
                            VolatilityModel::Garch { lookback_ticks: p.lookback_ticks, refit_every_ticks: 60 }
                        }
                        // Two regimes, refitted hourly on the lookback window; margin from the mixture's volatility, or
                        // with "expected shortfall" ticked its ES at the confidence.
                        PolicyKind::Regime => VolatilityModel::Regime {
                            regimes: 2,
                            lookback_ticks: p.lookback_ticks,
                            refit_every_ticks: 60,
                            measure: p.expected_shortfall.then_some(LossMeasure::Es(p.confidence)),
                        },
                        // The quantile at the confidence, refitted hourly on the lookback window after four hours.
                        PolicyKind::Learned => VolatilityModel::Learned {
                            quantile: p.confidence,
                            lookback_ticks: p.lookback_ticks,
                            refit_every_ticks: 60,
                            warmup_ticks: 240.min(p.lookback_ticks),
                        },
                        // Half-hour blocks over the lookback window.
                        _ => VolatilityModel::Har { block_ticks: 30, lookback_blocks: (p.lookback_ticks / 30).max(1) },
                    },
                    horizon_ticks: p.horizon_ticks,
                    multiplier: p.multiplier,
                    floor: parse(&p.floor, "floor")?,
                    cap: parse(&p.cap, "cap")?,
                }
            }
            PolicyKind::RiskMeasure => MarginPolicy::RiskMeasure {
                method: if p.historical { RiskMethod::Historical } else { RiskMethod::Normal },
                measure: if p.expected_shortfall { RiskMeasureKind::Es } else { RiskMeasureKind::Var },
                confidence: p.confidence,
                horizon_ticks: p.horizon_ticks,
                lookback_ticks: p.lookback_ticks,
                floor: parse(&p.floor, "floor")?,
                cap: parse(&p.cap, "cap")?,
            },
        })
    }

    pub(crate) fn name(&self) -> &'static str {
        match self.kind {
            PolicyKind::Static => "static",
            PolicyKind::VolatilityAdaptive => "volatility-adaptive",
            PolicyKind::RiskMeasure => "VaR/ES",
            PolicyKind::Garch => "GARCH forecast",
            PolicyKind::Har => "HAR-RV forecast",
            PolicyKind::Regime => "regime switching",
            PolicyKind::Learned => "learned quantile",
        }
    }

    /// Whether the policy's model forecasts a loss (the multiplier then defaults to 1, not 3).
    fn forecasts_a_loss(&self) -> bool {
        self.kind == PolicyKind::Learned || (self.kind == PolicyKind::Regime && self.expected_shortfall)
    }

    pub(crate) fn ui(&mut self, ui: &mut egui::Ui) {
        let loss = self.forecasts_a_loss();
        self.controls(ui);
        if self.forecasts_a_loss() != loss {
            self.multiplier = if self.forecasts_a_loss() { 1.0 } else { 3.0 };
        }
    }

    fn controls(&mut self, ui: &mut egui::Ui) {
        egui::ComboBox::from_label("policy").selected_text(self.name()).show_ui(ui, |ui| {
            ui.selectable_value(&mut self.kind, PolicyKind::Static, "static");
            ui.selectable_value(&mut self.kind, PolicyKind::VolatilityAdaptive, "volatility-adaptive");
            ui.selectable_value(&mut self.kind, PolicyKind::RiskMeasure, "VaR/ES");
            ui.selectable_value(&mut self.kind, PolicyKind::Garch, "GARCH forecast");
            ui.selectable_value(&mut self.kind, PolicyKind::Har, "HAR-RV forecast");
            ui.selectable_value(&mut self.kind, PolicyKind::Regime, "regime switching");
            ui.selectable_value(&mut self.kind, PolicyKind::Learned, "learned quantile");
        });
        if self.kind != PolicyKind::Static {
            ui.label("initial and maintenance above are the starting fractions");
            egui::Grid::new("policy-grid").show(ui, |ui| {
                let drag = |ui: &mut egui::Ui, label: &str, value: &mut f64, range: std::ops::RangeInclusive<f64>| {
                    let l = ui.label(label);
                    ui.add(egui::DragValue::new(value).range(range).speed(0.01)).labelled_by(l.id);
                    ui.end_row();
                };
                if self.kind == PolicyKind::VolatilityAdaptive {
                    drag(ui, "EWMA decay", &mut self.lambda, 0.5..=0.999);
                    drag(ui, "multiplier", &mut self.multiplier, 0.1..=20.0);
                } else if matches!(
                    self.kind,
                    PolicyKind::Garch | PolicyKind::Har | PolicyKind::Regime | PolicyKind::Learned
                ) {
                    drag(ui, "multiplier", &mut self.multiplier, 0.1..=20.0);
                    let l = ui.label("lookback ticks");
                    ui.add(egui::DragValue::new(&mut self.lookback_ticks).range(100..=100_000)).labelled_by(l.id);
                    ui.end_row();
                    if matches!(self.kind, PolicyKind::Regime | PolicyKind::Learned) {
                        drag(ui, "confidence", &mut self.confidence, 0.9..=0.9999);
                    }
                    if self.kind == PolicyKind::Regime {
                        ui.checkbox(&mut self.expected_shortfall, "mixture ES (else its volatility)");
                        ui.end_row();
                    }
                } else {
                    drag(ui, "confidence", &mut self.confidence, 0.9..=0.9999);
                    let l = ui.label("lookback ticks");
                    ui.add(egui::DragValue::new(&mut self.lookback_ticks).range(3..=100_000)).labelled_by(l.id);
                    ui.end_row();
                    ui.checkbox(&mut self.expected_shortfall, "expected shortfall (else VaR)");
                    ui.checkbox(&mut self.historical, "historical (else normal)");
                    ui.end_row();
                }
                let l = ui.label("horizon ticks");
                ui.add(egui::DragValue::new(&mut self.horizon_ticks).range(1..=10_000)).labelled_by(l.id);
                ui.end_row();
                labelled_text(ui, "floor", &mut self.floor);
                labelled_text(ui, "cap", &mut self.cap);
            });
        }
        egui::Grid::new("speed-limit-grid").show(ui, |ui| {
            labelled_text(ui, "max rise per tick", &mut self.speed_limit);
            labelled_text(ui, "stress buffer", &mut self.stress_buffer);
        });
    }
}
