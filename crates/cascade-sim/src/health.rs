//! An account's margin health as the venue computes it: every instrument's valuation and schedule, combined by the
//! margin mode (requirements summed for cross and isolated accounts, netted by the underlyings' correlation for
//! portfolio margin); an account holding options is margined by the scenario grid
//! ([`crate::options::grid_health`]) whatever the mode.

use crate::options::{grid_health, holds_options};
use crate::resources::{Instruments, MarginState};
use cascade_core::account::{Portfolio, Position};
use cascade_core::margin::{Health, health, portfolio_health};
use cascade_core::money::MoneyError;
use cascade_core::{Decimal, InstrumentId};
use cascade_scenario::MarginMode;

/// The health of `portfolio` at the current marks under the engine's margin mode.
pub fn account_health(
    instruments: &Instruments,
    engine: &MarginState,
    portfolio: &Portfolio,
) -> Result<Health, MoneyError> {
    match engine.rules.mode {
        MarginMode::Cross | MarginMode::Isolated => standalone_health(instruments, engine, portfolio),
        // Options need cross margin (validated), so a portfolio-margined account never holds one.
        MarginMode::Portfolio { max_offset } => {
            let value = |i: InstrumentId| instruments.valuation(i);
            let requirement =
                |p: &Position, at: Decimal| instruments.get(p.instrument).margin.requirement(p.quantity, at);
            portfolio_health(portfolio, value, requirement, &engine.correlation, max_offset)
        }
    }
}

/// The health of `portfolio` with its positions' stand-alone requirements summed (cross margin; what portfolio
/// margin is compared against); an account holding options, the scenario grid's.
pub fn standalone_health(
    instruments: &Instruments,
    engine: &MarginState,
    portfolio: &Portfolio,
) -> Result<Health, MoneyError> {
    if let Some(options) = &engine.options
        && holds_options(instruments, portfolio)
    {
        return grid_health(instruments, options, portfolio);
    }
    let value = |i: InstrumentId| instruments.valuation(i);
    let requirement = |p: &Position, at: Decimal| instruments.get(p.instrument).margin.requirement(p.quantity, at);
    health(portfolio, value, requirement)
}
