//! Results of a conformance run: the JUnit report e2e.test writes (`junit_01.xml`), read back
//! into one outcome per test; the summary (passed, failed, skipped per SIG, and the failed
//! tests), and the ledger of every conformance test (`conformance/STATUS.md`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// How one test ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// It passed.
    Passed,
    /// It failed (or timed out, or was interrupted).
    Failed,
    /// It was skipped (by focus/skip, or by the test itself).
    Skipped,
}

impl Outcome {
    fn word(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }
}

/// One test of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestResult {
    /// The test's full name (`[sig-apps] Deployment should … [Conformance]`).
    pub name: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Seconds it took.
    pub seconds: String,
    /// The first line of the failure message, for failed tests.
    pub failure: Option<String>,
}

/// Why a report could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not XML.
    #[error("parsing {path}: {source}")]
    Parse {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: roxmltree::Error,
    },
}

/// Reads every `junit_*.xml` of a results folder.
pub fn read_results(dir: &Path) -> Result<Vec<TestResult>, ReportError> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|source| ReportError::Read {
            path: dir.display().to_string(),
            source,
        })?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("junit") && n.ends_with(".xml"))
        })
        .collect();
    files.sort();
    let mut results: Vec<TestResult> = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|source| ReportError::Read {
            path: file.display().to_string(),
            source,
        })?;
        let parsed = parse_junit(&text).map_err(|source| ReportError::Parse {
            path: file.display().to_string(),
            source,
        })?;
        merge(&mut results, parsed);
    }
    Ok(results)
}

/// Adds one report's results to those of earlier reports (files in name order, as a run split
/// over several passes writes them: `junit_01.xml`, then `junit_serial_*.xml`): a test that
/// ran replaces the same test skipped or interrupted before; one that only was skipped again
/// changes nothing.
pub fn merge(results: &mut Vec<TestResult>, later: Vec<TestResult>) {
    let mut index: std::collections::HashMap<String, usize> = results
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.clone(), i))
        .collect();
    for result in later {
        match index.get(&result.name) {
            Some(&i) => {
                if result.outcome != Outcome::Skipped {
                    results[i] = result;
                }
            }
            None => {
                index.insert(result.name.clone(), results.len());
                results.push(result);
            }
        }
    }
}

/// The tests of one JUnit document, as ginkgo writes it: `[It] ` names are the tests; suite
/// set-up and tear-down nodes count only when they failed (then nothing ran).
pub fn parse_junit(text: &str) -> Result<Vec<TestResult>, roxmltree::Error> {
    let document = roxmltree::Document::parse(text)?;
    let mut results = Vec::new();
    for case in document
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
    {
        let raw = case.attribute("name").unwrap_or_default();
        let failure = case
            .children()
            .find(|c| c.has_tag_name("failure") || c.has_tag_name("error"))
            .map(|c| {
                c.attribute("message")
                    .or_else(|| c.text())
                    .unwrap_or_default()
                    .lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or_default()
                    .trim()
                    .to_owned()
            });
        let skipped = case.children().any(|c| c.has_tag_name("skipped"))
            || case.attribute("status") == Some("skipped");
        let outcome = if failure.is_some() {
            Outcome::Failed
        } else if skipped {
            Outcome::Skipped
        } else {
            Outcome::Passed
        };
        let Some(name) = raw.strip_prefix("[It] ") else {
            // Suite nodes ([SynchronizedBeforeSuite] …) matter only when they failed.
            if outcome == Outcome::Failed {
                results.push(TestResult {
                    name: raw.to_owned(),
                    outcome,
                    seconds: case.attribute("time").unwrap_or("0").to_owned(),
                    failure,
                });
            }
            continue;
        };
        results.push(TestResult {
            name: name.to_owned(),
            outcome,
            seconds: case.attribute("time").unwrap_or("0").to_owned(),
            failure,
        });
    }
    Ok(results)
}

/// The SIG of a test: its `[sig-…]` tag, or `other`.
pub fn sig_of(name: &str) -> &str {
    name.split('[')
        .filter_map(|part| part.split(']').next())
        .find(|tag| tag.starts_with("sig-"))
        .unwrap_or("other")
}

