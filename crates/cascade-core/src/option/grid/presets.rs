//! Shipped scenario grids, with their sources. Figures a venue does not publish (in the sources cited) are marked
//! "ours": set your own in the scenario's grid.

use super::{Combine, Extreme, ScenarioGrid, VolScaling};

/// `n` evenly spaced moves from `-range` to `range` (an odd `n` includes zero).
fn spaced(range: f64, n: u32) -> Vec<f64> {
    let steps = f64::from(n - 1);
    (0..n).map(|i| range * (2.0 * f64::from(i) / steps - 1.0)).collect()
}

/// Deribit's standard portfolio margin (support.deribit.com, "Portfolio Margin", 2024; its `private/pme/simulate`
/// example): the underlying over +-16% in 9 points, volatility up 50% / unchanged / down 25%, volatility moves
/// scaled by (30 / days to expiry)^0.30 under 30 days and ^0.13 beyond; the extended table (-66%, -33%, +50%,
/// +100% ... +500%, volatility up only, "only a fraction of simulated P&L", for short options far out of the money);
/// a contingency of 0.01 per net short option per strike (deribit.com, "Portfolio Margin" docs: 0.01 BTC per option
/// of one BTC); maintenance 0.8 x initial.
///
/// Ours: the extended table's fraction (0.35, SPAN's cover, as Deribit does not publish its fraction and dampener),
/// a one-day floor on the expiry scaling, and no net-delta charge (Deribit's "max delta shock" has no published
/// formula).
pub fn deribit() -> ScenarioGrid {
    let extended = [-0.66, -0.33, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0];
    ScenarioGrid {
        price_moves: spaced(0.16, 9),
        vol_moves: vec![0.5, 0.0, -0.25],
        vol_scaling: VolScaling { pivot_days: 30.0, short_power: 0.30, long_power: 0.13, floor_days: 1.0 },
        extremes: extended
            .iter()
            .map(|&price_move| Extreme { price_move, vol_move: 0.5, cover: 0.35, options_only: true })
            .collect(),
        short_option_charge: 0.01,
        short_option_combine: Combine::Added,
        net_delta_charge: 0.0,
        maintenance_ratio: 0.8,
    }
}

/// OKX's portfolio margin tiers of underlying (OKX announcement "OKX will further adjust portfolio margin
/// parameters", 2 January 2025).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OkxTier {
    /// BTC and ETH: spot shocks 0, 4, 8, 12%; extreme move 24%.
    BtcEth,
    /// LTC, BCH, DOT, LINK, XRP and the like: spot shocks 0, 6, 12, 18%; extreme move 36%.
    Major,
    /// Every other underlying: spot shocks 0, 8, 16, 25%; extreme move 50%.
    Other,
}

/// OKX's portfolio margin on one risk unit: MR1, the spot shocks (+- the tier's moves) and MR6, the extreme
/// move (+- the tier's extreme), as `max(MR1, MR6)`; the short-option charge as a floor in the place of MR7, the
/// minimum charge. OKX's formula gives the maintenance requirement: `MMR = max[max(MR1, MR2, MR6) + MR3 + MR4 +
/// MR5, MR7]`.
///
/// Ours: volatility unchanged in MR1 (OKX charges vega apart, in MR3, not modelled here, nor MR2 time decay, MR4
/// basis, MR5 rates); MR6 on the option legs at its full loss; the minimum charge as 1% of the underlying per net
/// short option; initial equal to maintenance (ratio 1), as the initial multiplier is not in the source.
pub fn okx(tier: OkxTier) -> ScenarioGrid {
    let (shocks, extreme) = match tier {
        OkxTier::BtcEth => ([0.04, 0.08, 0.12], 0.24),
        OkxTier::Major => ([0.06, 0.12, 0.18], 0.36),
        OkxTier::Other => ([0.08, 0.16, 0.25], 0.50),
    };
    let mut price_moves: Vec<f64> = shocks.iter().rev().map(|s| -s).collect();
    price_moves.push(0.0);
    price_moves.extend(shocks);
    ScenarioGrid {
        price_moves,
        vol_moves: vec![0.0],
        vol_scaling: VolScaling::NONE,
        extremes: [-extreme, extreme]
            .iter()
            .map(|&price_move| Extreme { price_move, vol_move: 0.0, cover: 1.0, options_only: true })
            .collect(),
        short_option_charge: 0.01,
        short_option_combine: Combine::Floor,
        net_delta_charge: 0.0,
        maintenance_ratio: 1.0,
    }
}

/// CME SPAN's 16 risk scenarios (CME Group, "SPAN Methodology Overview"): the underlying unchanged and up and down
/// 1/3, 2/3 and 3/3 of the price scan range, each with volatility up and down by the volatility scan range (14), and
/// two extreme moves of twice the price scan range at a 35% cover; the short option minimum as a floor.
/// `price_range` and `vol_range` are relative (0.1 = 10% of the underlying; 0.25 = 25% of the volatility);
/// `short_option_minimum` a fraction of the underlying per net short option. Maintenance 1 (a clearing house's
/// figure is its maintenance; exchanges add an initial multiplier of their own).
pub fn span(price_range: f64, vol_range: f64, short_option_minimum: f64) -> ScenarioGrid {
    ScenarioGrid {
        price_moves: spaced(price_range, 7),
        vol_moves: vec![vol_range, -vol_range],
        vol_scaling: VolScaling::NONE,
        extremes: [-2.0 * price_range, 2.0 * price_range]
            .iter()
            .map(|&price_move| Extreme { price_move, vol_move: 0.0, cover: 0.35, options_only: false })
            .collect(),
        short_option_charge: short_option_minimum,
        short_option_combine: Combine::Floor,
        net_delta_charge: 0.0,
        maintenance_ratio: 1.0,
    }
}

/// Paradex's portfolio margin (Paradex docs, "Portfolio Margin"): 24 scenarios, the underlying up and down 4, 8,
/// 12, 16% with volatility up 40% / unchanged / down 22%, shocked IV = IV x (1 + shock x (30 / max(floor, DTE))^power);
/// maintenance 0.5 x initial.
///
/// Ours: the power (0.30, Deribit's short-dated one) and the floor (one day), which the source leaves as
/// parameters.
pub fn paradex() -> ScenarioGrid {
    ScenarioGrid {
        price_moves: vec![-0.16, -0.12, -0.08, -0.04, 0.04, 0.08, 0.12, 0.16],
        vol_moves: vec![0.4, 0.0, -0.22],
        vol_scaling: VolScaling { pivot_days: 30.0, short_power: 0.30, long_power: 0.30, floor_days: 1.0 },
        extremes: Vec::new(),
        short_option_charge: 0.0,
        short_option_combine: Combine::Added,
        net_delta_charge: 0.0,
        maintenance_ratio: 0.5,
    }
}
