//! Keepers on a decentralized venue's chain: which of the accounts below maintenance are liquidated this tick
//! (block ticks only; by a keeper's transaction when it pays), and the keepers' gas and rewards. Each does nothing
//! in a world without a chain.

use crate::SimError;
use crate::chain::{ChainState, KeeperTransaction, gas_multiplier};
use crate::components::{Account, Agent, Keeper};
use crate::health::account_health;
use crate::record::{Event, EventKind};
use crate::recorder::Recorder;
use crate::resources::{
    AgentIndex, Clock, Faults, Instrument, Instruments, LiquidationQueue, MarginState, Underlyings, VenueLedger,
};
use crate::systems::agents::unwind_order;
use crate::systems::settlement::account_mut;
use crate::systems::settlement::{FillSource, settle_fills};
use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemParam;
use cascade_core::account::Portfolio;
use cascade_core::book::{Fill, Side};
use cascade_core::liquidation::{ShortfallCover, absorb_shortfall};
use cascade_core::money::{self, MoneyError};
use cascade_core::{AgentId, Decimal, InstrumentId};
use cascade_scenario::{KeeperStyle, Keepers, Liquidators};

/// Between the margin check and the liquidation engine, on a chain: notes when each queued account was first seen
/// below maintenance and sets the block's gas multiplier (from the first market's realized volatility against its
/// calm level, the accounts waiting and any congestion). Off block ticks nothing is liquidated. On a block tick,
/// under `Keepers` or `Both`, each account a keeper has seen for `latency_ticks` whose reward (`reward` x its gross
/// notional) less the transaction's cost is at least `min_profit` is sent, highest reward first, up to the block's
/// space, each by the first keeper (by id) that holds the cost, which it pays to the chain at once; under `Both`
/// the engine also liquidates the accounts waiting `after_ticks` or more. What is not sent waits.
#[allow(clippy::too_many_arguments)] // a system: each parameter is a resource it reads or writes
pub fn dispatch_keepers(
    clock: Res<Clock>,
    chain: Option<ResMut<ChainState>>,
    instruments: Res<Instruments>,
    underlyings: Res<Underlyings>,
    margin: Res<MarginState>,
    mut queue: ResMut<LiquidationQueue>,
    mut accounts: Query<&mut Account>,
    mut index: ResMut<AgentIndex>,
    mut ledger: ResMut<VenueLedger>,
    mut recorder: ResMut<Recorder>,
    mut faults: ResMut<Faults>,
) {
    let Some(mut chain) = chain else { return };
    let tick = clock.tick;
    chain.sent.clear();
    // An account being auctioned waits for its auction, not for another keeper.
    let queued: Vec<AgentId> = queue.0.iter().copied().filter(|id| !chain.auctions.contains_key(id)).collect();
    let waiting: std::collections::BTreeSet<AgentId> = queued.iter().copied().collect();
    chain.seen.retain(|id, _| waiting.contains(id));
    for &id in &queued {
        chain.seen.entry(id).or_insert(tick);
    }
    let (sigma, calm) = match (instruments.0.first(), underlyings.0.first()) {
        (Some(i), Some(u)) => (i.mark_volatility.volatility(), u.calm_volatility_per_tick),
        _ => (0.0, 0.0),
    };
    let waiting = queued.len() + chain.orders_waiting;
    chain.multiplier = gas_multiplier(&chain.rules, sigma, calm, waiting, chain.congestion);
    if !tick.is_multiple_of(chain.rules.block_ticks) {
        queue.0.clear();
        return;
    }
    if !chain.keepers_liquidate() {
        return;
    }
    let writes = (&mut accounts, &mut *index, &mut *ledger);
    match send(&mut chain, tick, (&instruments, &margin), &queued, writes) {
        Ok(events) => events.into_iter().for_each(|e| recorder.event(e)),
        Err(e) => faults.0.push(e),
    }
    if matches!(chain.rules.keepers.style, KeeperStyle::Auction { .. }) {
        let writes = (&mut accounts, &mut *index);
        match crate::systems::auctions::start_auctions(&mut chain, tick, (&instruments, &underlyings), writes) {
            Ok(events) => events.into_iter().for_each(|e| recorder.event(e)),
            Err(e) => faults.0.push(e),
        }
    }
    let engine_after = match chain.rules.liquidators {
        Liquidators::Both { after_ticks } => Some(after_ticks),
        _ => None,
    };
    // A close-out keeper's accounts go to the engine; a fixed-discount keeper takes its own over (`take_over`); an
    // auction keeper's are auctioned (`bid_auctions`).
    let close_out = chain.rules.keepers.style == KeeperStyle::CloseOut;
    let closed_out: Vec<AgentId> = chain.sent.iter().filter(|_| close_out).map(|t| t.account).collect();
    let taken: Vec<AgentId> = chain.sent.iter().filter(|_| !close_out).map(|t| t.account).collect();
    let (seen, auctions) = (&chain.seen, &chain.auctions);
    queue.0.retain(|id| {
        let waited = engine_after.is_some_and(|after| seen.get(id).is_some_and(|&t| tick >= t + after));
        closed_out.contains(id) || (waited && !taken.contains(id) && !auctions.contains_key(id))
    });
}

