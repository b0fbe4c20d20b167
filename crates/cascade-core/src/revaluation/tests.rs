use super::*;
use crate::account::Position;
use proptest::prelude::*;
use rust_decimal::dec;

/// An account of `collateral` holding `(instrument, quantity, cost basis)`.
fn account(collateral: Decimal, positions: &[(u16, Decimal, Decimal)]) -> Portfolio {
    let mut p = Portfolio::with_collateral(collateral);
    for &(instrument, quantity, cost_basis) in positions {
        p.positions.push(Position { instrument: InstrumentId(instrument), quantity, cost_basis });
    }
    p
}

/// `health`'s verdict on every account, one by one.
fn by_health(accounts: &[Portfolio], marks: &[Decimal], maintenance: &[Decimal]) -> Vec<u32> {
    let snapshot = Revaluation::new(accounts).unwrap();
    (0u32..)
        .zip(accounts)
        .filter(|(i, _)| snapshot.exactly_below(*i, marks, maintenance).unwrap())
        .map(|(i, _)| i)
        .collect()
}

/// A hand-worked boundary: one long of 1 at a cost of 100 with 10 of collateral and a 10% maintenance fraction has
/// equity `m - 90` against a requirement of `m / 10`, equal at a mark of exactly 100. There it is not below
/// maintenance (the test is strict); a hair lower it is. Both sit inside the floating-point band, so the answer is
/// the exact path's.
#[test]
fn an_account_exactly_at_its_requirement_is_not_below_it_and_a_hair_lower_is() {
    let accounts = [account(dec!(10), &[(0, dec!(1), dec!(100))])];
    let snapshot = Revaluation::new(&accounts).unwrap();
    let at = |mark: Decimal| snapshot.below_maintenance(&[mark], &[dec!(0.1)]).unwrap().accounts();
    assert_eq!(at(dec!(100)), Vec::<u32>::new());
    assert_eq!(at(dec!(99.99999999)), vec![0]);
    assert_eq!(at(dec!(100.00000001)), Vec::<u32>::new());
    assert_eq!(at(dec!(50)), vec![0], "equity -40 against 5");
}

/// Cross margin over three instruments, worked by hand: collateral 1,000, long 1 of instrument 0 bought at 30,000,
/// short 10 of instrument 2 sold at 2,000 (cost basis -20,000). At marks 29,000 and 2,100: equity
/// 1,000 + (29,000 - 30,000) + (-21,000 + 20,000) = -1,000, below any requirement; at 30,500 and 1,950 equity is
/// 2,000 against 3% of (30,500 + 19,500) = 1,500: not below; at 4% (2,000) it is not below either (equal), at 4.1% it
/// is. An account without positions never is.
/// Where floating point alone answers wrongly: 1 bought at 0.3 with 0.03 of collateral, marked at 0.3 with a 10%
/// fraction, has equity exactly 0.03 against a requirement of exactly 0.03, so it is not below maintenance; in
/// `f64` the cash is -0.27 and `-0.27 + 0.3 - 0.3 x 0.1` comes out at -2.8e-17. The band sends it to the exact path.
#[test]
fn the_exact_path_decides_where_floating_point_rounds_the_wrong_way() {
    let (cash, mark, rate) = (-0.27_f64, 0.3_f64, 0.1_f64);
    assert!(cash + mark - mark * rate < 0.0, "the floating-point verdict is wrong");
    let accounts = [account(dec!(0.03), &[(0, dec!(1), dec!(0.3))])];
    let snapshot = Revaluation::new(&accounts).unwrap();
    assert_eq!(snapshot.below_maintenance(&[dec!(0.3)], &[dec!(0.1)]).unwrap().accounts(), Vec::<u32>::new());
    assert_eq!(snapshot.below_maintenance(&[dec!(0.29999999)], &[dec!(0.1)]).unwrap().accounts(), vec![0]);
}

