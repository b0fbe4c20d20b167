//! Dutch auctions of a liquidated position (MakerDAO Liquidations 2.0, the "clipper"): the price starts at `buf`
//! times the oracle price, falls by a factor `cut` every `step` ticks, and the auction is reset (a new start at the
//! oracle price then) once it has run `tail` ticks or its price has fallen below `cusp` times its start.
//!
//! A perpetual position is sold like Maker's collateral: a long is sold to a keeper at `start x factor` (falling),
//! a short is bought back from one at `start x (2 - factor)` (rising), so both move against the liquidated account
//! at the same pace. Prices are quote per base unit; factors are fractions of the start price.

use crate::book::Side;
use crate::money::round_to_step;
use rust_decimal::Decimal;

/// The rules of an auction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuctionRules {
    /// Starting price over the oracle price (Maker's `buf`, e.g. 1.2).
    pub buf: Decimal,
    /// The price's factor per step (Maker's `cut`, e.g. 0.99), in (0, 1).
    pub cut: Decimal,
    /// Ticks per step (Maker's `step`), at least 1.
    pub step_ticks: u64,
    /// Ticks after which the auction is reset (Maker's `tail`), at least 1.
    pub tail_ticks: u64,
    /// Fraction of the starting price below which the auction is reset (Maker's `cusp`, e.g. 0.4), in [0, 1).
    pub cusp: Decimal,
}

impl AuctionRules {
    /// The price factor `elapsed` ticks after the start: `buf x cut^floor(elapsed / step)`, to 12 decimal places.
    pub fn factor(&self, elapsed: u64) -> Decimal {
        let steps = elapsed / self.step_ticks.max(1);
        (0..steps).fold(self.buf, |f, _| (f * self.cut).round_dp(12))
    }

    /// Whether an auction `elapsed` ticks old must be reset: past its tail, or its price below `cusp` of its start.
    pub fn needs_reset(&self, elapsed: u64) -> bool {
        elapsed >= self.tail_ticks || self.factor(elapsed) < self.cusp * self.buf
    }
}

/// The auction price of a position closed on `side` (a long is sold, `Side::Sell`; a short bought back) for a
/// start price `start` and a factor `factor`: `start x factor` for a sale, `start x (2 - factor)` for a purchase,
/// on the tick grid (never below one tick); `None` on a zero tick.
pub fn auction_price(side: Side, start: Decimal, factor: Decimal, tick: Decimal) -> Option<Decimal> {
    let multiple = match side {
        Side::Sell => factor,
        Side::Buy => Decimal::TWO - factor,
    };
    round_to_step(start * multiple, tick).map(|p| p.max(tick))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn maker_like() -> AuctionRules {
        // Of the order of Maker's clippers: buf 1.3, a 1% cut every 90 s, a tail of 8,400 s, cusp 0.4; 30-second
        // ticks.
        AuctionRules { buf: dec!(1.3), cut: dec!(0.99), step_ticks: 3, tail_ticks: 280, cusp: dec!(0.4) }
    }

    #[test]
    fn the_price_falls_a_cut_per_step() {
        let r = maker_like();
        assert_eq!(r.factor(0), dec!(1.3));
        assert_eq!(r.factor(2), dec!(1.3), "no step yet");
        assert_eq!(r.factor(3), dec!(1.287));
        assert_eq!(r.factor(7), dec!(1.27413), "two steps: 1.3 x 0.99^2");
        // After 93 steps (279 ticks): 1.3 x 0.99^93 = 1.3 x exp(93 ln 0.99) = 0.51052. The cusp (0.4 of the start)
        // resets it first: 0.99^91 = 0.4007 still runs (ticks 273-275), 0.99^92 = 0.3967 resets (tick 276).
        let f = r.factor(279);
        assert!((f - dec!(0.51052)).abs() < dec!(0.00001), "{f}");
        assert!(!r.needs_reset(275) && r.needs_reset(276), "92 steps: the cusp resets it");
        let long_cusp = AuctionRules { cusp: dec!(0.35), ..r };
        assert!(!long_cusp.needs_reset(279) && long_cusp.needs_reset(280), "a lower cusp: the tail resets it");
    }

    #[test]
    fn a_steep_cut_reaches_the_cusp_before_the_tail() {
        let r = AuctionRules { cut: dec!(0.8), ..maker_like() };
        // 0.8^4 = 0.4096 >= 0.4; 0.8^5 = 0.32768 < 0.4: reset at the fifth step, tick 15.
        assert!(!r.needs_reset(14));
        assert!(r.needs_reset(15));
    }

    #[test]
    fn longs_are_sold_lower_and_shorts_bought_back_higher_as_the_price_steps() {
        let start = dec!(2000);
        assert_eq!(auction_price(Side::Sell, start, dec!(1.2), dec!(0.1)), Some(dec!(2400)));
        assert_eq!(auction_price(Side::Buy, start, dec!(1.2), dec!(0.1)), Some(dec!(1600)));
        assert_eq!(auction_price(Side::Sell, start, dec!(0.95), dec!(0.1)), Some(dec!(1900)));
        assert_eq!(auction_price(Side::Buy, start, dec!(0.95), dec!(0.1)), Some(dec!(2100)));
        assert_eq!(auction_price(Side::Sell, start, dec!(0.00001), dec!(0.1)), Some(dec!(0.1)), "at least a tick");
        assert_eq!(auction_price(Side::Sell, start, dec!(1), Decimal::ZERO), None);
    }
}
