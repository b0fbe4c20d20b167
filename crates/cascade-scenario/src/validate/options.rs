//! The checks of a scenario's options: the series, the surface, the margin rule, the backstop, the market maker and
//! the traders.

use super::Checker;
use crate::model::{MarginMode, OptionMarginRule, Options, RawScenario, ShockKind};
use rust_decimal::Decimal;

/// The most series a scenario may list (strikes x expiries x 2): each is an order book the market maker quotes
/// every tick.
const MAX_SERIES: usize = 400;

/// The checks of `s.options`, and of the surface shocks that need it.
pub(super) fn check_options(c: &mut Checker, s: &RawScenario) {
    for (i, shock) in s.shocks.iter().enumerate() {
        let path = format!("shocks[{i}].kind");
        match shock.kind {
            ShockKind::VolSurfaceShift { points: x } | ShockKind::TermInversion { points: x } => {
                c.require(s.options.is_some(), &path, format!("a {} needs `options`", shock.kind.name()));
                c.require(x.is_finite(), format!("{path}.points"), format!("expected a finite number, found {x}"));
            }
            ShockKind::SkewSteepening { change } => {
                c.require(s.options.is_some(), &path, "a skew_steepening needs `options`");
                c.require(
                    change.is_finite(),
                    format!("{path}.change"),
                    format!("expected a finite number, found {change}"),
                );
            }
            _ => {}
        }
    }
    let Some(o) = &s.options else { return };
    c.require(
        s.margin.mode != MarginMode::Isolated,
        "options",
        "an option account holds its options and the perpetual in one collateral pool: expected margin.mode Cross or \
         Portfolio",
    );
    c.require(!o.strikes.is_empty(), "options.strikes", "expected at least one strike");
    for (i, &k) in o.strikes.iter().enumerate() {
        c.positive(k, &format!("options.strikes[{i}]"));
    }
    c.require(!o.expiries_days.is_empty(), "options.expiries_days", "expected at least one expiry");
    for (i, &d) in o.expiries_days.iter().enumerate() {
        c.positive(d, &format!("options.expiries_days[{i}]"));
    }
    let series = o.strikes.len() * o.expiries_days.len() * 2;
    c.require(
        series <= MAX_SERIES,
        "options.strikes",
        format!("{series} series (strikes x expiries x call and put) is more than the {MAX_SERIES} a world lists"),
    );
    c.positive_decimal(o.strike_step, "options.strike_step");
    if o.strike_step > Decimal::ZERO {
        let on_grid = |k: f64| o.strike(s.market.initial_price, k);
        for (i, &k) in o.strikes.iter().enumerate() {
            let twin = o.strikes[..i].iter().position(|&j| on_grid(j) == on_grid(k));
            c.require(
                twin.is_none(),
                format!("options.strikes[{i}]"),
                format!(
                    "{k} lists the same strike as options.strikes[{}] on the grid of {}",
                    twin.unwrap_or(0),
                    o.strike_step
                ),
            );
        }
    }
    c.positive_decimal(o.tick_size, "options.tick_size");
    c.positive_decimal(o.lot_size, "options.lot_size");
    c.require(
        o.taker_fee >= Decimal::ZERO && o.taker_fee < Decimal::ONE,
        "options.taker_fee",
        "expected a fraction in [0, 1)",
    );
    c.require(o.maker_fee.abs() < Decimal::ONE, "options.maker_fee", "expected a fraction between -1 and 1");
    if let Err(e) = o.surface.validate() {
        c.require(false, "options.surface", e.to_string());
    }
    c.unit_interval(o.realized_weight, "options.realized_weight");
    match &o.margin {
        OptionMarginRule::Grid(grid) => {
            if let Err(e) = grid.grid().validate() {
                c.require(false, "options.margin", e.to_string());
            }
        }
        OptionMarginRule::GreeksAddOns { vol_shock } => c.non_negative(*vol_shock, "options.margin.vol_shock"),
    }
    super::agents::check_backstop(c, &o.backstop, "options.backstop");
    let mm = &o.market_maker;
    c.require(mm.capital >= Decimal::ZERO, "options.market_maker.capital", "expected an amount >= 0");
    c.non_negative(mm.half_spread_vol, "options.market_maker.half_spread_vol");
    c.positive_decimal(mm.quote_size, "options.market_maker.quote_size");
    c.non_negative(mm.inventory_skew_vol, "options.market_maker.inventory_skew_vol");
    c.positive_decimal(mm.max_inventory, "options.market_maker.max_inventory");
    c.non_negative(mm.hedge_threshold, "options.market_maker.hedge_threshold");
    c.require(mm.hedge_interval_ticks >= 1, "options.market_maker.hedge_interval_ticks", "expected at least 1 tick");
    check_traders(c, o);
}

/// Each population of option traders names a listed series and holds positions on the lot grids.
fn check_traders(c: &mut Checker, o: &Options) {
    for (i, t) in o.traders.iter().enumerate() {
        let at = |f: &str| format!("options.traders[{i}].{f}");
        if t.count == 0 {
            continue;
        }
        c.positive_decimal(t.capital, &at("capital"));
        c.require(
            o.strikes.contains(&t.strike),
            at("strike"),
            format!("expected one of options.strikes {:?}, found {}", o.strikes, t.strike),
        );
        c.require(
            o.expiries_days.contains(&t.expiry_days),
            at("expiry_days"),
            format!("expected one of options.expiries_days {:?}, found {}", o.expiries_days, t.expiry_days),
        );
        c.require(
            !t.quantity.is_zero() && (t.quantity % o.lot_size).is_zero(),
            at("quantity"),
            format!("expected a non-zero multiple of options.lot_size ({}), found {}", o.lot_size, t.quantity),
        );
        c.require(t.entry_window_ticks >= 1, at("entry_window_ticks"), "expected at least 1 tick");
    }
}
