//! The agent populations of a scenario.

use rust_decimal::Decimal;
use rust_decimal::dec;
use serde::{Deserialize, Serialize};

/// The populations of agents.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Agents {
    /// Market makers quoting depth ladders.
    pub market_makers: MarketMakers,
    /// Arbitrageurs trading the venue towards the reference.
    pub arbitrageurs: Arbitrageurs,
    /// Noise traders.
    pub noise_traders: NoiseTraders,
    /// Leveraged position takers: the population at risk.
    pub leveraged_traders: LeveragedTraders,
    /// Backstop liquidators: vaults that take over deeply underwater positions.
    pub backstop: Backstop,
    /// Relative-value traders: long one of the first two markets and short the other (needs `other_markets`).
    pub pair_traders: PairTraders,
    /// Trend followers: leveraged momentum traders who pile into a running trend.
    pub trend_followers: TrendFollowers,
    /// Fundamentalists: leveraged value traders who bet on the mark's return to a fundamental value.
    pub fundamentalists: Fundamentalists,
}

/// Fundamentalists (value traders) are leveraged accounts that bet on mean reversion: each takes the fundamental
/// value to be the oracle price averaged with a half-life of `value_half_life_ticks`, looks at random times (with
/// probability `look_probability` a tick), and when flat and the mark is beyond `threshold` (log) from that value
/// takes the other side (buys below, sells above) at `leverage` times its collateral (clipped to what initial margin
/// allows); it closes after `holding_ticks`, or is liquidated, and then watches again. They buy a crash's first leg,
/// and a second leg liquidates them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fundamentalists {
    /// How many (0: none).
    pub count: u32,
    /// Median collateral, quote currency (log-normal).
    pub capital: f64,
    /// Log-standard deviation of collateral.
    pub capital_sigma: f64,
    /// Position notional over collateral, >= 1.
    pub leverage: f64,
    /// Half-life of the average of the oracle price that is their fundamental value, ticks (> 0).
    pub value_half_life_ticks: f64,
    /// The log distance of the mark from the fundamental value beyond which a trader bets on its return, >= 0.
    pub threshold: f64,
    /// Probability of looking at the market in a tick, in [0, 1].
    pub look_probability: f64,
    /// Ticks a position is held before it is closed, at least 1.
    pub holding_ticks: u64,
}

impl Default for Fundamentalists {
    fn default() -> Self {
        Self {
            count: 0,
            capital: 20_000.0,
            capital_sigma: 0.5,
            leverage: 3.0,
            value_half_life_ticks: 1_440.0,
            threshold: 0.02,
            look_probability: 0.1,
            holding_ticks: 720,
        }
    }
}

/// Trend followers (momentum traders with heterogeneous horizons) are leveraged accounts that pile into a trend:
/// each watches the mark's log return over its own horizon (drawn uniformly from `horizons_ticks`), looks at random
/// times (with probability `look_probability` a tick), and when flat and the return is beyond `threshold` either way
/// opens a position that way of `leverage` times its collateral (clipped to what initial margin allows); it closes
/// after `holding_ticks`, or is liquidated, and then watches again. The crowd they form on one side in a run-up is
/// what a reversal liquidates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrendFollowers {
    /// How many (0: none).
    pub count: u32,
    /// Median collateral, quote currency (log-normal).
    pub capital: f64,
    /// Log-standard deviation of collateral.
    pub capital_sigma: f64,
    /// Position notional over collateral, >= 1.
    pub leverage: f64,
    /// The horizons a trader watches, ticks (each trader draws one uniformly), each from 1 to 10,080.
    pub horizons_ticks: Vec<u64>,
    /// The log return over the horizon beyond which a trader follows the trend, >= 0 (0.01 = 1%).
    pub threshold: f64,
    /// Probability of looking at the market in a tick, in [0, 1]: traders act at their own random times.
    pub look_probability: f64,
    /// Ticks a position is held before it is closed, at least 1.
    pub holding_ticks: u64,
}

impl Default for TrendFollowers {
    fn default() -> Self {
        Self {
            count: 0,
            capital: 5_000.0,
            capital_sigma: 0.5,
            leverage: 10.0,
            horizons_ticks: vec![15, 60, 240],
            threshold: 0.01,
            look_probability: 0.1,
            holding_ticks: 240,
        }
    }
}

