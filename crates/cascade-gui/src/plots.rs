//! The plots: one instrument's prices and depth ladder (the one chosen in the window), with several instruments each
//! one's move, and the venue's liquidations, insurance fund and bad debt, and margin ratios.

use crate::view::RunView;
use cascade_core::money::to_f64;
use cascade_sim::record::MarketTick;
use egui::Color32;
use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints, Points, Span, VLine};

const REFERENCE: Color32 = Color32::from_rgb(120, 120, 120);
const ORACLE: Color32 = Color32::from_rgb(80, 140, 220);
const MARK: Color32 = Color32::from_rgb(230, 120, 30);
const MID: Color32 = Color32::from_rgb(60, 170, 90);
const LAST: Color32 = Color32::from_rgb(160, 90, 200);
const COMPARE: Color32 = Color32::from_rgb(220, 50, 60);
const BIDS: Color32 = Color32::from_rgb(60, 170, 90);
const ASKS: Color32 = Color32::from_rgb(220, 70, 70);

fn hours(run: &RunView) -> impl Iterator<Item = f64> + '_ {
    run.records.iter().map(|r| r.time_s / 3600.0)
}

/// Most points drawn per series: longer histories are reduced to the lowest and highest value of each bucket, so
/// drawing stays fast and spikes stay visible.
const MAX_POINTS: usize = 2000;

fn series(run: &RunView, value: impl Fn(&cascade_sim::record::TickRecord) -> Option<f64>) -> PlotPoints<'static> {
    let points: Vec<[f64; 2]> =
        hours(run).zip(run.records.iter()).filter_map(|(h, r)| value(r).map(|v| [h, v])).collect();
    decimate(points).into()
}

/// A series of instrument `k`'s rows.
fn instrument_series(run: &RunView, k: usize, value: impl Fn(&MarketTick) -> Option<f64>) -> PlotPoints<'static> {
    let points: Vec<[f64; 2]> = hours(run).zip(run.rows_of(k)).filter_map(|(h, r)| value(r).map(|v| [h, v])).collect();
    decimate(points).into()
}

fn decimate(points: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
    if points.len() <= MAX_POINTS {
        return points;
    }
    let bucket = points.len().div_ceil(MAX_POINTS / 2);
    points
        .chunks(bucket)
        .flat_map(|chunk| {
            let low = chunk.iter().copied().min_by(|a, b| a[1].total_cmp(&b[1]));
            let high = chunk.iter().copied().max_by(|a, b| a[1].total_cmp(&b[1]));
            match (low, high) {
                (Some(l), Some(h)) if l[0] <= h[0] => vec![l, h],
                (Some(l), Some(h)) => vec![h, l],
                _ => Vec::new(),
            }
        })
        .collect()
}

/// Shock windows as shaded spans, instantaneous shocks (gaps) as vertical lines.
fn shade_shocks(plot: &mut egui_plot::PlotUi<'_>, run: &RunView) {
    for (start, end, name) in run.shock_windows() {
        if end > start {
            plot.span(Span::new(name, start..=end).fill(Color32::from_rgba_unmultiplied(220, 60, 60, 24)));
        } else {
            plot.vline(VLine::new(name, start).color(Color32::from_rgb(220, 60, 60)));
        }
    }
}

