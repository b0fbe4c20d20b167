//! The venue's markets: each underlying (its reference and oracle state) and each instrument (contract, book, mark,
//! margin schedule, flow, and a pool market's pool), with the order requests that reach them.

use bevy_ecs::prelude::*;
use cascade_core::activity::SelfExciting;
use cascade_core::book::{OrderBook, Side};
use cascade_core::instrument::{InstrumentKind, Valuation};
use cascade_core::margin::MarginSchedule;
use cascade_core::process::ReferenceProcess;
use cascade_core::rng::StreamRng;
use cascade_core::stats::Ewma;
use cascade_core::{AgentId, Decimal, InstrumentId, UnderlyingId};
use std::collections::VecDeque;

use crate::options::OptionMark;

/// Static parameters of an instrument's contract.
#[derive(Debug, Clone)]
pub struct ContractSpec {
    /// Ticker.
    pub symbol: String,
    /// Price grid, quote per unit.
    pub tick_size: Decimal,
    /// Quantity grid, units.
    pub lot_size: Decimal,
    /// Taker fee, fraction of notional.
    pub taker_fee: Decimal,
    /// Maker fee, fraction of notional (negative: rebate).
    pub maker_fee: Decimal,
    /// Market orders fill no further than this fraction from the mark price.
    pub price_band: Decimal,
    /// The mark is clamped to this fraction around the oracle price (0: no clamp).
    pub mark_band: Decimal,
    /// Ticks over which the mark averages the basis (0: the mark takes the mid itself).
    pub basis_average_ticks: usize,
    /// Liquidation penalty, fraction of liquidated notional, paid to the insurance fund.
    pub liquidation_fee: Decimal,
    /// Funding interval in ticks (0: no funding).
    pub funding_interval: u64,
    /// Funding rate cap per interval.
    pub funding_cap: Decimal,
}

/// What an agent asks the venue to do. Requests queue in the instrument's inbox and are matched in arrival order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderRequest {
    /// Fill up to `quantity` against the book, no worse than `limit` if given; the rest is dropped.
    Market {
        /// Who sends it.
        agent: AgentId,
        /// Direction.
        side: Side,
        /// Base units, on the lot grid.
        quantity: Decimal,
        /// Worst acceptable price.
        limit: Option<Decimal>,
        /// Whether its fills count in the taker flow that moves the reference (`false` for a leveraged trader's
        /// entry whose flow the wider market absorbed before the run:
        /// [`LeveragedTraders::entries_move_reference`](cascade_scenario::LeveragedTraders::entries_move_reference)).
        moves_reference: bool,
    },
    /// Fill what crosses at `price` or better, rest the remainder.
    Limit {
        /// Who sends it.
        agent: AgentId,
        /// Direction.
        side: Side,
        /// Limit price, on the tick grid.
        price: Decimal,
        /// Base units, on the lot grid.
        quantity: Decimal,
    },
    /// Cancel every resting order of `agent`.
    CancelAll {
        /// Whose orders.
        agent: AgentId,
    },
}

impl OrderRequest {
    /// A market order of `agent` whose fills move the reference as any directional flow does.
    pub fn market(agent: AgentId, side: Side, quantity: Decimal, limit: Option<Decimal>) -> Self {
        Self::Market { agent, side, quantity, limit, moves_reference: true }
    }
}

impl ContractSpec {
    /// The worst price a market order on `side` may fill at, given the mark: `mark * (1 +- price_band)`.
    pub fn protected_limit(&self, side: Side, mark: Decimal) -> Decimal {
        let band = match side {
            Side::Buy => Decimal::ONE + self.price_band,
            Side::Sell => Decimal::ONE - self.price_band,
        };
        (mark * band).round_dp(self.tick_size.scale())
    }
}

/// Flow through an instrument during one tick.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TickFlow {
    /// Quantity traded, units.
    pub volume: Decimal,
    /// Quote notional traded.
    pub notional: Decimal,
    /// Net taker buying minus selling, quote notional (f64: feeds price impact, a statistic).
    pub net_taker_notional: f64,
    /// Accounts liquidated (liquidation orders sent).
    pub liquidations: u32,
    /// Notional closed by liquidations, quote.
    pub liquidated_notional: Decimal,
    /// Orders rejected for insufficient initial margin.
    pub rejected_orders: u32,
    /// Notional taken over by backstop liquidators, quote.
    pub backstop_notional: Decimal,
    /// Notional closed against winners by deleveraging, quote.
    pub deleveraged_notional: Decimal,
    /// Loss taken from winners by socialization, quote.
    pub socialized_loss: Decimal,
    /// Funding rate applied this tick, if funding happened.
    pub funding_rate: Option<Decimal>,
}

