//! What derive cannot say about the command line: real examples per subcommand (for
//! `--help` and the EXAMPLES of the man pages), and the connection flags hidden where
//! they mean nothing.

use super::Cli;

/// Subcommands that never connect to Redis: the connection flags are hidden from their
/// help, man pages and completions (still accepted, as global flags are everywhere).
const OFFLINE: &[&str] = &["key", "completions", "man", "sandbox"];

/// Real examples per subcommand, shown at the end of its `--help` and as the EXAMPLES
/// section of its man page. The path is the subcommand's words.
pub const EXAMPLES: &[(&str, &[(&str, &str)])] = &[
    (
        "invalidate",
        &[
            (
                "cachecore invalidate doc:contract-123 --new-hash v2",
                "record v2, then delete every entry tagged with the dep",
            ),
            (
                "cachecore invalidate table:products --new-hash v3 --if-hash v2",
                "compare-and-set: exit 1, nothing changed, unless the hash is v2",
            ),
            (
                "cachecore invalidate table:products --dry-run",
                "counts per tier and a sample of keys; writes nothing",
            ),
        ],
    ),
    (
        "invalidate-many",
        &[
            (
                "cachecore invalidate-many --file deps.txt --new-hash \"$GIT_SHA\" --json > results.jsonl",
                "one dep id per line; one JSON line per dep, then a summary",
            ),
            (
                "generate-changed-deps | cachecore invalidate-many --file - --yes",
                "from stdin (validated whole before anything changes)",
            ),
            (
                "cachecore invalidate-many --dep-ids doc:1,doc:2 --dry-run",
                "what would go",
            ),
        ],
    ),
    (
        "deps inspect",
        &[
            (
                "cachecore deps inspect doc:contract-123",
                "hash, members, L1/L2, fresh, stale, dangling",
            ),
            (
                "cachecore deps inspect --file deps.txt --expect-hash \"$GIT_SHA\"",
                "the CI gate: exit 1 unless every dep is at the hash, finished and clean",
            ),
            (
                "cachecore deps inspect doc:contract-123 --keys --json | head",
                "every member with its TTL and verdict, streamed",
            ),
        ],
    ),
    (
        "deps list",
        &[
            ("cachecore deps list --top 20", "the 20 largest dep sets"),
            (
                "cachecore deps list --pattern 'doc:*' --json",
                "JSON Lines, one dep set a line",
            ),
        ],
    ),
    (
        "deps prune",
        &[
            (
                "cachecore deps prune --dry-run",
                "members whose entry expired, sets that would empty",
            ),
            (
                "cachecore deps prune --yes --quiet",
                "nightly cron: remove them (every dep set: --yes off a terminal)",
            ),
            (
                "cachecore deps prune --retire-after 8d --yes",
                "also retire old unreferenced hash records",
            ),
        ],
    ),
    (
        "entry",
        &[(
            "cachecore entry \"$(cachecore key -n shop request.json)\"",
            "one entry's deps, recorded against current hash",
        )],
    ),
    (
        "policy show",
        &[(
            "cachecore policy show -n shop",
            "the namespace's policy version",
        )],
    ),
    (
        "policy list",
        &[(
            "cachecore policy list",
            "every namespace with its version and entry counts",
        )],
    ),
    (
        "policy roll",
        &[
            (
                "cachecore policy roll -n shop",
                "next version: every entry of shop is stale at once",
            ),
            (
                "cachecore policy roll -n shop --to 2026-12 --purge --yes",
                "a named version, and delete the stale entries",
            ),
        ],
    ),
    (
        "policy purge",
        &[(
            "cachecore policy purge -n shop --yes",
            "delete entries not at the current version",
        )],
    ),
    (
        "tag",
        &[(
            "cachecore tag cc:l1:shop:9f86d0... --dep doc:contract-123",
            "add a dep to an entry and its dep set",
        )],
    ),
    (
        "untag",
        &[(
            "cachecore untag cc:l1:shop:9f86d0... --dep doc:contract-123",
            "remove it again",
        )],
    ),
    (
        "key",
        &[(
            "cachecore key -n shop request.json",
            "the L1 key of a request (canonical JSON fingerprint)",
        )],
    ),
    (
        "completions",
        &[
            (
                "mkdir -p ~/.local/share/bash-completion/completions && cachecore completions bash > ~/.local/share/bash-completion/completions/cachecore",
                "bash",
            ),
            (
                "cachecore completions zsh > \"${fpath[1]}/_cachecore\"",
                "zsh",
            ),
        ],
    ),
    (
        "man",
        &[(
            "cachecore man --install-dir ~/.local/share/man && man cachecore-invalidate",
            "install every man page into ~/.local/share/man/man1 (created)",
        )],
    ),
    (
        "audit",
        &[
            (
                "cachecore audit --since 1d",
                "who changed what in the last day",
            ),
            ("cachecore audit --json | jq .deps", "JSON Lines"),
        ],
    ),
    (
        "consume",
        &[
            (
                "cachecore consume --stream cc:events",
                "run as a consumer of group cachecore (producer: redis-cli XADD cc:events '*' dep_id doc:contract-123 new_hash v2)",
            ),
            (
                "cachecore consume --stream cc:events --from 0 --until-idle --json",
                "a one-shot run over the whole stream: exit 0 once nothing new or pending is left",
            ),
            (
                "cachecore consume --format debezium --stream shop.public.products --dep 'table:{source.table}' --dep 'row:{source.table}:{row.id}'",
                "invalidate from Debezium change events (Debezium Server's Redis sink); a unique hash per event (give --hash only for a version your application declares)",
            ),
            (
                "cachecore consume --status --stream cc:events",
                "each group's lag, pending entries, consumers and dead letters",
            ),
        ],
    ),
    (
        "doctor",
        &[(
            "cachecore doctor --quiet || page-oncall",
            "cron: exit 1 when something is wrong",
        )],
    ),
    (
        "demo",
        &[(
            "cachecore demo --entries 5000 --namespace demo",
            "a synthetic data set to try every command on",
        )],
    ),
    (
        "sandbox",
        &[
            (
                "cachecore sandbox -- invalidate doc:contract-123 --new-hash v2",
                "one command on a private, throwaway Redis with the demo data; then all is removed",
            ),
            (
                "cachecore sandbox -- deps list --top 5 --json",
                "any subcommand, without `cachecore`, after --",
            ),
            (
                "cachecore sandbox --entries 100000",
                "a shell on a bigger sandbox (CACHECORE_REDIS_URL set); exit leaves and removes it",
            ),
        ],
    ),
    (
        "serve",
        &[
            (
                "cachecore token create cms --scope 'doc:*' && cachecore serve --listen 127.0.0.1:8080",
                "a token for the CMS webhook, then the API on this host",
            ),
            (
                "curl -X POST http://127.0.0.1:8080/v1/invalidate -H \"Authorization: Bearer $TOKEN\" -d '{\"dep_id\": \"doc:contract-123\", \"new_hash\": \"v2\"}'",
                "what the webhook sends: 200 when every tagged entry is gone",
            ),
            (
                "cachecore serve --listen 0.0.0.0:8443 --listen-cert cert.pem --listen-key key.pem",
                "HTTPS for callers on other hosts",
            ),
        ],
    ),
    (
        "gateway",
        &[
            (
                "cachecore token create app --namespace shop && CACHECORE_UPSTREAM_KEY=sk-... cachecore gateway --upstream https://api.openai.com/v1",
                "a token caching in namespace shop, then the proxy (and the invalidation API) on 127.0.0.1:8080",
            ),
            (
                "cachecore gateway --upstream http://llm.internal/v1 --upstream-key-file /run/secrets/llm --anonymous-scope 'doc:*'",
                "the key from a file; the client library's cc.invalidate (no credential) may invalidate doc:*",
            ),
        ],
    ),
    (
        "token create",
        &[
            (
                "cachecore token create cms --scope 'doc:*' --scope 'table:products'",
                "prints the token once; it may invalidate those deps and nothing else",
            ),
            (
                "cachecore token create ops --scope 'policy:shop' --json",
                "a token that may only roll the shop namespace's policy",
            ),
        ],
    ),
    (
        "token list",
        &[(
            "cachecore token list --json",
            "name, scopes, created and last used of every token (never the secret)",
        )],
    ),
    (
        "token revoke",
        &[(
            "cachecore token revoke cms",
            "every replica refuses it from its next request on",
        )],
    ),
];

