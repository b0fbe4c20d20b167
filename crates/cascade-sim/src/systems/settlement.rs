//! Settlement of fills into accounts and the ledger, shared by the matching and liquidation engines.

use crate::SimError;
use crate::components::Account;
use crate::resources::{AgentIndex, Instrument};
use bevy_ecs::prelude::*;
use cascade_core::account::FillEffect;
use cascade_core::book::{Fill, Side};
use cascade_core::money::{self, Ledger, to_f64};
use cascade_core::{AgentId, Decimal};

/// How a set of fills came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FillSource {
    /// Matched in the book: fees are charged (the taker pays `taker_fee`, the maker the instrument's maker fee), and
    /// the fills set the last trade and count as volume and, where `moves_reference`, as taker flow.
    Book {
        /// Taker fee rate (liquidation orders pay none: they pay the liquidation penalty instead).
        taker_fee: Decimal,
        /// Whether the fills count in the taker flow that moves the reference (see [`OrderRequest::Market`]).
        ///
        /// [`OrderRequest::Market`]: crate::market::OrderRequest::Market
        moves_reference: bool,
    },
    /// A trade with the market's liquidity pool: the taker pays `taker_fee`, shared between the pool (its
    /// `fee_share`) and the venue; the pool pays no fee; the fills count as for the book.
    Pool {
        /// Taker fee rate (liquidations pay none).
        taker_fee: Decimal,
        /// As for the book.
        moves_reference: bool,
    },
    /// A transfer off the book (backstop take-over, deleveraging): no fees, no trade print, no volume.
    Transfer,
}

/// Books `fills` of `market` (an instrument): positions and realized PnL of taker and maker, open interest (and a
/// pool's position), and for book and pool fills the fees (into the ledger's fee sink, a pool's share to the
/// pool), the last trade and the tick's flow (the net taker flow of a perpetual without that of price followers,
/// [`AgentIndex::follows_price`], and of orders that do not move the reference).
pub fn settle_fills(
    fills: &[Fill],
    market: &mut Instrument,
    source: FillSource,
    accounts: &mut Query<&mut Account>,
    index: &mut AgentIndex,
    ledger: &mut Ledger,
) -> Result<(), SimError> {
    let (taker_fee, maker_fee, moves_reference) = match source {
        FillSource::Book { taker_fee, moves_reference } => (taker_fee, market.spec.maker_fee, moves_reference),
        FillSource::Pool { taker_fee, moves_reference } => (taker_fee, Decimal::ZERO, moves_reference),
        FillSource::Transfer => (Decimal::ZERO, Decimal::ZERO, false),
    };
    // A position's long part, `quantity.max(0)` as `Decimal::max` gives it (a zero keeps its representation),
    // without its comparison.
    let long =
        |quantity: Decimal| if quantity.is_sign_negative() && !quantity.is_zero() { Decimal::ZERO } else { quantity };
    for fill in fills {
        let taker_quantity = fill.taker_side.signed(fill.quantity);
        let notional = money::mul(fill.price, fill.quantity)?;
        let legs = [(fill.taker, taker_quantity, taker_fee), (fill.maker, -taker_quantity, maker_fee)];
        // The pool's share of this fill's fees (the other leg's), paid in the pool's own leg when that comes second,
        // else after both.
        let (mut pool_fee, mut pool_paid) = (Decimal::ZERO, false);
        for (agent, quantity, fee_rate) in legs {
            let account = &mut account_mut(accounts, index, agent)?.0;
            let FillEffect { before, after, .. } = account.apply_fill(market.id, quantity, fill.price)?;
            // Open interest moves with long parts: a leg short or flat before and after adds a zero, which leaves a
            // non-zero interest as it is (see the zero fee below).
            let (long_before, long_after) = (long(before), long(after));
            if !(long_before.is_zero() && long_after.is_zero() && !market.open_interest.is_zero()) {
                market.open_interest = money::add(market.open_interest, long_after - long_before)?;
            }
            // A zero rate's fee is `Decimal::ZERO`, as the product would give it.
            let fee = if fee_rate.is_zero() { Decimal::ZERO } else { money::booked(money::mul(notional, fee_rate)?) };
            let pool_leg = market.pool.as_ref().is_some_and(|pool| agent == pool.agent);
            if let Some(pool) = market.pool.as_mut().filter(|_| pool_leg) {
                pool.position = after;
            }
            // A zero fee moves nothing: `x - 0` and `x + 0` are `x`, representation and all, but for a zero `x`, which
            // `Decimal` re-scales; those balances take the steps.
            if !(fee.is_zero() && !account.collateral.is_zero() && !ledger.fees().is_zero()) {
                account.pay(fee)?;
                let share = match market.pool.as_ref() {
                    Some(pool) if !pool_leg && matches!(source, FillSource::Pool { .. }) => {
                        money::booked(money::mul(fee, pool.rules.fee_share)?)
                    }
                    _ => Decimal::ZERO,
                };
                ledger.collect_fee(fee - share)?;
                pool_fee += share;
            }
            if pool_leg && !pool_fee.is_zero() {
                account.pay(-pool_fee)?;
                pool_paid = true;
            }
        }
        if let Some(pool) = market.pool.as_mut().filter(|_| !pool_fee.is_zero()) {
            if !pool_paid {
                account_mut(accounts, index, pool.agent)?.0.pay(-pool_fee)?;
            }
            pool.flow.fees += pool_fee;
        }
        if source == FillSource::Transfer {
            continue;
        }
        market.last_trade = Some(fill.price);
        market.flow.volume = money::add(market.flow.volume, fill.quantity)?;
        market.flow.notional = money::add(market.flow.notional, notional)?;
        // Premiums do not move the underlying's reference; an option market maker's hedges in the perpetual do.
        if moves_reference && market.kind.is_linear() && !index.follows_price(fill.taker) {
            let notional = to_f64(notional);
            market.flow.net_taker_notional += if fill.taker_side == Side::Buy { notional } else { -notional };
        }
    }
    Ok(())
}

/// The account of `agent`, to change: noted as touched, so the margin check re-prices it.
pub fn account_mut<'a>(
    accounts: &'a mut Query<&mut Account>,
    index: &mut AgentIndex,
    agent: AgentId,
) -> Result<Mut<'a, Account>, SimError> {
    index.touched.push(agent);
    accounts.get_mut(index.entity(agent)).map_err(|_| SimError::UnknownAgent(agent))
}

/// The account of `agent`, to read.
pub fn account<'a>(
    accounts: &'a Query<&mut Account>,
    index: &AgentIndex,
    agent: AgentId,
) -> Result<&'a Account, SimError> {
    accounts.get(index.entity(agent)).map_err(|_| SimError::UnknownAgent(agent))
}
