//! What a run records: one [`TickRecord`] per tick, an [`Event`] per liquidation or shock, and a [`Summary`].
//! Money and prices are exact decimals (written as strings); statistics are `f64`.

use cascade_core::Decimal;
use cascade_core::money::to_f64;
use serde::Serialize;

/// The state of the (first) market and the venue at the end of a tick. Column order of `timeseries.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TickRecord {
    /// Tick number, from 0.
    pub tick: u64,
    /// Simulated time at the end of the tick, seconds.
    pub time_s: f64,
    /// Reference (wider-market) price.
    pub reference: f64,
    /// Venue oracle price (median of sources).
    pub oracle: Decimal,
    /// Mark price used for margin.
    pub mark: Decimal,
    /// Best bid after the tick, if any.
    pub best_bid: Option<Decimal>,
    /// Best ask after the tick, if any.
    pub best_ask: Option<Decimal>,
    /// Last trade price so far.
    pub last_trade: Option<Decimal>,
    /// Resting bid notional within 1% below the mark, quote.
    pub bid_depth_1pct: Decimal,
    /// Resting ask notional within 1% above the mark, quote.
    pub ask_depth_1pct: Decimal,
    /// Base quantity traded in the tick.
    pub volume: Decimal,
    /// Quote notional traded in the tick.
    pub notional_volume: Decimal,
    /// Open interest (sum of long quantities), base units.
    pub open_interest: Decimal,
    /// Accounts liquidated in the tick.
    pub liquidations: u32,
    /// Notional closed by liquidations in the tick, quote.
    pub liquidated_notional: Decimal,
    /// Orders rejected for insufficient initial margin in the tick.
    pub rejected_orders: u32,
    /// Funding rate applied in the tick, if any (positive: longs paid shorts).
    pub funding_rate: Option<Decimal>,
    /// Insurance fund balance, quote.
    pub insurance_fund: Decimal,
    /// Cumulative bad debt, quote.
    pub bad_debt: Decimal,
    /// Cumulative fees collected by the venue, quote.
    pub fees: Decimal,
}

/// What happened in an [`Event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// An account was (partly) closed out by the liquidation engine.
    Liquidation,
    /// A scripted shock started.
    ShockStart,
    /// A scripted shock ended.
    ShockEnd,
}

/// One row of `events.csv`. Liquidation fields are empty for shocks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Tick at which it happened.
    pub tick: u64,
    /// What happened.
    pub kind: EventKind,
    /// For shocks, the shock kind (`price_gap`, ...); for liquidations, `long` or `short`.
    pub detail: String,
    /// The liquidated account.
    pub account: Option<u32>,
    /// Quantity closed, base units.
    pub quantity: Option<Decimal>,
    /// Quantity left open because the book ran dry, base units.
    pub unfilled: Option<Decimal>,
    /// Mark price that triggered it.
    pub mark_price: Option<Decimal>,
    /// Volume-weighted execution price.
    pub average_price: Option<Decimal>,
    /// Notional closed, quote.
    pub notional: Option<Decimal>,
    /// Liquidation penalty paid to the insurance fund, quote.
    pub fee: Option<Decimal>,
    /// Negative equity left after the close-out, quote.
    pub shortfall: Option<Decimal>,
    /// Part of the shortfall paid by the insurance fund, quote.
    pub insurance_paid: Option<Decimal>,
    /// Part of the shortfall booked as bad debt, quote.
    pub bad_debt: Option<Decimal>,
    /// For shocks, the shock's magnitude (change, fraction or multiplier).
    pub magnitude: Option<f64>,
}

