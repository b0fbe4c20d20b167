//! Options in the world: the series listed on the first market's underlying, their market maker and traders, and
//! the scenario grid that margins the accounts holding them (`docs/options.md`).
//!
//! Each series is an [`Instrument`] of kind [`InstrumentKind::EuropeanOption`] with an order book of its own, after
//! every market's perpetual in instrument order. Its mark is its value on the surface at the underlying's oracle
//! price (`systems::options::mark_options`), not the median of its book: a venue marks options from its surface.
//! Premiums move through fills like any price (into the cost basis, so the ledger's identity holds as it does for
//! perpetuals) and a series settles at its payoff against the oracle price at the end of its expiry tick.

use crate::SimError;
use crate::build::AgentSpawner;
use crate::components::OptionTrader;
use crate::resources::{ContractSpec, Instrument, Instruments};
use bevy_ecs::prelude::*;
use cascade_core::account::{Portfolio, Position};
use cascade_core::correlation::Correlation;
use cascade_core::instrument::InstrumentKind;
use cascade_core::margin::Health;
use cascade_core::money::{self, MoneyError, from_f64, to_f64};
use cascade_core::option::OptionKind;
use cascade_core::option::addon::{GreeksAddOn, greeks_addon};
use cascade_core::option::grid::{Leg, ScenarioGrid};
use cascade_core::option::surface::Surface;
use cascade_core::rng::{domain, stream};
use cascade_core::stats::Ewma;
use cascade_core::{AgentId, Decimal, InstrumentId, UnderlyingId};
use cascade_scenario::{OptionMarginRule, OptionMarketMaker, Options, Scenario};
use rand::RngExt;
use std::collections::BTreeMap;

/// What an option series was last marked from: the underlying's price, the surface's volatility at its strike and
/// expiry, and the Black-76 delta (statistics, `f64`; the premium itself is the instrument's mark).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct OptionMark {
    /// The underlying's oracle price it was marked at, quote per unit.
    pub forward: f64,
    /// Implied volatility at its strike and expiry, annual, as a fraction.
    pub vol: f64,
    /// Time to expiry, years (zero once expired).
    pub years: f64,
    /// Change of the premium per unit change of the underlying (undiscounted: rates are zero).
    pub delta: f64,
}

/// The options of a world: where they are listed, their surface, their market maker and the traders' plans.
#[derive(Resource, Debug, Clone)]
pub struct OptionDesk {
    /// The underlying they are written on.
    pub underlying: UnderlyingId,
    /// The perpetual on it, where the market maker hedges.
    pub perpetual: InstrumentId,
    /// Every series, in instrument order (expiry, strike, call then put).
    pub series: Vec<InstrumentId>,
    /// The implied-volatility surface now (moved by realized volatility and by surface shocks).
    pub surface: Surface,
    /// How far the surface's short end moves each tick towards realized volatility.
    pub realized_weight: f64,
    /// The option market maker's account (`None`: no market maker).
    pub maker: Option<AgentId>,
    /// Its rules.
    pub maker_rules: OptionMarketMaker,
    /// What the option traders do when: tick -> (agent, series, options, perpetual units), by agent id.
    pub plans: BTreeMap<u64, Vec<OptionPlan>>,
}

/// One option trader's entry: market orders for `quantity` of `series` and `underlying` of the perpetual.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionPlan {
    /// Who.
    pub agent: AgentId,
    /// The series.
    pub series: InstrumentId,
    /// Options, units of the underlying (positive: buy).
    pub quantity: Decimal,
    /// Perpetual units beside them (positive: buy; zero: none).
    pub underlying: Decimal,
}

impl OptionDesk {
    /// The market maker's net delta, units of the underlying: its perpetual position plus each series' position times
    /// its delta at the last mark.
    pub fn maker_delta(&self, instruments: &Instruments, account: &Portfolio) -> f64 {
        let options: f64 = self
            .series
            .iter()
            .filter_map(|&id| Some(to_f64(account.quantity(id)) * instruments.get(id).option?.delta))
            .sum();
        to_f64(account.quantity(self.perpetual)) + options
    }
}

