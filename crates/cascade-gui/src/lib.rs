//! The cascade desktop GUI: watch a stress run unfold, steer it, and compare two settings side by side.
//!
//! A thin layer over [`cascade_sim::runner::Runner`]: the simulation runs on its own thread, the window sends it
//! commands and draws the updates it reports, so a slow frame never slows or changes the simulation and a run in
//! the GUI gives the same numbers as the same run headless.

mod app;
mod plots;
mod policy_form;
mod smile;
mod view;

pub use app::CascadeApp;

use cascade_scenario::Scenario;

/// How the window starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Seed of the run.
    pub seed: u64,
    /// Start playing at once.
    pub autoplay: bool,
    /// Ticks per second of play.
    pub speed: f64,
}

/// Opens the window on `scenario` (named `label` in the title). Returns when the window is closed.
pub fn run(scenario: Scenario, label: String, options: Options) -> Result<(), String> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1400.0, 900.0])
            .with_title(format!("cascade - {label}")),
        ..Default::default()
    };
    eframe::run_native(
        "cascade",
        native,
        Box::new(move |_cc| {
            let app = CascadeApp::new(scenario, options).map_err(|e| e.to_string())?;
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| e.to_string())
}
