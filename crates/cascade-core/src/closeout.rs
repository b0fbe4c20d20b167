//! The close-out of one liquidated position: every decision the liquidation engine takes, as pure functions of
//! the account's standing, its health, the insurance fund and the venue's rules.
//!
//! The engine (`cascade-sim`'s liquidation system) only sequences these decisions against the book, in the order
//! of its absorbers (backstop take-over, book, backstop again, deleveraging), and applies the fills and payments
//! they decide. All amounts are quote currency; prices are quote per unit of the instrument; quantities are
//! absolute unless called signed.

use crate::AgentId;
use crate::book::Side;
use crate::instrument::Valuation;
use crate::liquidation::{bankruptcy_price, liquidation_fee, partial_close_quantity, transfer_price};
use crate::margin::Health;
use crate::money::{self, MoneyError, approximate, floor_to_step, round_to_step};
use crate::revaluation::Approximation;
use rust_decimal::Decimal;

/// Precision of transfer prices and penalty shares (1e-8 of the quote currency).
pub const FINE: Decimal = Decimal::from_parts(1, 0, 0, false, 8);

/// A liquidated account's standing in the instrument being closed: its position there and, as its collateral, its
/// collateral plus the unrealized PnL of its other positions (for a single-position account, its collateral).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Signed quantity: positive long, negative short.
    pub quantity: Decimal,
    /// Signed cost basis of the position (see [`crate::account`]).
    pub cost_basis: Decimal,
    /// Collateral plus the unrealized PnL of the account's other positions.
    pub collateral: Decimal,
}

impl Standing {
    /// The side of the order that closes the position (`None` when flat).
    pub fn closing_side(&self) -> Option<Side> {
        Side::closing(self.quantity)
    }

    /// Equity with the position valued `at` its instrument's kind and mark.
    pub fn equity_at(&self, at: Valuation) -> Result<Decimal, MoneyError> {
        money::sub(money::add(self.collateral, at.kind.value(self.quantity, at.mark)?)?, self.cost_basis)
    }

    /// The price at which closing the whole position leaves equity of exactly zero (rounded to 1e-8).
    pub fn bankruptcy_price(&self) -> Option<Decimal> {
        bankruptcy_price(self.quantity, self.cost_basis, self.collateral).map(|p| p.round_dp(8))
    }

    /// The price at which closing the whole position leaves a loss of exactly `fund` (what the insurance fund can
    /// pay), on the `step` grid and rounded towards the safe side for the fund: up for a long's sale, down for a
    /// short's purchase.
    pub fn covered_price(&self, fund: Decimal, step: Decimal) -> Option<Decimal> {
        let exact = transfer_price(self.quantity, self.cost_basis, self.collateral, fund)?;
        let floor = floor_to_step(exact, step)?;
        Some(if self.quantity.is_sign_positive() && floor < exact { floor + step } else { floor })
    }
}

/// Partial liquidation: close only what restores the target margin, in slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialSlices {
    /// Multiple of the account's initial requirement to restore (1.0 = back to initial margin).
    pub target: Decimal,
    /// Largest fraction of a large position closed per slice, in (0, 1].
    pub slice_fraction: Decimal,
    /// Positions of at most this notional are closed without slicing, quote.
    pub slice_min_notional: Decimal,
}

/// How much one close-out may close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SliceRules {
    /// Partial liquidation, or `None` to close the whole position.
    pub partial: Option<PartialSlices>,
    /// Most notional closed per account and close-out, quote (0: no limit).
    pub max_notional_per_account: Decimal,
    /// Most notional liquidated per instrument and tick, quote (0: no limit).
    pub max_notional_per_tick: Decimal,
}

impl SliceRules {
    /// The quantity to close now of a position of absolute `size` units valued `at`, for an account of `health`,
    /// when `liquidated_this_tick` notional was already liquidated in the instrument this tick; on the `lot` grid.
    /// Zero means nothing may be closed now.
    pub fn quantity(
        &self,
        size: Decimal,
        health: &Health,
        at: Valuation,
        lot: Decimal,
        liquidated_this_tick: Decimal,
    ) -> Result<Decimal, MoneyError> {
        let mark = at.mark;
        let mut close = size;
        if let Some(p) = self.partial {
            let initial_rate = health.initial_requirement.checked_div(health.notional).unwrap_or(Decimal::ONE);
            close = partial_close_quantity(size, health.equity, mark, p.target * initial_rate, lot);
            if at.kind.notional(size, mark)? > p.slice_min_notional {
                let slice = ((size * p.slice_fraction) / lot).ceil() * lot;
                close = close.min(slice.max(lot));
            }
        }
        if self.max_notional_per_account > Decimal::ZERO {
            close = close.min(floor_to_step(self.max_notional_per_account / mark, lot).unwrap_or_default());
        }
        if self.max_notional_per_tick > Decimal::ZERO {
            let budget = (self.max_notional_per_tick - liquidated_this_tick).max(Decimal::ZERO);
            close = close.min(floor_to_step(budget / mark, lot).unwrap_or_default());
        }
        Ok(close)
    }
}

