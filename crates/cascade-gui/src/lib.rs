//! The cascade desktop GUI: watch a stress run unfold, steer it, and compare two settings side by side.
//!
//! A thin layer over [`cascade_sim::runner::Runner`]: the simulation runs on its own thread, the window sends it
//! commands and draws the updates it reports, so a slow frame never slows or changes the simulation and a run in
//! the GUI gives the same numbers as the same run headless.

mod app;
mod plots;
mod view;

pub use app::CascadeApp;

use cascade_scenario::Scenario;

/// Opens the window on `scenario` (named `label` in the title) with `seed`; with `autoplay` the run starts playing
/// at once. Returns when the window is closed.
pub fn run(scenario: Scenario, label: String, seed: u64, autoplay: bool) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1400.0, 900.0])
            .with_title(format!("cascade - {label}")),
        ..Default::default()
    };
    eframe::run_native(
        "cascade",
        options,
        Box::new(move |_cc| {
            let app = CascadeApp::new(scenario, seed, autoplay).map_err(|e| e.to_string())?;
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| e.to_string())
}
