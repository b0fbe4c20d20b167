//! The exogenous reference price: the wider market the venue trades against.
//!
//! Geometric Brownian motion with Merton-style log-normal jumps, stepped once per tick, plus two terms the
//! simulation supplies: an instantaneous log-return (a scripted price gap, or the permanent price impact of the
//! venue's own net order flow) and a volatility multiplier (a volatility shock). All in `f64`; prices become money
//! only at [`crate::money::from_f64`].

use rand::Rng;
use rand_distr::{Distribution, Normal, Poisson, StandardNormal};

/// Seconds in the year used to annualize rates (365 days).
pub const SECONDS_PER_YEAR: f64 = 365.0 * 86_400.0;

/// Parameters of the reference process, annualized.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReferenceParams {
    /// Annualized drift of the log price (e.g. 0.0).
    pub drift: f64,
    /// Annualized volatility of the diffusion (e.g. 0.6 for 60%).
    pub volatility: f64,
    /// Expected number of jumps per year.
    pub jump_intensity: f64,
    /// Mean of a jump's log-return.
    pub jump_mean: f64,
    /// Standard deviation of a jump's log-return.
    pub jump_stdev: f64,
}

/// The state of the reference process.
#[derive(Debug, Clone)]
pub struct ReferenceProcess {
    params: ReferenceParams,
    /// Length of a tick in years.
    dt: f64,
    log_price: f64,
}

impl ReferenceProcess {
    /// Starts at `price` with ticks of `tick_seconds`.
    pub fn new(price: f64, tick_seconds: f64, params: ReferenceParams) -> Self {
        Self { params, dt: tick_seconds / SECONDS_PER_YEAR, log_price: libm::log(price) }
    }

    /// The current price.
    pub fn price(&self) -> f64 {
        libm::exp(self.log_price)
    }

    /// Advances one tick. `volatility_multiplier` scales the diffusion (1.0 normally); `extra_log_return` is added
    /// as is (gaps, price impact). Returns the new price.
    pub fn step(&mut self, rng: &mut impl Rng, volatility_multiplier: f64, extra_log_return: f64) -> f64 {
        let p = self.params;
        let sigma = p.volatility * volatility_multiplier;
        let z: f64 = StandardNormal.sample(rng);
        let mut r = (p.drift - 0.5 * sigma * sigma) * self.dt + sigma * self.dt.sqrt() * z;
        let lambda = p.jump_intensity * self.dt;
        if lambda > 0.0 {
            // Jump count this tick; the parameters were validated finite and positive, so these constructors succeed.
            if let (Ok(count), Ok(size)) = (Poisson::new(lambda), Normal::new(p.jump_mean, p.jump_stdev)) {
                let jumps: f64 = count.sample(rng);
                for _ in 0..(jumps as u32) {
                    r += size.sample(rng);
                }
            }
        }
        if (r + extra_log_return).is_finite() {
            self.log_price += r + extra_log_return;
        }
        self.price()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn realized_volatility_matches_the_parameter() {
        // 60% annual vol on one-minute ticks over 200,000 ticks: the sample stdev of log-returns should be
        // 0.6 * sqrt(60 / 31,536,000) = 0.000827 within 1%.
        let params =
            ReferenceParams { drift: 0.0, volatility: 0.6, jump_intensity: 0.0, jump_mean: 0.0, jump_stdev: 0.0 };
        let mut p = ReferenceProcess::new(100.0, 60.0, params);
        let mut rng = stream(7, 0, 0);
        let mut prev = p.price();
        let returns: Vec<f64> = (0..200_000)
            .map(|_| {
                let next = p.step(&mut rng, 1.0, 0.0);
                let r = (next / prev).ln();
                prev = next;
                r
            })
            .collect();
        let sd = crate::stats::stdev(&returns);
        let expected = 0.6 * (60.0 / SECONDS_PER_YEAR).sqrt();
        assert!((sd / expected - 1.0).abs() < 0.01, "sd {sd} expected {expected}");
    }

    #[test]
    fn a_gap_moves_the_price_by_exactly_its_log_return() {
        let params =
            ReferenceParams { drift: 0.0, volatility: 0.0, jump_intensity: 0.0, jump_mean: 0.0, jump_stdev: 0.0 };
        let mut p = ReferenceProcess::new(100.0, 60.0, params);
        let price = p.step(&mut stream(1, 0, 0), 1.0, (0.9f64).ln());
        assert!((price - 90.0).abs() < 1e-9);
    }
}
