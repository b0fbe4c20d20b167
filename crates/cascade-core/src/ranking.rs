//! Ranking by exact decimal keys at the cost of `f64` comparisons: the liquidation queue is sorted every tick by
//! margin ratio (or notional), and most of a sort's comparisons are between keys far apart. A key may also be known
//! only as an estimate with a bound on its error (an account's margin ratio from its `f64` standing,
//! [`crate::revaluation::Approximation`]): its exact value is computed only where an estimate does not settle the
//! order.

use crate::money::approximate;
use rust_decimal::Decimal;

/// Relative distance within which an exact key's `f64` value may lie from the key: [`approximate`] errs by at most
/// three roundings (below 4e-16 relative), far inside.
const APART: f64 = 1e-12;

/// An item to rank by a decimal key: known exactly, or estimated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranked<T> {
    /// The key's value in `f64`.
    estimate: f64,
    /// How far the exact key may lie from `estimate` (never negative).
    error: f64,
    /// The exact key, once known.
    exact: Option<Decimal>,
    /// What is ranked.
    item: T,
}

impl<T> Ranked<T> {
    /// `item` under the exact `key`.
    pub fn exact(key: Decimal, item: T) -> Self {
        let estimate = approximate(key);
        Self { estimate, error: APART * estimate.abs(), exact: Some(key), item }
    }

    /// `item` under a key known to lie within `error` of `estimate`; `None` unless both are finite.
    pub fn estimated(estimate: f64, error: f64, item: T) -> Option<Self> {
        (estimate.is_finite() && error.is_finite()).then_some(Self { estimate, error: error.abs(), exact: None, item })
    }

    /// What is ranked.
    pub fn item(&self) -> &T {
        &self.item
    }
}

/// `entries`' items in the order of their exact keys, then of the items, as sorting `(key, item)` pairs would
/// order them. Intervals (`estimate ± error`) apart are ordered as they lie; a group of intervals that overlap one
/// another is ordered by its entries' exact keys, asked of `exact` for those estimated. Items equal in both come
/// out in either order.
pub fn rank<T: Ord + Copy, E>(
    mut entries: Vec<Ranked<T>>,
    mut exact: impl FnMut(T) -> Result<Decimal, E>,
) -> Result<Vec<T>, E> {
    // Intervals by their low ends: each group of overlapping ones is then a run, and the groups are apart.
    let low = |e: &Ranked<T>| e.estimate - e.error;
    entries.sort_unstable_by(|a, b| low(a).total_cmp(&low(b)).then(a.item.cmp(&b.item)));
    let mut start = 0;
    while start < entries.len() {
        // The group: every entry whose interval starts within the intervals before it.
        let mut reach = entries[start].estimate + entries[start].error;
        let mut end = start + 1;
        while end < entries.len() && low(&entries[end]) <= reach {
            reach = reach.max(entries[end].estimate + entries[end].error);
            end += 1;
        }
        if end - start > 1 {
            let group = &mut entries[start..end];
            for entry in group.iter_mut().filter(|e| e.exact.is_none()) {
                entry.exact = Some(exact(entry.item)?);
            }
            group.sort_unstable_by_key(|e| (e.exact, e.item));
        }
        start = end;
    }
    Ok(entries.into_iter().map(|e| e.item).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;
    use std::convert::Infallible;

    fn ranked_exactly(entries: &[(Decimal, u32)]) -> Vec<u32> {
        let entries = entries.iter().map(|&(key, item)| Ranked::exact(key, item)).collect();
        rank(entries, |_| Ok::<_, Infallible>(Decimal::ZERO)).unwrap()
    }

    #[test]
    fn near_keys_are_told_apart_exactly() {
        // Keys that differ in the 20th digit, and equal keys ordered by their second part.
        let entries = [
            (dec!(1.0000000000000000002), 1u32),
            (dec!(1.0000000000000000001), 2),
            (dec!(-0.5), 3),
            (dec!(1.0000000000000000001), 0),
            (dec!(1000), 4),
        ];
        assert_eq!(ranked_exactly(&entries), vec![3, 0, 2, 1, 4]);
    }

    #[test]
    fn an_estimate_is_made_exact_only_where_it_overlaps() {
        // Item 1's estimate (1.5 +- 0.6) overlaps item 2's exact 2: its exact key, 2.1, puts it after; item 0's
        // (-1 +- 0.1) overlaps nothing and is never asked for.
        let entries = vec![
            Ranked::estimated(1.5, 0.6, 1u32).unwrap(),
            Ranked::exact(dec!(2), 2),
            Ranked::estimated(-1.0, 0.1, 0).unwrap(),
        ];
        let mut asked = Vec::new();
        let order = rank(entries, |item| {
            asked.push(item);
            Ok::<_, Infallible>(dec!(2.1))
        });
        assert_eq!(order, Ok(vec![0, 2, 1]));
        assert_eq!(asked, vec![1]);
        assert!(Ranked::estimated(f64::NAN, 0.1, 0).is_none());
    }

    /// A drawn key, its item, and, for an estimated one, its offset and spread.
    type Drawn = (Decimal, u32, Option<(f64, f64)>);

    proptest::proptest! {
        /// The same order as an exact sort, over keys of every size and sign, many within rounding of each other,
        /// some known only as estimates off by up to their error (of every size, from none to many times the key).
        #[test]
        fn the_order_is_the_exact_sort(
            keys in proptest::collection::vec(
                (-30i64..30, 0u32..=12, 0u32..=2, 0i64..3, proptest::option::of((-1.0f64..1.0, 0.0f64..2.0))),
                0..200,
            ),
        ) {
            let entries: Vec<Drawn> = keys
                .iter()
                .enumerate()
                .map(|(i, &(m, e, dp, near, estimate))| {
                    // Few values, of sizes 1e-2 to 3e13, many repeated: some a hair (1e-20) above a repeated one.
                    let key = Decimal::new(m * 10i64.pow(e), dp) + Decimal::new(near, 20);
                    (key, u32::try_from(i).unwrap(), estimate)
                })
                .collect();
            let mut exact: Vec<(Decimal, u32)> = entries.iter().map(|&(key, item, _)| (key, item)).collect();
            exact.sort_unstable();
            let ranked = entries.iter().map(|&(key, item, estimate)| match estimate {
                // An error of `spread` times the key's size (at least 1), the estimate off by `offset` of it.
                Some((offset, spread)) => {
                    let error = spread * approximate(key).abs().max(1.0);
                    Ranked::estimated(approximate(key) + offset * error, error, item).unwrap()
                }
                None => Ranked::exact(key, item),
            });
            let order = rank(ranked.collect(), |item| Ok::<_, Infallible>(entries[item as usize].0)).unwrap();
            proptest::prop_assert_eq!(order, exact.iter().map(|e| e.1).collect::<Vec<_>>());
        }
    }
}
