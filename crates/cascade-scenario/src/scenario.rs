//! The validated scenario: what a simulation is built from.
//!
//! A [`RawScenario`] (the serde types, as read and overridden) becomes a [`Scenario`] only through validation
//! ([`Scenario::try_from`], or loading a [`crate::Source`]), which also builds, once, what the checks construct
//! anyway: the correlation factor and the replayed series. A simulation takes a `Scenario`, so nothing reaches a
//! world unchecked; a front end that changes a scenario does it with [`Scenario::edit`], which validates again.

use crate::model::{Agents, Market, PairTraders, RawScenario, Reference};
use crate::replay::Series;
use crate::{ScenarioError, validate};
use cascade_core::correlation::Correlation;
use std::sync::Arc;

/// A scenario that passed validation, with the objects built from it.
#[derive(Debug, Clone)]
pub struct Scenario {
    raw: RawScenario,
    markets: Vec<MarketSetup>,
    correlation: Correlation,
    /// Whether the run length was overridden (shocks after it are then dropped, not refused).
    shortened: bool,
}

/// One market of a scenario: its contract, its reference price, its populations and, when replayed, its series.
#[derive(Debug, Clone)]
pub struct MarketSetup {
    /// The contract.
    pub contract: Market,
    /// The reference price process.
    pub reference: Reference,
    /// The market's populations (another market's copy of the first market's `agents` has no pair traders: they
    /// trade the first two markets and are counted once).
    pub agents: Agents,
    /// The replayed price series, when the reference replays one.
    pub replay: Option<Arc<Series>>,
}

impl Scenario {
    /// The values of the scenario, as read and overridden.
    pub fn raw(&self) -> &RawScenario {
        &self.raw
    }

    /// The values of the scenario, to change and validate again.
    pub fn into_raw(self) -> RawScenario {
        self.raw
    }

    /// Every market, the first (`market`) first, then `other_markets` in order.
    pub fn markets(&self) -> &[MarketSetup] {
        &self.markets
    }

    /// Every account the world will hold: each market's populations (pair traders once), market makers and
    /// backstop vaults included, pools, the option market maker and traders, and keepers.
    pub fn accounts(&self) -> u64 {
        let of = |a: &Agents| {
            [
                a.market_makers.count,
                a.arbitrageurs.count,
                a.noise_traders.count,
                a.leveraged_traders.count,
                a.backstop.count,
                a.pair_traders.count,
                a.trend_followers.count,
                a.fundamentalists.count,
            ]
            .into_iter()
            .map(u64::from)
            .sum::<u64>()
        };
        let options =
            self.raw.options.as_ref().map_or(0, |o| {
                1 + u64::from(o.backstop.count) + o.traders.iter().map(|t| u64::from(t.count)).sum::<u64>()
            });
        let keepers = self.raw.chain.as_ref().map_or(0, |c| u64::from(c.keepers.count));
        let pool = |m: &MarketSetup| u64::from(m.contract.pool.is_some());
        self.markets.iter().map(|m| of(&m.agents) + pool(m)).sum::<u64>() + options + keepers
    }

    /// The correlation of the markets' reference shocks (the identity when the scenario gives none).
    pub fn correlation(&self) -> &Correlation {
        &self.correlation
    }

    /// This scenario changed by `change`, validated again (problems are reported under the scenario's name). A
    /// change is an override: when it changes the run length, shocks after the new end are dropped from the checks,
    /// as with `--ticks`.
    pub fn edit(&self, change: impl FnOnce(&mut RawScenario)) -> Result<Scenario, ScenarioError> {
        let mut raw = self.raw.clone();
        change(&mut raw);
        let shortened = self.shortened || raw.ticks != self.raw.ticks;
        Scenario::validated(raw, shortened)
    }

    /// Validates `raw` (shocks after the run too, unless the run length was overridden) and builds the scenario.
    fn validated(raw: RawScenario, ticks_overridden: bool) -> Result<Scenario, ScenarioError> {
        let mut problems = if ticks_overridden { Vec::new() } else { validate::late_shocks(&raw) };
        let (more, built) = validate::check(&raw);
        problems.extend(more);
        if problems.is_empty() {
            Ok(Scenario::from_checked(raw, built, ticks_overridden))
        } else {
            Err(ScenarioError::Invalid { file: format!("scenario {:?}", raw.name), problems })
        }
    }

    /// Builds the validated scenario from a raw one whose checks have passed (shocks after the run only when its
    /// length was not overridden: `shortened`), with what the checks built.
    pub(crate) fn from_checked(raw: RawScenario, built: validate::Built, shortened: bool) -> Self {
        let mut replays = built.replays.into_iter();
        let first = MarketSetup {
            contract: raw.market.clone(),
            reference: raw.reference.clone(),
            agents: raw.agents.clone(),
            replay: replays.next().flatten(),
        };
        let others = raw.other_markets.iter().map(|o| {
            let agents = o.agents.clone().unwrap_or_else(|| raw.agents.clone());
            MarketSetup {
                contract: o.market.clone(),
                reference: o.reference.clone(),
                agents: Agents { pair_traders: PairTraders { count: 0, ..agents.pair_traders }, ..agents },
                replay: replays.next().flatten(),
            }
        });
        let markets: Vec<MarketSetup> = std::iter::once(first).chain(others).collect();
        let correlation = built.correlation.unwrap_or_else(|| Correlation::identity(markets.len()));
        Self { raw, markets, correlation, shortened }
    }
}

/// Two scenarios are equal when their values are: what is built from them follows from the values.
impl PartialEq for Scenario {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl std::ops::Deref for Scenario {
    type Target = RawScenario;

    /// Read access to the scenario's values (`scenario.ticks`, `scenario.margin`, ...).
    fn deref(&self) -> &RawScenario {
        &self.raw
    }
}

impl TryFrom<RawScenario> for Scenario {
    type Error = ScenarioError;

    /// Validates `raw` (every check, shocks after the run included) and builds the scenario.
    fn try_from(raw: RawScenario) -> Result<Self, ScenarioError> {
        Scenario::validated(raw, false)
    }
}
