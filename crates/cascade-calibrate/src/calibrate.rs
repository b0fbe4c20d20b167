//! Running a calibration: for each family, a search along its parameter whose every round is a sweep (the same
//! seeds at every point: common random numbers), judged against the targets; the answer's interval by a bootstrap
//! over the seeds; the frontier of every point evaluated.

use crate::CalibrateError;
use crate::file::{Calibration, Family};
use crate::judge::{Evaluation, Judgement, RunFigures, judge};
use crate::search::{Found, search, significant};
use cascade_core::rng::{domain, stream};
use cascade_sweep::plan::{Axis, Combine, Plan, ScenarioRef, Seeds, Value, Values};
use cascade_sweep::{Options, Sweep};
use rand::RngExt;
use std::path::{Path, PathBuf};

/// Picks the answer from the points evaluated (in order along the range) on a selection of the seeds.
pub type Choose<'a> = dyn Fn(&[Evaluation], &[usize]) -> Option<usize> + 'a;

/// A calibration read and checked, ready to run.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The calibration as read.
    pub calibration: Calibration,
    /// Its file, as named in errors and manifests.
    pub file: String,
    /// Where its relative scenario and preset files resolve first.
    pub dir: Option<PathBuf>,
}

/// One family's result.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyResult {
    /// The family's name.
    pub family: String,
    /// The parameter's path.
    pub path: String,
    /// The search.
    pub found: Found,
    /// Every point evaluated, judged on all seeds, in order from the range's `from` end.
    pub points: Vec<(Evaluation, Judgement)>,
    /// The answer, if any: for a calibration the point meeting the targets with the least objective, for a
    /// breakpoint the first point that breaks.
    pub winner: Option<usize>,
    /// The 2.5% and 97.5% bootstrap percentiles of the answer (`None`: none in range in that resample).
    pub interval: (Option<f64>, Option<f64>),
    /// Runs the search used.
    pub runs: usize,
    /// The tolerance the bisection stopped at, in the parameter's units.
    pub tolerance: f64,
}

impl FamilyResult {
    /// The point that comes closest to meeting the targets when none does: the least worst ratio of judged value
    /// to limit.
    pub fn best_reached(&self, targets: &[crate::file::Target]) -> Option<usize> {
        let ratio = |j: &Judgement| {
            targets
                .iter()
                .zip(&j.worst)
                .map(|(t, w)| w / crate::judge::limit(t).max(f64::MIN_POSITIVE))
                .fold(0.0, f64::max)
        };
        (0..self.points.len()).min_by(|a, b| ratio(&self.points[*a].1).total_cmp(&ratio(&self.points[*b].1)))
    }
}

impl Prepared {
    /// A scenario or preset name as the calibration gives it: a file beside it if there is one, else as given.
    fn resolve(&self, name: &str) -> String {
        match self.dir.as_ref().map(|d| d.join(name)) {
            Some(path) if path.is_file() => path.display().to_string(),
            _ => name.to_owned(),
        }
    }

    /// The sweep plan of one round of `family`: every scenario at the parameter values `xs` (the tied fields
    /// beside them), with the calibration's seeds.
    pub fn plan(&self, family: &Family, xs: &[f64], round: usize) -> Plan {
        let c = &self.calibration;
        let scenarios = c
            .scenarios
            .iter()
            .map(|s| ScenarioRef {
                name: self.resolve(&s.name),
                set: s.set.iter().chain(&family.set).cloned().collect(),
                ticks: s.ticks,
            })
            .collect();
        let numbers = |factor: f64| Values::List(xs.iter().map(|x| Value::Number(significant(x * factor))).collect());
        let mut axes = Vec::new();
        if family.margin != "scenario" {
            axes.push(Axis {
                path: "margin".to_owned(),
                values: Values::Presets(vec![self.resolve(&family.margin); xs.len()]),
            });
        }
        if let Some(p) = family.parameters.first() {
            axes.push(Axis { path: p.path.clone(), values: numbers(1.0) });
            axes.extend(p.tied.iter().map(|(path, factor)| Axis { path: path.clone(), values: numbers(*factor) }));
        }
        Plan {
            name: format!("{}-{}-{round:02}", c.name, family.name),
            seed: c.seed,
            seeds: Seeds::Count(c.seeds),
            scenarios,
            axes,
            combine: Combine::Zip,
            metrics: Vec::new(),
        }
    }

    /// Runs the sweep of one round into `dir` (resumed if it was interrupted) and collects its runs per point.
    fn evaluate(
        &self,
        family: &Family,
        xs: &[f64],
        round: usize,
        out: &Path,
        jobs: Option<usize>,
    ) -> Result<Vec<Evaluation>, CalibrateError> {
        let plan = self.plan(family, xs, round);
        let label = format!("{} (family {}, round {round})", self.file, family.name);
        let sweep = Sweep::from_plan(&plan, &label)?;
        let dir = out.join("rounds").join(&plan.name);
        let outcome =
            cascade_sweep::run(&sweep, &dir, Options { jobs, replace: true, ..Options::default() }, |_, _| {})?;
        let (scenarios, seeds) = (self.calibration.scenarios.len(), self.calibration.seeds as usize);
        let mut evaluations: Vec<Evaluation> =
            xs.iter().map(|&x| Evaluation { x, runs: vec![vec![None; seeds]; scenarios] }).collect();
        for entry in &outcome.entries {
            let spec = &sweep.runs[entry.run];
            let figures = if entry.error.is_none() { RunFigures::from_figures(&entry.figures) } else { None };
            evaluations[spec.point].runs[spec.scenario][spec.seed_index] = figures;
        }
        Ok(evaluations)
    }

