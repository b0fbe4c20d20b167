//! Scenario-grid portfolio margin, as option venues and clearing houses run it: revalue an account's whole book on
//! one underlying (perpetuals, futures and options) under a grid of underlying moves and implied-volatility moves,
//! take the worst loss, add a short-option charge and a net-delta charge; maintenance is a fraction of initial.
//!
//! Statistics in `f64`, like every risk measure here: the requirement becomes money at the ledger's boundary
//! ([`crate::money`]). The shipped grids and their sources are in [`presets`].
//!
//! Revaluation: a linear leg (perpetual or future, basis ignored) gains `quantity * forward * move`; an option leg
//! is revalued by Black-76 at the moved forward and the shocked volatility, with its expiry unchanged (no time
//! decay across the scan). A volatility move `v` is relative and scaled by expiry:
//! `sigma' = sigma * max(1 + v * (pivot / max(days, floor))^power, MIN_VOL_FACTOR)`, the power being
//! `short_power` under the pivot and `long_power` from it on.

pub mod presets;

use super::{OptionError, OptionKind, black76};

/// The lowest a volatility shock may take a volatility, as a fraction of its level (a large down shock on a very
/// short expiry would otherwise make it negative).
pub const MIN_VOL_FACTOR: f64 = 0.01;

/// One position of the book on the underlying, in units of the underlying (positive long, negative short).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Leg {
    /// A perpetual or a future: its value moves one for one with the underlying.
    Linear {
        /// Signed size, units of the underlying.
        quantity: f64,
    },
    /// A European option, cash-settled on the underlying.
    Option {
        /// Call or put.
        kind: OptionKind,
        /// Strike, quote per unit.
        strike: f64,
        /// Time to expiry, years (zero or less: expired, worth its payoff).
        expiry: f64,
        /// Implied volatility at its strike and expiry, annual, as a fraction.
        vol: f64,
        /// Signed size, units of the underlying.
        quantity: f64,
    },
}

/// A scenario counted at a fraction of its loss (SPAN's extreme moves, Deribit's extended table).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extreme {
    /// Relative move of the underlying (-0.66 = down 66%).
    pub price_move: f64,
    /// Relative move of implied volatility, before the expiry scaling (0.5 = up 50%).
    pub vol_move: f64,
    /// Fraction of the scenario's loss that counts (SPAN: 0.35).
    pub cover: f64,
    /// Whether only the option legs are revalued (Deribit's extended table is meant for short options far out of
    /// the money; a perpetual's loss at -66% is not what it measures).
    #[serde(default)]
    pub options_only: bool,
}

/// How the short-option charge joins the scan loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// Added to the scan loss (Deribit's contingency component).
    Added,
    /// A floor under the scan loss (SPAN's short option minimum, OKX's minimum charge).
    Floor,
}

/// How a volatility move scales with the days to expiry: `(pivot_days / max(days, floor_days))^power`, with
/// `short_power` under the pivot and `long_power` from it on.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolScaling {
    /// Days to expiry at which a volatility move applies as written.
    pub pivot_days: f64,
    /// Exponent under the pivot (Deribit: 0.30).
    pub short_power: f64,
    /// Exponent from the pivot on (Deribit: 0.13).
    pub long_power: f64,
    /// Days to expiry below which the scaling grows no further.
    pub floor_days: f64,
}

impl VolScaling {
    /// No scaling: every expiry takes the volatility move as written (SPAN).
    pub const NONE: VolScaling = VolScaling { pivot_days: 30.0, short_power: 0.0, long_power: 0.0, floor_days: 1.0 };

    /// The factor on a volatility move for an option `expiry` years from expiry.
    pub fn factor(&self, expiry: f64) -> f64 {
        let days = (expiry * 365.0).max(self.floor_days);
        let power = if days < self.pivot_days { self.short_power } else { self.long_power };
        libm::pow(self.pivot_days / days, power)
    }
}

