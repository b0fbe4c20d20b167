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
use crate::money::{self, MoneyError, floor_to_step, round_to_step};
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
mod tests {
    use super::*;
    use crate::UnderlyingId;
    use rust_decimal::dec;

    fn at(mark: Decimal) -> Valuation {
        Valuation::linear(UnderlyingId(0), mark)
    }

    /// Long 1 bought at 10,000 with 1,000 of collateral: bankrupt at 9,000.
    const LONG: Standing = Standing { quantity: dec!(1), cost_basis: dec!(10000), collateral: dec!(1000) };

    #[test]
    fn standing_by_hand() {
        assert_eq!(LONG.closing_side(), Some(Side::Sell));
        assert_eq!(LONG.equity_at(at(dec!(9500))).unwrap(), dec!(500));
        assert_eq!(LONG.bankruptcy_price(), Some(dec!(9000)));
        // A fund of 300 lets it sell down to 8,700; with 300.3 the exact price 8,699.7 rounds up, to the fund's side.
        assert_eq!(LONG.covered_price(dec!(300), dec!(0.5)), Some(dec!(8700)));
        assert_eq!(LONG.covered_price(dec!(300.3), dec!(0.5)), Some(dec!(8700)));
        // Short 2 sold at 10,000 with 1,000: bankrupt at 10,500; buying back is bounded by 10,650 with 300 of fund.
        let short = Standing { quantity: dec!(-2), cost_basis: dec!(-20000), collateral: dec!(1000) };
        assert_eq!(short.bankruptcy_price(), Some(dec!(10500)));
        assert_eq!(short.covered_price(dec!(300), dec!(0.5)), Some(dec!(10650)));
    }

    #[test]
    fn slices_by_hand() {
        // 10 units at 10,000 (100,000 notional), equity 4,000, initial 5% of notional (5,000).
        let health = Health {
            equity: dec!(4000),
            notional: dec!(100000),
            initial_requirement: dec!(5000),
            maintenance_requirement: dec!(4500),
        };
        let full = SliceRules { partial: None, max_notional_per_account: dec!(0), max_notional_per_tick: dec!(0) };
        let q = |r: SliceRules, done| r.quantity(dec!(10), &health, at(dec!(10000)), dec!(0.001), done).unwrap();
        assert_eq!(q(full, dec!(0)), dec!(10));
        // Back to initial margin: keep 4,000 / (5% x 10,000) = 8, close 2; slices of 10% of a large position: 1.
        let partial = PartialSlices { target: dec!(1), slice_fraction: dec!(0.1), slice_min_notional: dec!(1000000) };
        assert_eq!(q(SliceRules { partial: Some(partial), ..full }, dec!(0)), dec!(2));
        let sliced = PartialSlices { slice_min_notional: dec!(50000), ..partial };
        assert_eq!(q(SliceRules { partial: Some(sliced), ..full }, dec!(0)), dec!(1));
        // At most 25,000 per account: 2.5 units; 60,000 per tick with 45,000 already liquidated: 1.5 units.
        assert_eq!(q(SliceRules { max_notional_per_account: dec!(25000), ..full }, dec!(0)), dec!(2.5));
        assert_eq!(q(SliceRules { max_notional_per_tick: dec!(60000), ..full }, dec!(45000)), dec!(1.5));
        assert_eq!(q(SliceRules { max_notional_per_tick: dec!(60000), ..full }, dec!(70000)), dec!(0));
    }

    #[test]
    fn book_limits_by_hand() {
        let tick = dec!(0.5);
        // Solvent at 9,500 (equity 500), band 9,025: the fund (300) covers down to 8,700, so the band binds.
        assert_eq!(book_limit(&LONG, at(dec!(9500)), dec!(9025), dec!(300), true, tick).unwrap(), Some(dec!(9025)));
        // A band below the covered price: the covered price binds.
        assert_eq!(book_limit(&LONG, at(dec!(9500)), dec!(8000), dec!(300), true, tick).unwrap(), Some(dec!(8700)));
        // Bankrupt at 8,900: beyond the band, down to what the fund covers; with bad debt allowed, no limit.
        assert_eq!(book_limit(&LONG, at(dec!(8900)), dec!(8455), dec!(300), true, tick).unwrap(), Some(dec!(8700)));
        assert_eq!(book_limit(&LONG, at(dec!(8900)), dec!(8455), dec!(300), false, tick).unwrap(), None);
        // Solvent, bad debt allowed: the band.
        assert_eq!(book_limit(&LONG, at(dec!(9500)), dec!(9025), dec!(300), false, tick).unwrap(), Some(dec!(9025)));
    }

    #[test]
    fn the_book_refuses_below_what_the_fund_covers() {
        // Bankrupt at 8,900 (equity -100), a fund of 300 covers a sale down to 8,700: a best bid of 8,699.5
        // fills nothing, one at 8,700 fills; with no bids nothing fills.
        let refuses = |best, fund| book_refuses(&LONG, at(dec!(8900)), fund, best).unwrap();
        assert!(refuses(Some(dec!(8699.5)), dec!(300)));
        assert!(!refuses(Some(dec!(8700)), dec!(300)));
        assert!(refuses(None, dec!(300)));
        // With 300.3 the fund covers down to 8,699.7 (8,700 on a 0.5 grid): 8,699.5 is still refused.
        assert!(refuses(Some(dec!(8699.5)), dec!(300.3)));
        // A fund of 100 exactly covers the loss at the mark: deleveraging would follow, so no verdict.
        assert!(!refuses(None, dec!(100)));
        // The short of standing_by_hand buys back no higher than 10,650.
        let short = Standing { quantity: dec!(-2), cost_basis: dec!(-20000), collateral: dec!(1000) };
        let buys = |best| book_refuses(&short, at(dec!(10400)), dec!(300), Some(best)).unwrap();
        assert!(buys(dec!(10650.5)));
        assert!(!buys(dec!(10650)));
    }