/// Counts per SIG: passed, failed, skipped.
pub fn counts_by_sig(results: &[TestResult]) -> BTreeMap<String, [usize; 3]> {
    let mut counts: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for result in results {
        let entry = counts.entry(sig_of(&result.name).to_owned()).or_default();
        entry[result.outcome as usize] += 1;
    }
    counts
}

/// The summary table: passed, failed, skipped per SIG and in total, then the failed tests.
pub fn summary(results: &[TestResult]) -> String {
    let counts = counts_by_sig(results);
    let mut out = String::new();
    let _ = writeln!(out, "| SIG | passed | failed | skipped |");
    let _ = writeln!(out, "|---|---:|---:|---:|");
    let mut total = [0usize; 3];
    for (sig, [passed, failed, skipped]) in &counts {
        let _ = writeln!(out, "| {sig} | {passed} | {failed} | {skipped} |");
        total[0] += passed;
        total[1] += failed;
        total[2] += skipped;
    }
    let _ = writeln!(
        out,
        "| **total** | **{}** | **{}** | **{}** |",
        total[0], total[1], total[2]
    );
    let failed: Vec<&TestResult> = results
        .iter()
        .filter(|r| r.outcome == Outcome::Failed)
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "\nFailed ({}):\n", failed.len());
        for result in failed {
            let _ = writeln!(out, "- {}", result.name);
            if let Some(reason) = result.failure.as_deref().filter(|r| !r.is_empty()) {
                let _ = writeln!(out, "  - {}", truncate(reason, 200));
            }
        }
    }
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}…")
}

/// The ledger: every conformance test of the release with how it ended in the run (`not run`
/// when the run did not report it), grouped by SIG, the totals first.
pub fn ledger(conformance_tests: &[String], results: &[TestResult], header: &str) -> String {
    let by_name: BTreeMap<&str, &TestResult> =
        results.iter().map(|r| (r.name.as_str(), r)).collect();
    let mut by_sig: BTreeMap<&str, Vec<(&str, &str, String)>> = BTreeMap::new();
    let mut totals: BTreeMap<&str, usize> = BTreeMap::new();
    for name in conformance_tests {
        let result = by_name.get(name.as_str());
        let word = result.map_or("not run", |r| r.outcome.word());
        // How long a passed test took, for the ratchet's time budget.
        let seconds = match result {
            Some(r) if r.outcome == Outcome::Passed => r
                .seconds
                .parse::<f64>()
                .map(|s| format!(" ({s:.0} s)"))
                .unwrap_or_default(),
            _ => String::new(),
        };
        *totals.entry(word).or_default() += 1;
        by_sig
            .entry(sig_of(name))
            .or_default()
            .push((name.as_str(), word, seconds));
    }
    let mut out = String::new();
    let _ = writeln!(out, "# Conformance ledger\n");
    let _ = writeln!(out, "{header}\n");
    let _ = writeln!(
        out,
        "**{} conformance tests: {} passed, {} failed, {} skipped, {} not run.**\n",
        conformance_tests.len(),
        totals.get("passed").unwrap_or(&0),
        totals.get("failed").unwrap_or(&0),
        totals.get("skipped").unwrap_or(&0),
        totals.get("not run").unwrap_or(&0),
    );
    let _ = writeln!(out, "| SIG | passed | failed | skipped | not run |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    for (sig, tests) in &by_sig {
        let count = |w: &str| tests.iter().filter(|(_, x, _)| *x == w).count();
        let _ = writeln!(
            out,
            "| {sig} | {} | {} | {} | {} |",
            count("passed"),
            count("failed"),
            count("skipped"),
            count("not run")
        );
    }
    for (sig, tests) in &by_sig {
        let _ = writeln!(out, "\n## {sig}\n");
        for (name, word, seconds) in tests {
            let _ = writeln!(out, "- {word}{seconds}: {name}");
        }
    }
    out
}

