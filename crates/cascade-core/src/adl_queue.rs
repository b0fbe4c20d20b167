//! The ADL queue of one instrument: its winners ranked as venues rank them (highest `PnL fraction x leverage`
//! first, ties by agent id), long and short winners apart, kept up to date one account at a time.
//!
//! A close-out that needs deleveraging takes winners from the top of the opposite side; an account whose position
//! or collateral changed is set again (`O(log n)`), so a cascade of `k` close-outs over `n` accounts costs
//! `O(n + k log n)` instead of a rebuild and sort of all winners per close-out.

use crate::AgentId;
use crate::deleverage::Winner;
use rust_decimal::Decimal;
use std::cmp::Reverse;
use std::collections::BTreeMap;

/// Where a winner sits: its side (0 long, 1 short) and its rank key.
type Slot = (usize, (Reverse<Decimal>, AgentId));

/// Winners of one instrument, ranked per side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdlQueue {
    /// Long winners and short winners, each by descending score, then agent id.
    ranked: [BTreeMap<(Reverse<Decimal>, AgentId), Winner>; 2],
    /// Where each winner is.
    slots: BTreeMap<AgentId, Slot>,
}

impl AdlQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// A queue of `winners` (positions that are not winners are left out).
    pub fn of(winners: impl IntoIterator<Item = Winner>) -> Self {
        let mut queue = Self::new();
        winners.into_iter().for_each(|w| queue.set(w.agent, Some(w)));
        queue
    }

    /// Sets `agent`'s standing: its position as a winner now, or `None` (or a position that is not a winner: flat,
    /// or without profit) to take it out.
    pub fn set(&mut self, agent: AgentId, winner: Option<Winner>) {
        if let Some((side, key)) = self.slots.remove(&agent) {
            self.ranked[side].remove(&key);
        }
        let Some(w) = winner.filter(|w| w.unrealized_pnl > Decimal::ZERO && !w.quantity.is_zero()) else { return };
        let side = usize::from(w.quantity.is_sign_negative());
        let key = (Reverse(w.score()), agent);
        self.ranked[side].insert(key, w);
        self.slots.insert(agent, (side, key));
    }

    /// `agent`'s standing as a winner, if it is one.
    pub fn get(&self, agent: AgentId) -> Option<&Winner> {
        self.slots.get(&agent).and_then(|(side, key)| self.ranked[*side].get(key))
    }

    /// Every winner, by agent id.
    pub fn winners(&self) -> impl Iterator<Item = &Winner> {
        self.slots.iter().filter_map(|(_, (side, key))| self.ranked[*side].get(key))
    }

    /// How many winners, both sides.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether there are no winners.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Which winners absorb `quantity` (absolute, base units) of a bankrupt position whose signed size is
    /// `side_sign` (`+1` long, `-1` short): opposite-side winners in rank order, each reduced by at most its whole
    /// position, until `quantity` is used up. Returns `(agent, absolute quantity)`; the sum is at most `quantity`
    /// (less when the winners are not enough).
    pub fn plan(&self, quantity: Decimal, side_sign: Decimal) -> Vec<(AgentId, Decimal)> {
        // A bankrupt long is closed against short winners, and the other way round.
        let opposite = usize::from(side_sign.is_sign_positive());
        let mut left = quantity;
        let mut plan = Vec::new();
        for w in self.ranked[opposite].values() {
            if left <= Decimal::ZERO {
                break;
            }
            let take = left.min(w.quantity.abs());
            plan.push((w.agent, take));
            left -= take;
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn winner(agent: u32, quantity: Decimal, pnl: Decimal, equity: Decimal) -> Winner {
        let cost_basis = dec!(1000);
        Winner { agent: AgentId(agent), quantity, unrealized_pnl: pnl, cost_basis, equity, notional: dec!(1000) }
    }

    #[test]
    fn setting_an_account_again_moves_it_in_the_ranking_or_takes_it_out() {
        // Shorts #1 (score 0.1 x 2 = 0.2) and #2 (0.5 x 10 = 5); long #3 is a winner on the other side.
        let mut queue = AdlQueue::of([
            winner(1, dec!(-5), dec!(100), dec!(500)),
            winner(2, dec!(-2), dec!(500), dec!(100)),
            winner(3, dec!(4), dec!(50), dec!(500)),
        ]);
        assert_eq!(queue.len(), 3);
        assert_eq!(queue.plan(dec!(3), dec!(1)), vec![(AgentId(2), dec!(2)), (AgentId(1), dec!(1))]);
        assert_eq!(queue.plan(dec!(10), dec!(-1)), vec![(AgentId(3), dec!(4))], "a short is closed against longs");
        // #1's profit grows past #2's score: it is first now.
        queue.set(AgentId(1), Some(winner(1, dec!(-5), dec!(900), dec!(100))));
        assert_eq!(queue.plan(dec!(1), dec!(1)), vec![(AgentId(1), dec!(1))]);
        // #2 closes its position; #1 loses its profit: neither is a winner any more.
        queue.set(AgentId(2), Some(winner(2, dec!(0), dec!(500), dec!(100))));
        queue.set(AgentId(1), Some(winner(1, dec!(-5), dec!(-10), dec!(100))));
        assert!(queue.plan(dec!(1), dec!(1)).is_empty());
        assert_eq!(queue.winners().map(|w| w.agent).collect::<Vec<_>>(), [AgentId(3)]);
        assert!(queue.get(AgentId(1)).is_none());
    }
}
