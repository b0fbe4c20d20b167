//! Dutch auctions on a chain (keepers' `Auction` style, MakerDAO Liquidations 2.0): a keeper's transaction starts
//! the auction of an account's perpetual positions; each block the auctions' prices step down (a short's up) and
//! restart when too old or too low, and keepers take those it pays to take. The price arithmetic is
//! [`cascade_core::auction`]; the take-over is the fixed-discount keepers' ([`super::keepers::take`]).

use crate::SimError;
use crate::chain::{ChainState, KeeperTransaction, RunningAuction};
use crate::components::Account;
use crate::record::{Event, EventKind};
use crate::recorder::Recorder;
use crate::resources::{AgentIndex, Clock, Faults, Instrument, Instruments, MarginState, Underlyings, VenueLedger};
use crate::systems::keepers::{Takes, gross_notional, pay_for, price_risk, take, takeover_quantities};
use crate::systems::settlement::account_mut;
use bevy_ecs::prelude::*;
use cascade_core::auction::{AuctionRules, auction_price};
use cascade_core::book::Side;
use cascade_core::money::{self, MoneyError};
use cascade_core::{AgentId, Decimal, InstrumentId};
use cascade_scenario::KeeperStyle;

/// The auction rules of `style` (`None` unless keepers auction).
fn rules(style: KeeperStyle) -> Option<AuctionRules> {
    match style {
        KeeperStyle::Auction { buf, cut, step_ticks, tail_ticks, cusp, .. } => {
            Some(AuctionRules { buf, cut, step_ticks, tail_ticks, cusp })
        }
        _ => None,
    }
}

/// Starts an auction for each of this block's keeper transactions: the account pays its keeper the incentive
/// (`tip + chip x` its gross notional then, on the booking grid), and its positions are offered from their
/// underlyings' oracle prices now. One `auction_start` event each (`magnitude`: `buf`).
pub(crate) fn start_auctions(
    chain: &mut ChainState,
    tick: u64,
    (instruments, underlyings): (&Instruments, &Underlyings),
    (accounts, index): (&mut Query<&mut Account>, &mut AgentIndex),
) -> Result<Vec<Event>, SimError> {
    let KeeperStyle::Auction { buf, tip, chip, .. } = chain.rules.keepers.style else { return Ok(Vec::new()) };
    let mut events = Vec::new();
    for sent in &chain.sent {
        let incentive = money::add(tip, money::mul(chip, sent.notional)?.round_dp(8))?;
        let account = &mut account_mut(accounts, index, sent.account)?.0;
        account.pay(incentive)?;
        let starts = oracles(&takeover_quantities(instruments, account, Decimal::ONE), instruments, underlyings);
        account_mut(accounts, index, sent.keeper)?.0.pay(-incentive)?;
        chain.auctions.insert(sent.account, RunningAuction { started: tick, starts, resets: 0 });
        events.push(Event {
            account: Some(sent.account.0),
            notional: Some(sent.notional),
            liquidator_fee: Some(incentive),
            magnitude: Some(money::to_f64(buf)),
            ..Event::new(tick, EventKind::AuctionStart, format!("keeper {}", sent.keeper.0))
        });
    }
    Ok(events)
}

/// Each taken position's instrument with its underlying's oracle price now.
fn oracles(takes: &Takes, instruments: &Instruments, underlyings: &Underlyings) -> Vec<(InstrumentId, Decimal)> {
    takes.iter().map(|&(i, _)| (i, underlyings.get(instruments.get(i).underlying).oracle_price)).collect()
}

/// What a keeper would take of an auctioned account: each position's instrument, closing side and quantity.
type Lots = Vec<(InstrumentId, Side, Decimal)>;

