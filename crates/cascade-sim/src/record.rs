//! What a run records: one [`TickRecord`] per tick, an [`Event`] per liquidation or shock, and a [`Summary`].
//! Money and prices are exact decimals (written as strings); statistics are `f64`.

use cascade_core::Decimal;
use cascade_core::money::to_f64;
use serde::Serialize;

/// One market's state at the end of a tick, when the world has several markets (`markets.csv`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarketTick {
    /// Tick index (0-based).
    pub tick: u64,
    /// The market's symbol.
    pub symbol: String,
    /// Reference price.
    pub reference: f64,
    /// Mark price.
    pub mark: Decimal,
    /// Open interest, base units.
    pub open_interest: Decimal,
    /// Initial margin fraction in force.
    pub initial_margin: Decimal,
    /// Maintenance margin fraction in force.
    pub maintenance_margin: Decimal,
    /// Liquidation close-outs this tick.
    pub liquidations: u32,
    /// Notional closed by liquidations this tick, quote.
    pub liquidated_notional: Decimal,
    /// Notional traded this tick, quote.
    pub notional_volume: Decimal,
}

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
    /// Initial margin fraction in force.
    pub initial_margin: Decimal,
    /// Maintenance margin fraction in force.
    pub maintenance_margin: Decimal,
    /// Collateral that must be held as initial margin by every account with a position, in all markets, under
    /// the venue's margin mode (portfolio margin nets), quote.
    pub margin_locked: Decimal,
    /// The sum of every position's stand-alone initial requirement, quote: `margin_locked` without portfolio
    /// netting (equal to it under cross and isolated margin).
    pub margin_locked_standalone: Decimal,
    /// Accounts liquidated in the tick.
    pub liquidations: u32,
    /// Notional closed by liquidations in the tick, quote.
    pub liquidated_notional: Decimal,
    /// Orders rejected for insufficient initial margin in the tick.
    pub rejected_orders: u32,
    /// Notional taken over by backstop liquidators in the tick, quote.
    pub backstop_notional: Decimal,
    /// Notional closed against winners by deleveraging in the tick, quote.
    pub deleveraged_notional: Decimal,
    /// Loss taken from winners' collateral by socialization in the tick, quote.
    pub socialized_loss: Decimal,
    /// Whether the oracle price was stale at the end of the tick.
    pub oracle_stale: bool,
    /// Oracle prints rejected by the deviation guard in the tick.
    pub oracle_rejections: u32,
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
    /// A winner's position was reduced by auto-deleveraging, or its collateral haircut by a socialized loss.
    Deleverage,
    /// A scripted shock started.
    ShockStart,
    /// A scripted shock ended.
    ShockEnd,
    /// An oracle print was rejected by the confidence or the deviation guard (`detail` names the source and rule).
    OraclePrintRejected,
    /// The oracle price went stale (no fresh source); `detail` says whether liquidations are paused.
    OracleStale,
    /// The oracle price is fresh again.
    OracleFresh,
    /// A margin parameter was changed during the run (from the GUI); `detail` gives the new values.
    PolicyChange,
}