/// Lists the scenario's options on `underlying` (the first market's, with the perpetual `perpetual`): one instrument
/// per series appended to `instruments`, the market maker and the traders spawned through `spawner`.
pub(crate) fn list_options(
    world: &mut World,
    spawner: &mut AgentSpawner,
    scenario: &Scenario,
    underlying: UnderlyingId,
    instruments: &mut Vec<Instrument>,
) -> Result<Option<OptionDesk>, SimError> {
    let Some(o) = &scenario.options else { return Ok(None) };
    let perpetual = InstrumentId(0);
    let root = scenario.market.symbol.trim_end_matches("-PERP").to_owned();
    let initial = scenario.market.initial_price;
    let mut series = Vec::new();
    let mut lookup = BTreeMap::new();
    for (e, &days) in o.expiries_days.iter().enumerate() {
        let expiry_tick = ((days * 86_400.0 / scenario.tick_seconds).round() as u64).max(1);
        for (s, &fraction) in o.strikes.iter().enumerate() {
            let strike = o.strike(initial, fraction).ok_or_else(|| SimError::Scenario(format!("strike {fraction}")))?;
            for right in [OptionKind::Call, OptionKind::Put] {
                let id = InstrumentId(instruments.len() as u16);
                let letter = if right == OptionKind::Call { "C" } else { "P" };
                let symbol = format!("{root}-{days}D-{strike}-{letter}");
                let kind = InstrumentKind::EuropeanOption { right, strike, expiry_tick };
                instruments.push(series_instrument(scenario, o, id, underlying, kind, symbol));
                lookup.insert((e, s, right == OptionKind::Call), id);
                series.push(id);
            }
        }
    }
    let maker = if o.market_maker.capital > Decimal::ZERO {
        spawner.instrument = perpetual;
        Some(spawner.spawn(world, o.market_maker.capital, crate::components::OptionMaker)?)
    } else {
        None
    };
    // The option backstop's vaults are homed in the first series and serve every series.
    if let Some(&first) = series.first() {
        spawner.instrument = first;
        for _ in 0..o.backstop.count {
            spawner.spawn(world, o.backstop.capital, crate::components::BackstopLiquidator)?;
        }
    }
    spawner.instrument = perpetual;
    let mut plans: BTreeMap<u64, Vec<OptionPlan>> = BTreeMap::new();
    for (p, t) in o.traders.iter().enumerate() {
        let position = |list: &[f64], x: f64| list.iter().position(|&v| v == x);
        let (Some(e), Some(s)) = (position(&o.expiries_days, t.expiry_days), position(&o.strikes, t.strike)) else {
            return Err(SimError::Scenario(format!("options.traders[{p}] names a series that is not listed")));
        };
        let id = lookup[&(e, s, t.right == OptionKind::Call)];
        for n in 0..t.count {
            let mut rng = stream(spawner.seed, domain::OPTION_TRADER, ((p as u64) << 32) | u64::from(n));
            let entry = rng.random_range(0..t.entry_window_ticks.max(1));
            let agent = spawner.spawn(world, t.capital, OptionTrader)?;
            let plan = OptionPlan { agent, series: id, quantity: t.quantity, underlying: t.underlying };
            plans.entry(entry).or_default().push(plan);
        }
    }
    for list in plans.values_mut() {
        list.sort_by_key(|plan| plan.agent);
    }
    Ok(Some(OptionDesk {
        underlying,
        perpetual,
        series,
        surface: o.surface,
        realized_weight: o.realized_weight,
        maker,
        maker_rules: o.market_maker.clone(),
        plans,
    }))
}

