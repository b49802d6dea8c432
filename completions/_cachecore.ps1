
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'cachecore' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'cachecore'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'cachecore' {
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('invalidate', 'invalidate', [CompletionResultType]::ParameterValue, 'Invalidate one dep: record its new hash, then delete every entry tagged with it')
            [CompletionResult]::new('invalidate-many', 'invalidate-many', [CompletionResultType]::ParameterValue, 'Invalidate many deps from a file, stdin or a list, with bounded concurrency')
            [CompletionResult]::new('deps', 'deps', [CompletionResultType]::ParameterValue, 'Inspect and maintain dep sets')
            [CompletionResult]::new('entry', 'entry', [CompletionResultType]::ParameterValue, 'Show one entry: its deps with recorded and current hash, and whether it is fresh')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Show, list and roll namespaces'' policy versions')
            [CompletionResult]::new('tag', 'tag', [CompletionResultType]::ParameterValue, 'Add deps to existing entries (their deps field and the dep sets)')
            [CompletionResult]::new('untag', 'untag', [CompletionResultType]::ParameterValue, 'Remove deps from entries (their deps field and the dep sets)')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Print the L1 key of a request (canonical JSON fingerprint), for `cachecore entry`')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Install the man pages (one per subcommand), or print the main one')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show the audit trail (stream cc:audit): who changed what, newest first')
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Invalidate from events in Redis Streams, as one consumer of a consumer group')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check that this Redis is safe for Cachecore and how healthy its dep sets are')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Fill a Redis with a realistic synthetic data set to try every command on')
            [CompletionResult]::new('sandbox', 'sandbox', [CompletionResultType]::ParameterValue, 'Try cachecore on a private, throwaway Redis filled with the demo data set')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the HTTP invalidation API (for webhooks) on this Redis')
            [CompletionResult]::new('gateway', 'gateway', [CompletionResultType]::ParameterValue, 'An OpenAI-compatible caching proxy on this Redis, with the HTTP API beside it')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Create, list and revoke the HTTP API''s tokens (stored hashed in Redis)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cachecore;invalidate' {
            [CompletionResult]::new('--new-hash', '--new-hash', [CompletionResultType]::ParameterName, 'The dep''s new hash (data version). Default: a unique generated one')
            [CompletionResult]::new('--if-hash', '--if-hash', [CompletionResultType]::ParameterName, 'Only if the current hash is HASH (compare-and-set); otherwise exit 1, changing nothing')
            [CompletionResult]::new('--max-keys', '--max-keys', [CompletionResultType]::ParameterName, 'Refuse, changing nothing, when the dep set holds more than N members')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Members per SSCAN/UNLINK round trip; bounds how long Redis is held per command')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'At most N keys deleted per second (a throttle for a busy production Redis)')
            [CompletionResult]::new('--pipeline', '--pipeline', [CompletionResultType]::ParameterName, 'UNLINK batches in flight at once (advanced; the default keeps Redis busy)')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--if-unset', '--if-unset', [CompletionResultType]::ParameterName, 'Only if the dep has no current hash yet (compare-and-set); otherwise exit 1')
            [CompletionResult]::new('--soft', '--soft', [CompletionResultType]::ParameterName, 'Record the new hash only; entries become stale now and expire by their TTL')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Report what would be deleted (counts per tier and a sample of keys); write nothing')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cachecore;invalidate-many' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read deps from FILE (`-` for stdin): one dep id per line (`#` comments), or JSON Lines {"dep_id": "...", "new_hash": "...", "if_hash": "..."}. A leading byte-order mark is ignored')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Input format; auto detects JSON Lines by a leading `{`')
            [CompletionResult]::new('--max-lines', '--max-lines', [CompletionResultType]::ParameterName, 'Refuse an input of more than N lines (exit 2, nothing changed). Lines are at most 8 KiB each')
            [CompletionResult]::new('--dep-ids', '--dep-ids', [CompletionResultType]::ParameterName, 'Comma-separated dep ids instead of a file')
            [CompletionResult]::new('--new-hash', '--new-hash', [CompletionResultType]::ParameterName, 'New hash for deps whose line gives none. Default: a unique generated one per dep')
            [CompletionResult]::new('--wave', '--wave', [CompletionResultType]::ParameterName, 'Deps per wave: each step of a wave is one pipeline for all its deps')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Waves in flight at once')
            [CompletionResult]::new('--max-keys', '--max-keys', [CompletionResultType]::ParameterName, 'Refuse, changing nothing, when the dep sets hold more than N members in all')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Members per SSCAN/UNLINK round trip; bounds how long Redis is held per command')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'At most N keys deleted per second (a throttle for a busy production Redis)')
            [CompletionResult]::new('--pipeline', '--pipeline', [CompletionResultType]::ParameterName, 'UNLINK batches in flight at once (advanced; the default keeps Redis busy)')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Report what would be deleted; write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (it is only asked when stdin is a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (it is only asked when stdin is a terminal)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cachecore;deps' {
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every dep set, with its member count and current hash')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove members whose entry no longer exists, delete emptied sets, and optionally retire old hash records')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Current hash, members, L1/L2 split, live vs dangling, fresh vs stale of each dep')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cachecore;deps;list' {
            [CompletionResult]::new('--pattern', '--pattern', [CompletionResultType]::ParameterName, 'Only dep ids matching this glob (the `cc:dep:keys:` prefix is added, never matched)')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'Only the first N by --sort (memory: N rows). Without it rows stream in scan order')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order of --top (and of the full list, which then is held in memory)')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cachecore;deps;prune' {
            [CompletionResult]::new('--pattern', '--pattern', [CompletionResultType]::ParameterName, 'Only dep ids matching this glob [default: *, every dep: off a terminal that needs --yes]')
            [CompletionResult]::new('--retire-after', '--retire-after', [CompletionResultType]::ParameterName, 'Also retire hash records of deps with no tracked entries and no unfinished invalidation, last written longer ago than DURATION (with a unit: 8h, 8d). DURATION must exceed the longest entry TTL plus the longest request time (see docs/invalidation.md: retiring hash records). Refused, with nothing changed, when a live entry has no TTL or a remaining TTL longer than DURATION')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Members per SSCAN round trip')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Report what would be removed; write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (it is only asked when stdin is a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (it is only asked when stdin is a terminal)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cachecore;deps;inspect' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read deps from FILE (`-` for stdin): one dep id per line (`#` comments), or JSON Lines {"dep_id": "...", "new_hash": "...", "if_hash": "..."}. A leading byte-order mark is ignored')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Input format; auto detects JSON Lines by a leading `{`')
            [CompletionResult]::new('--max-lines', '--max-lines', [CompletionResultType]::ParameterName, 'Refuse an input of more than N lines (exit 2, nothing changed). Lines are at most 8 KiB each')
            [CompletionResult]::new('--expect-hash', '--expect-hash', [CompletionResultType]::ParameterName, 'Exit 1 unless the current hash is HASH and no live entry is stale or unreadable')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Members per SSCAN round trip')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'List every member with its TTL and verdict (streamed; JSON Lines with --json)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cachecore;deps;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every dep set, with its member count and current hash')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove members whose entry no longer exists, delete emptied sets, and optionally retire old hash records')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Current hash, members, L1/L2 split, live vs dangling, fresh vs stale of each dep')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cachecore;deps;help;list' {
            break
        }
        'cachecore;deps;help;prune' {
            break
        }
        'cachecore;deps;help;inspect' {
            break
        }
        'cachecore;deps;help;help' {
            break
        }
        'cachecore;entry' {
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cachecore;policy' {
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'A namespace''s current policy version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every namespace found, with its policy version and entry counts (scans the keyspace)')
            [CompletionResult]::new('roll', 'roll', [CompletionResultType]::ParameterValue, 'Record the next policy version: every entry of the namespace is stale at once')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Delete the namespace''s entries that are not at the current policy version (finishes an interrupted `roll --purge`, or purges after a roll without it)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cachecore;policy;show' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cachecore;policy;list' {
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cachecore;policy;roll' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The new version. Default: the current one plus 1 (numeric versions only). A version the namespace had before (including "1") is refused')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Keys per SCAN/UNLINK round trip of the purge')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--purge', '--purge', [CompletionResultType]::ParameterName, 'Then delete the namespace''s entries written before the roll (cursor SCAN)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Report the new version (and, with --purge, what would be deleted); write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (it is only asked when stdin is a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (it is only asked when stdin is a terminal)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cachecore;policy;purge' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Keys per SCAN/UNLINK round trip')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Report what would be deleted; write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (it is only asked when stdin is a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (it is only asked when stdin is a terminal)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cachecore;policy;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'A namespace''s current policy version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every namespace found, with its policy version and entry counts (scans the keyspace)')
            [CompletionResult]::new('roll', 'roll', [CompletionResultType]::ParameterValue, 'Record the next policy version: every entry of the namespace is stale at once')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Delete the namespace''s entries that are not at the current policy version (finishes an interrupted `roll --purge`, or purges after a roll without it)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cachecore;policy;help;show' {
            break
        }
        'cachecore;policy;help;list' {
            break
        }
        'cachecore;policy;help;roll' {
            break
        }
        'cachecore;policy;help;purge' {
            break
        }
        'cachecore;policy;help;help' {
            break
        }
        'cachecore;tag' {
            [CompletionResult]::new('--match', '--match', [CompletionResultType]::ParameterName, 'Tag every entry whose key matches this SCAN glob instead (e.g. ''cc:l1:shop:*'')')
            [CompletionResult]::new('--dep', '--dep', [CompletionResultType]::ParameterName, 'A dep to add, as ID or ID=HASH (default hash: the dep''s current one). Repeatable. The first `=` separates id and hash')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Report what would change; write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation of --match (it is only asked when stdin is a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation of --match (it is only asked when stdin is a terminal)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cachecore;untag' {
            [CompletionResult]::new('--dep', '--dep', [CompletionResultType]::ParameterName, 'A dep to remove. Repeatable')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Report what would change; write nothing')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cachecore;key' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cachecore;completions' {
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cachecore;man' {
            [CompletionResult]::new('--install-dir', '--install-dir', [CompletionResultType]::ParameterName, 'Install every page under the man root DIR (into DIR/man1, created if missing), e.g. ~/.local/share/man; a DIR that ends in man1 is used as it is. Without it the main page is printed on stdout')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cachecore;audit' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only records newer than this (e.g. 1h, 7d)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many records')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cachecore;consume' {
            [CompletionResult]::new('--stream', '--stream', [CompletionResultType]::ParameterName, 'A stream to consume (repeat the flag for several)')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'The consumer group; created (with the stream, if missing) at --from')
            [CompletionResult]::new('--consumer', '--consumer', [CompletionResultType]::ParameterName, 'This consumer''s name in the group [default: host name and process id]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Where a group created now starts: 0 (every event the stream holds), $ (only new ones: the ones it holds are skipped) or an entry id. The start note says how many events that reads or skips. Ignored for a group that exists [default: 0]')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Entries per read (XREADGROUP COUNT); one batch is invalidated as one wave')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Batches in flight at once (each one pipeline per step; the default keeps Redis busy)')
            [CompletionResult]::new('--block', '--block', [CompletionResultType]::ParameterName, 'How long one read waits for new entries (at most half of --timeout)')
            [CompletionResult]::new('--claim-idle', '--claim-idle', [CompletionResultType]::ParameterName, 'Claim entries pending this long on any consumer (one that died, or this one''s failures), with XAUTOCLAIM')
            [CompletionResult]::new('--max-attempts', '--max-attempts', [CompletionResultType]::ParameterName, 'An event that fails this many deliveries (for a reason other than a Redis outage) goes to the dead-letter stream')
            [CompletionResult]::new('--dead-letter', '--dead-letter', [CompletionResultType]::ParameterName, 'The dead-letter stream; {stream} is the source stream''s name')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The events'' format')
            [CompletionResult]::new('--dep', '--dep', [CompletionResultType]::ParameterName, 'Debezium: a dep to invalidate per change event, as a template (repeatable): {row.COL} is the row after the change (before it for a delete), {key} or {key.COL} the event key, any other name a path into the payload ({source.table}, {ts_ms}); {{ and }} are literal braces')
            [CompletionResult]::new('--hash', '--hash', [CompletionResultType]::ParameterName, 'The new hash as a template (e.g. ''{after.version}'') [default: a unique generated hash per event]. Give it only for a version your application declares when it caches: a hash from the change stream (such as ''{source.lsn}'') is never one')
            [CompletionResult]::new('--null-marker', '--null-marker', [CompletionResultType]::ParameterName, 'Debezium: the text Debezium Server writes for a null key or value (its debezium.sink.redis.null.key and null.value); such a value is a tombstone')
            [CompletionResult]::new('--max-clock-skew', '--max-clock-skew', [CompletionResultType]::ParameterName, 'How far an event''s entry id may be ahead of the Redis server''s clock (at most 1h). An event further ahead is dead-lettered and never becomes its deps'' order mark, which would make every later event of the dep look older')
            [CompletionResult]::new('--max-outage', '--max-outage', [CompletionResultType]::ParameterName, 'Give up (exit 3) when Redis stays unreachable this long [default: never; 30s with --until-idle]. Until then an outage is retried with backoff, nothing dead-lettered')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Members per SSCAN/UNLINK round trip; bounds how long Redis is held per command')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'At most N keys deleted per second (a throttle for a busy production Redis)')
            [CompletionResult]::new('--pipeline', '--pipeline', [CompletionResultType]::ParameterName, 'UNLINK batches in flight at once (advanced; the default keeps Redis busy)')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--until-idle', '--until-idle', [CompletionResultType]::ParameterName, 'Exit 0 once no new and no pending entry is left in the group (for scripts and tests); without it the consumer runs until stopped')
            [CompletionResult]::new('--soft', '--soft', [CompletionResultType]::ParameterName, 'Record each event''s hash only: entries become stale at once and expire by TTL')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Show each stream''s group: lag, pending entries, consumers and their idle time, and the dead-letter stream''s length. Reads only')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cachecore;doctor' {
            [CompletionResult]::new('--sample-sets', '--sample-sets', [CompletionResultType]::ParameterName, 'How many dep sets to sample for sizes')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cachecore;demo' {
            [CompletionResult]::new('--entries', '--entries', [CompletionResultType]::ParameterName, 'How many entries to write (every fifth one L2)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to write them in')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to write them in')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Write even if the namespace already holds entries')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Write even if the server holds keys that are not Cachecore''s (demo data belongs on a scratch server: on a terminal the question is asked instead)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cachecore;sandbox' {
            [CompletionResult]::new('--entries', '--entries', [CompletionResultType]::ParameterName, 'How many demo entries to write before running COMMAND (every fifth one L2)')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cachecore;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on (host:port; port 0 picks a free one, logged at start)')
            [CompletionResult]::new('--listen-cert', '--listen-cert', [CompletionResultType]::ParameterName, 'Serve HTTPS with this PEM certificate chain (with --listen-key). Distinct from --tls-cert, which is the client certificate for Redis')
            [CompletionResult]::new('--listen-key', '--listen-key', [CompletionResultType]::ParameterName, 'The PEM private key of --listen-cert')
            [CompletionResult]::new('--drain-budget', '--drain-budget', [CompletionResultType]::ParameterName, 'How long POST /v1/invalidate waits for the drain before answering 202 with a job URL (the drain then goes on in the background)')
            [CompletionResult]::new('--rate-limit', '--rate-limit', [CompletionResultType]::ParameterName, 'Requests per second each token may make on this replica (a token bucket holding one second''s worth); more are answered 429')
            [CompletionResult]::new('--auth-failure-limit', '--auth-failure-limit', [CompletionResultType]::ParameterName, 'Failed authentications (401) per second each client address may make (a bucket holding one second''s worth); more are answered 429 before any Redis round trip')
            [CompletionResult]::new('--header-timeout', '--header-timeout', [CompletionResultType]::ParameterName, 'How long a connection may wait for a complete request head: from accept (TLS handshake included), and between requests on a kept-alive connection. Then it is closed')
            [CompletionResult]::new('--body-timeout', '--body-timeout', [CompletionResultType]::ParameterName, 'How long a request body may take to arrive once its head is in; then 408 and the connection is closed')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Client connections open at once. At the limit the longest-idle connection is closed for a new one; with none idle, 32 more are let in for health checks only. Lowered at start to fit the open-file limit (which serve raises to its hard limit)')
            [CompletionResult]::new('--anonymous-scope', '--anonymous-scope', [CompletionResultType]::ParameterName, 'What requests without any credential may do, repeatable (the token scope language: a dep-id glob, or policy:NS). Off by default. For the product''s client library, whose invalidate sends no credential. Refused on a listener other hosts can reach unless --anonymous-on-public-listener is given too')
            [CompletionResult]::new('--anonymous-rate-limit', '--anonymous-rate-limit', [CompletionResultType]::ParameterName, 'Anonymous requests per second per client address (a bucket holding one second''s worth); more are answered 429. High enough for the client library''s invalidate_many, which sends one request per dep, all at once')
            [CompletionResult]::new('--jwt-scope', '--jwt-scope', [CompletionResultType]::ParameterName, 'Accept the product''s HS256 JWTs (eyJ... or cc_live_....eyJ..., with an exp claim and a tenant_id of A-Z a-z 0-9 _ . -) and grant them these scopes, repeatable. Needs the secret: --jwt-secret-file, or the environment variable CACHECORE_JWT_SECRET (never a flag value, which any user can read in the process list)')
            [CompletionResult]::new('--jwt-secret-file', '--jwt-secret-file', [CompletionResultType]::ParameterName, 'The HS256 secret of the product''s JWTs, read from this file (a final newline is dropped; at least 32 bytes)')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Members per SSCAN/UNLINK round trip; bounds how long Redis is held per command')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'At most N keys deleted per second (a throttle for a busy production Redis)')
            [CompletionResult]::new('--pipeline', '--pipeline', [CompletionResultType]::ParameterName, 'UNLINK batches in flight at once (advanced; the default keeps Redis busy)')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--anonymous-on-public-listener', '--anonymous-on-public-listener', [CompletionResultType]::ParameterName, 'Acknowledges that --anonymous-scope applies on a non-loopback --listen: anyone who can connect may invalidate what those scopes match')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cachecore;gateway' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on (host:port; port 0 picks a free one, logged at start)')
            [CompletionResult]::new('--listen-cert', '--listen-cert', [CompletionResultType]::ParameterName, 'Serve HTTPS with this PEM certificate chain (with --listen-key). Distinct from --tls-cert, which is the client certificate for Redis')
            [CompletionResult]::new('--listen-key', '--listen-key', [CompletionResultType]::ParameterName, 'The PEM private key of --listen-cert')
            [CompletionResult]::new('--drain-budget', '--drain-budget', [CompletionResultType]::ParameterName, 'How long POST /v1/invalidate waits for the drain before answering 202 with a job URL (the drain then goes on in the background)')
            [CompletionResult]::new('--rate-limit', '--rate-limit', [CompletionResultType]::ParameterName, 'Requests per second each token may make on this replica (a token bucket holding one second''s worth); more are answered 429')
            [CompletionResult]::new('--auth-failure-limit', '--auth-failure-limit', [CompletionResultType]::ParameterName, 'Failed authentications (401) per second each client address may make (a bucket holding one second''s worth); more are answered 429 before any Redis round trip')
            [CompletionResult]::new('--header-timeout', '--header-timeout', [CompletionResultType]::ParameterName, 'How long a connection may wait for a complete request head: from accept (TLS handshake included), and between requests on a kept-alive connection. Then it is closed')
            [CompletionResult]::new('--body-timeout', '--body-timeout', [CompletionResultType]::ParameterName, 'How long a request body may take to arrive once its head is in; then 408 and the connection is closed')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Client connections open at once. At the limit the longest-idle connection is closed for a new one; with none idle, 32 more are let in for health checks only. Lowered at start to fit the open-file limit (which serve raises to its hard limit)')
            [CompletionResult]::new('--anonymous-scope', '--anonymous-scope', [CompletionResultType]::ParameterName, 'What requests without any credential may do, repeatable (the token scope language: a dep-id glob, or policy:NS). Off by default. For the product''s client library, whose invalidate sends no credential. Refused on a listener other hosts can reach unless --anonymous-on-public-listener is given too')
            [CompletionResult]::new('--anonymous-rate-limit', '--anonymous-rate-limit', [CompletionResultType]::ParameterName, 'Anonymous requests per second per client address (a bucket holding one second''s worth); more are answered 429. High enough for the client library''s invalidate_many, which sends one request per dep, all at once')
            [CompletionResult]::new('--jwt-scope', '--jwt-scope', [CompletionResultType]::ParameterName, 'Accept the product''s HS256 JWTs (eyJ... or cc_live_....eyJ..., with an exp claim and a tenant_id of A-Z a-z 0-9 _ . -) and grant them these scopes, repeatable. Needs the secret: --jwt-secret-file, or the environment variable CACHECORE_JWT_SECRET (never a flag value, which any user can read in the process list)')
            [CompletionResult]::new('--jwt-secret-file', '--jwt-secret-file', [CompletionResultType]::ParameterName, 'The HS256 secret of the product''s JWTs, read from this file (a final newline is dropped; at least 32 bytes)')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Members per SSCAN/UNLINK round trip; bounds how long Redis is held per command')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'At most N keys deleted per second (a throttle for a busy production Redis)')
            [CompletionResult]::new('--pipeline', '--pipeline', [CompletionResultType]::ParameterName, 'UNLINK batches in flight at once (advanced; the default keeps Redis busy)')
            [CompletionResult]::new('--upstream', '--upstream', [CompletionResultType]::ParameterName, 'The OpenAI-compatible base URL requests go to, e.g. https://api.openai.com/v1')
            [CompletionResult]::new('--upstream-key-file', '--upstream-key-file', [CompletionResultType]::ParameterName, 'The upstream''s API key, read from this file (a final newline is dropped). Else the environment variable CACHECORE_UPSTREAM_KEY; never a flag value')
            [CompletionResult]::new('--upstream-timeout', '--upstream-timeout', [CompletionResultType]::ParameterName, 'How long the upstream may take to send its response head, and then its whole non-streamed body')
            [CompletionResult]::new('--fresh-ttl', '--fresh-ttl', [CompletionResultType]::ParameterName, 'How long an entry is served as HIT_L1')
            [CompletionResult]::new('--stale-window', '--stale-window', [CompletionResultType]::ParameterName, 'After --fresh-ttl, how long an entry is still served (HIT_L1_STALE) while one background refresh runs. The entry''s TTL is the sum')
            [CompletionResult]::new('--coalesce-wait', '--coalesce-wait', [CompletionResultType]::ParameterName, 'How long identical concurrent misses wait for the first one''s entry before going upstream themselves')
            [CompletionResult]::new('--bypass-rate-limit', '--bypass-rate-limit', [CompletionResultType]::ParameterName, 'Requests without a cachecore credential (BYPASS) per second per client address')
            [CompletionResult]::new('--redis-timeout', '--redis-timeout', [CompletionResultType]::ParameterName, 'The longest any Redis step of a request may take; past it the request goes on uncached (the cache fails open)')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--anonymous-on-public-listener', '--anonymous-on-public-listener', [CompletionResultType]::ParameterName, 'Acknowledges that --anonymous-scope applies on a non-loopback --listen: anyone who can connect may invalidate what those scopes match')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cachecore;token' {
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a token and print it once (only its SHA-256 is stored)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every token: name, scopes, created, last used (never the secret)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a token: every replica refuses it from the next request on')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cachecore;token;create' {
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'What the token may do, repeatable: a dep-id glob (`doc:*`, `table:products`, `user:?42`; `*` and `?` only) allows invalidating and reading matching deps; `policy:NS` (or a glob like `policy:*`) allows rolling that namespace''s policy. Optional with --namespace: a token for the gateway only')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace `cachecore gateway` caches this token''s requests in (1-64 of A-Z a-z 0-9 _ . -); `default` when not given')
            [CompletionResult]::new('--fresh-ttl', '--fresh-ttl', [CompletionResultType]::ParameterName, 'This token''s own fresh window in `cachecore gateway` (whole seconds, e.g. 300s or 1h), instead of the gateway''s --fresh-ttl: the per-credential override a JWT''s `fresh_ttl_secs` claim gives')
            [CompletionResult]::new('--stale-window', '--stale-window', [CompletionResultType]::ParameterName, 'This token''s own stale window in `cachecore gateway` (whole seconds), instead of the gateway''s --stale-window (a JWT''s `stale_window_secs`)')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cachecore;token;list' {
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cachecore;token;revoke' {
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate for mutual TLS (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate (with --tls-cert)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded with every change in the audit trail (`cachecore audit`)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Treat the server as a Redis Cluster (detected automatically otherwise)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate: for self-signed test setups only')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (JSON Lines for streamed listings) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bars or notes on stderr; results and errors are still printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cachecore;token;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a token and print it once (only its SHA-256 is stored)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every token: name, scopes, created, last used (never the secret)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a token: every replica refuses it from the next request on')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cachecore;token;help;create' {
            break
        }
        'cachecore;token;help;list' {
            break
        }
        'cachecore;token;help;revoke' {
            break
        }
        'cachecore;token;help;help' {
            break
        }
        'cachecore;help' {
            [CompletionResult]::new('invalidate', 'invalidate', [CompletionResultType]::ParameterValue, 'Invalidate one dep: record its new hash, then delete every entry tagged with it')
            [CompletionResult]::new('invalidate-many', 'invalidate-many', [CompletionResultType]::ParameterValue, 'Invalidate many deps from a file, stdin or a list, with bounded concurrency')
            [CompletionResult]::new('deps', 'deps', [CompletionResultType]::ParameterValue, 'Inspect and maintain dep sets')
            [CompletionResult]::new('entry', 'entry', [CompletionResultType]::ParameterValue, 'Show one entry: its deps with recorded and current hash, and whether it is fresh')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Show, list and roll namespaces'' policy versions')
            [CompletionResult]::new('tag', 'tag', [CompletionResultType]::ParameterValue, 'Add deps to existing entries (their deps field and the dep sets)')
            [CompletionResult]::new('untag', 'untag', [CompletionResultType]::ParameterValue, 'Remove deps from entries (their deps field and the dep sets)')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Print the L1 key of a request (canonical JSON fingerprint), for `cachecore entry`')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Install the man pages (one per subcommand), or print the main one')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show the audit trail (stream cc:audit): who changed what, newest first')
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Invalidate from events in Redis Streams, as one consumer of a consumer group')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check that this Redis is safe for Cachecore and how healthy its dep sets are')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Fill a Redis with a realistic synthetic data set to try every command on')
            [CompletionResult]::new('sandbox', 'sandbox', [CompletionResultType]::ParameterValue, 'Try cachecore on a private, throwaway Redis filled with the demo data set')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the HTTP invalidation API (for webhooks) on this Redis')
            [CompletionResult]::new('gateway', 'gateway', [CompletionResultType]::ParameterValue, 'An OpenAI-compatible caching proxy on this Redis, with the HTTP API beside it')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Create, list and revoke the HTTP API''s tokens (stored hashed in Redis)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cachecore;help;invalidate' {
            break
        }
        'cachecore;help;invalidate-many' {
            break
        }
        'cachecore;help;deps' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every dep set, with its member count and current hash')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove members whose entry no longer exists, delete emptied sets, and optionally retire old hash records')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Current hash, members, L1/L2 split, live vs dangling, fresh vs stale of each dep')
            break
        }
        'cachecore;help;deps;list' {
            break
        }
        'cachecore;help;deps;prune' {
            break
        }
        'cachecore;help;deps;inspect' {
            break
        }
        'cachecore;help;entry' {
            break
        }
        'cachecore;help;policy' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'A namespace''s current policy version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every namespace found, with its policy version and entry counts (scans the keyspace)')
            [CompletionResult]::new('roll', 'roll', [CompletionResultType]::ParameterValue, 'Record the next policy version: every entry of the namespace is stale at once')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Delete the namespace''s entries that are not at the current policy version (finishes an interrupted `roll --purge`, or purges after a roll without it)')
            break
        }
        'cachecore;help;policy;show' {
            break
        }
        'cachecore;help;policy;list' {
            break
        }
        'cachecore;help;policy;roll' {
            break
        }
        'cachecore;help;policy;purge' {
            break
        }
        'cachecore;help;tag' {
            break
        }
        'cachecore;help;untag' {
            break
        }
        'cachecore;help;key' {
            break
        }
        'cachecore;help;completions' {
            break
        }
        'cachecore;help;man' {
            break
        }
        'cachecore;help;audit' {
            break
        }
        'cachecore;help;consume' {
            break
        }
        'cachecore;help;doctor' {
            break
        }
        'cachecore;help;demo' {
            break
        }
        'cachecore;help;sandbox' {
            break
        }
        'cachecore;help;serve' {
            break
        }
        'cachecore;help;gateway' {
            break
        }
        'cachecore;help;token' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a token and print it once (only its SHA-256 is stored)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every token: name, scopes, created, last used (never the secret)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a token: every replica refuses it from the next request on')
            break
        }
        'cachecore;help;token;create' {
            break
        }
        'cachecore;help;token;list' {
            break
        }
        'cachecore;help;token;revoke' {
            break
        }
        'cachecore;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
