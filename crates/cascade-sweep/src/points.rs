//! The points of a plan: its axes' values combined (grid, zip or sampled), and the run seeds.

use crate::plan::{Axis, Combine, Plan, Sampling, Seeds, Value, Values};
use cascade_core::rng::{domain, stream};
use rand::RngExt;

/// The most points and axes of a Sobol sample (the limits of `sobol_burley`).
const SOBOL_POINTS: u32 = 1 << 16;
const SOBOL_AXES: usize = 256;

/// Significant digits kept of a value computed on a linear or logarithmic range, so `0.01 + 2 x 0.01` is `0.03`.
const DIGITS: usize = 10;

/// The points of `plan`: one list of values per point, in axis order (`Ok(vec![vec![]])`: no axes, one point), or
/// every problem found, each with the path of the axis it concerns.
pub fn points(plan: &Plan) -> Result<Vec<Vec<Value>>, Vec<(String, String)>> {
    let mut problems = Vec::new();
    for (i, axis) in plan.axes.iter().enumerate() {
        let presets = matches!(axis.values, Values::Presets(_));
        if presets != (axis.path == "margin") {
            let message = "margin presets are an axis of path `margin`, and `margin` takes only presets";
            problems.push((format!("axes[{i}].path"), message.to_owned()));
        }
    }
    let result = match &plan.combine {
        Combine::Grid | Combine::Zip => discrete(plan, &mut problems),
        Combine::Sample { method, count } => sampled(plan, *method, *count, &mut problems),
    };
    if problems.is_empty() { Ok(result) } else { Err(problems) }
}

/// The values of each axis listed, then combined by the plan's grid or zip.
fn discrete(plan: &Plan, problems: &mut Vec<(String, String)>) -> Vec<Vec<Value>> {
    let lists: Vec<Vec<Value>> =
        plan.axes.iter().enumerate().map(|(i, axis)| listed(axis, &format!("axes[{i}].values"), problems)).collect();
    if lists.iter().any(Vec::is_empty) {
        return Vec::new();
    }
    if plan.combine == Combine::Zip {
        let n = lists.first().map_or(1, Vec::len);
        if let Some(i) = lists.iter().position(|l| l.len() != n) {
            let message = format!("a zipped axis needs as many values as the first ({n}), found {}", lists[i].len());
            problems.push((format!("axes[{i}].values"), message));
            return Vec::new();
        }
        return (0..n).map(|k| lists.iter().map(|l| l[k].clone()).collect()).collect();
    }
    // Grid: the last axis varies fastest.
    let mut points: Vec<Vec<Value>> = vec![Vec::new()];
    for list in &lists {
        points =
            points.into_iter().flat_map(|p| list.iter().map(move |v| [p.clone(), vec![v.clone()]].concat())).collect();
    }
    points
}

/// An axis's values for a grid or zip.
fn listed(axis: &Axis, at: &str, problems: &mut Vec<(String, String)>) -> Vec<Value> {
    let mut fail = |message: &str| {
        problems.push((at.to_owned(), message.to_owned()));
        Vec::new()
    };
    match &axis.values {
        Values::List(values) if values.is_empty() => fail("expected at least one value"),
        Values::List(values) => values.clone(),
        Values::Presets(names) if names.is_empty() => fail("expected at least one preset"),
        Values::Presets(names) => names.iter().cloned().map(Value::Text).collect(),
        Values::Linear { count: 0, .. } | Values::Log { count: 0, .. } => fail("expected a count of at least 1"),
        Values::Linear { from, to, count } => spaced(*from, *to, *count).map(Value::Number).collect(),
        Values::Log { from, to, .. } if !(*from > 0.0 && *to > 0.0) => fail("a logarithmic range needs positive ends"),
        Values::Log { from, to, count } => {
            spaced(libm::log(*from), libm::log(*to), *count).map(|x| Value::Number(rounded(libm::exp(x)))).collect()
        }
        Values::Range { .. } | Values::LogRange { .. } => {
            fail("a range is sampled: use `combine: Sample(method: ..., count: N)`, or list values")
        }
    }
}

