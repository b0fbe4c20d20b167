//! An account's margin health as the venue computes it: every market's mark and schedule, combined by the margin
//! mode (requirements summed for cross and isolated accounts, netted by correlation for portfolio margin).

use crate::resources::{MarginEngine, Markets};
use cascade_core::account::{Portfolio, Position};
use cascade_core::margin::{Health, health, portfolio_health};
use cascade_core::money::MoneyError;
use cascade_core::{Decimal, MarketId};
use cascade_scenario::MarginMode;

/// The health of `portfolio` at the current marks under the engine's margin mode.
pub fn account_health(markets: &Markets, engine: &MarginEngine, portfolio: &Portfolio) -> Result<Health, MoneyError> {
    match engine.rules.mode {
        MarginMode::Cross | MarginMode::Isolated => standalone_health(markets, portfolio),
        MarginMode::Portfolio { max_offset } => {
            let mark = |m: MarketId| markets.get(m).mark_price;
            let requirement = |p: &Position, at: Decimal| markets.get(p.market).margin.requirement(p.quantity, at);
            portfolio_health(portfolio, mark, requirement, &engine.correlation, max_offset)
        }
    }
}

/// The health of `portfolio` with its positions' stand-alone requirements summed (cross margin; what portfolio
/// margin is compared against).
pub fn standalone_health(markets: &Markets, portfolio: &Portfolio) -> Result<Health, MoneyError> {
    let mark = |m: MarketId| markets.get(m).mark_price;
    let requirement = |p: &Position, at: Decimal| markets.get(p.market).margin.requirement(p.quantity, at);
    health(portfolio, mark, requirement)
}