/// A scenario grid and its charges: the whole of a portfolio-margin rule on one underlying.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioGrid {
    /// Relative moves of the underlying, each combined with every volatility move.
    pub price_moves: Vec<f64>,
    /// Relative moves of implied volatility, before the expiry scaling.
    pub vol_moves: Vec<f64>,
    /// How volatility moves scale with expiry.
    pub vol_scaling: VolScaling,
    /// Scenarios counted at a fraction of their loss.
    #[serde(default)]
    pub extremes: Vec<Extreme>,
    /// Charge per unit of net short options at each strike (calls and puts netted per strike and expiry), as a
    /// fraction of the underlying's price.
    #[serde(default)]
    pub short_option_charge: f64,
    /// Whether the short-option charge is added to the scan loss or floors it.
    #[serde(default = "added")]
    pub short_option_combine: Combine,
    /// Charge per unit of absolute net delta (a concentration charge), as a fraction of the underlying's price.
    #[serde(default)]
    pub net_delta_charge: f64,
    /// Maintenance margin as a fraction of initial (Deribit 0.8).
    pub maintenance_ratio: f64,
}

fn added() -> Combine {
    Combine::Added
}

/// The worst scenario of a grid.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct WorstScenario {
    /// Relative move of the underlying.
    pub price_move: f64,
    /// Relative volatility move, before the expiry scaling.
    pub vol_move: f64,
    /// The loss counted (after an extreme scenario's cover), quote currency; zero when no scenario loses.
    pub loss: f64,
}

/// A book's requirement under a grid, quote currency.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct GridMargin {
    /// Initial margin: the scan loss with the short-option and net-delta charges.
    pub initial: f64,
    /// Maintenance margin: `maintenance_ratio * initial`.
    pub maintenance: f64,
    /// The scenario that gave the scan loss.
    pub worst: WorstScenario,
    /// The short-option charge.
    pub short_option: f64,
    /// The net-delta charge.
    pub net_delta: f64,
}

impl ScenarioGrid {
    /// Checks the grid: finite moves, price moves above -100%, covers and the maintenance ratio in (0, 1],
    /// charges not negative. Names the first field out of its domain.
    pub fn validate(&self) -> Result<(), OptionError> {
        let input = |name, expected, found| Err(OptionError::Input { name, expected, found });
        let moves = self.price_moves.iter().chain(self.extremes.iter().map(|e| &e.price_move));
        for &m in moves {
            if !(m.is_finite() && m > -1.0) {
                return input("price move", "a finite move above -1 (-100%)", m);
            }
        }
        for &v in self.vol_moves.iter().chain(self.extremes.iter().map(|e| &e.vol_move)) {
            if !v.is_finite() {
                return input("volatility move", "a finite relative move", v);
            }
        }
        for &c in self.extremes.iter().map(|e| &e.cover).chain([&self.maintenance_ratio]) {
            if !(c > 0.0 && c <= 1.0) {
                return input("cover or maintenance ratio", "a fraction in (0, 1]", c);
            }
        }
        for c in [self.short_option_charge, self.net_delta_charge] {
            if !(c.is_finite() && c >= 0.0) {
                return input("charge", "a finite fraction of at least 0", c);
            }
        }
        let s = &self.vol_scaling;
        if !(s.pivot_days > 0.0 && s.floor_days > 0.0 && s.short_power.is_finite() && s.long_power.is_finite()) {
            return input("vol scaling", "positive pivot and floor days and finite powers", s.pivot_days);
        }
        if self.price_moves.is_empty() || self.vol_moves.is_empty() {
            return input("grid", "at least one price move and one volatility move", 0.0);
        }
        Ok(())
    }

