//! The exogenous reference price: the wider market the venue trades against.
//!
//! Geometric Brownian motion (or a volatility model: GARCH, regimes, the herding of fundamentalists and chartists)
//! with Merton-style log-normal jumps, stepped once per tick, plus two terms the
//! simulation supplies: an instantaneous log-return (a scripted price gap, or the price impact of the venue's own
//! net order flow) and a volatility multiplier (a volatility shock). All in `f64`; prices become money
//! only at [`crate::money::from_f64`].

use crate::herding::{Herding, HerdingParams};
use crate::rng::{poisson, standard_normal};
use rand::{Rng, RngExt};

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

/// How the volatility of the diffusion evolves.
#[derive(Debug, Clone, PartialEq)]
pub enum VolatilityModel {
    /// Constant: the parameters' `volatility`.
    Constant,
    /// GARCH(1,1) on per-tick log-returns: `v(t) = omega + alpha r(t-1)^2 + beta v(t-1)`, with `omega` chosen so
    /// that the long-run variance is the parameters' volatility over a tick.
    Garch {
        /// Reaction to the last squared return.
        alpha: f64,
        /// Persistence.
        beta: f64,
    },
    /// Markov regimes: `(volatility multiplier, probability of leaving per tick)`; on leaving, the next regime is
    /// drawn uniformly from the others.
    Regimes(Vec<(f64, f64)>),
    /// Fundamentalists and chartists switching by herding ([`crate::herding`]): the model's moves, scaled so that
    /// their long-run standard deviation is the parameters' volatility over a tick.
    Herding(HerdingParams),
}

/// The state of the reference process.
#[derive(Debug, Clone)]
pub struct ReferenceProcess {
    params: ReferenceParams,
    /// Length of a tick in years.
    dt: f64,
    log_price: f64,
    state: State,
}

#[derive(Debug, Clone)]
enum State {
    Constant,
    Garch {
        omega: f64,
        alpha: f64,
        beta: f64,
        variance: f64,
        last_return: f64,
    },
    Regimes {
        regimes: Vec<(f64, f64)>,
        current: usize,
    },
    Herding {
        model: Herding,
        /// Log return per unit of the model's log price.
        scale: f64,
    },
    /// Log prices per tick of a replayed series, and the accumulated extra log-returns (gaps, impact).
    Replay {
        log_prices: Vec<f64>,
        tick: usize,
        offset: f64,
    },
}

impl ReferenceProcess {
    /// Starts a diffusion at `price` with ticks of `tick_seconds`.
    pub fn new(price: f64, tick_seconds: f64, params: ReferenceParams, volatility: VolatilityModel) -> Self {
        let dt = tick_seconds / SECONDS_PER_YEAR;
        let state = match volatility {
            VolatilityModel::Constant => State::Constant,
            VolatilityModel::Garch { alpha, beta } => {
                let long_run = params.volatility * params.volatility * dt;
                State::Garch {
                    omega: long_run * (1.0 - alpha - beta),
                    alpha,
                    beta,
                    variance: long_run,
                    last_return: 0.0,
                }
            }
            VolatilityModel::Regimes(regimes) => State::Regimes { regimes, current: 0 },
            VolatilityModel::Herding(herding) => State::Herding {
                model: Herding::new(herding),
                scale: Herding::scale_to(herding, params.volatility * dt.sqrt()),
            },
        };
        Self { params, dt, log_price: libm::log(price), state }
    }

    /// Replays `prices` (one per tick, from tick 0); after the last, the last price holds.
    pub fn replay(prices: &[f64], tick_seconds: f64, params: ReferenceParams) -> Self {
        let log_prices: Vec<f64> = prices.iter().map(|p| libm::log(*p)).collect();
        let log_price = log_prices.first().copied().unwrap_or(0.0);
        Self {
            params,
            dt: tick_seconds / SECONDS_PER_YEAR,
            log_price,
            state: State::Replay { log_prices, tick: 0, offset: 0.0 },
        }
    }

    /// The current price.
    pub fn price(&self) -> f64 {
        libm::exp(self.log_price)
    }

    /// The current volatility of the diffusion per tick (before any spike multiplier); 0 for a replay.
    pub fn volatility_per_tick(&self) -> f64 {
        match &self.state {
            State::Constant => self.params.volatility * self.dt.sqrt(),
            State::Garch { variance, .. } => variance.sqrt(),
            State::Regimes { regimes, current } => self.params.volatility * regimes[*current].0 * self.dt.sqrt(),
            State::Herding { model, scale } => model.noise_scale() * scale,
            State::Replay { .. } => 0.0,
        }
    }

    /// A unit-variance shock of the kind this process's diffusion takes: Student's t for a herding model with heavy
    /// tails, standard normal otherwise. A caller that correlates markets draws these and mixes them.
    pub fn unit_shock(&self, rng: &mut impl Rng) -> f64 {
        match &self.state {
            State::Herding { model, .. } => model.shock(rng),
            _ => standard_normal(rng),
        }
    }

