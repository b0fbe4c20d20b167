//! A pool-counterparty market (GMX-style): traders trade against a liquidity pool at the oracle price.

use rust_decimal::Decimal;
use rust_decimal::dec;
use serde::{Deserialize, Serialize};

/// A liquidity pool that is the counterparty of every trade in its market: traders open and close at the oracle
/// price (widened by `spread`), so there is no book; the pool holds the opposite of the traders' net position,
/// and the liquidity providers' deposits absorb the traders' PnL. Liquidations close against the pool at the
/// oracle price; a shortfall beyond the insurance fund is paid by the pool, not booked as bad debt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pool {
    /// The liquidity providers' deposits at tick 0, quote currency.
    pub liquidity: Decimal,
    /// Half-spread around the oracle price at which the pool trades, fraction: a buy fills at
    /// `oracle x (1 + spread)`, a sell at `oracle x (1 - spread)`, on the tick grid.
    pub spread: Decimal,
    /// Largest open interest of the traders' longs, quote notional at the oracle price: an order that would take
    /// it above is rejected. 0: no cap.
    pub max_long_interest: Decimal,
    /// Largest open interest of the traders' shorts, quote notional at the oracle price. 0: no cap.
    pub max_short_interest: Decimal,
    /// Borrowing fee per funding interval at full utilization, fraction of notional: each trader pays
    /// `borrowing_rate x utilization x |quantity| x oracle` to the pool, `utilization` being its side's open
    /// interest over the pool's value (at most 1). 0: none.
    pub borrowing_rate: Decimal,
    /// Funding per interval at full imbalance, fraction of notional: the rate is
    /// `funding_factor x (long - short) / (long + short)` of the traders' open interest (positive: longs pay). The
    /// pool, holding the imbalance, pays or receives its share like any position. It replaces the premium-based
    /// rate in this market.
    pub funding_factor: Decimal,
    /// Share of the taker fee paid to the pool (the rest to the venue), in [0, 1] (GMX v1: 70%).
    pub fee_share: Decimal,
}

impl Default for Pool {
    fn default() -> Self {
        Self {
            liquidity: dec!(50000000),
            spread: dec!(0.0005),
            max_long_interest: Decimal::ZERO,
            max_short_interest: Decimal::ZERO,
            borrowing_rate: dec!(0.0001),
            funding_factor: Decimal::ZERO,
            fee_share: dec!(0.7),
        }
    }
}
