//! Building a world from a scenario.

use crate::SimError;
use crate::components::{
    Account, Agent, AgentRng, Arbitrageur, BackstopLiquidator, LeveragedTrader, MarketMaker, NoiseTrader, OracleFeed,
};
use crate::resources::{
    AgentIndex, Audit, Clock, EntrySchedule, Faults, LastLiquidation, LiquidationQueue, LiquidationRules, Market,
    MarketSpec, Markets, OracleRules, Populations, Recorder, Shocks, TickFlow, VenueLedger,
};
use bevy_ecs::prelude::*;
use cascade_core::account::Portfolio;
use cascade_core::book::{OrderBook, Side};
use cascade_core::margin::MarginRates;
use cascade_core::money::{self, from_f64, to_f64};
use cascade_core::process::{ReferenceParams, ReferenceProcess, SECONDS_PER_YEAR};
use cascade_core::rng::{StreamRng, domain, stream};
use cascade_core::stats::Ewma;
use cascade_core::{AgentId, Decimal, MarketId};
use cascade_scenario::Scenario;
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use std::collections::VecDeque;

/// Cent precision for collateral drawn from a distribution.
const CENT: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// Builds the world of `scenario` with random streams derived from `seed`. Agents are numbered in population
/// order: market makers, arbitrageurs, noise traders, backstop liquidators, leveraged traders.
pub fn build_world(scenario: &Scenario, seed: u64) -> Result<World, SimError> {
    let mut world = World::new();
    let mut ledger = money::Ledger::default();
    ledger.seed_insurance_fund(scenario.liquidation.insurance_fund)?;

    let market = build_market(scenario, seed);
    let market_id = market.id;
    world.insert_resource(Clock { tick: 0, ticks: scenario.ticks, tick_seconds: scenario.tick_seconds });
    world.insert_resource(Markets(vec![market]));

    let agents = &scenario.agents;
    let mut index = AgentIndex::default();
    let mut entries = EntrySchedule::default();
    let mut agent_spawner = AgentSpawner { seed, market: market_id, index: &mut index, ledger: &mut ledger };
    for _ in 0..agents.market_makers.count {
        agent_spawner.spawn(&mut world, agents.market_makers.capital, MarketMaker)?;
    }
    for _ in 0..agents.arbitrageurs.count {
        agent_spawner.spawn(&mut world, agents.arbitrageurs.capital, Arbitrageur)?;
    }
    for _ in 0..agents.noise_traders.count {
        agent_spawner.spawn(&mut world, agents.noise_traders.capital, NoiseTrader)?;
    }
    for _ in 0..agents.backstop.count {
        agent_spawner.spawn(&mut world, agents.backstop.capital, BackstopLiquidator)?;
    }
    let lt = &agents.leveraged_traders;
    let max_leverage = 0.95 / to_f64(scenario.margin.initial);
    for n in 0..lt.count {
        // Each trader's parameters come from a stream of its own population index, so they do not depend on the
        // size of the other populations.
        let mut rng = stream(seed, domain::POPULATION, u64::from(n));
        let capital = lognormal(&mut rng, lt.capital, lt.capital_sigma);
        let leverage = lognormal(&mut rng, lt.leverage, lt.leverage_sigma).clamp(1.0, max_leverage.max(1.0));
        let side = if rng.random_bool(lt.long_fraction) { Side::Buy } else { Side::Sell };
        let entry_tick = rng.random_range(0..lt.entry_window_ticks);
        let collateral = from_f64(capital, CENT, "leveraged trader capital")?.max(CENT);
        let leverage = from_f64(leverage, Decimal::new(1, 2), "leverage")?;
        let id = agent_spawner.spawn(&mut world, collateral, LeveragedTrader { entry_tick, side, leverage })?;
        entries.0.entry(entry_tick).or_default().push((id, side, leverage));
    }

    for i in 0..scenario.oracle.sources {
        world.spawn(OracleFeed {
            market: market_id,
            index: i,
            delay_ticks: scenario.oracle.delay_ticks + i,
            noise: scenario.oracle.noise,
            rng: stream(seed, domain::ORACLE, u64::from(i)),
            price: scenario.market.initial_price,
            last_update: 0,
        });
    }

    let mut timeline = scenario.shocks.clone();
    timeline.sort_by_key(|s| s.at);
    world.insert_resource(Shocks { timeline, depth_withdrawal: 0.0, volatility_multiplier: 1.0, ..Shocks::default() });
    world.insert_resource(index);
    world.insert_resource(entries);
    world.insert_resource(VenueLedger(ledger));
    world.insert_resource(Populations(scenario.agents.clone()));
    world.insert_resource(LiquidationQueue::default());
    world.insert_resource(LiquidationRules(scenario.liquidation.clone()));
    world.insert_resource(OracleRules(scenario.oracle.clone()));
    world.insert_resource(LastLiquidation::default());
    world.insert_resource(Audit { every_tick: cfg!(debug_assertions) });
    world.insert_resource(Faults::default());
    world.insert_resource(Recorder::default());
    Ok(world)
}

