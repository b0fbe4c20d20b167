//! The headline figures of a run (`summary.json`), computed as the run goes: a [`SummaryBuilder`] takes each tick's
//! rows and events once and keeps running aggregates, so the summary of any length of run costs no memory per
//! tick and the same numbers as computing it from all the rows at the end.

use crate::record::{Event, EventKind, MarketTick, PoolTick, TickRecord};
use cascade_core::Decimal;
use cascade_core::money::to_f64;
use cascade_core::procyclicality::{Procyclicality, ProcyclicalityMeasures};
use cascade_core::risk::ExceptionCounter;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

mod chain;
mod file;
mod pool;
mod underwater;
pub use chain::{KeeperSummary, OrderSummary};
pub use pool::PoolSummary;
pub use underwater::Underwater;

/// Expected exception rate of the summary's backtests (a 99% margin).
const BACKTEST_RATE: f64 = 0.01;

/// Headline figures of a run (`summary.json`): the venue's money and flows, and each instrument's prices.
///
/// `summary.json` of a world of one instrument writes that instrument's figures among the venue's (its
/// `reference_*`, `mark_*` and `backtest` fields, as always); a world of several writes them under `markets`.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Seed used.
    pub seed: u64,
    /// Ticks simulated.
    pub ticks: u64,
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
    /// Accounts still open and bankrupt at the marks, whose shortfall is not in `bad_debt` (filled in by
    /// [`crate::Simulation::summary`]; empty from the rows alone).
    pub underwater: Underwater,
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
    /// Ticks at whose end some underlying's oracle price was stale.
    pub oracle_stale_ticks: u64,
    /// Oracle prints rejected by a guard.
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
    /// Each instrument's figures, in instrument order.
    pub markets: Vec<MarketSummary>,
    /// What keepers did on a decentralized venue's chain (`None`: no keepers).
    pub keepers: Option<KeeperSummary>,
    /// Each pool market's pool, in market order (empty: no pools).
    pub pools: Vec<PoolSummary>,
    /// Agents' order transactions on a chain (`None` unless orders are transactions).
    pub orders: Option<OrderSummary>,
}

impl Summary {
    /// The figures of the instrument of a world that has exactly one (`None` with several).
    pub fn sole_market(&self) -> Option<&MarketSummary> {
        match self.markets.as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }
}

/// One instrument's headline figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarketSummary {
    /// The instrument's symbol.
    pub symbol: String,
    /// Reference price of its underlying at the end of tick 0.
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
    /// Highest mark price.
    pub mark_max: Decimal,
    /// Largest fall of the mark from a running peak, fraction (0.2 = 20%).
    pub mark_max_drawdown: f64,
    /// Liquidation close-outs in this instrument.
    pub liquidations: u64,
    /// Notional closed by liquidations in this instrument, quote.
    pub liquidated_notional: Decimal,
    /// Backtest of this instrument's maintenance margin against its one-tick mark moves, at a 1% expected
    /// exception rate (`None` before two ticks).
    pub backtest: Option<cascade_core::risk::Backtest>,
    /// Procyclicality of the initial margin of a reference position of one base unit, long (the initial fraction
    /// in force, for tiers the first bracket's, times the mark): its mean (quote), peak-to-trough ratio and largest
    /// increase within the scenario's `procyclicality_window_hours`.
    pub procyclicality: ProcyclicalityMeasures,
}

/// How losses beyond the insurance fund fell on winners (ADL and socialized loss): in all per winner, and per
/// deleverage event (one per winner per liquidation: a winner can be hit many times). A winner's "share" is the loss
/// taken from it over its unrealized profit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LossAllocationSummary {
    /// Deleverage and haircut events (one per winner per liquidation).
    pub events: u64,
    /// Distinct winners hit.
    pub winners_hit: u64,
    /// Total loss taken from winners, quote.
    pub loss_taken: Decimal,
    /// Most events that hit one winner.
    pub max_hits_per_winner: u64,
    /// Over winners, the mean of the loss taken from a winner in all over the largest unrealized profit it had when
    /// hit (0 without events).
    pub mean_share_of_profit_per_winner: f64,
    /// The largest such share of any winner: what the hardest-hit winner gave up of its profit in all.
    pub max_share_of_profit_per_winner: f64,
    /// Mean of loss / profit over events (0 without events).
    pub mean_share_of_profit_per_event: f64,
    /// Largest loss / profit of any one event.
    pub max_share_of_profit_per_event: f64,
    /// Mean leverage of the winners hit, over events.
    pub mean_leverage: f64,
}

