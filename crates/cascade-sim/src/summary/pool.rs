//! A pool market's headline figures: what its liquidity providers made or lost, and how.

use crate::record::PoolTick;
use cascade_core::Decimal;
use serde::Serialize;

/// One pool's figures over a run (`summary.json`'s `pools`). Money is quote currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolSummary {
    /// The market's symbol.
    pub symbol: String,
    /// The pool's value at the start: the liquidity providers' deposits.
    pub value_start: Decimal,
    /// Its value at the end.
    pub value_end: Decimal,
    /// Its lowest value.
    pub value_min: Decimal,
    /// Its largest fall from a peak, fraction of the peak.
    pub max_drawdown: Decimal,
    /// What the liquidity providers made over the run (`value_end - value_start`; negative: their loss).
    pub lp_pnl: Decimal,
    /// Its share of the taker fees.
    pub fees: Decimal,
    /// Borrowing fees the traders paid it.
    pub borrowing_fees: Decimal,
    /// Funding it received (negative: paid).
    pub funding: Decimal,
    /// Bankrupt traders' shortfalls it paid.
    pub absorbed_shortfall: Decimal,
    /// Orders refused by an open-interest cap.
    pub capped_orders: u64,
}

impl PoolSummary {
    /// The figures of a pool of `symbol` holding `deposits`, before any tick.
    pub(super) fn new(symbol: &str, deposits: Decimal) -> Self {
        Self {
            symbol: symbol.to_owned(),
            value_start: deposits,
            value_end: deposits,
            value_min: deposits,
            max_drawdown: Decimal::ZERO,
            lp_pnl: Decimal::ZERO,
            fees: Decimal::ZERO,
            borrowing_fees: Decimal::ZERO,
            funding: Decimal::ZERO,
            absorbed_shortfall: Decimal::ZERO,
            capped_orders: 0,
        }
    }

    /// Takes one of the pool's rows.
    pub(super) fn row(&mut self, row: &PoolTick) {
        self.value_end = row.value;
        self.value_min = self.value_min.min(row.value);
        self.max_drawdown = self.max_drawdown.max(row.drawdown);
        self.lp_pnl = row.value - self.value_start;
        self.fees += row.fees;
        self.borrowing_fees += row.borrowing_fees;
        self.funding += row.funding;
        self.absorbed_shortfall += row.absorbed_shortfall;
        self.capped_orders += u64::from(row.capped_orders);
    }
}
