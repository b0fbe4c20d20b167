//! Options on the first market's underlying: the listed series, their surface and grid margin, the option market
//! maker and the option traders (`docs/options.md`).

use cascade_core::option::OptionKind;
use cascade_core::option::grid::ScenarioGrid;
use cascade_core::option::surface::Surface;
use rust_decimal::Decimal;
use rust_decimal::dec;
use serde::{Deserialize, Serialize};

/// European options listed on the first market's underlying: a call and a put at every strike and expiry,
/// cash-settled against the venue's oracle price, marked from the volatility surface and margined by `margin`.
/// Accounts holding an option are margined by it over all their positions on the underlying (the perpetual too);
/// accounts without one keep the margin rules of the scenario's `margin`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// Strikes as fractions of the market's initial price (1.0: at the money), rounded to `strike_step`.
    pub strikes: Vec<f64>,
    /// The strike grid, quote per unit.
    pub strike_step: Decimal,
    /// Expiries, days from the start of the run.
    pub expiries_days: Vec<f64>,
    /// The premium grid, quote per unit.
    pub tick_size: Decimal,
    /// The quantity grid, units of the underlying.
    pub lot_size: Decimal,
    /// Fee paid by the taker, fraction of the premium notional.
    pub taker_fee: Decimal,
    /// Fee paid by the maker, fraction of the premium notional (negative: a rebate).
    pub maker_fee: Decimal,
    /// The implied-volatility surface at the start (SSVI; `docs/options.md`).
    pub surface: Surface,
    /// How far the surface's short end moves each tick towards the underlying's realized volatility (the venue
    /// mark's EWMA, annualized), in [0, 1]: 0 keeps the surface, 1 sets the short end to the realized level.
    pub realized_weight: f64,
    /// How accounts holding options are margined: a scenario grid, or Greeks add-ons on the perpetual's policy.
    pub margin: OptionMarginRule,
    /// Backstop liquidators for option positions: vaults that take a liquidated account's options over at
    /// `discount` from the surface's value (the mark), serving every series; they unwind into the series' books.
    pub backstop: super::Backstop,
    /// The option market maker.
    pub market_maker: OptionMarketMaker,
    /// Populations of option traders, each holding one option position (and, if given, a perpetual position).
    pub traders: Vec<OptionTraders>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            strikes: vec![0.9, 0.95, 1.0, 1.05, 1.1],
            strike_step: dec!(500),
            expiries_days: vec![7.0, 30.0],
            tick_size: dec!(0.5),
            lot_size: dec!(0.01),
            taker_fee: dec!(0.0003),
            maker_fee: dec!(0.0003),
            surface: Surface { short_vol: 0.6, long_vol: 0.55, term_decay: 0.25, rho: -0.3, eta: 1.0, gamma: 0.5 },
            realized_weight: 0.0,
            margin: OptionMarginRule::Grid(OptionGrid::Deribit),
            backstop: super::Backstop {
                count: 0,
                discount: dec!(0.05),
                unwind_slippage_bps: 500.0,
                ..Default::default()
            },
            market_maker: OptionMarketMaker::default(),
            traders: Vec::new(),
        }
    }
}

impl Options {
    /// The strike listed at `fraction` of `initial_price`: on the strike grid (nearest, at least one step); `None`
    /// if the fraction is not a finite number.
    pub fn strike(&self, initial_price: Decimal, fraction: f64) -> Option<Decimal> {
        use cascade_core::money::{from_f64, round_to_step, to_f64};
        let raw = from_f64(to_f64(initial_price) * fraction, Decimal::new(1, 8), "strike").ok()?;
        Some(round_to_step(raw, self.strike_step).unwrap_or(self.strike_step).max(self.strike_step))
    }
}

