//! An index of liquidation prices, so that a margin check costs `O(log n + k)` for `n` accounts of which `k` are
//! near or past their trigger, instead of a scan of every account.
//!
//! Each account whose requirement has a closed form ([`Trigger`]) is kept in an ordered set per side: longs by the
//! price below which they are liquidated, shorts by the price above which they are. Accounts without a closed form
//! ([`Trigger::Unknown`]) are always candidates. The index returns *candidates*: every liquidatable account is
//! among them (prices are widened by [`TOLERANCE`] against rounding), and the caller confirms each one with the
//! exact health check. Entries go stale when an account's collateral or position changes, or when the margin
//! schedule changes shape; the owner re-sets changed accounts and rebuilds after such a change. A flat schedule's
//! triggers are kept at a zero fraction and compared with the mark scaled by the fraction in force
//! ([`crate::margin::MarginSchedule::index_marks`]), so a policy moving the fraction needs no rebuild.

use crate::AgentId;
use crate::margin::Trigger;
use rust_decimal::Decimal;
use std::collections::BTreeSet;

/// Relative widening of trigger prices, so that decimal rounding in a trigger never hides a liquidatable account.
pub const TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 9);

/// Decimal places of the keys: a trigger is kept as a whole number of 1e-8, rounded up for a long's and down for a
/// short's (and a query's bound the other way), so that the sets compare plain integers (16 bytes an entry with the
/// agent) and never lose a candidate.
const KEY_SCALE: u32 = 8;

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

/// Liquidation prices of one market's accounts.
#[derive(Debug, Clone, Default)]
pub struct TriggerIndex {
    longs: BTreeSet<(i64, AgentId)>,
    shorts: BTreeSet<(i64, AgentId)>,
    unknown: BTreeSet<AgentId>,
    /// Each account's entry, by agent id (dense).
    entries: Vec<Trigger>,
}

impl TriggerIndex {
    /// Sets (or replaces) `agent`'s trigger. `O(log n)`.
    pub fn set(&mut self, agent: AgentId, trigger: Trigger) {
        let slot = agent.0 as usize;
        if self.entries.len() <= slot {
            self.entries.resize(slot + 1, Trigger::Never);
        }
        match std::mem::replace(&mut self.entries[slot], trigger) {
            Trigger::Never => {}
            Trigger::Below(p) => {
                self.longs.remove(&(key(p, true), agent));
            }
            Trigger::Above(p) => {
                self.shorts.remove(&(key(p, false), agent));
            }
            Trigger::Unknown => {
                self.unknown.remove(&agent);
            }
        }
        match trigger {
            Trigger::Never => {}
            Trigger::Below(p) => {
                self.longs.insert((key(p, true), agent));
            }
            Trigger::Above(p) => {
                self.shorts.insert((key(p, false), agent));
            }
            Trigger::Unknown => {
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

    /// Number of accounts with a trigger (of any kind but [`Trigger::Never`]).
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
        index.set(AgentId(1), Trigger::Below(dec!(90)));
        index.set(AgentId(2), Trigger::Below(dec!(95)));
        index.set(AgentId(3), Trigger::Above(dec!(110)));
        index.set(AgentId(4), Trigger::Unknown);
        index.set(AgentId(5), Trigger::Never);
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
        index.set(AgentId(2), Trigger::Below(dec!(80)));
        index.set(AgentId(4), Trigger::Never);
        assert_eq!(at(&index, dec!(94)), Vec::<AgentId>::new());
        assert_eq!(index.len(), 3);
        index.clear();
        assert!(index.is_empty());
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
        index.set(AgentId(1), Trigger::Below(dec!(94.0000000000000001)));
        let mut out = Vec::new();
        index.candidates((dec!(94.0000000000000002) / (Decimal::ONE - TOLERANCE), dec!(1000)), &mut out);
        assert_eq!(out, vec![AgentId(1)]);
    }
}
