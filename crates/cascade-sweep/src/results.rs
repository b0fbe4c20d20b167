//! The tables of a finished sweep, built from its journal in run order (so they depend on nothing but the plan):
//! `runs` (one row per run) and `points` (the distribution of every figure across seeds, per point).

use crate::journal::Entry;
use crate::metrics::unit;
use crate::plan::Value;
use crate::sweep::Sweep;
use crate::table::{Data, Table};
use cascade_core::risk::student_t_quantile;
use cascade_core::stats::{clopper_pearson, quantile};
use std::collections::BTreeSet;

/// Every figure name any run recorded, in name order.
fn figure_names(entries: &[Entry]) -> Vec<String> {
    let names: BTreeSet<&str> = entries.iter().flat_map(|e| e.figures.iter().map(|(n, _)| n.as_str())).collect();
    names.into_iter().map(str::to_owned).collect()
}

/// One entry's value of figure `name`.
fn value(entry: &Entry, name: &str) -> Option<f64> {
    entry.figures.binary_search_by(|(n, _)| n.as_str().cmp(name)).ok().and_then(|i| entry.figures[i].1)
}

/// The axis columns of the rows `points` (point indices): numbers as figures, anything else as text.
fn push_axes(table: &mut Table, sweep: &Sweep, points: &[usize]) {
    for (a, path) in sweep.axis_paths().iter().enumerate() {
        let values: Vec<&Value> = points.iter().map(|&p| &sweep.points[p][a]).collect();
        if values.iter().all(|v| matches!(v, Value::Number(_))) {
            let numbers = values.iter().map(|v| if let Value::Number(x) = v { Some(*x) } else { None }).collect();
            table.push(*path, None, Data::Float(numbers));
        } else {
            table.push(*path, None, Data::Text(values.iter().map(|v| Some(v.as_setting())).collect()));
        }
    }
}

/// One row per run, in run order: its scenario, point, seed, axis values, every figure and its error.
pub fn runs_table(sweep: &Sweep, entries: &[Entry]) -> Table {
    let names = figure_names(entries);
    let specs: Vec<_> = entries.iter().map(|e| &sweep.runs[e.run]).collect();
    let mut table = Table::default();
    table.push("run", None, Data::Count(specs.iter().map(|r| r.index as u64).collect()));
    let scenario = |s: usize| Some(sweep.plan.scenarios[s].name.clone());
    table.push("scenario", None, Data::Text(specs.iter().map(|r| scenario(r.scenario)).collect()));
    table.push("point", None, Data::Count(specs.iter().map(|r| r.point as u64).collect()));
    table.push("seed_index", None, Data::Count(specs.iter().map(|r| r.seed_index as u64).collect()));
    table.push("seed", None, Data::Count(specs.iter().map(|r| r.job.seed).collect()));
    push_axes(&mut table, sweep, &specs.iter().map(|r| r.point).collect::<Vec<_>>());
    for name in &names {
        table.push(name.clone(), unit(name), Data::Float(entries.iter().map(|e| value(e, name)).collect()));
    }
    table.push("error", None, Data::Text(entries.iter().map(|e| e.error.clone()).collect()));
    table
}

/// Statistics of one figure across one point's seeds.
struct Distribution {
    mean: Option<f64>,
    sd: Option<f64>,
    ci: (Option<f64>, Option<f64>),
    p50: Option<f64>,
    p95: Option<f64>,
    p99: Option<f64>,
}

fn distribution(mut xs: Vec<f64>) -> Distribution {
    let n = xs.len();
    let mean = (n > 0).then(|| xs.iter().sum::<f64>() / n as f64);
    let sd =
        mean.filter(|_| n > 1).map(|m| (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64).sqrt());
    let half = sd.map(|s| student_t_quantile(0.975, (n - 1) as f64) * s / (n as f64).sqrt());
    let ci = match (mean, half) {
        (Some(m), Some(h)) => (Some(m - h), Some(m + h)),
        _ => (None, None),
    };
    xs.sort_by(f64::total_cmp);
    Distribution { mean, sd, ci, p50: quantile(&xs, 0.5), p95: quantile(&xs, 0.95), p99: quantile(&xs, 0.99) }
}

