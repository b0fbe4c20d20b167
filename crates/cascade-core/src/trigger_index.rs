//! An index of liquidation prices, so that a margin check costs `O(log n + k)` for `n` accounts of which `k` are
//! near or past their trigger, instead of a scan of every account.
//!
//! Each account whose requirement has a closed form ([`Trigger`]) is kept in an ordered set per side: longs by the
//! price below which they are liquidated, shorts by the price above which they are. Accounts without a closed form
//! ([`Trigger::Unknown`]) are always candidates. The index returns *candidates*: every liquidatable account is
//! among them (prices are widened by [`TOLERANCE`] against rounding), and the caller confirms each one with the
//! exact health check. Entries go stale when an account's collateral or position changes, or when the margin
//! schedule changes shape; the owner re-sets changed accounts and rebuilds after such a change.
//!
//! A re-set may *widen* ([`Refresh::Widen`]): an entry that already makes the account a candidate wherever the new
//! one would is left standing, without touching the ordered sets. A trader whose trigger moves away from the mark
//! (a short buying back, a long adding collateral) costs no set operation; the account becomes a candidate early at
//! worst, and the owner then sets it exactly ([`Refresh::Exact`]) once the check finds it healthy. A flat schedule's
//! triggers are kept at a zero fraction and compared with the mark scaled by the fraction in force
//! ([`crate::margin::MarginSchedule::index_marks`]), so a policy moving the fraction needs no rebuild.

use crate::AgentId;
use crate::margin::{Trigger, zero_fraction_trigger};
use crate::money;
use rust_decimal::Decimal;
use std::collections::BTreeSet;

/// Relative widening of trigger prices, so that decimal rounding in a trigger never hides a liquidatable account.
pub const TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 9);

/// Decimal places of the keys: a trigger is kept as a whole number of 1e-8, rounded up for a long's and down for a
/// short's (and a query's bound the other way), so that the sets compare plain integers (16 bytes an entry with the
/// agent) and never lose a candidate.
const KEY_SCALE: u32 = 8;

/// `10^KEY_SCALE` in `f64` (exact): one price unit in units of the key.
const KEY_UNIT: f64 = 1e8;
const _: () = assert!(KEY_SCALE == 8, "KEY_UNIT is 10^KEY_SCALE");

/// `price` as a whole number of 1e-[`KEY_SCALE`], rounded up (`up`) or down; beyond `i64` it saturates, which keeps
/// the order of every pair it does not merge (merged triggers are candidates together).
fn key(price: Decimal, up: bool) -> i64 {
    let (mantissa, scale) = (price.mantissa(), price.scale());
    let units = if scale <= KEY_SCALE {
        mantissa.saturating_mul(10i128.pow(KEY_SCALE - scale))
    } else {
        let divisor = 10i128.pow(scale - KEY_SCALE);
        let floor = mantissa.div_euclid(divisor);
        if up && mantissa.rem_euclid(divisor) != 0 { floor + 1 } else { floor }
    };
    i64::try_from(units).unwrap_or(if units < 0 { i64::MIN } else { i64::MAX })
}

/// A trigger as the index keeps it: its price as a key ([`key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Never,
    Below(i64),
    Above(i64),
    Unknown,
}

impl Entry {
    /// Whether this entry makes its account a candidate at every mark where `other` would: anything covers `Never`,
    /// `Unknown` covers everything, a long's key at or above `other`'s, a short's at or below.
    fn covers(self, other: Entry) -> bool {
        match (self, other) {
            (_, Entry::Never) | (Entry::Unknown, _) => true,
            (Entry::Below(standing), Entry::Below(new)) => standing >= new,
            (Entry::Above(standing), Entry::Above(new)) => standing <= new,
            _ => false,
        }
    }
}

/// How a re-set treats an account's standing entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// Leave it when it covers the new one (it makes the account a candidate wherever the new one would): the
    /// account may then be a candidate early, which the exact health check answers.
    Widen,
    /// Replace it with the new one.
    Exact,
}

