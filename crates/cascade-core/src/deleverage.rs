//! Loss allocation beyond the insurance fund: auto-deleveraging (ADL) and socialized loss.
//!
//! **ADL** closes a bankrupt position that the book could not take against opposite-side *winners* (positions with
//! positive unrealized PnL), in the order venues publish: highest `PnL fraction x leverage` first, where the PnL
//! fraction is unrealized PnL over the position's absolute cost basis and leverage is position notional over
//! account equity. Winners are reduced, never increased, and only as much as needed.
//!
//! **Socialized loss** spreads a shortfall the insurance fund could not pay over all winners in proportion to
//! their unrealized profit, as a haircut of their collateral, never more than that profit.

use crate::AgentId;
use rust_decimal::Decimal;

/// An opposite-side position that could absorb deleveraging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Winner {
    /// The account.
    pub agent: AgentId,
    /// Signed quantity of its position.
    pub quantity: Decimal,
    /// Unrealized PnL at the mark (quote); only positive values are winners.
    pub unrealized_pnl: Decimal,
    /// Absolute cost basis of the position (quote).
    pub cost_basis: Decimal,
    /// Account equity at the mark (quote).
    pub equity: Decimal,
    /// Position notional at the mark (quote).
    pub notional: Decimal,
}

impl Winner {
    /// `price` limited so that closing at it realizes no loss for this winner: a short winner buys back at no more
    /// than its entry price, a long winner sells at no less. Entry is `cost_basis / |quantity|`, rounded to the
    /// price grid `tick` towards the winner's side.
    pub fn at_most_break_even(&self, price: Decimal, tick: Decimal) -> Decimal {
        let Some(entry) = self.cost_basis.checked_div(self.quantity.abs()) else { return price };
        let Some(floor) = crate::money::floor_to_step(entry, tick) else { return price };
        if self.quantity.is_sign_negative() {
            price.min(floor)
        } else {
            price.max(if floor < entry { floor + tick } else { floor })
        }
    }

    /// The ADL ranking score: `PnL fraction x leverage`; larger is deleveraged first. Zero for non-winners.
    pub fn score(&self) -> Decimal {
        if self.unrealized_pnl <= Decimal::ZERO || self.equity <= Decimal::ZERO || self.cost_basis.is_zero() {
            return Decimal::ZERO;
        }
        let pnl_fraction = self.unrealized_pnl / self.cost_basis;
        let leverage = self.notional / self.equity;
        pnl_fraction * leverage
    }
}

/// Which winners absorb `quantity` (absolute, base units) of a bankrupt position whose signed size is `side_sign`
/// (`+1` long, `-1` short): opposite-side winners by descending score, ties by agent id, each reduced by at most
/// its whole position, until `quantity` is used up. Returns `(agent, absolute quantity)`; the sum is at most
/// `quantity` (less when the winners are not enough).
pub fn adl_plan(quantity: Decimal, side_sign: Decimal, winners: &[Winner]) -> Vec<(AgentId, Decimal)> {
    crate::adl_queue::AdlQueue::of(winners.iter().copied()).plan(quantity, side_sign)
}

