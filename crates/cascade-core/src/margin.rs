//! Margin requirements and account health.
//!
//! Initial margin gates opening or increasing a position; maintenance margin triggers liquidation. A market's
//! [`MarginSchedule`] turns a position into both requirements: flat fractions of notional or tiered brackets
//! (the policy sets them each tick), then the size premiums (square root of size, open-interest scaling) and the
//! liquidity add-on. Requirements of a cross-margined account's positions add up against one equity.

use crate::InstrumentId;
use crate::account::{Portfolio, Position};
use crate::correlation::Correlation;
use crate::instrument::Valuation;
use crate::liquidity::LiquidityCharge;
use crate::money::{self, MoneyError};
use crate::tiers::TierTable;
use rust_decimal::Decimal;
use rust_decimal::dec;

/// Margin fractions of notional. `0 < maintenance < initial <= 1`; maximum leverage is `1 / initial`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarginRates {
    /// Initial margin fraction: equity needed to open, per unit of notional (e.g. 0.05 = 20x maximum leverage).
    pub initial: Decimal,
    /// Maintenance margin fraction: below this much equity per unit of notional the account is liquidated.
    pub maintenance: Decimal,
}

/// The initial and maintenance requirement of one position, quote currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Requirement {
    /// Equity needed to hold (or open) the position.
    pub initial: Decimal,
    /// Equity below which the position is liquidated.
    pub maintenance: Decimal,
}

/// How a market charges margin on a position this tick.
///
/// For a position of `|q|` base units at mark `P` (notional `N = |q| P`):
/// 1. base requirement: `N x rates` (flat), or the tiered table's `N x rate_k - amount_k` and `N / max_leverage_k`;
/// 2. square-root size premium (drift protocol-v2's form): each requirement `R` becomes
///    `max(R, 4/5 R + N x size_premium x sqrt(|q|))`, so the rate grows with the square root of size in base units;
/// 3. open-interest scaling (dYdX v4's form, initial only): `initial + (N - initial) x open_interest_scale`, which
///    moves the initial fraction linearly towards 100% as open interest fills the band between its caps;
/// 4. liquidity add-on: both requirements plus `multiplier x` the cost of closing the position into the book.
///
/// Initial is never below maintenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarginSchedule {
    /// Flat fractions of notional, set each tick by the margin policy; with tiers, the first bracket's (for display).
    pub rates: MarginRates,
    /// Brackets by notional, replacing the flat fractions.
    pub tiers: Option<TierTable>,
    /// Square-root size premium factor, per square root of a base unit (0: none).
    pub size_premium: Decimal,
    /// How far open interest is between the lower and upper cap, in `[0, 1]` (0: no scaling).
    pub open_interest_scale: Decimal,
    /// The liquidity add-on, rebuilt from the book each tick.
    pub liquidity: Option<LiquidityCharge>,
}

/// Decimal places of a square root of size (1e-12).
const SQRT_STEP: Decimal = Decimal::from_parts(1, 0, 0, false, 12);

impl MarginSchedule {
    /// Flat fractions and nothing else.
    pub fn flat(rates: MarginRates) -> Self {
        Self { rates, tiers: None, size_premium: Decimal::ZERO, open_interest_scale: Decimal::ZERO, liquidity: None }
    }

    /// The requirements of a position of signed `quantity` at `mark`.
    pub fn requirement(&self, quantity: Decimal, mark: Decimal) -> Result<Requirement, MoneyError> {
        let size = quantity.abs();
        let notional = money::mul(size, mark)?;
        let (mut initial, mut maintenance) = match &self.tiers {
            Some(t) => (t.initial(notional), t.maintenance(notional)),
            None => (money::mul(notional, self.rates.initial)?, money::mul(notional, self.rates.maintenance)?),
        };
        if self.size_premium > Decimal::ZERO {
            let root = money::from_f64(libm::sqrt(money::to_f64(size)), SQRT_STEP, "square root of size")?;
            let premium = money::mul(notional, money::mul(self.size_premium, root)?)?;
            let with = |r: Decimal| -> Result<Decimal, MoneyError> {
                Ok(r.max(money::add(money::mul(r, dec!(0.8))?, premium)?))
            };
            initial = with(initial)?;
            maintenance = with(maintenance)?;
        }
        if self.open_interest_scale > Decimal::ZERO {
            let lift = money::mul(money::sub(notional, initial)?.max(Decimal::ZERO), self.open_interest_scale)?;
            initial = money::add(initial, lift)?;
        }
        if let Some(liquidity) = &self.liquidity {
            let charge = liquidity.charge(quantity)?;
            initial = money::add(initial, charge)?;
            maintenance = money::add(maintenance, charge)?;
        }
        Ok(Requirement { initial: initial.max(maintenance), maintenance })
    }

