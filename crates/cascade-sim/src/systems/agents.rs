//! Agent behaviours. Each agent looks at the market as the tick starts and queues orders in its instrument's inbox;
//! agents act in a fixed order (market makers, arbitrageurs, noise traders, leveraged traders, signal traders,
//! backstop liquidators), and within a
//! population by agent id, so the queue is deterministic.

use crate::components::{
    Account, Agent, AgentRng, Arbitrageur, BackstopLiquidator, MarketMaker, NoiseTrader, Signal, SignalTrader,
};
use crate::resources::{
    AgentIndex, Clock, Instrument, Instruments, OrderRequest, PlannedTrade, Populations, Shocks, TradeSchedule,
    Underlyings,
};
use bevy_ecs::prelude::*;
use cascade_core::Decimal;
use cascade_core::book::Side;
use cascade_core::money::{floor_f64_to_step, from_f64, to_f64};
use cascade_core::rng::{lognormal, pareto};
use rand::RngExt;
use rand::distr::Bernoulli;

/// A quantity on the lot grid for `notional` quote at `price` (rounded down); `None` if it rounds to zero or the
/// inputs are not finite.
fn lots(market: &Instrument, notional: f64, price: f64) -> Option<Decimal> {
    floor_f64_to_step(notional / price, Decimal::new(1, 12), market.spec.lot_size).filter(|q| *q > Decimal::ZERO)
}

/// A price on the tick grid (rounded to nearest); `None` if not finite or not positive.
fn tick_price(market: &Instrument, price: f64) -> Option<Decimal> {
    from_f64(price, market.spec.tick_size, "order price").ok().filter(|p| *p > Decimal::ZERO)
}

/// Market makers cancel their quotes and post a fresh ladder around the underlying's oracle price. The spread widens
/// and the depth shrinks as the mark's realized volatility rises above the calm level (liquidity decay); a depth
/// withdrawal shock removes a further fraction; quotes skew against inventory, and the side that would add to an
/// inventory beyond the limit is not quoted.
pub fn quote_market_makers(
    makers: Query<(&Agent, &Account), With<MarketMaker>>,
    mut instruments: ResMut<Instruments>,
    underlyings: Res<Underlyings>,
    populations: Res<Populations>,
    shocks: Res<Shocks>,
) {
    for (agent, account) in makers.iter().sort::<&Agent>() {
        let p = &populations.of(agent.instrument).market_makers;
        let market = instruments.get_mut(agent.instrument);
        let underlying = underlyings.get(market.underlying);
        market.inbox.push(OrderRequest::CancelAll { agent: agent.id });
        let oracle = to_f64(underlying.oracle_price);
        let calm = underlying.calm_volatility_per_tick;
        let excess = if calm > 0.0 { (market.mark_volatility.volatility() / calm - 1.0).max(0.0) } else { 0.0 };
        let spread_multiplier = (1.0 + p.spread_sensitivity * excess) * shocks.spread_multiplier;
        let depth_multiplier = (1.0 - shocks.depth_withdrawal) / (1.0 + p.depth_sensitivity * excess);
        let inventory = to_f64(account.0.quantity(market.id)) * oracle;
        let skew = -p.inventory_skew_bps * (inventory / p.max_inventory).clamp(-1.0, 1.0) / 10_000.0;
        let centre = oracle * (1.0 + skew);
        let notional = p.level_notional * depth_multiplier;
        for level in 0..p.levels {
            let offset = (p.half_spread_bps + f64::from(level) * p.level_spacing_bps) * spread_multiplier / 10_000.0;
            let quotes = [
                (Side::Buy, centre * (1.0 - offset), inventory < p.max_inventory),
                (Side::Sell, centre * (1.0 + offset), inventory > -p.max_inventory),
            ];
            for (side, price, allowed) in quotes {
                if !allowed {
                    continue;
                }
                if let (Some(price), Some(quantity)) = (tick_price(market, price), lots(market, notional, price)) {
                    market.inbox.push(OrderRequest::Limit { agent: agent.id, side, price, quantity });
                }
            }
        }
    }
}