/// The worst price of the liquidation order sent into the book, given the account's standing now, the mark, the
/// price band's limit (`band`), the insurance fund and whether losses beyond the fund are bounded (anything but
/// bad debt). Within the band and no worse than the price at which the fund can still cover the shortfall; a
/// bankrupt account's order ignores the band, bounded only by that price, or (bad debt) not at all (`None`).
pub fn book_limit(
    standing: &Standing,
    at: Valuation,
    band: Decimal,
    fund: Decimal,
    bounded: bool,
    tick: Decimal,
) -> Result<Option<Decimal>, MoneyError> {
    // A bankrupt account's order may go beyond the band: the venue would rather realize the loss than leave a
    // losing position open.
    let bankrupt = standing.equity_at(at)? < Decimal::ZERO;
    let side = standing.closing_side();
    Ok(match (bounded, standing.covered_price(fund, tick), side) {
        (true, Some(covered), _) if bankrupt => Some(covered),
        (true, Some(covered), Some(Side::Sell)) => Some(band.max(covered)),
        (true, Some(covered), Some(Side::Buy)) => Some(band.min(covered)),
        (false, _, _) if bankrupt => None,
        _ => Some(band),
    })
}

/// Whether a close-out of `standing` into the book closes nothing when the book is its only absorber (no pool, no
/// backstop liquidators) and losses are bounded: the insurance fund covers the account's loss at the mark valued
/// `at` (so no deleveraging follows), and closing the whole position at the best resting price on the opposite
/// side (`best`; `None` when that side is empty) would lose more than the `fund`. That price is then beyond
/// [`Standing::covered_price`], which bounds the order whatever the band ([`book_limit`]).
///
/// Such an account stays queued while it is liquidatable and is retried every tick, as a crash that outruns the
/// book's bids leaves many; this answers the retry without a division. The loss must exceed the fund by more than
/// the decimal division of the covered price can err (see [`REFUSAL_SLACK`]), so the answer is never `true` where
/// the book would fill.
pub fn book_refuses(
    standing: &Standing,
    at: Valuation,
    fund: Decimal,
    best: Option<Decimal>,
) -> Result<bool, MoneyError> {
    if standing.quantity.is_zero() {
        return Ok(true);
    }
    match refusal_screen(standing, at, fund, best) {
        Some(answer) => Ok(answer),
        None => refuses_exactly(standing, at, fund, best),
    }
}

/// [`book_refuses`] for an open position, in `Decimal`.
fn refuses_exactly(
    standing: &Standing,
    at: Valuation,
    fund: Decimal,
    best: Option<Decimal>,
) -> Result<bool, MoneyError> {
    if money::add(standing.equity_at(at)?, fund)? <= Decimal::ZERO {
        return Ok(false);
    }
    let Some(best) = best else { return Ok(true) };
    // `left` is `quantity x (best - P)` for the exact covered price `P`: negative when `best` is beyond it.
    let left = money::add(standing.equity_at(Valuation { mark: best, ..at })?, fund)?;
    let (relative, absolute) = REFUSAL_SLACK;
    let slack = money::mul(standing.quantity.abs(), money::add(money::mul(best, relative)?, absolute)?)?;
    Ok(left < -slack)
}

/// [`book_refuses`] for an open position in `f64`, where that is certain (`None` where not): both equities with
/// the fund, `cash + quantity x price` for `cash = collateral - cost basis + fund`, computed as an account of one
/// position ([`Approximation`]) and judged outside its band. The slack, below `1e-17` of the position's value, lies
/// far inside the band (`2^-40` of it at least) and is allowed for twice over.
fn refusal_screen(standing: &Standing, at: Valuation, fund: Decimal, best: Option<Decimal>) -> Option<bool> {
    let cash = money::add(money::sub(standing.collateral, standing.cost_basis).ok()?, fund).ok()?;
    let at_price =
        |price| Approximation::of(cash, std::iter::once((standing.quantity, price, Decimal::ZERO, Decimal::ZERO)));
    if !at_price(at.mark)?.covers()? {
        return Some(false);
    }
    let Some(best) = best else { return Some(true) };
    let left = at_price(best)?;
    let slack = 2.0 * approximate(standing.quantity).abs() * (approximate(best) * 1e-18 + 1e-26);
    if left.equity + left.band() < -slack {
        Some(true)
    } else if left.equity - left.band() > 0.0 {
        Some(false)
    } else {
        None
    }
}

/// How far beyond the exact covered price `P` a best price must be for [`book_refuses`]: more than
/// `best x 1e-18 + 1e-26`. The decimal quotient that [`Standing::covered_price`] rounds to the grid has 28
/// significant digits or 28 decimal places, so it errs from `P` by less than `P x 1e-27 + 1e-28`, far inside.
pub const REFUSAL_SLACK: (Decimal, Decimal) =
    (Decimal::from_parts(1, 0, 0, false, 18), Decimal::from_parts(1, 0, 0, false, 26));

