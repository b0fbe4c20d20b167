//! The wider market as fundamentalists and chartists who switch between the two by herding: the structural
//! stochastic volatility model of Franke and Westerhoff (2012, "Structural stochastic volatility in asset pricing
//! dynamics: estimation and model contest", Journal of Economic Dynamics and Control 36:1193-1211), in its
//! discrete-choice form with herding and price misalignment (their DCA-HPM).
//!
//! In the model's own units `p` is a log price and `p* = 0` the fundamental value. Each period
//!
//! ```text
//! d_f = phi (p* - p_t)                                  fundamentalists: reversion to the fundamental
//! d_c = chi (p_t - p_{t-1})                             chartists: the last move extrapolated
//! p_{t+1} = p_t + mu (n_f d_f + n_c d_c + s_t e_t)      s_t^2 = n_f^2 sigma_f^2 + n_c^2 sigma_c^2
//! a_t = alpha_0 + alpha_n (n_f - n_c) + alpha_p (p_t - p*)^2
//! n_f(t+1) = 1 / (1 + exp(-beta a_t)),  n_c = 1 - n_f
//! ```
//!
//! with `e_t` a unit-variance shock: standard normal, or (here, for heavy-tailed order flow) Student's t with
//! `tail_dof` degrees of freedom scaled to unit variance. Chartists' demand is noisier than fundamentalists'
//! (`sigma_c > sigma_f`), so volatility rises and falls with the chartists' share: volatility clusters and returns
//! have heavy tails while their linear autocorrelation stays small. Herding (`alpha_n`) makes a majority more
//! attractive; misalignment (`alpha_p`) drives traders back to fundamentals when the price strays.
//!
//! The reference process maps the model's moves onto the market's log price with one scale factor, so that the
//! scenario's `volatility` is the long-run level and the model only gives the shape ([`Herding::scale_to`]).

use crate::rng::{StreamRng, domain, standard_normal, stream};
use rand::{Rng, RngExt};

/// Parameters of the herding model, in the model's own units (log prices, one period a tick).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HerdingParams {
    /// Fundamentalists' reaction to the misalignment `p* - p`, >= 0.
    pub phi: f64,
    /// Chartists' reaction to the last price change, >= 0.
    pub chi: f64,
    /// Standard deviation of fundamentalists' demand noise, > 0.
    pub sigma_f: f64,
    /// Standard deviation of chartists' demand noise, > 0.
    pub sigma_c: f64,
    /// Predisposition towards fundamentalism (negative: towards chartism).
    pub alpha_0: f64,
    /// Herding: the pull of the majority, >= 0.
    pub alpha_n: f64,
    /// Misalignment: the pull back to fundamentals as the price strays, >= 0.
    pub alpha_p: f64,
    /// Intensity of choice, >= 0.
    pub beta: f64,
    /// Market impact of the aggregate demand, > 0.
    pub mu: f64,
    /// Degrees of freedom of the Student's t shock (> 2); `None` for a normal shock.
    pub tail_dof: Option<f64>,
}

impl HerdingParams {
    /// Franke and Westerhoff's (2012) estimates of the DCA-HPM model on daily S&P 500 returns, with a normal shock.
    pub const FRANKE_WESTERHOFF: Self = Self {
        phi: 0.18,
        chi: 2.30,
        sigma_f: 0.79,
        sigma_c: 1.91,
        alpha_0: -0.161,
        alpha_n: 1.300,
        alpha_p: 12.5,
        beta: 1.0,
        mu: 0.01,
        tail_dof: None,
    };
}

/// The model's state: the last two prices and the fundamentalists' share.
#[derive(Debug, Clone)]
pub struct Herding {
    params: HerdingParams,
    price: f64,
    previous: f64,
    fundamentalists: f64,
}

impl Herding {
    /// Starts at the fundamental value with the population evenly split.
    pub fn new(params: HerdingParams) -> Self {
        Self { params, price: 0.0, previous: 0.0, fundamentalists: 0.5 }
    }

    /// The fundamentalists' share of the population, in (0, 1).
    pub fn fundamentalists(&self) -> f64 {
        self.fundamentalists
    }

    /// Sets the fundamentalists' share (clamped to [0, 1]; a non-finite share is ignored): the population follows
    /// a herd outside this model.
    pub fn set_fundamentalists(&mut self, share: f64) {
        if share.is_finite() {
            self.fundamentalists = share.clamp(0.0, 1.0);
        }
    }

    /// The standard deviation of the next move's noise, in model units: `mu s_t`.
    pub fn noise_scale(&self) -> f64 {
        let p = &self.params;
        let (nf, nc) = (self.fundamentalists, 1.0 - self.fundamentalists);
        p.mu * libm::sqrt(nf * nf * p.sigma_f * p.sigma_f + nc * nc * p.sigma_c * p.sigma_c)
    }

    /// Advances one period with the unit-variance shock `shock`; returns the change of the model's log price.
    pub fn step(&mut self, shock: f64) -> f64 {
        let p = &self.params;
        let (nf, nc) = (self.fundamentalists, 1.0 - self.fundamentalists);
        let demand = nf * p.phi * -self.price + nc * p.chi * (self.price - self.previous);
        let change = p.mu * demand + self.noise_scale() * shock;
        let attractiveness = p.alpha_0 + p.alpha_n * (nf - nc) + p.alpha_p * self.price * self.price;
        let next_share = 1.0 / (1.0 + libm::exp(-p.beta * attractiveness));
        if change.is_finite() && next_share.is_finite() {
            self.previous = self.price;
            self.price += change;
            self.fundamentalists = next_share;
            change
        } else {
            0.0
        }
    }