/// Pair traders hold a hedge across the first two markets: long the first and short the second (with probability
/// `long_fraction`, else the reverse), each leg half of `leverage x capital` in notional, opened at a tick drawn
/// uniformly in the entry window and held. Under cross or portfolio margin each is one account with two positions;
/// under isolated margin, two accounts with half the capital each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PairTraders {
    /// How many (0: none).
    pub count: u32,
    /// Median collateral, quote currency (log-normal, sigma 0.5).
    pub capital: f64,
    /// Gross notional (both legs) over collateral.
    pub leverage: f64,
    /// Entries are spread uniformly over the first this many ticks.
    pub entry_window_ticks: u64,
    /// Probability that a trader is long the first market and short the second (else the reverse), in [0, 1].
    pub long_fraction: f64,
}

impl Default for PairTraders {
    fn default() -> Self {
        Self { count: 0, capital: 20_000.0, leverage: 8.0, entry_window_ticks: 600, long_fraction: 0.5 }
    }
}

/// A backstop liquidator (a vault with finite capital) takes over a liquidatable position when the account's equity
/// is below `trigger` times its maintenance requirement, or when the book could not take it, at `discount` from the
/// mark; it then unwinds what it holds into the book. When its capital is used up, liquidations go to the book.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Backstop {
    /// How many vaults (0: no backstop).
    pub count: u32,
    /// Collateral of each, quote currency.
    pub capital: Decimal,
    /// Largest position notional as a multiple of equity.
    pub max_leverage: Decimal,
    /// Take over when equity < trigger x maintenance requirement (2/3 on some venues), in [0, 1].
    pub trigger: Decimal,
    /// Take-over price discount from the mark, fraction (the liquidated account sells below / buys above the mark).
    pub discount: Decimal,
    /// Largest notional unwound into the book per tick, quote currency.
    pub unwind_notional: f64,
    /// Worst price of an unwinding order, basis points from the mark.
    pub unwind_slippage_bps: f64,
}

impl Default for Backstop {
    fn default() -> Self {
        Self {
            count: 0,
            capital: dec!(5000000),
            max_leverage: dec!(3),
            trigger: dec!(0.66),
            discount: dec!(0.01),
            unwind_notional: 100_000.0,
            unwind_slippage_bps: 20.0,
        }
    }
}

/// Market makers quote a ladder of limit orders on both sides around the oracle price, refreshed every tick. As
/// realized volatility rises above the reference's own, they widen the spread and pull depth; they skew quotes
/// against their inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarketMakers {
    /// How many.
    pub count: u32,
    /// Collateral of each, quote currency.
    pub capital: Decimal,
    /// Price levels per side.
    pub levels: u32,
    /// Distance between levels, basis points of the oracle price.
    pub level_spacing_bps: f64,
    /// Distance of the first level from the quote centre, basis points.
    pub half_spread_bps: f64,
    /// Notional quoted at each level, quote currency.
    pub level_notional: f64,
    /// How strongly the spread widens with excess volatility: spread x (1 + k (v / v0 - 1)).
    pub spread_sensitivity: f64,
    /// How strongly depth is pulled with excess volatility: depth / (1 + k (v / v0 - 1)).
    pub depth_sensitivity: f64,
    /// Quote-centre skew at the inventory limit, basis points (against the inventory).
    pub inventory_skew_bps: f64,
    /// Inventory (absolute notional) beyond which the side that adds to it is not quoted.
    pub max_inventory: f64,
    /// EWMA decay of the volatility estimate (per tick).
    pub volatility_lambda: f64,
}

impl Default for MarketMakers {
    fn default() -> Self {
        Self {
            count: 4,
            capital: dec!(2000000),
            levels: 15,
            level_spacing_bps: 5.0,
            half_spread_bps: 2.0,
            level_notional: 30_000.0,
            spread_sensitivity: 1.0,
            depth_sensitivity: 1.0,
            inventory_skew_bps: 30.0,
            max_inventory: 3_000_000.0,
            volatility_lambda: 0.97,
        }
    }
}

