//! Judging one evaluated parameter value: its runs' figures per scenario and seed, the metrics the targets name,
//! whether it meets them (in every scenario), the weighted objective, and the same judgement on a bootstrap
//! resample of the seeds.

use crate::file::Target;
use cascade_core::stats::{clopper_pearson, quantile};

/// The figures of one run that calibration reads (from its summary, as a sweep keeps them).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RunFigures {
    /// Bad debt at the end, quote.
    pub bad_debt: f64,
    /// Bad debt plus the shortfall of the accounts still underwater at the end (`underwater.shortfall`), quote.
    pub unpaid_loss: f64,
    /// Largest fall of the insurance fund below its start, quote.
    pub insurance_fund_drawdown: f64,
    /// Lowest insurance fund balance, quote (0: exhausted).
    pub insurance_fund_min: f64,
    /// Notional closed by liquidations, quote.
    pub liquidated_notional: f64,
    /// Mean collateral locked as initial margin, quote.
    pub margin_locked_mean: f64,
    /// Peak-to-trough ratio of the reference position's margin (the largest over markets).
    pub peak_to_trough: f64,
    /// Largest increase of the reference position's margin within the window, fraction (the largest over markets).
    pub max_increase: f64,
}

impl RunFigures {
    /// The figures from a sweep run's `(name, value)` list; `None` when a figure is missing.
    pub fn from_figures(figures: &[(String, Option<f64>)]) -> Option<Self> {
        let get = |name: &str| figures.iter().find(|(n, _)| n == name).and_then(|(_, v)| *v);
        let most =
            |suffix: &str| figures.iter().filter(|(n, _)| n.ends_with(suffix)).filter_map(|(_, v)| *v).reduce(f64::max);
        Some(Self {
            bad_debt: get("bad_debt")?,
            unpaid_loss: get("bad_debt")? + get("underwater.shortfall")?,
            insurance_fund_drawdown: get("insurance_fund_drawdown")?,
            insurance_fund_min: get("insurance_fund_min")?,
            liquidated_notional: get("liquidated_notional")?,
            margin_locked_mean: get("margin_locked_mean")?,
            peak_to_trough: most("procyclicality.peak_to_trough").unwrap_or(1.0),
            max_increase: most("procyclicality.max_increase").unwrap_or(0.0),
        })
    }
}

/// One point's runs: per scenario, per seed index (`None`: the run failed).
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The point: one value per parameter of the family, in its order.
    pub x: Vec<f64>,
    /// `runs[scenario][seed]`: the seeds run so far, from the first (a candidate screened out by a multi-parameter
    /// search has run only the first few; a seed not run judges as a failed run).
    pub runs: Vec<Vec<Option<RunFigures>>>,
}

/// The metrics of one scenario at one parameter value, over a selection of its seeds.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Metrics {
    /// Runs judged.
    pub runs: usize,
    /// Runs that failed (a failed run fails every target).
    pub errors: usize,
    /// Share of runs with any bad debt.
    pub bad_debt_probability: f64,
    /// Upper end of its exact (Clopper-Pearson) 95% interval.
    pub bad_debt_probability_ci95_high: f64,
    /// Mean bad debt, quote.
    pub bad_debt_mean: f64,
    /// 95th percentile of bad debt (value at risk of insolvency), quote.
    pub value_at_risk_of_insolvency: f64,
    /// Mean insurance-fund drawdown, quote.
    pub insurance_fund_drawdown_mean: f64,
    /// 95th percentile of liquidated notional, quote.
    pub liquidations_at_risk: f64,
    /// Mean peak-to-trough ratio of the reference position's margin.
    pub peak_to_trough_mean: f64,
    /// Mean largest increase of it within the window, fraction.
    pub max_increase_mean: f64,
    /// Mean collateral locked as initial margin, quote.
    pub margin_locked_mean: f64,
}

fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() { 0.0 } else { xs.iter().sum::<f64>() / xs.len() as f64 }
}

fn sorted_quantile(mut xs: Vec<f64>, q: f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    quantile(&xs, q).unwrap_or(0.0)
}

/// The runs of one scenario at the seeds `picks` (indices into `runs`, repeats allowed).
fn picked<'a>(runs: &'a [Option<RunFigures>], picks: &'a [usize]) -> impl Iterator<Item = Option<&'a RunFigures>> {
    picks.iter().map(move |&k| runs.get(k).and_then(Option::as_ref))
}

