//! Loss allocation beyond the insurance fund: auto-deleveraging (ADL) and socialized loss.
//!
//! **ADL** closes a bankrupt position that the book could not take against opposite-side *winners* (positions with
//! positive unrealized PnL), in the order venues publish: highest `PnL fraction x leverage` first, where the PnL
//! fraction is unrealized PnL over the position's absolute cost basis and leverage is position notional over
//! account equity. Winners are reduced, never increased, and only as much as needed; each gives up at most its
//! profit and never more than its account's equity ([`Winner::adl_price`]).
//!
//! **Socialized loss** spreads a shortfall the insurance fund could not pay over all winners in proportion to
//! their unrealized profit, as a haircut of their collateral, never more than that profit (the caller caps it at
//! the account's equity too).

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
    /// `price` limited so that closing `quantity` (absolute, base units) of this position at it takes part of the
    /// winner's profit and never more: it realizes no loss (a short winner buys back at no more than its entry
    /// price, a long winner sells at no less; entry is `cost_basis / |quantity|`), and it costs the account, against
    /// closing at `mark`, no more than its equity there (a winner whose collateral went negative, paying penalties
    /// while it was itself being liquidated, say, is left at zero or above, never below). Each limit is rounded on
    /// the price grid `tick` towards the winner's side.
    pub fn adl_price(&self, price: Decimal, quantity: Decimal, mark: Decimal, tick: Decimal) -> Decimal {
        let short = self.quantity.is_sign_negative();
        // `price` kept on the winner's side of `bound`, the bound rounded on the grid towards the winner.
        let within = |price: Decimal, bound: Decimal| match crate::money::floor_to_step(bound, tick) {
            None => price,
            Some(floor) if short => price.min(floor),
            Some(floor) => price.max(if floor < bound { floor + tick } else { floor }),
        };
        let at_break_even =
            self.cost_basis.checked_div(self.quantity.abs()).map_or(price, |entry| within(price, entry));
        // What closing `quantity` at `p` costs the account against closing it at the mark (negative: a gain).
        let cost = |p: Decimal| if short { p - mark } else { mark - p }.checked_mul(quantity);
        let available = self.equity.max(Decimal::ZERO);
        if cost(at_break_even).is_none_or(|cost| cost <= available) {
            return at_break_even;
        }
        // A winner with less equity than that: the price that costs it its equity, on the grid.
        let Some(room) = available.checked_div(quantity) else { return at_break_even };
        let limited = within(at_break_even, if short { mark + room } else { mark - room });
        // The quotient `equity / quantity` is rounded; a price it let one tick too far is brought back.
        match cost(limited) {
            Some(cost) if cost > available => {
                if short {
                    limited - tick
                } else {
                    limited + tick
                }
            }
            _ => limited,
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
    fn a_winner_is_never_closed_beyond_break_even_nor_below_zero_equity() {
        // Short 2 with cost basis 20,000 (entry 10,000), marked at 9,500 (a profit of 1,000): asked to buy back at
        // 10,400, it buys at 10,000; at 9,600 it buys at 9,600.
        let w = short(1, dec!(2), dec!(1000), dec!(20000), dec!(3000), dec!(19000));
        assert_eq!(w.adl_price(dec!(10400), dec!(2), dec!(9500), dec!(0.1)), dec!(10000));
        assert_eq!(w.adl_price(dec!(9600), dec!(2), dec!(9500), dec!(0.1)), dec!(9600));
        // Its collateral is -600: equity 400. Buying back at 10,000 would cost it its whole profit of 1,000 and leave
        // -600; it gives up 400 at most: 9,500 + 400 / 2 = 9,700. With 401 and a tick of 1, 9,700.5 rounds to 9,700.
        let w = short(1, dec!(2), dec!(1000), dec!(20000), dec!(400), dec!(19000));
        assert_eq!(w.adl_price(dec!(10400), dec!(2), dec!(9500), dec!(0.1)), dec!(9700));
        let w = short(1, dec!(2), dec!(1000), dec!(20000), dec!(401), dec!(19000));
        assert_eq!(w.adl_price(dec!(10400), dec!(2), dec!(9500), dec!(1)), dec!(9700));
        // A long 2 from 10,000 marked at 10,500 with equity 300 sells at no less than 10,500 - 150; a winner with no
        // equity left gives up nothing against the mark.
        let long = Winner { quantity: dec!(2), ..short(1, dec!(2), dec!(1000), dec!(20000), dec!(300), dec!(21000)) };
        assert_eq!(long.adl_price(dec!(9600), dec!(2), dec!(10500), dec!(0.1)), dec!(10350));
        let broke = Winner { equity: dec!(-5), ..long };
        assert_eq!(broke.adl_price(dec!(9600), dec!(2), dec!(10500), dec!(0.1)), dec!(10500));
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
