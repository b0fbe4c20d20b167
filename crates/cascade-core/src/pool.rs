//! A liquidity pool as the counterparty of a perpetual (GMX-style): the price it trades at, the traders' open
//! interest and its caps, the borrowing fee and imbalance funding it charges, and the drawdown of its value.
//!
//! The pool holds the opposite of the traders' net position, so the traders' PnL is the pool's loss. Amounts are
//! quote currency; quantities base units, positive long.

use crate::book::Side;
use crate::money::{self, MoneyError, booked};
use rust_decimal::Decimal;

/// The traders' open interest in a pool market, base units: their long quantities and their short quantities
/// summed apart (the pool excluded).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Interest {
    /// Sum of the traders' long quantities.
    pub long: Decimal,
    /// Sum of the traders' short quantities, positive.
    pub short: Decimal,
}

impl Interest {
    /// The traders' interest from the market's open interest (the sum of every long quantity, the pool's
    /// included, which equals the sum of every short one) and the pool's position.
    pub fn of_traders(open_interest: Decimal, pool_position: Decimal) -> Self {
        Self {
            long: open_interest - pool_position.max(Decimal::ZERO),
            short: open_interest - (-pool_position).max(Decimal::ZERO),
        }
    }

    /// Longs and shorts together, base units.
    pub fn gross(self) -> Decimal {
        self.long + self.short
    }

    /// The interest once a trader's position moves from `before` to `after`.
    pub fn after_trade(self, before: Decimal, after: Decimal) -> Self {
        let long = |q: Decimal| q.max(Decimal::ZERO);
        let short = |q: Decimal| (-q).max(Decimal::ZERO);
        Self { long: self.long + long(after) - long(before), short: self.short + short(after) - short(before) }
    }

    /// Whether `self` (after a trade, from `before`) keeps within the caps, quote notional at `oracle` (0: no
    /// cap). A side that does not grow always passes, so closing is never refused.
    pub fn within_caps(self, before: Self, oracle: Decimal, max_long: Decimal, max_short: Decimal) -> bool {
        let fits = |now: Decimal, was: Decimal, cap: Decimal| cap.is_zero() || now <= was || now * oracle <= cap;
        fits(self.long, before.long, max_long) && fits(self.short, before.short, max_short)
    }

    /// The imbalance funding rate per interval: `factor x (long - short) / (long + short)` (positive: longs pay);
    /// zero without interest.
    pub fn funding_rate(self, factor: Decimal) -> Decimal {
        let total = self.gross();
        if total.is_zero() { Decimal::ZERO } else { (factor * (self.long - self.short) / total).round_dp(12) }
    }

    /// Utilization of the pool by one side: that side's notional at `oracle` over the pool's value, at most 1 (1
    /// when the pool is worth nothing).
    pub fn utilization(self, side: Side, oracle: Decimal, pool_value: Decimal) -> Decimal {
        let quantity = match side {
            Side::Buy => self.long,
            Side::Sell => self.short,
        };
        if pool_value <= Decimal::ZERO {
            return Decimal::ONE;
        }
        (quantity * oracle / pool_value).min(Decimal::ONE)
    }
}

/// The price at which the pool fills a trader's order: `oracle x (1 + spread)` for a buy, `oracle x (1 - spread)`
/// for a sell, rounded against the trader to the tick grid; `None` on overflow or a zero tick.
pub fn trade_price(side: Side, oracle: Decimal, spread: Decimal, tick: Decimal) -> Option<Decimal> {
    // Without a spread an oracle price on the grid is its own fill price (the rounding below would give it back).
    if spread.is_zero() && money::is_multiple(oracle, tick) {
        return Some(oracle.normalize());
    }
    let price = oracle.checked_mul(Decimal::ONE + side.sign() * spread)?;
    let units = price.checked_div(tick)?;
    let units = match side {
        Side::Buy => units.ceil(),
        Side::Sell => units.floor(),
    };
    units.checked_mul(tick).map(|p| p.normalize())
}

/// The borrowing fee one position pays per interval: `rate x utilization x |quantity| x oracle`, booked.
pub fn borrowing_fee(
    quantity: Decimal,
    oracle: Decimal,
    rate: Decimal,
    utilization: Decimal,
) -> Result<Decimal, MoneyError> {
    let notional = money::mul(quantity.abs(), oracle)?;
    Ok(booked(money::mul(money::mul(rate, utilization)?, notional)?))
}

/// The pool's value over a run: its peak so far and its largest fall from a peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drawdown {
    /// The highest value seen, quote.
    pub peak: Decimal,
    /// The lowest value seen, quote.
    pub low: Decimal,
    /// The largest fall from a peak so far, fraction of that peak (0.1 = 10%).
    pub max: Decimal,
}

impl Drawdown {
    /// Starting at `value`.
    pub fn new(value: Decimal) -> Self {
        Self { peak: value, low: value, max: Decimal::ZERO }
    }

