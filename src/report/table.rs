//! Plain-text tables for the terminal: every column as wide as its widest cell, cells left- or
//! right-aligned, columns separated by two spaces, no trailing spaces on a line.
//!
//! One helper for every table sibsim prints (summary, plan section, payments, evidence listing,
//! back-test, outside view), so that alignment rules live in one place. Widths count characters,
//! not bytes, so "£" and "—" take one column each.

/// How a column's cells sit within its width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Padded on the right (names, labels).
    Left,
    /// Padded on the left (numbers).
    Right,
}

/// The widest a cell is shown, in characters: a longer one (a site id of 70,000 characters, say)
/// is cut to `MAX_CELL − 1` characters and an ellipsis "…", so that one name cannot push every
/// other column off the screen. Wide enough for every cell sibsim prints from sensible input (the
/// longest, an evidence citation, is under 150). The JSON outputs keep names whole.
pub const MAX_CELL: usize = 160;

/// `cell`, or its first `MAX_CELL − 1` characters and "…" when it is longer than [`MAX_CELL`].
pub fn truncate_cell(cell: String) -> String {
    match cell.char_indices().nth(MAX_CELL) {
        None => cell,
        Some(_) => {
            let cut = cell
                .char_indices()
                .nth(MAX_CELL - 1)
                .map_or(cell.len(), |(i, _)| i);
            let mut short = cell[..cut].to_string();
            short.push('…');
            short
        }
    }
}

/// The usual separator between two columns.
pub const GAP: &str = "  ";

/// One line of a table: cells, or a rule of dashes as wide as each column.
#[derive(Debug, Clone)]
enum Line {
    Cells(Vec<String>),
    Rule,
}

/// A text table built row by row and rendered once all widths are known.
///
/// # Example
/// ```
/// use sibsim::report::table::{Align, Table};
/// let mut t = Table::new(&[Align::Left, Align::Right]);
/// t.row(["metric", "P50"]);
/// t.rule();
/// t.row(["engagements", "3,415"]);
/// assert_eq!(t.render(), "metric         P50\n-----------  -----\nengagements  3,415\n");
/// ```
#[derive(Debug, Clone)]
pub struct Table {
    aligns: Vec<Align>,
    /// The separator written before each column (unused for the first).
    gaps: Vec<&'static str>,
    lines: Vec<Line>,
}

impl Table {
    /// A table with one column per entry of `aligns`, separated by [`GAP`].
    pub fn new(aligns: &[Align]) -> Self {
        Table {
            aligns: aligns.to_vec(),
            gaps: vec![GAP; aligns.len()],
            lines: Vec::new(),
        }
    }

    /// A table of `columns` columns whose first `left` are left-aligned and the rest right-aligned:
    /// the shape of most of sibsim's tables (names first, then figures).
    pub fn names_then_figures(columns: usize, left: usize) -> Self {
        let aligns: Vec<Align> = (0..columns)
            .map(|j| if j < left { Align::Left } else { Align::Right })
            .collect();
        Table::new(&aligns)
    }

    /// Writes `gap` instead of [`GAP`] before column `column` (e.g. a single space before a "± x"
    /// column that reads as part of the figure before it).
    pub fn gap_before(mut self, column: usize, gap: &'static str) -> Self {
        if let Some(g) = self.gaps.get_mut(column) {
            *g = gap;
        }
        self
    }

    /// Adds a row. Missing cells are empty; cells beyond the table's columns are ignored.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut cells: Vec<String> = cells
            .into_iter()
            .take(self.aligns.len())
            .map(|c| truncate_cell(c.into()))
            .collect();
        cells.resize(self.aligns.len(), String::new());
        self.lines.push(Line::Cells(cells));
    }

    /// Adds a rule: each column filled with dashes to its width.
    pub fn rule(&mut self) {
        self.lines.push(Line::Rule);
    }

    /// The width of each column: its widest cell, in characters.
    fn widths(&self) -> Vec<usize> {
        let mut widths = vec![0; self.aligns.len()];
        for line in &self.lines {
            if let Line::Cells(cells) = line {
                for (w, c) in widths.iter_mut().zip(cells) {
                    *w = (*w).max(c.chars().count());
                }
            }
        }
        widths
    }

    /// Appends the table to `out`, one line per row, each ending in a newline.
    pub fn render_into(&self, out: &mut String) {
        let widths = self.widths();
        let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
        let mut line = String::new();
        for l in &self.lines {
            let cells = match l {
                Line::Cells(cells) => cells,
                Line::Rule => &rule,
            };
            line.clear();
            for (j, cell) in cells.iter().enumerate() {
                if j > 0 {
                    line.push_str(self.gaps[j]);
                }
                let pad = widths[j].saturating_sub(cell.chars().count());
                match self.aligns[j] {
                    Align::Left => {
                        line.push_str(cell);
                        line.extend(std::iter::repeat_n(' ', pad));
                    }
                    Align::Right => {
                        line.extend(std::iter::repeat_n(' ', pad));
                        line.push_str(cell);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }

    /// The table as text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_alignment_rule_and_no_trailing_spaces() {
        let mut t = Table::names_then_figures(3, 1);
        t.row(["metric", "P10", ""]);
        t.rule();
        t.row(["a", "-1,234", "x"]);
        t.row(["longer name", "1", ""]);
        assert_eq!(
            t.render(),
            "metric          P10\n\
             -----------  ------  -\n\
             a            -1,234  x\n\
             longer name       1\n"
        );
    }

    #[test]
    fn widths_count_characters_not_bytes() {
        let mut t = Table::names_then_figures(2, 2);
        t.row(["→ a", "£1.00"]);
        t.row(["bb", "—"]);
        assert_eq!(t.render(), "→ a  £1.00\nbb   —\n");
    }

    #[test]
    fn long_cells_are_cut_with_an_ellipsis() {
        let long = "é".repeat(70_000);
        let mut t = Table::names_then_figures(2, 1);
        t.row([long.as_str(), "1"]);
        t.row(["a".repeat(MAX_CELL).as_str(), "2"]);
        let text = t.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            format!("{}…  1", "é".repeat(MAX_CELL - 1)),
            "cut to MAX_CELL characters, the last an ellipsis"
        );
        // A cell of exactly MAX_CELL characters is kept whole.
        assert_eq!(lines[1], format!("{}  2", "a".repeat(MAX_CELL)));
    }

    #[test]
    fn custom_gap_and_missing_cells() {
        let mut t = Table::new(&[Align::Left, Align::Right, Align::Left]).gap_before(2, " ");
        t.row(["p", "12.3%", "± 0.3%"]);
        t.row(["long", "100.0%"]);
        assert_eq!(t.render(), "p      12.3% ± 0.3%\nlong  100.0%\n");
    }
}