    proptest::proptest! {
        /// Whenever the book is judged to refuse, the best price is worse than the covered price on the grid, which
        /// bounds the order ([`book_limit`]): the judgement never skips a fill. And a best price a tick beyond the
        /// covered price is refused (the judgement is not vacuous).
        #[test]
        fn a_refusal_is_beyond_the_covered_price(
            lots in 1i64..5_000_000,
            lot_dp in 0u32..=6,
            price in 1i64..10_000_000,
            collateral in 1i64..1_000_000_000,
            fund in 0i64..1_000_000_000,
            offset in -3i64..=3,
            long in proptest::bool::ANY,
            on_grid in proptest::bool::ANY,
        ) {
            let (tick, quantity, fund) = (dec!(0.01), Decimal::new(lots, lot_dp), Decimal::new(fund, 4));
            let signed = if long { quantity } else { -quantity };
            let cost_basis = signed * Decimal::new(price, 2);
            // Half the cases put the exact covered price on the grid: the collateral that leaves a loss of exactly
            // the fund at 80% (long) or 120% (short) of the entry, rounded to the tick.
            let collateral = if on_grid {
                let covered = (Decimal::new(price, 2) * if long { dec!(0.8) } else { dec!(1.2) }).round_dp(2);
                cost_basis - fund - signed * covered
            } else {
                Decimal::new(collateral, 4)
            };
            let standing = Standing { quantity: signed, cost_basis, collateral };
            let Some(covered) = standing.covered_price(fund, tick) else { return Ok(()) };
            let best = covered + Decimal::from(offset) * tick;
            proptest::prop_assume!(best > Decimal::ZERO);
            let mark = Decimal::new(price, 2);
            let Ok(refuses) = book_refuses(&standing, at(mark), fund, Some(best)) else { return Ok(()) };
            let beyond = if long { best < covered } else { best > covered };
            if refuses {
                proptest::prop_assert!(beyond, "refused at {best}, covered {covered}");
            }
            let solvent = standing.equity_at(at(mark)).unwrap() + fund > Decimal::ZERO;
            let clearly_beyond = if long { best + tick < covered } else { best > covered + tick };
            if solvent && (clearly_beyond || (on_grid && beyond)) {
                proptest::prop_assert!(refuses, "not refused at {best}, covered {covered}");
            }
        }
    }

    #[test]
    fn takeovers_by_hand() {
        // 1% below a mark of 10,000, bounded by a covered price of 9,950 (the fund's side wins).
        assert_eq!(takeover_price(Side::Sell, dec!(10000), dec!(0.01), None, dec!(0.5)), Some(dec!(9900)));
        assert_eq!(takeover_price(Side::Sell, dec!(10000), dec!(0.01), Some(dec!(9950)), dec!(0.5)), Some(dec!(9950)));
        assert_eq!(takeover_price(Side::Buy, dec!(10000), dec!(0.01), None, dec!(0.5)), Some(dec!(10100)));
        // A covered price above the mark would pay the liquidated account: no take-over.
        assert_eq!(takeover_price(Side::Sell, dec!(10000), dec!(0.01), Some(dec!(10001)), dec!(0.5)), None);
        // 3x of 1,000,000 equity at 10,000 is 300 units of room; a vault long 120 can buy 180 more.
        let take = |side, held| takeover_quantity(side, dec!(500), dec!(3), dec!(1000000), held, dec!(10000), dec!(1));
        assert_eq!(take(Side::Sell, dec!(120)), dec!(180));
        assert_eq!(take(Side::Buy, dec!(120)), dec!(420));
        assert_eq!(take(Side::Sell, dec!(400)), dec!(0));
    }

    #[test]
    fn deleveraging_starts_where_the_fund_ends() {
        // Equity at 8,600 is -400; a fund of 300 cannot cover it: ADL at 8,700, socialized loss at the mark.
        let price = |fund, adl| deleverage_price(&LONG, at(dec!(8600)), fund, adl, FINE).unwrap();
        assert_eq!(price(dec!(300), true), Some(dec!(8700)));
        assert_eq!(price(dec!(300), false), Some(dec!(8600)));
        assert_eq!(price(dec!(500), true), None, "the fund covers it");
    }

    #[test]
    fn penalty_shares_add_up_by_hand() {
        // 1% of 6,000 closed in the book + 3,000 and 1,000 taken over = 100; liquidators get 50% of the taken part's
        // 40 = 20, split 3:1 = 15 and 5; the fund 80.
        let takeovers = [(AgentId(7), dec!(3000)), (AgentId(9), dec!(1000))];
        let p = penalty(dec!(6000), &takeovers, dec!(0.01), dec!(0.5), dec!(5000)).unwrap();
        assert_eq!(p.fee, dec!(100));
        assert_eq!(p.liquidators, vec![(AgentId(7), dec!(15)), (AgentId(9), dec!(5))]);
        assert_eq!(p.insurance_fund, dec!(80));
        // Thirds that do not divide: the last share takes the remainder, so the parts add up to the fee.
        let thirds = [(AgentId(1), dec!(1)), (AgentId(2), dec!(1)), (AgentId(3), dec!(1))];
        let p = penalty(dec!(0), &thirds, dec!(1), dec!(1), dec!(1)).unwrap();
        assert_eq!(p.liquidators[0].1, dec!(0.33333333));
        assert_eq!(p.to_liquidators() + p.insurance_fund, p.fee);
        // No equity left: no penalty.
        assert_eq!(penalty(dec!(6000), &takeovers, dec!(0.01), dec!(0.5), dec!(-1)).unwrap().fee, dec!(0));
    }
}
