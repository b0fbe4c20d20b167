//! The resting orders of a book in one arena, each price level a doubly linked list through it in arrival order, so
//! that an order leaves its level in O(1) wherever it rests (a cancel used to search its level and shift the rest).

use super::{RestingOrder, Side};
use crate::AgentId;
use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// No node: the end of a list.
pub(super) const NIL: usize = usize::MAX;

/// A resting order and its links.
#[derive(Debug, Clone, Copy)]
pub(super) struct Node {
    /// The order.
    pub order: RestingOrder,
    /// Its side and price, and its level's slot.
    pub side: Side,
    pub price: Decimal,
    level: usize,
    /// The previous and next orders of its level (`NIL` at the ends).
    prev: usize,
    next: usize,
    /// Its place in its owner's list of live orders.
    pub owner_slot: usize,
    /// Whether it still rests (a freed slot keeps its last node until reused).
    live: bool,
}

/// One price level: its first (oldest) and last orders.
#[derive(Debug, Clone, Copy)]
struct Level {
    head: usize,
    tail: usize,
}

/// A price as a level's key: ordered as the price, compared as two integers when the two prices have the same
/// scale (prices on one market's grid do), which is most of what matching does.
#[derive(Debug, Clone, Copy)]
pub(super) struct Price(pub Decimal);

impl Ord for Price {
    fn cmp(&self, other: &Self) -> Ordering {
        compare(self.0, other.0)
    }
}

/// Orders two decimals as `Decimal::cmp` does, as two integers when they have the same scale.
pub(super) fn compare(a: Decimal, b: Decimal) -> Ordering {
    if a.scale() == b.scale() { a.mantissa().cmp(&b.mantissa()) } else { a.cmp(&b) }
}

impl PartialOrd for Price {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Price {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Price {}

/// The price levels of one side: each price's level slot in the arena.
pub(super) type Levels = BTreeMap<Price, usize>;

/// The arena of nodes and of levels, with the slots freed for reuse. A node knows its level's slot, so that leaving
/// it needs no search by price unless the level empties.
#[derive(Debug, Clone, Default)]
pub(super) struct Arena {
    nodes: Vec<Node>,
    free: Vec<usize>,
    levels: Vec<Level>,
    free_levels: Vec<usize>,
}

impl Arena {
    /// Number of live nodes.
    pub fn len(&self) -> usize {
        self.nodes.len() - self.free.len()
    }

    /// The node at `slot` if it is live.
    pub fn live(&self, slot: usize) -> Option<&Node> {
        self.nodes.get(slot).filter(|node| node.live)
    }

    /// The node at `slot`.
    pub fn get(&self, slot: usize) -> &Node {
        &self.nodes[slot]
    }

    /// The node at `slot`, to change it (its open quantity, its id and place in its owner's list once known).
    pub fn get_mut(&mut self, slot: usize) -> &mut Node {
        &mut self.nodes[slot]
    }

    /// The first (oldest) order of the level at `level`.
    pub fn head(&self, level: usize) -> usize {
        self.levels[level].head
    }

    /// Places `order` at the back of its level on `side` at `price` (the level is made if new); returns its slot.
    pub fn push_back(&mut self, levels: &mut Levels, side: Side, price: Decimal, order: RestingOrder) -> usize {
        let level = *levels.entry(Price(price)).or_insert_with(|| {
            let empty = Level { head: NIL, tail: NIL };
            reuse(&mut self.levels, &mut self.free_levels, empty)
        });
        let tail = self.levels[level].tail;
        let node = Node { order, side, price, level, prev: tail, next: NIL, owner_slot: NIL, live: true };
        let slot = reuse(&mut self.nodes, &mut self.free, node);
        match tail {
            NIL => self.levels[level].head = slot,
            tail => self.nodes[tail].next = slot,
        }
        self.levels[level].tail = slot;
        slot
    }

    /// Takes the node at `slot` out of its level (dropping the level from `levels` when it empties) and frees the
    /// slot.
    pub fn unlink(&mut self, levels: &mut Levels, slot: usize) -> Node {
        self.nodes[slot].live = false;
        let node = self.nodes[slot];
        let level = &mut self.levels[node.level];
        match node.prev {
            NIL => level.head = node.next,
            prev => self.nodes[prev].next = node.next,
        }
        match node.next {
            NIL => level.tail = node.prev,
            next => self.nodes[next].prev = node.prev,
        }
        if level.head == NIL {
            levels.remove(&Price(node.price));
            self.free_levels.push(node.level);
        }
        self.free.push(slot);
        node
    }

    /// The orders of a level from `head`, oldest first.
    pub fn level(&self, head: usize) -> impl Iterator<Item = &RestingOrder> {
        std::iter::successors((head != NIL).then(|| self.get(head)), |node| {
            (node.next != NIL).then(|| self.get(node.next))
        })
        .map(|node| &node.order)
    }
}

/// Puts `item` in a freed slot of `items` if there is one, else at the end; returns its slot.
fn reuse<T>(items: &mut Vec<T>, free: &mut Vec<usize>, item: T) -> usize {
    match free.pop() {
        Some(slot) => {
            items[slot] = item;
            slot
        }
        None => {
            items.push(item);
            items.len() - 1
        }
    }
}

/// Each owner's live orders (arena slots) in no particular order, so that cancelling them all costs their number,
/// not the book's size; a node's `owner_slot` is its place here (removal swaps the last one in).
#[derive(Debug, Clone, Default)]
pub(super) struct Owners(super::FastMap<AgentId, Vec<usize>>);

impl Owners {
    /// Adds `slot` to `owner`'s list; returns its place there.
    pub fn add(&mut self, owner: AgentId, slot: usize) -> usize {
        let owned = self.0.entry(owner).or_default();
        owned.push(slot);
        owned.len() - 1
    }

    /// Drops `node` (just unlinked) from its owner's list, re-pointing the node moved into its place.
    pub fn remove(&mut self, arena: &mut Arena, node: &Node) {
        let owner = node.order.owner;
        let Some(owned) = self.0.get_mut(&owner) else { return };
        let place = node.owner_slot;
        owned.swap_remove(place);
        if let Some(&moved) = owned.get(place) {
            arena.get_mut(moved).owner_slot = node.owner_slot;
        } else if owned.is_empty() {
            self.0.remove(&owner);
        }
    }

    /// Whether `owner` has a live order (an owner's list is dropped with its last order).
    pub fn has(&self, owner: AgentId) -> bool {
        self.0.contains_key(&owner)
    }

    /// `owner`'s live orders (arena slots).
    pub fn of(&self, owner: AgentId) -> Vec<usize> {
        self.0.get(&owner).cloned().unwrap_or_default()
    }
}
