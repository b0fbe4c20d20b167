//! The liquidation engine: closes out accounts below maintenance margin.
//!
//! For each queued account, in the configured order, the engine re-checks it, decides how much to close (the whole
//! position, or a slice that restores the target margin; within the per-account and per-market rate limits),
//! cancels the account's resting orders, and closes the slice through the absorbers in this order:
//!
//! 1. **backstop liquidators**, first, when the account is deeply underwater (equity below `trigger` times its
//!    maintenance requirement): they take the position over at `discount` from the mark, within their capital (a
//!    market's own vaults; for an option series, the options' vaults, which serve every series);
//! 2. **the book**: a market order within the price band and, unless losses go to bad debt, no worse than the price
//!    at which the insurance fund can still cover the shortfall; a bankrupt account's order ignores the band (bounded
//!    only by that price, or not at all when losses go to bad debt). In a pool market, the pool instead: it takes
//!    the whole slice at the mark (the oracle price there);
//! 3. **backstop liquidators** again, for what the book could not take;
//! 4. **deleveraging**, when what is left cannot be closed without a loss beyond the insurance fund: ADL closes it
//!    against ranked winners at the price the fund can cover; socialized loss closes it against winners at the mark.
//!
//! The penalty is then charged (shared with backstop liquidators by `liquidator_share`), and once the position is
//! closed a negative balance is covered by the insurance fund, then (in a pool market) by the pool, then
//! (socialized loss) by winners' profits, then booked as bad debt. What stays open is retried next tick. Every step
//! is logged in the liquidation's event.

use crate::SimError;
use crate::components::{Account, Agent, BackstopLiquidator};
use crate::health::account_health;
use crate::record::{Event, EventKind};
use crate::recorder::Recorder;
use crate::resources::{
    AdlQueues, AgentIndex, Audit, Clock, Faults, Instrument, Instruments, LastLiquidation, LiquidationQueue,
    LiquidationRules, MarginState, OracleRules, Populations, Underlyings, VenueLedger,
};
use crate::systems::settlement::{FillSource, account, account_mut, settle_fills};
use crate::systems::winners::{Agents, adl_queue};
use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemParam;
use cascade_core::book::{Fill, Side};
use cascade_core::closeout::{
    FINE, PartialSlices, SliceRules, Standing, book_limit, book_refuses, deleverage_price, penalty, takeover_price,
    takeover_quantity,
};
use cascade_core::deleverage::{Winner, socialize};
use cascade_core::instrument::Valuation;
use cascade_core::liquidation::{ShortfallCover, absorb_shortfall};
use cascade_core::money;
use cascade_core::{AgentId, Decimal, InstrumentId};
use cascade_scenario::{Backstop, Liquidation, LiquidationMode, LossAllocation};

/// What the liquidation engine reads and writes.
#[derive(SystemParam)]
pub struct Engine<'w, 's> {
    rules: Res<'w, LiquidationRules>,
    oracle_rules: Res<'w, OracleRules>,
    populations: Res<'w, Populations>,
    margin: Res<'w, MarginState>,
    clock: Res<'w, Clock>,
    queue: ResMut<'w, LiquidationQueue>,
    last: ResMut<'w, LastLiquidation>,
    markets: ResMut<'w, Instruments>,
    underlyings: Res<'w, Underlyings>,
    agents: Agents<'w, 's>,
    vaults: Query<'w, 's, &'static Agent, With<BackstopLiquidator>>,
    accounts: Query<'w, 's, &'static mut Account>,
    adl: ResMut<'w, AdlQueues>,
    index: ResMut<'w, AgentIndex>,
    ledger: ResMut<'w, VenueLedger>,
    recorder: ResMut<'w, Recorder>,
    faults: ResMut<'w, Faults>,
    audit: Res<'w, Audit>,
}