/// Splits `amount` over `profits` (agent, unrealized profit) in proportion to profit, each share at most the profit
/// and rounded down to `step`; returns the haircuts, which sum to at most `amount`.
pub fn socialize(amount: Decimal, profits: &[(AgentId, Decimal)], step: Decimal) -> Vec<(AgentId, Decimal)> {
    let total: Decimal = profits.iter().map(|(_, p)| (*p).max(Decimal::ZERO)).sum();
    if total <= Decimal::ZERO || amount <= Decimal::ZERO {
        return Vec::new();
    }
    let ratio = (amount / total).min(Decimal::ONE);
    profits
        .iter()
        .filter(|(_, p)| *p > Decimal::ZERO)
        .filter_map(|(a, p)| {
            let share = crate::money::floor_to_step(*p * ratio, step)?;
            (share > Decimal::ZERO).then_some((*a, share.min(*p)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::dec;

    fn short(agent: u32, quantity: Decimal, pnl: Decimal, cost: Decimal, equity: Decimal, notional: Decimal) -> Winner {
        Winner { agent: AgentId(agent), quantity: -quantity, unrealized_pnl: pnl, cost_basis: cost, equity, notional }
    }

    #[test]
    fn adl_takes_the_highest_ranked_winners_first_and_only_what_is_needed() {
        // Three shorts against a bankrupt long of 3: #2 has 50% PnL at 10x (score 5), #1 has 10% at 2x (0.2),
        // #3 is losing and must never be touched.
        let winners = [
            short(1, dec!(5), dec!(100), dec!(1000), dec!(500), dec!(1000)),
            short(2, dec!(2), dec!(500), dec!(1000), dec!(100), dec!(1000)),
            short(3, dec!(9), dec!(-50), dec!(1000), dec!(500), dec!(1000)),
        ];
        assert_eq!(winners[1].score(), dec!(5));
        let plan = adl_plan(dec!(3), dec!(1), &winners);
        assert_eq!(plan, vec![(AgentId(2), dec!(2)), (AgentId(1), dec!(1))]);
        // Same-side positions are never counterparties.
        assert!(adl_plan(dec!(3), dec!(-1), &winners).is_empty());
    }

    #[test]
    fn a_winner_is_never_closed_beyond_break_even() {
        // Short 2 with cost basis 20,000 (entry 10,000): asked to buy back at 10,400, it buys at 10,000.
        let w = short(1, dec!(2), dec!(1000), dec!(20000), dec!(3000), dec!(19000));
        assert_eq!(w.at_most_break_even(dec!(10400), dec!(0.1)), dec!(10000));
        assert_eq!(w.at_most_break_even(dec!(9600), dec!(0.1)), dec!(9600));
    }

    #[test]
    fn socialized_loss_is_pro_rata_to_profit_and_capped() {
        let profits = [(AgentId(1), dec!(300)), (AgentId(2), dec!(100)), (AgentId(3), dec!(-40))];
        assert_eq!(socialize(dec!(200), &profits, dec!(0.01)), vec![(AgentId(1), dec!(150)), (AgentId(2), dec!(50))]);
        // A loss larger than all profit takes all profit and no more.
        assert_eq!(socialize(dec!(1000), &profits, dec!(0.01)), vec![(AgentId(1), dec!(300)), (AgentId(2), dec!(100))]);
    }

    proptest! {
        #[test]
        fn adl_never_touches_losers_never_exceeds_positions_or_need(
            need in 1u32..5_000,
            positions in proptest::collection::vec((1u32..2_000, -500i32..500), 0..20),
        ) {
            let winners: Vec<Winner> = positions.iter().enumerate().map(|(i, (q, pnl))| Winner {
                agent: AgentId(i as u32),
                quantity: if i % 3 == 0 { Decimal::from(*q) } else { -Decimal::from(*q) },
                unrealized_pnl: Decimal::from(*pnl),
                cost_basis: Decimal::from(*q) * dec!(100),
                equity: dec!(1000),
                notional: Decimal::from(*q) * dec!(100),
            }).collect();
            let need = Decimal::from(need);
            let plan = adl_plan(need, dec!(1), &winners);
            let total: Decimal = plan.iter().map(|(_, q)| *q).sum();
            prop_assert!(total <= need);
            for (agent, q) in &plan {
                let w = winners.iter().find(|w| w.agent == *agent).unwrap();
                prop_assert!(w.unrealized_pnl > Decimal::ZERO, "a losing position was deleveraged");
                prop_assert!(w.quantity.is_sign_negative(), "a same-side position was deleveraged");
                prop_assert!(*q <= w.quantity.abs() && *q > Decimal::ZERO);
            }
            let available: Decimal = winners.iter().filter(|w| w.unrealized_pnl > Decimal::ZERO && w.quantity.is_sign_negative()).map(|w| w.quantity.abs()).sum();
            prop_assert_eq!(total, need.min(available), "takes exactly what is needed when it can");
        }
    }
}
