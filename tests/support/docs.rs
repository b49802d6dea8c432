//! The documentation as the tests read it: the markdown files, the shell blocks marked as
//! recipes (so that what the guides tell users to run is what the suite runs), and the
//! links between the files.

use std::path::{Path, PathBuf};

/// The line that marks the shell block right after it as a recipe a test runs.
const MARKER_OPEN: &str = "<!-- recipe: ";
const MARKER_CLOSE: &str = " -->";

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every markdown file of the documentation, relative to the repository root, sorted.
pub fn doc_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ["README.md", "CONTRIBUTING.md", "bench/README.md"]
        .iter()
        .map(PathBuf::from)
        .collect();
    for entry in std::fs::read_dir(root().join("docs")).expect("docs/ exists") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path.strip_prefix(root()).unwrap().to_path_buf());
        }
    }
    files.sort();
    files
}

/// A documentation file's text, by its path from the repository root.
pub fn read(relative: impl AsRef<Path>) -> String {
    let path = root().join(relative.as_ref());
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One shell block marked as a recipe.
#[derive(Debug)]
pub struct Recipe {
    pub file: PathBuf,
    /// 1-based line of the marker.
    pub line: usize,
    pub name: String,
    pub body: String,
}

/// Every marked block of every documentation file. A marker that is malformed or not
/// followed by a shell block panics: a recipe no test can find is the bug this guards.
pub fn recipes() -> Vec<Recipe> {
    let mut found = Vec::new();
    for file in doc_files() {
        let text = read(&file);
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !line.trim_start().starts_with("<!-- recipe") {
                continue;
            }
            let at = format!("{}:{}", file.display(), i + 1);
            let name = line
                .trim()
                .strip_prefix(MARKER_OPEN)
                .and_then(|rest| rest.strip_suffix(MARKER_CLOSE))
                .filter(|name| !name.is_empty() && !name.contains(char::is_whitespace))
                .unwrap_or_else(|| panic!("{at}: a recipe marker is `{MARKER_OPEN}NAME{MARKER_CLOSE}`, alone on its line: {line}"));
            let fence = lines.get(i + 1).copied().unwrap_or("");
            assert!(
                fence == "```sh" || fence == "```bash",
                "{at}: the line after a recipe marker opens a ```sh block, not {fence:?}"
            );
            let body: Vec<&str> = lines[i + 2..]
                .iter()
                .take_while(|l| !l.starts_with("```"))
                .copied()
                .collect();
            assert!(
                i + 2 + body.len() < lines.len(),
                "{at}: the recipe's block is never closed"
            );
            found.push(Recipe {
                file: file.clone(),
                line: i + 1,
                name: name.to_string(),
                body: body.join("\n") + "\n",
            });
        }
    }
    found
}

/// The body of the one recipe named `name`, to run as written.
pub fn recipe(name: &str) -> String {
    let mut matching: Vec<Recipe> = recipes().into_iter().filter(|r| r.name == name).collect();
    assert_eq!(
        matching.len(),
        1,
        "exactly one block is marked `{MARKER_OPEN}{name}{MARKER_CLOSE}` in the docs: {matching:?}"
    );
    matching.pop().unwrap().body
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.
pub fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a markdown file's headings (outside code blocks), with GitHub's `-1`,
/// `-2`... for repeated ones.
pub fn anchors(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in prose_lines(text) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            let base = anchor(&line[hashes..]);
            let mut slug = base.clone();
            let mut n = 0;
            while out.contains(&slug) {
                n += 1;
                slug = format!("{base}-{n}");
            }
            out.push(slug);
        }
    }
    out
}

/// The lines of a markdown text outside fenced code blocks.
pub fn prose_lines(text: &str) -> Vec<&str> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            out.push(line);
        }
    }
    out
}

/// The targets of the inline links `[text](target)` in a markdown text, outside code
/// blocks and code spans.
pub fn link_targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in prose_lines(text) {
        // Drop code spans: a `[x](y)` between backticks is text, not a link.
        let prose: String = line
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 0)
            .map(|(_, part)| part)
            .collect::<Vec<_>>()
            .join(" ");
        let mut rest = prose.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            out.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    out
}