/// An underlying: the wider market's reference price, the oracles that report it, and the venue's oracle price.
/// Instruments are written on it.
#[derive(Debug, Clone)]
pub struct Underlying {
    /// Its id (its index in [`Underlyings`]).
    pub id: UnderlyingId,
    /// Its name in the scenario (shocks aimed at a market name it).
    pub symbol: String,
    /// The oracle price's grid, quote per unit.
    pub price_step: Decimal,
    /// The exogenous reference price process.
    pub reference: ReferenceProcess,
    /// The reference process's random stream.
    pub reference_rng: StreamRng,
    /// Recent reference prices, newest first (oracles read delayed values from here).
    pub reference_history: VecDeque<f64>,
    /// How many reference prices to keep: the longest oracle delay plus one.
    pub history_len: usize,
    /// A scripted log-return gap to apply at the next reference step.
    pub pending_gap: f64,
    /// Log-return of the reference per 1,000,000 quote of net taker buying in a tick, on its instruments.
    pub flow_impact: f64,
    /// The share of the flow impact that survives a tick: `0.5^(1 / half-life)`, or 1 for a permanent impact.
    pub impact_retention: f64,
    /// The flow impact accumulated in the reference's log price, less what has decayed.
    pub transient_impact: f64,
    /// Net taker notional of its instruments in the previous tick (less that of price followers, see
    /// [`AgentIndex::price_followers`]), which moves this tick's reference.
    pub previous_net_taker_notional: f64,
    /// Volatility of the reference per tick in calm conditions (market makers compare against it).
    pub calm_volatility_per_tick: f64,
    /// The venue's oracle price: the (time-averaged) median of fresh oracle prints, on the price grid.
    pub oracle_price: Decimal,
    /// Whether no oracle source is fresh (or a pull oracle's confidence is too wide): the oracle price is the last
    /// valid one.
    pub oracle_stale: bool,
    /// A pull oracle's latest aggregate confidence, fraction of its price (0 otherwise).
    pub oracle_confidence: Decimal,
    /// Tick at which a push oracle last published (0 at the start).
    pub oracle_published_at: u64,
    /// Recent medians of fresh prints, newest last, for the TWAP.
    pub oracle_medians: VecDeque<Decimal>,
    /// How many medians the oracle price averages.
    pub twap_ticks: usize,
    /// Oracle prints rejected by a guard this tick.
    pub oracle_rejections: u32,
}

/// Every underlying of the world, indexed by [`UnderlyingId`].
#[derive(Resource, Debug, Clone, Default)]
pub struct Underlyings(pub Vec<Underlying>);

impl Underlyings {
    /// The underlying with this id.
    pub fn get(&self, id: UnderlyingId) -> &Underlying {
        &self.0[usize::from(id.0)]
    }
}