    /// A unit-variance shock: standard normal, or Student's t with the model's degrees of freedom scaled by
    /// `sqrt((nu - 2) / nu)`.
    pub fn shock(&self, rng: &mut impl Rng) -> f64 {
        match self.params.tail_dof {
            None => standard_normal(rng),
            Some(nu) => student_t(rng, nu) * libm::sqrt((nu - 2.0) / nu),
        }
    }

    /// The factor that maps the model's moves to log returns of standard deviation `per_tick`: `per_tick` over the
    /// model's long-run noise scale, the root mean square of `mu s_t` over a long simulation from a fixed stream
    /// (so the factor depends on the parameters only, never on the run's seed). The noise scale is bounded by
    /// `mu sigma_f` and `mu sigma_c`, so its mean settles fast even when the shock's variance is barely finite.
    pub fn scale_to(params: HerdingParams, per_tick: f64) -> f64 {
        const PERIODS: usize = 100_000;
        let mut model = Self::new(params);
        let mut rng: StreamRng = stream(0, domain::HERDING_SCALE, 0);
        let mut sum = 0.0;
        for _ in 0..PERIODS {
            let s = model.noise_scale();
            sum += s * s;
            let shock = model.shock(&mut rng);
            model.step(shock);
        }
        let rms = libm::sqrt(sum / PERIODS as f64);
        if rms > 0.0 { per_tick / rms } else { 0.0 }
    }
}

/// A Student's t draw with `nu` > 0 degrees of freedom (Bailey's polar method, 1994, Mathematics of Computation
/// 62:779-781): with `(u, v)` uniform in the unit disc and `w = u^2 + v^2`, `u sqrt(nu (w^(-2/nu) - 1) / w)`.
pub fn student_t(rng: &mut impl Rng, nu: f64) -> f64 {
    loop {
        let u = 2.0 * rng.random::<f64>() - 1.0;
        let v = 2.0 * rng.random::<f64>() - 1.0;
        let w = u * u + v * v;
        if w > 0.0 && w < 1.0 {
            return u * libm::sqrt(nu * (libm::pow(w, -2.0 / nu) - 1.0) / w);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{quantile, stdev};

    fn returns(params: HerdingParams, n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
        let mut model = Herding::new(params);
        let mut rng = stream(seed, 0, 0);
        let mut shares = Vec::with_capacity(n);
        let r = (0..n)
            .map(|_| {
                shares.push(model.fundamentalists());
                let shock = model.shock(&mut rng);
                model.step(shock)
            })
            .collect();
        (r, shares)
    }

    #[test]
    fn student_t_has_its_quantiles() {
        // t with 3 degrees of freedom: the 97.5% quantile is 3.182 (tables); with 30, 2.042.
        let mut rng = stream(3, 0, 0);
        for (nu, q975) in [(3.0, 3.182), (30.0, 2.042)] {
            let mut draws: Vec<f64> = (0..200_000).map(|_| student_t(&mut rng, nu)).collect();
            draws.sort_by(f64::total_cmp);
            let q = quantile(&draws, 0.975).unwrap_or(f64::NAN);
            assert!((q / q975 - 1.0).abs() < 0.02, "nu {nu}: {q} against {q975}");
        }
    }

    #[test]
    fn with_fundamentalists_only_it_is_an_ar1_of_the_price() {
        // alpha_0 large: everyone is a fundamentalist, so p' = p (1 - mu phi) + mu sigma_f e, an AR(1) whose
        // moves have standard deviation mu sigma_f sqrt(2 / (2 - mu phi)).
        let params = HerdingParams { alpha_0: 50.0, alpha_n: 0.0, alpha_p: 0.0, ..HerdingParams::FRANKE_WESTERHOFF };
        let (r, shares) = returns(params, 200_000, 1);
        assert!(shares[1..].iter().all(|s| *s > 0.999_999));
        let (mu, phi, sf) = (params.mu, params.phi, params.sigma_f);
        let expected = mu * sf * libm::sqrt(2.0 / (2.0 - mu * phi));
        assert!((stdev(&r) / expected - 1.0).abs() < 0.01, "{} against {expected}", stdev(&r));
    }

    #[test]
    fn misalignment_drives_traders_to_fundamentals() {
        let mut model = Herding::new(HerdingParams::FRANKE_WESTERHOFF);
        model.price = 0.5;
        model.step(0.0);
        // a = -0.161 + 1.3 * 0 + 12.5 * 0.25 = 2.964: n_f = 1 / (1 + e^-2.964) = 0.9510.
        assert!((model.fundamentalists() - 0.951_00).abs() < 1e-4, "{}", model.fundamentalists());
    }

    #[test]
    fn the_scale_gives_the_target_volatility_and_the_shares_move() {
        let params =
            HerdingParams { tail_dof: Some(4.0), sigma_f: 0.5, sigma_c: 2.5, ..HerdingParams::FRANKE_WESTERHOFF };
        let target = 0.001;
        let k = Herding::scale_to(params, target);
        let (r, shares) = returns(params, 400_000, 9);
        let scaled: Vec<f64> = r.iter().map(|x| x * k).collect();
        assert!((stdev(&scaled) / target - 1.0).abs() < 0.05, "{}", stdev(&scaled));
        let mut s = shares;
        s.sort_by(f64::total_cmp);
        let (lo, hi) = (quantile(&s, 0.1).unwrap_or(0.5), quantile(&s, 0.9).unwrap_or(0.5));
        assert!(hi - lo > 0.3, "the population swings between the two strategies: {lo} to {hi}");
    }
}