/// One row of `events.csv`; fields that do not apply to a kind are empty.
///
/// For a liquidation, the closed quantity is split by absorber (`book_quantity`, `backstop_quantity`,
/// `deleveraged_quantity`) and the shortfall by who paid it (`insurance_paid`, `socialized`, `bad_debt`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Tick at which it happened.
    pub tick: u64,
    /// What happened.
    pub kind: EventKind,
    /// Liquidation and deleverage: `long` or `short` (the position's side); shocks: the shock kind; oracle events:
    /// the source or the state.
    pub detail: String,
    /// The account concerned.
    pub account: Option<u32>,
    /// Quantity closed or deleveraged, base units.
    pub quantity: Option<Decimal>,
    /// Quantity of the slice left open (book dry, limits), base units.
    pub unfilled: Option<Decimal>,
    /// Mark price at the time.
    pub mark_price: Option<Decimal>,
    /// The account's bankruptcy price before the close-out.
    pub bankruptcy_price: Option<Decimal>,
    /// Volume-weighted execution price (for a deleverage, the transfer price).
    pub average_price: Option<Decimal>,
    /// Notional closed, quote.
    pub notional: Option<Decimal>,
    /// Part of the quantity sold into the book.
    pub book_quantity: Option<Decimal>,
    /// Part taken over by backstop liquidators.
    pub backstop_quantity: Option<Decimal>,
    /// Part closed against winners by deleveraging.
    pub deleveraged_quantity: Option<Decimal>,
    /// Penalty paid to the insurance fund, quote.
    pub fee: Option<Decimal>,
    /// Penalty paid to backstop liquidators, quote.
    pub liquidator_fee: Option<Decimal>,
    /// Negative equity left after the close-out, quote.
    pub shortfall: Option<Decimal>,
    /// Part of the shortfall paid by the insurance fund, quote.
    pub insurance_paid: Option<Decimal>,
    /// Part of the shortfall taken from winners as a socialized loss, quote.
    pub socialized: Option<Decimal>,
    /// Part of the shortfall booked as bad debt, quote.
    pub bad_debt: Option<Decimal>,
    /// Deleverage: what the winner gave up relative to closing at the mark (or its haircut), quote.
    pub loss: Option<Decimal>,
    /// Deleverage: the winner's unrealized profit before, quote.
    pub profit: Option<Decimal>,
    /// Deleverage: the winner's leverage before (notional over equity).
    pub leverage: Option<Decimal>,
    /// Shocks: magnitude (change, fraction, multiplier, ticks); oracle rejections: the print's confidence
    /// half-width or deviation, whichever guard fired.
    pub magnitude: Option<f64>,
}

impl Event {
    /// An event with only its tick, kind and detail set.
    pub fn new(tick: u64, kind: EventKind, detail: impl Into<String>) -> Self {
        Self {
            tick,
            kind,
            detail: detail.into(),
            account: None,
            quantity: None,
            unfilled: None,
            mark_price: None,
            bankruptcy_price: None,
            average_price: None,
            notional: None,
            book_quantity: None,
            backstop_quantity: None,
            deleveraged_quantity: None,
            fee: None,
            liquidator_fee: None,
            shortfall: None,
            insurance_paid: None,
            socialized: None,
            bad_debt: None,
            loss: None,
            profit: None,
            leverage: None,
            magnitude: None,
        }
    }
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
    /// Largest fall of the insurance fund below its starting balance, quote (`start - min`).
    pub insurance_fund_drawdown: Decimal,
    /// Shortfalls of bankrupt accounts, quote.
    pub shortfall: Decimal,
    /// Bad debt at the end, quote.
    pub bad_debt: Decimal,
    /// Fees collected, quote.
    pub fees: Decimal,
    /// Notional taken over by backstop liquidators, quote.
    pub backstop_notional: Decimal,
    /// Notional closed against winners by deleveraging, quote.
    pub deleveraged_notional: Decimal,
    /// Loss taken from winners by socialization, quote.
    pub socialized_loss: Decimal,
    /// Fairness of loss allocation (ADL and socialized loss).
    pub loss_allocation: LossAllocationSummary,
    /// Ticks at whose end the oracle price was stale.
    pub oracle_stale_ticks: u64,
    /// Oracle prints rejected by the deviation guard.
    pub oracle_rejections: u64,
    /// Notional traded, quote.
    pub notional_volume: Decimal,
    /// Orders rejected for insufficient initial margin.
    pub rejected_orders: u64,
    /// Mean collateral locked as initial margin per tick (capital efficiency), quote.
    pub margin_locked_mean: Decimal,
    /// Peak collateral locked as initial margin, quote.
    pub margin_locked_peak: Decimal,
    /// Mean of the positions' summed stand-alone initial requirements per tick, quote: what `margin_locked_mean`
    /// would be without portfolio netting.
    pub margin_locked_standalone_mean: Decimal,
    /// Backtest of the maintenance margin against one-tick mark moves, at a 1% expected exception rate.
    pub backtest: Option<cascade_core::risk::Backtest>,
    /// With several markets, each market's headline figures (the fields above describe the first market's prices
    /// and the whole venue's money).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub markets: Vec<MarketSummary>,
}