/// The venue's state for one instrument: its contract, book, mark, margin schedule and flow.
#[derive(Debug, Clone)]
pub struct Instrument {
    /// Its id (its index in [`Instruments`]).
    pub id: InstrumentId,
    /// The underlying it is written on.
    pub underlying: UnderlyingId,
    /// What kind of contract it is (how a position in it is valued).
    pub kind: InstrumentKind,
    /// Static parameters.
    pub spec: ContractSpec,
    /// The limit order book.
    pub book: OrderBook,
    /// Mark price used for margin: median of oracle, book mid and last trade.
    pub mark_price: Decimal,
    /// How positions are margined this tick (the margin policy sets its fractions before the margin check).
    pub margin: MarginSchedule,
    /// Price of the most recent trade.
    pub last_trade: Option<Decimal>,
    /// Open interest: sum of long quantities, units.
    pub open_interest: Decimal,
    /// Requests waiting for the matching engine.
    pub inbox: Vec<OrderRequest>,
    /// This tick's flow.
    pub flow: TickFlow,
    /// The previous tick's flow (what a learned margin forecaster sees of recent liquidations).
    pub previous_flow: TickFlow,
    /// Sum of `(mid - oracle) / oracle` over the current funding interval.
    pub premium_sum: f64,
    /// Number of ticks summed in `premium_sum`.
    pub premium_count: u32,
    /// EWMA of squared log-returns of the mark price, per tick.
    pub mark_volatility: Ewma,
    /// The last `basis_average_ticks` bases (mid less oracle price, quote per unit), oldest first.
    pub basis: VecDeque<Decimal>,
    /// The noise traders' self-exciting trade rate, trades per tick (`None`: each trades independently).
    pub noise_activity: Option<SelfExciting>,
    /// The last marks as numbers, oldest first, as many as the longest trend a trend follower watches (plus one).
    pub mark_history: VecDeque<f64>,
    /// How many marks `mark_history` keeps (0: none).
    pub mark_history_len: usize,
    /// The fundamentalists' fundamental value (the oracle price's running average, quote per unit) and the share of
    /// it each tick keeps, `0.5^(1 / half-life)` (`None`: no fundamentalists).
    pub fundamental: Option<Fundamental>,
    /// An option's surface values as of its last mark (`None`: not an option).
    pub option: Option<OptionMark>,
    /// The liquidity pool that is the counterparty of every trade (`None`: the book is).
    pub pool: Option<crate::pool::PoolVenue>,
}

/// A running average of the oracle price with a half-life: what fundamentalists take the value to be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fundamental {
    /// The average, quote per unit.
    pub value: f64,
    /// The share of the average a tick keeps.
    pub retention: f64,
}

impl Instrument {
    /// A new instrument with an empty book, no flow and no trade yet, marked at `mark` and margined by `margin`;
    /// the state only some kinds or populations keep (noise activity, mark history, fundamental value, option
    /// marks) starts empty.
    pub fn new(
        id: InstrumentId,
        underlying: UnderlyingId,
        kind: InstrumentKind,
        spec: ContractSpec,
        mark_price: Decimal,
        margin: MarginSchedule,
        mark_volatility: Ewma,
    ) -> Self {
        let basis = VecDeque::with_capacity(spec.basis_average_ticks);
        Self {
            id,
            underlying,
            kind,
            spec,
            book: OrderBook::new(),
            mark_price,
            margin,
            last_trade: None,
            open_interest: Decimal::ZERO,
            inbox: Vec::new(),
            flow: TickFlow::default(),
            previous_flow: TickFlow::default(),
            premium_sum: 0.0,
            premium_count: 0,
            mark_volatility,
            basis,
            noise_activity: None,
            mark_history: VecDeque::new(),
            mark_history_len: 0,
            fundamental: None,
            option: None,
            pool: None,
        }
    }

    /// The best price a market order on `side` gets now: the book's best ask for a buy (bid for a sell), or in a
    /// pool market the pool's price around its underlying's `oracle` price.
    pub fn best_price(&self, side: Side, oracle: Decimal) -> Option<Decimal> {
        match (&self.pool, side) {
            (Some(pool), _) => cascade_core::pool::trade_price(side, oracle, pool.rules.spread, self.spec.tick_size),
            (None, Side::Buy) => self.book.best_ask(),
            (None, Side::Sell) => self.book.best_bid(),
        }
    }

    /// What values a position in it now: its kind, underlying and mark.
    pub fn valuation(&self) -> Valuation {
        Valuation { kind: self.kind, underlying: self.underlying, mark: self.mark_price }
    }
}

/// Every instrument of the world, indexed by [`InstrumentId`].
#[derive(Resource, Debug, Clone, Default)]
pub struct Instruments(pub Vec<Instrument>);

impl Instruments {
    /// The instrument with this id.
    pub fn get(&self, id: InstrumentId) -> &Instrument {
        &self.0[usize::from(id.0)]
    }

    /// The instrument with this id, mutably.
    pub fn get_mut(&mut self, id: InstrumentId) -> &mut Instrument {
        &mut self.0[usize::from(id.0)]
    }

    /// What values a position in instrument `id` now.
    pub fn valuation(&self, id: InstrumentId) -> Valuation {
        self.get(id).valuation()
    }
}
