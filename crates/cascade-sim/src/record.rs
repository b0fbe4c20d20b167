//! What a run records: one [`TickRecord`] of the venue and one [`MarketTick`] per instrument each tick, an
//! [`Event`] per liquidation or shock, a [`ForecastTick`] per instrument and tick under a predictive margin
//! policy, a [`PoolTick`] per pool market and tick, and a [`crate::summary::Summary`].
//! Money and prices are exact decimals (written as strings); statistics are `f64`.

use cascade_core::Decimal;
use serde::Serialize;

/// One instrument's state at the end of a tick, with its underlying's prices. A world of one instrument writes
/// these columns into `timeseries.csv` beside the venue's ([`TickRecord`]); a world of several writes one row per
/// instrument and tick into `markets.csv`, in this column order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MarketTick {
    /// Tick index (0-based).
    pub tick: u64,
    /// The instrument's symbol.
    pub symbol: String,
    /// Reference (wider-market) price of its underlying.
    pub reference: f64,
    /// Its underlying's oracle price (median of sources).
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
    /// Quantity traded in the tick, units.
    pub volume: Decimal,
    /// Quote notional traded in the tick.
    pub notional_volume: Decimal,
    /// Open interest (sum of long quantities), units.
    pub open_interest: Decimal,
    /// Initial margin fraction in force.
    pub initial_margin: Decimal,
    /// Maintenance margin fraction in force.
    pub maintenance_margin: Decimal,
    /// Collateral locked as initial margin by the positions in this instrument, each position's stand-alone
    /// requirement (before any portfolio netting, which is venue-wide), quote.
    pub margin_locked: Decimal,
    /// Liquidation close-outs in the tick.
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
    /// Whether its underlying's oracle price was stale at the end of the tick.
    pub oracle_stale: bool,
    /// Prints of its underlying's oracles rejected by a guard in the tick.
    pub oracle_rejections: u32,
    /// Funding rate applied in the tick, if any (positive: longs paid shorts).
    pub funding_rate: Option<Decimal>,
}

/// A predictive margin policy's forecast for one instrument at a tick (`forecasts.csv`, written only when the
/// policy is predictive).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ForecastTick {
    /// Tick index (0-based).
    pub tick: u64,
    /// The instrument's symbol.
    pub symbol: String,
    /// The model's forecast over the policy's horizon, before the multiplier: a volatility of the horizon's log
    /// return (GARCH, HAR-RV, regimes without a measure), or a loss fraction (the regime mixture's VaR or ES, the
    /// learned quantile of the absolute horizon return).
    pub forecast: f64,
    /// Whether the forecast is the EWMA fallback's (the model not fitted yet, or its fit failed).
    pub fallback: bool,
    /// Filtered probability of the calmest regime (regime models once fitted; regimes ordered calmest first).
    pub regime_0: Option<f64>,
    /// Filtered probability of the second regime.
    pub regime_1: Option<f64>,
    /// Filtered probability of the third regime (three-regime models).
    pub regime_2: Option<f64>,
}

/// A pool market's pool at the end of a tick (`pool.csv`, written only when a market has a pool). Money is quote
/// currency; positive flows were received by the pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PoolTick {
    /// Tick index (0-based).
    pub tick: u64,
    /// The market's symbol.
    pub symbol: String,
    /// The pool's value at the mark: the liquidity providers' deposits plus everything the pool has earned and
    /// paid, and the unrealized PnL of the position it holds.
    pub value: Decimal,
    /// The pool's position, base units: the opposite of the traders' net position.
    pub position: Decimal,
    /// The traders' long open interest, base units.
    pub long_interest: Decimal,
    /// The traders' short open interest, base units (positive).
    pub short_interest: Decimal,
    /// The value's fall from its peak so far, fraction of the peak.
    pub drawdown: Decimal,
    /// Its share of the taker fees in the tick.
    pub fees: Decimal,
    /// Borrowing fees the traders paid it in the tick.
    pub borrowing_fees: Decimal,
    /// Funding it received in the tick (negative: paid).
    pub funding: Decimal,
    /// Bankrupt traders' shortfalls it paid in the tick.
    pub absorbed_shortfall: Decimal,
    /// Orders refused by an open-interest cap in the tick.
    pub capped_orders: u32,
}

