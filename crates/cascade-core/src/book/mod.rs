//! A limit order book with price-time priority.
//!
//! Prices and quantities are exact [`Decimal`]s on the market's tick and lot grid (the caller rounds). Orders at the
//! same price fill in arrival order. A taker that meets its own resting order cancels that resting order (self-trade
//! prevention, "cancel resting"), as venues do. Market orders never rest: what the book cannot fill is returned as
//! unfilled.

mod queue;

use crate::AgentId;
use foldhash::fast::FixedState;
use queue::{Arena, Levels, NIL, Owners, Price, compare};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// A map with foldhash's fixed-seed hasher: fast on small integer keys, and the same on every run (nothing here
/// iterates a map in hash order, so results never depended on it).
type FastMap<K, V> = HashMap<K, V, FixedState>;

/// The side of an order (for a fill, the taker's side).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Buys base for quote; hits asks.
    Buy,
    /// Sells base for quote; hits bids.
    Sell,
}

impl Side {
    /// The other side.
    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }

    /// `+1` for buys, `-1` for sells: the sign of the position change of this side.
    pub fn sign(self) -> Decimal {
        match self {
            Side::Buy => Decimal::ONE,
            Side::Sell => Decimal::NEGATIVE_ONE,
        }
    }

    /// `quantity` with this side's sign: the position change of a fill of `quantity` on this side, as
    /// `sign() * quantity` gives it (a zero as `Decimal::ZERO`), without the multiplication.
    pub fn signed(self, quantity: Decimal) -> Decimal {
        match self {
            _ if quantity.is_zero() => Decimal::ZERO,
            Side::Buy => quantity,
            Side::Sell => -quantity,
        }
    }

    /// The side that reduces a position of signed quantity `quantity` (`None` when flat).
    pub fn closing(quantity: Decimal) -> Option<Side> {
        if quantity.is_sign_positive() && !quantity.is_zero() {
            Some(Side::Sell)
        } else if quantity.is_sign_negative() && !quantity.is_zero() {
            Some(Side::Buy)
        } else {
            None
        }
    }
}

/// Identifies a resting order within one book: its arrival number (ids order as the orders arrived) and the slot
/// where it rests, so that a cancel finds it without a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderId {
    sequence: u64,
    slot: usize,
}

/// An order resting in the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestingOrder {
    /// The order's id.
    pub id: OrderId,
    /// Who placed it.
    pub owner: AgentId,
    /// Quantity still open, base units, positive.
    pub quantity: Decimal,
}

/// One match between a taker and a resting (maker) order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill {
    /// The resting order's owner.
    pub maker: AgentId,
    /// The incoming order's owner.
    pub taker: AgentId,
    /// The taker's side (the maker traded the opposite side).
    pub taker_side: Side,
    /// Execution price: the resting order's price. Quote per base.
    pub price: Decimal,
    /// Quantity filled, base units, positive.
    pub quantity: Decimal,
}

/// The outcome of an incoming order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Execution {
    /// Fills in the order they happened.
    pub fills: Vec<Fill>,
    /// Quantity filled in total, base units.
    pub filled: Decimal,
    /// Quantity neither filled nor left resting, base units.
    pub unfilled: Decimal,
    /// The id of the remainder left resting, for a limit order that did not fill completely.
    pub resting: Option<OrderId>,
}

impl Execution {
    /// Filled notional, quote currency.
    pub fn notional(&self) -> Decimal {
        self.fills.iter().map(|f| f.price * f.quantity).sum()
    }

    /// Volume-weighted average execution price (`None` when nothing filled).
    pub fn average_price(&self) -> Option<Decimal> {
        self.notional().checked_div(self.filled)
    }
}

/// A limit order book for one market.
#[derive(Debug, Clone, Default)]
pub struct OrderBook {
    bids: Levels,
    asks: Levels,
    /// The resting orders, linked level by level.
    arena: Arena,
    /// Each owner's live orders.
    owners: Owners,
    next_id: u64,
}

