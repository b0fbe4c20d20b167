//! The checks of a set of agent populations.

use super::Checker;
use rust_decimal::Decimal;

/// The longest trend a trend follower may watch, ticks (a week of one-minute ticks); the market keeps that much
/// mark history.
const MAX_HORIZON_TICKS: u64 = 10_080;

/// The checks of a set of agent populations.
pub(super) fn check_agents(c: &mut Checker, a: &crate::model::Agents, prefix: &str) {
    let at = |f: &str| format!("{prefix}{f}");
    let mm = &a.market_makers;
    if mm.count > 0 {
        c.positive_decimal(mm.capital, &at("agents.market_makers.capital"));
        c.require(mm.levels >= 1, at("agents.market_makers.levels"), "expected at least 1 level");
        c.positive(mm.level_spacing_bps, &at("agents.market_makers.level_spacing_bps"));
        c.non_negative(mm.half_spread_bps, &at("agents.market_makers.half_spread_bps"));
        c.positive(mm.level_notional, &at("agents.market_makers.level_notional"));
        c.non_negative(mm.spread_sensitivity, &at("agents.market_makers.spread_sensitivity"));
        c.non_negative(mm.depth_sensitivity, &at("agents.market_makers.depth_sensitivity"));
        c.non_negative(mm.inventory_skew_bps, &at("agents.market_makers.inventory_skew_bps"));
        c.positive(mm.max_inventory, &at("agents.market_makers.max_inventory"));
        c.require(
            mm.volatility_lambda > 0.0 && mm.volatility_lambda < 1.0,
            at("agents.market_makers.volatility_lambda"),
            format!("expected a decay in (0, 1), found {}", mm.volatility_lambda),
        );
    }
    let arb = &a.arbitrageurs;
    if arb.count > 0 {
        c.positive_decimal(arb.capital, &at("agents.arbitrageurs.capital"));
        c.positive(arb.max_leverage, &at("agents.arbitrageurs.max_leverage"));
        c.non_negative(arb.threshold_bps, &at("agents.arbitrageurs.threshold_bps"));
        c.positive(arb.max_order_notional, &at("agents.arbitrageurs.max_order_notional"));
    }
    let nt = &a.noise_traders;
    if nt.count > 0 {
        c.positive_decimal(nt.capital, &at("agents.noise_traders.capital"));
        c.unit_interval(nt.trade_probability, &at("agents.noise_traders.trade_probability"));
        c.positive(nt.order_notional, &at("agents.noise_traders.order_notional"));
        c.non_negative(nt.order_notional_sigma, &at("agents.noise_traders.order_notional_sigma"));
        if let Some(alpha) = nt.order_notional_tail {
            c.require(
                alpha.is_finite() && alpha > 1.0,
                at("agents.noise_traders.order_notional_tail"),
                format!("expected a tail index above 1 (a finite mean size), found {alpha}"),
            );
        }
        if let Some(e) = nt.self_excitation {
            c.require(
                e.branching.is_finite() && (0.0..1.0).contains(&e.branching),
                at("agents.noise_traders.self_excitation.branching"),
                format!("expected a branching ratio in [0, 1) (1 or more never settles), found {}", e.branching),
            );
            c.positive(e.decay_ticks, &at("agents.noise_traders.self_excitation.decay_ticks"));
        }
    }
    let lt = &a.leveraged_traders;
    if lt.count > 0 {
        check_capital_and_leverage(c, &at("agents.leveraged_traders"), lt.capital, lt.capital_sigma, lt.leverage);
        c.non_negative(lt.leverage_sigma, &at("agents.leveraged_traders.leverage_sigma"));
        c.unit_interval(lt.long_fraction, &at("agents.leveraged_traders.long_fraction"));
        c.non_negative(lt.holding_ticks, &at("agents.leveraged_traders.holding_ticks"));
        c.require(
            lt.entry_window_ticks >= 1,
            at("agents.leveraged_traders.entry_window_ticks"),
            "expected at least 1 tick",
        );
    }
    let tf = &a.trend_followers;
    if tf.count > 0 {
        let path = at("agents.trend_followers");
        check_capital_and_leverage(c, &path, tf.capital, tf.capital_sigma, tf.leverage);
        check_signal_rules(c, &path, tf.threshold, tf.look_probability, tf.holding_ticks);
        c.require(
            !tf.horizons_ticks.is_empty() && tf.horizons_ticks.iter().all(|h| (1..=MAX_HORIZON_TICKS).contains(h)),
            at("agents.trend_followers.horizons_ticks"),
            format!("expected at least one horizon, each from 1 to {MAX_HORIZON_TICKS} ticks"),
        );
    }
    let fu = &a.fundamentalists;
    if fu.count > 0 {
        let path = at("agents.fundamentalists");
        check_capital_and_leverage(c, &path, fu.capital, fu.capital_sigma, fu.leverage);
        check_signal_rules(c, &path, fu.threshold, fu.look_probability, fu.holding_ticks);
        c.positive(fu.value_half_life_ticks, &format!("{path}.value_half_life_ticks"));
    }

    check_backstop(c, &a.backstop, &at("agents.backstop"));
}

/// The checks of backstop liquidators `b` written at `path` (`agents.backstop`), when there are any.
pub(super) fn check_backstop(c: &mut Checker, b: &crate::model::Backstop, path: &str) {
    if b.count == 0 {
        return;
    }
    let at = |f: &str| format!("{path}.{f}");
    c.positive_decimal(b.capital, &at("capital"));
    c.positive_decimal(b.max_leverage, &at("max_leverage"));
    c.require(
        (Decimal::ZERO..=Decimal::ONE).contains(&b.trigger),
        at("trigger"),
        format!("expected a fraction in [0, 1], found {}", b.trigger),
    );
    c.require(
        b.discount >= Decimal::ZERO && b.discount < Decimal::ONE,
        at("discount"),
        format!("expected a fraction in [0, 1), found {}", b.discount),
    );
    c.positive(b.unwind_notional, &at("unwind_notional"));
    c.non_negative(b.unwind_slippage_bps, &at("unwind_slippage_bps"));
}

/// What every population of leveraged accounts is checked for, under `path` (`agents.trend_followers`): a positive
/// median collateral, its spread, and a leverage of at least 1.
fn check_capital_and_leverage(c: &mut Checker, path: &str, capital: f64, capital_sigma: f64, leverage: f64) {
    c.positive(capital, &format!("{path}.capital"));
    c.non_negative(capital_sigma, &format!("{path}.capital_sigma"));
    c.require(
        leverage.is_finite() && leverage >= 1.0,
        format!("{path}.leverage"),
        format!("expected a leverage >= 1, found {leverage}"),
    );
}

/// What a signal trader's rules are checked for, under `path`: a threshold >= 0, a probability of looking and a
/// holding period of at least a tick.
fn check_signal_rules(c: &mut Checker, path: &str, threshold: f64, look_probability: f64, holding_ticks: u64) {
    c.non_negative(threshold, &format!("{path}.threshold"));
    c.unit_interval(look_probability, &format!("{path}.look_probability"));
    c.require(holding_ticks >= 1, format!("{path}.holding_ticks"), "expected at least 1 tick");
}
