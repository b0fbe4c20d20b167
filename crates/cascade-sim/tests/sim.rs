//! Tests of the simulation crate, built as one test binary (one link instead of one per file): whole worlds built
//! from scenarios, stepped, and asserted on.

#![allow(clippy::unwrap_used)] // tests unwrap: a failure is the test failing

mod auctions;
mod library;
mod liquidation;
mod margin;
mod markets;
mod onchain;
mod option_liquidation;
mod options;
mod pool;
mod predictive;
mod realism;
mod recording;
mod runner;
mod simulation;

/// Steps `sim` to its end with the ledger audited after every tick, then checks that no flat account keeps a
/// negative balance (a property test's common ending).
pub fn audited_to_the_end(mut sim: cascade_sim::Simulation) -> Result<(), proptest::test_runner::TestCaseError> {
    sim.set_audit_every_tick(true);
    while !sim.is_finished() {
        sim.step().unwrap();
        sim.audit().unwrap();
    }
    let world = sim.world();
    let mut accounts = world.try_query::<&cascade_sim::components::Account>().unwrap();
    for account in accounts.iter(world) {
        let flat = account.0.positions.iter().all(|p| p.quantity.is_zero());
        proptest::prop_assert!(!flat || account.0.collateral >= rust_decimal::Decimal::ZERO);
    }
    Ok(())
}