/// On each block tick, after the fixed-discount take-overs: restarts the auctions past their tail or below their
/// cusp (at the oracle prices now; an `auction_reset` event), notes each price step (`auction_step`, `magnitude`
/// the factor), then lets keepers take whole auctions, highest earnings first, within the block's space left: a
/// keeper takes an auction when what it pays below the oracle price (above it, for a short), less the
/// transaction's cost and the price risk of holding, is at least `min_profit`; the first keeper by id that holds
/// the cost and the positions' initial margin takes it (a `keeper_transaction`, a `liquidation` per position and a
/// `keeper_reward` event).
#[allow(clippy::too_many_arguments)] // a system: each parameter is a resource it reads or writes
pub fn bid_auctions(
    clock: Res<Clock>,
    chain: Option<ResMut<ChainState>>,
    mut instruments: ResMut<Instruments>,
    underlyings: Res<Underlyings>,
    margin: Res<MarginState>,
    mut accounts: Query<&mut Account>,
    mut index: ResMut<AgentIndex>,
    mut ledger: ResMut<VenueLedger>,
    mut recorder: ResMut<Recorder>,
    mut faults: ResMut<Faults>,
) {
    let Some(mut chain) = chain else { return };
    let Some(rules) = rules(chain.rules.keepers.style) else { return };
    let tick = clock.tick;
    if chain.auctions.is_empty() || !tick.is_multiple_of(chain.rules.block_ticks) {
        return;
    }
    let mut offers = Vec::new();
    for id in chain.auctions.keys().copied().collect::<Vec<_>>() {
        let Ok(account) = accounts.get(index.entity(id)) else { continue };
        let lots: Lots = takeover_quantities(&instruments, &account.0, Decimal::ONE)
            .into_iter()
            .filter_map(|(i, q)| Side::closing(account.0.quantity(i)).map(|side| (i, side, q)))
            .collect();
        let Some(auction) = chain.auctions.get_mut(&id).filter(|_| !lots.is_empty()) else {
            chain.auctions.remove(&id);
            continue;
        };
        let elapsed = tick - auction.started;
        let step = if rules.needs_reset(elapsed) {
            let takes: Takes = lots.iter().map(|&(i, _, q)| (i, q)).collect();
            let resets = auction.resets + 1;
            *auction = RunningAuction { started: tick, starts: oracles(&takes, &instruments, &underlyings), resets };
            Some(EventKind::AuctionReset)
        } else {
            (elapsed > 0 && elapsed.is_multiple_of(rules.step_ticks)).then_some(EventKind::AuctionStep)
        };
        let now = AuctionNow { starts: auction.starts.clone(), factor: rules.factor(tick - auction.started) };
        if let Some(kind) = step {
            recorder.event(Event {
                account: Some(id.0),
                magnitude: Some(money::to_f64(now.factor)),
                ..Event::new(tick, kind, format!("restarts {}", auction.resets))
            });
        }
        match offer(&chain, &now, &lots, (&instruments, &underlyings)) {
            Ok(Some(earned)) => offers.push((earned, id, lots, now)),
            Ok(None) => {}
            Err(e) => faults.0.push(e.into()),
        }
    }
    offers.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let space = chain.liquidation_space().saturating_sub(chain.sent.len());
    for (_, id, lots, now) in offers.into_iter().take(space) {
        let writes = (&mut accounts, &mut *index, &mut *ledger);
        match settle(&mut chain, (id, &lots, &now), tick, (&mut instruments, &underlyings, &margin), writes) {
            Ok(events) => events.into_iter().for_each(|e| recorder.event(e)),
            Err(e) => faults.0.push(e),
        }
    }
}

/// An auction's start prices and its factor now.
struct AuctionNow {
    starts: Vec<(InstrumentId, Decimal)>,
    factor: Decimal,
}

impl AuctionNow {
    /// The auction's price now of a position in `market` closed on `side`.
    fn price(&self, market: &Instrument, side: Side) -> Result<Decimal, MoneyError> {
        let start = self.starts.iter().find(|(i, _)| *i == market.id).map_or(market.mark_price, |(_, p)| *p);
        auction_price(side, start, self.factor, market.spec.tick_size)
            .ok_or(MoneyError::NotFinite { value: money::to_f64(start), what: "an auction price" })
    }
}

/// What a keeper earns taking `lots` now (what it pays below the oracle prices, above them for shorts), if that
/// less the transaction's cost and the price risk is at least `min_profit`.
fn offer(
    chain: &ChainState,
    now: &AuctionNow,
    lots: &Lots,
    (instruments, underlyings): (&Instruments, &Underlyings),
) -> Result<Option<Decimal>, MoneyError> {
    let k = &chain.rules.keepers;
    let (mut earned, mut notional) = (Decimal::ZERO, Decimal::ZERO);
    for &(i, side, quantity) in lots {
        let market = instruments.get(i);
        let oracle = underlyings.get(market.underlying).oracle_price;
        let price = now.price(market, side)?;
        earned = money::add(earned, money::mul(money::mul(oracle - price, -side.sign())?, quantity)?)?;
        notional = money::add(notional, money::mul(market.mark_price, quantity)?)?;
    }
    let cost = money::add(chain.transaction_cost()?, price_risk(instruments, k, notional)?)?;
    Ok((money::sub(earned, cost)? >= k.min_profit).then_some(earned))
}

/// The first keeper by id that holds the transaction's cost and the lots' initial margin takes the auction of `id`
/// at its prices now, paying the cost to the chain; the auction ends. Its events.
fn settle(
    chain: &mut ChainState,
    (id, lots, now): (AgentId, &Lots, &AuctionNow),
    tick: u64,
    (instruments, underlyings, margin): (&mut Instruments, &Underlyings, &MarginState),
    (accounts, index, ledger): (&mut Query<&mut Account>, &mut AgentIndex, &mut VenueLedger),
) -> Result<Vec<Event>, SimError> {
    let takes: Takes = lots.iter().map(|&(i, _, q)| (i, q)).collect();
    let account = accounts.get(index.entity(id)).map_err(|_| SimError::UnknownAgent(id))?;
    let notional = gross_notional(instruments, &account.0)?;
    let sent = KeeperTransaction { account: id, keeper: id, gas: chain.transaction_cost()?, notional, takes };
    let writes = (&mut *accounts, &mut *index, &mut *ledger);
    let Some((sent, event)) = pay_for(chain, sent, (instruments, margin), tick, writes)? else { return Ok(Vec::new()) };
    chain.auctions.remove(&id);
    let mut events = vec![event];
    let at_auction = |market: &Instrument, side: Side, _oracle: Decimal| now.price(market, side);
    events.extend(take(&sent, (&at_auction, tick), instruments, underlyings, (accounts, index, ledger))?);
    Ok(events)
}