/// A series' instrument: its contract (no funding, no price band beyond the premium's own), an empty book, marked at
/// zero until the first tick marks it.
fn series_instrument(
    scenario: &Scenario,
    o: &Options,
    id: InstrumentId,
    underlying: UnderlyingId,
    kind: InstrumentKind,
    symbol: String,
) -> Instrument {
    let spec = ContractSpec {
        symbol,
        tick_size: o.tick_size,
        lot_size: o.lot_size,
        taker_fee: o.taker_fee,
        maker_fee: o.maker_fee,
        // Premiums move far in a tick; the market maker's quotes bound what a market order pays.
        price_band: Decimal::ONE,
        mark_band: Decimal::ZERO,
        basis_average_ticks: 0,
        liquidation_fee: scenario.liquidation.fee,
        funding_interval: 0,
        funding_cap: Decimal::ZERO,
    };
    let margin = crate::systems::margin::starting_schedule(&scenario.margin);
    let mut instrument = Instrument::new(id, underlying, kind, spec, Decimal::ZERO, margin, Ewma::new(0.97, 0.0));
    instrument.option = Some(OptionMark::default());
    instrument
}

/// How the accounts holding options are margined, and a memo of the books' revaluations by their exact inputs:
/// accounts holding the same positions at the same marks (a population of option traders) are revalued once.
#[derive(Debug, Clone)]
pub struct OptionMargin {
    /// The rule.
    pub rule: OptionRule,
    /// Revaluations already computed, by their inputs.
    memo: Memo,
}

/// The scenario's `options.margin`, its grid resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionRule {
    /// Every position on the underlying revalued together under this grid.
    Grid(ScenarioGrid),
    /// Greeks add-ons on the perpetual's policy, covering a relative volatility move of `vol_shock` at initial
    /// margin (`cascade_scenario::OptionMarginRule::GreeksAddOns`).
    GreeksAddOns {
        /// The relative volatility move, initial margin.
        vol_shock: f64,
    },
}

impl OptionMargin {
    /// Margin by the scenario's `rule`, nothing computed yet.
    pub fn new(rule: &OptionMarginRule) -> Self {
        let rule = match rule {
            OptionMarginRule::Grid(grid) => OptionRule::Grid(grid.grid()),
            OptionMarginRule::GreeksAddOns { vol_shock } => OptionRule::GreeksAddOns { vol_shock: *vol_shock },
        };
        Self { rule, memo: Memo::default() }
    }

