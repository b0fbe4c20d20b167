//! A decentralized venue's chain: blocks, a gas market, and the keepers who send liquidation transactions
//! (`docs/onchain.md`).

use rust_decimal::Decimal;
use rust_decimal::dec;
use serde::{Deserialize, Serialize};

/// The chain a decentralized venue runs on. Liquidations are transactions: they land only in blocks, a block holds
/// at most `block_liquidations` of them, and each costs its sender the gas price of its block. Who sends them is
/// `liquidators`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Chain {
    /// Ticks between blocks (1: a block every tick); liquidations happen only at ticks that are multiples of it.
    pub block_ticks: u64,
    /// The most liquidation transactions one block holds (block space); the highest rewards go first.
    pub block_liquidations: u32,
    /// The gas market: what one liquidation transaction costs.
    pub gas: Gas,
    /// Who liquidates.
    pub liquidators: Liquidators,
    /// The keepers (used unless `liquidators` is `Engine`).
    pub keepers: Keepers,
    /// Agents' market orders as transactions too (`None`: they land every tick at no cost).
    pub orders: Option<OrderTransactions>,
}

/// Agents' market orders as transactions: each lands only in a block, in arrival order, within the block's space,
/// and costs its sender `cost` times the block's gas multiplier, paid to the chain; an order that does not fit
/// waits for the next block (and counts among the transactions waiting, which raise the gas price). Liquidations
/// get the space the orders leave (at most `block_liquidations`). Resting orders and cancellations (market makers'
/// quotes) stay off-chain and free.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderTransactions {
    /// What one order transaction costs in a calm, empty chain, quote currency.
    pub cost: Decimal,
    /// The most transactions (orders and liquidations together) one block holds, at least 1.
    pub block_space: u32,
}

impl Default for OrderTransactions {
    fn default() -> Self {
        Self { cost: dec!(0.5), block_space: 200 }
    }
}

impl Default for Chain {
    fn default() -> Self {
        Self {
            block_ticks: 1,
            block_liquidations: 100,
            gas: Gas::default(),
            liquidators: Liquidators::Keepers,
            keepers: Keepers::default(),
            orders: None,
        }
    }
}

/// What a liquidation transaction costs, quote currency: `base_cost` times a multiplier that rises with the
/// underlying's volatility and with the liquidations waiting for block space, times any `Congestion` shock in force,
/// capped at `max_multiplier`:
/// `multiplier = min(max_multiplier, (1 + volatility_sensitivity x max(sigma / sigma_calm - 1, 0)
///   + congestion_sensitivity x waiting / block_liquidations) x shock)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Gas {
    /// Cost of one liquidation transaction in a calm, empty chain, quote currency (gas used times gas price times
    /// the native token's price).
    pub base_cost: Decimal,
    /// How much the multiplier rises per unit of realized volatility above the calm level (`sigma / sigma_calm - 1`).
    pub volatility_sensitivity: f64,
    /// How much it rises per block's worth of liquidations waiting.
    pub congestion_sensitivity: f64,
    /// The highest multiplier.
    pub max_multiplier: f64,
}

impl Default for Gas {
    fn default() -> Self {
        Self { base_cost: dec!(5), volatility_sensitivity: 2.0, congestion_sensitivity: 1.0, max_multiplier: 100.0 }
    }
}

/// Who sends liquidation transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Liquidators {
    /// The venue's own engine, every block, at no gas (as a centralized venue).
    Engine,
    /// Keepers only: an account is liquidated when a keeper sends its transaction.
    Keepers,
    /// Keepers, and the venue's engine for an account no keeper has liquidated within `after_ticks` of its falling
    /// below maintenance.
    Both {
        /// Ticks the engine waits for a keeper.
        after_ticks: u64,
    },
}

