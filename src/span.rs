//! From a field's path to its place in the file: byte span → line, column and the source line.
//!
//! Validation works on typed values and reports problems by [`FieldPath`]; this module finds that
//! path again in the file (parsed a second time by `toml_edit`, which keeps spans) so that every
//! error can point at `file:line:column` with a caret under the token.
//!
//! `parse_toml` is the first pass of every file checked this way (scenarios and evidence files):
//! TOML text into typed values, or the first structural problem, located. It lives here, below both
//! readers, so that neither imports the other for it.

use std::fmt;
use std::ops::Range;

use toml_edit::{Document, Item, Table, Value};

use crate::error::{ScenarioError, ScenarioErrors};

/// One step of a path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A table key, e.g. `sites` or `p_engage`.
    Key(String),
    /// An index into an array, from 0.
    Index(usize),
}

/// A dotted field path such as `sites.haringey.delivery.p_engage` or `tariffs[2].payer`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    /// The empty path: the file's top-level table.
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }
    /// This path extended by a key.
    pub fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }
    /// This path extended by an array index.
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Whether an error concerns a field's value or the field's key (e.g. an unknown field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The error is about the field's value: the caret goes under the value.
    Value,
    /// The error is about the field's key (e.g. an unknown field): the caret goes under the key.
    Key,
}

/// The source text of one scenario file with its span index.
pub struct Source<'a> {
    /// The file as named on the command line (or `<memory>` for a string).
    pub file: String,
    /// The file's text.
    pub text: &'a str,
    doc: Option<Document<&'a str>>,
}