/// Headline figures of a run (`summary.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Seed used.
    pub seed: u64,
    /// Ticks simulated.
    pub ticks: u64,
    /// Reference price at the end of tick 0 / at the end / lowest.
    pub reference_start: f64,
    /// Reference price at the end.
    pub reference_end: f64,
    /// Lowest reference price.
    pub reference_min: f64,
    /// Mark price at the end of tick 0.
    pub mark_start: Decimal,
    /// Mark price at the end.
    pub mark_end: Decimal,
    /// Lowest mark price.
    pub mark_min: Decimal,
    /// Largest fall of the mark from a running peak, fraction (0.2 = 20%).
    pub mark_max_drawdown: f64,
    /// Liquidation close-outs in total (an account can be closed out over several ticks).
    pub liquidations: u64,
    /// Distinct accounts liquidated.
    pub accounts_liquidated: u64,
    /// Notional closed by liquidations, quote.
    pub liquidated_notional: Decimal,
    /// Most liquidations in one tick.
    pub peak_liquidations_per_tick: u32,
    /// Tick of that peak (none without liquidations).
    pub peak_liquidation_tick: Option<u64>,
    /// Ticks with at least one liquidation.
    pub ticks_with_liquidations: u64,
    /// Insurance fund at the start.
    pub insurance_fund_start: Decimal,
    /// Insurance fund at the end.
    pub insurance_fund_end: Decimal,
    /// Lowest insurance fund balance.
    pub insurance_fund_min: Decimal,
    /// Shortfalls of bankrupt accounts, quote.
    pub shortfall: Decimal,
    /// Bad debt at the end, quote.
    pub bad_debt: Decimal,
    /// Fees collected, quote.
    pub fees: Decimal,
    /// Notional traded, quote.
    pub notional_volume: Decimal,
    /// Orders rejected for insufficient initial margin.
    pub rejected_orders: u64,
}

impl Summary {
    /// Computes the summary from a run's records.
    pub fn from_records(
        scenario: &str,
        seed: u64,
        insurance_fund_start: Decimal,
        ticks: &[TickRecord],
        events: &[Event],
    ) -> Self {
        let first = ticks.first();
        let last = ticks.last();
        let mut peak = Decimal::ZERO;
        let mut max_drawdown = 0.0f64;
        for t in ticks {
            peak = peak.max(t.mark);
            if peak > Decimal::ZERO {
                max_drawdown = max_drawdown.max(1.0 - to_f64(t.mark) / to_f64(peak));
            }
        }
        let liquidations: Vec<&Event> = events
            .iter()
            .filter(|e| e.kind == EventKind::Liquidation)
            .collect();
        let mut accounts: Vec<u32> = liquidations.iter().filter_map(|e| e.account).collect();
        accounts.sort_unstable();
        accounts.dedup();
        let peak_tick = ticks
            .iter()
            .filter(|t| t.liquidations > 0)
            .max_by_key(|t| (t.liquidations, std::cmp::Reverse(t.tick)));
        let sum = |f: fn(&Event) -> Option<Decimal>| {
            liquidations.iter().filter_map(|e| f(e)).sum::<Decimal>()
        };
        Summary {
            scenario: scenario.to_owned(),
            seed,
            ticks: ticks.len() as u64,
            reference_start: first.map_or(0.0, |t| t.reference),
            reference_end: last.map_or(0.0, |t| t.reference),
            reference_min: ticks
                .iter()
                .map(|t| t.reference)
                .fold(f64::INFINITY, f64::min),
            mark_start: first.map_or(Decimal::ZERO, |t| t.mark),
            mark_end: last.map_or(Decimal::ZERO, |t| t.mark),
            mark_min: ticks.iter().map(|t| t.mark).min().unwrap_or_default(),
            mark_max_drawdown: max_drawdown,
            liquidations: liquidations.len() as u64,
            accounts_liquidated: accounts.len() as u64,
            liquidated_notional: sum(|e| e.notional),
            peak_liquidations_per_tick: peak_tick.map_or(0, |t| t.liquidations),
            peak_liquidation_tick: peak_tick.map(|t| t.tick),
            ticks_with_liquidations: ticks.iter().filter(|t| t.liquidations > 0).count() as u64,
            insurance_fund_start,
            insurance_fund_end: last.map_or(insurance_fund_start, |t| t.insurance_fund),
            insurance_fund_min: ticks
                .iter()
                .map(|t| t.insurance_fund)
                .min()
                .unwrap_or(insurance_fund_start),
            shortfall: sum(|e| e.shortfall),
            bad_debt: last.map_or(Decimal::ZERO, |t| t.bad_debt),
            fees: last.map_or(Decimal::ZERO, |t| t.fees),
            notional_volume: ticks.iter().map(|t| t.notional_volume).sum(),
            rejected_orders: ticks.iter().map(|t| u64::from(t.rejected_orders)).sum(),
        }
    }
}
