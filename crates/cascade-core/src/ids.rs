//! Stable identifiers. They order everything that must be deterministic (iteration, tie-breaks, random streams).

use serde::{Deserialize, Serialize};

/// Identifies an agent (and its account) for the lifetime of a world. Dense: agents are numbered from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AgentId(pub u32);

/// Identifies a market (an instrument traded on the venue) within a world. Dense: markets are numbered from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct MarketId(pub u16);

impl std::fmt::Display for AgentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}