/// Arbitrageurs see the reference price and trade the venue towards it when the gap exceeds a threshold, with
/// finite capital: they stop adding once their position reaches `max_leverage` times equity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Arbitrageurs {
    /// How many.
    pub count: u32,
    /// Collateral of each, quote currency.
    pub capital: Decimal,
    /// Largest position notional as a multiple of equity.
    pub max_leverage: f64,
    /// Gap between venue and reference that triggers a trade, basis points.
    pub threshold_bps: f64,
    /// Largest notional traded per tick, quote currency.
    pub max_order_notional: f64,
}

impl Default for Arbitrageurs {
    fn default() -> Self {
        Self { count: 3, capital: dec!(2000000), max_leverage: 5.0, threshold_bps: 10.0, max_order_notional: 150_000.0 }
    }
}

/// Noise traders send market orders of random side and log-normal size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoiseTraders {
    /// Self-exciting activity: each noise trade raises the chance of more in the next ticks (a Hawkes process,
    /// `cascade_core::activity`), so trading comes in bursts while `trade_probability` stays its long-run mean.
    /// Absent: each trader trades with `trade_probability` every tick, independently of the others.
    pub self_excitation: Option<SelfExcitation>,
    /// How many.
    pub count: u32,
    /// Collateral of each, quote currency.
    pub capital: Decimal,
    /// Probability of trading in a tick, in [0, 1].
    pub trade_probability: f64,
    /// Median order notional, quote currency.
    pub order_notional: f64,
    /// Log-standard deviation of the order notional.
    pub order_notional_sigma: f64,
    /// Tail index (> 1) of Pareto order sizes with median `order_notional`, replacing the log-normal: order sizes in
    /// real markets have a power-law tail of index about 1.5 (Gopikrishnan, Plerou, Gabaix and Stanley 2000). Orders
    /// beyond what a trader's margin allows are rejected. Absent: log-normal.
    pub order_notional_tail: Option<f64>,
}

impl Default for NoiseTraders {
    fn default() -> Self {
        Self {
            count: 50,
            capital: dec!(200000),
            trade_probability: 0.2,
            order_notional: 10_000.0,
            order_notional_sigma: 1.0,
            order_notional_tail: None,
            self_excitation: None,
        }
    }
}

/// The kernel of self-exciting activity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfExcitation {
    /// Further trades each trade begets on average, in [0, 1) (the branching ratio; 0: no excitation).
    pub branching: f64,
    /// Mean delay of the trades a trade begets, ticks (> 0): the excitation decays as `exp(-ticks / decay_ticks)`.
    pub decay_ticks: f64,
}

/// Leveraged traders each open one position at a random tick in the entry window, at a leverage drawn from a
/// log-normal distribution (clipped to what initial margin allows), and hold it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LeveragedTraders {
    /// How many.
    pub count: u32,
    /// Median collateral, quote currency.
    pub capital: f64,
    /// Log-standard deviation of collateral.
    pub capital_sigma: f64,
    /// Median leverage (position notional over collateral).
    pub leverage: f64,
    /// Log-standard deviation of leverage.
    pub leverage_sigma: f64,
    /// Probability that a trader goes long, in [0, 1].
    pub long_fraction: f64,
    /// Entries are spread uniformly over ticks `[0, entry_window_ticks)`.
    pub entry_window_ticks: u64,
    /// Whether the entries' flow moves the wider market (the reference), as any directional flow does. `false`
    /// stands the entry window for open interest built up before the run (a rally's, over weeks), which the wider
    /// market absorbed at the time: the crowd's orders then fill on the venue without pushing the reference, so the
    /// run does not start with the crowd's own run-up and its reversal. Their later closes and liquidations move it.
    pub entries_move_reference: bool,
    /// Mean holding period in ticks (exponentially distributed), after which a trader closes its position with a
    /// market order; 0 holds until liquidated or the end of the run.
    pub holding_ticks: f64,
}

impl Default for LeveragedTraders {
    fn default() -> Self {
        Self {
            count: 3_000,
            capital: 2_000.0,
            capital_sigma: 0.8,
            leverage: 5.0,
            leverage_sigma: 0.5,
            long_fraction: 0.6,
            entry_window_ticks: 1_200,
            entries_move_reference: true,
            holding_ticks: 0.0,
        }
    }
}
