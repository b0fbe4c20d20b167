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
    // Half a tick either way of the covered price is far outside the `f64` band: answered without `Decimal`.
    assert_eq!(refusal_screen(&LONG, at(dec!(8900)), dec!(300), Some(dec!(8699.5))), Some(true));
    assert_eq!(refusal_screen(&LONG, at(dec!(8900)), dec!(300), Some(dec!(8700.5))), Some(false));
    // Exactly at it (a loss of exactly the fund), and a fund exactly covering the loss at the mark: left to
    // `Decimal`.
    assert_eq!(refusal_screen(&LONG, at(dec!(8900)), dec!(300), Some(dec!(8700))), None);
    assert_eq!(refusal_screen(&LONG, at(dec!(8900)), dec!(100), None), None);
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
        for price in [Some(best), Some(covered), None] {
            if let Some(screened) = refusal_screen(&standing, at(mark), fund, price) {
                let exact = refuses_exactly(&standing, at(mark), fund, price).unwrap();
                proptest::prop_assert_eq!(screened, exact, "at {:?}", price);
            }
        }
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
