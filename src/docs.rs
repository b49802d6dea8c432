//! Shell completions and man pages, generated from the clap definitions in [`crate::cli`].
//! `completions/` and `man/` hold the generated files; a test fails when they drift from
//! the binary and rewrites them on request (see the README).

use clap_complete::Shell;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, roman};

use crate::error::EXIT_STATUS_HELP;

/// The shells a completion script is generated for.
pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::Elvish,
    Shell::PowerShell,
];

/// `cachecore man`: every page into `dir` (created), or the main page on stdout. `man`
/// looks for pages in a root's `man1/`: a `dir` that is not itself a section directory
/// is taken for the root, so `--install-dir ~/.local/share/man` works as `man` expects.
pub fn install_man(
    dir: Option<&std::path::Path>,
    out: &crate::output::Output,
) -> anyhow::Result<crate::error::Exit> {
    use anyhow::Context as _;
    let pages = man_pages();
    let Some(dir) = dir else {
        crate::output::write_stdout(&pages[0].1)?;
        return Ok(crate::error::Exit::Success);
    };
    let (section, root) = section_dir(dir);
    std::fs::create_dir_all(&section)
        .with_context(|| format!("cannot create {}", section.display()))?;
    for (name, text) in &pages {
        let path = section.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    out.note(&format!(
        "wrote {} man pages to {}; `man -w cachecore-invalidate` shows whether man finds them; if not, add the root to its path: export MANPATH=\"{}:$(manpath -q)\"",
        pages.len(),
        section.display(),
        root.display()
    ));
    Ok(crate::error::Exit::Success)
}

/// The section directory to write (`man1`) and the man root above it, for `dir` given
/// either as the section directory itself or as the root.
pub fn section_dir(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    if dir.file_name().is_some_and(|n| n == "man1") {
        let root = dir
            .parent()
            .map_or_else(|| dir.to_path_buf(), |p| p.to_path_buf());
        (dir.to_path_buf(), root)
    } else {
        (dir.join("man1"), dir.to_path_buf())
    }
}

/// The completion script for `shell`.
pub fn completion(shell: Shell) -> Vec<u8> {
    let mut cmd = crate::cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "cachecore", &mut out);
    out
}

/// The file a shell's completion script is committed as, under `completions/`.
pub fn completion_file(shell: Shell) -> String {
    match shell {
        Shell::Bash => "cachecore.bash".into(),
        Shell::Zsh => "_cachecore".into(),
        Shell::Fish => "cachecore.fish".into(),
        Shell::Elvish => "cachecore.elv".into(),
        Shell::PowerShell => "_cachecore.ps1".into(),
        other => format!("cachecore.{other}"),
    }
}

/// Every man page as (file name, roff text): `cachecore.1`, then one per subcommand
/// (`cachecore-deps-inspect.1`, ...), each with EXIT STATUS and ENVIRONMENT sections.
pub fn man_pages() -> Vec<(String, Vec<u8>)> {
    let root = crate::cli::command();
    let mut pages = Vec::new();
    collect(&root, "cachecore", &mut pages, "");
    pages
}

fn collect(cmd: &clap::Command, name: &str, pages: &mut Vec<(String, Vec<u8>)>, path: &str) {
    pages.push((format!("{name}.1"), page(cmd, name, path)));
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let sub_path = format!("{path} {}", sub.get_name());
        collect(
            sub,
            &format!("{name}-{}", sub.get_name()),
            pages,
            sub_path.trim(),
        );
    }
}