impl From<Trigger> for Entry {
    fn from(trigger: Trigger) -> Self {
        match trigger {
            Trigger::Never => Entry::Never,
            Trigger::Below(p) => Entry::Below(key(p, true)),
            Trigger::Above(p) => Entry::Above(key(p, false)),
            Trigger::Unknown => Entry::Unknown,
        }
    }
}

/// The key of a single position's trigger at a zero maintenance fraction, the price `(cost_basis - collateral) /
/// quantity` ([`zero_fraction_trigger`]), computed as integers: the exact quotient rounded up for a long and
/// down for a short, so never nearer the mark than the decimal quotient's key. `None` when an intermediate exceeds
/// `i128`, or when the position is flat.
fn rate_free_key(quantity: Decimal, cost_basis: Decimal, collateral: Decimal) -> Option<Entry> {
    let scale = cost_basis.scale().max(collateral.scale());
    let at_scale = |d: Decimal| d.mantissa().checked_mul(money::pow10(scale - d.scale())?);
    let owed = at_scale(cost_basis)?.checked_sub(at_scale(collateral)?)?;
    let units = quantity.mantissa();
    // price = owed / units x 10^(quantity's scale - scale); the key counts 1e-KEY_SCALE.
    let shift = i64::from(KEY_SCALE) + i64::from(quantity.scale()) - i64::from(scale);
    let power = money::pow10(u32::try_from(shift.unsigned_abs()).ok()?)?;
    let (numerator, denominator) =
        if shift >= 0 { (owed.checked_mul(power)?, units) } else { (owed, units.checked_mul(power)?) };
    // Both are positive, or both negative, where a price follows.
    let (numerator, denominator) = (numerator.unsigned_abs(), denominator.unsigned_abs());
    let saturate = |units: u128| i64::try_from(units).unwrap_or(i64::MAX);
    // The quotient in `u64` where both fit (one division instruction, where `u128`'s is a call).
    let narrow = u64::try_from(numerator).ok().zip(u64::try_from(denominator).ok().filter(|d| *d != 0));
    let quotient = |up: bool| match narrow {
        Some((n, d)) => u128::from(if up { n.div_ceil(d) } else { n / d }),
        None if up => numerator.div_ceil(denominator),
        None => numerator / denominator,
    };
    Some(match units.signum() {
        0 => return None,
        // A long is liquidated below a positive price only.
        1 if owed <= 0 => Entry::Never,
        1 => Entry::Below(saturate(quotient(true))),
        // A short whose price would not be positive is a candidate at every mark (as `Above(0)`).
        _ if owed >= 0 => Entry::Above(0),
        _ => Entry::Above(saturate(quotient(false))),
    })
}

/// Whether `standing` covers the entry [`rate_free_key`] gives a single position, where `f64` settles it without
/// the key: the trigger price `(cost_basis - collateral) / quantity` bounded in `f64`, each input within 4e-16 of
/// itself (relative, [`money::approximate`]) and each operation adding one rounding, all allowed for at 1e-15, and a
/// unit of the key either way for its rounding. A long owing nothing is never liquidated (covered by anything); a
/// long's key at most the standing one, or a short's at least, is covered. `false` where the bound does not settle
/// it, and for a short owing nothing (keyed at zero), which the exact key decides.
fn covers_rate_free(standing: Entry, quantity: Decimal, cost_basis: Decimal, collateral: Decimal) -> bool {
    if standing == Entry::Unknown {
        return true;
    }
    let (q, cost, held) =
        (money::approximate(quantity), money::approximate(cost_basis), money::approximate(collateral));
    let (owed, slack) = (cost - held, 1e-15 * (cost.abs() + held.abs()));
    // The key's price bounds, in units of the key, widened by a unit for its rounding.
    let unit = KEY_UNIT;
    let key_bounds = || {
        let (low, high) = ((owed.abs() - slack) / q.abs(), (owed.abs() + slack) / q.abs());
        (low * (1.0 - 1e-15) * unit - 1.0, high * (1.0 + 1e-15) * unit + 1.0)
    };
    match standing {
        _ if q > 0.0 && owed + slack <= 0.0 => true,
        Entry::Below(key) if q > 0.0 && owed - slack > 0.0 => key_bounds().1 <= key as f64,
        Entry::Above(key) if q < 0.0 && owed + slack < 0.0 => key as f64 <= key_bounds().0,
        _ => false,
    }
}

