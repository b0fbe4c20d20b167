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
        let prepared = Self { calibration, file: file.to_owned(), dir: dir.map(Path::to_path_buf) };
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
            let [p] = family.parameters.as_slice() else {
                let message = format!(
                    "expected exactly one parameter (the search is a bisection along it), found {}",
                    family.parameters.len()
                );
                require(false, at, message);
                continue;
            };
            let at = format!("{at}[0]");
            if !(p.min.is_finite() && p.max.is_finite() && p.min < p.max) {
                let message = format!("expected min < max, found min {} and max {}", p.min, p.max);
                require(false, format!("{at}.min"), message);
                continue;
            }
            if p.scale == Scale::Log && p.min <= 0.0 {
                require(false, format!("{at}.scale"), format!("a logarithmic range needs min > 0, found {}", p.min));
                continue;
            }
            // Both ends as sweeps: a path that names no field, or a value a scenario refuses, fails here.
            if !c.scenarios.is_empty() {
                let plan = self.plan(family, &[p.min, p.max], 0);
                if let Err(e) = Sweep::from_plan(&plan, &format!("family {}", family.name)) {
                    require(false, format!("families[{i}]"), e.to_string().replace('\n', "\n    "));
                }
            }
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
        Target::BadDebtQuantile { quantile, .. } if !(quantile > 0.0 && quantile < 1.0) => {
            Some(format!("expected a quantile in (0, 1), found {quantile}"))
        }
        _ if !(limit.is_finite() && limit >= 0.0) => Some(format!("expected a limit >= 0, found {limit}")),
        _ => None,
    }
}
