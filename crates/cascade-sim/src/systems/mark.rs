//! The mark price, and the statistics that follow it.

use crate::resources::{Instruments, Underlyings};
use bevy_ecs::prelude::*;
use cascade_core::Decimal;
use cascade_core::money::{round_to_step, to_f64};
use cascade_core::stats::median;

/// Sets each instrument's mark price to the median of its underlying's oracle price, the book mid and the last trade,
/// on the tick grid; a missing mid (one-sided book) or last trade counts as the oracle price, so the mark then is the
/// oracle. The mark is then clamped to `mark_band` around the oracle price. Updates the EWMA volatility of mark
/// log-returns and accumulates the funding premium `(mid - oracle) / oracle`.
pub fn update_mark(mut instruments: ResMut<Instruments>, underlyings: Res<Underlyings>) {
    for instrument in &mut instruments.0 {
        let mid = instrument.book.mid();
        let oracle = underlyings.get(instrument.underlying).oracle_price;
        let mut candidates = [oracle, mid.unwrap_or(oracle), instrument.last_trade.unwrap_or(oracle)];
        let previous = instrument.mark_price;
        if let Some(mark) = median(&mut candidates).and_then(|m| round_to_step(m, instrument.spec.tick_size)) {
            instrument.mark_price = clamp_to_band(mark, oracle, instrument.spec.mark_band, instrument.spec.tick_size);
        }
        instrument.mark_volatility.update(libm::log(to_f64(instrument.mark_price) / to_f64(previous)));
        if let Some(mid) = mid {
            let oracle = to_f64(oracle);
            let premium = (to_f64(mid) - oracle) / oracle;
            if premium.is_finite() {
                instrument.premium_sum += premium;
                instrument.premium_count += 1;
            }
        }
    }
}

/// `mark` clamped to `oracle * (1 +- band)` on the tick grid; `band = 0` means no clamp.
fn clamp_to_band(mark: Decimal, oracle: Decimal, band: Decimal, tick: Decimal) -> Decimal {
    if band.is_zero() {
        return mark;
    }
    let low = round_to_step(oracle * (Decimal::ONE - band), tick).unwrap_or(mark);
    let high = round_to_step(oracle * (Decimal::ONE + band), tick).unwrap_or(mark);
    mark.clamp(low, high)
}
