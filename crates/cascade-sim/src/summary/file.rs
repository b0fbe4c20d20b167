//! The layout of `summary.json`: a sole instrument's figures among the venue's (as a one-market world always wrote
//! them), several instruments' under `markets`.

use super::{LossAllocationSummary, MarketSummary, Summary};
use cascade_core::Decimal;
use serde::Serialize;

impl Serialize for Summary {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let sole = self.sole_market();
        let several = if sole.is_none() { Some(&self.markets) } else { None };
        SummaryFile {
            scenario: &self.scenario,
            seed: self.seed,
            ticks: self.ticks,
            reference_start: sole.map(|m| m.reference_start),
            reference_end: sole.map(|m| m.reference_end),
            reference_min: sole.map(|m| m.reference_min),
            mark_start: sole.map(|m| m.mark_start),
            mark_end: sole.map(|m| m.mark_end),
            mark_min: sole.map(|m| m.mark_min),
            mark_max_drawdown: sole.map(|m| m.mark_max_drawdown),
            liquidations: self.liquidations,
            accounts_liquidated: self.accounts_liquidated,
            liquidated_notional: self.liquidated_notional,
            peak_liquidations_per_tick: self.peak_liquidations_per_tick,
            peak_liquidation_tick: self.peak_liquidation_tick,
            ticks_with_liquidations: self.ticks_with_liquidations,
            insurance_fund_start: self.insurance_fund_start,
            insurance_fund_end: self.insurance_fund_end,
            insurance_fund_min: self.insurance_fund_min,
            insurance_fund_drawdown: self.insurance_fund_drawdown,
            shortfall: self.shortfall,
            bad_debt: self.bad_debt,
            underwater: &self.underwater,
            fees: self.fees,
            backstop_notional: self.backstop_notional,
            deleveraged_notional: self.deleveraged_notional,
            socialized_loss: self.socialized_loss,
            loss_allocation: &self.loss_allocation,
            oracle_stale_ticks: self.oracle_stale_ticks,
            oracle_rejections: self.oracle_rejections,
            notional_volume: self.notional_volume,
            rejected_orders: self.rejected_orders,
            margin_locked_mean: self.margin_locked_mean,
            margin_locked_peak: self.margin_locked_peak,
            margin_locked_standalone_mean: self.margin_locked_standalone_mean,
            backtest: sole.map(|m| &m.backtest),
            procyclicality: sole.map(|m| &m.procyclicality),
            markets: several,
            keepers: self.keepers.as_ref(),
            pools: &self.pools,
            orders: self.orders.as_ref(),
        }
        .serialize(serializer)
    }
}

/// The layout of `summary.json`: a sole instrument's figures among the venue's, several instruments' under
/// `markets`.
#[derive(Serialize)]
struct SummaryFile<'a> {
    scenario: &'a str,
    seed: u64,
    ticks: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference_start: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference_end: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference_min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mark_start: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mark_end: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mark_min: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mark_max_drawdown: Option<f64>,
    liquidations: u64,
    accounts_liquidated: u64,
    liquidated_notional: Decimal,
    peak_liquidations_per_tick: u32,
    peak_liquidation_tick: Option<u64>,
    ticks_with_liquidations: u64,
    insurance_fund_start: Decimal,
    insurance_fund_end: Decimal,
    insurance_fund_min: Decimal,
    insurance_fund_drawdown: Decimal,
    shortfall: Decimal,
    bad_debt: Decimal,
    underwater: &'a super::Underwater,
    fees: Decimal,
    backstop_notional: Decimal,
    deleveraged_notional: Decimal,
    socialized_loss: Decimal,
    loss_allocation: &'a LossAllocationSummary,
    oracle_stale_ticks: u64,
    oracle_rejections: u64,
    notional_volume: Decimal,
    rejected_orders: u64,
    margin_locked_mean: Decimal,
    margin_locked_peak: Decimal,
    margin_locked_standalone_mean: Decimal,
    #[serde(skip_serializing_if = "Option::is_none")]
    backtest: Option<&'a Option<cascade_core::risk::Backtest>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    procyclicality: Option<&'a cascade_core::procyclicality::ProcyclicalityMeasures>,
    #[serde(skip_serializing_if = "Option::is_none")]
    markets: Option<&'a Vec<MarketSummary>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keepers: Option<&'a super::KeeperSummary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pools: &'a Vec<super::PoolSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    orders: Option<&'a super::OrderSummary>,
}