#[test]
fn cross_margin_over_instruments_worked_by_hand() {
    let accounts =
        [account(dec!(1000), &[(0, dec!(1), dec!(30000)), (2, dec!(-10), dec!(-20000))]), account(dec!(5), &[])];
    let snapshot = Revaluation::new(&accounts).unwrap();
    let marks = |a: Decimal, c: Decimal| [a, dec!(1), c];
    let below = |m: [Decimal; 3], r: Decimal| snapshot.below_maintenance(&m, &[r, r, r]).unwrap().accounts();
    assert_eq!(below(marks(dec!(29000), dec!(2100)), dec!(0.001)), vec![0]);
    assert_eq!(below(marks(dec!(30500), dec!(1950)), dec!(0.03)), Vec::<u32>::new());
    assert_eq!(below(marks(dec!(30500), dec!(1950)), dec!(0.04)), Vec::<u32>::new());
    assert_eq!(below(marks(dec!(30500), dec!(1950)), dec!(0.041)), vec![0]);
    assert_eq!(snapshot.bytes_read(), 24, "one account's cash and two quantities");
}

#[test]
fn an_instrument_without_a_mark_is_an_error_naming_it() {
    let accounts = [account(dec!(10), &[(3, dec!(1), dec!(100))])];
    let snapshot = Revaluation::new(&accounts).unwrap();
    let error = snapshot.below_maintenance(&[dec!(100)], &[dec!(0.1)]).unwrap_err();
    assert_eq!(error, RevaluationError::MissingPrice { instrument: 3, account: 0 });
    assert!(error.to_string().contains("instrument 3, which account 0 holds"), "{error}");
}

/// The exact answer [`covers`] must give: `cash + sum q m >= sum |charged| m r`.
fn exactly_covers(cash: Decimal, positions: &[(Decimal, Decimal, Decimal, Decimal)]) -> bool {
    let equity: Decimal = cash + positions.iter().map(|&(q, m, ..)| q * m).sum::<Decimal>();
    equity >= positions.iter().map(|&(_, m, charged, r)| charged.abs() * m * r).sum::<Decimal>()
}

