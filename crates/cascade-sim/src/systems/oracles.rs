//! Oracles: each source prints a delayed, noisy reference; the venue's oracle price is the median of the fresh
//! prints, optionally time-averaged. Safety rules: a confidence guard rejects prints whose stated uncertainty is too
//! wide, a deviation guard rejects prints too far from the current oracle price, and a staleness limit marks the
//! oracle price stale when no source has printed for too long.

use crate::components::OracleFeed;
use crate::record::{Event, EventKind};
use crate::recorder::Recorder;
use crate::resources::{Clock, OracleRules, Shocks, Underlyings};
use bevy_ecs::prelude::*;
use cascade_core::Decimal;
use cascade_core::aggregate::aggregate;
use cascade_core::money::{from_f64, round_to_step, to_f64};
use cascade_core::rng::standard_normal;
use cascade_core::stats::median;
use rust_decimal::prelude::FromPrimitive;

/// Each source prints `reference[t - delay] * (1 + noise * z)` on the tick grid every `update_interval_ticks`
/// (staggered by source), unless the oracle is frozen. The
/// first sources print badly during a bad-print shock, and all print with more noise during an uncertainty shock.
/// Guards, each logged when it fires: a print whose confidence half-width (2 noise standard deviations) exceeds
/// `max_confidence`, or which lies further than `max_deviation` from the current oracle price, is rejected. A print
/// that cannot become a price is skipped.
pub fn sample_oracles(
    clock: Res<Clock>,
    shocks: Res<Shocks>,
    rules: Res<OracleRules>,
    mut underlyings: ResMut<Underlyings>,
    mut feeds: Query<&mut OracleFeed>,
    mut recorder: ResMut<Recorder>,
) {
    let disruption = shocks.oracle;
    if disruption.frozen {
        return;
    }
    let mut rejected = Vec::new();
    let interval = rules.0.update_interval_ticks.max(1);
    for mut feed in &mut feeds {
        if !(clock.tick + u64::from(feed.index)).is_multiple_of(interval) {
            continue;
        }
        let underlying = underlyings.get(feed.underlying);
        let history = &underlying.reference_history;
        let delay = (feed.delay_ticks + disruption.extra_delay) as usize;
        let Some(&reference) = history.get(delay).or(history.back()) else { continue };
        let z = standard_normal(&mut feed.rng);
        let noise = feed.noise * disruption.uncertainty;
        let mut print = reference * (1.0 + noise * z);
        if let Some((change, sources)) = disruption.bad_print
            && feed.index < sources
        {
            print *= 1.0 + change;
        }
        let Ok(price) = from_f64(print, underlying.price_step, "oracle print") else { continue };
        if price <= Decimal::ZERO {
            continue;
        }
        let confidence = 2.0 * noise;
        if rules.0.max_confidence > 0.0 && confidence > rules.0.max_confidence {
            rejected.push((feed.underlying, feed.index, price, "confidence", confidence));
            continue;
        }
        let deviation = (to_f64(price) / to_f64(underlying.oracle_price) - 1.0).abs();
        if rules.0.max_deviation > 0.0 && deviation > rules.0.max_deviation {
            rejected.push((feed.underlying, feed.index, price, "deviation", deviation));
            continue;
        }
        feed.price = price;
        feed.confidence = (price * Decimal::from_f64(confidence).unwrap_or_default()).round_dp(8);
        feed.last_update = clock.tick;
    }
    rejected.sort_by_key(|r| (r.0, r.1));
    for (underlying, index, price, rule, measure) in rejected {
        underlyings.0[usize::from(underlying.0)].oracle_rejections += 1;
        let event = Event {
            average_price: Some(price),
            magnitude: Some(measure),
            ..Event::new(clock.tick, EventKind::OraclePrintRejected, format!("source {index}: {rule}"))
        };
        recorder.event(event.in_market(&underlyings.get(underlying).symbol));
    }
}