    /// Calibrates `family` into `out`: the search for the first point meeting the targets, every point judged,
    /// the bootstrap interval of the answer.
    pub fn family(&self, family: &Family, out: &Path, jobs: Option<usize>) -> Result<FamilyResult, CalibrateError> {
        let weights: Vec<f64> = self.calibration.scenarios.iter().map(|s| s.weight).collect();
        let targets = &self.calibration.targets;
        let verdict = |e: &Evaluation, picks: &[usize]| judge(e, targets, &weights, picks).meets;
        // The cheapest of the points meeting the targets (the first such of equal cost).
        let choose = |points: &[Evaluation], picks: &[usize]| {
            let judged = points.iter().map(|e| judge(e, targets, &weights, picks)).enumerate();
            judged.filter(|(_, j)| j.meets).min_by(|a, b| a.1.objective.total_cmp(&b.1.objective)).map(|(i, _)| i)
        };
        self.search_family(family, out, jobs, &verdict, &choose)
    }

    /// Searches `family`'s parameter into `out` for the first point at which `verdict` holds (on all the seeds),
    /// judges every point evaluated against the targets, and takes as the answer the point `choose` picks from
    /// them (in order along the range) on a selection of the seeds: all of them, and each bootstrap resample.
    pub fn search_family(
        &self,
        family: &Family,
        out: &Path,
        jobs: Option<usize>,
        verdict: &dyn Fn(&Evaluation, &[usize]) -> bool,
        choose: &Choose<'_>,
    ) -> Result<FamilyResult, CalibrateError> {
        let c = &self.calibration;
        let p = family.parameters.first().ok_or_else(|| CalibrateError::Invalid {
            file: self.file.clone(),
            problems: vec![format!("family {}: expected a parameter", family.name)],
        })?;
        let tolerance = c.search.tolerance.unwrap_or((p.max - p.min) / 100.0);
        let (from, to) = p.direction();
        let weights: Vec<f64> = c.scenarios.iter().map(|s| s.weight).collect();
        let all: Vec<usize> = (0..c.seeds as usize).collect();
        let mut seen: Vec<(Evaluation, Judgement)> = Vec::new();
        let mut round = 0;
        let found = search(from, to, c.search.grid, p.scale, tolerance, |xs| {
            let evaluations = self.evaluate(family, xs, round, out, jobs)?;
            round += 1;
            let verdicts = evaluations
                .into_iter()
                .map(|e| {
                    let holds = verdict(&e, &all);
                    let judgement = judge(&e, &c.targets, &weights, &all);
                    seen.push((e, judgement));
                    holds
                })
                .collect();
            Ok::<_, CalibrateError>(verdicts)
        })?;
        let position = |x: f64| found.evaluated.iter().position(|(y, _)| *y == x);
        seen.sort_by_key(|(e, _)| position(e.x));
        let evaluations: Vec<Evaluation> = seen.iter().map(|(e, _)| e.clone()).collect();
        let winner = choose(&evaluations, &all);
        let interval = self.bootstrap(&evaluations, choose);
        let runs = seen.len() * c.scenarios.len() * c.seeds as usize;
        Ok(FamilyResult {
            family: family.name.clone(),
            path: p.path.clone(),
            found,
            points: seen,
            winner,
            interval,
            runs,
            tolerance,
        })
    }

    /// The answer's 95% bootstrap interval: the seeds resampled with replacement (the same resample for every
    /// point and scenario, so the pairing of common random numbers is kept), the answer chosen again from the
    /// evaluated points in each resample, and the 2.5% and 97.5% percentiles of those along the range (`None`
    /// where a resample finds no answer in the range).
    fn bootstrap(&self, points: &[Evaluation], choose: &Choose<'_>) -> (Option<f64>, Option<f64>) {
        let c = &self.calibration;
        let n = c.seeds as usize;
        let mut rng = stream(c.seed, domain::BOOTSTRAP, 0);
        let mut answers: Vec<Option<usize>> = (0..c.search.bootstrap)
            .map(|_| {
                let picks: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
                choose(points, &picks)
            })
            .collect();
        // Beyond the range sorts last.
        answers.sort_by_key(|a| a.unwrap_or(usize::MAX));
        let at = |q: f64| {
            let k = ((answers.len().saturating_sub(1)) as f64 * q).round() as usize;
            answers.get(k).copied().flatten().map(|i| points[i].x)
        };
        (at(0.025), at(0.975))
    }
}