/// This block's keeper transactions among `queued`, their gas paid; one event each.
fn send(
    chain: &mut ChainState,
    tick: u64,
    (instruments, margin): (&Instruments, &MarginState),
    queued: &[AgentId],
    (accounts, index, ledger): (&mut Query<&mut Account>, &mut AgentIndex, &mut VenueLedger),
) -> Result<Vec<Event>, SimError> {
    let k = chain.rules.keepers.clone();
    let gas = chain.transaction_cost()?;
    // (what the keeper earns, the account, its gross notional, what a fixed-discount keeper takes over)
    let mut offers: Vec<(Decimal, AgentId, Decimal, Takes)> = Vec::new();
    for &id in queued.iter().filter(|id| chain.seen.get(id).is_some_and(|&t| tick >= t + k.latency_ticks)) {
        let Ok(account) = accounts.get(index.entity(id)) else { continue };
        let notional = gross_notional(instruments, &account.0)?;
        let (earned, risk, takes) = match k.style {
            KeeperStyle::CloseOut => (money::mul(k.reward, notional)?, Decimal::ZERO, Vec::new()),
            KeeperStyle::Auction { tip, chip, .. } => {
                (money::add(tip, money::mul(chip, notional)?.round_dp(8))?, Decimal::ZERO, Vec::new())
            }
            KeeperStyle::FixedDiscount { bonus, close_factor, full_below } => {
                let h = account_health(instruments, margin, &account.0)?;
                let share = if h.equity < full_below * h.maintenance_requirement { Decimal::ONE } else { close_factor };
                let takes = takeover_quantities(instruments, &account.0, share);
                let taken = takes.iter().try_fold(Decimal::ZERO, |sum, &(i, q)| {
                    money::add(sum, money::mul(q, instruments.get(i).mark_price)?)
                })?;
                (money::mul(bonus, taken)?, price_risk(instruments, &k, taken)?, takes)
            }
        };
        let nothing_to_take = matches!(k.style, KeeperStyle::FixedDiscount { .. }) && takes.is_empty();
        if !nothing_to_take && money::sub(money::sub(earned, gas)?, risk)? >= k.min_profit {
            offers.push((earned, id, notional, takes));
        }
    }
    // The highest earnings first (a priority-fee auction for the block's space), ties by account.
    offers.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut events = Vec::new();
    for (_, id, notional, takes) in offers.into_iter().take(chain.liquidation_space()) {
        let sent = KeeperTransaction { account: id, keeper: id, gas, notional, takes };
        if let Some((sent, event)) = pay_for(chain, sent, (instruments, margin), tick, (accounts, index, ledger))? {
            chain.sent.push(sent);
            events.push(event);
        }
    }
    Ok(events)
}

/// Finds the keeper of `sent` (its `keeper` is replaced): the first by id that holds the transaction's gas and the
/// initial margin of what it takes over, and has it pay the gas to the chain; the transaction and its
/// `keeper_transaction` event, or `None` when no keeper can.
pub(crate) fn pay_for(
    chain: &ChainState,
    sent: KeeperTransaction,
    (instruments, margin): (&Instruments, &MarginState),
    tick: u64,
    (accounts, index, ledger): (&mut Query<&mut Account>, &mut AgentIndex, &mut VenueLedger),
) -> Result<Option<(KeeperTransaction, Event)>, SimError> {
    let mut keeper = None;
    for &candidate in &chain.keepers {
        let Ok(a) = accounts.get(index.entity(candidate)) else { continue };
        if a.0.collateral >= sent.gas && can_hold(instruments, margin, &a.0, &sent.takes, sent.gas)? {
            keeper = Some(candidate);
            break;
        }
    }
    let Some(keeper) = keeper else { return Ok(None) };
    account_mut(accounts, index, keeper)?.0.pay(sent.gas)?;
    ledger.0.pay_gas(sent.gas)?;
    let event = Event {
        account: Some(sent.account.0),
        notional: Some(sent.notional),
        fee: Some(sent.gas),
        magnitude: Some(chain.multiplier),
        ..Event::new(tick, EventKind::KeeperTransaction, format!("keeper {}", keeper.0))
    };
    Ok(Some((KeeperTransaction { keeper, ..sent }, event)))
}

