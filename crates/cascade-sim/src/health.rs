//! An account's margin health as the venue computes it: every instrument's valuation and schedule, combined by the
//! margin mode (requirements summed for cross and isolated accounts, netted by the underlyings' correlation for
//! portfolio margin); an account holding options by the scenario's option rule ([`crate::options::option_health`]),
//! its parts summed or netted by the mode.

use crate::market::Instrument;
use crate::options::{Combine, holds_options, option_health};
use crate::resources::{Instruments, MarginState};
use cascade_core::account::{Portfolio, Position};
use cascade_core::margin::{Health, health, passes_initial_margin, portfolio_health};
use cascade_core::money::MoneyError;
use cascade_core::revaluation::Approximation;
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

/// Whether an order changing `portfolio`'s position in `instrument` by `signed_quantity` passes the initial-margin
/// check: [`passes_initial_margin`] under the engine's margin mode, answered first by [`initial_margin_screen`].
pub fn passes_initial(
    instruments: &Instruments,
    engine: &MarginState,
    portfolio: &Portfolio,
    instrument: InstrumentId,
    signed_quantity: Decimal,
) -> Result<bool, MoneyError> {
    let screen = |after: Decimal| initial_margin_screen(instruments, engine, portfolio, instrument, after);
    let health = |p: &Portfolio| account_health(instruments, engine, p);
    passes_initial_margin(portfolio, instrument, signed_quantity, screen, health)
}

/// The initial-margin check in `f64`, where that is certain ([`Approximation::covers`]): whether `portfolio`'s
/// equity covers the initial requirement of its positions with the one in `instrument` at `after` (signed, base
/// units), for an account in cross or isolated margin whose positions, and `instrument`, are all linear under flat
/// fractions. `None` for other accounts, and when equity is within about 1e-12 of the requirement (relative to the
/// account's size).
pub fn initial_margin_screen(
    instruments: &Instruments,
    engine: &MarginState,
    portfolio: &Portfolio,
    instrument: InstrumentId,
    after: Decimal,
) -> Option<bool> {
    let fraction = |i: &Instrument| i.margin.rates.initial.max(i.margin.rates.maintenance);
    approximation(instruments, engine, portfolio, fraction, Some((instrument, after)))?.covers()
}

/// `portfolio`'s standing against its maintenance requirement in `f64` ([`Approximation`]), for an account as
/// [`initial_margin_screen`] takes them (`None` for others): what ranks the liquidation queue without a division
/// where the ranks are clear.
pub fn maintenance_approximation(
    instruments: &Instruments,
    engine: &MarginState,
    portfolio: &Portfolio,
) -> Option<Approximation> {
    approximation(instruments, engine, portfolio, |i| i.margin.rates.maintenance, None)
}

/// `portfolio` in `f64`, each open position charged `fraction` of its notional, the one in `traded.0` (open or not)
/// valued at its current size and charged at `traded.1`; `None` unless the account is in cross or isolated margin
/// and its open positions, and the traded instrument, are all linear under flat fractions.
fn approximation(
    instruments: &Instruments,
    engine: &MarginState,
    portfolio: &Portfolio,
    fraction: impl Fn(&Instrument) -> Decimal,
    traded: Option<(InstrumentId, Decimal)>,
) -> Option<Approximation> {
    let flat = |id: InstrumentId| {
        let i = instruments.get(id);
        i.kind.is_linear() && i.margin.is_flat() && i.margin.open_interest_scale.is_zero()
    };
    let cross = matches!(engine.rules.mode, MarginMode::Cross | MarginMode::Isolated);
    let traded_flat = traded.is_none_or(|(id, _)| flat(id));
    if !cross || !traded_flat || portfolio.positions.iter().any(|p| !p.quantity.is_zero() && !flat(p.instrument)) {
        return None;
    }
    // Each open position as (held, mark, charged, fraction).
    let term = |id: InstrumentId, held: Decimal, charged: Decimal| {
        let i = instruments.get(id);
        (held, i.mark_price, charged, fraction(i))
    };
    let traded_id = traded.map(|(id, _)| id);
    let others = portfolio.positions.iter().filter(|p| Some(p.instrument) != traded_id && !p.quantity.is_zero());
    let traded = traded.map(|(id, after)| term(id, portfolio.quantity(id), after));
    let terms = others.map(|p| term(p.instrument, p.quantity, p.quantity)).chain(traded);
    Approximation::of(portfolio.ledger_value().ok()?, terms)
}
