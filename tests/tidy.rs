//! Tidy: rules of the code base that a compiler does not check.
//! - the core (`src/core/`) never imports the Worker runtime;
//! - every module opens with a `//!` doc saying what it owns;
//! - PSP status mappings have no catch-all `_ =>` arm;
//! - the shell's modules import one another without a cycle;
//! - no source file is over 600 lines before its tests (a reader can hold
//!   it; recorded fixtures live in files of their own);
//! - no function is over 80 lines, no decision module has a `_ =>` arm and
//!   no money value is silently defaulted (`unwrap_or_default()`), or
//!   zeroed without a comment saying why (the scanner is `tidy/scan.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn core_modules_never_import_the_worker_runtime() {
    let forbidden = [
        "worker::",
        "use worker",
        "web_sys",
        "js_sys",
        "wasm_bindgen",
        "crate::shell",
    ];
    for file in rust_files(&src().join("core")) {
        let text = std::fs::read_to_string(&file).expect("readable");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for word in forbidden {
                assert!(
                    !code.contains(word),
                    "{}:{}: the core must not use `{word}`",
                    file.display(),
                    n + 1
                );
            }
        }
    }
}

/// The team's hard limit on a file's production code (about 400 is the aim).
const MAX_PRODUCTION_LINES: usize = 600;

/// The lines of a source file before its first `#[cfg(test)]`.
fn production_lines(text: &str) -> usize {
    text.lines()
        .take_while(|line| line.trim() != "#[cfg(test)]")
        .count()
}

#[test]
fn no_source_file_is_over_600_lines_before_its_tests() {
    let over: Vec<String> = rust_files(&src())
        .into_iter()
        .filter_map(|file| {
            let text = std::fs::read_to_string(&file).expect("readable");
            let n = production_lines(&text);
            (n > MAX_PRODUCTION_LINES).then(|| format!("{} ({n})", file.display()))
        })
        .collect();
    assert!(
        over.is_empty(),
        "over {MAX_PRODUCTION_LINES} lines: {over:?}"
    );
}

#[test]
fn production_lines_stop_at_the_tests() {
    assert_eq!(production_lines("a\nb\n#[cfg(test)]\nmod tests {}\n"), 2);
    assert_eq!(production_lines("a\n    #[cfg(test)]\nc\n"), 1);
    assert_eq!(production_lines("a\nb\n"), 2);
}

#[test]
fn every_module_opens_with_a_module_doc() {
    for file in rust_files(&src()) {
        let text = std::fs::read_to_string(&file).expect("readable");
        assert!(
            text.starts_with("//!"),
            "{} has no //! module doc",
            file.display()
        );
    }
}

#[test]
fn psp_status_mappings_have_no_catch_all_arm() {
    let psp = src().join("core/psp");
    if !psp.exists() {
        return;
    }
    for file in rust_files(&psp) {
        let text = std::fs::read_to_string(&file).expect("readable");
        let production = text.split("#[cfg(test)]").next().unwrap_or("");
        for (n, line) in production.lines().enumerate() {
            assert!(
                !line.trim_start().starts_with("_ =>"),
                "{}:{}: status mappings name every case",
                file.display(),
                n + 1
            );
        }
    }
}

/// A shell module as its path under `src/shell` (`emulator/mod.rs` is
/// `["emulator"]`, `src/shell/mod.rs` is `[]`).
type Module = Vec<String>;