/// One row per (scenario, point): its axis values, how many runs and errors, and for every figure the mean, its
/// standard deviation, the 95% confidence interval of the mean (Student t), and the 50th, 95th and 99th
/// percentiles across seeds; the probability of any bad debt with its exact (Clopper-Pearson) 95% interval; and,
/// in Gauntlet's terms, the value at risk of insolvency (95th percentile of bad debt) and the liquidations at risk
/// (95th percentile of liquidated notional).
pub fn points_table(sweep: &Sweep, entries: &[Entry]) -> Table {
    let names = figure_names(entries);
    let mut groups: Vec<((usize, usize), Vec<&Entry>)> = Vec::new();
    for entry in entries {
        let spec = &sweep.runs[entry.run];
        let key = (spec.scenario, spec.point);
        match groups.last_mut() {
            Some((k, members)) if *k == key => members.push(entry),
            _ => groups.push((key, vec![entry])),
        }
    }
    let mut table = Table::default();
    let scenario = |s: usize| Some(sweep.plan.scenarios[s].name.clone());
    table.push("scenario", None, Data::Text(groups.iter().map(|((s, _), _)| scenario(*s)).collect()));
    table.push("point", None, Data::Count(groups.iter().map(|((_, p), _)| *p as u64).collect()));
    push_axes(&mut table, sweep, &groups.iter().map(|((_, p), _)| *p).collect::<Vec<_>>());
    table.push("runs", Some("count"), Data::Count(groups.iter().map(|(_, m)| m.len() as u64).collect()));
    let errors = groups.iter().map(|(_, m)| m.iter().filter(|e| e.error.is_some()).count() as u64).collect();
    table.push("errors", Some("count"), Data::Count(errors));
    let per_point: Vec<Vec<Distribution>> = groups
        .iter()
        .map(|(_, members)| {
            names.iter().map(|n| distribution(members.iter().filter_map(|e| value(e, n)).collect())).collect()
        })
        .collect();
    for (j, name) in names.iter().enumerate() {
        let u = unit(name);
        let stat = |f: fn(&Distribution) -> Option<f64>| Data::Float(per_point.iter().map(|d| f(&d[j])).collect());
        table.push(format!("{name}_mean"), u, stat(|d| d.mean));
        table.push(format!("{name}_sd"), u, stat(|d| d.sd));
        table.push(format!("{name}_ci95_low"), u, stat(|d| d.ci.0));
        table.push(format!("{name}_ci95_high"), u, stat(|d| d.ci.1));
        table.push(format!("{name}_p50"), u, stat(|d| d.p50));
        table.push(format!("{name}_p95"), u, stat(|d| d.p95));
        table.push(format!("{name}_p99"), u, stat(|d| d.p99));
        match name.as_str() {
            "bad_debt" => {
                table.push("value_at_risk_of_insolvency", u, stat(|d| d.p95));
                let (mut p, mut low, mut high) = (Vec::new(), Vec::new(), Vec::new());
                for (_, members) in &groups {
                    let seen: Vec<f64> = members.iter().filter_map(|e| value(e, name)).collect();
                    let hits = seen.iter().filter(|x| **x > 0.0).count() as u64;
                    let n = seen.len() as u64;
                    let (l, h) = clopper_pearson(hits, n, 0.95);
                    p.push((n > 0).then(|| hits as f64 / n as f64));
                    low.push((n > 0).then_some(l));
                    high.push((n > 0).then_some(h));
                }
                table.push("bad_debt_probability", Some("fraction"), Data::Float(p));
                table.push("bad_debt_probability_ci95_low", Some("fraction"), Data::Float(low));
                table.push("bad_debt_probability_ci95_high", Some("fraction"), Data::Float(high));
            }
            "liquidated_notional" => table.push("liquidations_at_risk", u, stat(|d| d.p95)),
            _ => {}
        }
    }
    table
}
