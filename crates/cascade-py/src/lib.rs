//! The native part of cascade's Python package (`cascade._cascade`): scenarios loaded as the CLI loads them, a
//! simulation stepped or run to its end, sweeps, calibrations and market fits, and their tables handed over as Arrow C streams
//! (`__arrow_c_stream__`), which the pure-Python layer (`python/cascade/`) turns into polars DataFrames.
//!
//! Long calls release the GIL (other Python threads run meanwhile) and check for signals every
//! [`CHECK_SIGNALS_EVERY`], so a Ctrl-C in a notebook interrupts them with `KeyboardInterrupt`.

mod scenario;
mod sim;
mod sweep;
mod table;

use pyo3::prelude::*;
use std::time::Duration;

/// How often a long call comes back for the interpreter's signals (Ctrl-C).
pub const CHECK_SIGNALS_EVERY: Duration = Duration::from_millis(50);

pyo3::create_exception!(_cascade, CascadeError, pyo3::exceptions::PyException, "Any error of cascade.");
pyo3::create_exception!(
    _cascade,
    ScenarioError,
    CascadeError,
    "A scenario, override, plan or calibration that cannot be read or does not validate; the message is the CLI's, \
     located (file, line, column, what was expected)."
);
pyo3::create_exception!(
    _cascade,
    SimulationError,
    CascadeError,
    "A simulation that could not be built or could not go on (a ledger fault, a world too large for memory)."
);

/// A scenario error as Python sees it.
fn scenario_error(e: impl std::fmt::Display) -> PyErr {
    ScenarioError::new_err(e.to_string())
}

/// A simulation error as Python sees it.
fn simulation_error(e: impl std::fmt::Display) -> PyErr {
    SimulationError::new_err(e.to_string())
}

/// The module.
#[pymodule]
fn _cascade(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CascadeError", m.py().get_type::<CascadeError>())?;
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add("SimulationError", m.py().get_type::<SimulationError>())?;
    m.add_class::<scenario::Scenario>()?;
    m.add_class::<sim::Sim>()?;
    m.add_class::<table::Table>()?;
    m.add_function(wrap_pyfunction!(scenario::scenarios, m)?)?;
    m.add_function(wrap_pyfunction!(scenario::margin_presets, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::sweep, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::calibrate, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::fit, m)?)?;
    Ok(())
}
