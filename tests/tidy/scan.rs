//! A small Rust scanner for the tidy rules: it blanks comments (and, when
//! asked, the contents of string and char literals) keeping every line in
//! place, finds the items marked `#[cfg(test)]`, the functions with their
//! first and last lines, the catch-all `_ =>` match arms, and the receiver
//! expression of a method call. Textual, not a parser: enough for code
//! that `rustfmt` formats, and each rule's own tests pin what it sees.

/// `text` with comments blanked, and string and char literal contents too
/// unless `keep_strings`; every character maps to one character, newlines
/// stay, so lines and char offsets match the source.
pub fn blank(text: &str, keep_strings: bool) -> Vec<char> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::with_capacity(c.len());
    let hide = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    let literal = |ch: char| if keep_strings { ch } else { hide(ch) };
    let ident_before = |k: usize| k > 0 && (c[k - 1].is_alphanumeric() || c[k - 1] == '_');
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push(' ');
                    out.push(' ');
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push(' ');
                    out.push(' ');
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(hide(c[i]));
                    i += 1;
                }
            }
        } else if let Some(hashes) = raw_string_at(&c, i).filter(|_| !ident_before(i)) {
            // r"…", r#"…"#, br"…": the prefix, then the body to the quote
            // followed by as many `#`.
            let mut j = i;
            while c[j] != '"' {
                out.push(c[j]);
                j += 1;
            }
            out.push('"');
            j += 1;
            let closes = |k: usize| c[k] == '"' && (1..=hashes).all(|h| c.get(k + h) == Some(&'#'));
            while j < c.len() && !closes(j) {
                out.push(literal(c[j]));
                j += 1;
            }
            out.extend(c.iter().take(j + 1 + hashes).skip(j));
            i = j + 1 + hashes;
        } else if ch == '"' {
            out.push('"');
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' && i + 1 < c.len() {
                    out.push(literal(c[i]));
                    i += 1;
                }
                out.push(literal(c[i]));
                i += 1;
            }
            if i < c.len() {
                out.push('"');
                i += 1;
            }
        } else if ch == '\'' && (next == Some('\\') || c.get(i + 2) == Some(&'\'')) {
            // A char literal ('x', '\n', '\'', '\u{1F600}'); a lifetime
            // ('a) has no closing quote two characters on.
            let mut j = if next == Some('\\') { i + 3 } else { i + 2 };
            while j < c.len() && c[j] != '\'' {
                j += 1;
            }
            out.push('\'');
            out.extend(c.iter().take(j).skip(i + 1).map(|ch| literal(*ch)));
            if j < c.len() {
                out.push('\'');
            }
            i = j + 1;
        } else {
            out.push(ch);
            i += 1;
        }
    }
    out
}

