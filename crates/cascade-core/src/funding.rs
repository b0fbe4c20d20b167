//! Funding: the periodic payment between longs and shorts that ties a perpetual to its index.
//!
//! The rate is the average premium of the venue price over the oracle price during the interval, clamped to
//! `[-cap, cap]` and rounded to 1e-8. A positive rate means longs pay shorts. Each account pays
//! `quantity * oracle_price * rate`; since quantities sum to zero in a market, payments sum to exactly zero.

use crate::money::{self, MoneyError};
use rust_decimal::Decimal;

/// Precision of a funding rate: 1e-8 (a hundredth of a basis point).
pub const RATE_STEP: Decimal = Decimal::from_parts(1, 0, 0, false, 8);

/// The funding rate for an interval from the average premium `(venue - oracle) / oracle` (a fraction), clamped to
/// `[-cap, cap]`. A non-finite premium yields zero: no funding rather than a corrupted ledger.
pub fn funding_rate(average_premium: f64, cap: Decimal) -> Decimal {
    let rate = money::from_f64(average_premium, RATE_STEP, "funding rate").unwrap_or(Decimal::ZERO);
    rate.clamp(-cap, cap)
}

/// What an account with signed `quantity` pays for one interval at `rate` on `oracle_price` (negative: receives),
/// at the booking precision ([`money::booked`]): the payments of a market then sum to a few units of 1e-8, which
/// the venue books ([`money::Ledger::collect_funding_rounding`]).
pub fn funding_payment(quantity: Decimal, oracle_price: Decimal, rate: Decimal) -> Result<Decimal, MoneyError> {
    Ok(money::booked(money::mul(money::mul(quantity, oracle_price)?, rate)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn longs_pay_shorts_when_the_venue_trades_rich() {
        // Premium 0.0123456789 is clamped to the 0.75% cap; a long of 2 at 20,000 pays 300, the short receives it.
        let rate = funding_rate(0.012_345_678_9, dec!(0.0075));
        assert_eq!(rate, dec!(0.0075));
        assert_eq!(funding_payment(dec!(2), dec!(20000), rate).unwrap(), dec!(300));
        assert_eq!(funding_payment(dec!(-2), dec!(20000), rate).unwrap(), dec!(-300));
        assert_eq!(funding_rate(-0.000_123_456_78, dec!(0.0075)), dec!(-0.00012346));
        assert_eq!(funding_rate(f64::NAN, dec!(0.0075)), dec!(0));
    }
}