/// The venue's state at the end of a tick: every instrument's flow summed, the collateral locked and the ledger's
/// sinks. A world of several instruments writes these columns into `timeseries.csv` (one row per tick).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TickRecord {
    /// Tick number, from 0.
    pub tick: u64,
    /// Simulated time at the end of the tick, seconds.
    pub time_s: f64,
    /// Quote notional traded in the tick, all instruments.
    pub notional_volume: Decimal,
    /// Collateral that must be held as initial margin by every account with a position, in all instruments, under
    /// the venue's margin mode (portfolio margin nets), quote.
    pub margin_locked: Decimal,
    /// The sum of every position's stand-alone initial requirement, quote: `margin_locked` without portfolio
    /// netting (equal to it under cross and isolated margin).
    pub margin_locked_standalone: Decimal,
    /// Liquidation close-outs in the tick, all instruments.
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
    /// Whether some underlying's oracle price was stale at the end of the tick.
    pub oracle_stale: bool,
    /// Oracle prints rejected by a guard in the tick, all underlyings.
    pub oracle_rejections: u32,
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
    /// A winner's position was reduced by auto-deleveraging.
    Deleverage,
    /// A bankrupt account's shortfall beyond the insurance fund was taken from winners' collateral (socialized
    /// loss): one per shortfall; `account` is the bankrupt account, `socialized` the total taken, `detail` how
    /// many winners paid.
    SocializedLoss,
    /// One winner's collateral haircut by a socialized loss (`loss` the haircut, `profit` the winner's profit
    /// before): counted in the summary, written to `events.csv` only on request (`FileSink::with_haircuts`).
    Haircut,
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
    /// An option series expired and settled: `market` the series, `mark_price` the oracle price it settled against,
    /// `average_price` its payoff per unit, `quantity` the open interest settled, `notional` what the longs
    /// received; `detail` how many accounts held it.
    OptionExpiry,
    /// A keeper sent a liquidation transaction (`detail` names the keeper): `account` the account to liquidate,
    /// `notional` its gross notional then, `fee` the gas the keeper paid, `magnitude` the block's gas multiplier.
    KeeperTransaction,
    /// A keeper was paid for a liquidation (`detail` names the keeper): `notional` what its transaction closed,
    /// `liquidator_fee` the reward the liquidated account paid, and the shortfall that left covered as for a
    /// liquidation.
    KeeperReward,
    /// A keeper's transaction started a Dutch auction of an account's positions (`detail` names the keeper):
    /// `notional` the account's gross notional, `liquidator_fee` the incentive it paid the keeper, `magnitude` the
    /// starting factor (`buf`).
    AuctionStart,
    /// An auction's price stepped: `magnitude` its factor now (of the start price; a short's price is `2 -` it).
    AuctionStep,
    /// An auction restarted at the oracle prices now (past its tail or below its cusp); `detail` counts restarts.
    AuctionReset,
    /// Agents' order transactions in a block, with orders as transactions on a chain (`detail`: `block`, or
    /// `between blocks` when orders only waited): `quantity` the orders that landed, `unfilled` those waiting, `fee`
    /// the gas they paid, `magnitude` the gas multiplier.
    BlockOrders,
    /// A pool market's pool paid a bankrupt trader's shortfall beyond the insurance fund (`account` the trader,
    /// `loss` what the pool paid); it follows the trader's liquidation, whose `bad_debt` it leaves at zero.
    PoolLoss,
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
    /// The market concerned: the instrument's symbol for a liquidation or deleverage, the underlying's for an
    /// oracle event, a shock's target market (empty: every market, or the venue).
    pub market: Option<String>,
    /// Liquidation and deleverage: `long` or `short` (the position's side); shocks: the shock kind; oracle events:
    /// the source or the state.
    pub detail: String,
    /// The account concerned.
    pub account: Option<u32>,
    /// Quantity closed or deleveraged, base units.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub quantity: Option<Decimal>,
    /// Quantity of the slice left open (book dry, limits), base units.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub unfilled: Option<Decimal>,
    /// Mark price at the time.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub mark_price: Option<Decimal>,
    /// The account's bankruptcy price before the close-out.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub bankruptcy_price: Option<Decimal>,
    /// Volume-weighted execution price (for a deleverage, the transfer price).
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub average_price: Option<Decimal>,
    /// Notional closed, quote.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub notional: Option<Decimal>,
    /// Part of the quantity sold into the book.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub book_quantity: Option<Decimal>,
    /// Part taken over by backstop liquidators.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub backstop_quantity: Option<Decimal>,
    /// Part closed against winners by deleveraging.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub deleveraged_quantity: Option<Decimal>,
    /// Penalty paid to the insurance fund, quote.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub fee: Option<Decimal>,
    /// Penalty paid to backstop liquidators, quote.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub liquidator_fee: Option<Decimal>,
    /// Negative equity left after the close-out, quote.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub shortfall: Option<Decimal>,
    /// Part of the shortfall paid by the insurance fund, quote.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub insurance_paid: Option<Decimal>,
    /// Part of the shortfall taken from winners as a socialized loss, quote.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub socialized: Option<Decimal>,
    /// Part of the shortfall booked as bad debt, quote.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub bad_debt: Option<Decimal>,
    /// Deleverage: what the winner gave up relative to closing at the mark (or its haircut), quote.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub loss: Option<Decimal>,
    /// Deleverage: the winner's unrealized profit before, quote.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub profit: Option<Decimal>,
    /// Deleverage: the winner's leverage before (notional over equity).
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub leverage: Option<Decimal>,
    /// Shocks: magnitude (change, fraction, multiplier, ticks); oracle rejections: the print's confidence
    /// half-width or deviation, whichever guard fired.
    pub magnitude: Option<f64>,
}

impl Event {
    /// This event, naming `market` as the one concerned.
    pub fn in_market(self, market: &str) -> Self {
        Self { market: Some(market.to_owned()), ..self }
    }

    /// An event with only its tick, kind and detail set.
    pub fn new(tick: u64, kind: EventKind, detail: impl Into<String>) -> Self {
        Self {
            tick,
            kind,
            market: None,
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