/// The tests the ledger marks as passed, with the seconds each took in the ledger's run (what
/// the CI ratchet runs, within its time budget).
pub fn passed_in_ledger(ledger: &str) -> Vec<(String, f64)> {
    ledger
        .lines()
        .filter_map(|line| line.strip_prefix("- passed"))
        .filter_map(|rest| {
            let (timing, name) = rest.split_once(": ")?;
            let seconds = timing
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .trim_end_matches(" s")
                .parse::<f64>()
                .unwrap_or(0.0);
            Some((name.to_owned(), seconds))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const JUNIT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="4" disabled="0" errors="0" failures="1" time="12.5">
  <testsuite name="Kubernetes e2e suite" package="/" tests="4" skipped="1" failures="1" errors="0" time="12.5">
    <testcase name="[SynchronizedBeforeSuite]" classname="Kubernetes e2e suite" status="passed" time="0.1"></testcase>
    <testcase name="[It] [sig-api-machinery] Namespaces should work [Conformance]" classname="Kubernetes e2e suite" status="passed" time="2.0"></testcase>
    <testcase name="[It] [sig-apps] Deployment should roll [Conformance]" classname="Kubernetes e2e suite" status="failed" time="10.0">
      <failure message="timed out waiting for pods&#xA;more" type="failed">[FAILED] timed out</failure>
    </testcase>
    <testcase name="[It] [sig-storage] Secrets should mount" classname="Kubernetes e2e suite" status="skipped" time="0">
      <skipped message="skipped"></skipped>
    </testcase>
  </testsuite>
</testsuites>"#;

    #[test]
    fn junit_reports_are_read_per_test() {
        let results = parse_junit(JUNIT).unwrap();
        assert_eq!(results.len(), 3);
        assert_eq!(
            results[0].name,
            "[sig-api-machinery] Namespaces should work [Conformance]"
        );
        assert_eq!(results[0].outcome, Outcome::Passed);
        assert_eq!(results[1].outcome, Outcome::Failed);
        assert_eq!(
            results[1].failure.as_deref(),
            Some("timed out waiting for pods")
        );
        assert_eq!(results[2].outcome, Outcome::Skipped);
        let counts = counts_by_sig(&results);
        assert_eq!(counts["sig-apps"], [0, 1, 0]);
        assert_eq!(counts["sig-storage"], [0, 0, 1]);
        let table = summary(&results);
        assert!(
            table.contains("| **total** | **1** | **1** | **1** |"),
            "{table}"
        );
        assert!(table.contains("- [sig-apps] Deployment should roll [Conformance]"));
    }

    #[test]
    fn later_reports_replace_what_earlier_ones_did_not_run() {
        let result = |name: &str, outcome| TestResult {
            name: name.to_owned(),
            outcome,
            seconds: "1".into(),
            failure: None,
        };
        let mut results = vec![
            result("a", Outcome::Passed),
            result("serial", Outcome::Failed),
            result("skipped", Outcome::Skipped),
        ];
        merge(
            &mut results,
            vec![
                result("a", Outcome::Skipped),
                result("serial", Outcome::Passed),
                result("skipped", Outcome::Skipped),
                result("new", Outcome::Failed),
            ],
        );
        let outcomes: Vec<_> = results
            .iter()
            .map(|r| (r.name.as_str(), r.outcome))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("a", Outcome::Passed),
                ("serial", Outcome::Passed),
                ("skipped", Outcome::Skipped),
                ("new", Outcome::Failed),
            ]
        );
    }

    #[test]
    fn the_ledger_lists_every_conformance_test() {
        let results = parse_junit(JUNIT).unwrap();
        let tests = vec![
            "[sig-api-machinery] Namespaces should work [Conformance]".to_owned(),
            "[sig-apps] Deployment should roll [Conformance]".to_owned(),
            "[sig-node] Pods should run [Conformance]".to_owned(),
        ];
        let ledger = ledger(&tests, &results, "run: test");
        assert!(ledger.contains("3 conformance tests: 1 passed, 1 failed, 0 skipped, 1 not run"));
        assert!(ledger.contains("- not run: [sig-node] Pods should run [Conformance]"));
        assert!(ledger.contains("- passed (2 s): [sig-api-machinery] Namespaces should work"));
        assert_eq!(
            passed_in_ledger(&ledger),
            [(
                "[sig-api-machinery] Namespaces should work [Conformance]".to_owned(),
                2.0
            )]
        );
    }
}
