//! Auditing and recording: the last stage of a tick.

use crate::SimError;
use crate::components::Account;
use crate::health::{account_health, standalone_health};
use crate::pool::LiquidityPool;
use crate::record::{MarketTick, TickRecord};
use crate::recorder::Recorder;
use crate::resources::{Audit, Clock, Faults, Instrument, Instruments, MarginState, Underlyings, VenueLedger};
use bevy_ecs::prelude::*;
use cascade_core::book::Side;
use cascade_core::money;
use cascade_core::{Decimal, InstrumentId};

/// Checks ledger conservation and that open quantities net to zero in every instrument. Runs every tick when
/// [`Audit::every_tick`] is set (always in debug builds, where a violation also panics at once).
pub fn audit_ledger(
    audit: Res<Audit>,
    accounts: Query<&Account>,
    ledger: Res<VenueLedger>,
    instruments: Res<Instruments>,
    mut faults: ResMut<Faults>,
) {
    if !audit.every_tick {
        return;
    }
    if let Err(e) = check_conservation(accounts.iter(), &ledger.0, instruments.0.len()) {
        debug_assert!(false, "{e}");
        faults.0.push(e);
    }
}

/// The conservation identity over a set of accounts; see [`cascade_core::money::Ledger::check`].
pub fn check_conservation<'a>(
    accounts: impl Iterator<Item = &'a Account>,
    ledger: &money::Ledger,
    instruments: usize,
) -> Result<(), SimError> {
    let mut value = Decimal::ZERO;
    let mut net = vec![Decimal::ZERO; instruments];
    for account in accounts {
        let amounts = std::iter::once(("collateral", account.0.collateral))
            .chain(account.0.positions.iter().map(|p| ("a cost basis", p.cost_basis)));
        if let Some((what, amount)) = amounts.into_iter().find(|(_, a)| !money::is_booked(*a)) {
            return Err(SimError::OffGrid { what: what.to_owned(), amount });
        }
        value = money::add(value, account.0.ledger_value()?)?;
        for position in &account.0.positions {
            let slot = &mut net[usize::from(position.instrument.0)];
            *slot = money::add(*slot, position.quantity)?;
        }
    }
    if let Some((instrument, quantity)) = net.iter().enumerate().find(|(_, q)| !q.is_zero()) {
        return Err(SimError::OpenQuantity { instrument: InstrumentId(instrument as u16), quantity: *quantity });
    }
    let sinks =
        [("fees", ledger.fees()), ("the insurance fund", ledger.insurance_fund()), ("bad debt", ledger.bad_debt())];
    if let Some((what, amount)) = sinks.into_iter().find(|(_, a)| !money::is_booked(*a)) {
        return Err(SimError::OffGrid { what: what.to_owned(), amount });
    }
    ledger.check(value)?;
    Ok(())
}

/// Every account but the pools' (a pool's position is not margined).
type Traders<'w, 's> = Query<'w, 's, &'static Account, Without<LiquidityPool>>;

/// Initial margin of every open position in every instrument, quote currency, to the cent: what accounts must hold
/// under the venue's margin mode, and the sum of the positions' stand-alone requirements (the same unless portfolio
/// margin nets). With flat fractions (and open-interest scaling) and no netting this is
/// `sum over instruments of initial fraction x notional of 2 x open interest` (longs and shorts each hold the open
/// interest; in a pool market only the traders'), without touching accounts; tiers, size premiums, the liquidity add-on and portfolio margin sum account by account.
/// Also each instrument's part: the stand-alone requirements of the positions in it.
fn margin_locked(
    instruments: &Instruments,
    engine: &MarginState,
    accounts: &Traders,
) -> Result<Locked, money::MoneyError> {
    let flat = |i: &Instrument| {
        i.kind.is_linear()
            && i.margin.tiers.is_none()
            && i.margin.size_premium.is_zero()
            && i.margin.liquidity.is_none()
    };
    let netting = matches!(engine.rules.mode, cascade_scenario::MarginMode::Portfolio { .. });
    let (mut locked, mut standalone) = (Decimal::ZERO, Decimal::ZERO);
    let mut by_instrument = vec![Decimal::ZERO; instruments.0.len()];
    if !netting && instruments.0.iter().all(flat) {
        for (instrument, part) in instruments.0.iter().zip(&mut by_instrument) {
            // A pool's side is not margined: only the traders' longs and shorts are.
            let held = match &instrument.pool {
                Some(pool) => pool.interest(instrument.open_interest).gross(),
                None => money::mul(Decimal::TWO, instrument.open_interest)?,
            };
            let open = instrument.kind.notional(held, instrument.mark_price)?;
            let unit = instrument.margin.requirement(Decimal::ONE, Decimal::ONE)?;
            *part = money::mul(open, unit.initial)?;
            locked = money::add(locked, *part)?;
        }
        standalone = locked;
    } else {
        let several = instruments.0.iter().filter(|i| i.kind.is_linear()).count() > 1;
        for account in accounts.iter().filter(|a| a.0.positions.iter().any(|p| !p.quantity.is_zero())) {
            let alone = standalone_health(instruments, engine, &account.0)?.initial_requirement;
            let held =
                if netting { account_health(instruments, engine, &account.0)?.initial_requirement } else { alone };
            locked = money::add(locked, held)?;
            standalone = money::add(standalone, alone)?;
            for p in account.0.positions.iter().filter(|p| several && !p.quantity.is_zero()) {
                let instrument = instruments.get(p.instrument);
                if !instrument.kind.is_linear() {
                    continue;
                }
                let slot = &mut by_instrument[usize::from(p.instrument.0)];
                *slot = money::add(*slot, instrument.margin.requirement(p.quantity, instrument.mark_price)?.initial)?;
            }
        }
        if !several {
            by_instrument.iter_mut().for_each(|part| *part = standalone);
        }
    }
    Ok(Locked {
        locked: locked.round_dp(2),
        standalone: standalone.round_dp(2),
        by_instrument: by_instrument.into_iter().map(|part| part.round_dp(2)).collect(),
    })
}

