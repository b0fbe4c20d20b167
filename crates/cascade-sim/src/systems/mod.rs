//! The systems of a tick, one module per stage; see [`crate::schedule`] for their order. Systems are thin: the
//! arithmetic lives in `cascade_core`.

pub mod agents;
pub mod auctions;
pub mod funding;
pub mod keepers;
pub mod liquidation;
pub mod margin;
pub mod margin_check;
pub mod mark;
pub mod matching;
pub mod metrics;
pub mod options;
pub mod oracles;
pub mod pool;
pub mod reference;
pub mod settlement;
pub mod shocks;
pub mod winners;