fn shell_module(file: &Path) -> Module {
    let relative = file
        .strip_prefix(src().join("shell"))
        .expect("in src/shell");
    let mut parts: Module = relative
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

fn is_shell_module(module: &Module) -> bool {
    let path = module.iter().fold(src().join("shell"), |p, s| p.join(s));
    path.with_extension("rs").is_file() || path.join("mod.rs").is_file()
}

/// The shell modules the production code of `file` names through
/// `crate::shell::…` or `super::…` (its tests may look anywhere).
fn shell_imports(file: &Path) -> Vec<Module> {
    let text = std::fs::read_to_string(file).expect("readable");
    let production = text.split("#[cfg(test)]").next().unwrap_or("");
    let own = shell_module(file);
    let mut out = Vec::new();
    for line in production.lines() {
        let code = line.split("//").next().unwrap_or("");
        let starts = code
            .match_indices("crate::shell::")
            .chain(code.match_indices("super::"));
        // `super::super::x` is one path, from its first `super`.
        for (at, _) in starts.filter(|(at, _)| !code[..*at].ends_with("::")) {
            let ident = |s: &str| {
                s.split(|c: char| !c.is_alphanumeric() && c != '_')
                    .next()
                    .unwrap_or("")
                    .to_string()
            };
            let segments: Vec<String> = code[at..]
                .split("::")
                .map(ident)
                .take_while(|s| !s.is_empty())
                .collect();
            let ups = segments.iter().take_while(|s| *s == "super").count();
            let (mut module, rest) = match ups {
                0 => (Module::new(), &segments[2..]),
                _ => (
                    own[..own.len().saturating_sub(ups)].to_vec(),
                    &segments[ups..],
                ),
            };
            // The longest prefix that is a module (the rest names an item).
            for segment in rest {
                module.push(segment.clone());
                if !is_shell_module(&module) {
                    module.pop();
                    break;
                }
            }
            if module != own {
                out.push(module);
            }
        }
    }
    out
}

/// Depth first from `node`; an edge back to a module on `path` is a cycle.
fn find_cycle(
    node: &Module,
    graph: &BTreeMap<Module, Vec<Module>>,
    path: &mut Vec<Module>,
    done: &mut BTreeSet<Module>,
) -> Option<Vec<Module>> {
    if let Some(start) = path.iter().position(|m| m == node) {
        return Some(path[start..].iter().chain([node]).cloned().collect());
    }
    if !done.insert(node.clone()) {
        return None;
    }
    path.push(node.clone());
    for next in graph.get(node).into_iter().flatten() {
        if let Some(cycle) = find_cycle(next, graph, path, done) {
            return Some(cycle);
        }
    }
    path.pop();
    None
}

#[test]
fn the_shells_modules_import_no_cycle() {
    let mut graph: BTreeMap<Module, Vec<Module>> = BTreeMap::new();
    for file in rust_files(&src().join("shell")) {
        graph
            .entry(shell_module(&file))
            .or_default()
            .extend(shell_imports(&file));
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = find_cycle(node, &graph, &mut Vec::new(), &mut done) {
            let names: Vec<String> = cycle.iter().map(|m| m.join("::")).collect();
            panic!("import cycle in src/shell: {}", names.join(" -> "));
        }
    }
}

#[path = "tidy/scan.rs"]
mod scan;

/// `src/core/reconcile.rs` for a file under the crate.
fn relative(file: &Path) -> String {
    file.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(file)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The longest a function may be, counted from its `fn` line to its
/// closing brace (a reader sees it whole; tests are not counted).
const MAX_FUNCTION_LINES: usize = 80;

/// Every production function over the limit: (file, name, lines).
fn long_functions() -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    for file in rust_files(&src()) {
        let text = std::fs::read_to_string(&file).expect("readable");
        let code = scan::blank(&text, false);
        for f in scan::functions(&code) {
            if f.lines() > MAX_FUNCTION_LINES {
                out.push((relative(&file), f.name.clone(), f.lines()));
            }
        }
    }
    out
}

#[test]
fn no_function_is_over_80_lines() {
    let over: Vec<String> = long_functions()
        .iter()
        .map(|(file, name, n)| format!("{file}: fn {name} ({n} lines)"))
        .collect();
    assert!(
        over.is_empty(),
        "over {MAX_FUNCTION_LINES} lines, split into named steps: {over:#?}"
    );
}

#[test]
fn function_length_counts_from_fn_to_its_brace_and_skips_tests() {
    let body = |n: usize| "    x();\n".repeat(n);
    // 78 body lines + the `fn` line + the brace = 80: allowed; 81 is not.
    let text = format!(
        "fn fits() {{\n{}}}\npub(crate) async fn over<T>(t: [u8; 2]) -> T\nwhere T: Copy\n{{\n{}}}\n\
         trait T {{ fn declared(&self); }}\n#[cfg(test)]\nmod tests {{\nfn long() {{\n{}}}\n}}\n",
        body(78),
        body(77),
        body(100)
    );
    let code = scan::blank(&text, false);
    let found: Vec<(String, usize)> = scan::functions(&code)
        .into_iter()
        .map(|f| (f.name.clone(), f.lines()))
        .collect();
    assert_eq!(
        found,
        vec![("fits".to_string(), 80), ("over".to_string(), 81)]
    );
    // Braces in strings, chars and comments do not count.
    let tricky = "fn f() {\n    let s = \"}}{\"; let c = '}';\n    // }\n    let r = r#\"}\"#;\n}\nfn g() {}\n";
    let names: Vec<(String, usize, usize)> = scan::functions(&scan::blank(tricky, false))
        .into_iter()
        .map(|f| (f.name, f.first, f.last))
        .collect();
    assert_eq!(
        names,
        vec![("f".to_string(), 0, 4), ("g".to_string(), 5, 5)]
    );
}

/// Where a change of state is decided: every case is named, so a new
/// status or outcome is a compile error there, not a silent default.
const DECISION_MODULES: &[&str] = &[
    "src/core/purchase/",
    "src/core/reconcile.rs",
    "src/core/notify.rs",
    "src/core/notify/",
    "src/core/chargeback.rs",
    "src/core/partial.rs",
    "src/core/payment_check.rs",
    "src/core/recheck.rs",
    "src/core/order.rs",
    "src/core/rules.rs",
    "src/core/psp/paypal/nvp/status.rs",
    "src/core/flow/",
    "src/core/backoffice/order.rs",
    "src/core/backoffice/titles.rs",
    "src/core/refund/",
];

/// Every catch-all arm in the decision modules: (file, function, line).
fn decision_wildcards() -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    for file in rust_files(&src()) {
        let name = relative(&file);
        if !DECISION_MODULES.iter().any(|m| name.starts_with(m)) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable");
        let code = scan::blank(&text, false);
        let functions = scan::functions(&code);
        for line in scan::wildcard_arms(&code) {
            let holder =
                scan::enclosing(&functions, line).map_or(String::new(), |f| f.name.clone());
            out.push((name.clone(), holder, line + 1));
        }
    }
    out
}