/// Spawns agents with dense ids, their deposits booked in the ledger.
struct AgentSpawner<'a> {
    seed: u64,
    market: MarketId,
    index: &'a mut AgentIndex,
    ledger: &'a mut money::Ledger,
}

impl AgentSpawner<'_> {
    fn spawn(&mut self, world: &mut World, collateral: Decimal, role: impl Bundle) -> Result<AgentId, SimError> {
        let id = AgentId(self.index.0.len() as u32);
        self.ledger.deposit(collateral)?;
        let rng = AgentRng(stream(self.seed, domain::AGENT, u64::from(id.0)));
        let account = Account(Portfolio::with_collateral(collateral));
        let entity = world.spawn((Agent { id, market: self.market }, account, rng, role)).id();
        self.index.0.push(entity);
        Ok(id)
    }
}

fn build_market(scenario: &Scenario, seed: u64) -> Market {
    let id = MarketId(0);
    let m = &scenario.market;
    let r = &scenario.reference;
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
    let history_len = (scenario.oracle.delay_ticks + scenario.oracle.sources + max_lag) as usize;
    Market {
        id,
        spec: MarketSpec {
            symbol: m.symbol.clone(),
            tick_size: m.tick_size,
            lot_size: m.lot_size,
            taker_fee: m.taker_fee,
            maker_fee: m.maker_fee,
            price_band: m.price_band,
            mark_band: m.mark_band,
            margin: MarginRates { initial: scenario.margin.initial, maintenance: scenario.margin.maintenance },
            liquidation_fee: scenario.liquidation.fee,
            funding_interval: scenario.funding.interval_ticks,
            funding_cap: scenario.funding.cap,
            flow_impact: r.flow_impact,
            calm_volatility_per_tick: calm,
        },
        book: OrderBook::new(),
        reference: ReferenceProcess::new(initial, scenario.tick_seconds, params),
        reference_rng: stream(seed, domain::REFERENCE, u64::from(id.0)),
        reference_history: VecDeque::from(vec![initial; history_len]),
        history_len,
        pending_gap: 0.0,
        oracle_price: m.initial_price,
        oracle_stale: false,
        oracle_medians: VecDeque::new(),
        twap_ticks: scenario.oracle.twap_ticks.max(1) as usize,
        mark_price: m.initial_price,
        last_trade: None,
        open_interest: Decimal::ZERO,
        inbox: Vec::new(),
        flow: TickFlow::default(),
        previous_net_taker_notional: 0.0,
        premium_sum: 0.0,
        premium_count: 0,
        mark_volatility: Ewma::new(scenario.agents.market_makers.volatility_lambda, calm * calm),
    }
}

/// A log-normal draw with the given median and log-standard deviation.
fn lognormal(rng: &mut StreamRng, median: f64, sigma: f64) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    median * libm::exp(sigma * z)
}