/// The initial-margin form by hand, and where `f64` alone rounds the wrong way: 1 held at a cost of 0.3 with 0.03
/// of collateral (cash -0.27), marked at 0.3 and charged 10%, has equity exactly 0.03 against exactly 0.03: covered.
/// In `f64` the gap comes out at -2.8e-17, so `covers` must leave it to the exact path rather than refuse it.
/// Charged at 2 (the order doubles it) it needs 0.06: certainly not covered; charged at 0.5, certainly covered.
#[test]
fn covers_answers_only_what_floating_point_settles() {
    let (cash, mark, rate) = (-0.27_f64, 0.3_f64, 0.1_f64);
    assert!(cash + mark - mark * rate < 0.0, "the floating-point gap is negative");
    let (m, r) = (dec!(0.3), dec!(0.1));
    assert!(exactly_covers(dec!(-0.27), &[(dec!(1), m, dec!(1), r)]));
    assert_eq!(covers(dec!(-0.27), [(dec!(1), m, dec!(1), r)].into_iter()), None);
    assert_eq!(covers(dec!(-0.27), [(dec!(1), m, dec!(2), r)].into_iter()), Some(false));
    assert_eq!(covers(dec!(-0.27), [(dec!(1), m, dec!(0.5), r)].into_iter()), Some(true));
    assert_eq!(covers(dec!(-0.27), std::iter::repeat_n((dec!(1), m, dec!(0.5), r), MAX_POSITIONS + 1)), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random accounts of one to four positions, the charged quantities apart from the held ones (an order's size
    /// after it): wherever `covers` answers, it answers as exact arithmetic does.
    #[test]
    fn covers_agrees_with_exact_arithmetic(
        cash in -3_000_000i64..3_000_000,
        legs in prop::collection::vec((-5_000i64..5_000, 9_000i64..11_000, -5_000i64..5_000, 1i64..2_000), 1..5),
    ) {
        let positions: Vec<(Decimal, Decimal, Decimal, Decimal)> = legs
            .iter()
            .map(|&(q, m, charged, r)| (Decimal::new(q, 3), Decimal::new(m, 2), Decimal::new(charged, 3), Decimal::new(r, 4)))
            .collect();
        let cash = Decimal::new(cash, 2);
        if let Some(answer) = covers(cash, positions.iter().copied()) {
            prop_assert_eq!(answer, exactly_covers(cash, &positions));
        }
    }

    /// Random accounts of one to four positions, some near zero equity: wherever the estimate of the margin ratio is
    /// given, the exact quotient of equity by requirement lies within its bound, and the estimate's verdict is exact.
    #[test]
    fn the_margin_ratio_estimate_bounds_the_exact_quotient(
        cash in -3_000_000i64..3_000_000,
        legs in prop::collection::vec((-5_000i64..5_000, 9_000i64..11_000, 0i64..2_000), 1..5),
        cancel in prop::bool::ANY,
    ) {
        let positions: Vec<(Decimal, Decimal, Decimal, Decimal)> = legs
            .iter()
            .map(|&(q, m, r)| (Decimal::new(q, 3), Decimal::new(m, 2), Decimal::new(q, 3), Decimal::new(r, 4)))
            .collect();
        let value: Decimal = positions.iter().map(|&(q, m, ..)| q * m).sum();
        // Cash that all but cancels the positions' value: an equity of a few units on a notional of thousands.
        let cash = if cancel { Decimal::new(cash % 1_000, 2) - value } else { Decimal::new(cash, 2) };
        let approximation = Approximation::of(cash, positions.iter().copied()).unwrap();
        let requirement: Decimal = positions.iter().map(|&(q, m, _, r)| q.abs() * m * r).sum();
        if let Some((ratio, error)) = approximation.margin_ratio() {
            let exact = (cash + value) / requirement;
            prop_assert!((ratio - money::to_f64(exact)).abs() <= error, "{} against {} +- {}", exact, ratio, error);
            // A useful bound where the requirement is a sizeable part of the account (1% of its cash and notional);
            // a requirement far below the account's size is known only to within the band.
            if approximation.requirement >= 0.01 * (money::to_f64(cash).abs() + approximation.notional) {
                prop_assert!(error < 1e-6 * ratio.abs().max(1.0), "a useful bound: {} on {}", error, ratio);
            }
        }
        if let Some(answer) = approximation.covers() {
            prop_assert_eq!(answer, exactly_covers(cash, &positions));
        }
    }

    /// Random accounts of zero to five positions over five instruments (so every pass, and groups of more than
    /// three instruments), at random marks and fractions: the snapshot's answer is `health`'s, account by account.
    /// Marks are drawn near the accounts' entry prices so that many accounts sit near their thresholds.
    #[test]
    fn the_snapshot_finds_exactly_the_accounts_health_finds(
        raw in prop::collection::vec(
            (0i64..2_000_000, prop::collection::vec((0u16..5, -5_000i64..5_000, 9_000i64..11_000), 0..6)),
            1..200,
        ),
        moves in prop::collection::vec(9_000i64..11_000, 5),
        rates in prop::collection::vec(1i64..2_000, 5),
    ) {
        let accounts: Vec<Portfolio> = raw
            .iter()
            .map(|(collateral, legs)| {
                let mut seen = Vec::new();
                let legs: Vec<(u16, Decimal, Decimal)> = legs
                    .iter()
                    .filter(|(i, ..)| if seen.contains(i) { false } else { seen.push(*i); true })
                    .map(|&(i, q, price)| {
                        let quantity = Decimal::new(q, 3);
                        (i, quantity, quantity * Decimal::new(price, 2))
                    })
                    .collect();
                account(Decimal::new(*collateral, 2), &legs)
            })
            .collect();
        let marks: Vec<Decimal> = moves.iter().map(|&m| Decimal::new(m, 2)).collect();
        let maintenance: Vec<Decimal> = rates.iter().map(|&r| Decimal::new(r, 4)).collect();
        let snapshot = Revaluation::new(&accounts).unwrap();
        let below = snapshot.below_maintenance(&marks, &maintenance).unwrap();
        let expected = by_health(&accounts, &marks, &maintenance);
        prop_assert_eq!(below.count(), expected.len());
        prop_assert_eq!(below.accounts(), expected);
    }
}
