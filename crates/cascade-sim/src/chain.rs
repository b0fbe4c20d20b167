//! A decentralized venue's chain in the world: blocks, the gas a liquidation transaction costs, and the keepers who
//! send them (`docs/onchain.md`; the systems are in `systems::keepers`).

use crate::SimError;
use crate::build::AgentSpawner;
use crate::components::Keeper;
use bevy_ecs::prelude::*;
use cascade_core::money::{MoneyError, from_f64, to_f64};
use cascade_core::{AgentId, Decimal};
use cascade_scenario::{Chain, Liquidators, Scenario};
use std::collections::BTreeMap;

/// The chain's rules and state: the keepers, when each queued account was first seen below maintenance, the gas
/// multiplier in force, and this block's keeper transactions.
#[derive(Resource, Debug, Clone)]
pub struct ChainState {
    /// The scenario's chain.
    pub rules: Chain,
    /// The keepers' accounts, in id order.
    pub keepers: Vec<AgentId>,
    /// The tick at which each account now below maintenance was first seen there.
    pub seen: BTreeMap<AgentId, u64>,
    /// The gas multiplier of the current block (1: a calm, empty chain).
    pub multiplier: f64,
    /// The congestion shocks' multiplier in force.
    pub congestion: f64,
    /// The liquidations keepers sent in this block.
    pub sent: Vec<KeeperTransaction>,
    /// The Dutch auctions running (keepers' `Auction` style), by account.
    pub auctions: BTreeMap<AgentId, RunningAuction>,
    /// What bringing a pull oracle's price along adds to a transaction in a calm chain, quote (0 without one).
    pub oracle_update_cost: Decimal,
    /// Agents' market orders that landed in this block (with `orders`).
    pub orders_landed: u32,
    /// Agents' market orders waiting for a block (with `orders`).
    pub orders_waiting: usize,
}

/// A Dutch auction of an account's perpetual positions, running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningAuction {
    /// The tick it started, or last restarted.
    pub started: u64,
    /// Each position's instrument and its underlying's oracle price at that tick, quote per base unit.
    pub starts: Vec<(cascade_core::InstrumentId, Decimal)>,
    /// How many times it restarted.
    pub resets: u32,
}

/// One liquidation a keeper sent: the account, the keeper, the gas it paid, the gross notional the account held
/// when it was sent (a close-out's reward is on what it closed of it), and what a fixed-discount keeper takes over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeeperTransaction {
    /// The account to liquidate.
    pub account: AgentId,
    /// The keeper who sent it.
    pub keeper: AgentId,
    /// The transaction's cost, quote currency.
    pub gas: Decimal,
    /// The account's gross notional at the marks when sent, quote currency.
    pub notional: Decimal,
    /// Fixed-discount style: the quantity of each perpetual position the keeper takes over (absolute units);
    /// empty for a close-out.
    pub takes: Vec<(cascade_core::InstrumentId, Decimal)>,
}

impl ChainState {
    /// What one transaction costs in the current block, quote currency: the base cost (with a pull oracle's update
    /// cost) times the multiplier, on the booking grid.
    pub fn transaction_cost(&self) -> Result<Decimal, MoneyError> {
        let base = to_f64(self.rules.gas.base_cost + self.oracle_update_cost);
        from_f64(base * self.multiplier, Decimal::new(1, 8), "gas")
    }

    /// What one agent's order transaction costs in the current block, quote currency (zero unless orders are
    /// transactions), on the booking grid.
    pub fn order_cost(&self) -> Result<Decimal, MoneyError> {
        let cost = self.rules.orders.map_or(Decimal::ZERO, |o| o.cost);
        from_f64(to_f64(cost) * self.multiplier, Decimal::new(1, 8), "an order's gas")
    }

    /// How many liquidation transactions this block still holds: `block_liquidations`, or with orders as
    /// transactions what their landing left of the block's space, if less.
    pub fn liquidation_space(&self) -> usize {
        let most = self.rules.block_liquidations as usize;
        self.rules.orders.map_or(most, |o| most.min((o.block_space.saturating_sub(self.orders_landed)) as usize))
    }

    /// Whether keepers liquidate (not the venue's engine alone).
    pub fn keepers_liquidate(&self) -> bool {
        self.rules.liquidators != Liquidators::Engine
    }
}

/// Spawns the scenario's keepers (if its chain has keepers liquidating) and gives the chain's state; `None` without
/// a chain.
pub(crate) fn spawn_chain(
    world: &mut World,
    spawner: &mut AgentSpawner,
    scenario: &Scenario,
) -> Result<Option<ChainState>, SimError> {
    let Some(chain) = &scenario.chain else { return Ok(None) };
    let mut keepers = Vec::new();
    if chain.liquidators != Liquidators::Engine {
        for _ in 0..chain.keepers.count {
            keepers.push(spawner.spawn(world, chain.keepers.capital, Keeper)?);
        }
    }
    Ok(Some(ChainState {
        rules: chain.clone(),
        keepers,
        seen: BTreeMap::new(),
        multiplier: 1.0,
        congestion: 1.0,
        sent: Vec::new(),
        auctions: BTreeMap::new(),
        oracle_update_cost: scenario.oracle.pull.map_or(Decimal::ZERO, |p| p.update_cost),
        orders_landed: 0,
        orders_waiting: 0,
    }))
}

/// The gas multiplier of a block: `min(max, (1 + volatility_sensitivity x max(sigma / sigma_calm - 1, 0) +
/// congestion_sensitivity x waiting / space) x congestion)`, for the underlying's realized volatility `sigma` per
/// tick against its calm level and `waiting` transactions (liquidations below maintenance and, with orders as
/// transactions, orders waiting) over a block's space (`block_liquidations`, or the orders' `block_space`). 1 if
/// not finite.
pub fn gas_multiplier(rules: &Chain, sigma: f64, sigma_calm: f64, waiting: usize, congestion: f64) -> f64 {
    let gas = &rules.gas;
    let excess = if sigma_calm > 0.0 { (sigma / sigma_calm - 1.0).max(0.0) } else { 0.0 };
    let space = rules.orders.map_or(rules.block_liquidations, |o| o.block_space);
    let backlog = waiting as f64 / f64::from(space.max(1));
    let m = (1.0 + gas.volatility_sensitivity * excess + gas.congestion_sensitivity * backlog) * congestion;
    if m.is_finite() { m.min(gas.max_multiplier).max(1.0) } else { 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gas_multiplier_by_hand() {
        let rules = Chain::default(); // sensitivities 2 and 1, 100 a block, at most 100x
        assert_eq!(gas_multiplier(&rules, 1.0, 1.0, 0, 1.0), 1.0);
        // Volatility at 2.5x calm: 1 + 2 x 1.5 = 4; 250 waiting: + 2.5 = 6.5; a 10x congestion: 65.
        assert_eq!(gas_multiplier(&rules, 2.5, 1.0, 250, 10.0), 65.0);
        assert_eq!(gas_multiplier(&rules, 2.5, 1.0, 250, 100.0), 100.0, "capped");
        assert_eq!(gas_multiplier(&rules, 0.5, 1.0, 0, 1.0), 1.0, "calmer than calm costs the base");
        assert_eq!(gas_multiplier(&rules, f64::NAN, 1.0, 0, 1.0), 1.0);
    }
}
