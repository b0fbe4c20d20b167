//! Building a world from a scenario.

use crate::SimError;
use crate::components::{
    Account, Agent, AgentRng, Arbitrageur, BackstopLiquidator, MarketMaker, NoiseTrader, OracleFeed, PairTrader,
    Signal, SignalTrader,
};
use crate::recorder::{Recorder, Recording};
use crate::resources::{
    AdlQueues, AgentIndex, Audit, Clock, ContractSpec, Correlations, Faults, Fundamental, Instrument, Instruments,
    LastLiquidation, LiquidationQueue, LiquidationRules, MarginIndex, MarginState, OracleRules, PlannedTrade,
    Populations, Shocks, TradeSchedule, Underlying, Underlyings, VenueLedger,
};
use crate::summary::SummaryBuilder;
use bevy_ecs::prelude::*;
use cascade_core::account::Portfolio;
use cascade_core::activity::SelfExciting;
use cascade_core::book::Side;
use cascade_core::herding::HerdingParams;
use cascade_core::instrument::InstrumentKind;
use cascade_core::money::{self, from_f64, to_f64};
use cascade_core::process::{ReferenceParams, ReferenceProcess, SECONDS_PER_YEAR, VolatilityModel};
use cascade_core::rng::{domain, lognormal, stream};
use cascade_core::stats::Ewma;
use cascade_core::{AgentId, Decimal, InstrumentId, UnderlyingId};
use cascade_scenario::{Agents, MarginMode, MarketSetup, ReferenceModel, Scenario, ShockKind};
use rand::RngExt;
use std::collections::VecDeque;

/// Low entity indices kept for the resources inserted after the agents (and those bevy adds on the first run).
const RESOURCE_SLOTS: usize = 256;

