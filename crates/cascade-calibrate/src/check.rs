//! Reading a calibration file and checking it before anything runs: every problem at once, each located in the
//! file (line and column of the field), and every family's both ends prepared as sweeps so a path that names no
//! field or a value a scenario refuses fails up front.

use crate::CalibrateError;
use crate::calibrate::Prepared;
use crate::file::{Calibration, Scale, Target};
use cascade_scenario::locate::{fields, position};
use cascade_sweep::Sweep;
use std::path::Path;

impl Prepared {
    /// Reads and checks the calibration at `path` (scenario and preset files resolve relative to its directory
    /// first).
    pub fn load(path: &Path) -> Result<Self, CalibrateError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| CalibrateError::Io { path: file.clone(), message: e.to_string() })?;
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        Self::prepare(&file, &text, path.parent(), &stem)
    }

    /// Reads and checks the calibration `text` (named `file` in errors; relative files resolve in `dir` first; named
    /// `default_name` unless it names itself).
    pub fn prepare(file: &str, text: &str, dir: Option<&Path>, default_name: &str) -> Result<Self, CalibrateError> {
        let mut calibration: Calibration = cascade_scenario::parse_as(file, text)?;
        if calibration.name.is_empty() {
            calibration.name = default_name.to_owned();
        }
        let prepared =
            Self { calibration, file: file.to_owned(), dir: dir.map(Path::to_path_buf), cancel: Default::default() };
        let written = fields(text);
        let at = |path: &str| match position(&written, path) {
            Some((line, column)) => format!("{file}:{line}:{column}: {path}"),
            None => format!("{file}: {path}"),
        };
        prepared.check(true, at)?;
        Ok(prepared)
    }

    /// Fails with every problem found, each placed by `at` (the path of a field to its location); a calibration
    /// without targets is a problem when `targets_required`.
    pub(crate) fn check(&self, targets_required: bool, at: impl Fn(&str) -> String) -> Result<(), CalibrateError> {
        let problems: Vec<String> = self
            .problems(targets_required)
            .into_iter()
            .map(|(path, message)| format!("{}: {message}", at(&path)))
            .collect();
        if problems.is_empty() { Ok(()) } else { Err(CalibrateError::Invalid { file: self.file.clone(), problems }) }
    }

    /// Every problem of the calibration, as (path of the field, message).
    fn problems(&self, targets_required: bool) -> Vec<(String, String)> {
        let c = &self.calibration;
        let mut problems = Vec::new();
        let mut require = |ok: bool, path: String, message: String| {
            if !ok {
                problems.push((path, message));
            }
        };
        require(c.seeds >= 1, "seeds".into(), "expected at least 1 seed".into());
        require(!c.scenarios.is_empty(), "scenarios".into(), "expected at least one scenario".into());
        require(!c.families.is_empty(), "families".into(), "expected at least one family".into());
        require(!targets_required || !c.targets.is_empty(), "targets".into(), "expected at least one target".into());
        require(
            c.search.grid >= 2,
            "search.grid".into(),
            format!("expected at least 2 points, found {}", c.search.grid),
        );
        if let Some(t) = c.search.tolerance {
            require(t.is_finite() && t > 0.0, "search.tolerance".into(), format!("expected a number > 0, found {t}"));
        }
        for (i, s) in c.scenarios.iter().enumerate() {
            let ok = s.weight.is_finite() && s.weight > 0.0;
            require(ok, format!("scenarios[{i}].weight"), format!("expected a weight > 0, found {}", s.weight));
        }
        for (i, t) in c.targets.iter().enumerate() {
            if let Some(message) = target_problem(t) {
                require(false, format!("targets[{i}]"), message);
            }
        }
        for (i, family) in c.families.iter().enumerate() {
            let at = format!("families[{i}].parameters");
            if family.parameters.is_empty() {
                require(false, at, "expected at least one parameter".into());
                continue;
            }
            let mut ranges_ok = true;
            for (k, p) in family.parameters.iter().enumerate() {
                let at = format!("{at}[{k}]");
                if !(p.min.is_finite() && p.max.is_finite() && p.min < p.max) {
                    let message = format!("expected min < max, found min {} and max {}", p.min, p.max);
                    require(false, format!("{at}.min"), message);
                    ranges_ok = false;
                } else if p.scale == Scale::Log && p.min <= 0.0 {
                    require(
                        false,
                        format!("{at}.scale"),
                        format!("a logarithmic range needs min > 0, found {}", p.min),
                    );
                    ranges_ok = false;
                }
                if family.parameters[..k].iter().any(|q| q.path == p.path) {
                    require(false, format!("{at}.path"), format!("{} is searched twice in this family", p.path));
                    ranges_ok = false;
                }
            }
            // Both corners as sweeps: a path that names no field, or a value a scenario refuses, fails here.
            if ranges_ok && !c.scenarios.is_empty() {
                let corners = [
                    family.parameters.iter().map(|p| p.min).collect(),
                    family.parameters.iter().map(|p| p.max).collect(),
                ];
                let plan = self.plan(family, &corners, 0);
                if let Err(e) = Sweep::from_plan(&plan, &format!("family {}", family.name)) {
                    require(false, format!("families[{i}]"), e.to_string().replace('\n', "\n    "));
                }
            }
        }
        if c.families.iter().any(|f| f.parameters.len() > 1) {
            let s = &c.search;
            require(
                s.generations >= 1,
                "search.generations".into(),
                format!("expected at least 1, found {}", s.generations),
            );
            if let Some(p) = s.population {
                require(p >= 2, "search.population".into(), format!("expected at least 2 candidates, found {p}"));
            }
            if let Some(k) = s.screen_seeds {
                let ok = k >= 1 && k <= c.seeds;
                require(ok, "search.screen_seeds".into(), format!("expected 1 to seeds ({}), found {k}", c.seeds));
            }
            let step_ok = s.step.is_finite() && s.step > 0.0 && s.step <= 1.0;
            require(
                step_ok,
                "search.step".into(),
                format!("expected a fraction of the range in (0, 1], found {}", s.step),
            );
            let spread_ok = s.spread.is_finite() && s.spread > 0.0 && s.spread < 1.0;
            require(
                spread_ok,
                "search.spread".into(),
                format!("expected a fraction of the range in (0, 1), found {}", s.spread),
            );
        }
        problems
    }
}

/// What is wrong with a target's numbers, if anything.
fn target_problem(target: &Target) -> Option<String> {
    let limit = crate::judge::limit(target);
    match *target {
        Target::BadDebtProbability(p) if !(p > 0.0 && p < 1.0) => {
            Some(format!("expected a probability in (0, 1), found {p}"))
        }
        Target::BadDebtQuantile { quantile, .. } | Target::UnpaidLossQuantile { quantile, .. }
            if !(quantile > 0.0 && quantile < 1.0) =>
        {
            Some(format!("expected a quantile in (0, 1), found {quantile}"))
        }
        _ if !(limit.is_finite() && limit >= 0.0) => Some(format!("expected a limit >= 0, found {limit}")),
        _ => None,
    }
}