    /// The mark price at which an isolated position (or a cross account's only position) of signed `quantity`,
    /// `cost_basis` and `collateral` reaches its maintenance requirement; see [`Trigger`]. Closed form for flat and
    /// tiered schedules with or without the square-root premium (its rate depends on size, not price); the
    /// liquidity add-on depends on the book, and tiers combined with the premium are piecewise in a way not solved
    /// here: both give [`Trigger::Unknown`].
    pub fn trigger(&self, quantity: Decimal, cost_basis: Decimal, collateral: Decimal) -> Trigger {
        if quantity.is_zero() {
            return Trigger::Never;
        }
        if self.liquidity.is_some() || (self.tiers.is_some() && self.size_premium > Decimal::ZERO) {
            return Trigger::Unknown;
        }
        let price = match &self.tiers {
            // A long that no bracket's crossing fits is safe only when collateral covers its whole cost; otherwise
            // (a rounding edge between brackets) it is checked every tick rather than trusted.
            Some(t) => match t.liquidation_price(quantity, cost_basis, collateral) {
                None if quantity.is_sign_positive() && collateral < cost_basis => return Trigger::Unknown,
                price => price,
            },
            None => {
                // Maintenance is N x rate(|q|): the per-size rate the premium gives, at a unit price.
                let Ok(per_unit) = self.requirement(quantity, Decimal::ONE) else { return Trigger::Unknown };
                let Some(rate) = per_unit.maintenance.checked_div(quantity.abs()) else { return Trigger::Unknown };
                liquidation_price(quantity, cost_basis, collateral, rate)
            }
        };
        // Equity less maintenance rises with the mark for a long and falls for a short, so without a positive
        // crossing a long is never liquidated and a short (already bankrupt at any price) always is.
        match (price, quantity.is_sign_positive()) {
            (None, true) => Trigger::Never,
            (None, false) => Trigger::Above(Decimal::ZERO),
            (Some(p), true) => Trigger::Below(p),
            (Some(p), false) => Trigger::Above(p),
        }
    }
}

impl MarginSchedule {
    /// Whether the maintenance requirement is one flat fraction of notional for every position (no tiers, size
    /// premium or liquidity add-on): then where a position is liquidated moves with that fraction in closed form, and
    /// an index of triggers at a zero fraction ([`MarginSchedule::rate_free_trigger`]) serves every fraction.
    pub fn is_flat(&self) -> bool {
        self.tiers.is_none() && self.size_premium.is_zero() && self.liquidity.is_none()
    }

    /// A flat schedule's trigger at a zero maintenance fraction. A long is liquidated at fraction `r` when the mark
    /// falls below `P0 / (1 - r)`, a short when it rises above `P0 / (1 + r)` ([`liquidation_price`]), so the mark
    /// crosses the trigger exactly when `mark * (1 - r)` (long) or `mark * (1 + r)` (short) crosses `P0`: the
    /// index keyed by `P0` stays true when an adaptive policy moves the fraction. (The trigger at any fraction for
    /// other schedules.)
    pub fn rate_free_trigger(&self, quantity: Decimal, cost_basis: Decimal, collateral: Decimal) -> Trigger {
        if !self.is_flat() {
            return self.trigger(quantity, cost_basis, collateral);
        }
        zero_fraction_trigger(quantity, cost_basis, collateral)
    }