/// The metrics of `runs` (one scenario) at the seeds `picks`.
pub fn metrics(runs: &[Option<RunFigures>], picks: &[usize]) -> Metrics {
    let ok: Vec<&RunFigures> = picked(runs, picks).flatten().collect();
    let column = |f: fn(&RunFigures) -> f64| ok.iter().map(|r| f(r)).collect::<Vec<f64>>();
    let hits = ok.iter().filter(|r| r.bad_debt > 0.0).count() as u64;
    let n = ok.len() as u64;
    Metrics {
        runs: picks.len(),
        errors: picks.len() - ok.len(),
        bad_debt_probability: if n == 0 { 1.0 } else { hits as f64 / n as f64 },
        bad_debt_probability_ci95_high: clopper_pearson(hits, n, 0.95).1,
        bad_debt_mean: mean(&column(|r| r.bad_debt)),
        value_at_risk_of_insolvency: sorted_quantile(column(|r| r.bad_debt), 0.95),
        insurance_fund_drawdown_mean: mean(&column(|r| r.insurance_fund_drawdown)),
        liquidations_at_risk: sorted_quantile(column(|r| r.liquidated_notional), 0.95),
        peak_to_trough_mean: mean(&column(|r| r.peak_to_trough)),
        max_increase_mean: mean(&column(|r| r.max_increase)),
        margin_locked_mean: mean(&column(|r| r.margin_locked_mean)),
    }
}

/// The value a target judges in one scenario (its limit is [`limit`]), at the seeds `picks`.
pub fn judged(target: &Target, runs: &[Option<RunFigures>], picks: &[usize], m: &Metrics) -> f64 {
    match target {
        Target::BadDebtProbability(_) => m.bad_debt_probability_ci95_high,
        Target::BadDebtQuantile { quantile, .. } => {
            sorted_quantile(picked(runs, picks).flatten().map(|r| r.bad_debt).collect(), *quantile)
        }
        Target::UnpaidLossQuantile { quantile, .. } => {
            sorted_quantile(picked(runs, picks).flatten().map(|r| r.unpaid_loss).collect(), *quantile)
        }
        Target::InsuranceFundDrawdown(_) => m.insurance_fund_drawdown_mean,
        Target::LiquidationsAtRisk(_) => m.liquidations_at_risk,
        Target::PeakToTrough(_) => m.peak_to_trough_mean,
        Target::MaxIncrease(_) => m.max_increase_mean,
    }
}

/// A target's limit.
pub fn limit(target: &Target) -> f64 {
    match *target {
        Target::BadDebtProbability(p) => p,
        Target::BadDebtQuantile { max, .. } | Target::UnpaidLossQuantile { max, .. } => max,
        Target::InsuranceFundDrawdown(x)
        | Target::LiquidationsAtRisk(x)
        | Target::PeakToTrough(x)
        | Target::MaxIncrease(x) => x,
    }
}

/// A target's name in the output.
pub fn name(target: &Target) -> String {
    match target {
        Target::BadDebtProbability(_) => "bad_debt_probability_ci95_high".to_owned(),
        Target::BadDebtQuantile { quantile, .. } => format!("bad_debt_p{}", quantile * 100.0),
        Target::UnpaidLossQuantile { quantile, .. } => format!("unpaid_loss_p{}", quantile * 100.0),
        Target::InsuranceFundDrawdown(_) => "insurance_fund_drawdown_mean".to_owned(),
        Target::LiquidationsAtRisk(_) => "liquidations_at_risk".to_owned(),
        Target::PeakToTrough(_) => "peak_to_trough_mean".to_owned(),
        Target::MaxIncrease(_) => "max_increase_mean".to_owned(),
    }
}

/// The judgement of one parameter value at the seeds `picks`.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// Each scenario's metrics.
    pub metrics: Vec<Metrics>,
    /// Per target, the worst (largest) judged value over the scenarios.
    pub worst: Vec<f64>,
    /// Whether every target holds in every scenario, with no failed run.
    pub meets: bool,
    /// The objective: mean collateral locked, weighted across the scenarios, quote.
    pub objective: f64,
}