/// Examples of the whole tool, at the end of `cachecore --help`.
pub const TOP_EXAMPLES: &[(&str, &str)] = &[
    (
        "cachecore sandbox -- invalidate doc:contract-123 --new-hash v2",
        "try it on a throwaway Redis first",
    ),
    (
        "cachecore invalidate doc:contract-123 --new-hash v2",
        "the data changed: record v2 and delete every entry built from it",
    ),
    (
        "cachecore deps inspect doc:contract-123",
        "what depends on a dep, and whether it is fresh",
    ),
    (
        "cachecore invalidate-many --file deps.txt --new-hash \"$GIT_SHA\"",
        "many deps from a file, in bounded batches",
    ),
];

/// The examples of a subcommand as help text.
pub fn examples_text(path: &str) -> Option<String> {
    let (_, examples) = EXAMPLES.iter().find(|(p, _)| *p == path)?;
    Some(format_examples(examples))
}

pub fn format_examples(examples: &[(&str, &str)]) -> String {
    let lines: Vec<String> = examples
        .iter()
        .map(|(cmd, what)| format!("  {cmd}\n      {what}"))
        .collect();
    format!("Examples:\n{}", lines.join("\n"))
}

/// The command line as parsed and documented: the derived definition plus what derive
/// cannot say (examples, connection flags hidden where they mean nothing).
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let mut root = Cli::command();
    let connection: Vec<clap::Arg> = root
        .get_arguments()
        .filter(|a| a.get_help_heading() == Some("Connection"))
        .cloned()
        .collect();
    let names: Vec<String> = root
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        root = root.mut_subcommand(&name, |mut sub| {
            let inner: Vec<String> = sub
                .get_subcommands()
                .map(|s| s.get_name().to_string())
                .collect();
            for leaf in inner {
                if let Some(text) = examples_text(&format!("{name} {leaf}")) {
                    sub = sub.mut_subcommand(&leaf, |l| l.after_help(text));
                }
            }
            if let Some(text) = examples_text(&name) {
                sub = sub.after_help(text);
            }
            if OFFLINE.contains(&name.as_str()) {
                // A local hidden copy stops clap from propagating the global one here.
                for arg in &connection {
                    sub = sub.arg(arg.clone().global(false).hide(true));
                }
            }
            sub
        });
    }
    // `[env: NAME=value]` would print the caller's value (a password, a URL with
    // credentials) and reads as "set to empty" when it is empty: only the name is shown.
    root = root.mut_args(|a| a.hide_env_values(true));
    root.build();
    root
}

