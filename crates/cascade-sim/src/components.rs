//! Components: per-agent and per-oracle data. Hot per-tick data (the account) is kept apart from behaviour state.

use bevy_ecs::prelude::*;
use cascade_core::account::Portfolio;
use cascade_core::rng::StreamRng;
use cascade_core::{AgentId, Decimal, InstrumentId, UnderlyingId};

/// Who an agent is and which instrument it trades.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Agent {
    /// Stable id; orders everything that must be deterministic.
    pub id: AgentId,
    /// The instrument the agent trades (a pair trader holding both legs in one account: the first).
    pub instrument: InstrumentId,
}

/// An agent's margin account: collateral and positions.
#[derive(Component, Debug, Clone, Default)]
pub struct Account(pub Portfolio);

/// The agent's own random stream, derived from (seed, agent id).
#[derive(Component, Debug, Clone)]
pub struct AgentRng(pub StreamRng);

/// A market maker (behaviour parameters live in [`crate::resources::Populations`]).
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct MarketMaker;

/// An arbitrageur.
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct Arbitrageur;

/// A noise trader.
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct NoiseTrader;

/// A keeper: sends liquidation transactions on a decentralized venue's chain for their reward
/// ([`crate::chain::ChainState`]).
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct Keeper;

/// A backstop liquidator (a vault): takes over liquidatable positions, then unwinds them into the book.
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct BackstopLiquidator;

/// The option market maker: quotes every option series and delta-hedges in the perpetual (its rules live in
/// [`crate::options::OptionDesk`]).
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct OptionMaker;

/// An option trader: holds one option position (and perhaps a perpetual one) from its entry on; its plan is in
/// [`crate::options::OptionDesk`].
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct OptionTrader;

/// A pair trader: long the first instrument and short the second (one account with both legs, or under isolated
/// margin one account per leg); its plan is in [`crate::resources::TradeSchedule`].
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct PairTrader;

/// What a signal trader bets on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// The mark's trend over this many ticks continues (a trend follower).
    Trend {
        /// Ticks over which it measures the trend.
        horizon: u64,
    },
    /// The mark returns to the fundamental value (a fundamentalist).
    Value,
}

/// A trader who opens a leveraged position on a signal and holds it for a while: a trend follower or a
/// fundamentalist (their parameters live in [`crate::resources::Populations`]).
#[derive(Component, Debug, Clone, Copy)]
pub struct SignalTrader {
    /// What it bets on.
    pub signal: Signal,
    /// Position notional over collateral (clipped to what initial margin allows).
    pub leverage: Decimal,
    /// The tick of its last opening order.
    pub opened_at: u64,
}

/// One oracle source reporting an underlying's reference price with a delay and noise.
#[derive(Component, Debug, Clone)]
pub struct OracleFeed {
    /// The underlying it reports on.
    pub underlying: UnderlyingId,
    /// Index of the source within the underlying; orders the sources.
    pub index: u32,
    /// How many ticks old the reference it reports is.
    pub delay_ticks: u32,
    /// Relative noise of a print (standard deviation).
    pub noise: f64,
    /// Its random stream.
    pub rng: StreamRng,
    /// Its latest accepted print, on the underlying's price grid.
    pub price: Decimal,
    /// That print's confidence half-width (two noise standard deviations of it), quote per unit.
    pub confidence: Decimal,
    /// Tick of its latest accepted print.
    pub last_update: u64,
}
