//! Full revaluation against the machine's memory bandwidth: `cargo bench -p cascade-core --bench revaluation`.
//!
//! A margin policy change (or a stress scenario) revalues every account: its equity at the marks and its
//! maintenance requirement under the new fractions. A million cross-margined portfolios, each holding one to three
//! positions across three instruments, are revalued exactly (`cascade_core::margin::health`, `Decimal`), and the
//! accounts below maintenance are counted. In the same run the benchmark measures the memory bandwidth (the median
//! of five passes reading a 512 MiB buffer of `u64`) and reports the ratio of the revaluation's time to the time
//! the bytes it reads would take at that bandwidth (the target is at most 1.5).

#![allow(clippy::unwrap_used, missing_docs)] // a benchmark binary: a failure is the benchmark failing

use cascade_core::account::{Portfolio, Position};
use cascade_core::instrument::Valuation;
use cascade_core::margin::{MarginRates, MarginSchedule, health};
use cascade_core::rng::stream;
use cascade_core::{Decimal, InstrumentId, UnderlyingId};
use rand::RngExt;
use rust_decimal::dec;
use std::hint::black_box;
use std::time::Instant;

const ACCOUNTS: usize = 1_000_000;
const INSTRUMENTS: u16 = 3;
const PASSES: usize = 5;

fn main() {
    let mut rng = stream(3, 0, 0);
    let marks = [dec!(30000), dec!(2000), dec!(150)];
    let accounts: Vec<Portfolio> = (0..ACCOUNTS)
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
    // Bytes a revaluation reads: each portfolio and its positions (inline for one, on the heap for more).
    let bytes: usize = accounts
        .iter()
        .map(|a| {
            std::mem::size_of::<Portfolio>()
                + if a.positions.spilled() { a.positions.len() * size_of::<Position>() } else { 0 }
        })
        .sum();

    let bandwidth = bandwidth();
    // The policy moves maintenance to 3% (initial 6%) and the marks fall 10%: every account is revalued.
    let schedule = MarginSchedule::flat(MarginRates { initial: dec!(0.06), maintenance: dec!(0.03) });
    let stressed: Vec<Decimal> = marks.iter().map(|m| m * dec!(0.9)).collect();
    let value = |i: InstrumentId| Valuation::linear(UnderlyingId(i.0), stressed[usize::from(i.0)]);
    let mut times = Vec::new();
    let mut below = 0;
    for _ in 0..PASSES {
        let started = Instant::now();
        below = accounts
            .iter()
            .filter(|a| {
                health(black_box(a), value, |p: &Position, mark| schedule.requirement(p.quantity, mark))
                    .unwrap()
                    .is_liquidatable()
            })
            .count();
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let revaluation = times[PASSES / 2];
    let bound = bytes as f64 / bandwidth;
    println!("accounts            {ACCOUNTS} ({below} below maintenance after the change)");
    println!(
        "bytes read          {:.1} MiB ({:.0} an account)",
        bytes as f64 / f64::from(1 << 20),
        bytes as f64 / ACCOUNTS as f64
    );
    println!("memory bandwidth    {:.2} GB/s (read, median of {PASSES})", bandwidth / 1e9);
    println!("bandwidth bound     {:.2} ms", bound * 1e3);
    println!(
        "revaluation         {:.2} ms (median of {PASSES}; {:.0} ns an account)",
        revaluation * 1e3,
        revaluation * 1e9 / ACCOUNTS as f64
    );
    println!("ratio               {:.1}x the bound (target: at most 1.5x)", revaluation / bound);
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
