//! The options' systems: marking the series from the surface, the market maker's quotes and delta hedge, the option
//! traders' entries, and settlement at expiry. Each does nothing in a world without options.

use crate::components::Account;
use crate::options::OptionDesk;
use crate::record::{Event, EventKind};
use crate::recorder::Recorder;
use crate::resources::{AgentIndex, Clock, Faults, Instruments, OptionMark, OrderRequest, Shocks, Underlyings};
use bevy_ecs::prelude::*;
use cascade_core::Decimal;
use cascade_core::book::{OrderBook, Side};
use cascade_core::money::{self, floor_to_step, from_f64, to_f64};
use cascade_core::option::black76;
use cascade_core::process::SECONDS_PER_YEAR;

/// The lowest a quote's volatility may be, as a fraction of the surface's: a skew against a large inventory never
/// quotes at zero volatility.
const MIN_QUOTE_VOL: f64 = 0.05;

/// Marks every series at its Black-76 value on the surface at the underlying's oracle price (zero rates), on the
/// premium grid; at and after expiry, at its payoff. The surface's short end first moves `realized_weight` of the way
/// to the perpetual mark's realized volatility (its EWMA, annualized).
pub fn mark_options(
    clock: Res<Clock>,
    desk: Option<ResMut<OptionDesk>>,
    mut instruments: ResMut<Instruments>,
    underlyings: Res<Underlyings>,
    mut faults: ResMut<Faults>,
) {
    let Some(mut desk) = desk else { return };
    let oracle = underlyings.get(desk.underlying).oracle_price;
    let forward = to_f64(oracle);
    if desk.realized_weight > 0.0 {
        let per_tick = instruments.get(desk.perpetual).mark_volatility.volatility();
        let realized = per_tick * libm::sqrt(SECONDS_PER_YEAR / clock.tick_seconds);
        desk.surface = desk.surface.with_realized(realized, desk.realized_weight);
    }
    for &id in &desk.series {
        let instrument = instruments.get_mut(id);
        let Some((right, strike, expiry)) = instrument.kind.option() else { continue };
        let years = expiry.saturating_sub(clock.tick) as f64 * clock.tick_seconds / SECONDS_PER_YEAR;
        let vol = instrument.option.map_or(0.0, |m| m.vol);
        if years <= 0.0 {
            instrument.mark_price = instrument.kind.payoff(oracle).unwrap_or_default();
            instrument.option = Some(OptionMark { forward, vol, years: 0.0, delta: 0.0 });
            continue;
        }
        let valued = desk
            .surface
            .vol(forward, to_f64(strike), years)
            .and_then(|vol| Ok((vol, black76(right, forward, to_f64(strike), vol, years, 0.0)?)));
        match valued {
            Ok((vol, greeks)) => match from_f64(greeks.price, instrument.spec.tick_size, "option mark") {
                Ok(mark) => {
                    instrument.mark_price = mark.max(Decimal::ZERO);
                    instrument.option = Some(OptionMark { forward, vol, years, delta: greeks.delta });
                }
                Err(e) => faults.0.push(e.into()),
            },
            Err(e) => faults.0.push(crate::SimError::Scenario(format!("{}: {e}", instrument.spec.symbol))),
        }
    }
}

/// The option market maker cancels its quotes and quotes every live series: a bid at the surface's volatility less
/// the half spread and an ask at it plus the half spread (widened by a spread-widening shock), both moved against its
/// inventory in the series (by `inventory_skew_vol` at `max_inventory`); the side that would add to an inventory at
/// the limit is not quoted, nor a bid that rounds to zero. Bids round down to the premium grid, asks up.
pub fn quote_options(
    desk: Option<Res<OptionDesk>>,
    accounts: Query<&Account>,
    index: Res<AgentIndex>,
    mut instruments: ResMut<Instruments>,
    shocks: Res<Shocks>,
) {
    let Some(desk) = desk else { return };
    let Some(maker) = desk.maker else { return };
    let Ok(account) = accounts.get(index.entity(maker)) else { return };
    let rules = &desk.maker_rules;
    let limit = to_f64(rules.max_inventory);
    for &id in &desk.series {
        let held = to_f64(account.0.quantity(id));
        let instrument = instruments.get_mut(id);
        instrument.inbox.push(OrderRequest::CancelAll { agent: maker });
        let (Some((right, strike, _)), Some(mark)) = (instrument.kind.option(), instrument.option) else { continue };
        if mark.years <= 0.0 {
            continue;
        }
        let centre = mark.vol - rules.inventory_skew_vol * (held / limit).clamp(-1.0, 1.0);
        let half = rules.half_spread_vol * shocks.spread_multiplier;
        let quotes = [(Side::Buy, centre - half, held < limit), (Side::Sell, centre + half, held > -limit)];
        for (side, vol, allowed) in quotes {
            let vol = vol.max(MIN_QUOTE_VOL * mark.vol);
            let Ok(value) = black76(right, mark.forward, to_f64(strike), vol, mark.years, 0.0) else { continue };
            let Some(price) = on_grid(value.price, instrument.spec.tick_size, side) else { continue };
            if allowed && price > Decimal::ZERO {
                let quantity = rules.quote_size;
                instrument.inbox.push(OrderRequest::Limit { agent: maker, side, price, quantity });
            }
        }
    }
}

