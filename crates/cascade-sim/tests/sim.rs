//! Tests of the simulation crate, built as one test binary (one link instead of one per file): whole worlds built
//! from scenarios, stepped, and asserted on.

#![allow(clippy::unwrap_used)] // tests unwrap: a failure is the test failing

mod library;
mod liquidation;
mod margin;
mod markets;
mod onchain;
mod option_liquidation;
mod options;
mod predictive;
mod realism;
mod recording;
mod runner;
mod simulation;
