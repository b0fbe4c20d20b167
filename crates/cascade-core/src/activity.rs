//! Self-exciting trading activity: a Hawkes process in discrete time (Hawkes 1971; in finance, Bacry, Mastromatteo
//! and Muzy 2015, "Hawkes processes in finance"). Trades beget trades: each one raises the expected number of trades
//! in the following ticks by `branching` in all, spread with an exponential kernel of mean `decay_ticks`, so
//! activity comes in bursts while its long-run mean stays the population's base rate divided by `1 - branching`.
//!
//! In tick `t` the expected number of events is `base + excess(t)`, with
//!
//! ```text
//! excess(t + 1) = r excess(t) + branching (1 - r) events(t),    r = exp(-1 / decay_ticks)
//! ```
//!
//! (the kernel `branching (1 - r) r^(k-1)` at lag `k >= 1` sums to `branching`).

/// The state of a self-exciting event rate, events per tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SelfExciting {
    base: f64,
    branching: f64,
    retention: f64,
    excess: f64,
    /// Events noted in the current tick.
    pending: u32,
}

impl SelfExciting {
    /// A rate whose long-run mean is `mean` events per tick, with branching ratio `branching` in [0, 1) and a kernel
    /// of mean `decay_ticks` > 0; starts at its base rate.
    pub fn with_mean(mean: f64, branching: f64, decay_ticks: f64) -> Self {
        let branching = branching.clamp(0.0, 0.999);
        let retention = if decay_ticks > 0.0 { libm::exp(-1.0 / decay_ticks) } else { 0.0 };
        Self { base: mean * (1.0 - branching), branching, retention, excess: 0.0, pending: 0 }
    }

    /// The expected number of events this tick (events noted in it excite only the next ticks).
    pub fn rate(&self) -> f64 {
        self.base + self.excess
    }

    /// Notes one event of the current tick.
    pub fn note(&mut self) {
        self.pending = self.pending.saturating_add(1);
    }

    /// Ends the tick: the excitation its noted events add to the next ticks.
    pub fn end_tick(&mut self) {
        let events = f64::from(std::mem::take(&mut self.pending));
        let next = self.retention * self.excess + self.branching * (1.0 - self.retention) * events;
        if next.is_finite() {
            self.excess = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{poisson, stream};

    fn simulate(rate: &mut SelfExciting, ticks: usize, seed: u64) -> Vec<u32> {
        let mut rng = stream(seed, 0, 0);
        (0..ticks)
            .map(|_| {
                let n = poisson(&mut rng, rate.rate());
                (0..n).for_each(|_| rate.note());
                rate.end_tick();
                n
            })
            .collect()
    }

    #[test]
    fn one_event_excites_the_next_ticks_by_the_branching_ratio_in_all() {
        // Worked by hand: base 0.5 x (1 - 0.6) = 0.2; one event with r = e^-1/2 adds 0.6 (1 - r) = 0.2361 next tick,
        // then r times that each tick, 0.6 in all.
        let mut rate = SelfExciting::with_mean(0.5, 0.6, 2.0);
        assert!((rate.rate() - 0.2).abs() < 1e-12);
        rate.note();
        assert!((rate.rate() - 0.2).abs() < 1e-12, "an event excites the next ticks, not its own");
        rate.end_tick();
        let r = libm::exp(-0.5);
        assert!((rate.rate() - 0.2 - 0.6 * (1.0 - r)).abs() < 1e-12);
        let mut added = rate.rate() - 0.2;
        for _ in 0..200 {
            rate.end_tick();
            added += rate.rate() - 0.2;
        }
        assert!((added - 0.6).abs() < 1e-9, "{added}");
    }

    /// Mean and Fano factor (variance over mean) of the counts summed over windows of `window` ticks.
    fn windows(counts: &[u32], window: usize) -> (f64, f64) {
        let sums: Vec<f64> = counts.chunks(window).map(|c| c.iter().map(|&n| f64::from(n)).sum()).collect();
        let m = sums.iter().sum::<f64>() / sums.len() as f64;
        let var = sums.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / sums.len() as f64;
        (m, var / m)
    }

    #[test]
    fn the_long_run_mean_holds_and_the_counts_cluster() {
        // Branching 0.7 over 20 ticks: over windows much longer than the excitation lasts the counts' Fano factor
        // tends to 1 / (1 - 0.7)^2 = 11.1 (a Poisson count's is 1); the mean stays 2 a tick.
        let (mean, branching) = (2.0, 0.7);
        let excited = simulate(&mut SelfExciting::with_mean(mean, branching, 20.0), 400_000, 4);
        let plain = simulate(&mut SelfExciting::with_mean(mean, 0.0, 20.0), 400_000, 4);
        let (m, fano) = windows(&excited, 500);
        assert!((m / (500.0 * mean) - 1.0).abs() < 0.03, "mean {m} a window");
        assert!(fano > 7.0 && fano < 14.0, "Fano factor {fano}");
        let (m, fano) = windows(&plain, 500);
        assert!((m / (500.0 * mean) - 1.0).abs() < 0.01 && (fano - 1.0).abs() < 0.15, "no branching: {m}, {fano}");
    }
}