/// What a fixed-discount keeper takes over of an account: (perpetual, absolute quantity) for each position.
pub(crate) type Takes = Vec<(InstrumentId, Decimal)>;

/// The quantities a fixed-discount keeper takes over of each of `portfolio`'s perpetual positions: `share` of it on
/// the lot grid (absolute units; none that round to zero).
pub(crate) fn takeover_quantities(
    instruments: &Instruments,
    portfolio: &Portfolio,
    share: Decimal,
) -> Vec<(InstrumentId, Decimal)> {
    portfolio
        .positions
        .iter()
        .filter(|p| !p.quantity.is_zero() && instruments.get(p.instrument).kind.is_linear())
        .filter_map(|p| {
            let lot = instruments.get(p.instrument).spec.lot_size;
            let q = money::floor_to_step(p.quantity.abs() * share, lot)?;
            (q > Decimal::ZERO).then_some((p.instrument, q))
        })
        .collect()
}

/// The price risk a keeper charges itself for holding `taken` notional: `risk_aversion` standard deviations of the
/// first market's mark over the ticks it needs to unwind it (`taken / unwind_notional`, at least one), times it.
pub(crate) fn price_risk(instruments: &Instruments, k: &Keepers, taken: Decimal) -> Result<Decimal, MoneyError> {
    let sigma = instruments.0.first().map_or(0.0, |i| i.mark_volatility.volatility());
    let ticks = (money::to_f64(taken) / k.unwind_notional).max(1.0);
    let risk = k.risk_aversion * sigma * libm::sqrt(ticks) * money::to_f64(taken);
    money::from_f64(if risk.is_finite() { risk } else { 0.0 }, Decimal::new(1, 8), "a keeper's price risk")
}

/// Whether a keeper holding `keeper` can pay `gas` and still cover the initial requirement of what it holds plus
/// `takes` (their requirements added, with no netting: a conservative check).
pub(crate) fn can_hold(
    instruments: &Instruments,
    margin: &MarginState,
    keeper: &Portfolio,
    takes: &[(InstrumentId, Decimal)],
    gas: Decimal,
) -> Result<bool, MoneyError> {
    if takes.is_empty() {
        return Ok(true);
    }
    let h = account_health(instruments, margin, keeper)?;
    let mut needed = h.initial_requirement;
    for &(i, q) in takes {
        let instrument = instruments.get(i);
        needed = money::add(needed, instrument.margin.requirement(q, instrument.mark_price)?.initial)?;
    }
    Ok(money::sub(h.equity, gas)? >= needed)
}

/// An account's gross notional at the marks, quote currency.
pub(crate) fn gross_notional(instruments: &Instruments, portfolio: &Portfolio) -> Result<Decimal, MoneyError> {
    portfolio
        .positions
        .iter()
        .filter(|p| !p.quantity.is_zero())
        .try_fold(Decimal::ZERO, |sum, p| money::add(sum, p.notional(instruments.get(p.instrument).valuation())?))
}

/// After the liquidation engine: each keeper is paid its reward on the notional its transaction closed (the
/// account's gross notional before, less after), by the liquidated account, on the booking grid; a liquidated
/// account left flat with a negative balance has it covered (insurance fund, then bad debt). One event each.
pub fn pay_keepers(mut p: KeeperBooks, mut instruments: ResMut<Instruments>) {
    let Some(chain) = p.chain.as_deref().filter(|c| c.rules.keepers.style == KeeperStyle::CloseOut) else { return };
    for sent in &chain.sent {
        let writes = (&mut p.accounts, &mut *p.index, &mut *p.ledger);
        match pay(sent, (chain, p.clock.tick), &mut instruments, writes) {
            Ok(events) => events.into_iter().for_each(|e| p.recorder.event(e)),
            Err(e) => p.faults.0.push(e),
        }
    }
}