/// One market's headline figures in a world of several.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarketSummary {
    /// The market's symbol.
    pub symbol: String,
    /// Mark price at the end of tick 0.
    pub mark_start: Decimal,
    /// Mark price at the end.
    pub mark_end: Decimal,
    /// Lowest mark price.
    pub mark_min: Decimal,
    /// Highest mark price.
    pub mark_max: Decimal,
    /// Liquidation close-outs in this market.
    pub liquidations: u64,
    /// Notional closed by liquidations in this market, quote.
    pub liquidated_notional: Decimal,
    /// Backtest of this market's maintenance margin against its one-tick mark moves.
    pub backtest: Option<cascade_core::risk::Backtest>,
}

impl MarketSummary {
    /// Per-market figures from the per-market rows, in order of first appearance.
    pub fn from_rows(rows: &[MarketTick]) -> Vec<Self> {
        let mut symbols: Vec<&str> = Vec::new();
        for r in rows {
            if !symbols.contains(&r.symbol.as_str()) {
                symbols.push(&r.symbol);
            }
        }
        symbols
            .into_iter()
            .map(|symbol| {
                let own: Vec<&MarketTick> = rows.iter().filter(|r| r.symbol == symbol).collect();
                let marks: Vec<f64> = own.iter().map(|r| to_f64(r.mark)).collect();
                let margins: Vec<f64> = own.iter().map(|r| to_f64(r.maintenance_margin)).collect();
                Self {
                    symbol: symbol.to_owned(),
                    mark_start: own.first().map_or(Decimal::ZERO, |r| r.mark),
                    mark_end: own.last().map_or(Decimal::ZERO, |r| r.mark),
                    mark_min: own.iter().map(|r| r.mark).min().unwrap_or_default(),
                    mark_max: own.iter().map(|r| r.mark).max().unwrap_or_default(),
                    liquidations: own.iter().map(|r| u64::from(r.liquidations)).sum(),
                    liquidated_notional: own.iter().map(|r| r.liquidated_notional).sum(),
                    backtest: cascade_core::risk::backtest(&marks, &margins, 1, 0.01),
                }
            })
            .collect()
    }
}

/// Backtests the maintenance margin of a run's ticks against mark moves over `horizon` ticks.
pub fn backtest_of(ticks: &[TickRecord], horizon: usize, expected_rate: f64) -> Option<cascade_core::risk::Backtest> {
    let marks: Vec<f64> = ticks.iter().map(|t| to_f64(t.mark)).collect();
    let margins: Vec<f64> = ticks.iter().map(|t| to_f64(t.maintenance_margin)).collect();
    cascade_core::risk::backtest(&marks, &margins, horizon, expected_rate)
}

