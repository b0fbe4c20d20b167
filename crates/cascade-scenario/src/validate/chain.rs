//! The checks of a decentralized venue's chain, and of the congestion shocks that need it.

use super::Checker;
use crate::model::{KeeperStyle, Liquidators, RawScenario, ShockKind};
use rust_decimal::Decimal;

/// The checks of `s.chain`, and of the congestion shocks.
pub(super) fn check_chain(c: &mut Checker, s: &RawScenario) {
    for (i, shock) in s.shocks.iter().enumerate() {
        if let ShockKind::Congestion { multiplier } = shock.kind {
            let path = format!("shocks[{i}].kind");
            c.require(s.chain.is_some(), &path, "a congestion needs `chain`");
            c.require(
                multiplier.is_finite() && multiplier >= 1.0,
                format!("{path}.multiplier"),
                format!("expected a multiplier >= 1, found {multiplier}"),
            );
        }
    }
    let Some(chain) = &s.chain else { return };
    c.require(chain.block_ticks >= 1, "chain.block_ticks", "expected at least 1 tick");
    c.require(chain.block_liquidations >= 1, "chain.block_liquidations", "expected at least 1 transaction");
    let gas = &chain.gas;
    c.require(
        gas.base_cost >= Decimal::ZERO,
        "chain.gas.base_cost",
        format!("expected an amount >= 0, found {}", gas.base_cost),
    );
    c.non_negative(gas.volatility_sensitivity, "chain.gas.volatility_sensitivity");
    c.non_negative(gas.congestion_sensitivity, "chain.gas.congestion_sensitivity");
    c.require(
        gas.max_multiplier.is_finite() && gas.max_multiplier >= 1.0,
        "chain.gas.max_multiplier",
        format!("expected a multiplier >= 1, found {}", gas.max_multiplier),
    );
    if let Some(orders) = chain.orders {
        c.require(
            orders.cost >= Decimal::ZERO,
            "chain.orders.cost",
            format!("expected an amount >= 0, found {}", orders.cost),
        );
        c.require(orders.block_space >= 1, "chain.orders.block_space", "expected at least 1 transaction");
    }
    if chain.liquidators == Liquidators::Engine {
        return;
    }
    let k = &chain.keepers;
    c.require(k.count >= 1, "chain.keepers.count", "keepers liquidate here: expected at least 1 keeper");
    c.require(
        k.capital >= Decimal::ZERO,
        "chain.keepers.capital",
        format!("expected an amount >= 0, found {}", k.capital),
    );
    c.require(
        k.reward >= Decimal::ZERO && k.reward < Decimal::ONE,
        "chain.keepers.reward",
        format!("expected a fraction in [0, 1), found {}", k.reward),
    );
    c.non_negative(k.risk_aversion, "chain.keepers.risk_aversion");
    c.positive(k.unwind_notional, "chain.keepers.unwind_notional");
    c.non_negative(k.unwind_slippage_bps, "chain.keepers.unwind_slippage_bps");
    if let KeeperStyle::FixedDiscount { bonus, close_factor, full_below } = k.style {
        let at = |f: &str| format!("chain.keepers.style.{f}");
        let fraction = |d: Decimal| d > Decimal::ZERO && d <= Decimal::ONE;
        c.require(
            bonus >= Decimal::ZERO && bonus < Decimal::ONE,
            at("bonus"),
            format!("expected a fraction in [0, 1), found {bonus}"),
        );
        c.require(
            fraction(close_factor),
            at("close_factor"),
            format!("expected a fraction in (0, 1], found {close_factor}"),
        );
        c.require(full_below >= Decimal::ZERO, at("full_below"), format!("expected a ratio >= 0, found {full_below}"));
    }
    if let KeeperStyle::Auction { buf, cut, step_ticks, tail_ticks, cusp, tip, chip } = k.style {
        let at = |f: &str| format!("chain.keepers.style.{f}");
        c.require(buf >= Decimal::ONE, at("buf"), format!("expected a factor >= 1, found {buf}"));
        c.require(
            cut > Decimal::ZERO && cut < Decimal::ONE,
            at("cut"),
            format!("expected a factor in (0, 1), found {cut}"),
        );
        c.require(step_ticks >= 1, at("step_ticks"), "expected at least 1 tick");
        c.require(tail_ticks >= 1, at("tail_ticks"), "expected at least 1 tick");
        c.require(
            cusp >= Decimal::ZERO && cusp < Decimal::ONE,
            at("cusp"),
            format!("expected a fraction in [0, 1), found {cusp}"),
        );
        c.require(tip >= Decimal::ZERO, at("tip"), format!("expected an amount >= 0, found {tip}"));
        c.require(
            chip >= Decimal::ZERO && chip < Decimal::ONE,
            at("chip"),
            format!("expected a fraction in [0, 1), found {chip}"),
        );
    }
}