/// SYNOPSIS: the command's own flags first, each with its value's name, then its
/// positionals, then one placeholder per group of global flags (clap_mangen lists every
/// flag in definition order, globals among them, and drops the value names).
fn synopsis(cmd: &clap::Command, words: &str) -> Roff {
    use clap_mangen::roff::{bold, italic};
    let mut roff = Roff::new();
    roff.control("SH", ["SYNOPSIS"]);
    let mut line = vec![bold(words.to_string())];
    let visible = || {
        cmd.get_arguments()
            .filter(|a| !a.is_hide_set() && !["help", "version"].contains(&a.get_id().as_str()))
    };
    for arg in visible().filter(|a| !a.is_global_set() && !a.is_positional()) {
        let flag = arg
            .get_long()
            .map(|l| format!("--{l}"))
            .or_else(|| arg.get_short().map(|c| format!("-{c}")))
            .unwrap_or_default();
        let required = arg.is_required_set();
        line.push(roman(if required { " " } else { " [" }));
        line.push(bold(flag));
        let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values());
        if let Some(value) = arg
            .get_value_names()
            .and_then(|v| v.first())
            .filter(|_| takes_value)
        {
            line.push(roman(" "));
            line.push(italic(value.to_string()));
        }
        if !required {
            line.push(roman("]"));
        }
    }
    for arg in visible().filter(|a| a.is_positional()) {
        let value = arg
            .get_value_names()
            .and_then(|v| v.first())
            .map_or_else(|| arg.get_id().to_string(), |v| v.to_string());
        let many = arg.get_num_args().is_some_and(|n| n.max_values() > 1);
        let dots = if many { "..." } else { "" };
        let (open, close) = if arg.is_required_set() {
            ("<", ">")
        } else {
            ("[", "]")
        };
        line.push(roman(format!(" {open}")));
        line.push(italic(value));
        line.push(roman(format!("{close}{dots}")));
    }
    let mut groups: Vec<String> = Vec::new();
    for arg in visible().filter(|a| a.is_global_set()) {
        let group = arg.get_help_heading().unwrap_or("Options").to_lowercase();
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    for group in groups {
        line.push(roman(format!(" [{group} options]")));
    }
    if cmd.has_subcommands() {
        line.push(roman(" "));
        line.push(italic("COMMAND".to_string()));
    }
    roff.text(line);
    roff
}

/// `path` is the subcommand's words (`deps inspect`), for its examples.
fn page(cmd: &clap::Command, name: &str, path: &str) -> Vec<u8> {
    let cmd = cmd
        .clone()
        .name(name.to_string())
        .bin_name(name.replace('-', " "));
    // The version comes from Cargo.toml, the date never: the pages must be reproducible.
    let man = Man::new(cmd.clone())
        .date("")
        .source(format!("cachecore {}", env!("CARGO_PKG_VERSION")));
    let mut out = Vec::new();
    let write = |f: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>, out: &mut Vec<u8>| {
        f(out).expect("writing to memory cannot fail")
    };
    write(&|o| man.render_title(o), &mut out);
    write(&|o| man.render_name_section(o), &mut out);
    out.extend(
        synopsis(&cmd, &name.replace('-', " "))
            .render()
            .into_bytes(),
    );
    write(&|o| man.render_description_section(o), &mut out);
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        write(&|o| man.render_options_section(o), &mut out);
    }
    if cmd.has_subcommands() {
        write(&|o| man.render_subcommands_section(o), &mut out);
    }
    let mut extra = Roff::new();
    let examples = if path.is_empty() {
        Some(crate::cli::TOP_EXAMPLES)
    } else {
        crate::cli::EXAMPLES
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, e)| *e)
    };
    if let Some(examples) = examples {
        extra.control("SH", ["EXAMPLES"]);
        for (command, what) in examples {
            extra.control("TP", []);
            extra.text([clap_mangen::roff::bold(*command)]);
            extra.text([roman(*what)]);
        }
    }
    extra.control("SH", ["EXIT STATUS"]);
    for line in EXIT_STATUS_HELP.lines().skip(1) {
        let (code, meaning) = line
            .trim()
            .split_once(char::is_whitespace)
            .unwrap_or((line, ""));
        extra.control("TP", []);
        extra.text([roman(code)]);
        extra.text([roman(meaning.trim())]);
    }
    extra.control("SH", ["ENVIRONMENT"]);
    for (var, meaning) in crate::cli::ENVIRONMENT {
        extra.control("TP", []);
        extra.text([roman(*var)]);
        extra.text([roman(*meaning)]);
    }
    extra.control("SH", ["SEE ALSO"]);
    extra.text([roman(
        "README.md (install, walkthrough) and the guides in docs/: invalidation.md (how invalidation works), connecting.md (the ACL rule sets), output.md (JSON schemas, exit status).",
    )]);
    extra
        .to_writer(&mut out)
        .expect("writing to memory cannot fail");
    out
}
