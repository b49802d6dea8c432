# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_cachecore_global_optspecs
    string join \n redis-url= cluster user= password-file= tls-ca= tls-cert= tls-key= tls-insecure timeout= json color= reason= q/quiet h/help V/version
end

function __fish_cachecore_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_cachecore_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_cachecore_using_subcommand
    set -l cmd (__fish_cachecore_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c cachecore -n "__fish_cachecore_needs_command" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_needs_command" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_needs_command" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_needs_command" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_needs_command" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_needs_command" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_needs_command" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_needs_command" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_needs_command" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_needs_command" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_needs_command" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_needs_command" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_needs_command" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cachecore -n "__fish_cachecore_needs_command" -s V -l version -d 'Print version'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "invalidate" -d 'Invalidate one dep: record its new hash, then delete every entry tagged with it'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "invalidate-many" -d 'Invalidate many deps from a file, stdin or a list, with bounded concurrency'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "deps" -d 'Inspect and maintain dep sets'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "entry" -d 'Show one entry: its deps with recorded and current hash, and whether it is fresh'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "policy" -d 'Show, list and roll namespaces\' policy versions'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "tag" -d 'Add deps to existing entries (their deps field and the dep sets)'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "untag" -d 'Remove deps from entries (their deps field and the dep sets)'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "key" -d 'Print the L1 key of a request (canonical JSON fingerprint), for `cachecore entry`'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "completions" -d 'Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell)'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "man" -d 'Install the man pages (one per subcommand), or print the main one'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "audit" -d 'Show the audit trail (stream cc:audit): who changed what, newest first'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "consume" -d 'Invalidate from events in Redis Streams, as one consumer of a consumer group'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "doctor" -d 'Check that this Redis is safe for Cachecore and how healthy its dep sets are'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "demo" -d 'Fill a Redis with a realistic synthetic data set to try every command on'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "sandbox" -d 'Try cachecore on a private, throwaway Redis filled with the demo data set'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "serve" -d 'Serve the HTTP invalidation API (for webhooks) on this Redis'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "gateway" -d 'An OpenAI-compatible caching proxy on this Redis, with the HTTP API beside it'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "token" -d 'Create, list and revoke the HTTP API\'s tokens (stored hashed in Redis)'
complete -c cachecore -n "__fish_cachecore_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l new-hash -d 'The dep\'s new hash (data version). Default: a unique generated one' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l if-hash -d 'Only if the current hash is HASH (compare-and-set); otherwise exit 1, changing nothing' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l max-keys -d 'Refuse, changing nothing, when the dep set holds more than N members' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l batch-size -d 'Members per SSCAN/UNLINK round trip; bounds how long Redis is held per command' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l rate -d 'At most N keys deleted per second (a throttle for a busy production Redis)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l pipeline -d 'UNLINK batches in flight at once (advanced; the default keeps Redis busy)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l if-unset -d 'Only if the dep has no current hash yet (compare-and-set); otherwise exit 1'
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l soft -d 'Record the new hash only; entries become stale now and expire by their TTL'
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l dry-run -d 'Report what would be deleted (counts per tier and a sample of keys); write nothing'
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l file -d 'Read deps from FILE (`-` for stdin): one dep id per line (`#` comments), or JSON Lines {"dep_id": "...", "new_hash": "...", "if_hash": "..."}. A leading byte-order mark is ignored' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l format -d 'Input format; auto detects JSON Lines by a leading `{`' -r -f -a "auto\t'JSON Lines when the first significant line starts with `{`, else plain'
plain\t'One dep id per line; `#` comments and blank lines are ignored'
jsonl\t'One JSON object per line with `dep_id`, and optionally `new_hash` and `if_hash`'"
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l max-lines -d 'Refuse an input of more than N lines (exit 2, nothing changed). Lines are at most 8 KiB each' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l dep-ids -d 'Comma-separated dep ids instead of a file' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l new-hash -d 'New hash for deps whose line gives none. Default: a unique generated one per dep' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l wave -d 'Deps per wave: each step of a wave is one pipeline for all its deps' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l concurrency -d 'Waves in flight at once' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l max-keys -d 'Refuse, changing nothing, when the dep sets hold more than N members in all' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l batch-size -d 'Members per SSCAN/UNLINK round trip; bounds how long Redis is held per command' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l rate -d 'At most N keys deleted per second (a throttle for a busy production Redis)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l pipeline -d 'UNLINK batches in flight at once (advanced; the default keeps Redis busy)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l dry-run -d 'Report what would be deleted; write nothing'
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -s y -l yes -d 'Do not ask for confirmation (it is only asked when stdin is a terminal)'
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand invalidate-many" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and not __fish_seen_subcommand_from list prune inspect help" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and not __fish_seen_subcommand_from list prune inspect help" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and not __fish_seen_subcommand_from list prune inspect help" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and not __fish_seen_subcommand_from list prune inspect help" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and not __fish_seen_subcommand_from list prune inspect help" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and not __fish_seen_subcommand_from list prune inspect help" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and not __fish_seen_subcommand_from list prune inspect help" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and not __fish_seen_subcommand_from list prune inspect help" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and not __fish_seen_subcommand_from list prune inspect help" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and not __fish_seen_subcommand_from list prune inspect help" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and not __fish_seen_subcommand_from list prune inspect help" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and not __fish_seen_subcommand_from list prune inspect help" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and not __fish_seen_subcommand_from list prune inspect help" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and not __fish_seen_subcommand_from list prune inspect help" -s h -l help -d 'Print help'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and not __fish_seen_subcommand_from list prune inspect help" -f -a "list" -d 'Every dep set, with its member count and current hash'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and not __fish_seen_subcommand_from list prune inspect help" -f -a "prune" -d 'Remove members whose entry no longer exists, delete emptied sets, and optionally retire old hash records'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and not __fish_seen_subcommand_from list prune inspect help" -f -a "inspect" -d 'Current hash, members, L1/L2 split, live vs dangling, fresh vs stale of each dep'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and not __fish_seen_subcommand_from list prune inspect help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from list" -l pattern -d 'Only dep ids matching this glob (the `cc:dep:keys:` prefix is added, never matched)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from list" -l top -d 'Only the first N by --sort (memory: N rows). Without it rows stream in scan order' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from list" -l sort -d 'Order of --top (and of the full list, which then is held in memory)' -r -f -a "members\t'Largest dep sets first'
id\t'By dep id'"
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from list" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from list" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from list" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from list" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from list" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from list" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from list" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from list" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from list" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from list" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from list" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from list" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -l pattern -d 'Only dep ids matching this glob [default: *, every dep: off a terminal that needs --yes]' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -l retire-after -d 'Also retire hash records of deps with no tracked entries and no unfinished invalidation, last written longer ago than DURATION (with a unit: 8h, 8d). DURATION must exceed the longest entry TTL plus the longest request time (see docs/invalidation.md: retiring hash records). Refused, with nothing changed, when a live entry has no TTL or a remaining TTL longer than DURATION' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -l batch-size -d 'Members per SSCAN round trip' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -l dry-run -d 'Report what would be removed; write nothing'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -s y -l yes -d 'Do not ask for confirmation (it is only asked when stdin is a terminal)'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -l file -d 'Read deps from FILE (`-` for stdin): one dep id per line (`#` comments), or JSON Lines {"dep_id": "...", "new_hash": "...", "if_hash": "..."}. A leading byte-order mark is ignored' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -l format -d 'Input format; auto detects JSON Lines by a leading `{`' -r -f -a "auto\t'JSON Lines when the first significant line starts with `{`, else plain'
plain\t'One dep id per line; `#` comments and blank lines are ignored'
jsonl\t'One JSON object per line with `dep_id`, and optionally `new_hash` and `if_hash`'"
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -l max-lines -d 'Refuse an input of more than N lines (exit 2, nothing changed). Lines are at most 8 KiB each' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -l expect-hash -d 'Exit 1 unless the current hash is HASH and no live entry is stale or unreadable' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -l batch-size -d 'Members per SSCAN round trip' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -l keys -d 'List every member with its TTL and verdict (streamed; JSON Lines with --json)'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every dep set, with its member count and current hash'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Remove members whose entry no longer exists, delete emptied sets, and optionally retire old hash records'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from help" -f -a "inspect" -d 'Current hash, members, L1/L2 split, live vs dangling, fresh vs stale of each dep'
complete -c cachecore -n "__fish_cachecore_using_subcommand deps; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cachecore -n "__fish_cachecore_using_subcommand entry" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand entry" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand entry" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand entry" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand entry" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand entry" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand entry" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand entry" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand entry" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand entry" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand entry" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand entry" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand entry" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand entry" -s h -l help -d 'Print help'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -s h -l help -d 'Print help'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -f -a "show" -d 'A namespace\'s current policy version'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -f -a "list" -d 'Every namespace found, with its policy version and entry counts (scans the keyspace)'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -f -a "roll" -d 'Record the next policy version: every entry of the namespace is stale at once'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -f -a "purge" -d 'Delete the namespace\'s entries that are not at the current policy version (finishes an interrupted `roll --purge`, or purges after a roll without it)'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and not __fish_seen_subcommand_from show list roll purge help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from show" -s n -l namespace -d 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from show" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from show" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from show" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from show" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from show" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from show" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from show" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from show" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from show" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from show" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from show" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from show" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from show" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from list" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from list" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from list" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from list" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from list" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from list" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from list" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from list" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from list" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from list" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from list" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from list" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -s n -l namespace -d 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -l to -d 'The new version. Default: the current one plus 1 (numeric versions only). A version the namespace had before (including "1") is refused' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -l batch-size -d 'Keys per SCAN/UNLINK round trip of the purge' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -l purge -d 'Then delete the namespace\'s entries written before the roll (cursor SCAN)'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -l dry-run -d 'Report the new version (and, with --purge, what would be deleted); write nothing'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -s y -l yes -d 'Do not ask for confirmation (it is only asked when stdin is a terminal)'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from roll" -s h -l help -d 'Print help'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from purge" -s n -l namespace -d 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from purge" -l batch-size -d 'Keys per SCAN/UNLINK round trip' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from purge" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from purge" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from purge" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from purge" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from purge" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from purge" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from purge" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from purge" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from purge" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from purge" -l dry-run -d 'Report what would be deleted; write nothing'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from purge" -s y -l yes -d 'Do not ask for confirmation (it is only asked when stdin is a terminal)'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from purge" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from purge" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from purge" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from purge" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from purge" -s h -l help -d 'Print help'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "show" -d 'A namespace\'s current policy version'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every namespace found, with its policy version and entry counts (scans the keyspace)'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "roll" -d 'Record the next policy version: every entry of the namespace is stale at once'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "purge" -d 'Delete the namespace\'s entries that are not at the current policy version (finishes an interrupted `roll --purge`, or purges after a roll without it)'
complete -c cachecore -n "__fish_cachecore_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cachecore -n "__fish_cachecore_using_subcommand tag" -l match -d 'Tag every entry whose key matches this SCAN glob instead (e.g. \'cc:l1:shop:*\')' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand tag" -l dep -d 'A dep to add, as ID or ID=HASH (default hash: the dep\'s current one). Repeatable. The first `=` separates id and hash' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand tag" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand tag" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand tag" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand tag" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand tag" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand tag" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand tag" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand tag" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand tag" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand tag" -l dry-run -d 'Report what would change; write nothing'
complete -c cachecore -n "__fish_cachecore_using_subcommand tag" -s y -l yes -d 'Do not ask for confirmation of --match (it is only asked when stdin is a terminal)'
complete -c cachecore -n "__fish_cachecore_using_subcommand tag" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand tag" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand tag" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand tag" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand tag" -s h -l help -d 'Print help'
complete -c cachecore -n "__fish_cachecore_using_subcommand untag" -l dep -d 'A dep to remove. Repeatable' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand untag" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand untag" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand untag" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand untag" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand untag" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand untag" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand untag" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand untag" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand untag" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand untag" -l dry-run -d 'Report what would change; write nothing'
complete -c cachecore -n "__fish_cachecore_using_subcommand untag" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand untag" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand untag" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand untag" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand untag" -s h -l help -d 'Print help'
complete -c cachecore -n "__fish_cachecore_using_subcommand key" -s n -l namespace -d 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand key" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand key" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand key" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand key" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand key" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand key" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand key" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand key" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand key" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand key" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand key" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand key" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand key" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand key" -s h -l help -d 'Print help'
complete -c cachecore -n "__fish_cachecore_using_subcommand completions" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand completions" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand completions" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand completions" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand completions" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand completions" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand completions" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand completions" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand completions" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand completions" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand completions" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand completions" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand completions" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand completions" -s h -l help -d 'Print help'
complete -c cachecore -n "__fish_cachecore_using_subcommand man" -l install-dir -d 'Install every page under the man root DIR (into DIR/man1, created if missing), e.g. ~/.local/share/man; a DIR that ends in man1 is used as it is. Without it the main page is printed on stdout' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand man" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand man" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand man" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand man" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand man" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand man" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand man" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand man" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand man" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand man" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand man" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand man" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand man" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cachecore -n "__fish_cachecore_using_subcommand audit" -l since -d 'Only records newer than this (e.g. 1h, 7d)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand audit" -l limit -d 'At most this many records' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand audit" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand audit" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand audit" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand audit" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand audit" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand audit" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand audit" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand audit" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand audit" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand audit" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand audit" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand audit" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand audit" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand audit" -s h -l help -d 'Print help'
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l stream -d 'A stream to consume (repeat the flag for several)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l group -d 'The consumer group; created (with the stream, if missing) at --from' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l consumer -d 'This consumer\'s name in the group [default: host name and process id]' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l from -d 'Where a group created now starts: 0 (every event the stream holds), $ (only new ones: the ones it holds are skipped) or an entry id. The start note says how many events that reads or skips. Ignored for a group that exists [default: 0]' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l batch -d 'Entries per read (XREADGROUP COUNT); one batch is invalidated as one wave' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l concurrency -d 'Batches in flight at once (each one pipeline per step; the default keeps Redis busy)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l block -d 'How long one read waits for new entries (at most half of --timeout)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l claim-idle -d 'Claim entries pending this long on any consumer (one that died, or this one\'s failures), with XAUTOCLAIM' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l max-attempts -d 'An event that fails this many deliveries (for a reason other than a Redis outage) goes to the dead-letter stream' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l dead-letter -d 'The dead-letter stream; {stream} is the source stream\'s name' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l format -d 'The events\' format' -r -f -a "native\t'Fields dep_id, and optionally new_hash, if_hash, soft, reason'
debezium\t'Debezium Server\'s Redis sink, compact or extended message format (detected per entry); deps and hash come from --dep and --hash'"
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l dep -d 'Debezium: a dep to invalidate per change event, as a template (repeatable): {row.COL} is the row after the change (before it for a delete), {key} or {key.COL} the event key, any other name a path into the payload ({source.table}, {ts_ms}); {{ and }} are literal braces' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l hash -d 'The new hash as a template (e.g. \'{after.version}\') [default: a unique generated hash per event]. Give it only for a version your application declares when it caches: a hash from the change stream (such as \'{source.lsn}\') is never one' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l null-marker -d 'Debezium: the text Debezium Server writes for a null key or value (its debezium.sink.redis.null.key and null.value); such a value is a tombstone' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l max-clock-skew -d 'How far an event\'s entry id may be ahead of the Redis server\'s clock (at most 1h). An event further ahead is dead-lettered and never becomes its deps\' order mark, which would make every later event of the dep look older' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l max-outage -d 'Give up (exit 3) when Redis stays unreachable this long [default: never; 30s with --until-idle]. Until then an outage is retried with backoff, nothing dead-lettered' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l batch-size -d 'Members per SSCAN/UNLINK round trip; bounds how long Redis is held per command' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l rate -d 'At most N keys deleted per second (a throttle for a busy production Redis)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l pipeline -d 'UNLINK batches in flight at once (advanced; the default keeps Redis busy)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l until-idle -d 'Exit 0 once no new and no pending entry is left in the group (for scripts and tests); without it the consumer runs until stopped'
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l soft -d 'Record each event\'s hash only: entries become stale at once and expire by TTL'
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l status -d 'Show each stream\'s group: lag, pending entries, consumers and their idle time, and the dead-letter stream\'s length. Reads only'
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand consume" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cachecore -n "__fish_cachecore_using_subcommand doctor" -l sample-sets -d 'How many dep sets to sample for sizes' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand doctor" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand doctor" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand doctor" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand doctor" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand doctor" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand doctor" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand doctor" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand doctor" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand doctor" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand doctor" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand doctor" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand doctor" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand doctor" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cachecore -n "__fish_cachecore_using_subcommand demo" -l entries -d 'How many entries to write (every fifth one L2)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand demo" -s n -l namespace -d 'The namespace to write them in' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand demo" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand demo" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand demo" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand demo" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand demo" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand demo" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand demo" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand demo" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand demo" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand demo" -l force -d 'Write even if the namespace already holds entries'
complete -c cachecore -n "__fish_cachecore_using_subcommand demo" -l yes -d 'Write even if the server holds keys that are not Cachecore\'s (demo data belongs on a scratch server: on a terminal the question is asked instead)'
complete -c cachecore -n "__fish_cachecore_using_subcommand demo" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand demo" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand demo" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand demo" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cachecore -n "__fish_cachecore_using_subcommand sandbox" -l entries -d 'How many demo entries to write before running COMMAND (every fifth one L2)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand sandbox" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand sandbox" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand sandbox" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand sandbox" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand sandbox" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand sandbox" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand sandbox" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand sandbox" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand sandbox" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand sandbox" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand sandbox" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand sandbox" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand sandbox" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand sandbox" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l listen -d 'Address to listen on (host:port; port 0 picks a free one, logged at start)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l listen-cert -d 'Serve HTTPS with this PEM certificate chain (with --listen-key). Distinct from --tls-cert, which is the client certificate for Redis' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l listen-key -d 'The PEM private key of --listen-cert' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l drain-budget -d 'How long POST /v1/invalidate waits for the drain before answering 202 with a job URL (the drain then goes on in the background)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l rate-limit -d 'Requests per second each token may make on this replica (a token bucket holding one second\'s worth); more are answered 429' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l auth-failure-limit -d 'Failed authentications (401) per second each client address may make (a bucket holding one second\'s worth); more are answered 429 before any Redis round trip' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l header-timeout -d 'How long a connection may wait for a complete request head: from accept (TLS handshake included), and between requests on a kept-alive connection. Then it is closed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l body-timeout -d 'How long a request body may take to arrive once its head is in; then 408 and the connection is closed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l max-connections -d 'Client connections open at once. At the limit the longest-idle connection is closed for a new one; with none idle, 32 more are let in for health checks only. Lowered at start to fit the open-file limit (which serve raises to its hard limit)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l anonymous-scope -d 'What requests without any credential may do, repeatable (the token scope language: a dep-id glob, or policy:NS). Off by default. For the product\'s client library, whose invalidate sends no credential. Refused on a listener other hosts can reach unless --anonymous-on-public-listener is given too' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l anonymous-rate-limit -d 'Anonymous requests per second per client address (a bucket holding one second\'s worth); more are answered 429. High enough for the client library\'s invalidate_many, which sends one request per dep, all at once' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l jwt-scope -d 'Accept the product\'s HS256 JWTs (eyJ... or cc_live_....eyJ..., with an exp claim and a tenant_id of A-Z a-z 0-9 _ . -) and grant them these scopes, repeatable. Needs the secret: --jwt-secret-file, or the environment variable CACHECORE_JWT_SECRET (never a flag value, which any user can read in the process list)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l jwt-secret-file -d 'The HS256 secret of the product\'s JWTs, read from this file (a final newline is dropped; at least 32 bytes)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l batch-size -d 'Members per SSCAN/UNLINK round trip; bounds how long Redis is held per command' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l rate -d 'At most N keys deleted per second (a throttle for a busy production Redis)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l pipeline -d 'UNLINK batches in flight at once (advanced; the default keeps Redis busy)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l anonymous-on-public-listener -d 'Acknowledges that --anonymous-scope applies on a non-loopback --listen: anyone who can connect may invalidate what those scopes match'
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l listen -d 'Address to listen on (host:port; port 0 picks a free one, logged at start)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l listen-cert -d 'Serve HTTPS with this PEM certificate chain (with --listen-key). Distinct from --tls-cert, which is the client certificate for Redis' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l listen-key -d 'The PEM private key of --listen-cert' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l drain-budget -d 'How long POST /v1/invalidate waits for the drain before answering 202 with a job URL (the drain then goes on in the background)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l rate-limit -d 'Requests per second each token may make on this replica (a token bucket holding one second\'s worth); more are answered 429' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l auth-failure-limit -d 'Failed authentications (401) per second each client address may make (a bucket holding one second\'s worth); more are answered 429 before any Redis round trip' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l header-timeout -d 'How long a connection may wait for a complete request head: from accept (TLS handshake included), and between requests on a kept-alive connection. Then it is closed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l body-timeout -d 'How long a request body may take to arrive once its head is in; then 408 and the connection is closed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l max-connections -d 'Client connections open at once. At the limit the longest-idle connection is closed for a new one; with none idle, 32 more are let in for health checks only. Lowered at start to fit the open-file limit (which serve raises to its hard limit)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l anonymous-scope -d 'What requests without any credential may do, repeatable (the token scope language: a dep-id glob, or policy:NS). Off by default. For the product\'s client library, whose invalidate sends no credential. Refused on a listener other hosts can reach unless --anonymous-on-public-listener is given too' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l anonymous-rate-limit -d 'Anonymous requests per second per client address (a bucket holding one second\'s worth); more are answered 429. High enough for the client library\'s invalidate_many, which sends one request per dep, all at once' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l jwt-scope -d 'Accept the product\'s HS256 JWTs (eyJ... or cc_live_....eyJ..., with an exp claim and a tenant_id of A-Z a-z 0-9 _ . -) and grant them these scopes, repeatable. Needs the secret: --jwt-secret-file, or the environment variable CACHECORE_JWT_SECRET (never a flag value, which any user can read in the process list)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l jwt-secret-file -d 'The HS256 secret of the product\'s JWTs, read from this file (a final newline is dropped; at least 32 bytes)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l batch-size -d 'Members per SSCAN/UNLINK round trip; bounds how long Redis is held per command' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l rate -d 'At most N keys deleted per second (a throttle for a busy production Redis)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l pipeline -d 'UNLINK batches in flight at once (advanced; the default keeps Redis busy)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l upstream -d 'The OpenAI-compatible base URL requests go to, e.g. https://api.openai.com/v1' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l upstream-key-file -d 'The upstream\'s API key, read from this file (a final newline is dropped). Else the environment variable CACHECORE_UPSTREAM_KEY; never a flag value' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l upstream-timeout -d 'How long the upstream may take to send its response head, and then its whole non-streamed body' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l fresh-ttl -d 'How long an entry is served as HIT_L1' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l stale-window -d 'After --fresh-ttl, how long an entry is still served (HIT_L1_STALE) while one background refresh runs. The entry\'s TTL is the sum' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l coalesce-wait -d 'How long identical concurrent misses wait for the first one\'s entry before going upstream themselves' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l bypass-rate-limit -d 'Requests without a cachecore credential (BYPASS) per second per client address' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l redis-timeout -d 'The longest any Redis step of a request may take; past it the request goes on uncached (the cache fails open)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l anonymous-on-public-listener -d 'Acknowledges that --anonymous-scope applies on a non-loopback --listen: anyone who can connect may invalidate what those scopes match'
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand gateway" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -s h -l help -d 'Print help'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "create" -d 'Create a token and print it once (only its SHA-256 is stored)'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "list" -d 'Every token: name, scopes, created, last used (never the secret)'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "revoke" -d 'Revoke a token: every replica refuses it from the next request on'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from create" -l scope -d 'What the token may do, repeatable: a dep-id glob (`doc:*`, `table:products`, `user:?42`; `*` and `?` only) allows invalidating and reading matching deps; `policy:NS` (or a glob like `policy:*`) allows rolling that namespace\'s policy. Optional with --namespace: a token for the gateway only' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from create" -l namespace -d 'The namespace `cachecore gateway` caches this token\'s requests in (1-64 of A-Z a-z 0-9 _ . -); `default` when not given' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from create" -l fresh-ttl -d 'This token\'s own fresh window in `cachecore gateway` (whole seconds, e.g. 300s or 1h), instead of the gateway\'s --fresh-ttl: the per-credential override a JWT\'s `fresh_ttl_secs` claim gives' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from create" -l stale-window -d 'This token\'s own stale window in `cachecore gateway` (whole seconds), instead of the gateway\'s --stale-window (a JWT\'s `stale_window_secs`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from create" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from create" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from create" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from create" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from create" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from create" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from create" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from create" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from create" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from create" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from create" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from create" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from create" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from list" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from list" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from list" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from list" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from list" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from list" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from list" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from list" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from list" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from list" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from list" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from list" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from revoke" -l redis-url -d 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from revoke" -l user -d 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from revoke" -l password-file -d 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from revoke" -l tls-ca -d 'PEM file of the certificate authorities to trust for rediss:// (default: the system\'s trust store)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from revoke" -l tls-cert -d 'PEM client certificate for mutual TLS (with --tls-key)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from revoke" -l tls-key -d 'PEM private key of the client certificate (with --tls-cert)' -r -F
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from revoke" -l timeout -d 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from revoke" -l color -d 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from revoke" -l reason -d 'Why: recorded with every change in the audit trail (`cachecore audit`)' -r
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from revoke" -l cluster -d 'Treat the server as a Redis Cluster (detected automatically otherwise)'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from revoke" -l tls-insecure -d 'Do not verify the server\'s certificate: for self-signed test setups only'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from revoke" -l json -d 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'No progress bars or notes on stderr; results and errors are still printed'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a token and print it once (only its SHA-256 is stored)'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every token: name, scopes, created, last used (never the secret)'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke a token: every replica refuses it from the next request on'
complete -c cachecore -n "__fish_cachecore_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "invalidate" -d 'Invalidate one dep: record its new hash, then delete every entry tagged with it'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "invalidate-many" -d 'Invalidate many deps from a file, stdin or a list, with bounded concurrency'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "deps" -d 'Inspect and maintain dep sets'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "entry" -d 'Show one entry: its deps with recorded and current hash, and whether it is fresh'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "policy" -d 'Show, list and roll namespaces\' policy versions'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "tag" -d 'Add deps to existing entries (their deps field and the dep sets)'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "untag" -d 'Remove deps from entries (their deps field and the dep sets)'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "key" -d 'Print the L1 key of a request (canonical JSON fingerprint), for `cachecore entry`'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "completions" -d 'Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell)'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "man" -d 'Install the man pages (one per subcommand), or print the main one'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "audit" -d 'Show the audit trail (stream cc:audit): who changed what, newest first'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "consume" -d 'Invalidate from events in Redis Streams, as one consumer of a consumer group'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "doctor" -d 'Check that this Redis is safe for Cachecore and how healthy its dep sets are'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "demo" -d 'Fill a Redis with a realistic synthetic data set to try every command on'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "sandbox" -d 'Try cachecore on a private, throwaway Redis filled with the demo data set'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "serve" -d 'Serve the HTTP invalidation API (for webhooks) on this Redis'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "gateway" -d 'An OpenAI-compatible caching proxy on this Redis, with the HTTP API beside it'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "token" -d 'Create, list and revoke the HTTP API\'s tokens (stored hashed in Redis)'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and not __fish_seen_subcommand_from invalidate invalidate-many deps entry policy tag untag key completions man audit consume doctor demo sandbox serve gateway token help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and __fish_seen_subcommand_from deps" -f -a "list" -d 'Every dep set, with its member count and current hash'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and __fish_seen_subcommand_from deps" -f -a "prune" -d 'Remove members whose entry no longer exists, delete emptied sets, and optionally retire old hash records'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and __fish_seen_subcommand_from deps" -f -a "inspect" -d 'Current hash, members, L1/L2 split, live vs dangling, fresh vs stale of each dep'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "show" -d 'A namespace\'s current policy version'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "list" -d 'Every namespace found, with its policy version and entry counts (scans the keyspace)'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "roll" -d 'Record the next policy version: every entry of the namespace is stale at once'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "purge" -d 'Delete the namespace\'s entries that are not at the current policy version (finishes an interrupted `roll --purge`, or purges after a roll without it)'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "create" -d 'Create a token and print it once (only its SHA-256 is stored)'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "list" -d 'Every token: name, scopes, created, last used (never the secret)'
complete -c cachecore -n "__fish_cachecore_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "revoke" -d 'Revoke a token: every replica refuses it from the next request on'