/// Running aggregates of the venue-wide figures (from the tick rows and the liquidation events) and of each
/// instrument's.
#[derive(Debug, Clone)]
pub struct SummaryBuilder {
    insurance_fund_start: Decimal,
    keepers: Option<KeeperSummary>,
    pools: Vec<PoolSummary>,
    orders: Option<OrderSummary>,
    ticks: u64,
    last: Option<TickRecord>,
    liquidations: u64,
    accounts_liquidated: BTreeSet<u32>,
    liquidated_notional: Decimal,
    shortfall: Decimal,
    peak_liquidations: Option<(u32, u64)>,
    ticks_with_liquidations: u64,
    insurance_fund_min: Option<Decimal>,
    backstop_notional: Decimal,
    deleveraged_notional: Decimal,
    socialized_loss: Decimal,
    oracle_stale_ticks: u64,
    oracle_rejections: u64,
    notional_volume: Decimal,
    rejected_orders: u64,
    margin_locked_sum: Decimal,
    margin_locked_peak: Option<Decimal>,
    margin_locked_standalone_sum: Decimal,
    loss: LossAllocationBuilder,
    markets: Vec<MarketSummaryBuilder>,
    procyclicality_window_hours: f64,
}

impl SummaryBuilder {
    /// Nothing recorded yet for a run of `scenario`: its insurance fund's start and its procyclicality window.
    pub fn for_scenario(scenario: &cascade_scenario::Scenario) -> Self {
        let keepers = scenario.chain.as_ref().filter(|c| c.liquidators != cascade_scenario::Liquidators::Engine);
        Self {
            procyclicality_window_hours: scenario.procyclicality_window_hours,
            keepers: keepers.map(|_| KeeperSummary::default()),
            orders: scenario.chain.as_ref().and_then(|c| c.orders).map(|_| OrderSummary::default()),
            pools: scenario
                .markets()
                .iter()
                .filter_map(|m| m.contract.pool.as_ref().map(|p| PoolSummary::new(&m.contract.symbol, p.liquidity)))
                .collect(),
            ..Self::new(scenario.liquidation.insurance_fund)
        }
    }

    /// Nothing recorded yet; the insurance fund starts at `insurance_fund_start`; procyclicality is measured within
    /// one hour.
    pub fn new(insurance_fund_start: Decimal) -> Self {
        Self {
            insurance_fund_start,
            keepers: None,
            pools: Vec::new(),
            orders: None,
            ticks: 0,
            last: None,
            liquidations: 0,
            accounts_liquidated: BTreeSet::new(),
            liquidated_notional: Decimal::ZERO,
            shortfall: Decimal::ZERO,
            peak_liquidations: None,
            ticks_with_liquidations: 0,
            insurance_fund_min: None,
            backstop_notional: Decimal::ZERO,
            deleveraged_notional: Decimal::ZERO,
            socialized_loss: Decimal::ZERO,
            oracle_stale_ticks: 0,
            oracle_rejections: 0,
            notional_volume: Decimal::ZERO,
            rejected_orders: 0,
            margin_locked_sum: Decimal::ZERO,
            margin_locked_peak: None,
            margin_locked_standalone_sum: Decimal::ZERO,
            loss: LossAllocationBuilder::default(),
            markets: Vec::new(),
            procyclicality_window_hours: 1.0,
        }
    }

    /// Takes one tick's rows: the venue's, and one per instrument in instrument order.
    pub fn tick(&mut self, t: &TickRecord, markets: &[MarketTick]) {
        self.ticks += 1;
        if t.liquidations > 0 {
            self.ticks_with_liquidations += 1;
            // The first tick of the most liquidations.
            if self.peak_liquidations.is_none_or(|(most, _)| t.liquidations > most) {
                self.peak_liquidations = Some((t.liquidations, t.tick));
            }
        }
        self.insurance_fund_min = Some(self.insurance_fund_min.map_or(t.insurance_fund, |m| m.min(t.insurance_fund)));
        self.backstop_notional += t.backstop_notional;
        self.deleveraged_notional += t.deleveraged_notional;
        self.socialized_loss += t.socialized_loss;
        self.oracle_stale_ticks += u64::from(t.oracle_stale);
        self.oracle_rejections += u64::from(t.oracle_rejections);
        self.notional_volume += t.notional_volume;
        self.rejected_orders += u64::from(t.rejected_orders);
        self.margin_locked_sum += t.margin_locked;
        self.margin_locked_peak = Some(self.margin_locked_peak.map_or(t.margin_locked, |m| m.max(t.margin_locked)));
        self.margin_locked_standalone_sum += t.margin_locked_standalone;
        self.last = Some(t.clone());
        for (k, row) in markets.iter().enumerate() {
            if k == self.markets.len() {
                self.markets.push(MarketSummaryBuilder::new(&row.symbol, self.procyclicality_window_hours));
            }
            self.markets[k].row(row, t.time_s);
        }
    }