/// `price` on the premium grid: down for a bid, up for an ask (`None` if not finite).
fn on_grid(price: f64, tick: Decimal, side: Side) -> Option<Decimal> {
    let exact = from_f64(price, Decimal::new(1, 8), "option quote").ok()?;
    let down = floor_to_step(exact, tick)?;
    Some(if side == Side::Sell && down < exact { down + tick } else { down })
}

/// Every `hedge_interval_ticks`, a hedging market maker whose net delta (perpetual plus options at their last
/// deltas) is beyond `hedge_threshold` sends a market order in the perpetual that brings it back to zero (on the lot
/// grid). Short gamma, it sells as the price falls and buys as it rises: its flow moves the reference like any taker's.
pub fn hedge_options(
    clock: Res<Clock>,
    desk: Option<Res<OptionDesk>>,
    accounts: Query<&Account>,
    index: Res<AgentIndex>,
    mut instruments: ResMut<Instruments>,
) {
    let Some(desk) = desk else { return };
    let rules = &desk.maker_rules;
    let Some(maker) = desk.maker.filter(|_| rules.hedge && clock.tick.is_multiple_of(rules.hedge_interval_ticks))
    else {
        return;
    };
    let Ok(account) = accounts.get(index.entity(maker)) else { return };
    let delta = desk.maker_delta(&instruments, &account.0);
    if !delta.is_finite() || delta.abs() <= rules.hedge_threshold {
        return;
    }
    let perpetual = instruments.get_mut(desk.perpetual);
    let side = if delta > 0.0 { Side::Sell } else { Side::Buy };
    let Ok(size) = from_f64(delta.abs(), Decimal::new(1, 8), "hedge") else { return };
    if let Some(quantity) = floor_to_step(size, perpetual.spec.lot_size).filter(|q| *q > Decimal::ZERO) {
        perpetual.inbox.push(OrderRequest::market(maker, side, quantity, None));
    }
}

/// Option traders whose entry tick this is send their market orders: the options, and the perpetual beside them.
pub fn enter_option_traders(clock: Res<Clock>, desk: Option<ResMut<OptionDesk>>, mut instruments: ResMut<Instruments>) {
    let Some(mut desk) = desk else { return };
    let perpetual = desk.perpetual;
    for plan in desk.plans.remove(&clock.tick).unwrap_or_default() {
        let legs = [(plan.series, plan.quantity), (perpetual, plan.underlying)];
        for (instrument, quantity) in legs.into_iter().filter(|(_, q)| !q.is_zero()) {
            let side = if quantity > Decimal::ZERO { Side::Buy } else { Side::Sell };
            let order = OrderRequest::market(plan.agent, side, quantity.abs(), None);
            instruments.get_mut(instrument).inbox.push(order);
        }
    }
}

/// At the end of its expiry tick a series settles: its resting orders are cancelled and every position in it is
/// closed at its payoff against the oracle price (realized into collateral: what the longs receive the shorts pay,
/// exactly), one event per series with the open interest settled.
#[allow(clippy::too_many_arguments)] // a system: each parameter is a resource it reads or writes
pub fn settle_expired(
    clock: Res<Clock>,
    desk: Option<Res<OptionDesk>>,
    mut instruments: ResMut<Instruments>,
    underlyings: Res<Underlyings>,
    mut accounts: Query<(&crate::components::Agent, &mut Account)>,
    mut index: ResMut<AgentIndex>,
    mut recorder: ResMut<Recorder>,
    mut faults: ResMut<Faults>,
) {
    let Some(desk) = desk else { return };
    let oracle = underlyings.get(desk.underlying).oracle_price;
    for &id in &desk.series {
        let instrument = instruments.get_mut(id);
        let Some((_, _, expiry)) = instrument.kind.option() else { continue };
        if expiry != clock.tick {
            continue;
        }
        let payoff = instrument.kind.payoff(oracle).unwrap_or_default();
        let mut holders: Vec<_> = accounts
            .iter()
            .filter(|(_, a)| !a.0.quantity(id).is_zero())
            .map(|(agent, a)| (agent.id, a.0.quantity(id)))
            .collect();
        holders.sort_unstable_by_key(|(agent, _)| *agent);
        // Resting orders hold no money: the book is emptied.
        instrument.book = OrderBook::new();
        for &(agent, quantity) in &holders {
            index.touched.push(agent);
            let Ok((_, mut account)) = accounts.get_mut(index.entity(agent)) else { continue };
            if let Err(e) = account.0.apply_fill(id, -quantity, payoff) {
                faults.0.push(e.into());
            }
        }
        let settled = instrument.open_interest;
        instrument.open_interest = Decimal::ZERO;
        recorder.event(Event {
            mark_price: Some(oracle),
            average_price: Some(payoff),
            quantity: Some(settled),
            notional: money::mul(payoff, settled).ok(),
            ..Event::new(clock.tick, EventKind::OptionExpiry, format!("{} holders", holders.len()))
                .in_market(&instrument.spec.symbol)
        });
    }
}