    /// The prices the index's rate-free triggers are compared with at `mark`: `(mark * (1 - r), mark * (1 + r))`
    /// for longs and shorts at the flat maintenance fraction `r`; the mark itself for other schedules.
    pub fn index_marks(&self, mark: Decimal) -> (Decimal, Decimal) {
        if !self.is_flat() {
            return (mark, mark);
        }
        let r = self.rates.maintenance;
        (mark * (Decimal::ONE - r), mark * (Decimal::ONE + r))
    }
}

/// The trigger of a single position at a zero maintenance fraction, `(cost_basis - collateral) / quantity`
/// ([`liquidation_price`] at zero): a long below a positive price (never otherwise), a short above its price (above
/// zero, a candidate at every mark, when that price would not be positive).
pub fn zero_fraction_trigger(quantity: Decimal, cost_basis: Decimal, collateral: Decimal) -> Trigger {
    match (liquidation_price(quantity, cost_basis, collateral, Decimal::ZERO), quantity.is_sign_positive()) {
        _ if quantity.is_zero() => Trigger::Never,
        (None, true) => Trigger::Never,
        (None, false) => Trigger::Above(Decimal::ZERO),
        (Some(p), true) => Trigger::Below(p),
        (Some(p), false) => Trigger::Above(p),
    }
}

/// Where a single position is liquidated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// No positive mark liquidates it (flat, or a long collateralized beyond its cost).
    Never,
    /// A long: liquidated when the mark falls below this price.
    Below(Decimal),
    /// A short: liquidated when the mark rises above this price.
    Above(Decimal),
    /// No closed form (the requirement depends on more than the mark): check it every tick.
    Unknown,
}

/// An account's margin state at a set of mark prices. Quote currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    /// Collateral plus unrealized PnL.
    pub equity: Decimal,
    /// Sum over positions of |notional| at mark.
    pub notional: Decimal,
    /// Initial margin requirement.
    pub initial_requirement: Decimal,
    /// Maintenance margin requirement.
    pub maintenance_requirement: Decimal,
}

impl Health {
    /// Equity is below the maintenance requirement (and there is a position to liquidate).
    pub fn is_liquidatable(&self) -> bool {
        self.notional > Decimal::ZERO && self.equity < self.maintenance_requirement
    }

    /// Equity over maintenance requirement (`None` without a position). Below 1 means liquidatable.
    pub fn margin_ratio(&self) -> Option<Decimal> {
        self.equity.checked_div(self.maintenance_requirement)
    }

    /// Equity over notional: the inverse of effective leverage (`None` without a position).
    pub fn equity_fraction(&self) -> Option<Decimal> {
        self.equity.checked_div(self.notional)
    }
}

/// Health of a cross-margined account: the requirements of all its positions (`requirement(position, mark)`)
/// summed, against one equity, every position valued at `value(instrument)`.
pub fn health(
    portfolio: &Portfolio,
    value: impl Fn(InstrumentId) -> Valuation,
    requirement: impl Fn(&Position, Decimal) -> Result<Requirement, MoneyError>,
) -> Result<Health, MoneyError> {
    let equity = portfolio.equity(&value)?;
    let mut h = Health {
        equity,
        notional: Decimal::ZERO,
        initial_requirement: Decimal::ZERO,
        maintenance_requirement: Decimal::ZERO,
    };
    for p in portfolio.positions.iter().filter(|p| !p.quantity.is_zero()) {
        let at = value(p.instrument);
        let r = requirement(p, at.mark)?;
        h.notional = money::add(h.notional, p.notional(at)?)?;
        h.initial_requirement = money::add(h.initial_requirement, r.initial)?;
        h.maintenance_requirement = money::add(h.maintenance_requirement, r.maintenance)?;
    }
    Ok(h)
}

