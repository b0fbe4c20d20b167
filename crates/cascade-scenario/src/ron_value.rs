//! A `--set` value written as in a scenario file (RON), turned into the JSON form serde gives the same value, so
//! that overrides are typed like the file: `Partial(target: 1.0, slice_fraction: 0.2)` is
//! `{"Partial": {"target": 1.0, "slice_fraction": 0.2}}`, `StudentT(dof: 4)` is `{"StudentT": {"dof": 4}}`, `BadDebt`
//! is `"BadDebt"`, `(lower: 1, upper: 2)` is `{"lower": 1, "upper": 2}`, `[1, 2]` is `[1, 2]`, `Some(3)` is `3` and
//! `None` is `null`.
//!
//! ron's own `Value` forgets enum variants' names, so this small reader of RON's value syntax does the job; it
//! covers what scenario fields hold (numbers, strings, booleans, lists, structs, unit, newtype and struct variants).

use serde_json::{Map, Value};

/// The JSON form of RON `text`, or `None` if it is not a RON value (the caller then reads it as a bare word).
pub(crate) fn to_json(text: &str) -> Option<Value> {
    let mut reader = Reader { chars: text.chars().collect(), at: 0 };
    let value = reader.value()?;
    reader.skip_space();
    (reader.at == reader.chars.len()).then_some(value)
}

struct Reader {
    chars: Vec<char>,
    at: usize,
}

impl Reader {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_space();
        let found = self.peek() == Some(c);
        self.at += usize::from(found);
        found
    }

    /// Characters while `keep` holds.
    fn take(&mut self, keep: impl Fn(char) -> bool) -> String {
        let start = self.at;
        while self.peek().is_some_and(&keep) {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    fn value(&mut self) -> Option<Value> {
        self.skip_space();
        match self.peek()? {
            '[' => {
                self.at += 1;
                self.items(']').map(Value::Array)
            }
            '(' => {
                self.at += 1;
                self.fields().map(Value::Object)
            }
            '"' => {
                self.at += 1;
                let text = self.take(|c| c != '"');
                self.eat('"').then_some(Value::String(text))
            }
            c if c == '-' || c == '+' || c.is_ascii_digit() => {
                let number = self.take(|c| c.is_ascii_alphanumeric() || "+-._".contains(c));
                serde_json::from_str::<serde_json::Number>(&number.replace('_', "")).ok().map(Value::Number)
            }
            c if c.is_alphabetic() || c == '_' => self.named(),
            _ => None,
        }
    }

    /// An identifier: a boolean, `None`, `Some(x)`, a unit variant, or a variant with content.
    fn named(&mut self) -> Option<Value> {
        let name = self.take(|c| c.is_alphanumeric() || c == '_');
        self.skip_space();
        if self.peek() != Some('(') {
            return Some(match name.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "None" => Value::Null,
                _ => Value::String(name),
            });
        }
        self.at += 1;
        // `Name()` and `Name(field: ...)` are struct variants; `Name(x)` a newtype variant (or `Some(x)`).
        let save = self.at;
        let empty = self.eat(')');
        let looks_like_field = !empty && {
            self.skip_space();
            let ident = self.take(|c| c.is_alphanumeric() || c == '_');
            !ident.is_empty() && self.eat(':')
        };
        let content = if empty {
            Value::Object(Map::new())
        } else if looks_like_field {
            self.at = save;
            Value::Object(self.fields()?)
        } else {
            self.at = save;
            let mut items = self.items(')')?;
            if items.len() == 1 { items.pop()? } else { Value::Array(items) }
        };
        if name == "Some" {
            return Some(content);
        }
        Some(Value::Object(Map::from_iter([(name, content)])))
    }

    /// `value, value, ...` up to `close` (a trailing comma allowed).
    fn items(&mut self, close: char) -> Option<Vec<Value>> {
        let mut items = Vec::new();
        while !self.eat(close) {
            items.push(self.value()?);
            if !self.eat(',') {
                return self.eat(close).then_some(items);
            }
        }
        Some(items)
    }

    /// `name: value, ...` up to `)` (a trailing comma allowed).
    fn fields(&mut self) -> Option<Map<String, Value>> {
        let mut fields = Map::new();
        while !self.eat(')') {
            self.skip_space();
            let name = self.take(|c| c.is_alphanumeric() || c == '_');
            if name.is_empty() || !self.eat(':') {
                return None;
            }
            fields.insert(name, self.value()?);
            if !self.eat(',') {
                return self.eat(')').then_some(fields);
            }
        }
        Some(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ron_values_become_the_json_serde_writes() {
        let cases = [
            ("BadDebt", json!("BadDebt")),
            ("0.05", json!(0.05)),
            ("-3", json!(-3)),
            ("true", json!(true)),
            ("\"BTC-PERP\"", json!("BTC-PERP")),
            ("[1, 2, ]", json!([1, 2])),
            ("(lower: 1e6, upper: 2e6)", json!({"lower": 1e6, "upper": 2e6})),
            ("StudentT(dof: 4)", json!({"StudentT": {"dof": 4}})),
            ("Some(0.5)", json!(0.5)),
            ("None", json!(null)),
            (
                "Partial(target: 1.0, slice_fraction: 0.2, slice_min_notional: 0, cooldown_ticks: 1)",
                json!({"Partial": {"target": 1.0, "slice_fraction": 0.2, "slice_min_notional": 0, "cooldown_ticks": 1}}),
            ),
            (
                "Predictive(model: Har(block_ticks: 20), multiplier: 2.5)",
                json!({"Predictive": {"model": {"Har": {"block_ticks": 20}}, "multiplier": 2.5}}),
            ),
            ("VolatilityAdaptive()", json!({"VolatilityAdaptive": {}})),
        ];
        for (ron, expected) in cases {
            assert_eq!(to_json(ron), Some(expected), "{ron}");
        }
        for bad in ["Partial(target: )", "(a 1)", "[1, 2", "x y"] {
            assert_eq!(to_json(bad), None, "{bad}");
        }
    }
}
