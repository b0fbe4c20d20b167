//! Backtesting a margin (or VaR) level by its exceptions: Kupiec's proportion-of-failures test and the Basel
//! traffic light (are there as many exceptions as the confidence promises?), and Christoffersen's independence and
//! conditional-coverage tests (do the exceptions cluster, as they do when a margin reacts too slowly?).
//!
//! Christoffersen (1998), "Evaluating interval forecasts", International Economic Review 39(4): with `n_ij` the
//! number of observations in state `j` after one in state `i` (0: no exception, 1: exception), `pi_i = n_i1 /
//! (n_i0 + n_i1)` and `pi = (n_01 + n_11) / n`,
//! `LR_ind = -2 ln[(1-pi)^(n_00+n_10) pi^(n_01+n_11) / ((1-pi_0)^n_00 pi_0^n_01 (1-pi_1)^n_10 pi_1^n_11)]`,
//! chi-square(1), and `LR_cc = -2 ln[(1-p)^(n_00+n_10) p^(n_01+n_11) / (same denominator)]`, chi-square(2), which
//! is Kupiec's LR on the same transitions plus `LR_ind`.

/// Kupiec's proportion-of-failures likelihood ratio for `exceptions` out of `observations` at an expected exception
/// rate `p` (1 - confidence): `-2 ln[(1-p)^(T-x) p^x / ((1-x/T)^(T-x) (x/T)^x)]`, chi-square(1) under the null.
pub fn kupiec_lr(exceptions: u64, observations: u64, p: f64) -> f64 {
    let (x, t) = (exceptions as f64, observations as f64);
    // x ln(y) with 0 ln 0 = 0.
    let xlog = |x: f64, y: f64| if x == 0.0 { 0.0 } else { x * libm::log(y) };
    let null = xlog(t - x, 1.0 - p) + xlog(x, p);
    let observed = xlog(t - x, 1.0 - x / t) + xlog(x, x / t);
    -2.0 * (null - observed)
}

/// The 5% critical value of chi-square with one degree of freedom: reject the model when Kupiec's LR exceeds it.
pub const KUPIEC_CRITICAL_95: f64 = 3.841_458_820_694_124;

/// The Basel traffic-light zone of a VaR model (BCBS 1996).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Zone {
    /// The binomial probability of at most this many exceptions is below 95%.
    Green,
    /// From 95% up to 99.99%.
    Yellow,
    /// From 99.99%.
    Red,
}

impl std::fmt::Display for Zone {
    /// The zone's name in lower case, as `summary.json` writes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Zone::Green => "green",
            Zone::Yellow => "yellow",
            Zone::Red => "red",
        })
    }
}

/// The zone of `exceptions` out of `observations` at exception rate `p`: by the Binomial(T, p) probability of at most
/// that many exceptions, green below 95%, red from 99.99%, as the Basel framework cuts its zones (0-4 green, 5-9
/// yellow, 10 or more red for 250 observations at 1%).
pub fn traffic_light(exceptions: u64, observations: u64, p: f64) -> Zone {
    let below = binomial_cdf(exceptions, observations, p);
    // With few observations even zero exceptions can reach 95%; no exception is never evidence against a model.
    if exceptions == 0 || below < 0.95 {
        Zone::Green
    } else if below < 0.9999 {
        Zone::Yellow
    } else {
        Zone::Red
    }
}

/// How a margin level held up against realised moves: exceptions are the observations where the loss of a unit
/// long (price fell) or a unit short (price rose) over the horizon exceeded the margin fraction set at its start.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Backtest {
    /// Horizon in observations.
    pub horizon: usize,
    /// The exception rate the margin is meant to have (1 - confidence).
    pub expected_rate: f64,
    /// Observations per side.
    pub observations: u64,
    /// Exceptions of the long side.
    pub long_exceptions: u64,
    /// Exceptions of the short side.
    pub short_exceptions: u64,
    /// Kupiec's LR of the worse side.
    pub kupiec_lr: f64,
    /// Whether Kupiec's test rejects the margin at 5% (worse side).
    pub kupiec_rejects: bool,
    /// Basel traffic-light zone of the worse side.
    pub zone: Zone,
    /// Christoffersen's tests of the worse side: do its exceptions cluster? (`None` with fewer than two windows.)
    pub clustering: Option<Clustering>,
}