/// Permissionless liquidators. Each block, a keeper who has seen an account below maintenance for `latency_ticks`
/// sends its liquidation when what it earns less the transaction's cost (and, taking positions over, less their
/// price risk) is at least `min_profit`, and it holds the cost. One keeper sends each liquidation (the first in id
/// order that can); it pays the cost into the chain's gas sink whether or not the liquidation fills. How it
/// liquidates and earns is `style`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Keepers {
    /// How many.
    pub count: u32,
    /// Each one's balance for gas, quote currency.
    pub capital: Decimal,
    /// Ticks from an account's falling below maintenance to a keeper's transaction.
    pub latency_ticks: u64,
    /// The keeper's reward, fraction of the notional closed, paid by the liquidated account.
    pub reward: Decimal,
    /// The least profit (reward less gas) a keeper sends a liquidation for, quote currency.
    pub min_profit: Decimal,
    /// How a keeper's transaction liquidates.
    pub style: KeeperStyle,
    /// Taking positions over: the price risk a keeper charges itself, in standard deviations of the mark's move
    /// (its realized volatility per tick) over the ticks it needs to unwind them, times their notional.
    pub risk_aversion: f64,
    /// Taking positions over: the largest notional a keeper unwinds into the book per tick, quote currency.
    pub unwind_notional: f64,
    /// Taking positions over: the worst price of an unwinding order, basis points from the mark.
    pub unwind_slippage_bps: f64,
}

/// How a keeper's transaction liquidates an account.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum KeeperStyle {
    /// The venue's engine closes the account out (book, backstops, deleveraging, as without a chain); the keeper
    /// is paid `reward` of the notional closed, by the liquidated account.
    CloseOut,
    /// Fixed-discount liquidation (Aave-style): the keeper buys (sells) `close_factor` of each perpetual position of
    /// a long (short) account at `bonus` below (above) the oracle price, all of it when the account's equity is
    /// below `full_below` times its maintenance requirement; it holds what it bought, within its initial margin, and
    /// unwinds it into the book. Its earnings are the discount.
    FixedDiscount {
        /// The discount to the oracle price, fraction (Aave's liquidation bonus, e.g. 0.05).
        bonus: Decimal,
        /// The share of each position one liquidation takes (Aave's close factor, 0.5).
        close_factor: Decimal,
        /// Below this margin ratio (equity over maintenance) a liquidation takes the whole position.
        full_below: Decimal,
    },
    /// Dutch auction (MakerDAO Liquidations 2.0): a keeper's transaction starts an auction of the account's
    /// perpetual positions and is paid `tip + chip x` its gross notional by the account. Each position is offered at
    /// `buf` times its oracle price at the start (a short is bought back at `2 - buf` times it), the factor falling by
    /// `cut` every `step_ticks`; the auction restarts at the oracle price then when it has run `tail_ticks` or its
    /// factor has fallen below `cusp` of `buf`. Each block, keepers take a whole auction when the oracle price less
    /// the auction's price, less the gas and the price risk of holding, is at least `min_profit`; a keeper holds what
    /// it took, within its initial margin, and unwinds it into the book.
    Auction {
        /// Starting price over the oracle price (Maker's `buf`, e.g. 1.2), at least 1.
        buf: Decimal,
        /// The price factor per step (Maker's `cut`, e.g. 0.99), in (0, 1).
        cut: Decimal,
        /// Ticks per step, at least 1.
        step_ticks: u64,
        /// Ticks after which an auction restarts (Maker's `tail`), at least 1.
        tail_ticks: u64,
        /// Fraction of the starting factor below which an auction restarts (Maker's `cusp`, e.g. 0.4), in [0, 1).
        cusp: Decimal,
        /// Flat incentive for starting an auction, quote currency (Maker's `tip`).
        tip: Decimal,
        /// Incentive for starting an auction, fraction of the account's gross notional (Maker's `chip`), in [0, 1).
        chip: Decimal,
    },
}

impl Default for Keepers {
    fn default() -> Self {
        Self {
            count: 5,
            capital: dec!(100000),
            latency_ticks: 1,
            reward: dec!(0.005),
            min_profit: dec!(10),
            style: KeeperStyle::CloseOut,
            risk_aversion: 1.0,
            unwind_notional: 100_000.0,
            unwind_slippage_bps: 50.0,
        }
    }
}
