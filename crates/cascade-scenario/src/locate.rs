//! Where fields are written in a RON text.
//!
//! A small scanner, not a parser: it follows parentheses, brackets, field names, strings and comments well enough
//! to map each field written in the text to its dotted path (`agents.market_makers.count`, `shocks[1].at`, with
//! enum variants transparent: `liquidation.mode.target`) and its line and column. It never fails: on text it does
//! not understand it simply records less. Used to place semantic errors and to know which fields a scenario that
//! extends a base actually sets.

/// How a field's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueShape {
    /// A struct: `( ... )` directly after the field name.
    Struct,
    /// Anything else: a number, string, list, enum variant or tuple. Replaced as a whole when merging.
    Atom,
}

/// A field written in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Dotted path.
    pub path: String,
    /// 1-based line of the field name.
    pub line: usize,
    /// 1-based column of the field name.
    pub column: usize,
    /// How its value is written.
    pub shape: ValueShape,
}

enum Frame {
    /// Inside `( ... )` whose fields extend `prefix`.
    Struct { prefix: String },
    /// Inside `[ ... ]` whose elements are `prefix[index]`.
    List { prefix: String, index: usize },
}

/// Every field written in `text`, in order.
pub fn fields(text: &str) -> Vec<Field> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    // The path the next value will have, once known (after `name:` or inside a list).
    let mut value_path: Option<String> = None;
    let mut index_of_value: Option<usize> = None; // index in `out` of the field whose value comes next
    let mut last_ident: Option<(String, usize, usize)> = None;
    let (mut line, mut column) = (1usize, 1usize);
    let mut i = 0;
    let advance = |c: char, line: &mut usize, column: &mut usize| {
        if c == '\n' {
            *line += 1;
            *column = 1;
        } else {
            *column += 1;
        }
    };
    let path_for_value = |stack: &[Frame], value_path: &Option<String>| -> String {
        match (value_path, stack.last()) {
            (Some(p), _) => p.clone(),
            (None, Some(Frame::List { prefix, index })) => format!("{prefix}[{index}]"),
            _ => String::new(),
        }
    };
    while i < chars.len() {
        let c = chars[i];
        // Comments.
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                advance(chars[i], &mut line, &mut column);
                i += 1;
            }
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            let mut depth = 0usize;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    advance('/', &mut line, &mut column);
                    advance('*', &mut line, &mut column);
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth = depth.saturating_sub(1);
                    advance('*', &mut line, &mut column);
                    advance('/', &mut line, &mut column);
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    advance(chars[i], &mut line, &mut column);
                    i += 1;
                }
            }
            continue;
        }
        // Strings.
        if c == '"' {
            advance(c, &mut line, &mut column);
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    advance(chars[i], &mut line, &mut column);
                    i += 1;
                }
                advance(chars[i], &mut line, &mut column);
                i += 1;
            }
            advance('"', &mut line, &mut column);
            i += 1;
            value_path = None;
            index_of_value = None;
            last_ident = None;
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let (start_line, start_column) = (line, column);
            let mut ident = String::new();
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                ident.push(chars[i]);
                advance(chars[i], &mut line, &mut column);
                i += 1;
            }
            last_ident = Some((ident, start_line, start_column));
            continue;
        }
        match c {
            ':' => {
                if let (Some((name, l, col)), Some(Frame::Struct { prefix })) = (last_ident.take(), stack.last()) {
                    let path = if prefix.is_empty() { name } else { format!("{prefix}.{name}") };
                    out.push(Field { path: path.clone(), line: l, column: col, shape: ValueShape::Atom });
                    index_of_value = Some(out.len() - 1);
                    value_path = Some(path);
                }
            }
            '(' => {
                let prefix = path_for_value(&stack, &value_path);
                // `name: ( ... )` is a struct; `name: Variant( ... )` is an enum variant (transparent for paths).
                if last_ident.is_none()
                    && let Some(k) = index_of_value
                {
                    out[k].shape = ValueShape::Struct;
                }
                stack.push(Frame::Struct { prefix });
                value_path = None;
                index_of_value = None;
                last_ident = None;
            }
            '[' => {
                let prefix = path_for_value(&stack, &value_path);
                stack.push(Frame::List { prefix, index: 0 });
                value_path = None;
                index_of_value = None;
                last_ident = None;
            }
            ')' | ']' => {
                stack.pop();
                value_path = None;
                index_of_value = None;
                last_ident = None;
            }
            ',' => {
                if let Some(Frame::List { index, .. }) = stack.last_mut() {
                    *index += 1;
                }
                value_path = None;
                index_of_value = None;
                last_ident = None;
            }
            c if c.is_whitespace() => {}
            _ => {
                // Numbers and other scalar characters end any pending identifier.
                last_ident = None;
            }
        }
        advance(c, &mut line, &mut column);
        i += 1;
    }
    out
}

/// The position of `path`, or of its nearest written ancestor (`margin.maintenance` falls back to `margin`).
pub fn position(fields: &[Field], path: &str) -> Option<(usize, usize)> {
    let mut candidate = path;
    loop {
        if let Some(f) = fields.iter().find(|f| f.path == candidate) {
            return Some((f.line, f.column));
        }
        let cut = candidate.rfind(['.', '['])?;
        candidate = &candidate[..cut];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"// header (with: parens)
(
    name: "a (b) [c]",
    margin: (initial: 0.1, maintenance: 0.05),
    liquidation: (mode: Partial(target: 1.0, slice_fraction: 0.2)),
    /* block: ( */ shocks: [
        (at: 5, kind: PriceGap(change: -0.1)),
        (at: 9, duration: 2, kind: OracleFreeze),
    ],
)"#;

    #[test]
    fn paths_positions_and_shapes() {
        let f = fields(TEXT);
        let paths: Vec<&str> = f.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "name",
                "margin",
                "margin.initial",
                "margin.maintenance",
                "liquidation",
                "liquidation.mode",
                "liquidation.mode.target",
                "liquidation.mode.slice_fraction",
                "shocks",
                "shocks[0].at",
                "shocks[0].kind",
                "shocks[0].kind.change",
                "shocks[1].at",
                "shocks[1].duration",
                "shocks[1].kind",
            ]
        );
        let get = |p: &str| f.iter().find(|f| f.path == p).unwrap();
        assert_eq!((get("margin.maintenance").line, get("margin.maintenance").column), (4, 28));
        assert_eq!(get("margin").shape, ValueShape::Struct);
        assert_eq!(get("liquidation.mode").shape, ValueShape::Atom);
        assert_eq!(get("shocks").shape, ValueShape::Atom);
        assert_eq!(position(&f, "shocks[1].duration"), Some((8, 17)));
        assert_eq!(position(&f, "margin.nonexistent"), Some((4, 5)));
        assert_eq!(position(&f, "funding.cap"), None);
    }
}
