//! The mark price, and the statistics that follow it.

use crate::resources::{Instruments, Underlyings};
use bevy_ecs::prelude::*;
use cascade_core::Decimal;
use cascade_core::money::{round_to_step, to_f64};
use cascade_core::stats::median;
use std::collections::VecDeque;

/// Sets each instrument's mark price to the median of its underlying's oracle price, the book's middle price and the
/// last trade, on the tick grid. The middle price is the mid, or with `basis_average_ticks` the oracle price plus
/// the basis (mid less oracle) averaged over that many ticks (Binance's rule). A missing mid (one-sided book) or last
/// trade counts as the oracle price (and a missing mid adds no basis), so the mark then is the oracle. The mark is
/// then clamped to `mark_band` around the oracle price. Updates the EWMA volatility of mark log-returns, the mark
/// history trend followers watch and the fundamental value fundamentalists trade on, and accumulates the funding
/// premium `(mid - oracle) / oracle`.
pub fn update_mark(mut instruments: ResMut<Instruments>, underlyings: Res<Underlyings>) {
    // Option series are marked from the surface (`systems::options::mark_options`).
    for instrument in instruments.0.iter_mut().filter(|i| i.kind.is_linear()) {
        let mid = instrument.book.mid();
        let oracle = underlyings.get(instrument.underlying).oracle_price;
        let middle = match instrument.spec.basis_average_ticks {
            0 => mid.unwrap_or(oracle),
            ticks => oracle + average_basis(&mut instrument.basis, mid.map(|m| m - oracle), ticks),
        };
        let mut candidates = [oracle, middle, instrument.last_trade.unwrap_or(oracle)];
        let previous = instrument.mark_price;
        if let Some(mark) = median(&mut candidates).and_then(|m| round_to_step(m, instrument.spec.tick_size)) {
            instrument.mark_price = clamp_to_band(mark, oracle, instrument.spec.mark_band, instrument.spec.tick_size);
        }
        instrument.mark_volatility.update(libm::log(to_f64(instrument.mark_price) / to_f64(previous)));
        if instrument.mark_history_len > 0 {
            if instrument.mark_history.len() == instrument.mark_history_len {
                instrument.mark_history.pop_front();
            }
            instrument.mark_history.push_back(to_f64(instrument.mark_price));
        }
        if let Some(f) = &mut instrument.fundamental {
            f.value = f.retention * f.value + (1.0 - f.retention) * to_f64(oracle);
        }
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

/// The average of the last `ticks` bases, `basis` (this tick's, if the book has a mid) pushed first; zero with none.
fn average_basis(window: &mut VecDeque<Decimal>, basis: Option<Decimal>, ticks: usize) -> Decimal {
    if let Some(basis) = basis {
        if window.len() == ticks {
            window.pop_front();
        }
        window.push_back(basis);
    }
    if window.is_empty() { Decimal::ZERO } else { window.iter().sum::<Decimal>() / Decimal::from(window.len()) }
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
