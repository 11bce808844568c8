//! Running kubectl steps and comparing what kubectl printed with what upstream prints: each
//! step runs even after an earlier one failed, prints PASS/FAIL, and the test fails at the end
//! with every failure.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

/// Whether `text` matches `pattern`, where `*` stands for any run of characters.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was, and how much of the text it has taken so far.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The cells of one line of a kubectl table: columns are at least three spaces apart and titles
/// and values hold single spaces at most (`NOMINATED NODE`).
pub(crate) fn cells(line: &str) -> Vec<String> {
    line.trim_end()
        .split("  ")
        .map(str::trim)
        .filter(|cell| !cell.is_empty())
        .map(str::to_string)
        .collect()
}

/// The non-empty lines of a table, as cells.
pub(crate) fn table_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(cells)
        .collect()
}

/// What a failed comparison reports.
pub(crate) fn mismatch(what: &str, want: &str, got: &str) -> String {
    format!("{what}\n--- upstream prints:\n{want}\n--- got:\n{got}")
}

/// Compares a table cell by cell; `*` in an expected cell is a wildcard (AGE).
pub(crate) fn same_table(what: &str, got: &str, want: &str) -> Result<(), String> {
    let (got_rows, want_rows) = (table_rows(got), table_rows(want));
    let same = got_rows.len() == want_rows.len()
        && got_rows
            .iter()
            .zip(&want_rows)
            .all(|(g, w)| g.len() == w.len() && g.iter().zip(w).all(|(gc, wc)| glob(wc, gc)));
    if same {
        Ok(())
    } else {
        Err(mismatch(what, want.trim_matches('\n'), got))
    }
}

/// Compares text line by line, each expected line a [`glob`] pattern; trailing spaces are not
/// compared (`describe` pads empty values).
pub(crate) fn same_lines(what: &str, got: &str, want: &str) -> Result<(), String> {
    let got_lines: Vec<&str> = got.lines().map(str::trim_end).collect();
    let want_lines: Vec<&str> = want.lines().map(str::trim_end).collect();
    let same = got_lines.len() == want_lines.len()
        && got_lines.iter().zip(&want_lines).all(|(g, w)| glob(w, g));
    if same {
        Ok(())
    } else {
        Err(mismatch(what, want, got))
    }
}

/// Compares text exactly.
pub(crate) fn same_text(what: &str, got: &str, want: &str) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(mismatch(what, want, got))
    }
}

/// Fails with `message` unless `condition` holds.
pub(crate) fn check(condition: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if condition { Ok(()) } else { Err(message()) }
}

/// Every check's outcome at once: each runs, and all failures are reported together.
pub(crate) fn all<const N: usize>(checks: [Result<(), String>; N]) -> Result<(), String> {
    let failures: Vec<String> = checks.into_iter().filter_map(Result::err).collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n\n"))
    }
}

/// The outcome of each step, in order.
pub(crate) struct Steps {
    /// Which kubectl, for the messages.
    label: String,
    /// What the steps are (`scenario`, `write`), for the summary.
    noun: &'static str,
    /// Step name and its failure, if it failed.
    results: Vec<(String, Option<String>)>,
    /// Steps ironkube is known not to pass yet, with why: their failure is reported as a
    /// known gap (not a test failure); their passing fails the test, so the list shrinks as
    /// the server grows.
    pub(crate) known_gaps: &'static [(&'static str, &'static str)],
    /// How many known gaps were met.
    gaps_met: usize,
}

impl Steps {
    /// No steps yet.
    pub(crate) fn new(label: &str, noun: &'static str) -> Steps {
        Steps {
            label: label.to_string(),
            noun,
            results: Vec::new(),
            known_gaps: &[],
            gaps_met: 0,
        }
    }

    /// Runs one step, recording (and printing) whether it passed; a panic in it is a failure.
    pub(crate) fn run(&mut self, name: &str, step: impl FnOnce() -> Result<(), String>) {
        let started = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(step)).unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("panicked: {message}"))
        });
        let millis = started.elapsed().as_millis();
        if let Some((_, why)) = self.known_gaps.iter().find(|(gap, _)| *gap == name) {
            match outcome {
                Err(_) => {
                    eprintln!("[{}] KNOWN GAP {name} ({millis} ms): {why}", self.label);
                    self.gaps_met += 1;
                }
                Ok(()) => {
                    eprintln!(
                        "[{}] FAIL {name}: passes but is listed as a known gap",
                        self.label
                    );
                    self.results.push((
                        name.to_string(),
                        Some(format!("passes now: remove it from the known gaps ({why})")),
                    ));
                }
            }
            return;
        }
        match &outcome {
            Ok(()) => eprintln!("[{}] PASS {name} ({millis} ms)", self.label),
            Err(message) => eprintln!(
                "[{}] FAIL {name} ({millis} ms)\n{}\n",
                self.label,
                indent(message)
            ),
        }
        self.results.push((name.to_string(), outcome.err()));
    }

    /// Prints the summary and fails the test if any step failed.
    pub(crate) fn finish(self) {
        let failed: Vec<&(String, Option<String>)> =
            self.results.iter().filter(|(_, e)| e.is_some()).collect();
        eprintln!(
            "[{}] {} steps: {} passed, {} failed, {} known gaps{}",
            self.label,
            self.noun,
            self.results.len() - failed.len(),
            failed.len(),
            self.gaps_met,
            failed
                .iter()
                .map(|(name, _)| format!("\n  FAIL {name}"))
                .collect::<String>()
        );
        if !failed.is_empty() {
            let details: String = failed
                .iter()
                .map(|(name, e)| format!("\n* {name}\n{}\n", indent(e.as_deref().unwrap_or(""))))
                .collect();
            panic!(
                "{}: {} of {} {} steps failed:{details}",
                self.label,
                failed.len(),
                self.results.len(),
                self.noun
            );
        }
    }
}

/// Text indented by four spaces, for the report.
pub(crate) fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