/// `count` values evenly spaced from `from` to `to`, both included (rounded to [`DIGITS`] significant digits).
fn spaced(from: f64, to: f64, count: u32) -> impl Iterator<Item = f64> {
    let steps = f64::from(count.saturating_sub(1).max(1));
    (0..count).map(move |i| rounded(from + (to - from) * f64::from(i) / steps))
}

/// `x` to [`DIGITS`] significant digits.
fn rounded(x: f64) -> f64 {
    format!("{x:.prec$e}", prec = DIGITS - 1).parse().unwrap_or(x)
}

/// `count` points drawn over the axes' ranges from the sweep seed's sampling stream.
fn sampled(plan: &Plan, method: Sampling, count: u32, problems: &mut Vec<(String, String)>) -> Vec<Vec<Value>> {
    if count == 0 {
        problems.push(("combine.count".to_owned(), "expected a count of at least 1".to_owned()));
    }
    if method == Sampling::Sobol && (count > SOBOL_POINTS || plan.axes.len() > SOBOL_AXES) {
        let message = format!("a Sobol sample has at most {SOBOL_POINTS} points over at most {SOBOL_AXES} axes");
        problems.push(("combine".to_owned(), message));
    }
    let mut ranges = Vec::new();
    for (i, axis) in plan.axes.iter().enumerate() {
        match axis.values {
            Values::Range { from, to } if from <= to => ranges.push((from, to, false)),
            Values::LogRange { from, to } if 0.0 < from && from <= to => ranges.push((from, to, true)),
            _ => problems.push((
                format!("axes[{i}].values"),
                "a sampled axis is a `Range(from: a, to: b)` or a `LogRange` with 0 < a <= b".to_owned(),
            )),
        }
    }
    if !problems.is_empty() {
        return Vec::new();
    }
    let n = count as usize;
    let mut rng = stream(plan.seed, domain::SWEEP_SAMPLE, 0);
    let mut unit = vec![vec![0.0; ranges.len()]; n];
    match method {
        Sampling::Uniform => unit.iter_mut().flatten().for_each(|u| *u = rng.random::<f64>()),
        Sampling::Sobol => {
            let scramble: u32 = rng.random();
            for (i, point) in unit.iter_mut().enumerate() {
                for (j, u) in point.iter_mut().enumerate() {
                    *u = f64::from(sobol_burley::sample(i as u32, j as u32, scramble));
                }
            }
        }
        Sampling::LatinHypercube => {
            for j in 0..ranges.len() {
                let mut strata: Vec<usize> = (0..n).collect();
                // Fisher-Yates, from the sampling stream.
                for i in (1..n).rev() {
                    strata.swap(i, rng.random_range(0..=i));
                }
                for (point, stratum) in unit.iter_mut().zip(strata) {
                    point[j] = (stratum as f64 + rng.random::<f64>()) / n as f64;
                }
            }
        }
    }
    let map = |u: f64, (from, to, log): (f64, f64, bool)| {
        let x = if log {
            libm::exp(libm::log(from) + (libm::log(to) - libm::log(from)) * u)
        } else {
            from + (to - from) * u
        };
        Value::Number(rounded(x))
    };
    unit.into_iter().map(|p| p.into_iter().zip(&ranges).map(|(u, r)| map(u, *r)).collect()).collect()
}