/// Instrument `k`'s reference, oracle, mark, book mid and last trade over time; shock windows shaded; its
/// liquidations marked on the mark; a comparison run's mark overlaid.
pub fn prices(ui: &mut egui::Ui, runs: &[RunView], k: usize, height: f32) {
    let Some(run) = runs.first() else { return };
    let series = |run: &RunView, value: fn(&MarketTick) -> Option<f64>| instrument_series(run, k, value);
    Plot::new("prices")
        .legend(Legend::default())
        .height(height)
        .x_axis_label("hours")
        .y_axis_label("price (quote)")
        .show(ui, |plot| {
            shade_shocks(plot, run);
            plot.line(Line::new("reference", series(run, |r| Some(r.reference))).color(REFERENCE));
            plot.line(Line::new("oracle", series(run, |r| Some(to_f64(r.oracle)))).color(ORACLE));
            plot.line(
                Line::new("book mid", series(run, |r| Some((to_f64(r.best_bid?) + to_f64(r.best_ask?)) / 2.0)))
                    .color(MID),
            );
            plot.line(Line::new("last trade", series(run, |r| r.last_trade.map(to_f64))).color(LAST).width(0.5));
            plot.line(Line::new("mark", series(run, |r| Some(to_f64(r.mark)))).color(MARK).width(1.5));
            let liquidations = series(run, |r| (r.liquidations > 0).then(|| to_f64(r.mark)));
            plot.points(Points::new("liquidations", liquidations).radius(2.5).color(Color32::from_rgb(200, 30, 30)));
            if let Some(other) = runs.get(1) {
                let name = format!("mark ({})", other.name);
                plot.line(Line::new(name, series(other, |r| Some(to_f64(r.mark)))).color(COMPARE).width(1.5));
            }
        });
}

/// With several instruments: each one's mark as a change from its first value, in percent, so markets of any price
/// level share one axis; shocks marked as on the price plot.
pub fn markets(ui: &mut egui::Ui, run: &RunView, height: f32) {
    let hour = |tick: u64| run.records.get(tick as usize).map(|r| r.time_s / 3600.0);
    Plot::new("markets")
        .legend(Legend::default())
        .height(height)
        .x_axis_label("hours")
        .y_axis_label("mark, % from start")
        .show(ui, |plot| {
            shade_shocks(plot, run);
            for (k, symbol) in run.symbols().into_iter().enumerate() {
                let rows = run.rows_of(k);
                let Some(first) = rows.clone().next().map(|r| to_f64(r.mark)) else { continue };
                let points: Vec<[f64; 2]> =
                    rows.filter_map(|r| Some([hour(r.tick)?, 100.0 * (to_f64(r.mark) / first - 1.0)])).collect();
                plot.line(Line::new(symbol.to_owned(), PlotPoints::from(decimate(points))).width(1.5));
            }
        });
}

/// Instrument `k`'s order book now: resting notional at each price, bids and asks.
pub fn depth_ladder(ui: &mut egui::Ui, run: &RunView, k: usize, height: f32) {
    let Some(state) = run.instrument(k) else { return };
    let bars = |levels: &[(cascade_core::Decimal, cascade_core::Decimal)], color| {
        levels.iter().map(|(p, q)| Bar::new(to_f64(*p), to_f64(*p * *q) / 1e3).fill(color)).collect::<Vec<_>>()
    };
    let [bids, asks] = &state.book;
    ui.label(format!("{} order book now: {} bid and {} ask levels", state.symbol, bids.len(), asks.len()));
    if bids.is_empty() && asks.is_empty() {
        ui.label("The book is empty: forced selling took every resting order this tick.");
        return;
    }
    // Bars sized to the spread of prices shown, so a handful of levels stays as visible as a full ladder.
    let prices: Vec<f64> = bids.iter().chain(asks.iter()).map(|(p, _)| to_f64(*p)).collect();
    let range =
        prices.iter().copied().fold(f64::NEG_INFINITY, f64::max) - prices.iter().copied().fold(f64::INFINITY, f64::min);
    let width = if range.is_finite() && range > 0.0 { range / (prices.len() as f64 * 1.5) } else { 1.0 };
    Plot::new("depth")
        .legend(Legend::default())
        .height(height)
        .x_axis_label("price")
        .y_axis_label("resting notional (k quote)")
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("bids", bars(bids, BIDS)).width(width).color(BIDS));
            plot.bar_chart(BarChart::new("asks", bars(asks, ASKS)).width(width).color(ASKS));
        });
}

