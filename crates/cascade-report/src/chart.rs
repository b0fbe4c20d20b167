//! Figures as data (panels of series, bands and reference lines) and their rendering to PNG and SVG with
//! plotters. Text is set in a bundled font (Ubuntu Light, from egui's default fonts), so a server without fonts
//! draws the same figure.

use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Once;

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A line through the points in order.
    Line,
    /// A line with a dot at every point (few points: evaluated parameters, sweep points).
    LineDots,
    /// Dots alone (a scatter).
    Dots,
    /// A step function, dots at the points: each point's `y` holds from the previous point's `x` up to its own (an
    /// exceedance curve, the share of values at or above `x`).
    Steps,
    /// Bars from zero, each as wide as the spacing of the points (flows per interval).
    Bars,
}

/// One labelled series of a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Points `(x, y)`, drawn in order.
    pub points: Vec<(f64, f64)>,
    /// How the points are drawn.
    pub mark: Mark,
    /// A shaded interval `(x, low, high)` around the series (a confidence interval); empty for none.
    pub band: Vec<(f64, f64, f64)>,
}

impl Series {
    /// A series of `points` drawn as `mark`, without a band; points with a non-finite coordinate are dropped.
    pub fn new(label: impl Into<String>, mark: Mark, points: Vec<(f64, f64)>) -> Self {
        let points = points.into_iter().filter(|(x, y)| x.is_finite() && y.is_finite()).collect();
        Self { label: label.into(), points, mark, band: Vec::new() }
    }

    /// This series with the shaded interval `band` (`(x, low, high)`; non-finite rows dropped).
    pub fn with_band(self, band: Vec<(f64, f64, f64)>) -> Self {
        let band = band.into_iter().filter(|(x, l, h)| x.is_finite() && l.is_finite() && h.is_finite()).collect();
        Self { band, ..self }
    }
}

/// A labelled reference line across a panel: a target (horizontal) or a chosen parameter (vertical).
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// A horizontal line at this `y`.
    Horizontal(String, f64),
    /// A vertical line at this `x`.
    Vertical(String, f64),
}

/// One chart: axes with their labels (quantity and unit), series and reference lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Title above the chart.
    pub title: String,
    /// Label of the x axis, with its unit.
    pub x_label: String,
    /// Label of the y axis, with its unit.
    pub y_label: String,
    /// The series, drawn in order (colours in order).
    pub series: Vec<Series>,
    /// Reference lines (dashed, grey).
    pub rules: Vec<Rule>,
}

impl Panel {
    /// A panel with no series yet.
    pub fn new(title: impl Into<String>, x_label: impl Into<String>, y_label: impl Into<String>) -> Self {
        Self { title: title.into(), x_label: x_label.into(), y_label: y_label.into(), series: vec![], rules: vec![] }
    }

    /// Whether the panel has nothing to draw.
    pub fn is_empty(&self) -> bool {
        self.series.iter().all(|s| s.points.is_empty())
    }
}

/// A titled figure of panels laid out in `columns` columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Title across the top.
    pub title: String,
    /// The panels, row by row.
    pub panels: Vec<Panel>,
    /// Panels per row.
    pub columns: usize,
}

/// Why a figure could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot draw the figure: {message}")]
pub struct DrawError {
    /// The file being written.
    pub path: String,
    /// What plotters reported.
    pub message: String,
}

/// Colours of series, in order (Okabe and Ito's palette, distinguishable with colour-blindness), then repeated.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(240, 228, 66),
];

/// Pixel size of one panel.
const PANEL: (u32, u32) = (720, 420);
/// Height of the figure's title strip, pixels.
const TITLE: u32 = 40;

fn register_font() {
    static FONT: Once = Once::new();
    FONT.call_once(|| {
        // The bytes are a valid TrueType font shipped with egui; were they not, text would be missing, not wrong.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, epaint_default_fonts::UBUNTU_LIGHT);
    });
}

/// A number as an axis label: thousands as k, millions as M, small fractions with enough places.
pub fn compact(v: f64) -> String {
    let a = v.abs();
    let trim = |s: String| {
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s }
    };
    if a >= 1e9 {
        format!("{}G", trim(format!("{:.2}", v / 1e9)))
    } else if a >= 1e6 {
        format!("{}M", trim(format!("{:.2}", v / 1e6)))
    } else if a >= 1e4 {
        format!("{}k", trim(format!("{:.1}", v / 1e3)))
    } else if a >= 1.0 || a == 0.0 {
        trim(format!("{v:.2}"))
    } else {
        trim(format!("{v:.4}"))
    }
}

/// The range `lo..hi` of `values`, padded by 5% each side (a single value: a unit-wide or 10% range around it).
fn range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    if !lo.is_finite() || !hi.is_finite() {
        return 0.0..1.0;
    }
    let span = hi - lo;
    if span <= f64::EPSILON * lo.abs().max(1.0) {
        let half = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return lo - half..hi + half;
    }
    lo - span * 0.05..hi + span * 0.05
}

fn x_values(panel: &Panel) -> impl Iterator<Item = f64> + '_ {
    let data = panel.series.iter().flat_map(|s| s.points.iter().map(|p| p.0).chain(s.band.iter().map(|b| b.0)));
    let rules = panel.rules.iter().filter_map(|r| if let Rule::Vertical(_, x) = r { Some(*x) } else { None });
    data.chain(rules)
}

