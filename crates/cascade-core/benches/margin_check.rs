//! Cost of one tick's margin check, by scanning every account or through the index of liquidation prices, as the
//! number of accounts grows: `cargo bench -p cascade-core --bench margin_check`.
//!
//! Each account holds one position (long or short, 2x to 45x, so some are near their trigger). Per tick the mark
//! moves by a small random step, the maintenance fraction moves as an adaptive policy's does (between 1.5% and
//! 3%), and 100 accounts change (a trade, a fee); the index (rate-free triggers, queried at the mark scaled by the
//! fraction in force) re-prices those 100 and returns the candidates near or past their trigger, which the exact
//! health check confirms: no rebuild when the fraction moves. Both ways must find the same accounts (checked every
//! tick), and the accounts found are closed, as the liquidation engine would. The scan's cost per tick grows with
//! the accounts; the index's with the touched accounts and the accounts that actually crossed their trigger.

#![allow(clippy::unwrap_used, missing_docs)] // a benchmark binary: a failure is the benchmark failing

use cascade_core::account::{Portfolio, Position};
use cascade_core::instrument::Valuation;
use cascade_core::margin::{MarginRates, MarginSchedule, Requirement, health};
use cascade_core::money::MoneyError;
use cascade_core::rng::{standard_normal, stream};
use cascade_core::trigger_index::{Refresh, TriggerIndex};
use cascade_core::{AgentId, Decimal, InstrumentId, UnderlyingId};
use rand::RngExt;
use rust_decimal::dec;
use std::time::Instant;

const M: InstrumentId = InstrumentId(0);
const TICKS: usize = 50;
const TOUCHED_PER_TICK: usize = 100;

fn main() {
    println!(
        "{:>10} {:>14} {:>14} {:>14} {:>10} {:>16}",
        "accounts", "scan us/tick", "index us/tick", "build ms", "speed-up", "liquidated/tick"
    );
    for n in [10_000usize, 100_000, 1_000_000] {
        let mut rng = stream(42, 1, n as u64);
        let mut accounts: Vec<Portfolio> = (0..n)
            .map(|_| {
                let leverage = Decimal::from(rng.random_range(2..=45u32));
                let collateral = dec!(1000);
                let quantity = (collateral * leverage / dec!(30000)).round_dp(3).max(dec!(0.001));
                let side = if rng.random_bool(0.5) { Decimal::ONE } else { Decimal::NEGATIVE_ONE };
                let mut p = Portfolio::with_collateral(collateral);
                p.apply_fill(M, side * quantity, dec!(30000)).unwrap();
                p
            })
            .collect();
        let mut schedule = MarginSchedule::flat(MarginRates { initial: dec!(0.04), maintenance: dec!(0.02) });
        let started = Instant::now();
        let mut index = TriggerIndex::default();
        for (i, a) in accounts.iter().enumerate() {
            let p = a.positions[0];
            index.set(
                AgentId(i as u32),
                schedule.rate_free_trigger(p.quantity, p.cost_basis, a.collateral),
                Refresh::Exact,
            );
        }
        let build = started.elapsed().as_secs_f64() * 1e3;

        let mut mark = dec!(30000);
        let (mut scan_time, mut index_time, mut found) = (0.0, 0.0, 0usize);
        let mut candidates = Vec::new();
        for _ in 0..TICKS {
            let step = Decimal::try_from(0.001 * standard_normal(&mut rng)).unwrap().round_dp(6);
            mark = (mark * (Decimal::ONE + step)).round_dp(1);
            let moved = Decimal::try_from(0.0225 + 0.0075 * (2.0 * rng.random::<f64>() - 1.0)).unwrap().round_dp(6);
            schedule.rates.maintenance = moved;
            let requirement = |p: &Position, mark: Decimal| -> Result<Requirement, MoneyError> {
                schedule.requirement(p.quantity, mark)
            };
            let touched: Vec<usize> = (0..TOUCHED_PER_TICK).map(|_| rng.random_range(0..n)).collect();
            for &i in &touched {
                accounts[i].pay(dec!(0.5)).unwrap();
            }
            let liquidatable = |a: &Portfolio| {
                health(a, |_| Valuation::linear(UnderlyingId(0), mark), requirement).unwrap().is_liquidatable()
            };

            let started = Instant::now();
            let scanned: Vec<usize> = (0..n).filter(|&i| liquidatable(&accounts[i])).collect();
            scan_time += started.elapsed().as_secs_f64();

            let started = Instant::now();
            for &i in &touched {
                let a = &accounts[i];
                let p = a.positions[0];
                index.set(
                    AgentId(i as u32),
                    schedule.rate_free_trigger(p.quantity, p.cost_basis, a.collateral),
                    Refresh::Exact,
                );
            }
            candidates.clear();
            index.candidates(schedule.index_marks(mark), &mut candidates);
            let mut indexed: Vec<usize> =
                candidates.iter().map(|a| a.0 as usize).filter(|&i| liquidatable(&accounts[i])).collect();
            index_time += started.elapsed().as_secs_f64();

            indexed.sort_unstable();
            assert_eq!(indexed, scanned, "the index and the scan disagree at mark {mark}");
            found += scanned.len();
            // The liquidation engine closes them: flat accounts leave the index.
            for &i in &scanned {
                let q = accounts[i].positions[0].quantity;
                accounts[i].apply_fill(M, -q, mark).unwrap();
                index.set(AgentId(i as u32), cascade_core::margin::Trigger::Never, Refresh::Exact);
            }
        }
        let per_tick = |t: f64| t * 1e6 / TICKS as f64;
        println!(
            "{n:>10} {:>14.1} {:>14.1} {build:>14.1} {:>9.0}x {:>16}",
            per_tick(scan_time),
            per_tick(index_time),
            scan_time / index_time,
            found / TICKS
        );
    }
}