/// The seed of every seed index: given, or drawn from the sweep seed and the index alone, so every point and every
/// shard sees the same seeds (none for [`Seeds::Scenario`]: each scenario brings its own).
pub fn run_seeds(plan: &Plan) -> Vec<u64> {
    match &plan.seeds {
        Seeds::List(seeds) => seeds.clone(),
        Seeds::Scenario => Vec::new(),
        Seeds::Count(n) => (0..u64::from(*n)).map(|k| stream(plan.seed, domain::SWEEP_SEED, k).random()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> Plan {
        cascade_scenario::parse_as("plan.ron", text).expect("a plan")
    }

    fn numbers(points: &[Vec<Value>], axis: usize) -> Vec<f64> {
        points.iter().map(|p| if let Value::Number(x) = p[axis] { x } else { f64::NAN }).collect()
    }

    #[test]
    fn grids_zips_and_ranges() {
        let grid = plan(
            r#"(scenarios: [(name: "default")], axes: [
                (path: "margin.maintenance", values: Linear(from: 0.01, to: 0.05, count: 5)),
                (path: "margin", values: Presets(["scenario", "binance-btcusdt"])),
            ])"#,
        );
        let p = points(&grid).unwrap();
        assert_eq!(p.len(), 10);
        assert_eq!(numbers(&p, 0), [0.01, 0.01, 0.02, 0.02, 0.03, 0.03, 0.04, 0.04, 0.05, 0.05]);
        assert_eq!(p[1][1], Value::Text("binance-btcusdt".into()), "the last axis varies fastest");
        let log = plan(r#"(scenarios: [], axes: [(path: "a", values: Log(from: 1, to: 1000, count: 4))])"#);
        assert_eq!(numbers(&points(&log).unwrap(), 0), [1.0, 10.0, 100.0, 1000.0]);
        let zip = plan(
            r#"(scenarios: [], combine: Zip, axes: [(path: "a", values: List([1, 2])), (path: "b", values: List([3]))])"#,
        );
        let problems = points(&zip).unwrap_err();
        assert_eq!(problems[0].0, "axes[1].values");
    }

    #[test]
    fn a_latin_hypercube_puts_one_point_in_every_stratum() {
        let lhs = plan(
            r#"(scenarios: [], seed: 3, combine: Sample(method: LatinHypercube, count: 8), axes: [
                (path: "a", values: Range(from: 0, to: 8)), (path: "b", values: LogRange(from: 1, to: 100))])"#,
        );
        let p = points(&lhs).unwrap();
        let mut strata: Vec<u32> = numbers(&p, 0).iter().map(|x| x.floor() as u32).collect();
        strata.sort_unstable();
        assert_eq!(strata, (0..8).collect::<Vec<_>>());
        assert!(numbers(&p, 1).iter().all(|x| (1.0..=100.0).contains(x)));
        assert_eq!(points(&lhs).unwrap(), p, "the same seed, the same points");
    }

    #[test]
    fn a_sobol_sample_fills_the_square_evenly() {
        let sobol = plan(
            r#"(scenarios: [], seed: 4, combine: Sample(method: Sobol, count: 64), axes: [
                (path: "a", values: Range(from: 0, to: 1)), (path: "b", values: Range(from: 0, to: 1))])"#,
        );
        let p = points(&sobol).unwrap();
        let (a, b) = (numbers(&p, 0), numbers(&p, 1));
        // 64 points of a (0, 2)-sequence in base 2: each of the 8 x 8 cells of the unit square holds exactly one.
        let mut cells: Vec<(u32, u32)> = a.iter().zip(&b).map(|(x, y)| ((x * 8.0) as u32, (y * 8.0) as u32)).collect();
        cells.sort_unstable();
        cells.dedup();
        assert_eq!(cells.len(), 64, "{cells:?}");
        let too_many = plan(r#"(scenarios: [], combine: Sample(method: Sobol, count: 70000), axes: [])"#);
        assert_eq!(points(&too_many).unwrap_err()[0].0, "combine");
    }

    #[test]
    fn seeds_depend_on_the_sweep_seed_and_index_only() {
        let a = run_seeds(&plan(r#"(scenarios: [], seed: 5, seeds: Count(3))"#));
        let b = run_seeds(&plan(r#"(scenarios: [], seed: 5, seeds: Count(4))"#));
        assert_eq!(a[..], b[..3]);
        assert_eq!(run_seeds(&plan(r#"(scenarios: [], seeds: List([7, 9]))"#)), [7, 9]);
    }
}