/// Cent precision for collateral drawn from a distribution.
const CENT: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// Builds the world of `scenario` with random streams derived from `seed`. Each of the scenario's markets is an
/// underlying with one linear perpetual written on it (underlying `k`, instrument `k`). Agents are numbered market
/// by market in population order (market makers, arbitrageurs, noise traders, backstop liquidators, leveraged
/// traders), then the pair traders.
pub fn build_world(scenario: &Scenario, seed: u64) -> Result<World, SimError> {
    let mut world = World::new();
    // A resource is an entity whose components live in sparse sets indexed by entity index: inserted after a million
    // agents, each would size its index to a million entries (4 MB apiece, about 70 bytes an account in all). These
    // placeholders hold low indices, freed for the resources once the agents are spawned.
    let placeholders: Vec<Entity> = (0..RESOURCE_SLOTS).map(|_| world.spawn_empty().id()).collect();
    let mut ledger = money::Ledger::default();
    ledger.seed_insurance_fund(scenario.liquidation.insurance_fund)?;

    let sides = scenario.markets();
    let (mut underlyings, mut instruments) = (Vec::new(), Vec::new());
    for (k, setup) in sides.iter().enumerate() {
        let underlying = build_underlying(scenario, setup, UnderlyingId(k as u16), seed)?;
        instruments.push(build_instrument(scenario, setup, InstrumentId(k as u16), &underlying));
        underlyings.push(underlying);
    }
    let calm: Vec<f64> = sides.iter().map(|m| calm_variance(scenario, &m.reference)).collect();
    let marks: Vec<Decimal> = instruments.iter().map(|m| m.mark_price).collect();
    world.insert_resource(Clock { tick: 0, ticks: scenario.ticks, tick_seconds: scenario.tick_seconds });
    world.insert_resource(Underlyings(underlyings));
    world.insert_resource(Instruments(instruments));

    let mut index = AgentIndex::default();
    let mut schedule = TradeSchedule::default();
    let mut spawner = AgentSpawner {
        seed,
        instrument: InstrumentId(0),
        price_followers: false,
        index: &mut index,
        ledger: &mut ledger,
    };
    for (k, setup) in sides.iter().enumerate() {
        spawner.instrument = InstrumentId(k as u16);
        spawner.price_followers = setup.reference.directional_impact;
        if let Some(pool) = &setup.contract.pool {
            let id = spawner.spawn(&mut world, pool.liquidity, crate::pool::LiquidityPool)?;
            world.resource_mut::<Instruments>().0[k].pool = Some(crate::pool::PoolVenue::new(id, pool.clone()));
        }
        spawn_populations(&mut world, &mut spawner, &mut schedule, scenario, &setup.agents, k)?;
    }
    spawner.price_followers = false;
    spawner.instrument = InstrumentId(0);
    spawn_pair_traders(&mut world, &mut spawner, &mut schedule, scenario)?;
    let mut instruments = std::mem::take(&mut world.resource_mut::<Instruments>().0);
    let desk = crate::options::list_options(&mut world, &mut spawner, scenario, UnderlyingId(0), &mut instruments)?;
    let series = instruments.len() - sides.len();
    let chain = crate::chain::spawn_chain(&mut world, &mut spawner, scenario)?;
    for placeholder in placeholders {
        world.despawn(placeholder);
    }
    if let Some(chain) = chain {
        world.insert_resource(chain);
    }
    world.resource_mut::<Instruments>().0 = instruments;
    for actions in schedule.0.values_mut() {
        actions.sort_by_key(|(id, _)| *id);
        actions.shrink_to_fit();
    }

    for (k, setup) in sides.iter().enumerate() {
        for i in 0..scenario.oracle.sources {
            world.spawn(OracleFeed {
                underlying: UnderlyingId(k as u16),
                index: i,
                delay_ticks: scenario.oracle.delay_ticks + i * scenario.oracle.source_lag_ticks,
                noise: scenario.oracle.noise,
                rng: stream(seed, domain::ORACLE, ((k as u64) << 32) | u64::from(i)),
                price: setup.contract.initial_price,
                confidence: Decimal::ZERO,
                last_update: 0,
            });
        }
    }

    let correlation = scenario.correlation().clone();
    let mut timeline = scenario.shocks.clone();
    timeline.sort_by_key(|s| s.at);
    world.insert_resource(Shocks::new(timeline));
    let correlated = sides.len() > 1 && !scenario.correlation.is_empty();
    world.insert_resource(Correlations {
        joint: correlated,
        one_herd: correlated,
        in_force: correlation.clone(),
        scenario: correlation.clone(),
        rng: stream(seed, domain::CORRELATION, 0),
    });
    world.insert_resource(index);
    world.insert_resource(schedule);
    world.insert_resource(VenueLedger(ledger));
    // Option series have no populations of their own: their market maker and traders are the desk's, their backstop
    // the options' (its vaults serve every series).
    let series_agents =
        Agents { backstop: scenario.options.as_ref().map(|o| o.backstop.clone()).unwrap_or_default(), ..no_agents() };
    let populations = sides.iter().map(|m| m.agents.clone()).chain(std::iter::repeat_n(series_agents, series));
    world.insert_resource(Populations(populations.collect()));
    world.insert_resource(LiquidationQueue::default());
    let mut margin = MarginState::new(&scenario.margin, &calm, &marks, correlation);
    margin.options = scenario.options.as_ref().map(|o| crate::options::OptionMargin::new(&o.margin));
    world.insert_resource(margin);
    if let Some(desk) = desk {
        world.insert_resource(desk);
    }
    world.insert_resource(MarginIndex::default());
    world.insert_resource(LiquidationRules(scenario.liquidation.clone()));
    world.insert_resource(OracleRules(scenario.oracle.clone()));
    world.insert_resource(LastLiquidation::default());
    world.insert_resource(AdlQueues::default());
    world.insert_resource(Audit { every_tick: cfg!(debug_assertions) });
    world.insert_resource(Faults::default());
    world.insert_resource(Recorder::new(Recording::Memory, SummaryBuilder::for_scenario(scenario)));
    Ok(world)
}

/// Populations with nobody in them (an option series').
fn no_agents() -> Agents {
    let mut agents = Agents::default();
    agents.market_makers.count = 0;
    agents.arbitrageurs.count = 0;
    agents.noise_traders.count = 0;
    agents.leveraged_traders.count = 0;
    agents.backstop.count = 0;
    agents.pair_traders.count = 0;
    agents.trend_followers.count = 0;
    agents.fundamentalists.count = 0;
    agents
}