    /// The requirement of `legs` on an underlying at `forward`, discounting at `rate` (annual, continuous).
    pub fn margin(&self, legs: &[Leg], forward: f64, rate: f64) -> Result<GridMargin, OptionError> {
        self.validate()?;
        super::positive("underlying", forward)?;
        // Each leg's scaling of a volatility move depends on its expiry alone: computed once, not per scenario.
        let factors: Vec<f64> = legs
            .iter()
            .map(|leg| match *leg {
                Leg::Option { expiry, .. } => self.vol_scaling.factor(expiry),
                Leg::Linear { .. } => 0.0,
            })
            .collect();
        let now = book_value(legs, forward, rate, &factors, 0.0, false)?;
        let options_now = book_value(legs, forward, rate, &factors, 0.0, true)?;
        let mut worst = WorstScenario { price_move: 0.0, vol_move: 0.0, loss: 0.0 };
        let ordinary = self.price_moves.iter().flat_map(|&p| self.vol_moves.iter().map(move |&v| (p, v, 1.0, false)));
        let extreme = self.extremes.iter().map(|e| (e.price_move, e.vol_move, e.cover, e.options_only));
        for (price_move, vol_move, cover, options_only) in ordinary.chain(extreme) {
            let base = if options_only { options_now } else { now };
            let moved = forward * (1.0 + price_move);
            let value = book_value(legs, moved, rate, &factors, vol_move, options_only)?;
            let loss = cover * (base - value);
            if loss > worst.loss {
                worst = WorstScenario { price_move, vol_move, loss };
            }
        }
        let short_option = self.short_option_charge * forward * net_short_options(legs);
        let net_delta = self.net_delta_charge * forward * book_delta(legs, forward, rate)?.abs();
        let scan = match self.short_option_combine {
            Combine::Added => worst.loss + short_option,
            Combine::Floor => worst.loss.max(short_option),
        };
        let initial = scan + net_delta;
        Ok(GridMargin { initial, maintenance: self.maintenance_ratio * initial, worst, short_option, net_delta })
    }
}

/// The book's value at `forward` with volatilities moved by `vol_move` (scaled per leg by `factors`, its
/// [`VolScaling::factor`]); a linear leg is valued at `quantity * forward` (only differences matter). `options_only`
/// leaves the linear legs out.
fn book_value(
    legs: &[Leg],
    forward: f64,
    rate: f64,
    factors: &[f64],
    vol_move: f64,
    options_only: bool,
) -> Result<f64, OptionError> {
    let mut total = 0.0;
    for (leg, factor) in legs.iter().zip(factors) {
        total += match *leg {
            Leg::Linear { quantity } if !options_only => quantity * forward,
            Leg::Linear { .. } => 0.0,
            Leg::Option { kind, strike, expiry, vol, quantity } => {
                let shocked = vol * (1.0 + vol_move * factor).max(MIN_VOL_FACTOR);
                quantity * option_value(kind, forward, strike, shocked, expiry, rate)?
            }
        };
    }
    Ok(total)
}

/// An option's present value; at or past expiry, its payoff.
fn option_value(
    kind: OptionKind,
    forward: f64,
    strike: f64,
    vol: f64,
    expiry: f64,
    rate: f64,
) -> Result<f64, OptionError> {
    if expiry <= 0.0 {
        super::positive("strike", strike)?;
        return Ok(match kind {
            OptionKind::Call => (forward - strike).max(0.0),
            OptionKind::Put => (strike - forward).max(0.0),
        });
    }
    Ok(black76(kind, forward, strike, vol, expiry, rate)?.price)
}

/// The book's delta with respect to the underlying, units of the underlying.
fn book_delta(legs: &[Leg], forward: f64, rate: f64) -> Result<f64, OptionError> {
    let mut delta = 0.0;
    for leg in legs {
        delta += match *leg {
            Leg::Linear { quantity } => quantity,
            Leg::Option { expiry, .. } if expiry <= 0.0 => 0.0,
            Leg::Option { kind, strike, expiry, vol, quantity } => {
                quantity * black76(kind, forward, strike, vol, expiry, rate)?.delta
            }
        };
    }
    Ok(delta)
}

/// Net short options, units of the underlying: calls and puts netted at each strike and expiry, the short
/// remainders summed (a long call and a short put at one strike offset, as in Deribit's contingency).
fn net_short_options(legs: &[Leg]) -> f64 {
    let mut nets: Vec<(f64, f64, f64)> = Vec::new();
    for leg in legs {
        if let Leg::Option { strike, expiry, quantity, .. } = *leg {
            match nets.iter_mut().find(|(k, t, _)| *k == strike && *t == expiry) {
                Some(net) => net.2 += quantity,
                None => nets.push((strike, expiry, quantity)),
            }
        }
    }
    nets.iter().map(|(_, _, q)| (-q).max(0.0)).sum()
}

#[cfg(test)]
mod tests;