    /// Takes one event.
    pub fn event(&mut self, e: &Event) {
        match e.kind {
            EventKind::Liquidation => {
                self.liquidations += 1;
                self.accounts_liquidated.extend(e.account);
                self.liquidated_notional += e.notional.unwrap_or_default();
                self.shortfall += e.shortfall.unwrap_or_default();
            }
            EventKind::Deleverage | EventKind::Haircut => self.loss.event(e),
            EventKind::KeeperTransaction => {
                let keepers = self.keepers.get_or_insert_default();
                keepers.transactions += 1;
                keepers.gas += e.fee.unwrap_or_default();
            }
            EventKind::BlockOrders => self.orders.get_or_insert_default().event(e),
            EventKind::AuctionStart => {
                self.keepers.get_or_insert_default().rewards += e.liquidator_fee.unwrap_or_default();
            }
            EventKind::KeeperReward => {
                self.keepers.get_or_insert_default().rewards += e.liquidator_fee.unwrap_or_default();
                self.shortfall += e.shortfall.unwrap_or_default();
            }
            _ => {}
        }
    }

    /// Takes one pool's row of a tick.
    pub fn pool(&mut self, row: &PoolTick) {
        if let Some(pool) = self.pools.iter_mut().find(|p| p.symbol == row.symbol) {
            pool.row(row);
        }
    }

    /// The summary of what was taken so far, for a run of `scenario` with `seed`.
    pub fn summary(&self, scenario: &str, seed: u64) -> Summary {
        let start = self.insurance_fund_start;
        let last = self.last.as_ref();
        let insurance_fund_min = self.insurance_fund_min.unwrap_or(start);
        let mean = |sum: Decimal| {
            if self.ticks == 0 { Decimal::ZERO } else { (sum / Decimal::from(self.ticks)).round_dp(2) }
        };
        Summary {
            scenario: scenario.to_owned(),
            seed,
            ticks: self.ticks,
            liquidations: self.liquidations,
            accounts_liquidated: self.accounts_liquidated.len() as u64,
            liquidated_notional: self.liquidated_notional,
            peak_liquidations_per_tick: self.peak_liquidations.map_or(0, |p| p.0),
            peak_liquidation_tick: self.peak_liquidations.map(|p| p.1),
            ticks_with_liquidations: self.ticks_with_liquidations,
            insurance_fund_start: start,
            insurance_fund_end: last.map_or(start, |t| t.insurance_fund),
            insurance_fund_min,
            insurance_fund_drawdown: (start - insurance_fund_min).max(Decimal::ZERO),
            shortfall: self.shortfall,
            bad_debt: last.map_or(Decimal::ZERO, |t| t.bad_debt),
            underwater: Underwater::default(),
            fees: last.map_or(Decimal::ZERO, |t| t.fees),
            backstop_notional: self.backstop_notional,
            deleveraged_notional: self.deleveraged_notional,
            socialized_loss: self.socialized_loss,
            loss_allocation: self.loss.summary(),
            oracle_stale_ticks: self.oracle_stale_ticks,
            oracle_rejections: self.oracle_rejections,
            notional_volume: self.notional_volume,
            rejected_orders: self.rejected_orders,
            margin_locked_mean: mean(self.margin_locked_sum),
            margin_locked_peak: self.margin_locked_peak.unwrap_or_default(),
            margin_locked_standalone_mean: mean(self.margin_locked_standalone_sum),
            markets: self.markets.iter().map(MarketSummaryBuilder::summary).collect(),
            keepers: self.keepers.clone(),
            pools: self.pools.clone(),
            orders: self.orders.clone(),
        }
    }
}

/// Running aggregates of one instrument's rows.
#[derive(Debug, Clone)]
struct MarketSummaryBuilder {
    symbol: String,
    first: Option<(f64, Decimal)>,
    last: Option<(f64, Decimal)>,
    reference_min: f64,
    min: Option<Decimal>,
    max: Option<Decimal>,
    peak: Decimal,
    max_drawdown: f64,
    liquidations: u64,
    liquidated_notional: Decimal,
    backtest: ExceptionCounter,
    procyclicality: Procyclicality,
}

impl MarketSummaryBuilder {
    fn new(symbol: &str, procyclicality_window_hours: f64) -> Self {
        Self {
            symbol: symbol.to_owned(),
            first: None,
            last: None,
            reference_min: f64::INFINITY,
            min: None,
            max: None,
            peak: Decimal::ZERO,
            max_drawdown: 0.0,
            liquidations: 0,
            liquidated_notional: Decimal::ZERO,
            backtest: ExceptionCounter::new(1),
            procyclicality: Procyclicality::new(procyclicality_window_hours),
        }
    }