/// Marks a market keeps for its trend followers: the longest horizon plus one (none without followers).
fn trend_history(agents: &Agents) -> usize {
    let tf = &agents.trend_followers;
    let longest = tf.horizons_ticks.iter().max().copied().unwrap_or(0);
    if tf.count == 0 { 0 } else { longest as usize + 1 }
}

/// A reference's calm variance of log-returns per tick.
fn calm_variance(scenario: &Scenario, reference: &cascade_scenario::Reference) -> f64 {
    let calm = reference.volatility * (scenario.tick_seconds / SECONDS_PER_YEAR).sqrt();
    calm * calm
}

/// Spawns market `k`'s populations (leverage waves join the first market's leveraged traders).
fn spawn_populations(
    world: &mut World,
    spawner: &mut AgentSpawner,
    schedule: &mut TradeSchedule,
    scenario: &Scenario,
    agents: &Agents,
    k: usize,
) -> Result<(), SimError> {
    for _ in 0..agents.market_makers.count {
        let id = spawner.spawn(world, agents.market_makers.capital, MarketMaker)?;
        spawner.follow_price(id);
    }
    for _ in 0..agents.arbitrageurs.count {
        let id = spawner.spawn(world, agents.arbitrageurs.capital, Arbitrageur)?;
        spawner.follow_price(id);
    }
    for _ in 0..agents.noise_traders.count {
        spawner.spawn_drawing(world, agents.noise_traders.capital, NoiseTrader)?;
    }
    for _ in 0..agents.backstop.count {
        spawner.spawn(world, agents.backstop.capital, BackstopLiquidator)?;
    }
    spawn_signal_traders(world, spawner, scenario, agents, k)?;
    let max_leverage = max_leverage(scenario);
    let lt = &agents.leveraged_traders;
    let base = Cohort {
        count: lt.count,
        capital: lt.capital,
        capital_sigma: lt.capital_sigma,
        leverage: lt.leverage,
        leverage_sigma: lt.leverage_sigma,
        long_fraction: lt.long_fraction,
        start: 0,
        window: lt.entry_window_ticks,
        holding_ticks: lt.holding_ticks,
        moves_reference: lt.entries_move_reference,
    };
    let waves = scenario.shocks.iter().filter(|_| k == 0).filter_map(|shock| match shock.kind {
        ShockKind::LeverageWave { count, capital, leverage, long_fraction } => Some(Cohort {
            count,
            capital,
            leverage,
            long_fraction,
            start: shock.at,
            window: shock.duration.max(1),
            // Leverage arriving during the run is flow the wider market sees.
            moves_reference: true,
            ..base
        }),
        _ => None,
    });
    let instrument = spawner.instrument;
    for (cohort_index, cohort) in std::iter::once(base).chain(waves).enumerate() {
        for n in 0..cohort.count {
            // Each trader's draws come from a stream of its own (market, cohort, index), so they do not depend on
            // the size of the other populations.
            let key = ((k as u64) << 48) | ((cohort_index as u64) << 32) | u64::from(n);
            let mut rng = stream(spawner.seed, domain::POPULATION, key);
            let capital = lognormal(&mut rng, cohort.capital, cohort.capital_sigma);
            let leverage =
                lognormal(&mut rng, cohort.leverage, cohort.leverage_sigma).clamp(1.0, max_leverage.max(1.0));
            let side = if rng.random_bool(cohort.long_fraction) { Side::Buy } else { Side::Sell };
            let entry_tick = cohort.start + rng.random_range(0..cohort.window);
            let collateral = from_f64(capital, CENT, "leveraged trader capital")?.max(CENT);
            let leverage = from_f64(leverage, Decimal::new(1, 2), "leverage")?;
            // No role component: a leveraged trader is an account and its plan in the schedule (at a million
            // accounts, each component costs 8 bytes an account in change ticks alone).
            let id = spawner.spawn(world, collateral, ())?;
            let open = PlannedTrade::Open { instrument, side, leverage, moves_reference: cohort.moves_reference };
            schedule.0.entry(entry_tick).or_default().push((id, open));
            if cohort.holding_ticks > 0.0 {
                let u: f64 = rng.random();
                let hold = (-cohort.holding_ticks * libm::log(1.0 - u)).ceil().max(1.0) as u64;
                schedule.0.entry(entry_tick + hold).or_default().push((id, PlannedTrade::Close));
            }
        }
    }
    Ok(())
}

