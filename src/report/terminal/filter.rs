//! Which rows of the full table `run --metrics PATTERN` shows: a pattern of comma-separated
//! alternatives, each a glob over the whole name when it has a `*` or `?` (`*` any run of
//! characters, dots included; `?` any one character), else a substring of the name.

/// A parsed `--metrics` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricPattern {
    alternatives: Vec<String>,
}

impl MetricPattern {
    /// The pattern of `text`, or `None` when it has no alternative that is not empty.
    pub fn new(text: &str) -> Option<MetricPattern> {
        let alternatives: Vec<String> = text
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect();
        (!alternatives.is_empty()).then_some(MetricPattern { alternatives })
    }

    /// Whether `name` matches any alternative.
    pub fn matches(&self, name: &str) -> bool {
        self.alternatives.iter().any(|a| {
            if a.contains(['*', '?']) {
                glob(a.as_bytes(), name.as_bytes())
            } else {
                name.contains(a.as_str())
            }
        })
    }
}

/// Whether `name` matches glob `pattern` in full (iterative, with one backtrack point: linear in
/// practice and never exponential).
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == b'?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, name: &str) -> bool {
        MetricPattern::new(p).unwrap().matches(name)
    }

    #[test]
    fn globs_match_the_whole_name_substrings_any_part() {
        assert!(m("site.*.provider.*", "site.haringey.provider.margin"));
        assert!(m(
            "site.*.provider.*",
            "site.tower_hamlets.provider.lowest_cash"
        ));
        assert!(!m("site.*.provider.*", "site.haringey.provider_loss"));
        assert!(!m("site.*.provider.*", "provider.margin"));
        assert!(m("*irr", "investor.irr"));
        assert!(!m("*irr", "investor.irr_undefined"));
        assert!(m("investor.?rr", "investor.irr"));
        assert!(!m("investor.?rr", "investor.mirr"));
        assert!(m("irr", "investor.irr_undefined"));
        assert!(m("irr", "investor.mirr"));
        assert!(!m("margin", "engagements"));
        assert!(m("engagements,*.multiple", "investor.multiple"));
        assert!(m("*", ""));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(!m("a*b*c", "aXbYbZ"));
    }

    #[test]
    fn an_empty_pattern_is_none() {
        assert_eq!(MetricPattern::new(""), None);
        assert_eq!(MetricPattern::new(" , ,"), None);
    }
}