impl OrderBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// Highest bid price.
    pub fn best_bid(&self) -> Option<Decimal> {
        self.bids.keys().next_back().map(|p| p.0)
    }

    /// Lowest ask price.
    pub fn best_ask(&self) -> Option<Decimal> {
        self.asks.keys().next().map(|p| p.0)
    }

    /// The midpoint of best bid and best ask, when both exist.
    pub fn mid(&self) -> Option<Decimal> {
        Some((self.best_bid()? + self.best_ask()?) / Decimal::TWO)
    }

    /// Number of live resting orders.
    pub fn order_count(&self) -> usize {
        self.arena.len()
    }

    /// Open quantity resting at the level at `level` (its arena slot), base units.
    fn level_quantity(&self, level: usize) -> Decimal {
        self.arena.level(self.arena.head(level)).map(|o| o.quantity).sum()
    }

    /// Resting notional (quote currency) on `side` at prices within `band` (a fraction, e.g. 0.01 for 1%) of
    /// `reference`: bids at or above `reference * (1 - band)`, asks at or below `reference * (1 + band)`.
    pub fn depth_within(&self, side: Side, reference: Decimal, band: Decimal) -> Decimal {
        let level_notional = |(price, &level): (&Price, &usize)| price.0 * self.level_quantity(level);
        match side {
            Side::Buy => {
                let floor = reference * (Decimal::ONE - band);
                self.bids.range(Price(floor)..).map(level_notional).sum()
            }
            Side::Sell => {
                let cap = reference * (Decimal::ONE + band);
                self.asks.range(..=Price(cap)).map(level_notional).sum()
            }
        }
    }

    /// Resting levels on `side`, best first: `(price, total quantity)`.
    pub fn levels(&self, side: Side) -> Vec<(Decimal, Decimal)> {
        let total = |(price, &level): (&Price, &usize)| (price.0, self.level_quantity(level));
        match side {
            Side::Buy => self.bids.iter().rev().map(total).collect(),
            Side::Sell => self.asks.iter().map(total).collect(),
        }
    }

    /// Submits a market order: fills against the opposite side, best price first, until `quantity` is filled, the
    /// book runs dry, or (if given) the next price is worse than `limit`. The rest is returned as unfilled.
    pub fn market(&mut self, owner: AgentId, side: Side, quantity: Decimal, limit: Option<Decimal>) -> Execution {
        let mut execution = self.take(owner, side, quantity, limit);
        execution.unfilled = quantity - execution.filled;
        execution
    }

    /// Submits a limit order: fills what crosses at `price` or better, then rests the remainder at `price`.
    pub fn limit(&mut self, owner: AgentId, side: Side, price: Decimal, quantity: Decimal) -> Execution {
        let mut execution = self.take(owner, side, quantity, Some(price));
        let remainder = quantity - execution.filled;
        if remainder > Decimal::ZERO {
            let sequence = self.next_id;
            self.next_id += 1;
            let levels = match side {
                Side::Buy => &mut self.bids,
                Side::Sell => &mut self.asks,
            };
            let placeholder = OrderId { sequence, slot: NIL };
            let slot =
                self.arena.push_back(levels, side, price, RestingOrder { id: placeholder, owner, quantity: remainder });
            let id = OrderId { sequence, slot };
            let owner_slot = self.owners.add(owner, slot);
            let node = self.arena.get_mut(slot);
            (node.order.id, node.owner_slot) = (id, owner_slot);
            execution.resting = Some(id);
        }
        execution
    }

    /// Cancels a resting order. Returns the quantity that was still open, or `None` if the order is no longer live.
    pub fn cancel(&mut self, id: OrderId) -> Option<Decimal> {
        let slot = id.slot;
        if self.arena.live(slot).is_none_or(|node| node.order.id != id) {
            return None;
        }
        let levels = match self.arena.get(slot).side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        let node = self.arena.unlink(levels, slot);
        self.owners.remove(&mut self.arena, &node);
        Some(node.order.quantity)
    }

    /// Whether `owner` has a resting order here.
    pub fn has_orders(&self, owner: AgentId) -> bool {
        self.owners.has(owner)
    }

    /// Cancels every resting order of `owner` (for example before liquidating its account). Returns how many.
    pub fn cancel_all(&mut self, owner: AgentId) -> usize {
        let slots = self.owners.of(owner);
        let ids: Vec<OrderId> = slots.iter().map(|&slot| self.arena.get(slot).order.id).collect();
        ids.into_iter().filter(|id| self.cancel(*id).is_some()).count()
    }

    fn take(&mut self, taker: AgentId, side: Side, quantity: Decimal, limit: Option<Decimal>) -> Execution {
        let mut execution = Execution::default();
        let mut remaining = quantity;
        while remaining.is_sign_positive() && !remaining.is_zero() {
            let best = match side {
                Side::Buy => self.asks.first_key_value(),
                Side::Sell => self.bids.last_key_value(),
            };
            let Some((&Price(price), &level)) = best else { break };
            let acceptable = match (side, limit) {
                (_, None) => true,
                (Side::Buy, Some(l)) => compare(price, l).is_le(),
                (Side::Sell, Some(l)) => compare(price, l).is_ge(),
            };
            if !acceptable {
                break;
            }
            let slot = self.arena.head(level);
            let front = self.arena.get_mut(slot);
            if front.order.owner == taker {
                // Self-trade prevention: cancel the resting order, keep matching.
                let id = front.order.id;
                self.cancel(id);
                continue;
            }
            let quantity =
                if compare(remaining, front.order.quantity).is_le() { remaining } else { front.order.quantity };
            execution.fills.push(Fill { maker: front.order.owner, taker, taker_side: side, price, quantity });
            execution.filled += quantity;
            remaining -= quantity;
            front.order.quantity -= quantity;
            if front.order.quantity.is_zero() {
                let id = front.order.id;
                self.cancel(id);
            }
        }
        execution
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::dec;

    /// A book kept the plain way: live orders in arrival order, scanned for the best price then the oldest.
    #[derive(Default)]
    struct Plain {
        orders: Vec<(OrderId, AgentId, Side, Decimal, Decimal)>,
    }

    impl Plain {
        fn take(&mut self, taker: AgentId, side: Side, quantity: Decimal, limit: Option<Decimal>) -> Vec<Fill> {
            let (mut remaining, mut fills) = (quantity, Vec::new());
            while remaining > Decimal::ZERO {
                let best = self
                    .orders
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| o.2 == side.opposite())
                    .min_by_key(|(_, o)| (if side == Side::Buy { o.3 } else { -o.3 }, o.0))
                    .map(|(i, o)| (i, *o));
                let Some((i, (_, maker, _, price, open))) = best else { break };
                if limit.is_some_and(|l| if side == Side::Buy { price > l } else { price < l }) {
                    break;
                }
                if maker == taker {
                    self.orders.remove(i);
                    continue;
                }
                let q = remaining.min(open);
                fills.push(Fill { maker, taker, taker_side: side, price, quantity: q });
                remaining -= q;
                self.orders[i].4 -= q;
                if self.orders[i].4.is_zero() {
                    self.orders.remove(i);
                }
            }
            fills
        }

        fn levels(&self, side: Side) -> Vec<(Decimal, Decimal)> {
            let mut levels: std::collections::BTreeMap<Decimal, Decimal> = Default::default();
            for o in self.orders.iter().filter(|o| o.2 == side) {
                *levels.entry(o.3).or_default() += o.4;
            }
            match side {
                Side::Buy => levels.into_iter().rev().collect(),
                Side::Sell => levels.into_iter().collect(),
            }
        }
    }

    proptest! {
        /// Random limit orders, market orders, cancels and cancel-alls from four owners on a small price grid fill
        /// and rest exactly as the plain book does, order by order.
        #[test]
        fn the_book_matches_a_plain_scan_of_its_orders(
            events in prop::collection::vec((0u8..4, 0u32..4, any::<bool>(), 0i64..12, 1i64..6, any::<u16>()), 1..300)
        ) {
            let (mut book, mut plain) = (OrderBook::new(), Plain::default());
            let mut ids = Vec::new();
            for (kind, owner, buy, tick, lots, pick) in events {
                let (owner, side) = (AgentId(owner), if buy { Side::Buy } else { Side::Sell });
                let (price, quantity) = (Decimal::new(1000 + tick, 1), Decimal::new(lots, 2));
                match kind {
                    0 | 1 => {
                        let ex = book.limit(owner, side, price, quantity);
                        let fills = plain.take(owner, side, quantity, Some(price));
                        prop_assert_eq!(&ex.fills, &fills);
                        let rest = quantity - fills.iter().map(|f| f.quantity).sum::<Decimal>();
                        prop_assert_eq!(ex.resting.is_some(), rest > Decimal::ZERO);
                        if let Some(id) = ex.resting {
                            prop_assert!(ids.last().is_none_or(|last| *last < id), "ids order as orders arrive");
                            plain.orders.push((id, owner, side, price, rest));
                            ids.push(id);
                        }
                    }
                    2 => {
                        let ex = book.market(owner, side, quantity, None);
                        prop_assert_eq!(ex.fills, plain.take(owner, side, quantity, None));
                    }
                    _ if pick % 8 == 0 => {
                        let before = plain.orders.len();
                        plain.orders.retain(|o| o.1 != owner);
                        prop_assert_eq!(book.cancel_all(owner), before - plain.orders.len());
                    }
                    _ if !ids.is_empty() => {
                        let id = ids[pick as usize % ids.len()];
                        let open = plain.orders.iter().position(|o| o.0 == id).map(|i| plain.orders.remove(i).4);
                        prop_assert_eq!(book.cancel(id), open);
                    }
                    _ => {}
                }
                prop_assert_eq!(book.levels(Side::Buy), plain.levels(Side::Buy));
                prop_assert_eq!(book.levels(Side::Sell), plain.levels(Side::Sell));
                prop_assert_eq!(book.order_count(), plain.orders.len());
            }
        }
    }

    const A: AgentId = AgentId(1);
    const B: AgentId = AgentId(2);
    const C: AgentId = AgentId(3);
    const T: AgentId = AgentId(9);

    #[test]
    fn price_priority_then_time_priority() {
        let mut book = OrderBook::new();
        book.limit(A, Side::Sell, dec!(101), dec!(1));
        book.limit(B, Side::Sell, dec!(100), dec!(1));
        book.limit(C, Side::Sell, dec!(100), dec!(1));
        let ex = book.market(T, Side::Buy, dec!(2.5), None);
        // Best price first (100), and at 100 B arrived before C; then 0.5 at 101 from A.
        let makers: Vec<_> = ex.fills.iter().map(|f| (f.maker, f.price, f.quantity)).collect();
        assert_eq!(makers, vec![(B, dec!(100), dec!(1)), (C, dec!(100), dec!(1)), (A, dec!(101), dec!(0.5))]);
        assert_eq!(ex.filled, dec!(2.5));
        assert_eq!(ex.unfilled, dec!(0));
        assert_eq!(ex.average_price(), Some(dec!(100.2)));
        assert_eq!(book.levels(Side::Sell), vec![(dec!(101), dec!(0.5))]);
    }

    #[test]
    fn partial_fill_leaves_the_maker_remainder_at_the_front() {
        let mut book = OrderBook::new();
        book.limit(A, Side::Buy, dec!(99), dec!(3));
        book.limit(B, Side::Buy, dec!(99), dec!(1));
        let ex = book.market(T, Side::Sell, dec!(1), None);
        assert_eq!(ex.fills[0].maker, A);
        // A keeps priority for its remaining 2.
        let ex = book.market(T, Side::Sell, dec!(2.5), None);
        let makers: Vec<_> = ex.fills.iter().map(|f| (f.maker, f.quantity)).collect();
        assert_eq!(makers, vec![(A, dec!(2)), (B, dec!(0.5))]);
    }

    #[test]
    fn market_order_returns_what_an_empty_book_cannot_fill() {
        let mut book = OrderBook::new();
        book.limit(A, Side::Buy, dec!(99), dec!(1));
        let ex = book.market(T, Side::Sell, dec!(5), None);
        assert_eq!(ex.filled, dec!(1));
        assert_eq!(ex.unfilled, dec!(4));
        assert_eq!(book.best_bid(), None);
    }

    #[test]
    fn limit_price_bounds_a_sweep_and_a_crossing_limit_rests_its_remainder() {
        let mut book = OrderBook::new();
        book.limit(A, Side::Sell, dec!(100), dec!(1));
        book.limit(B, Side::Sell, dec!(102), dec!(1));
        let ex = book.market(T, Side::Buy, dec!(5), Some(dec!(101)));
        assert_eq!((ex.filled, ex.unfilled), (dec!(1), dec!(4)));
        let ex = book.limit(T, Side::Buy, dec!(101), dec!(2));
        assert!(ex.fills.is_empty());
        assert!(ex.resting.is_some());
        assert_eq!(book.best_bid(), Some(dec!(101)));
        assert_eq!(book.mid(), Some(dec!(101.5)));
    }

    #[test]
    fn cancel_and_self_trade_prevention() {
        let mut book = OrderBook::new();
        let id = book.limit(A, Side::Sell, dec!(100), dec!(1)).resting.unwrap();
        book.limit(B, Side::Sell, dec!(100), dec!(1));
        assert_eq!(book.cancel(id), Some(dec!(1)));
        assert_eq!(book.cancel(id), None);
        book.limit(T, Side::Sell, dec!(100), dec!(1));
        // T buys: B's order fills, T's own resting order is cancelled rather than matched.
        let ex = book.market(T, Side::Buy, dec!(2), None);
        assert_eq!(ex.filled, dec!(1));
        assert_eq!(ex.fills[0].maker, B);
        assert_eq!(book.order_count(), 0);
    }

    #[test]
    fn cancel_all_counts_only_live_orders_after_fills_and_self_trades() {
        let mut book = OrderBook::new();
        book.limit(A, Side::Sell, dec!(100), dec!(1));
        book.limit(A, Side::Sell, dec!(101), dec!(1));
        book.limit(A, Side::Sell, dec!(102), dec!(1));
        book.limit(B, Side::Buy, dec!(90), dec!(1));
        // T fills A's best order; A's own buy then meets A's next ask and cancels it (self-trade prevention).
        book.market(T, Side::Buy, dec!(1), None);
        book.market(A, Side::Buy, dec!(0.5), Some(dec!(101)));
        assert_eq!(book.cancel_all(A), 1, "only the ask at 102 is still A's");
        assert_eq!(book.cancel_all(A), 0);
        assert_eq!(book.cancel_all(B), 1);
        assert_eq!(book.order_count(), 0);
    }

    #[test]
    fn depth_within_a_band_and_cancel_all() {
        let mut book = OrderBook::new();
        book.limit(A, Side::Buy, dec!(99.5), dec!(2));
        book.limit(A, Side::Buy, dec!(98), dec!(5));
        book.limit(B, Side::Sell, dec!(100.5), dec!(1));
        assert_eq!(book.depth_within(Side::Buy, dec!(100), dec!(0.01)), dec!(199));
        assert_eq!(book.depth_within(Side::Sell, dec!(100), dec!(0.01)), dec!(100.5));
        assert_eq!(book.cancel_all(A), 2);
        assert_eq!(book.best_bid(), None);
        assert_eq!(book.order_count(), 1);
    }
}
