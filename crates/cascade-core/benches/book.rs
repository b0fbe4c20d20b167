//! Order-book throughput, with divan: `cargo bench -p cascade-core --bench book`.
//!
//! One sample replays 100,000 order events against a book that starts with 16 makers quoting 20 levels a side
//! around 30,000 (tick 0.1, lot 0.001): 55% limit orders within 20 ticks of the touch (some cross and fill), 30%
//! cancels of a random live order, 15% market orders of one to five lots, 5% of which are a maker's cancel-all.
//! The events are drawn beforehand from a seeded stream, so every sample replays the same sequence; divan reports
//! events per second (the target: at least 10 million on one core).

#![allow(clippy::unwrap_used, missing_docs)] // a benchmark binary: a failure is the benchmark failing

use cascade_core::AgentId;
use cascade_core::book::{OrderBook, OrderId, Side};
use cascade_core::rng::stream;
use rand::RngExt;
use rust_decimal::Decimal;
use std::hint::black_box;

const EVENTS: usize = 100_000;
const MAKERS: u32 = 16;

fn main() {
    divan::main();
}

/// One order event of the replay.
#[derive(Clone, Copy)]
enum Event {
    Limit {
        owner: AgentId,
        side: Side,
        price: Decimal,
        quantity: Decimal,
    },
    /// Cancel the live order at this position (modulo the number live) of the replay's list.
    Cancel(usize),
    Market {
        owner: AgentId,
        side: Side,
        quantity: Decimal,
    },
    CancelAll(AgentId),
}

/// The starting book: every maker quotes 20 levels a side, one lot more at each level further out.
fn starting_book() -> (OrderBook, Vec<OrderId>) {
    let mut book = OrderBook::new();
    let mut live = Vec::new();
    for maker in 0..MAKERS {
        for level in 1..=20i64 {
            let quantity = Decimal::new(10 + level, 3);
            for (side, ticks) in [(Side::Buy, -level), (Side::Sell, level)] {
                let price = Decimal::new(300_000 + ticks, 1);
                live.extend(book.limit(AgentId(maker), side, price, quantity).resting);
            }
        }
    }
    (book, live)
}

/// The replay's events, drawn from a seeded stream.
fn events() -> Vec<Event> {
    let mut rng = stream(7, 0, 0);
    (0..EVENTS)
        .map(|_| {
            let owner = AgentId(rng.random_range(0..MAKERS + 8));
            let side = if rng.random_bool(0.5) { Side::Buy } else { Side::Sell };
            let roll: f64 = rng.random();
            if roll < 0.55 {
                let ticks = rng.random_range(-20..=1i64) * if side == Side::Buy { 1 } else { -1 };
                let price = Decimal::new(300_000 + ticks, 1);
                Event::Limit { owner, side, price, quantity: Decimal::new(rng.random_range(1..=20), 3) }
            } else if roll < 0.85 {
                Event::Cancel(rng.random_range(0..usize::MAX))
            } else if roll < 0.9925 {
                Event::Market { owner, side, quantity: Decimal::new(rng.random_range(1..=5), 3) }
            } else {
                Event::CancelAll(AgentId(rng.random_range(0..MAKERS)))
            }
        })
        .collect()
}

/// Replays the events on a fresh copy of the starting book; one item is one event.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn mixed_events(bencher: divan::Bencher) {
    let (book, live) = starting_book();
    let events = events();
    bencher
        .counter(divan::counter::ItemsCount::new(EVENTS))
        .with_inputs(|| (book.clone(), live.clone()))
        .bench_local_values(|(mut book, mut live)| {
            for event in &events {
                match *event {
                    Event::Limit { owner, side, price, quantity } => {
                        live.extend(book.limit(owner, side, price, quantity).resting);
                    }
                    Event::Cancel(k) if !live.is_empty() => {
                        let id = live.swap_remove(k % live.len());
                        black_box(book.cancel(id));
                    }
                    Event::Cancel(_) => {}
                    Event::Market { owner, side, quantity } => {
                        black_box(book.market(owner, side, quantity, None));
                    }
                    Event::CancelAll(owner) => {
                        black_box(book.cancel_all(owner));
                    }
                }
            }
            book
        });
}