/// Liquidates the queued accounts (see the module documentation for the absorbers and their order). Does nothing
/// when liquidation is disabled, or for an instrument whose underlying's oracle is stale when the rules pause
/// liquidations then.
pub fn liquidate(mut engine: Engine) {
    let queued = std::mem::take(&mut engine.queue.0);
    if !engine.rules.0.enabled || queued.is_empty() {
        return;
    }
    let mut backstops: Vec<(InstrumentId, AgentId)> = engine.vaults.iter().map(|a| (a.instrument, a.id)).collect();
    backstops.sort_unstable_by_key(|(_, id)| *id);
    // Marks do not move during the pass.
    let values: Vec<Valuation> = engine.markets.0.iter().map(Instrument::valuation).collect();
    for id in queued {
        // Each open position in turn, instrument by instrument, while the account stays liquidatable.
        let Ok(account) = engine.accounts.get(engine.index.entity(id)) else { continue };
        let mut legs: Vec<InstrumentId> =
            account.0.positions.iter().filter(|p| !p.quantity.is_zero()).map(|p| p.instrument).collect();
        legs.sort_unstable();
        for market in legs {
            let stale = engine.underlyings.get(engine.markets.get(market).underlying).oracle_stale;
            if stale && engine.oracle_rules.0.pause_liquidations_when_stale {
                continue;
            }
            let vaults: Vec<AgentId> =
                backstops.iter().filter(|(home, _)| serves(&engine.markets, *home, market)).map(|(_, v)| *v).collect();
            match close_out(&mut engine, id, market, &vaults, &values) {
                Ok(events) => events.into_iter().for_each(|e| engine.recorder.event(e)),
                Err(e) => engine.faults.0.push(e),
            }
        }
    }
}

/// Whether a backstop vault homed in `home` takes over positions in `market`: its own market's, or, homed in an
/// option series, every series on the same underlying.
fn serves(instruments: &Instruments, home: InstrumentId, market: InstrumentId) -> bool {
    let (h, m) = (instruments.get(home), instruments.get(market));
    home == market || (h.option.is_some() && m.option.is_some() && h.underlying == m.underlying)
}

/// The account's standing in `instrument`: its position there and, as its collateral, its collateral plus the
/// unrealized PnL of its other positions valued now (`values`, by instrument).
fn standing(
    accounts: &Query<&mut Account>,
    index: &AgentIndex,
    id: AgentId,
    instrument: InstrumentId,
    values: &[Valuation],
) -> Result<Standing, SimError> {
    let account = &account(accounts, index, id)?.0;
    let position = account.position(instrument);
    let mut collateral = account.collateral;
    for other in account.positions.iter().filter(|p| p.instrument != instrument && !p.quantity.is_zero()) {
        collateral = money::add(collateral, other.unrealized_pnl(values[usize::from(other.instrument.0)])?)?;
    }
    Ok(Standing {
        quantity: position.map_or(Decimal::ZERO, |p| p.quantity),
        cost_basis: position.map_or(Decimal::ZERO, |p| p.cost_basis),
        collateral,
    })
}

/// The scenario's rules of how much one close-out may close.
fn slice_rules(rules: &Liquidation) -> SliceRules {
    let partial = match rules.mode {
        LiquidationMode::Full => None,
        LiquidationMode::Partial { target, slice_fraction, slice_min_notional, .. } => {
            Some(PartialSlices { target, slice_fraction, slice_min_notional })
        }
    };
    SliceRules {
        partial,
        max_notional_per_account: rules.max_notional_per_account,
        max_notional_per_tick: rules.max_notional_per_tick,
    }
}

/// Closes out one account's position in `instrument_id`: sequences the decisions of [`cascade_core::closeout`]
/// against the book and the absorbers, and applies their fills and payments.
fn close_out(
    e: &mut Engine,
    id: AgentId,
    instrument_id: InstrumentId,
    backstops: &[AgentId],
    values: &[Valuation],
) -> Result<Vec<Event>, SimError> {
    let before = standing(&e.accounts, &e.index, id, instrument_id, values)?;
    if closes_nothing(e, id, e.markets.get(instrument_id), backstops, &before)? {
        // Audited runs check the shortcut against the full close-out.
        if e.audit.every_tick && !close_out_in_full(e, id, instrument_id, backstops, values, before)?.is_empty() {
            debug_assert!(false, "account {id:?} was judged refused by the book but closed a position");
            return Err(SimError::RefusalMismatch { account: id });
        }
        return Ok(Vec::new());
    }
    close_out_in_full(e, id, instrument_id, backstops, values, before)
}

/// Whether a close-out of `id` in `market` is known to close nothing and change nothing: the book is its only
/// absorber and refuses it ([`book_refuses`]), and the account has no resting order there to cancel.
fn closes_nothing(
    e: &Engine,
    id: AgentId,
    market: &Instrument,
    backstops: &[AgentId],
    before: &Standing,
) -> Result<bool, SimError> {
    let bounded = e.rules.0.loss_allocation != LossAllocation::BadDebt;
    if !bounded || market.pool.is_some() || !backstops.is_empty() || market.book.has_orders(id) {
        return Ok(false);
    }
    let best = match before.closing_side() {
        Some(Side::Sell) => market.book.best_bid(),
        _ => market.book.best_ask(),
    };
    Ok(book_refuses(before, market.valuation(), e.ledger.0.insurance_fund(), best)?)
}

