//! Procyclicality of a margin requirement, as regulators measure it (CPMI-IOSCO, *Principles for financial market
//! infrastructures* 6.e; Murphy, Vasios and Vause, "An investigation into the procyclicality of risk-based initial
//! margin models", Bank of England Financial Stability Paper 29, 2014): over a run, the requirement of one fixed
//! reference position is followed, and its peak-to-trough ratio and its largest increase within a window are kept,
//! beside its mean.
//!
//! Streaming: each observation costs `O(1)` amortized, and memory grows only with the observations inside one
//! window (a monotone deque of window minima).

use std::collections::VecDeque;

/// The running measures of one requirement series (quote, the requirement of the reference position at each
/// observation).
#[derive(Debug, Clone)]
pub struct Procyclicality {
    window_seconds: f64,
    /// Observations of the current window that can still be its minimum: times increasing, values increasing.
    minima: VecDeque<(f64, f64)>,
    count: u64,
    sum: f64,
    peak: f64,
    trough: f64,
    max_increase: f64,
}

/// The measures of a finished series.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ProcyclicalityMeasures {
    /// Mean requirement over the observations, quote.
    pub requirement_mean: f64,
    /// Largest requirement over its smallest (1 when constant; `None` without observations or with a requirement
    /// of zero).
    pub peak_to_trough: Option<f64>,
    /// Largest rise within the window, as a fraction of the window's lowest requirement: the most, over every
    /// observation `t`, of `r_t / min { r_s : t - window <= s <= t } - 1` (0 when the requirement never rises;
    /// 0.5 is a rise of 50%). `None` with a requirement of zero.
    pub max_increase: Option<f64>,
    /// The window, hours of simulated time.
    pub window_hours: f64,
}

impl Procyclicality {
    /// Nothing observed yet; increases are measured within `window_hours` of simulated time.
    pub fn new(window_hours: f64) -> Self {
        Self {
            window_seconds: window_hours * 3600.0,
            minima: VecDeque::new(),
            count: 0,
            sum: 0.0,
            peak: f64::NEG_INFINITY,
            trough: f64::INFINITY,
            max_increase: 0.0,
        }
    }

    /// Observes the requirement `requirement` (quote) at `time_seconds` (non-decreasing from one call to the next).
    /// Non-finite values are ignored.
    pub fn push(&mut self, time_seconds: f64, requirement: f64) {
        if !requirement.is_finite() || !time_seconds.is_finite() {
            return;
        }
        self.count += 1;
        self.sum += requirement;
        self.peak = self.peak.max(requirement);
        self.trough = self.trough.min(requirement);
        while self.minima.back().is_some_and(|&(_, r)| r >= requirement) {
            self.minima.pop_back();
        }
        self.minima.push_back((time_seconds, requirement));
        while self.minima.front().is_some_and(|&(t, _)| t < time_seconds - self.window_seconds) {
            self.minima.pop_front();
        }
        if let Some(&(_, low)) = self.minima.front()
            && low > 0.0
        {
            self.max_increase = self.max_increase.max(requirement / low - 1.0);
        }
    }

    /// The measures so far.
    pub fn measures(&self) -> ProcyclicalityMeasures {
        let positive = self.count > 0 && self.trough > 0.0;
        ProcyclicalityMeasures {
            requirement_mean: if self.count == 0 { 0.0 } else { self.sum / self.count as f64 },
            peak_to_trough: positive.then(|| self.peak / self.trough),
            max_increase: positive.then_some(self.max_increase),
            window_hours: self.window_seconds / 3600.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A series worked by hand: hourly observations 100, 80, 120, 90, 150 with a two-hour window.
    #[test]
    fn measures_a_series_worked_by_hand() {
        let mut p = Procyclicality::new(2.0);
        for (hour, r) in [100.0, 80.0, 120.0, 90.0, 150.0].into_iter().enumerate() {
            p.push(hour as f64 * 3600.0, r);
        }
        let m = p.measures();
        assert_eq!(m.requirement_mean, 108.0);
        // Peak 150 over trough 80.
        assert_eq!(m.peak_to_trough, Some(1.875));
        // Windows of two hours: 120 / 80 = 1.5 at hour 2; at hour 4 the window (hours 2..4) has minimum 90, so
        // 150 / 90 = 1.667 (80 at hour 1 has left it): the largest is 150 / 90 - 1.
        assert!((m.max_increase.unwrap() - (150.0 / 90.0 - 1.0)).abs() < 1e-12);
        // A window of three hours still holds 80: 150 / 80 - 1.
        let mut wide = Procyclicality::new(3.0);
        for (hour, r) in [100.0, 80.0, 120.0, 90.0, 150.0].into_iter().enumerate() {
            wide.push(hour as f64 * 3600.0, r);
        }
        assert_eq!(wide.measures().max_increase, Some(0.875));
    }

    #[test]
    fn a_falling_or_constant_requirement_never_increases() {
        let mut p = Procyclicality::new(1.0);
        for (t, r) in [(0.0, 50.0), (60.0, 50.0), (120.0, 40.0), (180.0, f64::NAN)] {
            p.push(t, r);
        }
        let m = p.measures();
        assert_eq!(m.max_increase, Some(0.0));
        assert_eq!(m.peak_to_trough, Some(1.25));
        assert_eq!(Procyclicality::new(1.0).measures().peak_to_trough, None);
    }
}
