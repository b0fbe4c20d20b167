//! The checks of pool-counterparty markets.

use super::Checker;
use crate::model::{Agents, Market, RawScenario};
use rust_decimal::Decimal;

/// The checks of every market's `pool`.
pub(super) fn check_pools(c: &mut Checker, s: &RawScenario) {
    check_pool(c, &s.market, (&s.agents, ""), "");
    for (i, other) in s.other_markets.iter().enumerate() {
        let prefix = format!("other_markets[{i}].");
        // A market without populations of its own copies the first market's.
        let agents = other.agents.as_ref().map_or((&s.agents, ""), |a| (a, prefix.as_str()));
        check_pool(c, &other.market, agents, &prefix);
    }
}

/// The checks of one market's pool; `agents` are its populations and where they are written.
fn check_pool(c: &mut Checker, market: &Market, agents: (&Agents, &str), prefix: &str) {
    let (agents, agents_at) = agents;
    let Some(pool) = &market.pool else { return };
    let at = |f: &str| format!("{prefix}market.pool.{f}");
    c.positive_decimal(pool.liquidity, &at("liquidity"));
    let fraction = |c: &mut Checker, value: Decimal, field: &str, top: Decimal| {
        c.require(
            value >= Decimal::ZERO && value < top,
            at(field),
            format!("expected a fraction in [0, {top}), found {value}"),
        );
    };
    fraction(c, pool.spread, "spread", Decimal::new(1, 1));
    fraction(c, pool.borrowing_rate, "borrowing_rate", Decimal::ONE);
    fraction(c, pool.funding_factor, "funding_factor", Decimal::ONE);
    c.require(
        (Decimal::ZERO..=Decimal::ONE).contains(&pool.fee_share),
        at("fee_share"),
        format!("expected a fraction in [0, 1], found {}", pool.fee_share),
    );
    for (value, field) in
        [(pool.max_long_interest, "max_long_interest"), (pool.max_short_interest, "max_short_interest")]
    {
        c.require(value >= Decimal::ZERO, at(field), format!("expected an amount >= 0 (0: no cap), found {value}"));
    }
    c.require(
        agents.market_makers.count == 0,
        format!("{agents_at}agents.market_makers.count"),
        "a pool market has no book to quote in: expected 0 market makers",
    );
}
