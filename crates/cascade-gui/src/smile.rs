//! The options' smile: implied volatility against strike at the nearest live expiry, and the market maker's delta.

use crate::view::RunView;
use cascade_core::money::to_f64;
use cascade_core::process::SECONDS_PER_YEAR;
use cascade_sim::OptionSeriesState;
use egui::Color32;
use egui_plot::{Line, Plot, PlotPoints, Points, VLine};

const SMILE: Color32 = Color32::from_rgb(80, 140, 220);
const SPOT: Color32 = Color32::from_rgb(230, 120, 30);

/// The smile at the nearest expiry still to come: its days to expiry and `[strike, volatility in percent]` by strike
/// (a call and a put at one strike share their volatility: one point each). `None` once every series has expired.
pub fn nearest_smile(series: &[OptionSeriesState]) -> Option<(f64, Vec<[f64; 2]>)> {
    let years = series.iter().map(|s| s.surface.years).filter(|y| *y > 0.0).min_by(f64::total_cmp)?;
    let mut points: Vec<[f64; 2]> =
        series.iter().filter(|s| s.surface.years == years).map(|s| [to_f64(s.strike), 100.0 * s.surface.vol]).collect();
    points.sort_by(|a, b| a[0].total_cmp(&b[0]));
    points.dedup_by(|a, b| a[0] == b[0]);
    Some((years * SECONDS_PER_YEAR / 86_400.0, points))
}

/// The smile of the run's latest state, with the underlying's price marked; nothing without options.
pub fn smile(ui: &mut egui::Ui, run: &RunView, height: f32) {
    let Some(state) = &run.latest else { return };
    let Some((days, points)) = nearest_smile(&state.options) else { return };
    let forward = state.options.first().map_or(0.0, |s| s.surface.forward);
    ui.label(format!("Smile at the nearest expiry ({days:.1} days)"));
    Plot::new("smile").height(height).x_axis_label("strike").y_axis_label("implied volatility, %").show(ui, |plot| {
        plot.line(Line::new("surface", PlotPoints::from(points.clone())).color(SMILE));
        plot.points(Points::new("strikes", PlotPoints::from(points)).radius(3.0).color(SMILE));
        plot.vline(VLine::new("underlying", forward).color(SPOT));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_core::Decimal;
    use cascade_core::option::OptionKind;
    use cascade_sim::resources::OptionMark;

    fn series(strike: i64, years: f64, vol: f64, right: OptionKind) -> OptionSeriesState {
        OptionSeriesState {
            symbol: format!("X-{strike}"),
            right,
            strike: Decimal::from(strike),
            mark: Decimal::ONE,
            open_interest: Decimal::ZERO,
            surface: OptionMark { forward: 100.0, vol, years, delta: 0.0 },
        }
    }

    #[test]
    fn the_smile_is_the_nearest_live_expiry_one_point_a_strike() {
        let all = [
            series(110, 0.0, 0.5, OptionKind::Call),
            series(110, 0.1, 0.62, OptionKind::Put),
            series(90, 0.1, 0.70, OptionKind::Call),
            series(90, 0.1, 0.70, OptionKind::Put),
            series(100, 0.5, 0.55, OptionKind::Call),
        ];
        let (days, points) = nearest_smile(&all).unwrap();
        assert!((days - 0.1 * SECONDS_PER_YEAR / 86_400.0).abs() < 1e-9);
        assert_eq!(points, vec![[90.0, 70.0], [110.0, 62.0]]);
        assert!(nearest_smile(&all[..1]).is_none(), "every series expired");
    }
}