/// Health of a portfolio-margined account: each position's requirements signed by its direction (long
/// positive) and netted by the correlation of the underlyings they are written on (see
/// [`Correlation::portfolio_requirement`]), against one equity. With one open position this is [`health`].
pub fn portfolio_health(
    portfolio: &Portfolio,
    value: impl Fn(InstrumentId) -> Valuation,
    requirement: impl Fn(&Position, Decimal) -> Result<Requirement, MoneyError>,
    correlation: &Correlation,
    max_offset: Decimal,
) -> Result<Health, MoneyError> {
    let open: Vec<&Position> = portfolio.positions.iter().filter(|p| !p.quantity.is_zero()).collect();
    if open.len() < 2 {
        return health(portfolio, value, requirement);
    }
    let mut notional = Decimal::ZERO;
    let (mut underlyings, mut initial, mut maintenance) = (Vec::new(), Vec::new(), Vec::new());
    for p in &open {
        let at = value(p.instrument);
        let r = requirement(p, at.mark)?;
        let sign = if p.quantity.is_sign_positive() { Decimal::ONE } else { Decimal::NEGATIVE_ONE };
        notional = money::add(notional, p.notional(at)?)?;
        underlyings.push(usize::from(at.underlying.0));
        initial.push(r.initial * sign);
        maintenance.push(r.maintenance * sign);
    }
    Ok(Health {
        equity: portfolio.equity(&value)?,
        notional,
        initial_requirement: correlation.portfolio_requirement(&underlyings, &initial, max_offset, NETTED_STEP)?,
        maintenance_requirement: correlation.portfolio_requirement(
            &underlyings,
            &maintenance,
            max_offset,
            NETTED_STEP,
        )?,
    })
}

/// Precision of a netted portfolio requirement (1e-8 of the quote currency).
const NETTED_STEP: Decimal = Decimal::from_parts(1, 0, 0, false, 8);

/// Whether an order that changes the position in `instrument` by `signed_quantity` may be accepted: it reduces the
/// position, or after it the account's equity still covers its initial requirement as `health_of` computes it
/// (cross, portfolio) with this position at its new size. Fees are ignored. `screen`, given the position's size
/// after the order, may answer first (a certain answer computed faster, or `None`).
pub fn passes_initial_margin(
    portfolio: &Portfolio,
    instrument: InstrumentId,
    signed_quantity: Decimal,
    screen: impl Fn(Decimal) -> Option<bool>,
    health_of: impl Fn(&Portfolio) -> Result<Health, MoneyError>,
) -> Result<bool, MoneyError> {
    let current = portfolio.quantity(instrument);
    let after = money::add(current, signed_quantity)?;
    if after.abs() <= current.abs() && (after.is_zero() || after.is_sign_positive() == current.is_sign_positive()) {
        return Ok(true);
    }
    if let Some(answer) = screen(after) {
        return Ok(answer);
    }
    let equity = health_of(portfolio)?.equity;
    let mut changed = portfolio.clone();
    changed.positions.retain(|p| p.instrument != instrument);
    changed.positions.push(Position { instrument, quantity: after, cost_basis: Decimal::ZERO });
    Ok(equity >= health_of(&changed)?.initial_requirement)
}

