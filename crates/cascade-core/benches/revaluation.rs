//! Full revaluation against the machine's memory bandwidth: `cargo bench -p cascade-core --bench revaluation`.
//!
//! A margin policy change (or a stress scenario) revalues every account: its equity at the marks and its
//! maintenance requirement under the new fractions. Ten thousand, a hundred thousand and a million cross-margined
//! portfolios, each holding one to three positions across three instruments, are revalued two ways, and the
//! accounts below maintenance are listed: one by one in `Decimal` (`cascade_core::margin::health`), and by the
//! columnar snapshot (`cascade_core::revaluation::Revaluation`), whose answer is exactly the same (checked here).
//! In the same run the benchmark measures the read bandwidth of one core (the median of five passes summing a
//! 512 MiB buffer of `u64`) and reports the ratio of each revaluation's time to the time the bytes it reads would
//! take at that bandwidth (the target is at most 1.5).

#![allow(clippy::unwrap_used, missing_docs)] // a benchmark binary: a failure is the benchmark failing

use cascade_core::account::{Portfolio, Position};
use cascade_core::instrument::Valuation;
use cascade_core::margin::{MarginRates, MarginSchedule, health};
use cascade_core::revaluation::Revaluation;
use cascade_core::rng::stream;
use cascade_core::{Decimal, InstrumentId, UnderlyingId};
use rand::RngExt;
use rust_decimal::dec;
use std::hint::black_box;
use std::time::Instant;

/// The venue sizes revalued: at ten thousand accounts the columns fit in the cache, so the memory bound is loose.
const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];
const INSTRUMENTS: u16 = 3;
const PASSES: usize = 5;

fn main() {
    let bandwidth = bandwidth();
    println!("memory bandwidth    {:.2} GB/s (read, one core, median of {PASSES})", bandwidth / 1e9);
    for accounts in SIZES {
        revalue(accounts, bandwidth);
    }
}

/// Builds `n` portfolios, revalues them both ways and prints the figures against `bandwidth` (bytes a second).
fn revalue(n: usize, bandwidth: f64) {
    let mut rng = stream(3, 0, 0);
    let marks = [dec!(30000), dec!(2000), dec!(150)];
    let accounts: Vec<Portfolio> = (0..n)
        .map(|_| {
            let mut p = Portfolio::with_collateral(Decimal::from(rng.random_range(500..5_000u32)));
            for k in 0..rng.random_range(1..=INSTRUMENTS) {
                let side = if rng.random_bool(0.5) { Decimal::ONE } else { Decimal::NEGATIVE_ONE };
                let quantity = Decimal::new(rng.random_range(1..=2_000), 3) * side;
                p.apply_fill(InstrumentId(k), quantity, marks[usize::from(k)]).unwrap();
            }
            p
        })
        .collect();
    // Bytes the one-by-one revaluation reads: each portfolio and its positions (inline for one, on the heap for more).
    let bytes: usize = accounts
        .iter()
        .map(|a| {
            std::mem::size_of::<Portfolio>()
                + if a.positions.spilled() { a.positions.len() * size_of::<Position>() } else { 0 }
        })
        .sum();

    // The policy moves maintenance to 3% and the marks fall 10%: every account is revalued.
    let schedule = MarginSchedule::flat(MarginRates { initial: dec!(0.06), maintenance: dec!(0.03) });
    let stressed: Vec<Decimal> = marks.iter().map(|m| m * dec!(0.9)).collect();
    let value = |i: InstrumentId| Valuation::linear(UnderlyingId(i.0), stressed[usize::from(i.0)]);
    let mut by_health = Vec::new();
    let one_by_one = median(|| {
        by_health = (0u32..)
            .zip(&accounts)
            .filter(|(_, a)| {
                health(black_box(a), value, |p: &Position, mark| schedule.requirement(p.quantity, mark))
                    .unwrap()
                    .is_liquidatable()
            })
            .map(|(i, _)| i)
            .collect::<Vec<u32>>();
    });

    let started = Instant::now();
    let snapshot = Revaluation::new(&accounts).unwrap();
    let built = started.elapsed().as_secs_f64();
    let maintenance = vec![dec!(0.03); marks.len()];
    let mut count = 0;
    let columnar = median(|| count = snapshot.below_maintenance(black_box(&stressed), &maintenance).unwrap().count());
    let below = snapshot.below_maintenance(&stressed, &maintenance).unwrap();
    let mut listed = Vec::new();
    let listing = median(|| listed = below.accounts());
    assert_eq!(count, by_health.len());
    assert_eq!(listed, by_health, "the snapshot's answer is health's");

    println!("\naccounts            {n} ({} below maintenance after the change)", by_health.len());
    for (name, seconds, bytes) in
        [("one by one, Decimal", one_by_one, bytes), ("columnar snapshot", columnar, snapshot.bytes_read())]
    {
        let bound = bytes as f64 / bandwidth;
        println!("{name}");
        println!(
            "  bytes read        {:.1} MiB ({:.0} an account)",
            bytes as f64 / f64::from(1 << 20),
            bytes as f64 / n as f64
        );
        println!("  bandwidth bound   {:.2} ms", bound * 1e3);
        println!(
            "  revaluation       {:.2} ms (median of {PASSES}; {:.1} ns an account)",
            seconds * 1e3,
            seconds * 1e9 / n as f64
        );
        println!("  ratio             {:.2}x the bound (target: at most 1.5x)", seconds / bound);
    }
    println!(
        "listed ascending    {:.2} ms more (median of {PASSES}; the accounts below maintenance as indices)",
        listing * 1e3
    );
    println!("snapshot built in   {:.1} ms (once; every later revaluation reuses it)", built * 1e3);
}

/// The median of five timed runs of `pass`, seconds.
fn median(mut pass: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..PASSES)
        .map(|_| {
            let started = Instant::now();
            pass();
            started.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[PASSES / 2]
}

/// Read bandwidth, bytes a second: the median of five sums over a 512 MiB buffer.
fn bandwidth() -> f64 {
    let words = (512usize << 20) / size_of::<u64>();
    let buffer: Vec<u64> = (0..words as u64).collect();
    let mut rates: Vec<f64> = (0..PASSES)
        .map(|_| {
            let started = Instant::now();
            let sum = black_box(&buffer).iter().fold(0u64, |s, &w| s.wrapping_add(w));
            black_box(sum);
            (words * size_of::<u64>()) as f64 / started.elapsed().as_secs_f64()
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    rates[PASSES / 2]
}