/// Backtests margin fractions `margins[t]` against `prices[t]` over `horizon` observations, at the expected
/// exception rate `expected_rate`. `None` with fewer than `horizon + 1` prices.
///
/// The windows do not overlap (`t = 0, h, 2h, ...`): each observation is a move over its own `horizon`
/// observations, so the exceptions are independent trials, as Kupiec's test and the Basel zones assume (with
/// overlapping windows one gap would count up to `horizon` times). With `horizon` 1 every move is a window.
pub fn backtest(prices: &[f64], margins: &[f64], horizon: usize, expected_rate: f64) -> Option<Backtest> {
    if horizon == 0 || prices.len() <= horizon || margins.len() < prices.len() - horizon {
        return None;
    }
    let mut counter = ExceptionCounter::new(horizon);
    for (t, price) in prices.iter().enumerate() {
        // The margins of the last `horizon` prices start no window, so they may be missing.
        counter.push(*price, margins.get(t).copied().unwrap_or(f64::NAN));
    }
    counter.result(expected_rate)
}

/// [`backtest`] computed as the prices arrive, keeping only the start of the current window: the same counts and
/// verdict as the batch function over the same series.
#[derive(Debug, Clone, PartialEq)]
pub struct ExceptionCounter {
    horizon: usize,
    /// The `(price, margin)` at the start of the current window, and how many prices have arrived since.
    start: Option<((f64, f64), usize)>,
    pushed: u64,
    long: u64,
    short: u64,
    observations: u64,
    long_transitions: Transitions,
    short_transitions: Transitions,
}

impl ExceptionCounter {
    /// A counter of exceptions over windows of `horizon` observations (at least 1).
    pub fn new(horizon: usize) -> Self {
        let horizon = horizon.max(1);
        Self {
            horizon,
            start: None,
            pushed: 0,
            long: 0,
            short: 0,
            observations: 0,
            long_transitions: Transitions::default(),
            short_transitions: Transitions::default(),
        }
    }

    /// The next price and the margin fraction in force at it (the margin of a window that starts there).
    pub fn push(&mut self, price: f64, margin: f64) {
        self.pushed += 1;
        let Some(((start, start_margin), since)) = self.start.as_mut() else {
            self.start = Some(((price, margin), 0));
            return;
        };
        *since += 1;
        if *since < self.horizon {
            return;
        }
        let change = price / *start - 1.0;
        if change.is_finite() {
            let (long, short) = (-change > *start_margin, change > *start_margin);
            self.observations += 1;
            self.long += u64::from(long);
            self.short += u64::from(short);
            self.long_transitions.push(long);
            self.short_transitions.push(short);
        }
        self.start = Some(((price, margin), 0));
    }

    /// The backtest so far at `expected_rate`; `None` until more than `horizon` prices have arrived.
    pub fn result(&self, expected_rate: f64) -> Option<Backtest> {
        if self.pushed <= self.horizon as u64 {
            return None;
        }
        let (n, worse) = (self.observations, self.long.max(self.short));
        let kupiec_lr = kupiec_lr(worse, n, expected_rate);
        Some(Backtest {
            horizon: self.horizon,
            expected_rate,
            observations: n,
            long_exceptions: self.long,
            short_exceptions: self.short,
            kupiec_lr,
            kupiec_rejects: kupiec_lr > KUPIEC_CRITICAL_95,
            zone: traffic_light(worse, n, expected_rate),
            clustering: self.clustering(expected_rate),
        })
    }
}

impl ExceptionCounter {
    /// Christoffersen's tests of the worse side (the one with more exceptions; the long side on a tie) at
    /// `expected_rate`; `None` until two windows have been observed.
    pub fn clustering(&self, expected_rate: f64) -> Option<Clustering> {
        let worse = if self.short > self.long { &self.short_transitions } else { &self.long_transitions };
        christoffersen(worse.counts, expected_rate)
    }
}