#[cfg(test)]
mod tests {
    /// Every subcommand a user can run (leaves and commands without subcommands) ends its
    /// help with examples, as the docs promise.
    #[test]
    fn every_subcommand_has_examples() {
        let root = super::command();
        let mut missing = Vec::new();
        // clap's own `help` subcommands print other commands' help.
        for sub in root.get_subcommands().filter(|s| s.get_name() != "help") {
            let leaves: Vec<_> = sub
                .get_subcommands()
                .filter(|s| s.get_name() != "help")
                .collect();
            if leaves.is_empty()
                && sub
                    .get_after_help()
                    .is_none_or(|h| !h.to_string().contains("Examples:"))
            {
                missing.push(sub.get_name().to_string());
            }
            for leaf in leaves {
                if leaf
                    .get_after_help()
                    .is_none_or(|h| !h.to_string().contains("Examples:"))
                {
                    missing.push(format!("{} {}", sub.get_name(), leaf.get_name()));
                }
            }
        }
        assert!(missing.is_empty(), "no examples in the help of {missing:?}");
        let top = root
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(top.contains("Examples:"), "{top}");
    }

    #[test]
    fn the_environment_section_fits_80_columns() {
        let help = crate::cli::long_after_help();
        let env = help
            .split("Environment:")
            .nth(1)
            .expect("an Environment section");
        for line in env.lines() {
            assert!(line.chars().count() <= 80, "{line}");
        }
    }
}
