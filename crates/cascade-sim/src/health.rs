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
    let mark = |m: MarketId| markets.get(m).mark_price;
    let requirement = |p: &Position, at: Decimal| markets.get(p.market).margin.requirement(p.quantity, at);
    match engine.rules.mode {
        MarginMode::Cross | MarginMode::Isolated => health(portfolio, mark, requirement),
        MarginMode::Portfolio { max_offset } => {
            portfolio_health(portfolio, mark, requirement, &engine.correlation, max_offset)
        }
    }
}