/// Counts of consecutive exception states, `counts[i][j]`: observations in state `j` after one in state `i`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Transitions {
    counts: [[u64; 2]; 2],
    last: Option<usize>,
}

impl Transitions {
    fn push(&mut self, exception: bool) {
        let state = usize::from(exception);
        if let Some(last) = self.last {
            self.counts[last][state] += 1;
        }
        self.last = Some(state);
    }
}

/// Whether a margin's exceptions cluster: Christoffersen's tests (module documentation).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Clustering {
    /// Transitions `[[n_00, n_01], [n_10, n_11]]` between consecutive observations (0: no exception).
    pub transitions: [[u64; 2]; 2],
    /// The exception rate after an observation without one, `pi_0`.
    pub rate_after_calm: f64,
    /// The exception rate right after an exception, `pi_1` (well above `pi_0` when exceptions cluster).
    pub rate_after_exception: f64,
    /// `LR_ind`, chi-square(1) under independence.
    pub independence_lr: f64,
    /// Whether independence is rejected at 5%.
    pub independence_rejects: bool,
    /// `LR_cc`, chi-square(2) under correct and independent exceptions.
    pub conditional_coverage_lr: f64,
    /// Whether conditional coverage is rejected at 5%.
    pub conditional_coverage_rejects: bool,
}

/// The 5% critical value of chi-square with two degrees of freedom (Christoffersen's conditional coverage).
pub const CHI2_2_CRITICAL_95: f64 = 5.991_464_547_107_979;

/// Christoffersen's tests from the transition counts `[[n_00, n_01], [n_10, n_11]]` at the expected exception
/// rate `p`; `None` without a transition.
pub fn christoffersen(transitions: [[u64; 2]; 2], p: f64) -> Option<Clustering> {
    let [[n00, n01], [n10, n11]] = transitions.map(|row| row.map(|n| n as f64));
    let n = n00 + n01 + n10 + n11;
    if n == 0.0 {
        return None;
    }
    let rate = |hits: f64, total: f64| if total > 0.0 { hits / total } else { 0.0 };
    let (pi0, pi1, pi) = (rate(n01, n00 + n01), rate(n11, n10 + n11), (n01 + n11) / n);
    let xlog = |x: f64, y: f64| if x == 0.0 { 0.0 } else { x * libm::log(y) };
    let alternative = xlog(n00, 1.0 - pi0) + xlog(n01, pi0) + xlog(n10, 1.0 - pi1) + xlog(n11, pi1);
    let independent = xlog(n00 + n10, 1.0 - pi) + xlog(n01 + n11, pi);
    let expected = xlog(n00 + n10, 1.0 - p) + xlog(n01 + n11, p);
    // Both are non-negative; rounding can leave a -0.0 or a -1e-15 where they vanish.
    let clean = |lr: f64| if lr <= 0.0 { 0.0 } else { lr };
    let independence_lr = clean(-2.0 * (independent - alternative));
    let conditional_coverage_lr = clean(-2.0 * (expected - alternative));
    Some(Clustering {
        transitions,
        rate_after_calm: pi0,
        rate_after_exception: pi1,
        independence_lr,
        independence_rejects: independence_lr > KUPIEC_CRITICAL_95,
        conditional_coverage_lr,
        conditional_coverage_rejects: conditional_coverage_lr > CHI2_2_CRITICAL_95,
    })
}

/// `P(X <= k)` for `X ~ Binomial(n, p)`.
pub fn binomial_cdf(k: u64, n: u64, p: f64) -> f64 {
    let ln_choose = |n: u64, i: u64| {
        libm::lgamma(n as f64 + 1.0) - libm::lgamma(i as f64 + 1.0) - libm::lgamma((n - i) as f64 + 1.0)
    };
    (0..=k.min(n))
        .map(|i| libm::exp(ln_choose(n, i) + i as f64 * libm::log(p) + (n - i) as f64 * libm::log1p(-p)))
        .sum::<f64>()
        .min(1.0)
}

#[cfg(test)]
mod tests;