/// Liquidated notional per tick, and cumulative.
pub fn liquidations(ui: &mut egui::Ui, runs: &[RunView], height: f32) {
    let Some(run) = runs.first() else { return };
    ui.label("Liquidated notional");
    Plot::new("liquidations")
        .legend(Legend::default())
        .height(height)
        .x_axis_label("hours")
        .y_axis_label("M quote")
        .show(ui, |plot| {
            let bars: Vec<Bar> = hours(run)
                .zip(&run.records)
                .filter(|(_, r)| r.liquidations > 0)
                .map(|(h, r)| Bar::new(h, to_f64(r.liquidated_notional) / 1e6).fill(Color32::from_rgb(200, 40, 40)))
                .collect();
            // At least 1/400 of the span, so single ticks stay visible over long runs.
            let tick = run.records.first().map_or(0.02, |r| r.time_s / 3600.0);
            let span = run.records.last().map_or(0.0, |r| r.time_s / 3600.0);
            let width = tick.max(span / 400.0);
            plot.bar_chart(BarChart::new("per tick", bars).width(width));
            for (i, r) in runs.iter().enumerate() {
                let mut total = 0.0;
                let cumulative: Vec<[f64; 2]> = hours(r)
                    .zip(&r.records)
                    .map(|(h, rec)| {
                        total += to_f64(rec.liquidated_notional) / 1e6;
                        [h, total]
                    })
                    .collect();
                let name = if i == 0 { "cumulative".to_owned() } else { format!("cumulative ({})", r.name) };
                let line = Line::new(name, cumulative);
                plot.line(if i == 0 { line } else { line.color(COMPARE) });
            }
        });
}

/// Insurance fund and bad debt over time, for every run.
pub fn insurance(ui: &mut egui::Ui, runs: &[RunView], height: f32) {
    ui.label("Insurance fund and bad debt");
    Plot::new("insurance").legend(Legend::default()).height(height).x_axis_label("hours").y_axis_label("k quote").show(
        ui,
        |plot| {
            for (i, run) in runs.iter().enumerate() {
                let suffix = if i == 0 { String::new() } else { format!(" ({})", run.name) };
                let fund =
                    Line::new(format!("insurance fund{suffix}"), series(run, |r| Some(to_f64(r.insurance_fund) / 1e3)));
                let debt = Line::new(format!("bad debt{suffix}"), series(run, |r| Some(to_f64(r.bad_debt) / 1e3)));
                if i == 0 {
                    plot.line(fund.color(ORACLE));
                    plot.line(debt.color(ASKS));
                } else {
                    plot.line(fund.color(COMPARE).style(egui_plot::LineStyle::dashed_loose()));
                    plot.line(debt.color(COMPARE));
                }
            }
        },
    );
}

/// Histogram of account margin ratios (equity over maintenance requirement): below 1 is liquidatable.
pub fn margin_ratios(ui: &mut egui::Ui, run: &RunView, height: f32) {
    let Some(state) = &run.latest else { return };
    ui.label(format!("Margin ratios of {} open accounts", state.margin_ratios.len()));
    const WIDTH: f64 = 0.25;
    const BINS: usize = 24;
    let mut counts = [0u32; BINS];
    for r in &state.margin_ratios {
        let bin = ((r.max(0.0) / WIDTH) as usize).min(BINS - 1);
        counts[bin] += 1;
    }
    let bars: Vec<Bar> = counts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let x = (i as f64 + 0.5) * WIDTH;
            let color = if x < 1.0 {
                ASKS
            } else if x < 1.5 {
                MARK
            } else {
                BIDS
            };
            Bar::new(x, f64::from(*c)).width(WIDTH * 0.9).fill(color)
        })
        .collect();
    Plot::new("margin")
        .height(height)
        .x_axis_label("equity / maintenance requirement (last bin: 5.75 and above)")
        .y_axis_label("accounts")
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("accounts", bars));
            plot.vline(VLine::new("liquidation", 1.0).color(ASKS));
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_extremes_in_time_order() {
        let mut points: Vec<[f64; 2]> = (0..10_000).map(|i| [f64::from(i), 0.0]).collect();
        points[4321][1] = -50.0;
        points[7000][1] = 80.0;
        let reduced = decimate(points);
        assert!(reduced.len() <= MAX_POINTS);
        assert!(reduced.contains(&[4321.0, -50.0]) && reduced.contains(&[7000.0, 80.0]));
        assert!(reduced.windows(2).all(|w| w[0][0] <= w[1][0]));
    }
}