/// The number of `#` of a raw string starting at `i` (`r"`, `r#"`, `br"`).
fn raw_string_at(c: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if c.get(j) == Some(&'b') {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while c.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    (c.get(j) == Some(&'"')).then_some(hashes)
}

/// The 0-based line of each char offset.
fn line_of(code: &[char]) -> Vec<usize> {
    let mut line = 0;
    code.iter()
        .map(|ch| {
            let at = line;
            if *ch == '\n' {
                line += 1;
            }
            at
        })
        .collect()
}

/// From `from`, the offset of the first `{` or `;` outside `()` and `[]`.
fn body_or_semicolon(code: &[char], from: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (k, ch) in code.iter().enumerate().skip(from) {
        match ch {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            '{' | ';' if depth == 0 => return Some(k),
            _ => {}
        }
    }
    None
}

/// The offset of the `}` closing the `{` at `open`.
fn closing_brace(code: &[char], open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (k, ch) in code.iter().enumerate().skip(open) {
        match ch {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// The line ranges (first, last; 0-based) of the items marked
/// `#[cfg(test)]`: test modules and test-only functions.
pub fn test_items(code: &[char]) -> Vec<(usize, usize)> {
    let lines = line_of(code);
    let text: String = code.iter().collect();
    let mut out = Vec::new();
    for (at, _) in text.match_indices("#[cfg(test)]") {
        // match_indices gives bytes; blanked code is ASCII but a kept
        // literal may not be, so count chars up to it.
        let start = text[..at].chars().count();
        let after = start + "#[cfg(test)]".len();
        let Some(k) = body_or_semicolon(code, after) else {
            continue;
        };
        let end = if code[k] == '{' {
            closing_brace(code, k).unwrap_or(code.len() - 1)
        } else {
            k
        };
        out.push((lines[start], lines[end]));
    }
    out
}

fn is_ident(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

/// A function with a body: its name and 0-based first (`fn`) and last
/// (closing brace) lines.
#[derive(Debug, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    pub first: usize,
    pub last: usize,
}

impl Function {
    pub fn lines(&self) -> usize {
        self.last - self.first + 1
    }
}

/// Every function with a body in `code` (blanked), outside test items.
pub fn functions(code: &[char]) -> Vec<Function> {
    let lines = line_of(code);
    let tests = test_items(code);
    let in_tests = |line: usize| tests.iter().any(|(a, b)| (*a..=*b).contains(&line));
    let mut out = Vec::new();
    for k in 0..code.len().saturating_sub(3) {
        let keyword = code[k] == 'f'
            && code[k + 1] == 'n'
            && code[k + 2].is_whitespace()
            && (k == 0 || !is_ident(code[k - 1]));
        if !keyword || in_tests(lines[k]) {
            continue;
        }
        let name_start = (k + 2..code.len()).find(|&j| !code[j].is_whitespace());
        let Some(name_start) = name_start else {
            continue;
        };
        let name: String = code[name_start..]
            .iter()
            .take_while(|ch| is_ident(**ch))
            .collect();
        if name.is_empty() {
            continue;
        }
        let Some(open) = body_or_semicolon(code, name_start) else {
            continue;
        };
        if code[open] != '{' {
            continue;
        }
        if let Some(close) = closing_brace(code, open) {
            out.push(Function {
                name,
                first: lines[k],
                last: lines[close],
            });
        }
    }
    out
}

/// The innermost function holding `line`, if any.
pub fn enclosing(functions: &[Function], line: usize) -> Option<&Function> {
    functions
        .iter()
        .filter(|f| f.first <= line && line <= f.last)
        .min_by_key(|f| f.lines())
}

/// The 0-based lines of the catch-all match arms outside test items: a
/// `_` standing alone right before `=>` (so `(a, _) =>` and `Some(_) =>`
/// are not, a guarded `_ if … =>` is not, `A | _ =>` is).
pub fn wildcard_arms(code: &[char]) -> Vec<usize> {
    let lines = line_of(code);
    let tests = test_items(code);
    let in_tests = |line: usize| tests.iter().any(|(a, b)| (*a..=*b).contains(&line));
    let mut out = Vec::new();
    for k in 0..code.len() {
        if code[k] != '_' || (k > 0 && is_ident(code[k - 1])) {
            continue;
        }
        if code.get(k + 1).is_some_and(|ch| is_ident(*ch)) {
            continue;
        }
        let after = (k + 1..code.len()).find(|&j| !code[j].is_whitespace());
        let arrow = after.is_some_and(|j| code[j] == '=' && code.get(j + 1) == Some(&'>'));
        if arrow && !in_tests(lines[k]) {
            out.push(lines[k]);
        }
    }
    out
}

/// The receiver expression of a method call whose `.` is at `dot`: back
/// over the chain (across lines, through balanced brackets) to the first
/// `;`, `,`, `=`, `=>`, `|`, `&&`, `+`, `*`, `/`, `%`, `!`, a field
/// label's `:` or an unbalanced opening bracket.
/// `x.amount.map(f).unwrap_or_default()` gives `x.amount.map(f)`.
pub fn receiver(code: &[char], dot: usize) -> (usize, usize) {
    let mut depth = 0i32;
    let mut start = dot;
    while start > 0 {
        let ch = code[start - 1];
        match ch {
            ')' | ']' | '}' => depth += 1,
            '(' | '[' | '{' if depth == 0 => break,
            '(' | '[' | '{' => depth -= 1,
            ';' | ',' | '=' | '|' | '+' | '*' | '/' | '%' | '!' if depth == 0 => break,
            // `=>`, `&&` and a field's `label:` (not a path's `::`).
            '>' if depth == 0 && start >= 2 && code[start - 2] == '=' => break,
            '&' if depth == 0 && start >= 2 && code[start - 2] == '&' => break,
            ':' if depth == 0
                && code.get(start) != Some(&':')
                && (start < 2 || code[start - 2] != ':') =>
            {
                break
            }
            _ => {}
        }
        start -= 1;
    }
    (start, dot)
}

/// The 0-based line of each call of `method` (`.unwrap_or_default()`)
/// outside test items, with its receiver's span.
pub fn calls(code: &[char], method: &str) -> Vec<(usize, (usize, usize))> {
    let lines = line_of(code);
    let tests = test_items(code);
    let in_tests = |line: usize| tests.iter().any(|(a, b)| (*a..=*b).contains(&line));
    let pattern: Vec<char> = method.chars().collect();
    let mut out = Vec::new();
    for k in 0..code.len() {
        if code[k..].starts_with(&pattern) && !in_tests(lines[k]) {
            out.push((lines[k], receiver(code, k)));
        }
    }
    out
}