    /// Takes the value at the end of a tick; returns the drawdown now (fraction of the peak).
    pub fn update(&mut self, value: Decimal) -> Decimal {
        self.peak = self.peak.max(value);
        self.low = self.low.min(value);
        let now = if self.peak > Decimal::ZERO { ((self.peak - value) / self.peak).round_dp(8) } else { Decimal::ZERO };
        self.max = self.max.max(now);
        now
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn traders_interest_leaves_the_pool_out() {
        // Traders: +3 and -1; the pool holds -2. Open interest (every long) is 3.
        let i = Interest::of_traders(dec!(3), dec!(-2));
        assert_eq!(i, Interest { long: dec!(3), short: dec!(1) });
        // The short trader flips to +2: shorts 0, longs 5.
        assert_eq!(i.after_trade(dec!(-1), dec!(2)), Interest { long: dec!(5), short: dec!(0) });
    }

    #[test]
    fn caps_refuse_growth_beyond_them_but_never_a_close() {
        let before = Interest { long: dec!(10), short: dec!(2) };
        // At 100, a long cap of 1,500 holds 15 units.
        assert!(before.after_trade(dec!(0), dec!(5)).within_caps(before, dec!(100), dec!(1500), Decimal::ZERO));
        assert!(!before.after_trade(dec!(0), dec!(6)).within_caps(before, dec!(100), dec!(1500), Decimal::ZERO));
        // Over the cap already (the price rose): closing passes, growing does not.
        let over = Interest { long: dec!(20), short: dec!(0) };
        assert!(over.after_trade(dec!(4), dec!(1)).within_caps(over, dec!(100), dec!(1500), Decimal::ZERO));
        assert!(!over.after_trade(dec!(0), dec!(1)).within_caps(over, dec!(100), dec!(1500), Decimal::ZERO));
        // No cap.
        assert!(over.after_trade(dec!(0), dec!(1000)).within_caps(over, dec!(100), Decimal::ZERO, Decimal::ZERO));
    }

    #[test]
    fn funding_and_utilization_by_hand() {
        let i = Interest { long: dec!(30), short: dec!(10) };
        // 0.001 x (30 - 10) / 40 = 0.0005: longs pay.
        assert_eq!(i.funding_rate(dec!(0.001)), dec!(0.0005));
        assert_eq!(Interest::default().funding_rate(dec!(0.001)), Decimal::ZERO);
        // Longs: 30 x 100 = 3,000 of a pool worth 12,000: 25%; shorts 1,000: 8.33..%.
        assert_eq!(i.utilization(Side::Buy, dec!(100), dec!(12000)), dec!(0.25));
        assert_eq!(i.utilization(Side::Buy, dec!(100), dec!(1000)), Decimal::ONE, "at most 1");
        assert_eq!(i.utilization(Side::Sell, dec!(100), Decimal::ZERO), Decimal::ONE, "a worthless pool");
        // 0.0001 x 0.25 x 2 x 100 = 0.005.
        assert_eq!(borrowing_fee(dec!(-2), dec!(100), dec!(0.0001), dec!(0.25)).unwrap(), dec!(0.005));
    }

    #[test]
    fn the_pool_trades_against_the_trader_on_the_grid() {
        // 2000 x 1.0005 = 2001.0 exactly; 1999.0 for a sell.
        assert_eq!(trade_price(Side::Buy, dec!(2000), dec!(0.0005), dec!(0.1)), Some(dec!(2001)));
        assert_eq!(trade_price(Side::Sell, dec!(2000), dec!(0.0005), dec!(0.1)), Some(dec!(1999)));
        // 2000.03 x 1.0005 = 2001.030015: a buyer pays 2001.1, a seller of 2000.03 x 0.9995 = 1999.029985 gets 1999.0.
        assert_eq!(trade_price(Side::Buy, dec!(2000.03), dec!(0.0005), dec!(0.1)), Some(dec!(2001.1)));
        assert_eq!(trade_price(Side::Sell, dec!(2000.03), dec!(0.0005), dec!(0.1)), Some(dec!(1999)));
        assert_eq!(trade_price(Side::Buy, dec!(2000), dec!(0.0005), Decimal::ZERO), None);
        // Without a spread: an oracle on the grid is the price (normalized), one off it is rounded against the trader.
        assert_eq!(
            trade_price(Side::Buy, dec!(2000.00), dec!(0.0), dec!(0.1)).map(|p| p.to_string()),
            Some("2000".into())
        );
        assert_eq!(trade_price(Side::Buy, dec!(2000.03), dec!(0.0), dec!(0.1)), Some(dec!(2000.1)));
        assert_eq!(trade_price(Side::Sell, dec!(2000.03), dec!(0.0), dec!(0.1)), Some(dec!(2000)));
        assert_eq!(trade_price(Side::Sell, dec!(2000), Decimal::ZERO, Decimal::ZERO), None);
    }

    #[test]
    fn drawdown_is_measured_from_the_peak() {
        let mut d = Drawdown::new(dec!(100));
        assert_eq!(d.update(dec!(120)), Decimal::ZERO);
        assert_eq!(d.update(dec!(90)), dec!(0.25));
        assert_eq!(d.update(dec!(110)), dec!(0.08333333));
        assert_eq!((d.peak, d.low, d.max), (dec!(120), dec!(90), dec!(0.25)));
    }
}