impl Summary {
    /// Computes the summary from a run's records.
    pub fn from_records(
        scenario: &str,
        seed: u64,
        insurance_fund_start: Decimal,
        ticks: &[TickRecord],
        events: &[Event],
        market_ticks: &[MarketTick],
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
        let liquidations: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::Liquidation).collect();
        let mut accounts: Vec<u32> = liquidations.iter().filter_map(|e| e.account).collect();
        accounts.sort_unstable();
        accounts.dedup();
        let peak_tick =
            ticks.iter().filter(|t| t.liquidations > 0).max_by_key(|t| (t.liquidations, std::cmp::Reverse(t.tick)));
        let sum = |f: fn(&Event) -> Option<Decimal>| liquidations.iter().filter_map(|e| f(e)).sum::<Decimal>();
        Summary {
            scenario: scenario.to_owned(),
            seed,
            ticks: ticks.len() as u64,
            reference_start: first.map_or(0.0, |t| t.reference),
            reference_end: last.map_or(0.0, |t| t.reference),
            reference_min: ticks.iter().map(|t| t.reference).fold(f64::INFINITY, f64::min),
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
            insurance_fund_min: ticks.iter().map(|t| t.insurance_fund).min().unwrap_or(insurance_fund_start),
            insurance_fund_drawdown: (insurance_fund_start
                - ticks.iter().map(|t| t.insurance_fund).min().unwrap_or(insurance_fund_start))
            .max(Decimal::ZERO),
            shortfall: sum(|e| e.shortfall),
            bad_debt: last.map_or(Decimal::ZERO, |t| t.bad_debt),
            fees: last.map_or(Decimal::ZERO, |t| t.fees),
            backstop_notional: ticks.iter().map(|t| t.backstop_notional).sum(),
            deleveraged_notional: ticks.iter().map(|t| t.deleveraged_notional).sum(),
            socialized_loss: ticks.iter().map(|t| t.socialized_loss).sum(),
            loss_allocation: LossAllocationSummary::from_events(events),
            oracle_stale_ticks: ticks.iter().filter(|t| t.oracle_stale).count() as u64,
            oracle_rejections: ticks.iter().map(|t| u64::from(t.oracle_rejections)).sum(),
            notional_volume: ticks.iter().map(|t| t.notional_volume).sum(),
            rejected_orders: ticks.iter().map(|t| u64::from(t.rejected_orders)).sum(),
            margin_locked_mean: if ticks.is_empty() {
                Decimal::ZERO
            } else {
                (ticks.iter().map(|t| t.margin_locked).sum::<Decimal>() / Decimal::from(ticks.len())).round_dp(2)
            },
            margin_locked_peak: ticks.iter().map(|t| t.margin_locked).max().unwrap_or_default(),
            margin_locked_standalone_mean: if ticks.is_empty() {
                Decimal::ZERO
            } else {
                (ticks.iter().map(|t| t.margin_locked_standalone).sum::<Decimal>() / Decimal::from(ticks.len()))
                    .round_dp(2)
            },
            backtest: backtest_of(ticks, 1, 0.01),
            markets: MarketSummary::from_rows(market_ticks),
        }
    }
}

/// How losses beyond the insurance fund fell on winners: per deleverage event, the loss a winner took relative to
/// its unrealized profit (its "share"), and its leverage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LossAllocationSummary {
    /// Deleverage events (one per winner per liquidation).
    pub events: u64,
    /// Distinct winners hit.
    pub winners_hit: u64,
    /// Total loss taken from winners, quote.
    pub loss_taken: Decimal,
    /// Mean of loss / profit over events (0 without events).
    pub mean_share_of_profit: f64,
    /// Largest loss / profit of any event.
    pub max_share_of_profit: f64,
    /// Mean leverage of the winners hit.
    pub mean_leverage: f64,
}

impl LossAllocationSummary {
    fn from_events(events: &[Event]) -> Self {
        let hits: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::Deleverage).collect();
        let shares: Vec<f64> =
            hits.iter().filter_map(|e| Some(to_f64(e.loss?) / to_f64(e.profit?))).filter(|s| s.is_finite()).collect();
        let leverages: Vec<f64> = hits.iter().filter_map(|e| e.leverage.map(to_f64)).collect();
        let mut winners: Vec<u32> = hits.iter().filter_map(|e| e.account).collect();
        winners.sort_unstable();
        winners.dedup();
        let mean = |xs: &[f64]| if xs.is_empty() { 0.0 } else { xs.iter().sum::<f64>() / xs.len() as f64 };
        Self {
            events: hits.len() as u64,
            winners_hit: winners.len() as u64,
            loss_taken: hits.iter().filter_map(|e| e.loss).sum(),
            mean_share_of_profit: mean(&shares),
            max_share_of_profit: shares.iter().copied().fold(0.0, f64::max),
            mean_leverage: mean(&leverages),
        }
    }
}