/// The most leverage a trader draws: below what the venue's opening initial margin allows (95% of it).
fn max_leverage(scenario: &Scenario) -> f64 {
    0.95 / to_f64(crate::systems::margin::opening_rates(&scenario.margin).0)
}

/// Spawns market `k`'s signal traders, trend followers then fundamentalists, each drawing its collateral (and a
/// trend follower its horizon) from a stream of its own.
fn spawn_signal_traders(
    world: &mut World,
    spawner: &mut AgentSpawner,
    scenario: &Scenario,
    agents: &Agents,
    k: usize,
) -> Result<(), SimError> {
    let (tf, fu) = (&agents.trend_followers, &agents.fundamentalists);
    let max_leverage = max_leverage(scenario);
    let populations = [
        (tf.count, tf.capital, tf.capital_sigma, tf.leverage, Some(&tf.horizons_ticks)),
        (fu.count, fu.capital, fu.capital_sigma, fu.leverage, None),
    ];
    for (population, (count, capital, sigma, leverage, horizons)) in populations.into_iter().enumerate() {
        let leverage = from_f64(leverage.clamp(1.0, max_leverage.max(1.0)), Decimal::new(1, 2), "leverage")?;
        for n in 0..count {
            let key = ((k as u64) << 40) | ((population as u64) << 32) | u64::from(n);
            let mut rng = stream(spawner.seed, domain::SIGNAL_TRADER, key);
            let collateral = from_f64(lognormal(&mut rng, capital, sigma), CENT, "signal trader capital")?.max(CENT);
            let signal = match horizons {
                Some(h) => Signal::Trend { horizon: h[rng.random_range(0..h.len())] },
                None => Signal::Value,
            };
            spawner.spawn_drawing(world, collateral, SignalTrader { signal, leverage, opened_at: 0 })?;
        }
    }
    Ok(())
}

/// Spawns the pair traders: long one of the first two instruments and short the other, each leg half the gross
/// notional; one account holding both legs, or (isolated margin) one account per leg with half the capital each.
fn spawn_pair_traders(
    world: &mut World,
    spawner: &mut AgentSpawner,
    schedule: &mut TradeSchedule,
    scenario: &Scenario,
) -> Result<(), SimError> {
    let p = &scenario.agents.pair_traders;
    let (first, second) = (InstrumentId(0), InstrumentId(1));
    let isolated = scenario.margin.mode == MarginMode::Isolated;
    for n in 0..p.count {
        let mut rng = stream(spawner.seed, domain::PAIR, u64::from(n));
        let capital = from_f64(lognormal(&mut rng, p.capital, 0.5), CENT, "pair trader capital")?.max(CENT);
        let entry_tick = rng.random_range(0..p.entry_window_ticks.max(1));
        let leg_leverage = from_f64(p.leverage / 2.0, Decimal::new(1, 2), "leverage")?;
        let (buy, sell) = if rng.random_bool(p.long_fraction) { (first, second) } else { (second, first) };
        let legs = [(buy, Side::Buy), (sell, Side::Sell)];
        if isolated {
            let half = (capital / Decimal::TWO).round_dp(2);
            for (instrument, side) in legs {
                spawner.instrument = instrument;
                let id = spawner.spawn(world, half, PairTrader)?;
                let leverage = leg_leverage * Decimal::TWO;
                let open = PlannedTrade::Open { instrument, side, leverage, moves_reference: true };
                schedule.0.entry(entry_tick).or_default().push((id, open));
            }
            spawner.instrument = first;
        } else {
            let id = spawner.spawn(world, capital, PairTrader)?;
            for (instrument, side) in legs {
                let open = PlannedTrade::Open { instrument, side, leverage: leg_leverage, moves_reference: true };
                schedule.0.entry(entry_tick).or_default().push((id, open));
            }
        }
    }
    Ok(())
}