/// What the keepers' take-overs and payments read and write: this block's transactions, the accounts, the ledger,
/// and the records.
#[derive(SystemParam)]
pub struct KeeperBooks<'w, 's> {
    clock: Res<'w, Clock>,
    chain: Option<Res<'w, ChainState>>,
    accounts: Query<'w, 's, &'static mut Account>,
    index: ResMut<'w, AgentIndex>,
    ledger: ResMut<'w, VenueLedger>,
    recorder: ResMut<'w, Recorder>,
    faults: ResMut<'w, Faults>,
}

/// Pays the keeper of `sent`; the event of the reward (and of the pool that paid a shortfall).
fn pay(
    sent: &KeeperTransaction,
    (chain, tick): (&ChainState, u64),
    instruments: &mut Instruments,
    (accounts, index, ledger): (&mut Query<&mut Account>, &mut AgentIndex, &mut VenueLedger),
) -> Result<Vec<Event>, SimError> {
    let account = &mut account_mut(accounts, index, sent.account)?.0;
    let closed = money::sub(sent.notional, gross_notional(instruments, account)?)?.max(Decimal::ZERO);
    let reward = money::mul(chain.rules.keepers.reward, closed)?.round_dp(8);
    account.pay(reward)?;
    account_mut(accounts, index, sent.keeper)?.0.pay(-reward)?;
    let (cover, paid) = cover_flat(sent.account, tick, instruments, (accounts, index, ledger))?;
    let reward = Event {
        account: Some(sent.account.0),
        notional: Some(closed),
        liquidator_fee: Some(reward),
        shortfall: Some(cover.shortfall),
        insurance_paid: Some(cover.insurance_fund),
        bad_debt: Some(cover.bad_debt),
        ..Event::new(tick, EventKind::KeeperReward, format!("keeper {}", sent.keeper.0))
    };
    Ok(std::iter::once(reward).chain(paid).collect())
}

/// Before the liquidation engine: each fixed-discount keeper transaction of this block takes its quantities over,
/// position by position, at `bonus` from the underlying's oracle price (the liquidated account sells its long below
/// it, buys back its short above it), off the book; the keeper now holds them. One `liquidation` event per position
/// (all of it `backstop_quantity`, the discount in `liquidator_fee`) and one `keeper_reward` per transaction; a
/// liquidated account left flat with a negative balance has it covered (insurance fund, then bad debt).
pub fn take_over(mut p: KeeperBooks, mut instruments: ResMut<Instruments>, underlyings: Res<Underlyings>) {
    let Some(chain) = p.chain.as_deref() else { return };
    let KeeperStyle::FixedDiscount { bonus, .. } = chain.rules.keepers.style else { return };
    let at_bonus = |market: &Instrument, side: Side, oracle: Decimal| {
        let discounted = money::mul(oracle, Decimal::ONE + side.sign() * bonus)?;
        Ok(money::round_to_step(discounted, market.spec.tick_size).unwrap_or(oracle))
    };
    for sent in chain.sent.iter().filter(|t| !t.takes.is_empty()) {
        let writes = (&mut p.accounts, &mut *p.index, &mut *p.ledger);
        match take(sent, (&at_bonus, p.clock.tick), &mut instruments, &underlyings, writes) {
            Ok(events) => events.into_iter().for_each(|e| p.recorder.event(e)),
            Err(e) => p.faults.0.push(e),
        }
    }
}

/// How a keeper prices what it takes over of a position closed on a side, given its underlying's oracle price.
pub(crate) type TakePrice<'a> = &'a dyn Fn(&Instrument, Side, Decimal) -> Result<Decimal, MoneyError>;