/// Arbitrageurs see the underlying's reference price. When the venue's best ask (a pool's buying price) is below the
/// reference by more than the threshold they buy, up to the reference minus the threshold; when its best bid is above, they sell. Size is
/// bounded per tick and by capital: the position may not exceed `max_leverage` times equity. When the gap has
/// closed they unwind at the reference or better. An arbitrage-withdrawal shock scales capital and order size down.
pub fn trade_arbitrageurs(
    arbitrageurs: Query<(&Agent, &Account), With<Arbitrageur>>,
    mut instruments: ResMut<Instruments>,
    underlyings: Res<Underlyings>,
    populations: Res<Populations>,
    shocks: Res<Shocks>,
) {
    for (agent, account) in arbitrageurs.iter().sort::<&Agent>() {
        let p = &populations.of(agent.instrument).arbitrageurs;
        let threshold = p.threshold_bps / 10_000.0;
        let max_order = p.max_order_notional * shocks.arbitrage_kept;
        let Ok(equity) = account.0.equity(|i| instruments.valuation(i)) else {
            continue;
        };
        let market = instruments.get_mut(agent.instrument);
        let reference = underlyings.get(market.underlying).reference.price();
        let mark = to_f64(market.mark_price);
        let position = to_f64(account.0.quantity(market.id));
        let budget = p.max_leverage * to_f64(equity) * shocks.arbitrage_kept;
        let oracle = underlyings.get(market.underlying).oracle_price;
        let best_bid = market.best_price(Side::Sell, oracle).map(to_f64);
        let best_ask = market.best_price(Side::Buy, oracle).map(to_f64);
        let cheap = best_ask.is_some_and(|a| a < reference * (1.0 - threshold));
        let rich = best_bid.is_some_and(|b| b > reference * (1.0 + threshold));
        let order = if cheap {
            let room = (budget - position * mark).min(max_order);
            Some((Side::Buy, room, reference * (1.0 - threshold)))
        } else if rich {
            let room = (budget + position * mark).min(max_order);
            Some((Side::Sell, room, reference * (1.0 + threshold)))
        } else if position > 0.0 && best_bid.is_some_and(|b| b >= reference) {
            Some((Side::Sell, (position * reference).min(max_order), reference))
        } else if position < 0.0 && best_ask.is_some_and(|a| a <= reference) {
            Some((Side::Buy, (-position * reference).min(max_order), reference))
        } else {
            None
        };
        if let Some((side, notional, limit)) = order
            && notional > 0.0
            && let (Some(quantity), Some(limit)) = (lots(market, notional, reference), tick_price(market, limit))
        {
            market.inbox.push(OrderRequest::market(agent.id, side, quantity, Some(limit)));
        }
    }
}

