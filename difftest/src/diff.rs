//! A unified diff of two texts by lines (longest common subsequence; the texts are responses,
//! small enough for the quadratic table).

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// One line of the edit script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Edit {
    /// In both.
    Keep(usize, usize),
    /// Only in the old text (its index).
    Remove(usize),
    /// Only in the new text (its index).
    Add(usize),
}

/// The unified diff from `old` to `new` (`---`/`+++` headers named by the labels), or `None`
/// when the texts are equal.
pub(crate) fn unified(old_label: &str, old: &str, new_label: &str, new: &str) -> Option<String> {
    if old == new {
        return None;
    }
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let edits = edit_script(&a, &b);
    let mut out = format!("--- {old_label}\n+++ {new_label}\n");
    // Group edits into hunks: changes with up to 2*CONTEXT kept lines between them.
    let changed: Vec<usize> = edits
        .iter()
        .enumerate()
        .filter(|(_, e)| !matches!(e, Edit::Keep(..)))
        .map(|(i, _)| i)
        .collect();
    let mut index = 0;
    while index < changed.len() {
        let start = changed[index].saturating_sub(CONTEXT);
        let mut last = changed[index];
        while index + 1 < changed.len() && changed[index + 1] - last <= 2 * CONTEXT + 1 {
            index += 1;
            last = changed[index];
        }
        let end = (last + CONTEXT + 1).min(edits.len());
        let hunk = &edits[start..end];
        let old_start = hunk.iter().find_map(|e| match e {
            Edit::Keep(i, _) | Edit::Remove(i) => Some(*i),
            Edit::Add(_) => None,
        });
        let new_start = hunk.iter().find_map(|e| match e {
            Edit::Keep(_, j) | Edit::Add(j) => Some(*j),
            Edit::Remove(_) => None,
        });
        let old_count = hunk.iter().filter(|e| !matches!(e, Edit::Add(_))).count();
        let new_count = hunk
            .iter()
            .filter(|e| !matches!(e, Edit::Remove(_)))
            .count();
        out.push_str(&format!(
            "@@ -{},{old_count} +{},{new_count} @@\n",
            old_start.map_or(0, |i| i + 1),
            new_start.map_or(0, |j| j + 1)
        ));
        for edit in hunk {
            match *edit {
                Edit::Keep(i, _) => out.push_str(&format!(" {}\n", a[i])),
                Edit::Remove(i) => out.push_str(&format!("-{}\n", a[i])),
                Edit::Add(j) => out.push_str(&format!("+{}\n", b[j])),
            }
        }
        index += 1;
    }
    Some(out)
}

/// The shortest edit script by a longest-common-subsequence table.
fn edit_script(a: &[&str], b: &[&str]) -> Vec<Edit> {
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: length of the LCS of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut edits = Vec::with_capacity(n + m);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            edits.push(Edit::Keep(i, j));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // Removals first, as diff(1) prints them.
            edits.push(Edit::Remove(i));
            i += 1;
        } else {
            edits.push(Edit::Add(j));
            j += 1;
        }
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("a", "x\ny\n", "b", "x\ny\n"), None);
    }

    #[test]
    fn a_changed_line_shows_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        let diff = unified("upstream", old, "ironkube", new).unwrap();
        assert_eq!(
            diff,
            "--- upstream\n+++ ironkube\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn distant_changes_make_two_hunks() {
        let old: String = (0..30).map(|i| format!("{i}\n")).collect();
        let new: String = (0..30)
            .map(|i| match i {
                2 => "two\n".to_string(),
                25 => "twenty-five\n".to_string(),
                i => format!("{i}\n"),
            })
            .collect();
        let diff = unified("a", &old, "b", &new).unwrap();
        assert_eq!(diff.matches("@@ -").count(), 2, "{diff}");
        assert!(diff.contains("-25\n+twenty-five\n"));
        let added = unified("a", "x\n", "b", "x\ny\n").unwrap();
        assert!(added.ends_with(" x\n+y\n"), "{added}");
    }
}