/// Takes `sent`'s quantities over at the prices `price` gives, at `tick`, writing the accounts, the agent index and
/// the ledger; its events (the keeper's earnings are what it paid below the oracle price for a long, above it for
/// a short).
pub(crate) fn take(
    sent: &KeeperTransaction,
    (price, tick): (TakePrice, u64),
    instruments: &mut Instruments,
    underlyings: &Underlyings,
    (accounts, index, ledger): (&mut Query<&mut Account>, &mut AgentIndex, &mut VenueLedger),
) -> Result<Vec<Event>, SimError> {
    let mut events = Vec::new();
    let mut earned = Decimal::ZERO;
    for &(id, wanted) in &sent.takes {
        let held = account_mut(accounts, index, sent.account)?.0.quantity(id);
        let Some(side) = Side::closing(held) else { continue };
        let quantity = wanted.min(held.abs());
        let market = instruments.get_mut(id);
        let oracle = underlyings.get(market.underlying).oracle_price;
        let price = price(market, side, oracle)?;
        let fill = Fill { maker: sent.keeper, taker: sent.account, taker_side: side, price, quantity };
        settle_fills(&[fill], market, FillSource::Transfer, accounts, index, &mut ledger.0)?;
        let notional = money::mul(price, quantity)?;
        let discount = money::mul(money::mul(oracle - price, -side.sign())?, quantity)?;
        earned = money::add(earned, discount)?;
        market.flow.liquidations += 1;
        market.flow.liquidated_notional = money::add(market.flow.liquidated_notional, notional)?;
        market.flow.backstop_notional += notional;
        let detail = if held.is_sign_positive() { "long" } else { "short" };
        events.push(Event {
            account: Some(sent.account.0),
            quantity: Some(quantity),
            unfilled: Some(Decimal::ZERO),
            mark_price: Some(market.mark_price),
            average_price: Some(price),
            notional: Some(notional),
            book_quantity: Some(Decimal::ZERO),
            backstop_quantity: Some(quantity),
            deleveraged_quantity: Some(Decimal::ZERO),
            fee: Some(Decimal::ZERO),
            liquidator_fee: Some(discount),
            ..Event::new(tick, EventKind::Liquidation, detail).in_market(&market.spec.symbol)
        });
    }
    let (cover, paid) = cover_flat(sent.account, tick, instruments, (accounts, index, ledger))?;
    if let Some(last) = events.last_mut().filter(|_| cover.shortfall > Decimal::ZERO) {
        last.shortfall = Some(cover.shortfall);
        last.insurance_paid = Some(cover.insurance_fund);
        last.bad_debt = Some(cover.bad_debt);
    }
    events.extend(paid);
    events.push(Event {
        account: Some(sent.account.0),
        liquidator_fee: Some(earned),
        ..Event::new(tick, EventKind::KeeperReward, format!("keeper {}", sent.keeper.0))
    });
    Ok(events)
}

/// Covers account `id`'s negative balance if it is flat: the insurance fund, then the pool of a pool market it
/// traded in ([`crate::pool::paying_pool`]), then bad debt. The cover, and the pool's `pool_loss` event if it paid.
fn cover_flat(
    id: AgentId,
    tick: u64,
    instruments: &mut Instruments,
    (accounts, index, ledger): (&mut Query<&mut Account>, &mut AgentIndex, &mut VenueLedger),
) -> Result<(ShortfallCover, Option<Event>), SimError> {
    let account = &mut account_mut(accounts, index, id)?.0;
    if account.positions.iter().any(|p| !p.quantity.is_zero()) || account.collateral >= Decimal::ZERO {
        return Ok((ShortfallCover::default(), None));
    }
    let mut cover = absorb_shortfall(&mut account.collateral, &mut ledger.0)?;
    let paying = crate::pool::paying_pool(account, &instruments.0);
    let Some(market) = paying.map(|i| instruments.get_mut(i)) else { return Ok((cover, None)) };
    let mark = market.mark_price;
    let paid =
        crate::pool::pool_pays(market.pool.as_mut(), (id, tick, mark), &mut cover, (accounts, index, &mut ledger.0))?;
    Ok((cover, paid))
}

/// Keepers unwind the positions they took over: each tick, in each instrument where they hold one, a market order
/// reducing it by up to `unwind_notional`, no worse than `unwind_slippage_bps` from the mark.
pub fn unwind_keepers(
    chain: Option<Res<ChainState>>,
    keepers: Query<(&Agent, &Account), With<Keeper>>,
    mut instruments: ResMut<Instruments>,
) {
    let Some(chain) = chain else { return };
    let k = &chain.rules.keepers;
    for (agent, account) in keepers.iter().sort::<&Agent>() {
        for held in account.0.positions.iter().filter(|p| !p.quantity.is_zero()) {
            let market = instruments.get_mut(held.instrument);
            if let Some(order) = unwind_order(market, agent.id, held.quantity, k.unwind_notional, k.unwind_slippage_bps)
            {
                market.inbox.push(order);
            }
        }
    }
}