/// Spawns agents with dense ids, their deposits booked in the ledger.
pub(crate) struct AgentSpawner<'a> {
    /// The run's seed.
    pub(crate) seed: u64,
    /// The instrument the next agents are homed in.
    pub(crate) instrument: InstrumentId,
    /// Whether the market's reference moves with directional flow only (its price followers are listed).
    price_followers: bool,
    index: &'a mut AgentIndex,
    ledger: &'a mut money::Ledger,
}

impl AgentSpawner<'_> {
    /// An agent with an account holding `collateral`, in the role `role`.
    pub(crate) fn spawn(
        &mut self,
        world: &mut World,
        collateral: Decimal,
        role: impl Bundle,
    ) -> Result<AgentId, SimError> {
        let id = AgentId(self.index.entities.len() as u32);
        self.ledger.deposit(collateral)?;
        let account = Account(Portfolio::with_collateral(collateral));
        let entity = world.spawn((Agent { id, instrument: self.instrument }, account, role)).id();
        self.index.entities.push(entity);
        Ok(id)
    }

    /// Lists `agent` among the price followers if its market's reference moves with directional flow only (ids are
    /// dense and increasing, so the list stays sorted).
    fn follow_price(&mut self, agent: AgentId) {
        if self.price_followers {
            self.index.price_followers.push(agent);
        }
    }

    /// An agent that draws as it acts: [`Self::spawn`] and a random stream of its own, keyed by its id.
    fn spawn_drawing(
        &mut self,
        world: &mut World,
        collateral: Decimal,
        role: impl Bundle,
    ) -> Result<AgentId, SimError> {
        let next = self.index.entities.len() as u64;
        let rng = AgentRng(stream(self.seed, domain::AGENT, next));
        self.spawn(world, collateral, (role, rng))
    }
}

/// A group of leveraged traders drawn alike: the base population, or a leverage wave.
#[derive(Debug, Clone, Copy)]
struct Cohort {
    count: u32,
    capital: f64,
    capital_sigma: f64,
    leverage: f64,
    leverage_sigma: f64,
    long_fraction: f64,
    start: u64,
    window: u64,
    holding_ticks: f64,
    moves_reference: bool,
}