/// Noise traders trade with a probability per tick: a market order of random side and log-normal (or Pareto)
/// notional. The probability is fixed, or with self-exciting activity the instrument's current rate shared among its
/// noise traders (at most 1), and the tick's trades excite the next ticks'.
#[allow(clippy::too_many_arguments)] // a system: each parameter is a resource or query it reads or writes
pub fn trade_noise(
    mut traders: Query<(Entity, &Agent, &mut AgentRng), With<NoiseTrader>>,
    joined: Query<(), Added<NoiseTrader>>,
    mut left: RemovedComponents<NoiseTrader>,
    mut instruments: ResMut<Instruments>,
    populations: Res<Populations>,
    mut order: Local<Vec<(Agent, Entity)>>,
    mut markets: Local<Vec<(f64, Option<Bernoulli>)>>,
) {
    // The traders in agent order, sorted again only when one joins or leaves (a population of thousands is drawn
    // every tick; their order is not re-sorted every tick).
    if !joined.is_empty() || left.read().count() > 0 {
        order.clear();
        order.extend(traders.iter().map(|(entity, agent, _)| (*agent, entity)));
        order.sort_unstable();
    }
    // Each instrument's mark as `f64` and a fixed probability's draw, once a tick (orders move neither).
    markets.clear();
    markets.extend(instruments.0.iter().map(|m| {
        let fixed = m.noise_activity.is_none().then(|| populations.of(m.id).noise_traders.trade_probability);
        (to_f64(m.mark_price), fixed.and_then(|p| Bernoulli::new(p).ok()))
    }));
    for &(_, entity) in order.iter() {
        let Ok((_, agent, mut rng)) = traders.get_mut(entity) else { continue };
        let p = &populations.of(agent.instrument).noise_traders;
        let market = instruments.get_mut(agent.instrument);
        let (mark, fixed) = markets[usize::from(agent.instrument.0)];
        // As `random_bool` draws it (a `Bernoulli` of the chance), the distribution built once for a fixed chance.
        let trades = match fixed {
            Some(draw) => rng.0.sample(draw),
            None => {
                let count = f64::from(p.count).max(1.0);
                rng.0.random_bool(
                    market.noise_activity.map_or(p.trade_probability, |a| (a.rate() / count).clamp(0.0, 1.0)),
                )
            }
        };
        if !trades {
            continue;
        }
        if let Some(activity) = &mut market.noise_activity {
            activity.note();
        }
        let side = if rng.0.random_bool(0.5) { Side::Buy } else { Side::Sell };
        let notional = match p.order_notional_tail {
            Some(alpha) => pareto(&mut rng.0, p.order_notional, alpha),
            None => lognormal(&mut rng.0, p.order_notional, p.order_notional_sigma),
        };
        if let Some(quantity) = lots(market, notional, mark) {
            market.inbox.push(OrderRequest::market(agent.id, side, quantity, None));
        }
    }
    for activity in instruments.0.iter_mut().filter_map(|m| m.noise_activity.as_mut()) {
        activity.end_tick();
    }
}

/// Leveraged traders act on their plan: at its entry tick a trader opens its position with a market order of
/// `collateral * leverage` notional at the mark price; at the end of its holding period (if it has one) it closes
/// whatever is left. A tick's plan is dropped once acted on, so the schedule's memory falls as the traders enter.
pub fn trade_leveraged(
    clock: Res<Clock>,
    mut schedule: ResMut<TradeSchedule>,
    index: Res<AgentIndex>,
    accounts: Query<(&Agent, &Account)>,
    mut instruments: ResMut<Instruments>,
) {
    let Some(actions) = schedule.0.remove(&clock.tick) else { return };
    for (id, action) in actions {
        let Ok((agent, account)) = accounts.get(index.entity(id)) else { continue };
        match action {
            PlannedTrade::Open { instrument, side, leverage, moves_reference } => {
                let market = instruments.get_mut(instrument);
                let notional = to_f64(account.0.collateral * leverage);
                if let Some(quantity) = lots(market, notional, to_f64(market.mark_price)) {
                    market.inbox.push(OrderRequest::Market { agent: id, side, quantity, limit: None, moves_reference });
                }
            }
            PlannedTrade::Close => {
                let market = instruments.get_mut(agent.instrument);
                let position = account.0.quantity(market.id);
                if let Some(side) = Side::closing(position) {
                    market.inbox.push(OrderRequest::market(id, side, position.abs(), None));
                }
            }
        }
    }
}

