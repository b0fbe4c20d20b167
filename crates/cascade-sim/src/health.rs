//! An account's margin health as the venue computes it: every instrument's valuation and schedule, combined by the
//! margin mode (requirements summed for cross and isolated accounts, netted by the underlyings' correlation for
//! portfolio margin); an account holding options by the scenario's option rule ([`crate::options::option_health`]),
//! its parts summed or netted by the mode.

use crate::options::{Combine, holds_options, option_health};
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
        MarginMode::Portfolio { max_offset } => {
            if let Some(options) = &engine.options
                && holds_options(instruments, portfolio)
            {
                let combine = Combine::Net { correlation: &engine.correlation, max_offset };
                return option_health(instruments, options, portfolio, combine);
            }
            let value = |i: InstrumentId| instruments.valuation(i);
            let requirement =
                |p: &Position, at: Decimal| instruments.get(p.instrument).margin.requirement(p.quantity, at);
            portfolio_health(portfolio, value, requirement, &engine.correlation, max_offset)
        }
    }
}

/// The health of `portfolio` with its positions' stand-alone requirements summed (cross margin; what portfolio
/// margin is compared against); an account holding options, the option rule's with its parts summed.
pub fn standalone_health(
    instruments: &Instruments,
    engine: &MarginState,
    portfolio: &Portfolio,
) -> Result<Health, MoneyError> {
    if let Some(options) = &engine.options
        && holds_options(instruments, portfolio)
    {
        return option_health(instruments, options, portfolio, Combine::Sum);
    }
    let value = |i: InstrumentId| instruments.valuation(i);
    let requirement = |p: &Position, at: Decimal| instruments.get(p.instrument).margin.requirement(p.quantity, at);
    health(portfolio, value, requirement)
}