#[test]
fn decision_modules_have_no_catch_all_arm() {
    let found: Vec<String> = decision_wildcards()
        .iter()
        .map(|(file, holder, line)| format!("{file}:{line} (fn {holder})"))
        .collect();
    assert!(
        found.is_empty(),
        "`_ =>` in a decision module, name every case: {found:#?}"
    );
}

#[test]
fn a_catch_all_arm_is_a_lone_underscore_before_the_arrow() {
    let text = "fn f() {\n    match x {\n        A => 1,\n        _ => 2,\n    }\n    \
                match y { Some(_) => 1, (a, _) => 2, B | _ => 3, _ if c => 4 }\n    \
                let s = \"_ =>\"; // _ =>\n    let _ = 1; let _x = 2;\n}\n\
                #[cfg(test)]\nmod tests {\n    fn t() { match z { _ => 0 } }\n}\n";
    assert_eq!(scan::wildcard_arms(&scan::blank(text, false)), vec![3, 5]);
}

/// Whether a receiver expression is a money value: its code (strings
/// blanked) names `amount`, `cents`, `balance` or `gross` in any case, or
/// its string literals name a PayPal money field (`AMT`, `L_AMT0`,
/// `mc_gross`, `payment_gross`). A form field's text (`param("amount")`)
/// is not money.
fn is_money(code: &str, with_strings: &str) -> bool {
    let lower = code.to_lowercase();
    ["amount", "cents", "balance", "gross"]
        .iter()
        .any(|w| lower.contains(w))
        || with_strings.contains("AMT")
        || with_strings.contains("gross")
}

/// A money call of a method: where, and its receiver.
struct MoneyCall {
    file: String,
    function: String,
    line: usize,
    receiver_line: usize,
    receiver: String,
}

impl MoneyCall {
    fn describe(&self) -> String {
        format!(
            "{}:{} (fn {}): {}",
            self.file,
            self.line + 1,
            self.function,
            self.receiver
        )
    }
}

/// Money calls of `method` in production code.
fn money_calls(method: &str) -> Vec<MoneyCall> {
    let mut out = Vec::new();
    for file in rust_files(&src()) {
        let text = std::fs::read_to_string(&file).expect("readable");
        let code = scan::blank(&text, false);
        let with_strings = scan::blank(&text, true);
        let functions = scan::functions(&code);
        for (line, (from, to)) in scan::calls(&code, method) {
            let code_part: String = code[from..to].iter().collect();
            let string_part: String = with_strings[from..to].iter().collect();
            if is_money(&code_part, &string_part) {
                out.push(MoneyCall {
                    file: relative(&file),
                    function: scan::enclosing(&functions, line)
                        .map_or(String::new(), |f| f.name.clone()),
                    line,
                    receiver_line: code[..from].iter().filter(|c| **c == '\n').count(),
                    receiver: string_part.trim().to_string(),
                });
            }
        }
    }
    out
}

#[test]
fn money_is_never_silently_defaulted() {
    let silent: Vec<String> = money_calls(".unwrap_or_default()")
        .iter()
        .map(MoneyCall::describe)
        .collect();
    assert!(
        silent.is_empty(),
        "unwrap_or_default() on money: handle the missing value (an error), or \
         default to an explicit zero with a comment saying why it is safe: {silent:#?}"
    );
}