/// Signal traders (trend followers and fundamentalists) close a position held `holding_ticks`; a flat one that looks
/// at the market this tick (with probability `look_probability`) and sees its signal beyond `threshold` opens a
/// position of its leverage times its collateral: a trend follower the way the mark's log return over its horizon
/// went, a fundamentalist against the mark's log distance from the fundamental value.
pub fn trade_signal_traders(
    clock: Res<Clock>,
    mut traders: Query<(&Agent, &Account, &mut SignalTrader, &mut AgentRng)>,
    mut instruments: ResMut<Instruments>,
    populations: Res<Populations>,
) {
    for (agent, account, mut trader, mut rng) in traders.iter_mut().sort::<&Agent>() {
        let agents = populations.of(agent.instrument);
        let (threshold, look, holding) = match trader.signal {
            Signal::Trend { .. } => {
                let p = &agents.trend_followers;
                (p.threshold, p.look_probability, p.holding_ticks)
            }
            Signal::Value => {
                let p = &agents.fundamentalists;
                (p.threshold, p.look_probability, p.holding_ticks)
            }
        };
        let market = instruments.get_mut(agent.instrument);
        let position = account.0.quantity(market.id);
        if let Some(side) = Side::closing(position) {
            if clock.tick >= trader.opened_at + holding {
                market.inbox.push(OrderRequest::market(agent.id, side, position.abs(), None));
            }
            continue;
        }
        if !rng.0.random_bool(look) {
            continue;
        }
        let mark = to_f64(market.mark_price);
        // The log move the trader follows: the trend itself, or the way back to the fundamental value.
        let bet = match trader.signal {
            Signal::Trend { horizon } => {
                let history = &market.mark_history;
                history.len().checked_sub(horizon as usize + 1).map(|i| libm::log(mark / history[i]))
            }
            Signal::Value => market.fundamental.map(|f| libm::log(f.value / mark)),
        };
        let Some(bet) = bet.filter(|b| b.abs() > threshold) else { continue };
        let side = if bet > 0.0 { Side::Buy } else { Side::Sell };
        let notional = to_f64(account.0.collateral * trader.leverage);
        if let Some(quantity) = lots(market, notional, mark) {
            market.inbox.push(OrderRequest::market(agent.id, side, quantity, None));
            trader.opened_at = clock.tick;
        }
    }
}

/// Backstop liquidators unwind the positions they took over: each tick, in each instrument where they hold one, a
/// market order reducing the position by up to `unwind_notional`, no worse than `unwind_slippage_bps` from the mark
/// (the rules of that instrument's backstop).
pub fn unwind_backstop(
    vaults: Query<(&Agent, &Account), With<BackstopLiquidator>>,
    mut instruments: ResMut<Instruments>,
    populations: Res<Populations>,
) {
    for (agent, account) in vaults.iter().sort::<&Agent>() {
        for held in account.0.positions.iter().filter(|p| !p.quantity.is_zero()) {
            let p = &populations.of(held.instrument).backstop;
            let market = instruments.get_mut(held.instrument);
            if let Some(order) = unwind_order(market, agent.id, held.quantity, p.unwind_notional, p.unwind_slippage_bps)
            {
                market.inbox.push(order);
            }
        }
    }
}

/// The order that unwinds up to `notional` (quote) of `agent`'s `position` in `market`: a market order closing it,
/// no worse than `slippage_bps` from the mark, on the lot and tick grids (`None` if nothing to close or the grids
/// leave nothing).
pub(crate) fn unwind_order(
    market: &Instrument,
    agent: cascade_core::AgentId,
    position: Decimal,
    notional: f64,
    slippage_bps: f64,
) -> Option<OrderRequest> {
    let side = Side::closing(position)?;
    let mark = to_f64(market.mark_price);
    let notional = (to_f64(position.abs()) * mark).min(notional);
    let slippage = slippage_bps / 10_000.0;
    let limit = match side {
        Side::Sell => mark * (1.0 - slippage),
        Side::Buy => mark * (1.0 + slippage),
    };
    let (quantity, limit) = (lots(market, notional, mark)?, tick_price(market, limit)?);
    Some(OrderRequest::market(agent, side, quantity.min(position.abs()), Some(limit)))
}
