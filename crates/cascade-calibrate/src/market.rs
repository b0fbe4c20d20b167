//! Fitting a scenario's market to a real price series by the method of simulated moments
//! ([`cascade_core::moments`]): every point of a sweep plan runs on its seeds, the moments of each run's mark returns
//! are averaged over the seeds, and the points are ranked by their weighted distance to the real series' moments.
//! The plan's axes are the market's parameters (the herding model's, the reference's flow impact, the oracle's
//! noise, ...); the same seeds run at every point (common random numbers), so the ranking is not seed luck.

use crate::CalibrateError;
use cascade_core::facts::log_returns;
use cascade_core::moments::{COUNT, NAMES, bootstrap_variances, distance, moments};
use cascade_sim::batch;
use cascade_sim::recorder::Recording;
use cascade_sweep::plan::Value;
use cascade_sweep::table::{Data, Table};
use cascade_sweep::{Cancel, Sweep, SweepError};

/// How a fit measures.
#[derive(Debug, Clone)]
pub struct FitOptions {
    /// Sampling interval of returns, in observations: ticks of a run, rows of the real series.
    pub interval: usize,
    /// Block length of the bootstrap of the real series, in returns.
    pub block: usize,
    /// Bootstrap draws.
    pub draws: usize,
    /// Worker threads (`None`: one per core).
    pub jobs: Option<usize>,
    /// Raised to stop the fit at its next run (it then returns [`SweepError::Cancelled`]).
    pub cancel: Cancel,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self { interval: 1, block: 500, draws: 200, jobs: None, cancel: Cancel::default() }
    }
}

/// One point of the plan, fitted.
#[derive(Debug, Clone, PartialEq)]
pub struct PointFit {
    /// The point's index in the sweep.
    pub point: usize,
    /// Its axis values, in axis order.
    pub values: Vec<Value>,
    /// Runs that finished (of its seeds).
    pub runs: usize,
    /// The moments averaged over its runs, in the order of [`cascade_core::moments::NAMES`].
    pub moments: [f64; COUNT],
    /// The weighted distance to the real series (`NaN` when no run finished).
    pub distance: f64,
}

/// A fit: the real series' moments, their spread, and every point ranked.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Returns in the real series.
    pub target_returns: usize,
    /// Returns in each run (the bootstrap's window).
    pub run_returns: usize,
    /// The real series' moments.
    pub target: [f64; COUNT],
    /// Each moment's standard deviation over windows of a run's length of the real series (its weight is the
    /// inverse square).
    pub target_sd: [f64; COUNT],
    /// Every point, nearest first (undefined distances last, then by point index).
    pub points: Vec<PointFit>,
    /// Runs that failed, with their messages.
    pub failures: Vec<(usize, String)>,
}

/// Fits `sweep`'s points to `prices` (a real series, oldest first); `done` is called as each run finishes. The
/// plan names one scenario; its mark is the first market's.
pub fn fit(sweep: &Sweep, prices: &[f64], options: &FitOptions, done: impl Fn() + Sync) -> Result<Fit, CalibrateError> {
    let interval = options.interval.max(1);
    let real = log_returns(prices, interval);
    let scenarios = sweep.plan.scenarios.len();
    if scenarios != 1 {
        return Err(CalibrateError::Fit(format!("a fit takes one scenario, and the plan names {scenarios}")));
    }
    let runs = &sweep.runs;
    let ticks = runs.first().map_or(0, |r| r.job.scenario.ticks as usize);
    let run_returns = ticks.saturating_sub(1) / interval;
    if run_returns < 100 {
        let problem = format!("a run gives {run_returns} returns at interval {interval}: at least 100 are needed");
        return Err(CalibrateError::Fit(problem));
    }
    let variances = bootstrap_variances(&real, run_returns, options.block, options.draws).ok_or_else(|| {
        let n = real.len();
        CalibrateError::Fit(format!(
            "the real series has {n} returns, fewer than a bootstrap block of {}",
            options.block
        ))
    })?;
    let jobs: Vec<batch::Job> = runs.iter().map(|r| r.job.clone()).collect();
    let results = batch::run(
        &jobs,
        options.jobs,
        |_, _| if options.cancel.is_cancelled() { Err(SweepError::Cancelled) } else { Ok(Recording::Memory) },
        |_, job, sim| {
            let symbol = &job.scenario.market.symbol;
            let marks: Vec<f64> = sim
                .market_records()
                .iter()
                .filter(|m| &m.symbol == symbol)
                .map(|m| cascade_core::money::to_f64(m.mark))
                .collect();
            Ok(moments(&log_returns(&marks, interval)))
        },
        |_| done(),
    )
    .map_err(|e| CalibrateError::Sweep(SweepError::Run(e.to_string())))?;
    let mut per_point: Vec<Vec<[f64; COUNT]>> = vec![Vec::new(); sweep.points.len()];
    let mut failures = Vec::new();
    for (spec, result) in runs.iter().zip(results) {
        match result {
            Ok(m) => per_point[spec.point].push(m),
            Err(SweepError::Cancelled) => return Err(CalibrateError::Sweep(SweepError::Cancelled)),
            Err(e) => failures.push((spec.index, e.to_string())),
        }
    }
    let target = moments(&real);
    let mut points: Vec<PointFit> = per_point
        .iter()
        .enumerate()
        .map(|(point, measured)| {
            let mean = mean_moments(measured);
            PointFit {
                point,
                values: sweep.points[point].clone(),
                runs: measured.len(),
                moments: mean,
                distance: if measured.is_empty() { f64::NAN } else { distance(&mean, &target, &variances) },
            }
        })
        .collect();
    points.sort_by(|a, b| a.distance.is_nan().cmp(&b.distance.is_nan()).then(a.distance.total_cmp(&b.distance)));
    Ok(Fit { target_returns: real.len(), run_returns, target, target_sd: variances.map(f64::sqrt), points, failures })
}

/// The fit as a table (`fit.csv`, `fit.parquet`): one row per point, nearest first: rank, point, its axis values,
/// runs, distance, and each moment with the target's beside it.
pub fn table(sweep: &Sweep, fit: &Fit) -> Table {
    let points = &fit.points;
    let mut t = Table::default();
    t.push("rank", None, Data::Count((1..=points.len() as u64).collect()));
    t.push("point", None, Data::Count(points.iter().map(|p| p.point as u64).collect()));
    for (a, axis) in sweep.plan.axes.iter().enumerate() {
        let values = points.iter().map(|p| p.values.get(a).map(Value::as_setting)).collect();
        t.push(axis.path.clone(), None, Data::Text(values));
    }
    t.push("runs", Some("count"), Data::Count(points.iter().map(|p| p.runs as u64).collect()));
    let finite = |x: f64| Some(x).filter(|x| x.is_finite());
    t.push("distance", None, Data::Float(points.iter().map(|p| finite(p.distance)).collect()));
    for (i, name) in NAMES.iter().enumerate() {
        t.push(*name, None, Data::Float(points.iter().map(|p| finite(p.moments[i])).collect()));
        t.push(format!("{name}_target"), None, Data::Float(points.iter().map(|_| finite(fit.target[i])).collect()));
    }
    t
}

/// Each moment's mean over the runs where it is defined (`NaN` where it never is).
fn mean_moments(runs: &[[f64; COUNT]]) -> [f64; COUNT] {
    std::array::from_fn(|i| {
        let defined: Vec<f64> = runs.iter().map(|m| m[i]).filter(|x| x.is_finite()).collect();
        if defined.is_empty() { f64::NAN } else { defined.iter().sum::<f64>() / defined.len() as f64 }
    })
}