/// Collateral locked as initial margin, quote, to the cent.
struct Locked {
    /// Under the venue's margin mode.
    locked: Decimal,
    /// Without portfolio netting.
    standalone: Decimal,
    /// Each instrument's stand-alone part.
    by_instrument: Vec<Decimal>,
}

/// Records the tick: a row per perpetual (its state and its underlying's prices) and the venue's row (every
/// instrument's flow summed, option series' too, collateral locked and the ledger's sinks); then starts the next
/// tick's flow, each underlying keeping the net taker flow of its instruments for the next reference step.
#[allow(clippy::too_many_arguments)] // a system: each parameter is a resource it reads or writes
pub fn record_tick(
    clock: Res<Clock>,
    mut instruments: ResMut<Instruments>,
    mut underlyings: ResMut<Underlyings>,
    ledger: Res<VenueLedger>,
    mut recorder: ResMut<Recorder>,
    accounts: Traders,
    engine: Res<MarginState>,
    mut faults: ResMut<Faults>,
) {
    let tick = clock.tick;
    let Locked { locked, standalone, by_instrument } =
        margin_locked(&instruments, &engine, &accounts).unwrap_or_else(|e| {
            faults.0.push(e.into());
            Locked { locked: Decimal::ZERO, standalone: Decimal::ZERO, by_instrument: Vec::new() }
        });
    let band = Decimal::new(1, 2);
    let mut venue = TickRecord {
        tick,
        time_s: (tick + 1) as f64 * clock.tick_seconds,
        notional_volume: Decimal::ZERO,
        margin_locked: locked,
        margin_locked_standalone: standalone,
        liquidations: 0,
        liquidated_notional: Decimal::ZERO,
        rejected_orders: 0,
        backstop_notional: Decimal::ZERO,
        deleveraged_notional: Decimal::ZERO,
        socialized_loss: Decimal::ZERO,
        oracle_stale: underlyings.0.iter().any(|u| u.oracle_stale),
        oracle_rejections: underlyings.0.iter().map(|u| u.oracle_rejections).sum(),
        insurance_fund: ledger.0.insurance_fund(),
        bad_debt: ledger.0.bad_debt(),
        fees: ledger.0.fees(),
    };
    for (k, instrument) in instruments.0.iter().enumerate() {
        let underlying = underlyings.get(instrument.underlying);
        let flow = instrument.flow;
        venue.notional_volume += flow.notional;
        venue.liquidations += flow.liquidations;
        venue.liquidated_notional += flow.liquidated_notional;
        venue.rejected_orders += flow.rejected_orders;
        venue.backstop_notional += flow.backstop_notional;
        venue.deleveraged_notional += flow.deleveraged_notional;
        venue.socialized_loss += flow.socialized_loss;
        if !instrument.kind.is_linear() {
            continue;
        }
        recorder.market(MarketTick {
            tick,
            symbol: instrument.spec.symbol.clone(),
            reference: underlying.reference.price(),
            oracle: underlying.oracle_price,
            mark: instrument.mark_price,
            best_bid: instrument.book.best_bid(),
            best_ask: instrument.book.best_ask(),
            last_trade: instrument.last_trade,
            bid_depth_1pct: instrument.book.depth_within(Side::Buy, instrument.mark_price, band),
            ask_depth_1pct: instrument.book.depth_within(Side::Sell, instrument.mark_price, band),
            volume: flow.volume,
            notional_volume: flow.notional,
            open_interest: instrument.open_interest,
            initial_margin: instrument.margin.rates.initial,
            maintenance_margin: instrument.margin.rates.maintenance,
            margin_locked: by_instrument.get(k).copied().unwrap_or_default(),
            liquidations: flow.liquidations,
            liquidated_notional: flow.liquidated_notional,
            rejected_orders: flow.rejected_orders,
            backstop_notional: flow.backstop_notional,
            deleveraged_notional: flow.deleveraged_notional,
            socialized_loss: flow.socialized_loss,
            oracle_stale: underlying.oracle_stale,
            oracle_rejections: underlying.oracle_rejections,
            funding_rate: flow.funding_rate,
        });
    }
    recorder.tick(venue);
    for underlying in &mut underlyings.0 {
        underlying.previous_net_taker_notional = 0.0;
        underlying.oracle_rejections = 0;
    }
    for instrument in &mut instruments.0 {
        let underlying = &mut underlyings.0[usize::from(instrument.underlying.0)];
        underlying.previous_net_taker_notional += instrument.flow.net_taker_notional;
        instrument.previous_flow = std::mem::take(&mut instrument.flow);
    }
}

/// Commits the tick's rows and events: into the summary, to the output sink, and into memory if kept.
pub fn commit_records(mut recorder: ResMut<Recorder>, mut faults: ResMut<Faults>) {
    if let Err(e) = recorder.commit() {
        faults.0.push(crate::SimError::Output(e.to_string()));
    }
}

/// Ends the tick: the clock moves to the next.
pub fn advance_clock(mut clock: ResMut<Clock>) {
    clock.tick += 1;
}