    /// The herding model's share of fundamentalists, in (0, 1); `None` for other models.
    pub fn fundamentalists(&self) -> Option<f64> {
        match &self.state {
            State::Herding { model, .. } => Some(model.fundamentalists()),
            _ => None,
        }
    }

    /// Makes a herding model's population follow another market's herd: its share of fundamentalists becomes
    /// `share` before the next step (markets that move together share one sentiment). No effect on other models.
    pub fn follow_herd(&mut self, share: f64) {
        if let State::Herding { model, .. } = &mut self.state {
            model.set_fundamentalists(share);
        }
    }

    /// Advances one tick. `volatility_multiplier` scales the diffusion (1.0 normally); `extra_log_return` is added
    /// as is (gaps, price impact); `diffusion` is the unit-variance shock of the diffusion when the caller
    /// correlates it with other markets (otherwise it is drawn from `rng`). Returns the new price.
    pub fn step(
        &mut self,
        rng: &mut impl Rng,
        volatility_multiplier: f64,
        extra_log_return: f64,
        diffusion: Option<f64>,
    ) -> f64 {
        let extra = if extra_log_return.is_finite() { extra_log_return } else { 0.0 };
        if let State::Replay { log_prices, tick, offset } = &mut self.state {
            *tick += 1;
            *offset += extra;
            let base = log_prices.get(*tick).or(log_prices.last()).copied().unwrap_or(self.log_price);
            self.log_price = base + *offset;
            return self.price();
        }
        if let State::Regimes { regimes, current } = &mut self.state {
            let leave: f64 = rng.random();
            if regimes.len() > 1 && leave < regimes[*current].1 {
                let others = regimes.len() - 1;
                let pick = rng.random_range(0..others);
                *current = if pick >= *current { pick + 1 } else { pick };
            }
        }
        let p = self.params;
        let mut r = if let State::Herding { model, scale } = &mut self.state {
            let shock = diffusion.unwrap_or_else(|| model.shock(rng));
            p.drift * self.dt + model.step(shock) * *scale * volatility_multiplier
        } else {
            let sigma = self.volatility_per_tick() * volatility_multiplier;
            let z = diffusion.unwrap_or_else(|| standard_normal(rng));
            p.drift * self.dt - 0.5 * sigma * sigma + sigma * z
        };
        for _ in 0..poisson(rng, p.jump_intensity * self.dt) {
            r += p.jump_mean + p.jump_stdev * standard_normal(rng);
        }
        let total = r + extra;
        if total.is_finite() {
            self.log_price += total;
        }
        if let State::Garch { omega, alpha, beta, variance, last_return } = &mut self.state {
            *last_return = total;
            *variance = *omega + *alpha * *last_return * *last_return + *beta * *variance;
        }
        self.price()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::herding::HerdingParams;
    use crate::rng::stream;

    #[test]
    fn realized_volatility_matches_the_parameter() {
        // 60% annual vol on one-minute ticks over 200,000 ticks: the sample stdev of log-returns should be
        // 0.6 * sqrt(60 / 31,536,000) = 0.000827 within 1%.
        let params =
            ReferenceParams { drift: 0.0, volatility: 0.6, jump_intensity: 0.0, jump_mean: 0.0, jump_stdev: 0.0 };
        let mut p = ReferenceProcess::new(100.0, 60.0, params, VolatilityModel::Constant);
        let mut rng = stream(7, 0, 0);
        let mut prev = p.price();
        let returns: Vec<f64> = (0..200_000)
            .map(|_| {
                let next = p.step(&mut rng, 1.0, 0.0, None);
                let r = libm::log(next / prev);
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
        let mut p = ReferenceProcess::new(100.0, 60.0, params, VolatilityModel::Constant);
        let price = p.step(&mut stream(1, 0, 0), 1.0, libm::log(0.9), None);
        assert!((price - 90.0).abs() < 1e-9);
    }

    fn log_returns(p: &mut ReferenceProcess, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = stream(seed, 0, 0);
        let mut prev = p.price();
        (0..n)
            .map(|_| {
                let next = p.step(&mut rng, 1.0, 0.0, None);
                let r = libm::log(next / prev);
                prev = next;
                r
            })
            .collect()
    }

    #[test]
    fn garch_keeps_its_long_run_volatility_and_clusters() {
        // alpha 0.1, beta 0.85: unconditional variance is the target; squared returns are autocorrelated.
        let params =
            ReferenceParams { drift: 0.0, volatility: 0.6, jump_intensity: 0.0, jump_mean: 0.0, jump_stdev: 0.0 };
        let mut p = ReferenceProcess::new(100.0, 60.0, params, VolatilityModel::Garch { alpha: 0.1, beta: 0.85 });
        let r = log_returns(&mut p, 200_000, 3);
        let target = 0.6 * (60.0 / SECONDS_PER_YEAR).sqrt();
        let sd = crate::stats::stdev(&r);
        assert!((sd / target - 1.0).abs() < 0.03, "sd {sd} target {target}");
        let sq: Vec<f64> = r.iter().map(|x| x * x).collect();
        assert!(autocorrelation(&sq, 1) > 0.05, "volatility clusters");
        assert!(autocorrelation(&r, 1).abs() < 0.02, "returns themselves are not autocorrelated");
    }

    #[test]
    fn regimes_switch_and_mix_their_volatilities() {
        // Equal mean stays in a calm (x1) and a stressed (x3) regime: variance is the average of 1 and 9.
        let params =
            ReferenceParams { drift: 0.0, volatility: 0.6, jump_intensity: 0.0, jump_mean: 0.0, jump_stdev: 0.0 };
        let regimes = VolatilityModel::Regimes(vec![(1.0, 0.01), (3.0, 0.01)]);
        let mut p = ReferenceProcess::new(100.0, 60.0, params, regimes);
        let r = log_returns(&mut p, 200_000, 4);
        let calm = 0.6 * (60.0 / SECONDS_PER_YEAR).sqrt();
        let ratio = crate::stats::stdev(&r) / (calm * 5.0f64.sqrt());
        assert!((ratio - 1.0).abs() < 0.05, "ratio {ratio}");
    }

    #[test]
    fn replay_follows_the_series_and_carries_gaps() {
        let params =
            ReferenceParams { drift: 0.0, volatility: 0.6, jump_intensity: 0.0, jump_mean: 0.0, jump_stdev: 0.0 };
        let mut p = ReferenceProcess::replay(&[100.0, 110.0, 120.0], 60.0, params);
        let mut rng = stream(1, 0, 0);
        assert!((p.step(&mut rng, 1.0, 0.0, None) - 110.0).abs() < 1e-9);
        assert!(
            (p.step(&mut rng, 5.0, libm::log(0.5), None) - 60.0).abs() < 1e-9,
            "a gap halves the path from here on"
        );
        assert!((p.step(&mut rng, 1.0, 0.0, None) - 60.0).abs() < 1e-9, "the last price holds, still halved");
    }

    /// Two herding markets with independent shocks: their absolute returns are about uncorrelated when each has its
    /// own herd (0.04 here), and clearly correlated when the second follows the first's (0.35: one volatility regime).
    #[test]
    fn a_market_that_follows_another_s_herd_shares_its_volatility_regime() {
        let params =
            ReferenceParams { drift: 0.0, volatility: 0.6, jump_intensity: 0.0, jump_mean: 0.0, jump_stdev: 0.0 };
        // The calm scenario's fit: strong herding and noisy chartists, so that the regime matters.
        let calm = HerdingParams {
            chi: 1.0,
            sigma_f: 0.5,
            sigma_c: 4.0,
            alpha_n: 2.4,
            alpha_p: 4.0,
            tail_dof: Some(8.0),
            ..HerdingParams::FRANKE_WESTERHOFF
        };
        let herding = VolatilityModel::Herding(calm);
        let abs_correlation = |follow: bool| {
            let mut a = ReferenceProcess::new(100.0, 60.0, params, herding.clone());
            let mut b = ReferenceProcess::new(100.0, 60.0, params, herding.clone());
            let (mut ra, mut rb) = (stream(5, 0, 0), stream(6, 0, 0));
            let (mut xa, mut xb) = (Vec::new(), Vec::new());
            for _ in 0..50_000 {
                if follow {
                    b.follow_herd(a.fundamentalists().unwrap());
                }
                let (pa, pb) = (a.price(), b.price());
                xa.push(libm::fabs(libm::log(a.step(&mut ra, 1.0, 0.0, None) / pa)));
                xb.push(libm::fabs(libm::log(b.step(&mut rb, 1.0, 0.0, None) / pb)));
            }
            crate::facts::correlation(&xa, &xb)
        };
        let (own, one) = (abs_correlation(false), abs_correlation(true));
        assert!(own.abs() < 0.1, "own herds: {own}");
        assert!(one > 0.25, "one herd: {one}");
        assert!(ReferenceProcess::new(100.0, 60.0, params, VolatilityModel::Constant).fundamentalists().is_none());
    }

    fn autocorrelation(x: &[f64], lag: usize) -> f64 {
        let n = x.len();
        let mean = x.iter().sum::<f64>() / n as f64;
        let var: f64 = x.iter().map(|v| (v - mean) * (v - mean)).sum();
        let cov: f64 = (0..n - lag).map(|i| (x[i] - mean) * (x[i + lag] - mean)).sum();
        cov / var
    }
}