/// [`close_out`] without the shortcut: every absorber in turn, from the account's standing `before`.
fn close_out_in_full(
    e: &mut Engine,
    id: AgentId,
    instrument_id: InstrumentId,
    backstops: &[AgentId],
    values: &[Valuation],
    before: Standing,
) -> Result<Vec<Event>, SimError> {
    let rules: &Liquidation = &e.rules.0;
    let backstop: &Backstop = &e.populations.of(instrument_id).backstop;
    let tick = e.clock.tick;
    let health = account_health(&e.markets, &e.margin, &account(&e.accounts, &e.index, id)?.0)?;
    let market = e.markets.get_mut(instrument_id);
    let (mark, at) = (market.mark_price, market.valuation());
    let (lot, tick_size) = (market.spec.lot_size, market.spec.tick_size);
    let Some(side) = before.closing_side() else { return Ok(Vec::new()) };
    if !health.is_liquidatable() {
        return Ok(Vec::new());
    }
    if let LiquidationMode::Partial { cooldown_ticks, .. } = rules.mode
        && e.last.0.get(&id).is_some_and(|t| tick < t + cooldown_ticks)
    {
        return Ok(Vec::new());
    }
    let close =
        slice_rules(rules).quantity(before.quantity.abs(), &health, at, lot, market.flow.liquidated_notional)?;
    if close <= Decimal::ZERO {
        return Ok(Vec::new());
    }
    market.book.cancel_all(id);

    let bounded = rules.loss_allocation != LossAllocation::BadDebt;
    let mut remaining = close;
    let mut book_quantity = Decimal::ZERO;
    let mut book_notional = Decimal::ZERO;
    let mut taken = Takeovers::default();
    let ctx = TakeoverContext { id, side, mark, values, tick_size, lot, bounded, backstop, backstops };
    if health.equity < backstop.trigger * health.maintenance_requirement {
        taken.absorb(&ctx, remaining, market, &mut e.accounts, &mut e.index, &mut e.ledger)?;
        remaining = close - taken.quantity;
    }
    if remaining > Decimal::ZERO
        && let Some(pool) = &market.pool
    {
        // A pool takes the whole close-out at the mark, which in its market is the oracle price.
        let fill = Fill { maker: pool.agent, taker: id, taker_side: side, price: mark, quantity: remaining };
        let source = FillSource::Pool { taker_fee: Decimal::ZERO, moves_reference: true };
        settle_fills(&[fill], market, source, &mut e.accounts, &mut e.index, &mut e.ledger.0)?;
        book_quantity = remaining;
        book_notional = money::mul(mark, remaining)?;
        remaining = Decimal::ZERO;
    }
    if remaining > Decimal::ZERO {
        let now = standing(&e.accounts, &e.index, id, instrument_id, values)?;
        let band = market.spec.protected_limit(side, mark);
        let limit = book_limit(&now, at, band, e.ledger.0.insurance_fund(), bounded, tick_size)?;
        let execution = market.book.market(id, side, remaining, limit);
        let source = FillSource::Book { taker_fee: Decimal::ZERO, moves_reference: true };
        settle_fills(&execution.fills, market, source, &mut e.accounts, &mut e.index, &mut e.ledger.0)?;
        book_quantity = execution.filled;
        book_notional = execution.notional();
        remaining -= execution.filled;
    }
    if remaining > Decimal::ZERO {
        taken.absorb(&ctx, remaining, market, &mut e.accounts, &mut e.index, &mut e.ledger)?;
        remaining = close - taken.quantity - book_quantity;
    }
    let mut events = Vec::new();
    let mut deleveraged = Decimal::ZERO;
    let mut deleveraged_notional = Decimal::ZERO;
    let now = standing(&e.accounts, &e.index, id, instrument_id, values)?;
    let adl = rules.loss_allocation == LossAllocation::Adl;
    if remaining > Decimal::ZERO
        && bounded
        && let Some(price) = deleverage_price(&now, at, e.ledger.0.insurance_fund(), adl, tick_size)?
    {
        let queue = adl_queue(&mut e.adl, &e.agents, &e.accounts, &e.index, (tick, instrument_id), values)?;
        let sign = if before.quantity.is_sign_positive() { Decimal::ONE } else { Decimal::NEGATIVE_ONE };
        let plan: Vec<(AgentId, Decimal, Option<Winner>)> =
            queue.plan(remaining, sign).into_iter().map(|(a, q)| (a, q, queue.get(a).copied())).collect();
        for (winner, quantity, w) in plan {
            // A winner never closes beyond its own entry price, nor below zero equity: ADL takes part of its profit
            // and never more than it has.
            let price = w.map_or(price, |w| w.adl_price(price, quantity, mark, tick_size));
            let fill = Fill { maker: winner, taker: id, taker_side: side, price, quantity };
            settle_fills(&[fill], market, FillSource::Transfer, &mut e.accounts, &mut e.index, &mut e.ledger.0)?;
            deleveraged += quantity;
            deleveraged_notional += price * quantity;
            events.push(deleverage_event(tick, winner, w, quantity, price, mark, (price - mark).abs() * quantity));
        }
        remaining -= deleveraged;
    }
    let closed = close - remaining;
    if closed.is_zero() {
        return Ok(Vec::new());
    }

    // The penalty, shared with the backstop liquidators that took part.
    let account = &mut account_mut(&mut e.accounts, &mut e.index, id)?.0;
    let penalty = penalty(
        book_notional,
        &taken.by,
        rules.fee,
        rules.liquidator_share,
        account.equity(|i| values[usize::from(i.0)])?,
    )?;
    account.pay(penalty.fee)?;
    let account_is_flat = account.positions.iter().all(|p| p.quantity.is_zero());
    e.ledger.0.collect_penalty(penalty.insurance_fund)?;
    for &(vault, share) in &penalty.liquidators {
        account_mut(&mut e.accounts, &mut e.index, vault)?.0.pay(-share)?;
    }

    // Shortfall of a closed account: insurance fund, then (socialized loss) winners, then bad debt.
    let mut cover = ShortfallCover::default();
    let mut socialized = Decimal::ZERO;
    if account_is_flat {
        let account = &mut account_mut(&mut e.accounts, &mut e.index, id)?.0;
        cover = absorb_shortfall(&mut account.collateral, &mut e.ledger.0)?;
        let writes = (&mut e.accounts, &mut *e.index, &mut e.ledger.0);
        events.extend(crate::pool::pool_pays(market.pool.as_mut(), (id, tick, mark), &mut cover, writes)?);
        if rules.loss_allocation == LossAllocation::SocializedLoss && cover.bad_debt > Decimal::ZERO {
            let queue = adl_queue(&mut e.adl, &e.agents, &e.accounts, &e.index, (tick, instrument_id), values)?;
            // Each winner gives up at most its profit, and never more than its equity.
            let profits: Vec<(AgentId, Decimal)> =
                queue.winners().map(|w| (w.agent, w.unrealized_pnl.min(w.equity))).collect();
            let haircuts: Vec<(AgentId, Decimal, Option<Winner>)> = socialize(cover.bad_debt, &profits, FINE)
                .into_iter()
                .map(|(a, haircut)| (a, haircut, queue.get(a).copied()))
                .collect();
            let mut paid = Vec::with_capacity(haircuts.len());
            for (winner, haircut, w) in haircuts {
                account_mut(&mut e.accounts, &mut e.index, winner)?.0.pay(haircut)?;
                socialized += haircut;
                let event = deleverage_event(tick, winner, w, Decimal::ZERO, mark, mark, haircut);
                paid.push(Event { kind: EventKind::Haircut, ..event });
            }
            let winners = format!("{} winners", paid.len());
            events.push(Event {
                account: Some(id.0),
                mark_price: Some(mark),
                socialized: Some(socialized),
                ..Event::new(tick, EventKind::SocializedLoss, winners)
            });
            events.extend(paid);
            // The haircuts pay part of what would have been bad debt.
            e.ledger.0.recover_bad_debt(socialized)?;
            cover.bad_debt -= socialized;
        }
    }
    let penalized = book_notional + taken.notional;
    market.flow.liquidations += 1;
    market.flow.liquidated_notional = money::add(market.flow.liquidated_notional, penalized + deleveraged_notional)?;
    market.flow.backstop_notional += taken.notional;
    market.flow.deleveraged_notional += deleveraged_notional;
    market.flow.socialized_loss += socialized;
    e.last.0.insert(id, tick);

    let notional = penalized + deleveraged_notional;
    let liquidator_fee = penalty.to_liquidators();
    events.insert(
        0,
        Event {
            account: Some(id.0),
            quantity: Some(closed),
            unfilled: Some(remaining),
            mark_price: Some(mark),
            bankruptcy_price: before.bankruptcy_price(),
            average_price: notional.checked_div(closed).map(|p| p.round_dp(8)),
            notional: Some(notional),
            book_quantity: Some(book_quantity),
            backstop_quantity: Some(taken.quantity),
            deleveraged_quantity: Some(deleveraged),
            fee: Some(penalty.fee - liquidator_fee),
            liquidator_fee: Some(liquidator_fee),
            shortfall: Some(cover.shortfall),
            insurance_paid: Some(cover.insurance_fund),
            socialized: Some(socialized),
            bad_debt: Some(cover.bad_debt),
            ..Event::new(
                tick,
                EventKind::Liquidation,
                if before.quantity.is_sign_positive() { "long" } else { "short" },
            )
        },
    );
    Ok(events.into_iter().map(|event| event.in_market(&market.spec.symbol)).collect())
}

