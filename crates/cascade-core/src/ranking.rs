//! Ranking by exact decimal keys at the cost of `f64` comparisons: the liquidation queue is sorted every tick by
//! margin ratio (or notional), and most of a sort's comparisons are between keys far apart.

use crate::money::approximate;
use rust_decimal::Decimal;

/// Relative distance beyond which two keys' `f64` values order them as the keys themselves: [`approximate`] errs by
/// at most three roundings (below 4e-16 relative), far inside.
const APART: f64 = 1e-12;

/// Sorts `entries` by key, then by their second part, as `entries.sort_unstable()` would: keys whose `f64` values are
/// more than 1e-12 of the larger apart are ordered by those, the rest by exact comparison. (Entries equal in both
/// parts may come out in either order, as with any unstable sort.)
pub fn sort_by_key<T: Ord + Copy>(entries: &mut [(Decimal, T)]) {
    let mut keyed: Vec<(f64, Decimal, T)> = entries.iter().map(|&(key, t)| (approximate(key), key, t)).collect();
    keyed.sort_unstable_by(|a, b| {
        if (a.0 - b.0).abs() > APART * a.0.abs().max(b.0.abs()) {
            a.0.total_cmp(&b.0)
        } else {
            (a.1, a.2).cmp(&(b.1, b.2))
        }
    });
    for (entry, (_, key, t)) in entries.iter_mut().zip(keyed) {
        *entry = (key, t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn near_keys_are_told_apart_exactly() {
        // Keys that differ in the 20th digit, and equal keys ordered by their second part.
        let mut entries = vec![
            (dec!(1.0000000000000000002), 1u32),
            (dec!(1.0000000000000000001), 2),
            (dec!(-0.5), 3),
            (dec!(1.0000000000000000001), 0),
            (dec!(1000), 4),
        ];
        sort_by_key(&mut entries);
        let order: Vec<u32> = entries.iter().map(|e| e.1).collect();
        assert_eq!(order, vec![3, 0, 2, 1, 4]);
    }

    proptest::proptest! {
        /// The same order as an exact sort, over keys of every size and sign, many within rounding of each other.
        #[test]
        fn the_order_is_the_exact_sort(
            keys in proptest::collection::vec((-30i64..30, 0u32..=12, 0u32..=2, 0i64..3), 0..200),
        ) {
            let mut entries: Vec<(Decimal, u32)> = keys
                .iter()
                .enumerate()
                .map(|(i, &(m, e, dp, near))| {
                    // Few values, of sizes 1e-2 to 3e13, many repeated: some a hair (1e-20) above a repeated one.
                    let key = Decimal::new(m * 10i64.pow(e), dp) + Decimal::new(near, 20);
                    (key, u32::try_from(i).unwrap())
                })
                .collect();
            let mut exact = entries.clone();
            exact.sort_unstable();
            sort_by_key(&mut entries);
            proptest::prop_assert_eq!(entries, exact);
        }
    }
}