/// Judges `evaluation` against `targets` at the seeds `picks` (the same for every scenario: common random
/// numbers), the objective weighted by `weights` (one per scenario).
pub fn judge(evaluation: &Evaluation, targets: &[Target], weights: &[f64], picks: &[usize]) -> Judgement {
    let metrics: Vec<Metrics> = evaluation.runs.iter().map(|runs| metrics(runs, picks)).collect();
    let worst: Vec<f64> = targets
        .iter()
        .map(|t| {
            let values = evaluation.runs.iter().zip(&metrics).map(|(runs, m)| judged(t, runs, picks, m));
            values.fold(f64::NEG_INFINITY, f64::max)
        })
        .collect();
    let failed = metrics.iter().any(|m| m.errors > 0);
    let meets = !failed && targets.iter().zip(&worst).all(|(t, w)| *w <= limit(t));
    let total: f64 = weights.iter().sum();
    let objective = metrics.iter().zip(weights).map(|(m, w)| m.margin_locked_mean * w).sum::<f64>() / total;
    Judgement { metrics, worst, meets, objective }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(bad_debt: f64, locked: f64) -> Option<RunFigures> {
        Some(RunFigures { bad_debt, margin_locked_mean: locked, liquidated_notional: 100.0, ..RunFigures::default() })
    }

    /// Eight seeds, one with bad debt: the share is 1/8 and the exact upper 95% bound is 0.5265 (the binomial
    /// with P(X <= 1) = 0.025 at n = 8), so a 10% target fails however good the share looks; a 60% one holds.
    #[test]
    fn a_probability_target_is_judged_on_its_upper_bound() {
        let mut runs = vec![run(0.0, 10.0); 8];
        runs[3] = run(50.0, 10.0);
        let e = Evaluation { x: vec![0.02], runs: vec![runs] };
        let all: Vec<usize> = (0..8).collect();
        let j = judge(&e, &[Target::BadDebtProbability(0.1)], &[1.0], &all);
        assert_eq!(j.metrics[0].bad_debt_probability, 0.125);
        assert!((j.worst[0] - 0.52651).abs() < 1e-5, "{}", j.worst[0]);
        assert!(!j.meets);
        assert!(judge(&e, &[Target::BadDebtProbability(0.6)], &[1.0], &all).meets);
        // Bad debt of 0 x 7 and 50: the 95th percentile interpolates 0.65 of the way from 0 to 50.
        let q = judge(&e, &[Target::BadDebtQuantile { quantile: 0.95, max: 30.0 }], &[1.0], &all);
        assert!((q.worst[0] - 32.5).abs() < 1e-9 && !q.meets);
    }

    /// A venue that stops liquidating books no bad debt: its losses stay in accounts open and underwater. The
    /// unpaid-loss target sees them (bad debt 0 and 2,000,000 underwater on one seed of four: the median is 0, the
    /// 95th percentile 0.85 of the way from 0 to 2,000,000), the bad-debt one does not.
    #[test]
    fn the_unpaid_loss_counts_the_accounts_left_underwater() {
        let figures = |shortfall: f64| -> Vec<(String, Option<f64>)> {
            [("bad_debt", 0.0), ("insurance_fund_drawdown", 0.0), ("insurance_fund_min", 100.0)]
                .into_iter()
                .chain([
                    ("liquidated_notional", 0.0),
                    ("margin_locked_mean", 10.0),
                    ("underwater.shortfall", shortfall),
                ])
                .map(|(n, v)| (n.to_owned(), Some(v)))
                .collect()
        };
        let frozen = RunFigures::from_figures(&figures(2_000_000.0)).unwrap();
        assert_eq!((frozen.bad_debt, frozen.unpaid_loss), (0.0, 2_000_000.0));
        let calm = RunFigures::from_figures(&figures(0.0));
        let e = Evaluation { x: vec![0.02], runs: vec![vec![calm, calm, calm, Some(frozen)]] };
        let all = [0, 1, 2, 3];
        let bad_debt = Target::BadDebtQuantile { quantile: 0.95, max: 1_000.0 };
        assert!(judge(&e, &[bad_debt], &[1.0], &all).meets);
        let unpaid = |quantile| Target::UnpaidLossQuantile { quantile, max: 1_000.0 };
        let j = judge(&e, &[unpaid(0.95)], &[1.0], &all);
        assert!((j.worst[0] - 1_700_000.0).abs() < 1e-6 && !j.meets, "{}", j.worst[0]);
        assert!(judge(&e, &[unpaid(0.5)], &[1.0], &all).meets);
        assert_eq!(name(&unpaid(0.95)), "unpaid_loss_p95");
        // A run whose summary lacks the figure is a failed run, not a loss of zero.
        assert_eq!(RunFigures::from_figures(&figures(0.0)[..5]), None);
    }

    /// Targets hold in every scenario; weights weigh only the objective; a failed run fails the point.
    #[test]
    fn targets_bind_on_the_worst_scenario_and_weights_weigh_the_objective() {
        let calm = vec![run(0.0, 10.0), run(0.0, 10.0)];
        let crash = vec![run(0.0, 40.0), run(5.0, 40.0)];
        let e = Evaluation { x: vec![1.0], runs: vec![calm.clone(), crash] };
        let j = judge(
            &e,
            &[Target::InsuranceFundDrawdown(1.0), Target::BadDebtQuantile { quantile: 0.5, max: 1.0 }],
            &[3.0, 1.0],
            &[0, 1],
        );
        assert_eq!(j.objective, (3.0 * 10.0 + 40.0) / 4.0);
        assert_eq!(j.worst[1], 2.5, "the crash's median bad debt binds");
        assert!(!j.meets);
        let broken = Evaluation { x: vec![1.0], runs: vec![vec![None, run(0.0, 1.0)]] };
        assert!(!judge(&broken, &[], &[1.0], &[0, 1]).meets);
        // A bootstrap pick repeats seeds: the second seed twice.
        assert_eq!(metrics(&calm, &[1, 1]).runs, 2);
    }
}