fn deleverage_event(
    tick: u64,
    winner: AgentId,
    w: Option<Winner>,
    quantity: Decimal,
    price: Decimal,
    mark: Decimal,
    loss: Decimal,
) -> Event {
    Event {
        account: Some(winner.0),
        quantity: Some(quantity),
        mark_price: Some(mark),
        average_price: Some(price),
        notional: Some(price * quantity),
        loss: Some(loss.round_dp(8)),
        profit: w.map(|w| w.unrealized_pnl),
        leverage: w.and_then(|w| w.notional.checked_div(w.equity)).map(|l| l.round_dp(4)),
        ..Event::new(
            tick,
            EventKind::Deleverage,
            w.map_or("", |w| if w.quantity.is_sign_positive() { "long" } else { "short" }),
        )
    }
}

/// What the take-over of one slice needs to know.
struct TakeoverContext<'a> {
    id: AgentId,
    side: Side,
    mark: Decimal,
    values: &'a [Valuation],
    tick_size: Decimal,
    lot: Decimal,
    bounded: bool,
    backstop: &'a Backstop,
    backstops: &'a [AgentId],
}

/// Positions taken over by backstop liquidators during one close-out.
#[derive(Default)]
struct Takeovers {
    quantity: Decimal,
    notional: Decimal,
    by: Vec<(AgentId, Decimal)>,
}