/// The mark price at which an isolated position of signed `quantity`, with `cost_basis` and `collateral`, reaches
/// its maintenance requirement (equity == maintenance * notional). `None` when flat, or when no positive price
/// liquidates it (an over-collateralized short has one; an over-collateralized long does not).
///
/// Long (`q > 0`): `C + q P - B = m q P`, so `P = (B - C) / (q (1 - m))`.
/// Short (`q < 0`): `C + q P - B = -m q P`, so `P = (B - C) / (q (1 + m))`.
pub fn liquidation_price(
    quantity: Decimal,
    cost_basis: Decimal,
    collateral: Decimal,
    maintenance: Decimal,
) -> Option<Decimal> {
    if quantity.is_zero() {
        return None;
    }
    let factor = if quantity.is_sign_positive() { Decimal::ONE - maintenance } else { Decimal::ONE + maintenance };
    let price = (cost_basis - collateral).checked_div(quantity.checked_mul(factor)?)?;
    (price > Decimal::ZERO).then_some(price)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UnderlyingId;
    use rust_decimal::dec;

    const M: InstrumentId = InstrumentId(0);
    const RATES: MarginRates = MarginRates { initial: dec!(0.05), maintenance: dec!(0.025) };

    fn at(mark: Decimal) -> Valuation {
        Valuation::linear(UnderlyingId(0), mark)
    }

    fn flat(p: &Position, mark: Decimal) -> Result<Requirement, MoneyError> {
        MarginSchedule::flat(RATES).requirement(p.quantity, mark)
    }

    #[test]
    fn ten_x_long_health_by_hand() {
        // 1,000 collateral, long 1 BTC at 10,000 (10x). At 9,300: equity 1,000 - 700 = 300;
        // notional 9,300; maintenance 2.5% = 232.5; initial 5% = 465.
        let mut a = Portfolio::with_collateral(dec!(1000));
        a.apply_fill(M, dec!(1), dec!(10000)).unwrap();
        let h = health(&a, |_| at(dec!(9300)), flat).unwrap();
        assert_eq!(h.equity, dec!(300));
        assert_eq!(h.maintenance_requirement, dec!(232.5));
        assert_eq!(h.initial_requirement, dec!(465));
        assert!(!h.is_liquidatable());
        // At 9,200: equity 200 < 230 maintenance.
        let h = health(&a, |_| at(dec!(9200)), flat).unwrap();
        assert!(h.is_liquidatable());
    }

    #[test]
    fn liquidation_price_by_hand_and_consistent_with_health() {
        // Long: P = (10,000 - 1,000) / (1 * 0.975) = 9,230.769...
        let p = liquidation_price(dec!(1), dec!(10000), dec!(1000), dec!(0.025)).unwrap();
        assert_eq!(p.round_dp(4), dec!(9230.7692));
        // Short 1 at 10,000 with 1,000: P = (-10,000 - 1,000) / (-1 * 1.025) = 10,731.707...
        let s = liquidation_price(dec!(-1), dec!(-10000), dec!(1000), dec!(0.025)).unwrap();
        assert_eq!(s.round_dp(4), dec!(10731.7073));
        let mut a = Portfolio::with_collateral(dec!(1000));
        a.apply_fill(M, dec!(1), dec!(10000)).unwrap();
        assert!(!health(&a, |_| at(p + dec!(0.01)), flat).unwrap().is_liquidatable());
        assert!(health(&a, |_| at(p - dec!(0.01)), flat).unwrap().is_liquidatable());
        // A fully collateralized long is never liquidated.
        assert_eq!(liquidation_price(dec!(1), dec!(10000), dec!(10000), dec!(0.025)), None);
    }

    /// The long of the hand-worked example above: its rate-free trigger is 9,000 (cost less collateral, per unit),
    /// and at every fraction the scaled mark crosses 9,000 exactly where the mark crosses that fraction's
    /// liquidation price (9,230.77 at 2.5%, 9,473.68 at 5%): no rebuild when an adaptive policy moves the fraction.
    #[test]
    fn rate_free_triggers_serve_every_flat_fraction() {
        let mut schedule = MarginSchedule::flat(RATES);
        assert_eq!(schedule.rate_free_trigger(dec!(1), dec!(10000), dec!(1000)), Trigger::Below(dec!(9000)));
        // Short: (11,000 / 1) at zero fraction.
        assert_eq!(schedule.rate_free_trigger(dec!(-1), dec!(-10000), dec!(1000)), Trigger::Above(dec!(11000)));
        for rate in [dec!(0.025), dec!(0.05), dec!(0.3)] {
            schedule.rates.maintenance = rate;
            let at_rate = liquidation_price(dec!(1), dec!(10000), dec!(1000), rate).unwrap();
            for mark in [at_rate - dec!(0.01), at_rate + dec!(0.01)] {
                let (long_at, _) = schedule.index_marks(mark);
                assert_eq!(long_at < dec!(9000), mark < at_rate, "rate {rate}, mark {mark}");
            }
            let short_at = liquidation_price(dec!(-1), dec!(-10000), dec!(1000), rate).unwrap();
            for mark in [short_at - dec!(0.01), short_at + dec!(0.01)] {
                let (_, scaled) = schedule.index_marks(mark);
                assert_eq!(scaled > dec!(11000), mark > short_at, "rate {rate}, mark {mark}");
            }
        }
        // A size premium (as tiers) is not flat: its triggers are the fraction's own, compared with the mark itself.
        let tiered = MarginSchedule { size_premium: dec!(0.001), ..MarginSchedule::flat(RATES) };
        assert!(!tiered.is_flat());
        assert_eq!(tiered.index_marks(dec!(100)), (dec!(100), dec!(100)));
    }

    #[test]
    fn initial_margin_gates_increases_but_not_reductions() {
        let mut a = Portfolio::with_collateral(dec!(1000));
        // 20 x 1,000 = 20,000 notional at 5% needs exactly 1,000.
        assert!(passes_initial_margin(&a, M, dec!(2), |_| None, |p| health(p, |_| at(dec!(10000)), flat)).unwrap());
        assert!(
            !passes_initial_margin(&a, M, dec!(2.001), |_| None, |p| health(p, |_| at(dec!(10000)), flat)).unwrap()
        );
        a.apply_fill(M, dec!(2), dec!(10000)).unwrap();
        // After a 10% drop the account is under initial margin: it may reduce but not add, nor flip beyond.
        assert!(passes_initial_margin(&a, M, dec!(-1), |_| None, |p| health(p, |_| at(dec!(9000)), flat)).unwrap());
        assert!(!passes_initial_margin(&a, M, dec!(0.1), |_| None, |p| health(p, |_| at(dec!(9000)), flat)).unwrap());
        assert!(!passes_initial_margin(&a, M, dec!(-4), |_| None, |p| health(p, |_| at(dec!(9000)), flat)).unwrap());
    }

    #[test]
    fn square_root_size_premium_by_hand() {
        // Flat 5% / 2.5%, premium factor 0.01 per sqrt(BTC). Long 4 BTC at 10,000 (notional 40,000):
        // maintenance max(1,000, 800 + 40,000 x 0.01 x 2 = 1,600) = 1,600; initial max(2,000, 1,600 + 800) = 2,400.
        let s = MarginSchedule { size_premium: dec!(0.01), ..MarginSchedule::flat(RATES) };
        let r = s.requirement(dec!(4), dec!(10000)).unwrap();
        assert_eq!(r, Requirement { initial: dec!(2400), maintenance: dec!(1600) });
        // A small position keeps the base rates: 0.01 BTC, sqrt 0.1 -> 100 x 0.01 x 0.1 = 0.1 < the 4/5 gap.
        let r = s.requirement(dec!(-0.01), dec!(10000)).unwrap();
        assert_eq!(r, Requirement { initial: dec!(5), maintenance: dec!(2.5) });
    }

    #[test]
    fn open_interest_scaling_moves_initial_towards_full_collateral() {
        // Half-way between the caps: initial 5% -> 5% + 95% / 2 = 52.5%; maintenance untouched.
        let s = MarginSchedule { open_interest_scale: dec!(0.5), ..MarginSchedule::flat(RATES) };
        let r = s.requirement(dec!(1), dec!(10000)).unwrap();
        assert_eq!(r, Requirement { initial: dec!(5250), maintenance: dec!(250) });
    }

    #[test]
    fn tiered_schedule_matches_the_table_and_its_liquidation_price() {
        let s = MarginSchedule { tiers: Some(crate::tiers::binance_btcusdt()), ..MarginSchedule::flat(RATES) };
        // 1M notional: 5,000 maintenance, 1M / 75 initial.
        let r = s.requirement(dec!(20), dec!(50000)).unwrap();
        assert_eq!(r.maintenance, dec!(5000));
        assert_eq!(r.initial.round_dp(2), dec!(13333.33));
        let Trigger::Below(p) = s.trigger(dec!(10), dec!(500000), dec!(25000)) else { panic!("a long") };
        assert_eq!(p.round_dp(2), dec!(47708.54));
    }

    #[test]
    fn the_trigger_is_where_health_turns_for_every_closed_form_schedule() {
        let schedules = [
            MarginSchedule::flat(RATES),
            MarginSchedule { size_premium: dec!(0.003), ..MarginSchedule::flat(RATES) },
            MarginSchedule { tiers: Some(crate::tiers::binance_btcusdt()), ..MarginSchedule::flat(RATES) },
            MarginSchedule { open_interest_scale: dec!(0.3), ..MarginSchedule::flat(RATES) },
        ];
        for s in &schedules {
            for (q, price, collateral) in [(dec!(30), dec!(20000), dec!(40000)), (dec!(-30), dec!(20000), dec!(40000))]
            {
                let mut a = Portfolio::with_collateral(collateral);
                a.apply_fill(M, q, price).unwrap();
                let requirement = |p: &Position, mark| s.requirement(p.quantity, mark);
                let liquidatable = |mark| health(&a, |_| at(mark), requirement).unwrap().is_liquidatable();
                match s.trigger(q, q * price, collateral) {
                    Trigger::Below(p) => {
                        assert!(q > Decimal::ZERO);
                        assert!(!liquidatable(p + dec!(0.01)) && liquidatable(p - dec!(0.01)), "{s:?}");
                    }
                    Trigger::Above(p) => {
                        assert!(q < Decimal::ZERO);
                        assert!(!liquidatable(p - dec!(0.01)) && liquidatable(p + dec!(0.01)), "{s:?}");
                    }
                    other => panic!("expected a closed form, got {other:?}"),
                }
            }
        }
        let with_book = MarginSchedule { liquidity: Some(LiquidityCharge::default()), ..MarginSchedule::flat(RATES) };
        assert_eq!(with_book.trigger(dec!(1), dec!(100), dec!(10)), Trigger::Unknown);
        assert_eq!(MarginSchedule::flat(RATES).trigger(dec!(1), dec!(100), dec!(200)), Trigger::Never);
        // A short whose collateral went below its sale proceeds' negative (a bankrupt account waiting for its next
        // slice) is liquidatable at every price.
        assert_eq!(
            MarginSchedule::flat(RATES).trigger(dec!(-1), dec!(-100), dec!(-120)),
            Trigger::Above(Decimal::ZERO)
        );
    }

    #[test]
    fn a_hedged_pair_needs_less_under_portfolio_margin() {
        // Long 1 BTC at 10,000 and short 5 ETH at 2,000: stand-alone maintenance 250 each (2.5%), 500 summed.
        // At correlation 0.8 the netted requirement is sqrt(250^2 + 250^2 - 2 x 0.8 x 250^2) = 158.11...
        let mut a = Portfolio::with_collateral(dec!(1000));
        let eth = InstrumentId(1);
        a.apply_fill(M, dec!(1), dec!(10000)).unwrap();
        a.apply_fill(eth, dec!(-5), dec!(2000)).unwrap();
        let mark = |m: InstrumentId| {
            let (underlying, price) = if m == M { (0, dec!(10000)) } else { (1, dec!(2000)) };
            Valuation::linear(UnderlyingId(underlying), price)
        };
        let cross = health(&a, mark, flat).unwrap();
        assert_eq!(cross.maintenance_requirement, dec!(500));
        let c = Correlation::uniform(2, 0.8).unwrap();
        let netted = portfolio_health(&a, mark, flat, &c, Decimal::ONE).unwrap();
        assert_eq!(netted.maintenance_requirement, dec!(158.11388301));
        assert_eq!(netted.equity, cross.equity);
        // The initial-margin gate nets too: 2,000 of collateral opens 4 BTC against 20 ETH only under portfolio margin.
        let mut b = Portfolio::with_collateral(dec!(2000));
        b.apply_fill(eth, dec!(-20), dec!(2000)).unwrap();
        let by_portfolio = |p: &Portfolio| portfolio_health(p, mark, flat, &c, Decimal::ONE);
        assert!(!passes_initial_margin(&b, M, dec!(4), |_| None, |p| health(p, mark, flat)).unwrap());
        assert!(passes_initial_margin(&b, M, dec!(4), |_| None, by_portfolio).unwrap());
    }
}