/// The price at which a backstop liquidator takes over a position closed on `side`: `discount` from the mark (the
/// liquidated account sells below / buys above it), no better for the liquidator than `covered` (what the fund can
/// cover, when losses are bounded), on the `tick` grid. `None` when that would be beyond the mark (the liquidated
/// account would gain): no take-over then.
pub fn takeover_price(
    side: Side,
    mark: Decimal,
    discount: Decimal,
    covered: Option<Decimal>,
    tick: Decimal,
) -> Option<Decimal> {
    let discounted = match side {
        Side::Sell => mark * (Decimal::ONE - discount),
        Side::Buy => mark * (Decimal::ONE + discount),
    };
    let price = match (side, covered) {
        (Side::Sell, Some(c)) => discounted.max(c),
        (Side::Buy, Some(c)) => discounted.min(c),
        (_, None) => discounted,
    };
    let price = round_to_step(price, tick).unwrap_or(mark);
    let beyond = (side == Side::Sell && price > mark) || (side == Side::Buy && price < mark);
    (!beyond).then_some(price)
}

/// How much of `wanted` a backstop liquidator holding signed `held` units, with `equity`, takes over of a position
/// closed on `side`: up to `max_leverage` times its equity in notional at `mark`, on the `lot` grid.
pub fn takeover_quantity(
    side: Side,
    wanted: Decimal,
    max_leverage: Decimal,
    equity: Decimal,
    held: Decimal,
    mark: Decimal,
    lot: Decimal,
) -> Decimal {
    let room = max_leverage * equity / mark;
    // The liquidated account sells: the liquidator buys, adding to a long it holds.
    let capacity = match side {
        Side::Sell => room - held,
        Side::Buy => room + held,
    };
    wanted.min(floor_to_step(capacity.max(Decimal::ZERO), lot).unwrap_or_default())
}

/// Whether what the book and the backstop left open must be closed against winners, and at what price: when the
/// account's equity at the mark plus the insurance fund is not positive. Auto-deleveraging closes at the price the
/// fund can just cover (winners bear the rest, on the 1e-8 grid); a socialized loss closes at the mark and haircuts
/// winners afterwards. `None`: no deleveraging.
pub fn deleverage_price(
    standing: &Standing,
    at: Valuation,
    fund: Decimal,
    auto_deleverage: bool,
    tick: Decimal,
) -> Result<Option<Decimal>, MoneyError> {
    if money::add(standing.equity_at(at)?, fund)? > Decimal::ZERO {
        return Ok(None);
    }
    Ok(Some(if auto_deleverage { standing.covered_price(fund, tick).unwrap_or(at.mark) } else { at.mark }))
}

/// The penalty of one close-out and who receives it. The shares add up to `fee` exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Penalty {
    /// What the account pays: the fee rate on the notional closed into the book and taken over, at most its
    /// equity left.
    pub fee: Decimal,
    /// The insurance fund's part.
    pub insurance_fund: Decimal,
    /// The backstop liquidators' parts, in the order they took over.
    pub liquidators: Vec<(AgentId, Decimal)>,
}

impl Penalty {
    /// The liquidators' parts together.
    pub fn to_liquidators(&self) -> Decimal {
        self.liquidators.iter().map(|(_, share)| *share).sum()
    }
}

/// The penalty on `book_notional` closed into the book and the notional each backstop liquidator took over
/// (`takeovers`), at `fee_rate`, capped by the account's `equity_after`: the liquidators get `liquidator_share` of
/// it in proportion to their part of the penalized notional, each share by the notional it took (the last one gets
/// the remainder, so the shares add up exactly), the insurance fund the rest.
pub fn penalty(
    book_notional: Decimal,
    takeovers: &[(AgentId, Decimal)],
    fee_rate: Decimal,
    liquidator_share: Decimal,
    equity_after: Decimal,
) -> Result<Penalty, MoneyError> {
    let taken: Decimal = takeovers.iter().map(|(_, notional)| *notional).sum();
    let penalized = book_notional + taken;
    let fee = liquidation_fee(penalized, fee_rate, equity_after)?;
    let to_liquidators = if taken > Decimal::ZERO {
        round_to_step(fee * liquidator_share * taken / penalized, FINE).unwrap_or_default().min(fee)
    } else {
        Decimal::ZERO
    };
    let mut left = to_liquidators;
    let mut liquidators = Vec::with_capacity(takeovers.len());
    for (i, (vault, notional)) in takeovers.iter().enumerate() {
        let share = if i + 1 == takeovers.len() {
            left
        } else {
            round_to_step(to_liquidators * *notional / taken, FINE).unwrap_or_default().min(left)
        };
        liquidators.push((*vault, share));
        left -= share;
    }
    Ok(Penalty { fee, insurance_fund: money::sub(fee, to_liquidators)?, liquidators })
}

#[cfg(test)]
mod tests;