#[derive(Clone, Copy)]
enum Node<'a> {
    Item(&'a Item),
    Value(&'a Value),
    Table(&'a Table),
}

impl<'a> Node<'a> {
    fn span(self) -> Option<Range<usize>> {
        match self {
            Node::Item(i) => i.span(),
            Node::Value(v) => v.span(),
            Node::Table(t) => t.span(),
        }
    }

    /// The child under `seg`, with the span of its key when it has one.
    fn child(self, seg: &Seg) -> Option<(Node<'a>, Option<Range<usize>>)> {
        match (self, seg) {
            (Node::Table(t), Seg::Key(k)) => {
                let (key, item) = t.get_key_value(k)?;
                Some((Node::Item(item), key.span()))
            }
            (Node::Item(Item::Table(t)), Seg::Key(_)) => Node::Table(t).child(seg),
            (Node::Item(Item::Value(v)), _) => Node::Value(v).child(seg),
            (Node::Item(Item::ArrayOfTables(a)), Seg::Index(i)) => {
                Some((Node::Table(a.get(*i)?), None))
            }
            (Node::Value(Value::InlineTable(t)), Seg::Key(k)) => {
                let (key, item) = t.get_key_value(k)?;
                Some((Node::Item(item), key.span()))
            }
            (Node::Value(Value::Array(a)), Seg::Index(i)) => Some((Node::Value(a.get(*i)?), None)),
            _ => None,
        }
    }
}

impl<'a> Source<'a> {
    /// Index `text` for span look-ups. A file TOML cannot parse still gets a `Source`; its errors
    /// carry their own spans.
    pub fn new(file: impl Into<String>, text: &'a str) -> Self {
        Source {
            file: file.into(),
            text,
            doc: Document::parse(text).ok(),
        }
    }

    /// The byte span of `path` in the file: the value (or key) itself when the whole path exists,
    /// else the deepest part of it that does (so a missing field points at its table).
    pub fn locate(&self, path: &FieldPath, target: Target) -> Range<usize> {
        let Some(doc) = &self.doc else { return 0..0 };
        let mut node = Node::Table(doc.as_table());
        let mut best: Option<Range<usize>> = None;
        for seg in &path.0 {
            match node.child(seg) {
                Some((child, key_span)) => {
                    let value_span = child.span();
                    best = match target {
                        Target::Key => key_span.or(value_span).or(best),
                        Target::Value => value_span.or(key_span).or(best),
                    };
                    node = child;
                }
                None => break,
            }
        }
        best.unwrap_or(0..0)
    }

    /// The key, within the distribution table at `path`, whose value is the `unexpected` one of
    /// a serde "invalid type" message (`string "x"`, ``boolean `true` ``, `sequence`, …): serde
    /// reads a `{ dist = …, … }` table whole before its fields, so its message names no field.
    /// `None` unless the table at `path` (inline or not) has a `dist` key and exactly one other
    /// key's value is of that kind (and that value, where the message gives it).
    fn dist_field_of(&self, path: &FieldPath, unexpected: &str) -> Option<String> {
        let doc = self.doc.as_ref()?;
        let mut node = Node::Table(doc.as_table());
        for seg in &path.0 {
            node = node.child(seg)?.0;
        }
        // An inline table, or a table of its own (`[….p_engage]`, or dotted keys `p_engage.mode`).
        let entries: Vec<(&str, &Value)> = match node {
            Node::Item(Item::Value(Value::InlineTable(t))) | Node::Value(Value::InlineTable(t)) => {
                t.iter().collect()
            }
            Node::Item(Item::Table(t)) | Node::Table(t) => t
                .iter()
                .filter_map(|(k, item)| Some((k, item.as_value()?)))
                .collect(),
            _ => return None,
        };
        entries.iter().find(|(k, _)| *k == "dist")?;
        let matches = |v: &Value| match v {
            Value::String(s) => unexpected == format!("string {:?}", s.value()),
            Value::Boolean(b) => unexpected == format!("boolean `{}`", b.value()),
            Value::Integer(i) => unexpected == format!("integer `{}`", i.value()),
            Value::Float(_) => unexpected.starts_with("floating point"),
            Value::Array(_) => unexpected == "sequence",
            Value::InlineTable(_) => unexpected == "map",
            Value::Datetime(_) => false,
        };
        let mut found = entries
            .iter()
            .filter(|(k, v)| *k != "dist" && matches(v))
            .map(|(k, _)| k.to_string());
        let key = found.next()?;
        found.next().is_none().then_some(key)
    }

    /// An error at `span`.
    pub fn error_at(
        &self,
        span: Range<usize>,
        field: &str,
        problem: impl Into<String>,
        valid: impl Into<String>,
    ) -> ScenarioError {
        let start = span.start.min(self.text.len());
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let line = self.text[..start].matches('\n').count() + 1;
        let column = self.text[line_start..start].chars().count() + 1;
        let source_line = self.text[line_start..line_end].trim_end_matches('\r');
        let end = span.end.clamp(start, line_end);
        let caret_len = self.text[start..end].chars().count().max(1);
        ScenarioError {
            file: self.file.clone(),
            line,
            column,
            field: field.to_string(),
            problem: problem.into(),
            valid: valid.into(),
            source_line: source_line.to_string(),
            caret_len,
        }
    }

    /// An error about the field at `path`.
    pub fn error(
        &self,
        path: &FieldPath,
        target: Target,
        problem: impl Into<String>,
        valid: impl Into<String>,
    ) -> ScenarioError {
        let span = self.locate(path, target);
        self.error_at(span, &path.to_string(), problem, valid)
    }
}

/// Read TOML `src` into `T`, stopping at the first structural problem (syntax, unknown or missing
/// field, wrong type), located in the file.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(
    src: &Source<'_>,
) -> Result<T, ScenarioErrors> {
    let de = toml::Deserializer::parse(src.text).map_err(|e| {
        let (problem, valid) = split_message(e.message());
        ScenarioErrors(vec![src.error_at(
            e.span().unwrap_or(0..0),
            "",
            problem,
            valid,
        )])
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let mut path = FieldPath::root();
        for seg in e.path().iter() {
            match seg {
                serde_path_to_error::Segment::Seq { index } => path = path.index(*index),
                serde_path_to_error::Segment::Map { key } => path = path.key(key),
                _ => {}
            }
        }
        let (problem, valid) = split_message(e.inner().message());
        // Inside a distribution table, the field serde could not name.
        let field = problem
            .strip_prefix("invalid type: ")
            .and_then(|unexpected| src.dist_field_of(&path, unexpected));
        let span = match (&field, e.inner().span()) {
            (Some(key), _) => {
                path = path.key(key);
                src.locate(&path, Target::Value)
            }
            (None, Some(s)) if !s.is_empty() => s,
            (None, _) => src.locate(&path, Target::Value),
        };
        let (span, problem, valid) =
            dotted_key_hint(src.text, &span, &path, &problem).unwrap_or((span, problem, valid));
        ScenarioErrors(vec![src.error_at(span, &path.to_string(), problem, valid)])
    })
}

/// A name with dots written as a bare key — `site.haringey.engagements = 10` in `[plan]`, a
/// `[actuals.site.haringey.engagements]` header, or `site.haringey.engagements = { value = …,
/// source = … }` in `[actuals]` — which TOML reads as tables within tables, so that serde finds a
/// table where a number should be, or keys that are not an actual's fields: the span of the whole
/// key, what happened and the hint to quote it. `None` for any other error.
fn dotted_key_hint(
    text: &str,
    span: &Range<usize>,
    path: &FieldPath,
    problem: &str,
) -> Option<(Range<usize>, String, String)> {
    let start = span.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let bare = |k: &str| {
        k.contains('.')
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' ' | '\t'))
    };
    let tidy = |k: &str| k.split('.').map(str::trim).collect::<Vec<_>>().join(".");
    let header = line
        .trim_start()
        .strip_prefix('[')
        .filter(|h| !h.starts_with('['));
    if let Some(header) = header {
        // `[actuals.a.b.c]`: the metric is everything after `actuals.`.
        let inner = header.split(']').next()?;
        let metric = inner
            .trim()
            .strip_prefix("actuals")?
            .trim_start()
            .strip_prefix('.')?;
        if !(top_key_is(path, "actuals") && bare(metric)) {
            return None;
        }
        let at = line_start + line.find(inner)?;
        let metric = tidy(metric);
        return Some((
            at..at + inner.len(),
            format!(
                "TOML reads the dotted name {metric} as tables within tables, not as one metric"
            ),
            format!("expected the metric name in quotes: [actuals.\"{metric}\"]"),
        ));
    }
    let indent = line.len() - line.trim_start().len();
    if top_key_is(path, "actuals") && problem.starts_with("unknown field") {
        // `a.b.c = { value = …, source = … }` in `[actuals]`: the actual is `a`, with a field
        // `b`. Only when the key starts the line and its first part is the actual serde read (not
        // a key inside a table such as `[actuals.a]`, whose metric the line does not show whole).
        let (key, _) = line.split_once('=')?;
        let first = key.split('.').next().unwrap_or("").trim();
        let actual = matches!(path.0.get(1), Some(Seg::Key(k)) if k == first);
        if !(actual && bare(key.trim())) {
            return None;
        }
        let at = line_start + indent;
        let metric = tidy(key);
        return Some((
            at..at + key.trim().len(),
            format!(
                "TOML reads the dotted name {metric} as tables within tables, not as one metric"
            ),
            format!(
                "expected the metric name in quotes: \"{metric}\" = {{ value = …, source = \"…\" }}"
            ),
        ));
    }
    if !problem.starts_with("invalid type: map") {
        return None;
    }
    // `a.b.c = value`, perhaps inside an inline table: the key runs from the span to its `=`.
    let from = start - line_start;
    let (key, value) = line[from..].split_once('=')?;
    if !bare(key.trim()) {
        return None;
    }
    let value = value.split(['#', ',', '}']).next().unwrap_or("").trim();
    let value = if value.is_empty() { "…" } else { value };
    let width = key.trim_end().len();
    let key = tidy(key);
    Some((
        start..start + width,
        format!("TOML reads the dotted key {key} as tables within tables, so a table stands in place of a value"),
        format!("expected the name in quotes: \"{key}\" = {value}"),
    ))
}