/// How the venue margins an account holding options (`docs/options.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum OptionMarginRule {
    /// Portfolio margin: every position on the underlying revalued together under a scenario grid.
    Grid(OptionGrid),
    /// Greeks add-ons on the per-position policy of the scenario's `margin`: the book's delta-equivalent position
    /// margined like a perpetual position of that size (the policy's requirement, with its tiers and add-ons), plus
    /// a short-gamma charge for a move of the same fraction and a vega charge for a relative volatility move of
    /// `vol_shock` (`cascade_core::option::addon`); maintenance is the same charge at the policy's maintenance
    /// fraction, with the volatility move scaled by maintenance over initial.
    GreeksAddOns {
        /// The relative volatility move the vega charge covers at initial margin (0.25: a quarter of each leg's
        /// volatility).
        vol_shock: f64,
    },
}

/// Which scenario grid margins option accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum OptionGrid {
    /// Deribit's portfolio margin (`cascade_core::option::grid::presets::deribit`).
    Deribit,
    /// OKX's, for BTC and ETH.
    OkxBtcEth,
    /// Paradex's.
    Paradex,
    /// A grid written out (the fields of `cascade_core::option::grid::ScenarioGrid`).
    Custom(ScenarioGrid),
}

impl OptionGrid {
    /// The grid itself.
    pub fn grid(&self) -> ScenarioGrid {
        use cascade_core::option::grid::presets;
        match self {
            OptionGrid::Deribit => presets::deribit(),
            OptionGrid::OkxBtcEth => presets::okx(presets::OkxTier::BtcEth),
            OptionGrid::Paradex => presets::paradex(),
            OptionGrid::Custom(grid) => grid.clone(),
        }
    }
}

/// The option market maker: one account that quotes a bid and an ask in every series around the surface's value,
/// skewed against its inventory, and (if `hedge`) keeps its net delta near zero with market orders in the perpetual.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OptionMarketMaker {
    /// Its collateral, quote currency (0: no market maker, and no option can trade).
    pub capital: Decimal,
    /// Half the quoted spread, in volatility (0.01: the bid at the surface's volatility less one point, the ask at
    /// one point more); widened by a spread-widening shock.
    pub half_spread_vol: f64,
    /// Units of the underlying quoted on each side of each series.
    pub quote_size: Decimal,
    /// The volatility the quotes move against an inventory at `max_inventory` (units), in volatility.
    pub inventory_skew_vol: f64,
    /// The position in one series (absolute units) beyond which the side that adds to it is not quoted.
    pub max_inventory: Decimal,
    /// Whether it delta-hedges in the perpetual.
    pub hedge: bool,
    /// The net delta (units of the underlying) beyond which it hedges back to zero.
    pub hedge_threshold: f64,
    /// Ticks between looks at its delta (1: every tick).
    pub hedge_interval_ticks: u64,
}

impl Default for OptionMarketMaker {
    fn default() -> Self {
        Self {
            capital: dec!(50000000),
            half_spread_vol: 0.01,
            quote_size: dec!(5),
            inventory_skew_vol: 0.05,
            max_inventory: dec!(5000),
            hedge: true,
            hedge_threshold: 1.0,
            hedge_interval_ticks: 1,
        }
    }
}

/// A population of option traders: each opens one position in one series (and, if `underlying` is not zero, one in
/// the perpetual) at a random tick of the entry window, and holds it: protective-put buyers (long the perpetual and a
/// put), covered-call writers (long the perpetual, short a call), put sellers (short a put).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OptionTraders {
    /// How many.
    pub count: u32,
    /// Collateral of each, quote currency.
    pub capital: Decimal,
    /// The right of the series they trade.
    pub right: OptionKind,
    /// Its strike, as one of `options.strikes`.
    pub strike: f64,
    /// Its expiry, as one of `options.expiries_days`.
    pub expiry_days: f64,
    /// Options each holds, units of the underlying: positive bought, negative sold.
    pub quantity: Decimal,
    /// Perpetual position each holds beside them, units (positive long; 0: none).
    pub underlying: Decimal,
    /// Ticks over which they enter (each at a uniformly drawn tick), at least 1.
    pub entry_window_ticks: u64,
}

impl Default for OptionTraders {
    fn default() -> Self {
        Self {
            count: 0,
            capital: dec!(20000),
            right: OptionKind::Put,
            strike: 0.95,
            expiry_days: 30.0,
            quantity: dec!(1),
            underlying: dec!(0),
            entry_window_ticks: 60,
        }
    }
}