/// Liquidation prices of one market's accounts.
#[derive(Debug, Clone, Default)]
pub struct TriggerIndex {
    longs: BTreeSet<(i64, AgentId)>,
    shorts: BTreeSet<(i64, AgentId)>,
    unknown: BTreeSet<AgentId>,
    /// Each account's entry, by agent id (dense).
    entries: Vec<Entry>,
}

impl TriggerIndex {
    /// Sets (or replaces, as `how` says) `agent`'s trigger. `O(log n)`.
    pub fn set(&mut self, agent: AgentId, trigger: Trigger, how: Refresh) {
        self.place(agent, trigger.into(), how);
    }

    /// Sets `agent`'s trigger to that of a single position of signed `quantity` with `cost_basis`, held on
    /// `collateral`, at a zero maintenance fraction: [`crate::margin::MarginSchedule::rate_free_trigger`] of a flat
    /// schedule, keyed in integers without the decimal division where they hold it. `O(log n)`.
    pub fn set_rate_free(
        &mut self,
        agent: AgentId,
        (quantity, cost_basis, collateral): (Decimal, Decimal, Decimal),
        how: Refresh,
    ) {
        let standing = self.entries.get(agent.0 as usize).copied().unwrap_or(Entry::Never);
        if how == Refresh::Widen && covers_rate_free(standing, quantity, cost_basis, collateral) {
            return;
        }
        let entry = rate_free_key(quantity, cost_basis, collateral)
            .unwrap_or_else(|| zero_fraction_trigger(quantity, cost_basis, collateral).into());
        self.place(agent, entry, how);
    }

    fn place(&mut self, agent: AgentId, entry: Entry, how: Refresh) {
        let slot = agent.0 as usize;
        if self.entries.len() <= slot {
            self.entries.resize(slot + 1, Entry::Never);
        }
        let old = self.entries[slot];
        if old == entry || (how == Refresh::Widen && old.covers(entry)) {
            return;
        }
        self.entries[slot] = entry;
        match old {
            Entry::Never => {}
            Entry::Below(k) => {
                self.longs.remove(&(k, agent));
            }
            Entry::Above(k) => {
                self.shorts.remove(&(k, agent));
            }
            Entry::Unknown => {
                self.unknown.remove(&agent);
            }
        }
        match entry {
            Entry::Never => {}
            Entry::Below(k) => {
                self.longs.insert((k, agent));
            }
            Entry::Above(k) => {
                self.shorts.insert((k, agent));
            }
            Entry::Unknown => {
                self.unknown.insert(agent);
            }
        }
    }

    /// Forgets every entry.
    pub fn clear(&mut self) {
        self.longs.clear();
        self.shorts.clear();
        self.unknown.clear();
        self.entries.clear();
    }

    /// Number of accounts with a standing entry (of any kind but [`Trigger::Never`]; a widened one may stand for an
    /// account that has none).
    pub fn len(&self) -> usize {
        self.longs.len() + self.shorts.len() + self.unknown.len()
    }

