//! Changing a scenario after it is parsed: `--set path=value` overrides, and merging a scenario over its base.
//!
//! Both work on the scenario's JSON form (what serde makes of it), then turn it back into a [`RawScenario`], so every
//! type check of parsing applies again.

use crate::locate::{Field, ValueShape};
use crate::{RawScenario, ScenarioError, closest};
use serde_json::Value;

/// One `path=value` override, e.g. `margin.initial=0.1`, `shocks[0].at=500`, `liquidation.loss_allocation=BadDebt`.
/// The value is read as JSON (numbers, `true`, `"text"`, objects such as `{"Partial": {...}}`), else as RON, the
/// way a scenario file writes it (`Partial(target: 1.0, slice_fraction: 0.2)`, `BadDebt`), else as a plain string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// Dotted field path, with `[i]` for list elements.
    pub path: String,
    /// The value as written.
    pub value: String,
}

impl std::str::FromStr for Override {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (path, value) = s.split_once('=').ok_or_else(|| format!("expected PATH=VALUE, found `{s}`"))?;
        let path = path.trim();
        if path.is_empty() {
            return Err(format!("expected PATH=VALUE, found `{s}`"));
        }
        Ok(Override { path: path.to_owned(), value: value.trim().to_owned() })
    }
}

impl std::fmt::Display for Override {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.path, self.value)
    }
}

/// One step of a path: a field name or a list index.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn steps(path: &str) -> Result<Vec<Step<'_>>, String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        if !name.is_empty() {
            out.push(Step::Key(name));
        }
        while !rest.is_empty() {
            let (index, after) = rest.split_once(']').ok_or_else(|| format!("unclosed `[` in `{path}`"))?;
            out.push(Step::Index(index.parse().map_err(|_| format!("`{index}` is not a list index in `{path}`"))?));
            rest = after.strip_prefix('[').unwrap_or(after);
        }
    }
    Ok(out)
}

/// The slot at `path` in `root`, with a "did you mean" suggestion when a field does not exist.
fn slot<'v>(root: &'v mut Value, path: &str) -> Result<&'v mut Value, String> {
    let mut here = root;
    let mut walked = String::new();
    for step in steps(path)? {
        here = match step {
            Step::Key(key) => {
                let Value::Object(map) = here else {
                    return Err(no_fields(&walked, here, key));
                };
                if !map.contains_key(key) {
                    let hint = closest(key, map.keys().map(String::as_str))
                        .map_or_else(String::new, |c| format!(" (did you mean `{c}`?)"));
                    let place = if walked.is_empty() { "a scenario".to_owned() } else { format!("`{walked}`") };
                    return Err(format!("{place} has no field `{key}`{hint}"));
                }
                walked = if walked.is_empty() { key.to_owned() } else { format!("{walked}.{key}") };
                map.get_mut(key).ok_or_else(|| format!("no field `{key}`"))?
            }
            Step::Index(i) => {
                let Value::Array(items) = here else {
                    return Err(format!("`{walked}` is not a list"));
                };
                let len = items.len();
                walked = format!("{walked}[{i}]");
                items.get_mut(i).ok_or_else(|| format!("`{walked}` is beyond the list's {len} elements"))?
            }
        };
    }
    Ok(here)
}

/// Why `value`, at `walked`, has no field `key` to set, and what to set instead: an absent part (a `None`) or a
/// variant without fields (`Static`) is set whole first, with the fields it needs; its other fields can follow.
fn no_fields(walked: &str, value: &Value, key: &str) -> String {
    let written = "as the scenario file writes it";
    match value {
        Value::Null => format!(
            "`{walked}` is not set in this scenario, so it has no `{key}` to change: set `{walked}` whole first \
             (`--set '{walked}=(...)'`, {written})"
        ),
        Value::String(variant) => format!(
            "`{walked}` is `{variant}`, which has no fields: set `{walked}` whole, as the variant that has `{key}` \
             (`--set '{walked}=Variant({key}: ..., ...)'`, {written})"
        ),
        other => format!("`{walked}` is a value ({other}), not a group of fields"),
    }
}

fn to_json(scenario: &RawScenario) -> Result<Value, String> {
    serde_json::to_value(scenario).map_err(|e| e.to_string())
}

fn from_json(value: Value) -> Result<RawScenario, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// Applies overrides in order over the scenario's JSON form. The result is not validated (loading validates after
/// applying). After an override that sets a whole struct, the scenario is converted back and forth so that the
/// fields the value left out take their defaults and a later override can set one of them
/// (`--set 'oracle.push=(deviation: 0.005, heartbeat_ticks: 60)' --set oracle.push.max_gas_cost=4`). When the
/// result does not convert back (a value of the wrong type), the overrides are replayed one at a time to name the one
/// that broke it.
pub fn apply_overrides(scenario: RawScenario, overrides: &[Override]) -> Result<RawScenario, ScenarioError> {
    let Some(last) = overrides.last() else { return Ok(scenario) };
    let error = |o: &Override, message: String| ScenarioError::Override { setting: o.to_string(), message };
    let mut json = to_json(&scenario).map_err(|m| error(last, m))?;
    // Replays the first `k` overrides one prefix at a time: the error of the first that breaks the scenario.
    let culprit = |k: usize| (1..=k).try_for_each(|n| apply_overrides(scenario.clone(), &overrides[..n]).map(|_| ()));
    for (k, o) in overrides.iter().enumerate() {
        let value = serde_json::from_str(&o.value)
            .ok()
            .or_else(|| crate::ron_value::to_json(&o.value))
            .unwrap_or_else(|| Value::String(o.value.clone()));
        let whole = value.is_object();
        *slot(&mut json, &o.path).map_err(|m| error(o, m))? = value;
        if whole {
            match from_json(json).and_then(|s| to_json(&s)) {
                Ok(filled) => json = filled,
                Err(message) => {
                    culprit(k)?;
                    return Err(error(o, message));
                }
            }
        }
    }
    from_json(json).or_else(|message| {
        culprit(overrides.len() - 1)?;
        Err(error(last, message))
    })
}

/// `child` merged over `base`: every field the child's text writes replaces the base's (structs written in the
/// child are merged field by field; lists and enum values are replaced whole; a struct the base leaves absent, an
/// option at `None`, is taken whole); everything else comes from the base.
pub(crate) fn merge(base: &RawScenario, child: &RawScenario, written: &[Field]) -> Result<RawScenario, String> {
    let mut merged = to_json(base)?;
    let child_json = to_json(child)?;
    let is_struct = |path: &str| written.iter().any(|f| f.path == path && f.shape == ValueShape::Struct);
    for field in written {
        if field.path.contains('[') || field.path == "base" {
            continue;
        }
        // Only fields whose every parent is a struct written in the child: not fields inside lists or enum values.
        let parents_are_structs = field.path.match_indices('.').all(|(i, _)| is_struct(&field.path[..i]));
        if !parents_are_structs {
            continue;
        }
        let pointer = format!("/{}", field.path.replace('.', "/"));
        let absent_in_base = merged.pointer(&pointer).is_some_and(Value::is_null);
        if field.shape == ValueShape::Struct && !absent_in_base {
            continue;
        }
        let value = child_json.pointer(&pointer).cloned().ok_or_else(|| format!("no field `{}`", field.path))?;
        *slot(&mut merged, &field.path)? = value;
    }
    from_json(merged)
}