fn y_values(panel: &Panel) -> impl Iterator<Item = f64> + '_ {
    let data =
        panel.series.iter().flat_map(|s| s.points.iter().map(|p| p.1).chain(s.band.iter().flat_map(|b| [b.1, b.2])));
    let rules = panel.rules.iter().filter_map(|r| if let Rule::Horizontal(_, y) = r { Some(*y) } else { None });
    data.chain(rules)
}

type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, panel: &Panel) -> Drawn<DB> {
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(range(x_values(panel)), range(y_values(panel)))?;
    chart
        .configure_mesh()
        .x_desc(&panel.x_label)
        .y_desc(&panel.y_label)
        .x_label_formatter(&|v| compact(*v))
        .y_label_formatter(&|v| compact(*v))
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .light_line_style(RGBColor(246, 246, 246))
        .draw()?;
    let (x_range, y_range) = (chart.x_range(), chart.y_range());
    let grey = RGBColor(110, 110, 110);
    for rule in &panel.rules {
        let (label, line) = match rule {
            Rule::Horizontal(label, y) => (label, [(x_range.start, *y), (x_range.end, *y)]),
            Rule::Vertical(label, x) => (label, [(*x, y_range.start), (*x, y_range.end)]),
        };
        chart
            .draw_series(DashedLineSeries::new(line, 8, 5, grey.stroke_width(2)))?
            .label(label.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], grey.stroke_width(2)));
    }
    for (i, series) in panel.series.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        if !series.band.is_empty() {
            let upper = series.band.iter().map(|b| (b.0, b.2));
            let lower = series.band.iter().rev().map(|b| (b.0, b.1));
            chart
                .draw_series(std::iter::once(Polygon::new(upper.chain(lower).collect::<Vec<_>>(), colour.mix(0.18))))?;
        }
        let style = colour.stroke_width(2);
        let drawn = match series.mark {
            Mark::Line | Mark::LineDots => chart.draw_series(LineSeries::new(series.points.iter().copied(), style))?,
            Mark::Steps => {
                let corners = series.points.windows(2).flat_map(|w| [w[0], (w[0].0, w[1].1)]);
                let path: Vec<(f64, f64)> = corners.chain(series.points.last().copied()).collect();
                chart.draw_series(LineSeries::new(path, style))?
            }
            Mark::Dots => chart.draw_series(series.points.iter().map(|&p| Circle::new(p, 3, colour.filled())))?,
            Mark::Bars => {
                let width = series.points.windows(2).map(|w| w[1].0 - w[0].0).fold(f64::INFINITY, f64::min);
                let half = if width.is_finite() { width / 2.0 } else { 0.5 };
                let bar =
                    |&(x, y): &(f64, f64)| Rectangle::new([(x - half, 0.0), (x + half, y)], colour.mix(0.8).filled());
                chart.draw_series(series.points.iter().map(bar))?
            }
        };
        drawn.label(series.label.as_str()).legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
        if matches!(series.mark, Mark::LineDots | Mark::Steps) {
            chart.draw_series(series.points.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .label_font(("sans-serif", 14))
        .draw()
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, figure: &Figure) -> Drawn<DB> {
    root.fill(&WHITE)?;
    let (title, body) = root.split_vertically(TITLE);
    title.titled(&figure.title, ("sans-serif", 24))?;
    let columns = figure.columns.max(1);
    let rows = figure.panels.len().div_ceil(columns).max(1);
    for (area, panel) in body.split_evenly((rows, columns)).iter().zip(&figure.panels) {
        draw_panel(area, panel)?;
    }
    root.present()
}

/// Draws `figure` into `dir/STEM.png` and `dir/STEM.svg` and returns their paths.
pub fn write(figure: &Figure, dir: &Path, stem: &str) -> Result<Vec<PathBuf>, DrawError> {
    register_font();
    let columns = figure.columns.max(1) as u32;
    let rows = figure.panels.len().div_ceil(columns as usize).max(1) as u32;
    let size = (PANEL.0 * columns, PANEL.1 * rows + TITLE);
    let png = dir.join(format!("{stem}.png"));
    let svg = dir.join(format!("{stem}.svg"));
    let fail =
        |path: &Path, e: &dyn std::fmt::Display| DrawError { path: path.display().to_string(), message: e.to_string() };
    draw(BitMapBackend::new(&png, size).into_drawing_area(), figure).map_err(|e| fail(&png, &e))?;
    draw(SVGBackend::new(&svg, size).into_drawing_area(), figure).map_err(|e| fail(&svg, &e))?;
    Ok(vec![png, svg])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_labels_read_as_field_figures() {
        assert_eq!(compact(12_000_000.0), "12M");
        assert_eq!(compact(13_811_695.8), "13.81M");
        assert_eq!(compact(25_455.0), "25.5k");
        assert_eq!(compact(0.1191875), "0.1192");
        assert_eq!(compact(0.0), "0");
        assert_eq!(compact(-1.5), "-1.5");
    }

    #[test]
    fn ranges_are_padded_and_never_empty() {
        let r = range([0.0, 10.0].into_iter());
        assert!((r.start + 0.5).abs() < 1e-12 && (r.end - 10.5).abs() < 1e-12);
        let single = range([5.0].into_iter());
        assert!(single.start < 5.0 && single.end > 5.0);
        assert_eq!(range(std::iter::empty()), 0.0..1.0);
    }
}
