//! The reverse stress test: for each margin policy, the mildest shock that breaks it (bad debt above a limit, or
//! the insurance fund exhausted) in at least a given share of the seeds (half: the median breakpoint), found by the
//! same search as calibration along the shock's magnitude, under common random numbers.

use crate::CalibrateError;
use crate::calibrate::{FamilyResult, Prepared};
use crate::file::{Calibration, Family, Objective, Parameter, Search, WeightedScenario};
use crate::judge::{Evaluation, RunFigures};
use std::path::Path;

/// What counts as broken.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// Bad debt above this, quote.
    BadDebtAbove(f64),
    /// The insurance fund drawn to zero.
    FundExhausted,
}

impl Threshold {
    /// Whether a run crossed it.
    pub fn crossed(&self, run: &RunFigures) -> bool {
        match *self {
            Threshold::BadDebtAbove(x) => run.bad_debt > x,
            Threshold::FundExhausted => run.insurance_fund_min <= 0.0,
        }
    }
}

impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Threshold::BadDebtAbove(x) => write!(f, "bad debt above {x}"),
            Threshold::FundExhausted => f.write_str("the insurance fund exhausted"),
        }
    }
}

/// A reverse stress test.
#[derive(Debug, Clone, PartialEq)]
pub struct Breakpoint {
    /// The scenario (a shipped name or a file), with `--set` changes and a run length.
    pub scenario: WeightedScenario,
    /// The margin policies tested: presets, rules files, or `scenario` (its own rules).
    pub policies: Vec<String>,
    /// The shock's magnitude: a scenario field (`shocks[0].kind.PriceGap.change`) and its range, `safer` naming
    /// the milder end (for a gap, `Higher`: -0.05 is milder than -0.5).
    pub shock: Parameter,
    /// What counts as broken.
    pub threshold: Threshold,
    /// Share of the seeds that must cross for the shock to count as breaking the policy (0.5: the median).
    pub share: f64,
    /// Seeds, derived from `seed` as a sweep's.
    pub seeds: u32,
    /// Seed of the run seeds and of the bootstrap.
    pub seed: u64,
    /// The search's grid, tolerance and bootstrap.
    pub search: Search,
}

impl Breakpoint {
    /// The calibration this test runs as: one family per policy, searching the shock from its milder end.
    pub fn prepared(&self) -> Result<Prepared, CalibrateError> {
        let families = self
            .policies
            .iter()
            .map(|p| Family {
                name: p.clone(),
                margin: p.clone(),
                set: Vec::new(),
                parameters: vec![self.shock.clone()],
            })
            .collect();
        let calibration = Calibration {
            name: "breakpoint".to_owned(),
            seed: self.seed,
            seeds: self.seeds,
            scenarios: vec![self.scenario.clone()],
            families,
            targets: Vec::new(),
            objective: Objective::MarginLocked,
            search: self.search,
        };
        let prepared = Prepared { calibration, file: "breakpoint".to_owned(), dir: None, cancel: Default::default() };
        let mut problems = Vec::new();
        if !(self.share > 0.0 && self.share <= 1.0) {
            problems.push(format!("--share: expected a share in (0, 1], found {}", self.share));
        }
        if let Threshold::BadDebtAbove(x) = self.threshold
            && !(x.is_finite() && x >= 0.0)
        {
            problems.push(format!("--bad-debt-above: expected an amount >= 0, found {x}"));
        }
        if let Err(CalibrateError::Invalid { problems: found, .. }) = prepared.check(false, |path| path.to_owned()) {
            problems.extend(found);
        }
        if problems.is_empty() {
            Ok(prepared)
        } else {
            Err(CalibrateError::Invalid { file: "breakpoint".to_owned(), problems })
        }
    }

    /// Whether at least `share` of the seeds `picks` crossed the threshold at this magnitude (a failed run counts
    /// as not crossed).
    pub fn breaks(&self, evaluation: &Evaluation, picks: &[usize]) -> bool {
        let runs = &evaluation.runs[0];
        let crossed =
            picks.iter().filter(|&&k| runs.get(k).and_then(Option::as_ref).is_some_and(|r| self.threshold.crossed(r)));
        crossed.count() as f64 >= self.share * picks.len() as f64
    }

    /// Runs the test for every policy into `out` (one directory of sweep rounds per policy).
    pub fn run(&self, out: &Path, jobs: Option<usize>) -> Result<Vec<FamilyResult>, CalibrateError> {
        let prepared = self.prepared()?;
        let verdict = |e: &Evaluation, picks: &[usize]| self.breaks(e, picks);
        let choose = |points: &[Evaluation], picks: &[usize]| points.iter().position(|e| self.breaks(e, picks));
        prepared.calibration.families.iter().map(|f| prepared.search_family(f, out, jobs, &verdict, &choose)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::{Safer, Scale};

    fn test(threshold: Threshold, share: f64) -> Breakpoint {
        Breakpoint {
            scenario: WeightedScenario { name: "default".into(), weight: 1.0, set: Vec::new(), ticks: None },
            policies: vec!["scenario".into()],
            shock: Parameter {
                path: "shocks[0].kind.PriceGap.change".into(),
                min: -0.5,
                max: -0.01,
                safer: Safer::Lower,
                scale: Scale::Linear,
                tied: Vec::new(),
            },
            threshold,
            share,
            seeds: 4,
            seed: 0,
            search: Search::default(),
        }
    }

    /// A synthetic case whose answer is known by construction: seed `k` leaves bad debt once the gap is deeper
    /// than 0.1, 0.2, 0.3, 0.4; with half the seeds required, the breakpoint is the second of those.
    #[test]
    fn the_breakpoint_is_where_the_required_share_of_seeds_breaks() {
        let limits = [0.1, 0.2, 0.3, 0.4];
        let at = |gap: f64| Evaluation {
            x: vec![gap],
            runs: vec![
                limits
                    .iter()
                    .map(|l| Some(RunFigures { bad_debt: if -gap > *l { 10.0 } else { 0.0 }, ..RunFigures::default() }))
                    .collect(),
            ],
        };
        let gaps: Vec<f64> = (1..=45).map(|i| -f64::from(i) / 100.0).collect();
        let points: Vec<Evaluation> = gaps.iter().map(|g| at(*g)).collect();
        let median = test(Threshold::BadDebtAbove(0.0), 0.5);
        let all = [0, 1, 2, 3];
        let first = |b: &Breakpoint| points.iter().position(|e| b.breaks(e, &all)).map(|i| points[i].x[0]);
        assert_eq!(first(&median), Some(-0.21));
        assert_eq!(first(&test(Threshold::BadDebtAbove(0.0), 1.0)), Some(-0.41));
        assert_eq!(first(&test(Threshold::BadDebtAbove(10.0), 0.5)), None, "bad debt of 10 is not above 10");
        let exhausted = RunFigures { insurance_fund_min: 0.0, ..RunFigures::default() };
        assert!(Threshold::FundExhausted.crossed(&exhausted));
        assert!(!Threshold::FundExhausted.crossed(&RunFigures { insurance_fund_min: 1.0, ..exhausted }));
    }

    #[test]
    fn a_share_outside_the_unit_interval_is_refused() {
        let Err(CalibrateError::Invalid { problems, .. }) = test(Threshold::FundExhausted, 1.5).prepared() else {
            panic!("accepted")
        };
        assert!(problems.iter().any(|p| p.contains("--share")), "{problems:?}");
    }
}