    /// Whether no account has a trigger.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends to `out` every account that may be liquidatable when longs are compared at `long_at` and shorts at
    /// `short_at` (the mark, or the mark scaled for rate-free triggers): longs whose trigger is at or above
    /// `long_at`, shorts whose trigger is at or below `short_at` (both widened by [`TOLERANCE`]), and every account
    /// without a closed form. `O(log n + k)`.
    pub fn candidates(&self, (long_at, short_at): (Decimal, Decimal), out: &mut Vec<AgentId>) {
        let low = key(long_at * (Decimal::ONE - TOLERANCE), false);
        let high = key(short_at * (Decimal::ONE + TOLERANCE), true);
        out.extend(self.longs.range((low, AgentId(0))..).map(|e| e.1));
        out.extend(self.shorts.range(..=(high, AgentId(u32::MAX))).map(|e| e.1));
        out.extend(self.unknown.iter().copied());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn candidates_are_the_crossed_triggers_and_the_unknowns() {
        let mut index = TriggerIndex::default();
        index.set(AgentId(1), Trigger::Below(dec!(90)), Refresh::Exact);
        index.set(AgentId(2), Trigger::Below(dec!(95)), Refresh::Exact);
        index.set(AgentId(3), Trigger::Above(dec!(110)), Refresh::Exact);
        index.set(AgentId(4), Trigger::Unknown, Refresh::Exact);
        index.set(AgentId(5), Trigger::Never, Refresh::Exact);
        fn at(index: &TriggerIndex, mark: Decimal) -> Vec<AgentId> {
            let mut out = Vec::new();
            index.candidates((mark, mark), &mut out);
            out.sort();
            out
        }
        assert_eq!(at(&index, dec!(100)), vec![AgentId(4)]);
        assert_eq!(at(&index, dec!(94)), vec![AgentId(2), AgentId(4)]);
        assert_eq!(at(&index, dec!(89)), vec![AgentId(1), AgentId(2), AgentId(4)]);
        assert_eq!(at(&index, dec!(111)), vec![AgentId(3), AgentId(4)]);
        assert_eq!(index.len(), 4);
        // Re-setting moves an entry; Never removes it.
        index.set(AgentId(2), Trigger::Below(dec!(80)), Refresh::Exact);
        index.set(AgentId(4), Trigger::Never, Refresh::Exact);
        assert_eq!(at(&index, dec!(94)), Vec::<AgentId>::new());
        assert_eq!(index.len(), 3);
        index.clear();
        assert!(index.is_empty());
    }

    #[test]
    fn a_widening_re_set_keeps_an_entry_that_covers_the_new_one() {
        let mut index = TriggerIndex::default();
        index.set(AgentId(1), Trigger::Below(dec!(90)), Refresh::Exact);
        index.set(AgentId(2), Trigger::Above(dec!(110)), Refresh::Exact);
        let at = |index: &TriggerIndex, mark: Decimal| {
            let mut out = Vec::new();
            index.candidates((mark, mark), &mut out);
            out.sort();
            out
        };
        // The long's trigger falls to 80 and the short's rises to 120: both entries stand, candidates early.
        index.set(AgentId(1), Trigger::Below(dec!(80)), Refresh::Widen);
        index.set(AgentId(2), Trigger::Above(dec!(120)), Refresh::Widen);
        assert_eq!(at(&index, dec!(85)), vec![AgentId(1)]);
        assert_eq!(at(&index, dec!(115)), vec![AgentId(2)]);
        // Set exactly, they are candidates only past their own triggers.
        index.set(AgentId(1), Trigger::Below(dec!(80)), Refresh::Exact);
        index.set(AgentId(2), Trigger::Above(dec!(120)), Refresh::Exact);
        assert_eq!(at(&index, dec!(85)), Vec::<AgentId>::new());
        assert_eq!(at(&index, dec!(115)), Vec::<AgentId>::new());
        // A trigger moving towards the mark always moves the entry: never a lost candidate.
        index.set(AgentId(1), Trigger::Below(dec!(95)), Refresh::Widen);
        index.set(AgentId(2), Trigger::Above(dec!(105)), Refresh::Widen);
        assert_eq!(at(&index, dec!(94)), vec![AgentId(1)]);
        assert_eq!(at(&index, dec!(106)), vec![AgentId(2)]);
        // A position closed (never liquidated) or turned short leaves the long's entry standing; one without a
        // closed form is always a candidate, and a re-set under it keeps it so.
        index.set(AgentId(1), Trigger::Never, Refresh::Widen);
        assert_eq!(at(&index, dec!(94)), vec![AgentId(1)]);
        index.set(AgentId(1), Trigger::Above(dec!(200)), Refresh::Widen);
        assert_eq!(at(&index, dec!(94)), Vec::<AgentId>::new(), "a long's entry does not cover a short's: it moves");
        assert_eq!(at(&index, dec!(201)), vec![AgentId(1), AgentId(2)]);
        index.set(AgentId(3), Trigger::Unknown, Refresh::Exact);
        index.set(AgentId(3), Trigger::Below(dec!(50)), Refresh::Widen);
        assert!(at(&index, dec!(100)).contains(&AgentId(3)));
    }

    #[test]
    fn rate_free_keys_by_hand() {
        // Long 1 bought for 10,000 on 1,000: liquidated below 9,000 at a zero fraction; short 2 sold for 20,000 on
        // 1,000 above 10,500; a long 3 for 10 on 1 below 3 (3.0000...01 in 1e-8, rounded up).
        assert_eq!(rate_free_key(dec!(1), dec!(10000), dec!(1000)), Some(Entry::Below(900_000_000_000)));
        assert_eq!(rate_free_key(dec!(-2), dec!(-20000), dec!(1000)), Some(Entry::Above(1_050_000_000_000)));
        assert_eq!(rate_free_key(dec!(3), dec!(10), dec!(1)), Some(Entry::Below(300_000_000)));
        assert_eq!(rate_free_key(dec!(3), dec!(10.00000001), dec!(1)), Some(Entry::Below(300_000_001)));
        assert_eq!(rate_free_key(dec!(-3), dec!(-8.00000001), dec!(1)), Some(Entry::Above(300_000_000)));
        // Collateral beyond the cost: a long is never liquidated, a short always a candidate.
        assert_eq!(rate_free_key(dec!(1), dec!(100), dec!(100)), Some(Entry::Never));
        assert_eq!(rate_free_key(dec!(-1), dec!(100), dec!(1)), Some(Entry::Above(0)));
        assert_eq!(rate_free_key(dec!(0), dec!(0), dec!(1)), None);
    }

    /// A single position `(quantity, cost basis, collateral)`: either side, sizes and prices over many orders of
    /// magnitude, collateral from none to far beyond the cost.
    fn single_position() -> impl proptest::strategy::Strategy<Value = (Decimal, Decimal, Decimal)> {
        use proptest::strategy::Strategy;
        let sizes = (1i64..10_000_000_000, 0u32..=8, 1i64..100_000_000);
        let collaterals = (0i64..10_000_000_000_000, 0u32..=12, proptest::bool::ANY);
        (sizes, collaterals).prop_map(|((lots, lot_dp, price), (collateral, collateral_dp, long))| {
            let quantity = if long { Decimal::new(lots, lot_dp) } else { -Decimal::new(lots, lot_dp) };
            (quantity, quantity * Decimal::new(price, 2), Decimal::new(collateral, collateral_dp))
        })
    }

    proptest::proptest! {
        /// The integer key is the decimal trigger's key or one unit further from the mark's side (up for a long,
        /// down for a short), where the decimal quotient rounded across a unit: never a lost candidate.
        #[test]
        fn rate_free_keys_are_the_decimal_ones_or_safer((quantity, cost_basis, collateral) in single_position()) {
            let schedule = crate::margin::MarginSchedule::flat(crate::margin::MarginRates {
                initial: Decimal::new(5, 2),
                maintenance: Decimal::new(25, 3),
            });
            let decimal = Entry::from(schedule.rate_free_trigger(quantity, cost_basis, collateral));
            let integer = rate_free_key(quantity, cost_basis, collateral).expect("within i128");
            match (decimal, integer) {
                (Entry::Below(d), Entry::Below(i)) => proptest::prop_assert!(i == d || i == d + 1, "{d} {i}"),
                (Entry::Above(d), Entry::Above(i)) => proptest::prop_assert!(i == d || i == d - 1, "{d} {i}"),
                (d, i) => proptest::prop_assert_eq!(d, i),
            }
        }

        /// Wherever the `f64` bound says a standing entry covers the new key, it does; standing keys drawn a few
        /// units either side of the new one, where the bound must refuse, and far off, where it may answer.
        #[test]
        fn an_estimate_covers_only_what_the_key_would(
            (quantity, cost_basis, collateral) in single_position(),
            offset in proptest::prop_oneof![-3i64..=3, -1_000_000_000i64..1_000_000_000],
            kind in 0u8..4,
        ) {
            let exact = rate_free_key(quantity, cost_basis, collateral).expect("within i128");
            let near = match exact { Entry::Below(k) | Entry::Above(k) => k, _ => 0 }.saturating_add(offset);
            let standing = [Entry::Never, Entry::Below(near), Entry::Above(near), Entry::Unknown][usize::from(kind)];
            if covers_rate_free(standing, quantity, cost_basis, collateral) {
                proptest::prop_assert!(standing.covers(exact), "{:?} over {:?}", standing, exact);
            }
        }
    }

    #[test]
    fn an_estimate_settles_the_common_cases() {
        // A long on ample collateral owes nothing: covered by any standing entry. A long keyed at 9,000 (bought for
        // 10,000 on 1,000) under a standing 9,500 is covered; under 8,999.99 it is not, nor a hair's breadth off.
        assert!(covers_rate_free(Entry::Never, dec!(1), dec!(10000), dec!(20000)));
        assert!(covers_rate_free(Entry::Below(950_000_000_000), dec!(1), dec!(10000), dec!(1000)));
        assert!(!covers_rate_free(Entry::Below(899_999_000_000), dec!(1), dec!(10000), dec!(1000)));
        assert!(!covers_rate_free(Entry::Below(900_000_000_000), dec!(1), dec!(10000), dec!(1000)));
        // A short keyed at 10,500 (sold for 20,000 on 1,000) under a standing 10,000 is covered.
        assert!(covers_rate_free(Entry::Above(1_000_000_000_000), dec!(-2), dec!(-20000), dec!(1000)));
        assert!(!covers_rate_free(Entry::Above(1_100_000_000_000), dec!(-2), dec!(-20000), dec!(1000)));
        // A short owing nothing is left to the exact key; `Unknown` covers everything.
        assert!(!covers_rate_free(Entry::Above(0), dec!(-1), dec!(100), dec!(1)));
        assert!(covers_rate_free(Entry::Unknown, dec!(-1), dec!(100), dec!(1)));
    }

    #[test]
    fn keys_round_away_from_losing_a_candidate_and_saturate_in_order() {
        assert_eq!(key(dec!(100.5), true), 10_050_000_000);
        assert_eq!(key(dec!(1.000000001), true), 100_000_001);
        assert_eq!(key(dec!(1.000000001), false), 100_000_000);
        assert_eq!(key(dec!(-1.000000001), false), -100_000_001);
        assert_eq!(key(dec!(-1.000000001), true), -100_000_000);
        assert_eq!(key(Decimal::MAX, true), i64::MAX);
        assert_eq!(key(Decimal::MIN, false), i64::MIN);
        assert_eq!(key(dec!(100000000000), false), i64::MAX, "above 9.2e10 the keys saturate");
        // A long whose trigger is a hair above the mark's bound is still a candidate.
        let mut index = TriggerIndex::default();
        index.set(AgentId(1), Trigger::Below(dec!(94.0000000000000001)), Refresh::Exact);
        let mut out = Vec::new();
        index.candidates((dec!(94.0000000000000002) / (Decimal::ONE - TOLERANCE), dec!(1000)), &mut out);
        assert_eq!(out, vec![AgentId(1)]);
    }
}
