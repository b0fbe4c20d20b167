//! Oracles: each source prints a delayed, noisy reference; the venue's oracle price is their median.

use crate::components::OracleFeed;
use crate::resources::Markets;
use bevy_ecs::prelude::*;
use cascade_core::money::from_f64;
use cascade_core::stats::median;
use rand_distr::{Distribution, StandardNormal};

/// Each source prints `reference[t - delay] * (1 + noise * z)` on the tick grid. A print that cannot become a
/// price (non-finite) is skipped and the source keeps its previous print.
pub fn sample_oracles(markets: Res<Markets>, mut feeds: Query<&mut OracleFeed>) {
    for mut feed in &mut feeds {
        let market = markets.get(feed.market);
        let history = &market.reference_history;
        let Some(&reference) = history.get(feed.delay_ticks as usize).or(history.back()) else {
            continue;
        };
        let z: f64 = StandardNormal.sample(&mut feed.rng);
        let print = reference * (1.0 + feed.noise * z);
        if let Ok(price) = from_f64(print, market.spec.tick_size, "oracle print")
            && price > cascade_core::Decimal::ZERO
        {
            feed.price = price;
        }
    }
}

/// Sets each market's oracle price to the median of its sources' prints, on the tick grid.
pub fn aggregate_oracles(mut markets: ResMut<Markets>, feeds: Query<&OracleFeed>) {
    for market in &mut markets.0 {
        let mut prints: Vec<_> = feeds
            .iter()
            .filter(|f| f.market == market.id)
            .map(|f| f.price)
            .collect();
        if let Some(m) = median(&mut prints)
            .and_then(|m| cascade_core::money::round_to_step(m, market.spec.tick_size))
        {
            market.oracle_price = m;
        }
    }
}