    /// Takes the row `r` of the tick ending at `time_s` (seconds of simulated time).
    fn row(&mut self, r: &MarketTick, time_s: f64) {
        self.first.get_or_insert((r.reference, r.mark));
        self.last = Some((r.reference, r.mark));
        self.reference_min = self.reference_min.min(r.reference);
        self.min = Some(self.min.map_or(r.mark, |m| m.min(r.mark)));
        self.max = Some(self.max.map_or(r.mark, |m| m.max(r.mark)));
        self.peak = self.peak.max(r.mark);
        if self.peak > Decimal::ZERO {
            self.max_drawdown = self.max_drawdown.max(1.0 - to_f64(r.mark) / to_f64(self.peak));
        }
        self.liquidations += u64::from(r.liquidations);
        self.liquidated_notional += r.liquidated_notional;
        self.backtest.push(to_f64(r.mark), to_f64(r.maintenance_margin));
        self.procyclicality.push(time_s, to_f64(r.initial_margin * r.mark));
    }

    fn summary(&self) -> MarketSummary {
        MarketSummary {
            symbol: self.symbol.clone(),
            reference_start: self.first.map_or(0.0, |f| f.0),
            reference_end: self.last.map_or(0.0, |l| l.0),
            reference_min: self.reference_min,
            mark_start: self.first.map_or(Decimal::ZERO, |f| f.1),
            mark_end: self.last.map_or(Decimal::ZERO, |l| l.1),
            mark_min: self.min.unwrap_or_default(),
            mark_max: self.max.unwrap_or_default(),
            mark_max_drawdown: self.max_drawdown,
            liquidations: self.liquidations,
            liquidated_notional: self.liquidated_notional,
            backtest: self.backtest.result(BACKTEST_RATE),
            procyclicality: self.procyclicality.measures(),
        }
    }
}

/// Running aggregates of the deleverage events.
#[derive(Debug, Clone)]
struct LossAllocationBuilder {
    events: u64,
    /// Per winner: loss taken in all, largest profit when hit, events.
    winners: BTreeMap<u32, (Decimal, Decimal, u64)>,
    loss_taken: Decimal,
    share_sum: f64,
    shares: u64,
    max_share: f64,
    leverage_sum: f64,
    leverages: u64,
}

impl Default for LossAllocationBuilder {
    fn default() -> Self {
        // Sums start at -0.0, as `Iterator::sum` of f64 does.
        Self {
            events: 0,
            winners: BTreeMap::new(),
            loss_taken: Decimal::ZERO,
            share_sum: -0.0,
            shares: 0,
            max_share: 0.0,
            leverage_sum: -0.0,
            leverages: 0,
        }
    }
}

impl LossAllocationBuilder {
    fn event(&mut self, e: &Event) {
        self.events += 1;
        let loss = e.loss.unwrap_or_default();
        if let Some(account) = e.account {
            let winner = self.winners.entry(account).or_insert((Decimal::ZERO, Decimal::ZERO, 0));
            winner.0 += loss;
            winner.1 = winner.1.max(e.profit.unwrap_or_default());
            winner.2 += 1;
        }
        self.loss_taken += loss;
        if let (Some(loss), Some(profit)) = (e.loss, e.profit) {
            let share = to_f64(loss) / to_f64(profit);
            if share.is_finite() {
                self.share_sum += share;
                self.shares += 1;
                self.max_share = self.max_share.max(share);
            }
        }
        if let Some(leverage) = e.leverage {
            self.leverage_sum += to_f64(leverage);
            self.leverages += 1;
        }
    }

    fn summary(&self) -> LossAllocationSummary {
        let mean = |sum: f64, n: u64| if n == 0 { 0.0 } else { sum / n as f64 };
        let per_winner: Vec<f64> = self
            .winners
            .values()
            .map(|(loss, profit, _)| to_f64(*loss) / to_f64(*profit))
            .filter(|share| share.is_finite())
            .collect();
        LossAllocationSummary {
            events: self.events,
            winners_hit: self.winners.len() as u64,
            loss_taken: self.loss_taken,
            max_hits_per_winner: self.winners.values().map(|w| w.2).max().unwrap_or(0),
            mean_share_of_profit_per_winner: mean(per_winner.iter().sum(), per_winner.len() as u64),
            max_share_of_profit_per_winner: per_winner.iter().copied().fold(0.0, f64::max),
            mean_share_of_profit_per_event: mean(self.share_sum, self.shares),
            max_share_of_profit_per_event: self.max_share,
            mean_leverage: mean(self.leverage_sum, self.leverages),
        }
    }
}
