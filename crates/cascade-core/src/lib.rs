//! The domain of cascade, free of ECS and GUI.
//!
//! Everything here is plain data and pure functions that the simulation crate calls:
//!
//! - [`money`]: exact quote-currency amounts, the [`money::Ledger`] of named sinks and the one boundary where
//!   statistics in `f64` become money;
//! - [`account`]: collateral and positions, and how a fill changes them;
//! - [`instrument`]: instrument kinds, and how a position in each is valued;
//! - [`book`]: a limit order book with price-time priority;
//! - [`correlation`]: correlated price shocks across markets, and portfolio margin that nets them;
//! - [`margin`]: margin requirements and account health;
//! - [`liquidity`]: the liquidity add-on (cost of closing a position into the book);
//! - [`tiers`]: tiered margin by position size (brackets and maintenance amounts);
//! - [`trigger_index`]: liquidation prices indexed per side, so a margin check need not scan every account;
//! - [`liquidation`]: bankruptcy prices, partial liquidation, penalties and shortfalls;
//! - [`closeout`]: every decision of one close-out (how much, at what limits, who takes over, the penalty split);
//! - [`deleverage`]: auto-deleveraging and socialized loss;
//! - [`funding`]: periodic funding between longs and shorts;
//! - [`process`]: the exogenous reference-price process;
//! - [`stats`]: statistics in `f64` (volatility, medians);
//! - [`procyclicality`]: how procyclical a margin requirement is (peak-to-trough, largest increase in a window);
//! - [`forecast`]: volatility forecasts (GARCH(1,1) by maximum likelihood, HAR-RV);
//! - [`regime`]: Markov-switching volatility regimes (Hamilton's filter, Kim's smoother, EM) and their mixture VaR;
//! - [`option`]: European options: values and Greeks (Black-76, Black-Scholes), implied volatility, the volatility
//!   surface, scenario-grid portfolio margin and Greeks add-ons;
//! - [`risk`]: VaR and Expected Shortfall, and backtesting (Kupiec, Basel traffic light, Christoffersen);
//! - [`rng`]: deterministic random streams derived from a seed and a stable id.
//!
//! Sign conventions: a position quantity is positive for a long and negative for a short; a [`book::Side`] is the
//! side of the taker; money flowing *into* an account is positive.

pub mod account;
pub mod activity;
pub mod adl_queue;
pub mod aggregate;
pub mod auction;
pub mod book;
pub mod book_groups;
pub mod closeout;
pub mod correlation;
pub mod deleverage;
pub mod facts;
pub mod forecast;
pub mod funding;
pub mod herding;
pub mod ids;
pub mod instrument;
pub mod learned;
pub mod liquidation;
pub mod liquidity;
pub mod margin;
pub mod moments;
pub mod money;
pub mod option;
pub mod policy;
pub mod pool;
pub mod process;
pub mod procyclicality;
pub mod ranking;
pub mod regime;
pub mod revaluation;
pub mod risk;
pub mod rng;
pub mod stats;
pub mod tiers;
pub mod trigger_index;

pub use ids::{AgentId, InstrumentId, UnderlyingId};
pub use rust_decimal::Decimal;
