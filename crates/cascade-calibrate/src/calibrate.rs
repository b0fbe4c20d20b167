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
    /// Raised by another thread to stop the calibration (its rounds' sweeps stop, [`CalibrateError::Sweep`] with
    /// [`cascade_sweep::SweepError::Cancelled`]; running again resumes from the rounds' journals).
    pub cancel: cascade_sweep::Cancel,
}

/// How a family was searched.
#[derive(Debug, Clone, PartialEq)]
pub enum Searched {
    /// One parameter: a grid, then bisection ([`crate::search`]).
    Bisection(Found),
    /// Several parameters: CMA-ES with screening seeds ([`crate::evolve`]).
    Evolution(crate::evolve::Evolved),
}

/// One family's result.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyResult {
    /// The family's name.
    pub family: String,
    /// The parameters' paths, in the family's order.
    pub paths: Vec<String>,
    /// The search and how it went.
    pub searched: Searched,
    /// Every point evaluated, judged on the seeds it ran: along the range from its `from` end for one parameter,
    /// in order of evaluation for several.
    pub points: Vec<(Evaluation, Judgement)>,
    /// The answer, if any: for a calibration the point meeting the targets with the least objective, for a
    /// breakpoint the first point that breaks.
    pub winner: Option<usize>,
    /// Per parameter, the 2.5% and 97.5% bootstrap percentiles of the answer (`None`: no answer in range in that
    /// share of the resamples).
    pub interval: Vec<(Option<f64>, Option<f64>)>,
    /// Runs the search used.
    pub runs: usize,
    /// Where the search stopped: the bisection's bracket in the parameter's units (one parameter), or the
    /// sampling spread as a fraction of every range (several).
    pub tolerance: f64,
}

impl FamilyResult {
    /// The bisection, for a family of one parameter.
    pub fn bisection(&self) -> Option<&Found> {
        match &self.searched {
            Searched::Bisection(found) => Some(found),
            Searched::Evolution(_) => None,
        }
    }

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

    /// The sweep plan of one round of `family`: every scenario at the `points` (one value per parameter each, the
    /// tied fields beside them), with the calibration's seeds.
    pub fn plan(&self, family: &Family, points: &[Vec<f64>], round: usize) -> Plan {
        self.plan_with_seeds(family, points, round, Seeds::Count(self.calibration.seeds))
    }

    /// [`Prepared::plan`] with the given `seeds`.
    pub fn plan_with_seeds(&self, family: &Family, points: &[Vec<f64>], round: usize, seeds: Seeds) -> Plan {
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
        let numbers = |k: usize, factor: f64| {
            Values::List(points.iter().map(|x| Value::Number(significant(x[k] * factor))).collect())
        };
        let mut axes = Vec::new();
        if family.margin != "scenario" {
            axes.push(Axis {
                path: "margin".to_owned(),
                values: Values::Presets(vec![self.resolve(&family.margin); points.len()]),
            });
        }
        for (k, p) in family.parameters.iter().enumerate() {
            axes.push(Axis { path: p.path.clone(), values: numbers(k, 1.0) });
            axes.extend(p.tied.iter().map(|(path, factor)| Axis { path: path.clone(), values: numbers(k, *factor) }));
        }
        Plan {
            name: format!("{}-{}-{round:02}", c.name, family.name),
            seed: c.seed,
            seeds,
            scenarios,
            axes,
            combine: Combine::Zip,
            metrics: Vec::new(),
        }
    }

    /// Runs the sweep of one round (the `points` on `seeds`) into `out/rounds/` (resumed if it was interrupted)
    /// and collects its runs per point, per scenario and seed index.
    pub(crate) fn evaluate(
        &self,
        family: &Family,
        points: &[Vec<f64>],
        round: usize,
        seeds: Seeds,
        out: &Path,
        jobs: Option<usize>,
    ) -> Result<Vec<Evaluation>, CalibrateError> {
        let plan = self.plan_with_seeds(family, points, round, seeds);
        let label = format!("{} (family {}, round {round})", self.file, family.name);
        let sweep = Sweep::from_plan(&plan, &label)?;
        let dir = out.join("rounds").join(&plan.name);
        let outcome = cascade_sweep::run(
            &sweep,
            &dir,
            Options { jobs, replace: true, cancel: self.cancel.clone(), ..Options::default() },
            |_, _| {},
        )?;
        let (scenarios, seeds) = (self.calibration.scenarios.len(), sweep.seeds_per_point());
        let mut evaluations: Vec<Evaluation> =
            points.iter().map(|x| Evaluation { x: x.clone(), runs: vec![vec![None; seeds]; scenarios] }).collect();
        for entry in &outcome.entries {
            let spec = &sweep.runs[entry.run];
            let figures = if entry.error.is_none() { RunFigures::from_figures(&entry.figures) } else { None };
            evaluations[spec.point].runs[spec.scenario][spec.seed_index] = figures;
        }
        Ok(evaluations)
    }

