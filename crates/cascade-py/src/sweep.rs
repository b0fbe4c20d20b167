//! Sweeps and calibrations from Python, through the libraries the CLI drives: the same plan and calibration files,
//! the same output directories (so a sweep resumes), the same tables.

use crate::table::Table;
use crate::{CHECK_SIGNALS_EVERY, CascadeError, scenario_error, simulation_error};
use cascade_calibrate::market::{self, FitOptions};
use cascade_calibrate::{CalibrateError, Prepared, output};
use cascade_sweep::{Cancel, Options, Sweep, SweepError};
use pyo3::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Runs `work` on a thread of its own with the GIL released, coming back for signals every
/// [`CHECK_SIGNALS_EVERY`]; on a Ctrl-C, raises `cancel` (the work stops at its next run), waits for the work to
/// stop and re-raises the `KeyboardInterrupt`.
fn interruptible<T: Send>(py: Python<'_>, cancel: &Cancel, work: impl FnOnce() -> T + Send) -> PyResult<T> {
    let done = AtomicBool::new(false);
    let mut interrupted = None;
    let result = std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let result = work();
            done.store(true, Ordering::Release);
            result
        });
        while !done.load(Ordering::Acquire) {
            py.detach(|| {
                let started = Instant::now();
                while !done.load(Ordering::Acquire) && started.elapsed() < CHECK_SIGNALS_EVERY {
                    std::thread::sleep(Duration::from_millis(2));
                }
            });
            if interrupted.is_none()
                && let Err(e) = py.check_signals()
            {
                cancel.cancel();
                interrupted = Some(e);
            }
        }
        py.detach(|| worker.join())
    });
    match (interrupted, result) {
        (Some(e), _) => Err(e),
        (None, Ok(value)) => Ok(value),
        (None, Err(_)) => Err(CascadeError::new_err("the worker thread panicked")),
    }
}

fn sweep_error(e: SweepError) -> PyErr {
    match e {
        SweepError::Parse(_) | SweepError::Invalid { .. } => scenario_error(e),
        other => simulation_error(other),
    }
}

fn calibrate_error(e: CalibrateError) -> PyErr {
    match e {
        CalibrateError::Parse(_) | CalibrateError::Invalid { .. } | CalibrateError::Fit(_) => scenario_error(e),
        CalibrateError::Sweep(inner) => sweep_error(inner),
        other => simulation_error(other),
    }
}

/// Reads a plan: `form` says what `source` is (`file`, `text`: RON as a plan file writes it, `json`: the plan's
/// fields as JSON, as the Python `cascade.plan` builds them).
fn load_plan(source: &str, form: &str) -> PyResult<Sweep> {
    match form {
        "file" => Sweep::load(Path::new(source)).map_err(sweep_error),
        "text" => Sweep::prepare("<plan>", source, None, "plan").map_err(sweep_error),
        "json" => {
            let plan: cascade_sweep::plan::Plan =
                serde_json::from_str(source).map_err(|e| scenario_error(format!("<plan>: {e}")))?;
            Sweep::from_plan(&plan, "<plan>").map_err(sweep_error)
        }
        other => Err(scenario_error(format!("expected the plan's form as file, text or json, found `{other}`"))),
    }
}

/// Runs a sweep plan into `out` (resuming what is there, as `cascade sweep --out` does) on `jobs` threads
/// (default: one per core); returns the runs and points tables and the manifest (JSON text).
#[pyfunction]
#[pyo3(signature = (source, form, out, jobs=None))]
pub fn sweep(
    py: Python<'_>,
    source: &str,
    form: &str,
    out: PathBuf,
    jobs: Option<usize>,
) -> PyResult<(Table, Table, String)> {
    let sweep = load_plan(source, form)?;
    let options = Options { jobs, ..Options::default() };
    let cancel = options.cancel.clone();
    let outcome =
        interruptible(py, &cancel, || cascade_sweep::run(&sweep, &out, options, |_, _| {}))?.map_err(sweep_error)?;
    let runs = cascade_sweep::results::runs_table(&sweep, &outcome.entries).to_record_batch();
    let points = cascade_sweep::results::points_table(&sweep, &outcome.entries).to_record_batch();
    let manifest = serde_json::to_string(&outcome.manifest).map_err(simulation_error)?;
    Ok((runs.map_err(simulation_error)?.into(), points.map_err(simulation_error)?.into(), manifest))
}

/// Runs a calibration (`form`: `file` or `text`) into `out`, as `cascade calibrate --out` does; returns the
/// frontier table and `calibration.json` (JSON text).
#[pyfunction]
#[pyo3(signature = (source, form, out, jobs=None))]
pub fn calibrate(
    py: Python<'_>,
    source: &str,
    form: &str,
    out: PathBuf,
    jobs: Option<usize>,
) -> PyResult<(Table, String)> {
    let prepared = match form {
        "file" => Prepared::load(Path::new(source)),
        "text" => Prepared::prepare("<calibration>", source, None, "calibration"),
        other => {
            return Err(scenario_error(format!("expected the calibration's form as file or text, found `{other}`")));
        }
    }
    .map_err(calibrate_error)?;
    let cancel = prepared.cancel.clone();
    let results = interruptible(py, &cancel, || {
        prepared.calibration.families.iter().map(|f| prepared.family(f, &out, jobs)).collect::<Result<Vec<_>, _>>()
    })?
    .map_err(calibrate_error)?;
    let written = output::write(&prepared, &results, &out).map_err(calibrate_error)?;
    let frontier = output::frontier(&prepared, &results).to_record_batch().map_err(simulation_error)?;
    let file = serde_json::to_string(&written).map_err(simulation_error)?;
    Ok((frontier.into(), file))
}

/// Fits a plan's market (`form`: as [`sweep`]'s) to `prices`, a real series oldest first, by simulated moments, as
/// `cascade fit` does; returns the fit table (`fit.parquet`'s, nearest point first) and the real series' moments as
/// JSON text (`moments`, `target`, `sd_of_a_run`, `target_returns`, `run_returns`, `failures`).
#[pyfunction]
#[pyo3(signature = (source, form, prices, interval=1, block=500, jobs=None))]
pub fn fit(
    py: Python<'_>,
    source: &str,
    form: &str,
    prices: Vec<f64>,
    interval: usize,
    block: usize,
    jobs: Option<usize>,
) -> PyResult<(Table, String)> {
    let sweep = load_plan(source, form)?;
    let options = FitOptions { interval, block, jobs, ..FitOptions::default() };
    let cancel = options.cancel.clone();
    let fit = interruptible(py, &cancel, || market::fit(&sweep, &prices, &options, || {}))?.map_err(calibrate_error)?;
    let table = market::table(&sweep, &fit).to_record_batch().map_err(simulation_error)?;
    let target = serde_json::json!({
        "moments": cascade_core::moments::NAMES,
        "target": fit.target,
        "sd_of_a_run": fit.target_sd,
        "target_returns": fit.target_returns,
        "run_returns": fit.run_returns,
        "failures": fit.failures,
    });
    Ok((table.into(), target.to_string()))
}
