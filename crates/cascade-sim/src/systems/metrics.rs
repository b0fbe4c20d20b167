//! Auditing and recording: the last stage of a tick.

use crate::SimError;
use crate::components::Account;
use crate::health::{account_health, standalone_health};
use crate::record::MarketTick;
use crate::record::TickRecord;
use crate::recorder::Recorder;
use crate::resources::{Audit, Clock, Faults, MarginEngine, Market, Markets, TickFlow, VenueLedger};
use bevy_ecs::prelude::*;
use cascade_core::book::Side;
use cascade_core::money;
use cascade_core::{Decimal, MarketId};

/// Checks ledger conservation and that open quantities net to zero in every market. Runs every tick when
/// [`Audit::every_tick`] is set (always in debug builds, where a violation also panics at once).
pub fn audit_ledger(
    audit: Res<Audit>,
    accounts: Query<&Account>,
    ledger: Res<VenueLedger>,
    markets: Res<Markets>,
    mut faults: ResMut<Faults>,
) {
    if !audit.every_tick {
        return;
    }
    if let Err(e) = check_conservation(accounts.iter(), &ledger.0, markets.0.len()) {
        debug_assert!(false, "{e}");
        faults.0.push(e);
    }
}

/// The conservation identity over a set of accounts; see [`cascade_core::money::Ledger::check`].
pub fn check_conservation<'a>(
    accounts: impl Iterator<Item = &'a Account>,
    ledger: &money::Ledger,
    markets: usize,
) -> Result<(), SimError> {
    let mut value = Decimal::ZERO;
    let mut net = vec![Decimal::ZERO; markets];
    for account in accounts {
        value = money::add(value, account.0.ledger_value()?)?;
        for position in &account.0.positions {
            let slot = &mut net[usize::from(position.market.0)];
            *slot = money::add(*slot, position.quantity)?;
        }
    }
    if let Some((market, quantity)) = net.iter().enumerate().find(|(_, q)| !q.is_zero()) {
        return Err(SimError::OpenQuantity { market: MarketId(market as u16), quantity: *quantity });
    }
    ledger.check(value)?;
    Ok(())
}

/// Initial margin of every open position in every market, quote currency, to the cent: what accounts must hold
/// under the venue's margin mode, and the sum of the positions' stand-alone requirements (the same unless portfolio
/// margin nets). With flat fractions (and open-interest scaling) and no netting this is
/// `sum over markets of initial fraction x mark x 2 x open interest` (longs and shorts each hold the open interest),
/// without touching accounts; tiers, size premiums, the liquidity add-on and portfolio margin sum account by account.
fn margin_locked(
    markets: &Markets,
    engine: &MarginEngine,
    accounts: &Query<&Account>,
) -> Result<(Decimal, Decimal), money::MoneyError> {
    let flat = |m: &Market| m.margin.tiers.is_none() && m.margin.size_premium.is_zero() && m.margin.liquidity.is_none();
    let netting = matches!(engine.rules.mode, cascade_scenario::MarginMode::Portfolio { .. });
    let (mut locked, mut standalone) = (Decimal::ZERO, Decimal::ZERO);
    if !netting && markets.0.iter().all(flat) {
        for market in &markets.0 {
            let open = money::mul(money::mul(market.mark_price, Decimal::TWO)?, market.open_interest)?;
            let unit = market.margin.requirement(Decimal::ONE, Decimal::ONE)?;
            locked = money::add(locked, money::mul(open, unit.initial)?)?;
        }
        standalone = locked;
    } else {
        for account in accounts.iter().filter(|a| a.0.positions.iter().any(|p| !p.quantity.is_zero())) {
            let alone = standalone_health(markets, &account.0)?.initial_requirement;
            let held = if netting { account_health(markets, engine, &account.0)?.initial_requirement } else { alone };
            locked = money::add(locked, held)?;
            standalone = money::add(standalone, alone)?;
        }
    }
    Ok((locked.round_dp(2), standalone.round_dp(2)))
}

/// Records the tick (the first market's state, collateral locked in all markets and the ledger's sinks; with
/// several markets also a row per market) and starts the next tick's flow.
pub fn record_tick(
    clock: Res<Clock>,
    mut markets: ResMut<Markets>,
    ledger: Res<VenueLedger>,
    mut recorder: ResMut<Recorder>,
    accounts: Query<&Account>,
    engine: Res<MarginEngine>,
    mut faults: ResMut<Faults>,
) {
    let tick = clock.tick;
    let (locked, standalone) = margin_locked(&markets, &engine, &accounts).unwrap_or_else(|e| {
        faults.0.push(e.into());
        (Decimal::ZERO, Decimal::ZERO)
    });
    if let Some(market) = markets.0.first() {
        let band = Decimal::new(1, 2);
        let flow = market.flow;
        recorder.tick(TickRecord {
            tick,
            time_s: (tick + 1) as f64 * clock.tick_seconds,
            reference: market.reference.price(),
            oracle: market.oracle_price,
            mark: market.mark_price,
            best_bid: market.book.best_bid(),
            best_ask: market.book.best_ask(),
            last_trade: market.last_trade,
            bid_depth_1pct: market.book.depth_within(Side::Buy, market.mark_price, band),
            ask_depth_1pct: market.book.depth_within(Side::Sell, market.mark_price, band),
            volume: flow.volume,
            notional_volume: flow.notional,
            open_interest: market.open_interest,
            initial_margin: market.margin.rates.initial,
            maintenance_margin: market.margin.rates.maintenance,
            margin_locked: locked,
            margin_locked_standalone: standalone,
            liquidations: flow.liquidations,
            liquidated_notional: flow.liquidated_notional,
            rejected_orders: flow.rejected_orders,
            backstop_notional: flow.backstop_notional,
            deleveraged_notional: flow.deleveraged_notional,
            socialized_loss: flow.socialized_loss,
            oracle_stale: market.oracle_stale,
            oracle_rejections: flow.oracle_rejections,
            funding_rate: flow.funding_rate,
            insurance_fund: ledger.0.insurance_fund(),
            bad_debt: ledger.0.bad_debt(),
            fees: ledger.0.fees(),
        });
    }
    if markets.0.len() > 1 {
        for market in &markets.0 {
            recorder.market(MarketTick {
                tick,
                symbol: market.spec.symbol.clone(),
                reference: market.reference.price(),
                mark: market.mark_price,
                open_interest: market.open_interest,
                initial_margin: market.margin.rates.initial,
                maintenance_margin: market.margin.rates.maintenance,
                liquidations: market.flow.liquidations,
                liquidated_notional: market.flow.liquidated_notional,
                notional_volume: market.flow.notional,
            });
        }
    }
    for market in &mut markets.0 {
        market.previous_net_taker_notional = market.flow.net_taker_notional;
        market.flow = TickFlow::default();
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