/// The underlying of a scenario market: its reference process (or replayed series) and its oracle state.
fn build_underlying(
    scenario: &Scenario,
    setup: &MarketSetup,
    id: UnderlyingId,
    seed: u64,
) -> Result<Underlying, SimError> {
    let (m, r) = (&setup.contract, &setup.reference);
    let initial = to_f64(m.initial_price);
    let calm = r.volatility * (scenario.tick_seconds / SECONDS_PER_YEAR).sqrt();
    let params = ReferenceParams {
        drift: r.drift,
        volatility: r.volatility,
        jump_intensity: r.jumps_per_day * 365.0,
        jump_mean: r.jump_mean,
        jump_stdev: r.jump_stdev,
    };
    let max_lag: u32 = scenario
        .shocks
        .iter()
        .map(|s| if let cascade_scenario::ShockKind::OracleLag { ticks } = s.kind { ticks } else { 0 })
        .sum();
    let reference = match &r.model {
        ReferenceModel::Gbm => ReferenceProcess::new(initial, scenario.tick_seconds, params, VolatilityModel::Constant),
        ReferenceModel::Garch { alpha, beta } => ReferenceProcess::new(
            initial,
            scenario.tick_seconds,
            params,
            VolatilityModel::Garch { alpha: *alpha, beta: *beta },
        ),
        ReferenceModel::RegimeSwitching { regimes } => {
            let regimes = regimes.iter().map(|g| (g.multiplier, 1.0 / g.mean_duration_ticks)).collect();
            ReferenceProcess::new(initial, scenario.tick_seconds, params, VolatilityModel::Regimes(regimes))
        }
        &ReferenceModel::Herding { phi, chi, sigma_f, sigma_c, alpha_0, alpha_n, alpha_p, beta, mu, tail_dof } => {
            let herding = HerdingParams { phi, chi, sigma_f, sigma_c, alpha_0, alpha_n, alpha_p, beta, mu, tail_dof };
            ReferenceProcess::new(initial, scenario.tick_seconds, params, VolatilityModel::Herding(herding))
        }
        ReferenceModel::Replay { .. } => {
            let series =
                setup.replay.as_ref().ok_or_else(|| SimError::Scenario("a replay without its series".into()))?;
            let prices: Vec<f64> =
                (0..=scenario.ticks).map(|t| series.price_at(t as f64 * scenario.tick_seconds)).collect();
            ReferenceProcess::replay(&prices, scenario.tick_seconds, params)
        }
    };
    let start = reference.price();
    // Under replay the run starts at the series' first price.
    let initial_price = match r.model {
        ReferenceModel::Replay { .. } => money::round_to_step(
            from_f64(reference.price(), m.tick_size, "replayed price").map_err(SimError::Money)?,
            m.tick_size,
        )
        .unwrap_or(m.initial_price),
        _ => m.initial_price,
    };
    let o = &scenario.oracle;
    let history_len = (o.delay_ticks + o.sources * o.source_lag_ticks.max(1) + max_lag) as usize;
    Ok(Underlying {
        id,
        symbol: m.symbol.clone(),
        price_step: m.tick_size,
        reference,
        reference_rng: stream(seed, domain::REFERENCE, u64::from(id.0)),
        reference_history: VecDeque::from(vec![start; history_len]),
        history_len,
        pending_gap: 0.0,
        flow_impact: r.flow_impact,
        impact_retention: r.impact_half_life_ticks.map_or(1.0, |h| libm::pow(0.5, 1.0 / h)),
        transient_impact: 0.0,
        previous_net_taker_notional: 0.0,
        calm_volatility_per_tick: calm,
        oracle_price: initial_price,
        oracle_stale: false,
        oracle_confidence: Decimal::ZERO,
        oracle_medians: VecDeque::new(),
        oracle_published_at: 0,
        twap_ticks: scenario.oracle.twap_ticks.max(1) as usize,
        oracle_rejections: 0,
    })
}

/// The linear perpetual of a scenario market, written on `underlying` and marked at its oracle price to start.
fn build_instrument(scenario: &Scenario, setup: &MarketSetup, id: InstrumentId, underlying: &Underlying) -> Instrument {
    let m = &setup.contract;
    let calm = underlying.calm_volatility_per_tick;
    let spec = ContractSpec {
        symbol: m.symbol.clone(),
        tick_size: m.tick_size,
        lot_size: m.lot_size,
        taker_fee: m.taker_fee,
        maker_fee: m.maker_fee,
        price_band: m.price_band,
        mark_band: m.mark_band,
        basis_average_ticks: m.basis_average_ticks as usize,
        liquidation_fee: scenario.liquidation.fee,
        funding_interval: scenario.funding.interval_ticks,
        funding_cap: scenario.funding.cap,
    };
    let margin = crate::systems::margin::starting_schedule(&scenario.margin);
    let volatility = Ewma::new(scenario.agents.market_makers.volatility_lambda, calm * calm);
    let kind = InstrumentKind::LinearPerpetual;
    let mut instrument = Instrument::new(id, underlying.id, kind, spec, underlying.oracle_price, margin, volatility);
    instrument.mark_history_len = trend_history(&setup.agents);
    instrument.fundamental = (setup.agents.fundamentalists.count > 0).then(|| Fundamental {
        value: to_f64(underlying.oracle_price),
        retention: libm::pow(0.5, 1.0 / setup.agents.fundamentalists.value_half_life_ticks),
    });
    instrument.noise_activity = setup.agents.noise_traders.self_excitation.map(|e| {
        let noise = &setup.agents.noise_traders;
        SelfExciting::with_mean(f64::from(noise.count) * noise.trade_probability, e.branching, e.decay_ticks)
    });
    instrument
}
