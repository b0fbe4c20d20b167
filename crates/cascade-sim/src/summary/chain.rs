//! What happened on a decentralized venue's chain: keepers' transactions and agents' order transactions.

use crate::record::Event;
use cascade_core::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

/// Keepers' liquidation transactions on a chain, their gas and their rewards.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KeeperSummary {
    /// Liquidation transactions sent.
    pub transactions: u64,
    /// Gas paid to the chain, quote.
    pub gas: Decimal,
    /// Rewards paid by liquidated accounts to keepers (auction incentives and discounts included), quote.
    pub rewards: Decimal,
}

/// Agents' market orders as transactions on a chain.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OrderSummary {
    /// Orders that landed.
    pub landed: u64,
    /// Gas their senders paid to the chain, quote.
    pub gas: Decimal,
    /// Blocks (and ticks between them) at whose end some order was waiting.
    pub ticks_with_waiting: u64,
    /// The most orders waiting at the end of a tick.
    pub most_waiting: u64,
}

impl OrderSummary {
    /// Takes a `block_orders` event.
    pub(super) fn event(&mut self, e: &Event) {
        let landed = e.quantity.unwrap_or_default();
        let waiting = e.unfilled.unwrap_or_default();
        self.landed += landed.to_u64().unwrap_or(0);
        self.gas += e.fee.unwrap_or_default();
        if waiting > Decimal::ZERO {
            self.ticks_with_waiting += 1;
        }
        self.most_waiting = self.most_waiting.max(waiting.to_u64().unwrap_or(0));
    }
}
