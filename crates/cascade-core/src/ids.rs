//! Stable identifiers. They order everything that must be deterministic (iteration, tie-breaks, random streams).

use serde::{Deserialize, Serialize};

/// Identifies an agent (and its account) for the lifetime of a world. Dense: agents are numbered from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AgentId(pub u32);

/// Identifies an instrument traded on the venue (a perpetual today; options and dated futures later) within a
/// world. Positions, books, marks and margin schedules are keyed by it. Dense: instruments are numbered from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct InstrumentId(pub u16);

/// Identifies an underlying (what instruments are written on: its reference price, oracles and oracle price)
/// within a world. Several instruments may share one. Dense: underlyings are numbered from 0, in scenario order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct UnderlyingId(pub u16);

impl std::fmt::Display for AgentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}