#[test]
fn a_zero_default_on_money_says_why() {
    let mut undocumented = Vec::new();
    for method in [".unwrap_or(0)", ".unwrap_or(Amount::ZERO)"] {
        for call in money_calls(method).iter() {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(&call.file);
            let text = std::fs::read_to_string(path).expect("readable");
            let lines: Vec<&str> = text.lines().collect();
            let said = (call.receiver_line.saturating_sub(1)..=call.line)
                .any(|n| lines.get(n).is_some_and(|l| l.contains("//")));
            if !said {
                undocumented.push(call.describe());
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "a zero for missing money needs a comment (on its lines or the line \
         above) saying why it is safe: {undocumented:#?}"
    );
}

#[test]
fn money_receivers_are_found_across_a_chain_and_not_in_strings_or_tests() {
    let text = "fn f() {\n    let a = Amount::from_cents(c).unwrap_or_default();\n    \
                let b = ctx.param(\"amount\").unwrap_or_default();\n    \
                let g = get(\"mc_gross\")\n        .map(parse)\n        .unwrap_or_default();\n    \
                let n = name.unwrap_or_default();\n}\n\
                #[cfg(test)]\nmod tests {\n    fn t() { amount.unwrap_or_default(); }\n}\n";
    let code = scan::blank(text, false);
    let with_strings = scan::blank(text, true);
    let money: Vec<usize> = scan::calls(&code, ".unwrap_or_default()")
        .into_iter()
        .filter(|(_, (from, to))| {
            let c: String = code[*from..*to].iter().collect();
            let s: String = with_strings[*from..*to].iter().collect();
            is_money(&c, &s)
        })
        .map(|(line, _)| line)
        .collect();
    assert_eq!(money, vec![1, 5]);
}

/// Where PayPal may be named: its module, the provider registry that picks
/// a provider's module, and its emulator (its HTTP face and its own tables).
const PAYPAL_HOMES: [&str; 5] = [
    "core/psp/paypal/",
    "core/psp/mod.rs",
    "core/psp/notice.rs",
    "shell/emulator/",
    "core/sql/emulator/",
];

/// PayPal's wire: NVP and IPN field names, and the error codes the
/// platform reacts to.
const PAYPAL_WIRE_WORDS: [&str; 21] = [
    "psp::paypal",
    "PAYMENTREQUEST_",
    "TRANSACTIONID",
    "PAYERID",
    "MSGSUBID",
    "INVNUM",
    "CORRELATIONID",
    "L_ERRORCODE",
    "PAYMENTSTATUS",
    "CHECKOUTSTATUS",
    "mc_gross",
    "parent_txn_id",
    "\"10002\"",
    "\"10411\"",
    "\"10415\"",
    "\"10417\"",
    "\"10422\"",
    "\"10445\"",
    "\"10486\"",
    "\"11607\"",
    "NvpRequest",
];

/// The lines of `text` before its tests, without comments.
fn production_code(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .take(production_lines(text))
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .map(|(n, line)| (n + 1, line.to_string()))
        .collect()
}

/// The words of `words` the production code of `text` uses.
fn wire_words_in(text: &str, words: &[&str]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in production_code(text) {
        for word in words {
            if line.contains(word) {
                found.push((n, (*word).to_string()));
            }
        }
    }
    found
}

#[test]
fn paypal_is_named_only_in_its_own_module() {
    let root = src();
    let mut offenders = Vec::new();
    for file in rust_files(&root) {
        let relative = file
            .strip_prefix(&root)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        if PAYPAL_HOMES.iter().any(|home| relative.starts_with(home)) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable");
        for (line, word) in wire_words_in(&text, &PAYPAL_WIRE_WORDS) {
            offenders.push(format!("{relative}:{line}: `{word}`"));
        }
    }
    assert!(
        offenders.is_empty(),
        "PayPal's module, field names or error codes outside src/core/psp/paypal \
         (a flow must name no provider):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_paypal_rule_sees_imports_field_names_and_codes_but_not_comments_or_tests() {
    let text = "use crate::core::psp::paypal::nvp;\n\
                // PAYMENTREQUEST_0_AMT in a comment\n\
                let code = \"10486\";\n\
                #[cfg(test)]\n\
                mod tests { const A: &str = \"TRANSACTIONID\"; }\n";
    let found = wire_words_in(text, &PAYPAL_WIRE_WORDS);
    assert_eq!(
        found,
        vec![(1, "psp::paypal".to_string()), (3, "\"10486\"".to_string())]
    );
}
