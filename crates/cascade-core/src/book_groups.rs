//! Accounts grouped by the positions they hold, so that a margin check of many accounts holding the same positions
//! costs one health computation per distinct set of positions plus `O(log n + k)` per set, not one per account.
//!
//! An account's equity is its collateral plus the value of its positions less their cost basis. Write it as
//! `A + V`: the account's **offset** `A = collateral - sum of cost bases` (fixed between the account's own trades,
//! fees and payments) and the **book value** `V = sum of position values`, which depends only on the positions and the
//! marks. The requirement too depends only on the positions and the marks (whatever the rule: schedules, a scenario
//! grid, Greeks add-ons). So an account is below maintenance exactly when `A < M - V` for its book's `M - V`: once
//! per book and check, one health computation of any holder gives the threshold, and the accounts of that book
//! below it are a range of an ordered set. The caller confirms each candidate with the exact health check.

use crate::account::Portfolio;
use crate::money::{self, MoneyError};
use crate::{AgentId, InstrumentId};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// The open positions of an account, as (instrument, signed quantity) in instrument order.
pub type BookKey = Vec<(InstrumentId, Decimal)>;

/// Relative widening of a threshold, so that decimal rounding in the equity never hides an account below it.
const WIDENING: Decimal = Decimal::from_parts(1, 0, 0, false, 9);

/// Accounts by book, each book's accounts ordered by offset.
#[derive(Debug, Clone, Default)]
pub struct BookGroups {
    books: BTreeMap<BookKey, BTreeSet<(Decimal, AgentId)>>,
    /// Each account's entry, by agent id.
    entries: BTreeMap<AgentId, (BookKey, Decimal)>,
}

impl BookGroups {
    /// Sets (or replaces) `agent`'s entry from its portfolio; `None` removes it. `O(log n)` plus the key's length.
    pub fn set(&mut self, agent: AgentId, portfolio: Option<&Portfolio>) -> Result<(), MoneyError> {
        if let Some((key, offset)) = self.entries.remove(&agent)
            && let Some(set) = self.books.get_mut(&key)
        {
            set.remove(&(offset, agent));
            if set.is_empty() {
                self.books.remove(&key);
            }
        }
        let Some(portfolio) = portfolio else { return Ok(()) };
        let mut key: BookKey = Vec::new();
        let mut offset = portfolio.collateral;
        for p in portfolio.positions.iter().filter(|p| !p.quantity.is_zero()) {
            key.push((p.instrument, p.quantity));
            offset = money::sub(offset, p.cost_basis)?;
        }
        key.sort_unstable();
        self.books.entry(key.clone()).or_default().insert((offset, agent));
        self.entries.insert(agent, (key, offset));
        Ok(())
    }

    /// Forgets every entry.
    pub fn clear(&mut self) {
        self.books.clear();
        self.entries.clear();
    }

    /// Number of accounts held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no account is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// One holder of each book with its offset: `(book, agent, offset)`, books in key order.
    pub fn representatives(&self) -> impl Iterator<Item = (&BookKey, AgentId, Decimal)> {
        self.books.iter().filter_map(|(key, set)| set.first().map(|&(offset, agent)| (key, agent, offset)))
    }

    /// Appends to `out` the accounts of `book` whose offset is at or below `threshold` (widened by one part in 1e9
    /// and 1e-8 against rounding): every holder whose equity `offset + V` may be below `M` for `threshold = M - V`.
    pub fn below(&self, book: &BookKey, threshold: Decimal, out: &mut Vec<AgentId>) {
        let Some(set) = self.books.get(book) else { return };
        let widened = threshold + threshold.abs() * WIDENING + Decimal::new(1, 8);
        out.extend(set.range(..=(widened, AgentId(u32::MAX))).map(|&(_, agent)| agent));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::UnderlyingId;
    use crate::instrument::Valuation;
    use rust_decimal::dec;

    fn account(collateral: Decimal, fills: &[(u16, Decimal, Decimal)]) -> Portfolio {
        let mut p = Portfolio::with_collateral(collateral);
        for &(instrument, quantity, price) in fills {
            p.apply_fill(InstrumentId(instrument), quantity, price).unwrap();
        }
        p
    }

    #[test]
    fn holders_of_one_book_below_its_threshold_by_hand() {
        // Three accounts short 2 of instrument 1, entered at 100, 110 and 90, with 50, 50 and 80 of collateral:
        // offsets 50 + 200 = 250, 50 + 220 = 270, 80 + 180 = 260. A fourth holds another book.
        let mut groups = BookGroups::default();
        let short = |c, at| account(c, &[(1, dec!(-2), at)]);
        groups.set(AgentId(1), Some(&short(dec!(50), dec!(100)))).unwrap();
        groups.set(AgentId(2), Some(&short(dec!(50), dec!(110)))).unwrap();
        groups.set(AgentId(3), Some(&short(dec!(80), dec!(90)))).unwrap();
        groups.set(AgentId(4), Some(&account(dec!(10), &[(1, dec!(1), dec!(100))]))).unwrap();
        assert_eq!(groups.len(), 4);
        let book: BookKey = vec![(InstrumentId(1), dec!(-2))];
        // At a mark of 120 the book is worth V = -240; equity = offset - 240 = 10, 30, 20. With a maintenance
        // requirement of 25, the threshold is 25 + 240 = 265: agents 1 (equity 10) and 3 (20), not 2 (30).
        let mut out = Vec::new();
        groups.below(&book, dec!(265), &mut out);
        out.sort();
        assert_eq!(out, vec![AgentId(1), AgentId(3)]);
        let at = Valuation::linear(UnderlyingId(0), dec!(120));
        let equity = |c, entry| short(c, entry).equity(|_| at).unwrap();
        assert_eq!(
            [equity(dec!(50), dec!(100)), equity(dec!(50), dec!(110)), equity(dec!(80), dec!(90))],
            [dec!(10), dec!(30), dec!(20)]
        );
        // One representative per book; moving an account to another book and removing one.
        assert_eq!(groups.representatives().count(), 2);
        groups.set(AgentId(1), Some(&account(dec!(10), &[(1, dec!(1), dec!(100))]))).unwrap();
        groups.set(AgentId(3), None).unwrap();
        out.clear();
        groups.below(&book, dec!(1000), &mut out);
        assert_eq!(out, vec![AgentId(2)]);
        assert_eq!(groups.len(), 3);
    }
}
