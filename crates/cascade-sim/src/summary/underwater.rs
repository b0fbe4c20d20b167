//! Losses that are not booked yet: accounts still open whose equity is negative at the marks.

use crate::components::Account;
use crate::pool::LiquidityPool;
use crate::resources::Instruments;
use bevy_ecs::prelude::*;
use cascade_core::Decimal;
use serde::Serialize;

/// Accounts still holding positions whose equity at the current marks is negative: bankrupt, but not liquidated
/// (yet), so their shortfall is not in `bad_debt`. A frozen or stale oracle, paused liquidations or stalled keepers
/// leave them; `bad_debt + shortfall` is what closing everything at the marks would leave unpaid.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Underwater {
    /// How many (pools left out: their losses are their providers').
    pub accounts: u64,
    /// Their negative equity, summed, positive, quote.
    pub shortfall: Decimal,
}

impl Underwater {
    /// The underwater accounts of `world` now.
    pub fn of(world: &World) -> Self {
        let mut out = Self::default();
        let (Some(mut accounts), Some(instruments)) =
            (world.try_query_filtered::<&Account, Without<LiquidityPool>>(), world.get_resource::<Instruments>())
        else {
            return out;
        };
        for account in accounts.iter(world).filter(|a| a.0.positions.iter().any(|p| !p.quantity.is_zero())) {
            if let Ok(equity) = account.0.equity(|i| instruments.valuation(i))
                && equity < Decimal::ZERO
            {
                out.accounts += 1;
                out.shortfall -= equity;
            }
        }
        out
    }
}
