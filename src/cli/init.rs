//! `sibsim init`: write a commented starting scenario from one of the templates in `templates/`,
//! compiled into the binary so that it works from any folder (README, "Start a new scenario").

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use clap::ValueEnum;
use sibsim::error::Error;

use super::args::InitArgs;
use super::write_stdout;

/// A starting scenario: the text of one file in `templates/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Template {
    /// A one-site IPS payment-by-results contract in MHEP 1's style (templates/ips.toml).
    Ips,
    /// The Life Chances Fund MHEP Tower Hamlets contract's shape, with an SPV and investor
    /// (templates/lcf.toml).
    Lcf,
    /// The least a valid scenario needs, with a TODO at each figure (templates/blank.toml).
    Blank,
}

impl Template {
    /// The template's name, as `--template` takes it and as its own `name = "…"` line gives it.
    pub fn id(self) -> &'static str {
        match self {
            Template::Ips => "ips",
            Template::Lcf => "lcf",
            Template::Blank => "blank",
        }
    }

    /// The template file's text, as committed.
    pub fn text(self) -> &'static str {
        match self {
            Template::Ips => include_str!("../../templates/ips.toml"),
            Template::Lcf => include_str!("../../templates/lcf.toml"),
            Template::Blank => include_str!("../../templates/blank.toml"),
        }
    }

    /// What the template is, for the line `init` prints.
    fn summary(self) -> &'static str {
        match self {
            Template::Ips => "a one-site IPS payment-by-results contract in MHEP 1's style",
            Template::Lcf => {
                "the Life Chances Fund MHEP Tower Hamlets contract's shape, with an SPV and investor"
            }
            Template::Blank => "the least a valid scenario needs, a TODO at each figure",
        }
    }

    /// The template's text with its scenario name set to `name`: the one line
    /// `name = "<template>"` becomes `name = "<name>"` (a TOML basic string). A blank `name`
    /// keeps the template's.
    pub fn render(self, name: &str) -> String {
        let text = self.text();
        if name.trim().is_empty() {
            return text.to_owned();
        }
        let line = format!("\nname = \"{}\"\n", self.id());
        text.replacen(&line, &format!("\nname = {}\n", toml_string(name)), 1)
    }
}

/// `s` as a TOML basic string, quoted, with `"`, `\` and control characters escaped.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Why `file` cannot be created when its folder is the reason: the folder does not exist, or is
/// not a folder (exit code 2, like any bad NAME.toml). `None` when the folder is there (the error
/// is then the system's, e.g. permission denied).
fn no_folder(file: &Path) -> Option<Error> {
    let folder = file.parent().filter(|p| !p.as_os_str().is_empty())?;
    let (problem, valid) = if !folder.exists() {
        (
            format!("the folder {} does not exist", shell_word(folder)),
            format!(
                "create it first (mkdir -p {}), or name a file in a folder that exists",
                shell_word(folder)
            ),
        )
    } else if !folder.is_dir() {
        (
            format!("{} is not a folder", shell_word(folder)),
            "expected NAME.toml in a folder that exists".to_string(),
        )
    } else {
        return None;
    };
    Some(Error::InvalidOption {
        option: "NAME.toml".into(),
        problem: format!("cannot write {}: {problem}", shell_word(file)),
        valid,
    })
}

/// A path as the user would type it again: quoted for the shell when it holds anything but
/// letters, digits and `._/-+,:@%`.
fn shell_word(path: &Path) -> String {
    let s = path.to_string_lossy();
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/-+,:@%".contains(c));
    if plain {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Write the chosen template to `args.file`, named after the file, and print what was written and
/// the two commands to try next.
///
/// # Errors
/// A file name not ending in `.toml`, an existing file without `--force`, or a folder that does not
/// exist ([`Error::InvalidOption`], exit code 2); an I/O error writing it.
pub(super) fn init(args: &InitArgs) -> anyhow::Result<()> {
    let file = &args.file;
    let is_toml = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    if !is_toml {
        return Err(Error::InvalidOption {
            option: "NAME.toml".into(),
            problem: format!("{} does not end in .toml", shell_word(file)),
            valid: "expected a scenario file's name, e.g. my_contract.toml".into(),
        }
        .into());
    }
    let name = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = args.template.render(&name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if args.force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut out = match options.open(file) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::InvalidOption {
                option: "NAME.toml".into(),
                problem: format!("{} already exists", shell_word(file)),
                valid: "choose another name, or add --force to overwrite it".into(),
            }
            .into());
        }
        Err(e) => {
            return Err(no_folder(file).map_or_else(
                || anyhow::Error::new(e).context(format!("writing {}", file.display())),
                anyhow::Error::from,
            ))
        }
        Ok(out) => out,
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .with_context(|| format!("writing {}", file.display()))?;
    let word = shell_word(file);
    let message = format!(
        "wrote {word}: {} lines, template {} ({})\nnext:\n  sibsim validate {word}\n  sibsim run {word}\n",
        text.lines().count(),
        args.template.id(),
        args.template.summary(),
    );
    write_stdout(message.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_template_names_itself_once() {
        for t in Template::value_variants() {
            let line = format!("\nname = \"{}\"\n", t.id());
            assert_eq!(t.text().matches(&line).count(), 1, "{}", t.id());
            let rendered = t.render("my contract");
            assert!(
                rendered.contains("\nname = \"my contract\"\n"),
                "{}",
                t.id()
            );
            assert_eq!(
                rendered.len(),
                t.text().len() + "my contract".len() - t.id().len()
            );
        }
    }

    #[test]
    fn names_are_escaped_as_toml_strings() {
        assert_eq!(toml_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(toml_string("tab\there"), r#""tab\u0009here""#);
        let text = Template::Blank.render("q\"uote\\d");
        let value: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(value["name"].as_str(), Some("q\"uote\\d"));
    }

    #[test]
    fn paths_are_quoted_for_the_shell_when_needed() {
        assert_eq!(
            shell_word(Path::new("dir/my_contract.toml")),
            "dir/my_contract.toml"
        );
        assert_eq!(
            shell_word(Path::new("my contract.toml")),
            "'my contract.toml'"
        );
        assert_eq!(shell_word(Path::new("it's.toml")), "'it'\\''s.toml'");
    }
}