impl Takeovers {
    /// Backstop liquidators, by id, take over up to `wanted` of the account's position, each at the price and up to
    /// the quantity [`takeover_price`] and [`takeover_quantity`] decide.
    fn absorb(
        &mut self,
        ctx: &TakeoverContext,
        wanted: Decimal,
        market: &mut Instrument,
        accounts: &mut Query<&mut Account>,
        index: &mut AgentIndex,
        ledger: &mut VenueLedger,
    ) -> Result<(), SimError> {
        let mut left = wanted;
        // Nothing to take over at a zero mark (an option worth nothing on the surface).
        if ctx.mark <= Decimal::ZERO {
            return Ok(());
        }
        for &vault in ctx.backstops {
            if left <= Decimal::ZERO || vault == ctx.id {
                continue;
            }
            let now = standing(accounts, index, ctx.id, market.id, ctx.values)?;
            let covered = if ctx.bounded { now.covered_price(ledger.0.insurance_fund(), ctx.tick_size) } else { None };
            let Some(price) = takeover_price(ctx.side, ctx.mark, ctx.backstop.discount, covered, ctx.tick_size) else {
                break;
            };
            let vault_account = &account(accounts, index, vault)?.0;
            let equity = vault_account.equity(|i| ctx.values[usize::from(i.0)])?;
            let held = vault_account.quantity(market.id);
            let max_leverage = ctx.backstop.max_leverage;
            let take = takeover_quantity(ctx.side, left, max_leverage, equity, held, ctx.mark, ctx.lot);
            if take <= Decimal::ZERO {
                continue;
            }
            let fill = Fill { maker: vault, taker: ctx.id, taker_side: ctx.side, price, quantity: take };
            settle_fills(&[fill], market, FillSource::Transfer, accounts, index, &mut ledger.0)?;
            self.quantity += take;
            self.notional += price * take;
            self.by.push((vault, price * take));
            left -= take;
        }
        Ok(())
    }
}