/// Whether `path` is in the top-level table `key`.
fn top_key_is(path: &FieldPath, key: &str) -> bool {
    matches!(path.0.first(), Some(Seg::Key(k)) if k == key)
}

/// Split a serde message "invalid type: string \"a\", expected f64" into what is wrong and what
/// would be valid, and put Rust's type names into words.
fn split_message(msg: &str) -> (String, String) {
    let msg = msg.trim().trim_end_matches('.');
    let words = |s: &str| {
        s.replace("expected f64", "expected a number")
            .replace("expected i64", "expected a whole number")
            .replace("expected a sequence", "expected an array")
            .replace("expected a string", "expected a string in quotes")
    };
    match msg.find(", expected ") {
        Some(i) => (msg[..i].to_string(), words(&msg[i + 2..])),
        None if msg.starts_with("duplicate key") => (
            msg.to_string(),
            "expected each key once in a table (and each [table] header once)".to_string(),
        ),
        None if msg.starts_with("missing field") => (
            msg.to_string(),
            "expected it in this table (docs/scenario-format.md lists every field)".to_string(),
        ),
        None => (words(msg), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name = \"x\"\n[sites.a.delivery]\np_engage = 1.5\ndist = { dist = \"pert\", min = 3, mode = 2, max = 1 }\n[[tariffs]]\nname = \"t0\"\n[[tariffs]]\nname = \"t1\"\n";

    #[test]
    fn locates_values_keys_and_array_entries() {
        let src = Source::new("f.toml", TEXT);
        let p = FieldPath::root().key("sites").key("a").key("delivery");
        let e = src.error(&p.key("p_engage"), Target::Value, "bad", "");
        assert_eq!((e.line, e.column, e.caret_len), (3, 12, 3));
        let e = src.error(&p.key("p_engage"), Target::Key, "bad", "");
        assert_eq!((e.line, e.column, e.caret_len), (3, 1, 8));
        let e = src.error(&p.key("dist").key("min"), Target::Value, "bad", "");
        assert_eq!((e.line, e.column), (4, 31));
        let e = src.error(
            &FieldPath::root().key("tariffs").index(1).key("name"),
            Target::Value,
            "bad",
            "",
        );
        assert_eq!((e.line, e.column), (8, 8));
        assert_eq!(e.field, "tariffs[1].name");
    }

    #[test]
    fn missing_field_points_at_its_table() {
        let src = Source::new("f.toml", TEXT);
        let p = FieldPath::root()
            .key("sites")
            .key("a")
            .key("delivery")
            .key("p_6w");
        let e = src.error(&p, Target::Value, "missing", "");
        assert_eq!(e.line, 2);
        assert_eq!(e.headline(), "f.toml:2:1: sites.a.delivery.p_6w: missing");
    }
}
