//! Citations resolve inside the repository: no file cites the source reports by a path outside
//! it (a clone has no `../shared`), every report file name cited anywhere is one that
//! docs/sources.md describes, and every web page the evidence library cites is listed there too.

use std::path::{Path, PathBuf};

use sibsim::evidence::Library;

/// Folders and files of the repository that hold text a reader or a build sees. Build output and
/// the fuzzer's own findings (ignored by git) are left out.
const ROOTS: [&str; 11] = [
    "README.md",
    "Cargo.toml",
    "docs",
    "scenarios",
    "templates",
    "evidence",
    "src",
    "tests",
    "examples",
    "benches",
    "fuzz",
];
const SKIP: [&str; 4] = ["target", "grown", "artifacts", ".git"];

fn walk(path: &Path, files: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if !SKIP.contains(&name.as_str()) {
                walk(&p, files);
            }
        }
    } else if path.is_file() {
        files.push(path.to_path_buf());
    }
}

/// Every text file under [`ROOTS`], with its contents (files that are not UTF-8 are skipped).
fn texts() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    for root in ROOTS {
        walk(Path::new(root), &mut files);
    }
    assert!(files.len() > 100, "{} files found", files.len());
    files
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
        .collect()
}

/// The report file names in `text`: three digits, `_`, sixteen hex digits, `.txt`.
fn report_names(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut names = Vec::new();
    for (i, _) in text.match_indices(".txt") {
        if i < 20 {
            continue;
        }
        let s = &b[i - 20..i];
        let ok = s[..3].iter().all(u8::is_ascii_digit)
            && s[3] == b'_'
            && s[4..].iter().all(|c| c.is_ascii_hexdigit())
            && (i == 20 || !b[i - 21].is_ascii_alphanumeric());
        if ok {
            names.push(format!("{}.txt", std::str::from_utf8(s).unwrap()));
        }
    }
    names
}

#[test]
fn report_names_are_found_in_text() {
    assert_eq!(
        report_names(
            "see 001_91c39e34d7f8be68.txt §3.4.2 and x000_a181213f7b897744.txt, notes.txt"
        ),
        ["001_91c39e34d7f8be68.txt"]
    );
}

#[test]
fn no_file_cites_the_reports_by_a_path_outside_the_repository() {
    // Built from parts so that this file does not match itself.
    let outside = [
        ["shared", "/seeds"].concat(),
        ["/work", "/shared"].concat(),
        ["..", "/shared", "/"].concat(),
    ];
    let mut found = Vec::new();
    for (path, text) in texts() {
        for (n, line) in text.lines().enumerate() {
            if outside.iter().any(|o| line.contains(o.as_str())) {
                found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "paths outside the repository:\n{}",
        found.join("\n")
    );
}

#[test]
fn every_cited_report_and_web_source_is_described_in_docs_sources() {
    let sources = std::fs::read_to_string("docs/sources.md").expect("docs/sources.md");
    let mut cited = Vec::new();
    for (path, text) in texts() {
        for name in report_names(&text) {
            if !cited.iter().any(|(n, _): &(String, PathBuf)| *n == name) {
                cited.push((name, path.clone()));
            }
        }
    }
    // The five reports are cited, and each has its entry.
    assert_eq!(cited.len(), 5, "{cited:?}");
    for (name, path) in &cited {
        assert!(
            sources.contains(&format!("`{name}`")),
            "{name} (cited in {}) is not in docs/sources.md",
            path.display()
        );
        let id = &name[..3];
        assert!(
            sources.contains(&format!("### {id} ")),
            "no section for {id}"
        );
    }
    // The evidence library's web sources: the address (its first word) is listed.
    let library = Library::load("evidence".as_ref()).expect("the bundled library");
    let mut web = 0;
    for f in &library.figures {
        if let Some(url) = f
            .source
            .split_whitespace()
            .next()
            .filter(|w| w.starts_with("https://"))
        {
            assert!(
                sources.contains(url),
                "{}: {url} is not in docs/sources.md",
                f.key
            );
            web += 1;
        }
    }
    assert!(web >= 3, "{web} web sources");
}
