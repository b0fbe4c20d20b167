//! The search along one parameter: the first point of a range, from its `from` end, at which a verdict holds
//! (the cheapest margin that meets the targets; the mildest shock that breaks them). The verdict is assumed
//! monotone: once it holds it holds further on. A first round of evenly spaced points brackets the change, then
//! bisection narrows the bracket to the tolerance; every point is evaluated under the same seeds.

/// How the first round spaces its points.
pub use crate::file::Scale;

/// Where the verdict first holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Answer {
    /// It holds at `from` already.
    AtStart,
    /// It holds at `first` and not at `before`, the bracket's other end (at most the tolerance apart).
    Between {
        /// The last point at which it fails.
        before: f64,
        /// The first point at which it holds.
        first: f64,
    },
    /// It holds nowhere in the range.
    Nowhere,
}

/// A finished search.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// Every point evaluated with its verdict, in order from `from` to `to`.
    pub evaluated: Vec<(f64, bool)>,
    /// The answer.
    pub answer: Answer,
    /// Rounds of evaluation (the first round, then one per bisection step).
    pub rounds: usize,
}

impl Found {
    /// Whether the verdicts contradict monotonicity: a point where it holds before one where it fails.
    pub fn monotone(&self) -> bool {
        let first = self.evaluated.iter().position(|(_, v)| *v);
        first.is_none_or(|i| self.evaluated[i..].iter().all(|(_, v)| *v))
    }
}

/// The first round's `count` points from `from` to `to`, both included, rounded to 10 significant digits.
pub fn grid(from: f64, to: f64, count: u32, scale: Scale) -> Vec<f64> {
    let steps = f64::from(count.saturating_sub(1).max(1));
    (0..count.max(1))
        .map(|i| {
            let u = f64::from(i) / steps;
            match scale {
                Scale::Linear => from + (to - from) * u,
                Scale::Log => libm::exp(libm::log(from) + (libm::log(to) - libm::log(from)) * u),
            }
        })
        .map(significant)
        .collect()
}

/// `x` to 10 significant digits (so a value written into a scenario reads as it was meant: 0.03, not
/// 0.030000000000000002).
pub fn significant(x: f64) -> f64 {
    format!("{x:.9e}").parse().unwrap_or(x)
}

/// Searches `[from, to]` (either order) for the first point at which `verdict` holds: evaluates the first round of
/// `count` points in one call of `evaluate` (which returns one verdict per point, in order), then bisects the
/// bracket until it is at most `tolerance` wide, one point per call.
pub fn search<E>(
    from: f64,
    to: f64,
    count: u32,
    scale: Scale,
    tolerance: f64,
    mut evaluate: impl FnMut(&[f64]) -> Result<Vec<bool>, E>,
) -> Result<Found, E> {
    let xs = grid(from, to, count, scale);
    let verdicts = evaluate(&xs)?;
    let mut evaluated: Vec<(f64, bool)> = xs.into_iter().zip(verdicts).collect();
    let mut rounds = 1;
    let answer = match evaluated.iter().position(|(_, v)| *v) {
        None => Answer::Nowhere,
        Some(0) => Answer::AtStart,
        Some(i) => {
            let (mut before, mut first) = (evaluated[i - 1].0, evaluated[i].0);
            while (first - before).abs() > tolerance {
                let mid = significant((before + first) / 2.0);
                if mid == before || mid == first {
                    break;
                }
                let holds = evaluate(&[mid])?.first().copied().unwrap_or(false);
                rounds += 1;
                evaluated.push((mid, holds));
                if holds {
                    first = mid;
                } else {
                    before = mid;
                }
            }
            Answer::Between { before, first }
        }
    };
    let ascending = to >= from;
    evaluated.sort_by(|a, b| if ascending { a.0.total_cmp(&b.0) } else { b.0.total_cmp(&a.0) });
    Ok(Found { evaluated, answer, rounds })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn threshold(at: f64) -> impl FnMut(&[f64]) -> Result<Vec<bool>, ()> {
        move |xs| Ok(xs.iter().map(|x| *x >= at).collect())
    }

    /// A known optimum by construction: the verdict holds from 0.0317 on; the answer brackets it to the tolerance.
    #[test]
    fn finds_a_known_threshold_to_its_tolerance() {
        let found = search(0.005, 0.08, 6, Scale::Linear, 1e-4, threshold(0.0317)).unwrap();
        let Answer::Between { before, first } = found.answer else { panic!("{found:?}") };
        assert!(before < 0.0317 && 0.0317 <= first && first - before <= 1e-4, "{before} {first}");
        // 6 points, then halving a bracket of 0.015 down to 1e-4: 8 steps.
        assert_eq!(found.rounds, 1 + 8);
        assert_eq!(found.evaluated.len(), 6 + 8);
        assert!(found.monotone());
        assert!(found.evaluated.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn reports_a_verdict_that_holds_everywhere_or_nowhere() {
        assert_eq!(search(1.0, 2.0, 3, Scale::Linear, 0.01, threshold(0.5)).unwrap().answer, Answer::AtStart);
        let nowhere = search(1.0, 2.0, 3, Scale::Linear, 0.01, threshold(5.0)).unwrap();
        assert_eq!((nowhere.answer, nowhere.rounds), (Answer::Nowhere, 1));
    }

    /// A range walked downwards (a shock growing more negative), on a logarithmic grid.
    #[test]
    fn walks_a_range_in_either_direction() {
        let mut hits = |xs: &[f64]| -> Result<Vec<bool>, ()> { Ok(xs.iter().map(|x| *x <= -0.123).collect()) };
        let found = search(-0.05, -0.5, 4, Scale::Linear, 0.001, &mut hits).unwrap();
        let Answer::Between { before, first } = found.answer else { panic!() };
        assert!(before > -0.123 && first <= -0.123 && before - first <= 0.001);
        assert!(found.evaluated.windows(2).all(|w| w[0].0 > w[1].0), "ordered from `from`");
        assert_eq!(grid(1.0, 100.0, 3, Scale::Log), [1.0, 10.0, 100.0]);
        let broken = Found { evaluated: vec![(1.0, true), (2.0, false)], answer: Answer::AtStart, rounds: 1 };
        assert!(!broken.monotone());
    }
}