    /// How many books were revalued (the memo's misses) since the world was built: the margin check's costly part,
    /// which grows with the number of distinct books, not of accounts.
    pub fn revaluations(&self) -> u64 {
        self.memo.misses.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// What a book's revaluation gives, before the policy in force is applied.
#[derive(Debug, Clone, Copy)]
enum Revalued {
    /// The grid's (initial, maintenance) requirement, money.
    Grid(Decimal, Decimal),
    /// The book's Greeks add-ons at a unit fraction and a unit volatility move: `|Delta| F`, `max(-Gamma, 0) F^2 / 2`
    /// and `|sum vega_i sigma_i|`, quote currency.
    Greeks(GreeksAddOn),
}

/// Revaluations by their inputs (the forward's bits, then each leg's instrument, quantity, volatility and time to
/// expiry): a pure cache, so a hit gives exactly what computing again would, and the number of books revalued.
/// Emptied when it reaches [`MEMO_ENTRIES`]. A copy of a world starts with an empty one.
#[derive(Debug, Default)]
struct Memo {
    revalued: std::sync::Mutex<std::collections::HashMap<Vec<u64>, Revalued>>,
    misses: std::sync::atomic::AtomicU64,
}

impl Clone for Memo {
    fn clone(&self) -> Self {
        Self::default()
    }
}

/// The most revaluations the memo keeps (entries of a few hundred bytes each).
const MEMO_ENTRIES: usize = 65_536;

/// Whether `portfolio` holds an option.
pub fn holds_options(instruments: &Instruments, portfolio: &Portfolio) -> bool {
    portfolio.positions.iter().any(|p| !p.quantity.is_zero() && instruments.get(p.instrument).option.is_some())
}

/// How the requirements of an option account's parts (each underlying with an option, margined by the rule as one
/// book; each other position by its schedule) make its requirement.
#[derive(Debug, Clone, Copy)]
pub enum Combine<'a> {
    /// Summed (cross margin).
    Sum,
    /// Signed by direction (a book by its net delta, long positive) and netted by the underlyings' correlation,
    /// offsetting at most `max_offset` of the sum (portfolio margin; `Correlation::portfolio_requirement`).
    Net {
        /// The underlyings' correlation.
        correlation: &'a Correlation,
        /// The most of the summed requirement netting may offset, fraction.
        max_offset: Decimal,
    },
}

/// The health of an account holding options: every position on an underlying with an option margined together by
/// the rule (the perpetual as a linear leg, each option at its series' volatility and time to expiry, at the
/// underlying's price the options were marked at), positions on other underlyings by their own schedules, the
/// parts combined by `combine`; one equity at the marks. Requirements computed in `f64` become money rounded to
/// 1e-8.
pub fn option_health(
    instruments: &Instruments,
    margin: &OptionMargin,
    portfolio: &Portfolio,
    combine: Combine,
) -> Result<Health, MoneyError> {
    let value = |i: InstrumentId| instruments.valuation(i);
    let mut notional = Decimal::ZERO;
    let open: Vec<&Position> = portfolio.positions.iter().filter(|p| !p.quantity.is_zero()).collect();
    let mut gridded: Vec<(UnderlyingId, f64)> = Vec::new();
    for p in &open {
        let instrument = instruments.get(p.instrument);
        if let Some(mark) = instrument.option
            && !gridded.iter().any(|(u, _)| *u == instrument.underlying)
        {
            gridded.push((instrument.underlying, mark.forward));
        }
    }
    // (underlying, initial, maintenance, long) of each part.
    let mut parts: Vec<(usize, Decimal, Decimal, bool)> = Vec::new();
    for p in &open {
        let instrument = instruments.get(p.instrument);
        notional = money::add(notional, p.notional(instrument.valuation())?)?;
        if !gridded.iter().any(|(u, _)| *u == instrument.underlying) {
            let r = instrument.margin.requirement(p.quantity, instrument.mark_price)?;
            parts.push((usize::from(instrument.underlying.0), r.initial, r.maintenance, p.quantity > Decimal::ZERO));
        }
    }
    for (underlying, forward) in gridded {
        let on: Vec<(&Position, &Instrument)> = open
            .iter()
            .map(|p| (*p, instruments.get(p.instrument)))
            .filter(|(_, i)| i.underlying == underlying)
            .collect();
        let perpetual = instruments.0.iter().find(|i| i.underlying == underlying && i.kind.is_linear());
        let (initial, maintenance) = option_requirement(margin, &on, forward, perpetual)?;
        let delta: f64 = on.iter().map(|(p, i)| to_f64(p.quantity) * i.option.map_or(1.0, |m| m.delta)).sum();
        parts.push((usize::from(underlying.0), initial, maintenance, delta >= 0.0));
    }
    let (initial_requirement, maintenance_requirement) = match combine {
        Combine::Net { correlation, max_offset } if parts.len() > 1 => {
            let underlyings: Vec<usize> = parts.iter().map(|p| p.0).collect();
            let signed = |r: Decimal, long: bool| if long { r } else { -r };
            let initial: Vec<Decimal> = parts.iter().map(|p| signed(p.1, p.3)).collect();
            let maintenance: Vec<Decimal> = parts.iter().map(|p| signed(p.2, p.3)).collect();
            let step = Decimal::new(1, 8);
            (
                correlation.portfolio_requirement(&underlyings, &initial, max_offset, step)?,
                correlation.portfolio_requirement(&underlyings, &maintenance, max_offset, step)?,
            )
        }
        _ => parts.iter().try_fold((Decimal::ZERO, Decimal::ZERO), |(i, m), p| {
            Ok::<_, MoneyError>((money::add(i, p.1)?, money::add(m, p.2)?))
        })?,
    };
    Ok(Health { equity: portfolio.equity(value)?, notional, initial_requirement, maintenance_requirement })
}

/// The (initial, maintenance) requirement of the positions `on` one underlying at `forward` under the rule, as money
/// rounded to 1e-8, the book revalued from the memo when the same inputs were revalued before. Greeks add-ons take
/// the policy in force from `perpetual`, the underlying's perpetual (none listed: no delta charge, no fraction).
fn option_requirement(
    margin: &OptionMargin,
    on: &[(&Position, &Instrument)],
    forward: f64,
    perpetual: Option<&Instrument>,
) -> Result<(Decimal, Decimal), MoneyError> {
    let revalued = revalue(margin, on, forward)?;
    let step = Decimal::new(1, 8);
    match (revalued, &margin.rule, perpetual) {
        (Revalued::Grid(initial, maintenance), _, _) => Ok((initial, maintenance)),
        (Revalued::Greeks(unit), OptionRule::GreeksAddOns { vol_shock }, Some(perpetual)) => {
            // The delta-equivalent position, margined like a perpetual position of that size at the mark; the
            // fractions of that requirement set the gamma move (and scale the volatility move to maintenance).
            let price = perpetual.mark_price;
            let units = from_f64(unit.delta / forward, step, "the book's delta-equivalent position")?;
            let size = if units.is_zero() { Decimal::ONE } else { units };
            let r = perpetual.margin.requirement(size, price)?;
            let notional = to_f64(money::mul(size, price)?);
            let (m_initial, m_maintenance) = (to_f64(r.initial) / notional, to_f64(r.maintenance) / notional);
            let scale = if m_initial > 0.0 { m_maintenance / m_initial } else { 0.0 };
            let delta = if units.is_zero() { (Decimal::ZERO, Decimal::ZERO) } else { (r.initial, r.maintenance) };
            let gamma_vega = |m: f64, v: f64| from_f64(unit.gamma * m * m + unit.vega * v, step, "the Greeks add-ons");
            Ok((
                money::add(delta.0, gamma_vega(m_initial, *vol_shock)?)?,
                money::add(delta.1, gamma_vega(m_maintenance, vol_shock * scale)?)?,
            ))
        }
        (Revalued::Greeks(_), _, _) => Ok((Decimal::ZERO, Decimal::ZERO)),
    }
}

/// The book of the positions `on` one underlying revalued at `forward` under the rule: from the memo when the same
/// inputs were revalued before.
fn revalue(margin: &OptionMargin, on: &[(&Position, &Instrument)], forward: f64) -> Result<Revalued, MoneyError> {
    let mut key = vec![forward.to_bits()];
    for (p, i) in on {
        let mark = i.option.unwrap_or_default();
        let quantity = u128::from_le_bytes(p.quantity.serialize());
        key.extend([u64::from(i.id.0), quantity as u64, (quantity >> 64) as u64, mark.vol.to_bits()]);
        key.push(mark.years.to_bits());
    }
    let mut memo = margin.memo.revalued.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(&found) = memo.get(&key) {
        return Ok(found);
    }
    let legs: Vec<Leg> = on.iter().map(|(p, i)| leg(i, to_f64(p.quantity))).collect();
    let not_money = |_| MoneyError::NotFinite { value: f64::NAN, what: "the option book's revaluation" };
    let revalued = match &margin.rule {
        OptionRule::Grid(grid) => {
            let grid = grid.margin(&legs, forward, 0.0).map_err(not_money)?;
            let step = Decimal::new(1, 8);
            Revalued::Grid(
                from_f64(grid.initial, step, "the scenario grid's initial requirement")?,
                from_f64(grid.maintenance, step, "the scenario grid's maintenance requirement")?,
            )
        }
        OptionRule::GreeksAddOns { .. } => {
            Revalued::Greeks(greeks_addon(&legs, forward, 0.0, 1.0, 1.0).map_err(not_money)?)
        }
    };
    if memo.len() >= MEMO_ENTRIES {
        memo.clear();
    }
    memo.insert(key, revalued);
    margin.memo.misses.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Ok(revalued)
}

/// A position of `quantity` in `instrument` as a leg of the grid.
fn leg(instrument: &Instrument, quantity: f64) -> Leg {
    match (instrument.kind.option(), instrument.option) {
        (Some((kind, strike, _)), Some(mark)) => {
            Leg::Option { kind, strike: to_f64(strike), expiry: mark.years, vol: mark.vol, quantity }
        }
        _ => Leg::Linear { quantity },
    }
}