    /// The scenarios' weights in the objective.
    pub(crate) fn weights(&self) -> Vec<f64> {
        self.calibration.scenarios.iter().map(|s| s.weight).collect()
    }

    /// The cheapest of `points` meeting the targets at the seeds `picks` (the first such of equal cost).
    pub(crate) fn cheapest(&self, points: &[Evaluation], picks: &[usize]) -> Option<usize> {
        let (targets, weights) = (&self.calibration.targets, self.weights());
        let judged = points.iter().map(|e| judge(e, targets, &weights, picks)).enumerate();
        judged.filter(|(_, j)| j.meets).min_by(|a, b| a.1.objective.total_cmp(&b.1.objective)).map(|(i, _)| i)
    }

    /// Calibrates `family` into `out`: for one parameter, the search for the first point meeting the targets
    /// (bisection); for several, CMA-ES ([`crate::evolve`]); every point judged, the answer the cheapest point
    /// meeting the targets, with its bootstrap interval.
    pub fn family(&self, family: &Family, out: &Path, jobs: Option<usize>) -> Result<FamilyResult, CalibrateError> {
        if family.parameters.len() > 1 {
            return self.evolve_family(family, out, jobs);
        }
        let (targets, weights) = (&self.calibration.targets, self.weights());
        let verdict = |e: &Evaluation, picks: &[usize]| judge(e, targets, &weights, picks).meets;
        let choose = |points: &[Evaluation], picks: &[usize]| self.cheapest(points, picks);
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
            let points: Vec<Vec<f64>> = xs.iter().map(|x| vec![*x]).collect();
            let evaluations = self.evaluate(family, &points, round, Seeds::Count(c.seeds), out, jobs)?;
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
        seen.sort_by_key(|(e, _)| position(e.x[0]));
        let evaluations: Vec<Evaluation> = seen.iter().map(|(e, _)| e.clone()).collect();
        let winner = choose(&evaluations, &all);
        let interval = self.bootstrap(&evaluations, choose);
        let runs = seen.len() * c.scenarios.len() * c.seeds as usize;
        Ok(FamilyResult {
            family: family.name.clone(),
            paths: vec![p.path.clone()],
            searched: Searched::Bisection(found),
            points: seen,
            winner,
            interval,
            runs,
            tolerance,
        })
    }

    /// The answer's 95% bootstrap interval, per parameter: the seeds resampled with replacement (the same
    /// resample for every point and scenario, so the pairing of common random numbers is kept), the answer chosen
    /// again from the evaluated points in each resample, and the 2.5% and 97.5% percentiles of each parameter's
    /// value over those (`None` where the percentile falls among resamples with no answer in range, which sort
    /// beyond the range's far end). One parameter's values are ordered along the search, from its `from` end.
    pub(crate) fn bootstrap(&self, points: &[Evaluation], choose: &Choose<'_>) -> Vec<(Option<f64>, Option<f64>)> {
        let c = &self.calibration;
        let n = c.seeds as usize;
        let mut rng = stream(c.seed, domain::BOOTSTRAP, 0);
        let answers: Vec<Option<usize>> = (0..c.search.bootstrap)
            .map(|_| {
                let picks: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
                choose(points, &picks)
            })
            .collect();
        let dimensions = points.first().map_or(0, |p| p.x.len());
        (0..dimensions)
            .map(|k| {
                let mut chosen = answers.clone();
                // None (no answer in range) sorts last.
                let key = |a: &Option<usize>| a.map_or((1, 0.0), |i| (0, points[i].x[k]));
                if dimensions == 1 {
                    chosen.sort_by_key(|a| a.unwrap_or(usize::MAX));
                } else {
                    chosen.sort_by(|a, b| key(a).0.cmp(&key(b).0).then(key(a).1.total_cmp(&key(b).1)));
                }
                let at = |q: f64| {
                    let i = ((chosen.len().saturating_sub(1)) as f64 * q).round() as usize;
                    chosen.get(i).copied().flatten().map(|i| points[i].x[k])
                };
                (at(0.025), at(0.975))
            })
            .collect()
    }
}
