//! Looking a name up among a run's columns: the error for a name that is not there, with the
//! closest names it might have meant. A leaf module, so that both the library's error type and
//! the results can use it without importing each other.

use std::fmt;

/// A metric, flag or input name that the run does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// `metric`, `flag`, `metric or flag`, ….
    pub kind: &'static str,
    /// The name asked for.
    pub name: String,
    /// Up to five names that are close to it, closest first.
    pub close: Vec<String>,
    /// A further hint, e.g. that the name is a flag.
    pub hint: Option<String>,
}

impl UnknownName {
    /// `name`, of `kind`, is not among `names`: with the closest of them.
    pub fn new(kind: &'static str, name: &str, names: &[String]) -> Self {
        UnknownName {
            kind,
            name: name.to_string(),
            close: closest(name, names),
            hint: None,
        }
    }
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no {} named \"{}\"", self.kind, self.name)?;
        if let Some(h) = &self.hint {
            write!(f, "; {h}")
        } else if self.close.is_empty() {
            write!(f, "; see the metric names in README.md")
        } else {
            write!(f, "; did you mean {}?", self.close.join(", "))
        }
    }
}

impl std::error::Error for UnknownName {}

/// Up to five of `names` within an edit distance of a third of `name`'s length (at least 2), or
/// containing it, closest first.
fn closest(name: &str, names: &[String]) -> Vec<String> {
    let limit = (name.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &String)> = names
        .iter()
        .filter_map(|n| {
            let d = levenshtein(name, n);
            (d <= limit || n.contains(name)).then_some((d, n))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(5).map(|(_, n)| n.clone()).collect()
}

/// Edits (insertions, deletions, substitutions) that turn `a` into `b` (Wagner–Fischer, one row).
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != cb)).min(row[j] + 1).min(up + 1);
            diag = up;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_by_hand() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("same", "same"), 0);
    }

    #[test]
    fn close_names_closest_first() {
        let names: Vec<String> = [
            "job_starts",
            "engagements",
            "site.a.job_starts",
            "referrals",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(closest("job_sarts", &names), vec!["job_starts".to_string()]);
        assert_eq!(
            closest("job_starts", &names),
            vec!["job_starts".to_string(), "site.a.job_starts".to_string()]
        );
    }
}