/// Sets each underlying's oracle price to the median of its fresh sources' prints (a pull oracle's: their Pyth
/// aggregate, [`cascade_core::aggregate`], whose confidence beyond `max_confidence` leaves the price stale), averaged
/// over `twap_ticks` ticks, on the tick grid; a push oracle publishes it only past its deviation threshold or heartbeat, and on a chain only
/// while a transaction costs at most its `max_gas_cost` (at the last block's gas). With no fresh source the price is
/// stale: it keeps its last value, and the change of state is logged.
pub fn aggregate_oracles(
    clock: Res<Clock>,
    rules: Res<OracleRules>,
    mut underlyings: ResMut<Underlyings>,
    feeds: Query<&OracleFeed>,
    mut recorder: ResMut<Recorder>,
    chain: Option<Res<crate::chain::ChainState>>,
) {
    let staleness = rules.0.staleness_ticks;
    // Whether an update transaction lands in this block: its operator pays at most `max_gas_cost`.
    let affordable = match (rules.0.push.and_then(|p| p.max_gas_cost), &chain) {
        (Some(max), Some(chain)) => chain.transaction_cost().is_ok_and(|cost| cost <= max),
        _ => true,
    };
    let paused = if rules.0.pause_liquidations_when_stale { "liquidations paused" } else { "liquidations continue" };
    for underlying in &mut underlyings.0 {
        let fresh: Vec<&OracleFeed> = feeds
            .iter()
            .filter(|f| {
                f.underlying == underlying.id
                    && (staleness == 0 || clock.tick.saturating_sub(f.last_update) <= staleness)
            })
            .collect();
        let center = match rules.0.pull {
            None => median(&mut fresh.iter().map(|f| f.price).collect::<Vec<_>>()).map(|m| (m, None)),
            Some(_) => aggregate(&fresh.iter().map(|f| (f.price, f.confidence)).collect::<Vec<_>>())
                .map(|a| (a.price, Some(a.relative_confidence()))),
        };
        let max_confidence = rules.0.pull.map_or(0.0, |p| p.max_confidence);
        let (m, too_wide) = match center {
            Some((m, Some(c))) if max_confidence > 0.0 && to_f64(c) > max_confidence => (m, Some(to_f64(c))),
            Some((m, _)) => (m, None),
            None => {
                if !underlying.oracle_stale {
                    underlying.oracle_stale = true;
                    recorder
                        .event(Event::new(clock.tick, EventKind::OracleStale, paused).in_market(&underlying.symbol));
                }
                continue;
            }
        };
        underlying.oracle_confidence = center.and_then(|(_, c)| c).unwrap_or_default();
        if let Some(confidence) = too_wide {
            if !underlying.oracle_stale {
                underlying.oracle_stale = true;
                let detail = format!("confidence too wide: {paused}");
                let event =
                    Event { magnitude: Some(confidence), ..Event::new(clock.tick, EventKind::OracleStale, detail) };
                recorder.event(event.in_market(&underlying.symbol));
            }
            continue;
        }
        if underlying.oracle_stale {
            underlying.oracle_stale = false;
            recorder
                .event(Event::new(clock.tick, EventKind::OracleFresh, "fresh prints").in_market(&underlying.symbol));
        }
        underlying.oracle_medians.push_back(m);
        while underlying.oracle_medians.len() > underlying.twap_ticks {
            underlying.oracle_medians.pop_front();
        }
        let average =
            underlying.oracle_medians.iter().sum::<Decimal>() / Decimal::from(underlying.oracle_medians.len());
        let Some(price) = round_to_step(average, underlying.price_step) else { continue };
        let publish = match rules.0.push {
            None => true,
            Some(push) => {
                let moved = (to_f64(price) / to_f64(underlying.oracle_price) - 1.0).abs() > push.deviation;
                let due = clock.tick.saturating_sub(underlying.oracle_published_at) >= push.heartbeat_ticks;
                affordable && (moved || due)
            }
        };
        if publish {
            underlying.oracle_price = price;
            underlying.oracle_published_at = clock.tick;
        }
    }
}
