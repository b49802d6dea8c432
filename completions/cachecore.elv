
use builtin;
use str;

set edit:completion:arg-completer[cachecore] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'cachecore'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'cachecore'= {
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand invalidate 'Invalidate one dep: record its new hash, then delete every entry tagged with it'
            cand invalidate-many 'Invalidate many deps from a file, stdin or a list, with bounded concurrency'
            cand deps 'Inspect and maintain dep sets'
            cand entry 'Show one entry: its deps with recorded and current hash, and whether it is fresh'
            cand policy 'Show, list and roll namespaces'' policy versions'
            cand tag 'Add deps to existing entries (their deps field and the dep sets)'
            cand untag 'Remove deps from entries (their deps field and the dep sets)'
            cand key 'Print the L1 key of a request (canonical JSON fingerprint), for `cachecore entry`'
            cand completions 'Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell)'
            cand man 'Install the man pages (one per subcommand), or print the main one'
            cand audit 'Show the audit trail (stream cc:audit): who changed what, newest first'
            cand consume 'Invalidate from events in Redis Streams, as one consumer of a consumer group'
            cand doctor 'Check that this Redis is safe for Cachecore and how healthy its dep sets are'
            cand demo 'Fill a Redis with a realistic synthetic data set to try every command on'
            cand sandbox 'Try cachecore on a private, throwaway Redis filled with the demo data set'
            cand serve 'Serve the HTTP invalidation API (for webhooks) on this Redis'
            cand gateway 'An OpenAI-compatible caching proxy on this Redis, with the HTTP API beside it'
            cand token 'Create, list and revoke the HTTP API''s tokens (stored hashed in Redis)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cachecore;invalidate'= {
            cand --new-hash 'The dep''s new hash (data version). Default: a unique generated one'
            cand --if-hash 'Only if the current hash is HASH (compare-and-set); otherwise exit 1, changing nothing'
            cand --max-keys 'Refuse, changing nothing, when the dep set holds more than N members'
            cand --batch-size 'Members per SSCAN/UNLINK round trip; bounds how long Redis is held per command'
            cand --rate 'At most N keys deleted per second (a throttle for a busy production Redis)'
            cand --pipeline 'UNLINK batches in flight at once (advanced; the default keeps Redis busy)'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --if-unset 'Only if the dep has no current hash yet (compare-and-set); otherwise exit 1'
            cand --soft 'Record the new hash only; entries become stale now and expire by their TTL'
            cand --dry-run 'Report what would be deleted (counts per tier and a sample of keys); write nothing'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cachecore;invalidate-many'= {
            cand --file 'Read deps from FILE (`-` for stdin): one dep id per line (`#` comments), or JSON Lines {"dep_id": "...", "new_hash": "...", "if_hash": "..."}. A leading byte-order mark is ignored'
            cand --format 'Input format; auto detects JSON Lines by a leading `{`'
            cand --max-lines 'Refuse an input of more than N lines (exit 2, nothing changed). Lines are at most 8 KiB each'
            cand --dep-ids 'Comma-separated dep ids instead of a file'
            cand --new-hash 'New hash for deps whose line gives none. Default: a unique generated one per dep'
            cand --wave 'Deps per wave: each step of a wave is one pipeline for all its deps'
            cand --concurrency 'Waves in flight at once'
            cand --max-keys 'Refuse, changing nothing, when the dep sets hold more than N members in all'
            cand --batch-size 'Members per SSCAN/UNLINK round trip; bounds how long Redis is held per command'
            cand --rate 'At most N keys deleted per second (a throttle for a busy production Redis)'
            cand --pipeline 'UNLINK batches in flight at once (advanced; the default keeps Redis busy)'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --dry-run 'Report what would be deleted; write nothing'
            cand -y 'Do not ask for confirmation (it is only asked when stdin is a terminal)'
            cand --yes 'Do not ask for confirmation (it is only asked when stdin is a terminal)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cachecore;deps'= {
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'Every dep set, with its member count and current hash'
            cand prune 'Remove members whose entry no longer exists, delete emptied sets, and optionally retire old hash records'
            cand inspect 'Current hash, members, L1/L2 split, live vs dangling, fresh vs stale of each dep'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cachecore;deps;list'= {
            cand --pattern 'Only dep ids matching this glob (the `cc:dep:keys:` prefix is added, never matched)'
            cand --top 'Only the first N by --sort (memory: N rows). Without it rows stream in scan order'
            cand --sort 'Order of --top (and of the full list, which then is held in memory)'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cachecore;deps;prune'= {
            cand --pattern 'Only dep ids matching this glob [default: *, every dep: off a terminal that needs --yes]'
            cand --retire-after 'Also retire hash records of deps with no tracked entries and no unfinished invalidation, last written longer ago than DURATION (with a unit: 8h, 8d). DURATION must exceed the longest entry TTL plus the longest request time (see docs/invalidation.md: retiring hash records). Refused, with nothing changed, when a live entry has no TTL or a remaining TTL longer than DURATION'
            cand --batch-size 'Members per SSCAN round trip'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --dry-run 'Report what would be removed; write nothing'
            cand -y 'Do not ask for confirmation (it is only asked when stdin is a terminal)'
            cand --yes 'Do not ask for confirmation (it is only asked when stdin is a terminal)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'cachecore;deps;inspect'= {
            cand --file 'Read deps from FILE (`-` for stdin): one dep id per line (`#` comments), or JSON Lines {"dep_id": "...", "new_hash": "...", "if_hash": "..."}. A leading byte-order mark is ignored'
            cand --format 'Input format; auto detects JSON Lines by a leading `{`'
            cand --max-lines 'Refuse an input of more than N lines (exit 2, nothing changed). Lines are at most 8 KiB each'
            cand --expect-hash 'Exit 1 unless the current hash is HASH and no live entry is stale or unreadable'
            cand --batch-size 'Members per SSCAN round trip'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --keys 'List every member with its TTL and verdict (streamed; JSON Lines with --json)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cachecore;deps;help'= {
            cand list 'Every dep set, with its member count and current hash'
            cand prune 'Remove members whose entry no longer exists, delete emptied sets, and optionally retire old hash records'
            cand inspect 'Current hash, members, L1/L2 split, live vs dangling, fresh vs stale of each dep'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cachecore;deps;help;list'= {
        }
        &'cachecore;deps;help;prune'= {
        }
        &'cachecore;deps;help;inspect'= {
        }
        &'cachecore;deps;help;help'= {
        }
        &'cachecore;entry'= {
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'cachecore;policy'= {
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help'
            cand --help 'Print help'
            cand show 'A namespace''s current policy version'
            cand list 'Every namespace found, with its policy version and entry counts (scans the keyspace)'
            cand roll 'Record the next policy version: every entry of the namespace is stale at once'
            cand purge 'Delete the namespace''s entries that are not at the current policy version (finishes an interrupted `roll --purge`, or purges after a roll without it)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cachecore;policy;show'= {
            cand -n 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]'
            cand --namespace 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'cachecore;policy;list'= {
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'cachecore;policy;roll'= {
            cand -n 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]'
            cand --namespace 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]'
            cand --to 'The new version. Default: the current one plus 1 (numeric versions only). A version the namespace had before (including "1") is refused'
            cand --batch-size 'Keys per SCAN/UNLINK round trip of the purge'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --purge 'Then delete the namespace''s entries written before the roll (cursor SCAN)'
            cand --dry-run 'Report the new version (and, with --purge, what would be deleted); write nothing'
            cand -y 'Do not ask for confirmation (it is only asked when stdin is a terminal)'
            cand --yes 'Do not ask for confirmation (it is only asked when stdin is a terminal)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'cachecore;policy;purge'= {
            cand -n 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]'
            cand --namespace 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]'
            cand --batch-size 'Keys per SCAN/UNLINK round trip'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --dry-run 'Report what would be deleted; write nothing'
            cand -y 'Do not ask for confirmation (it is only asked when stdin is a terminal)'
            cand --yes 'Do not ask for confirmation (it is only asked when stdin is a terminal)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'cachecore;policy;help'= {
            cand show 'A namespace''s current policy version'
            cand list 'Every namespace found, with its policy version and entry counts (scans the keyspace)'
            cand roll 'Record the next policy version: every entry of the namespace is stale at once'
            cand purge 'Delete the namespace''s entries that are not at the current policy version (finishes an interrupted `roll --purge`, or purges after a roll without it)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cachecore;policy;help;show'= {
        }
        &'cachecore;policy;help;list'= {
        }
        &'cachecore;policy;help;roll'= {
        }
        &'cachecore;policy;help;purge'= {
        }
        &'cachecore;policy;help;help'= {
        }
        &'cachecore;tag'= {
            cand --match 'Tag every entry whose key matches this SCAN glob instead (e.g. ''cc:l1:shop:*'')'
            cand --dep 'A dep to add, as ID or ID=HASH (default hash: the dep''s current one). Repeatable. The first `=` separates id and hash'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --dry-run 'Report what would change; write nothing'
            cand -y 'Do not ask for confirmation of --match (it is only asked when stdin is a terminal)'
            cand --yes 'Do not ask for confirmation of --match (it is only asked when stdin is a terminal)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'cachecore;untag'= {
            cand --dep 'A dep to remove. Repeatable'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --dry-run 'Report what would change; write nothing'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'cachecore;key'= {
            cand -n 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]'
            cand --namespace 'The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default]'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'cachecore;completions'= {
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'cachecore;man'= {
            cand --install-dir 'Install every page under the man root DIR (into DIR/man1, created if missing), e.g. ~/.local/share/man; a DIR that ends in man1 is used as it is. Without it the main page is printed on stdout'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cachecore;audit'= {
            cand --since 'Only records newer than this (e.g. 1h, 7d)'
            cand --limit 'At most this many records'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'cachecore;consume'= {
            cand --stream 'A stream to consume (repeat the flag for several)'
            cand --group 'The consumer group; created (with the stream, if missing) at --from'
            cand --consumer 'This consumer''s name in the group [default: host name and process id]'
            cand --from 'Where a group created now starts: 0 (every event the stream holds), $ (only new ones: the ones it holds are skipped) or an entry id. The start note says how many events that reads or skips. Ignored for a group that exists [default: 0]'
            cand --batch 'Entries per read (XREADGROUP COUNT); one batch is invalidated as one wave'
            cand --concurrency 'Batches in flight at once (each one pipeline per step; the default keeps Redis busy)'
            cand --block 'How long one read waits for new entries (at most half of --timeout)'
            cand --claim-idle 'Claim entries pending this long on any consumer (one that died, or this one''s failures), with XAUTOCLAIM'
            cand --max-attempts 'An event that fails this many deliveries (for a reason other than a Redis outage) goes to the dead-letter stream'
            cand --dead-letter 'The dead-letter stream; {stream} is the source stream''s name'
            cand --format 'The events'' format'
            cand --dep 'Debezium: a dep to invalidate per change event, as a template (repeatable): {row.COL} is the row after the change (before it for a delete), {key} or {key.COL} the event key, any other name a path into the payload ({source.table}, {ts_ms}); {{ and }} are literal braces'
            cand --hash 'The new hash as a template (e.g. ''{after.version}'') [default: a unique generated hash per event]. Give it only for a version your application declares when it caches: a hash from the change stream (such as ''{source.lsn}'') is never one'
            cand --null-marker 'Debezium: the text Debezium Server writes for a null key or value (its debezium.sink.redis.null.key and null.value); such a value is a tombstone'
            cand --max-clock-skew 'How far an event''s entry id may be ahead of the Redis server''s clock (at most 1h). An event further ahead is dead-lettered and never becomes its deps'' order mark, which would make every later event of the dep look older'
            cand --max-outage 'Give up (exit 3) when Redis stays unreachable this long [default: never; 30s with --until-idle]. Until then an outage is retried with backoff, nothing dead-lettered'
            cand --batch-size 'Members per SSCAN/UNLINK round trip; bounds how long Redis is held per command'
            cand --rate 'At most N keys deleted per second (a throttle for a busy production Redis)'
            cand --pipeline 'UNLINK batches in flight at once (advanced; the default keeps Redis busy)'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --until-idle 'Exit 0 once no new and no pending entry is left in the group (for scripts and tests); without it the consumer runs until stopped'
            cand --soft 'Record each event''s hash only: entries become stale at once and expire by TTL'
            cand --status 'Show each stream''s group: lag, pending entries, consumers and their idle time, and the dead-letter stream''s length. Reads only'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cachecore;doctor'= {
            cand --sample-sets 'How many dep sets to sample for sizes'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cachecore;demo'= {
            cand --entries 'How many entries to write (every fifth one L2)'
            cand -n 'The namespace to write them in'
            cand --namespace 'The namespace to write them in'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --force 'Write even if the namespace already holds entries'
            cand --yes 'Write even if the server holds keys that are not Cachecore''s (demo data belongs on a scratch server: on a terminal the question is asked instead)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cachecore;sandbox'= {
            cand --entries 'How many demo entries to write before running COMMAND (every fifth one L2)'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cachecore;serve'= {
            cand --listen 'Address to listen on (host:port; port 0 picks a free one, logged at start)'
            cand --listen-cert 'Serve HTTPS with this PEM certificate chain (with --listen-key). Distinct from --tls-cert, which is the client certificate for Redis'
            cand --listen-key 'The PEM private key of --listen-cert'
            cand --drain-budget 'How long POST /v1/invalidate waits for the drain before answering 202 with a job URL (the drain then goes on in the background)'
            cand --rate-limit 'Requests per second each token may make on this replica (a token bucket holding one second''s worth); more are answered 429'
            cand --auth-failure-limit 'Failed authentications (401) per second each client address may make (a bucket holding one second''s worth); more are answered 429 before any Redis round trip'
            cand --header-timeout 'How long a connection may wait for a complete request head: from accept (TLS handshake included), and between requests on a kept-alive connection. Then it is closed'
            cand --body-timeout 'How long a request body may take to arrive once its head is in; then 408 and the connection is closed'
            cand --max-connections 'Client connections open at once. At the limit the longest-idle connection is closed for a new one; with none idle, 32 more are let in for health checks only. Lowered at start to fit the open-file limit (which serve raises to its hard limit)'
            cand --anonymous-scope 'What requests without any credential may do, repeatable (the token scope language: a dep-id glob, or policy:NS). Off by default. For the product''s client library, whose invalidate sends no credential. Refused on a listener other hosts can reach unless --anonymous-on-public-listener is given too'
            cand --anonymous-rate-limit 'Anonymous requests per second per client address (a bucket holding one second''s worth); more are answered 429. High enough for the client library''s invalidate_many, which sends one request per dep, all at once'
            cand --jwt-scope 'Accept the product''s HS256 JWTs (eyJ... or cc_live_....eyJ..., with an exp claim and a tenant_id of A-Z a-z 0-9 _ . -) and grant them these scopes, repeatable. Needs the secret: --jwt-secret-file, or the environment variable CACHECORE_JWT_SECRET (never a flag value, which any user can read in the process list)'
            cand --jwt-secret-file 'The HS256 secret of the product''s JWTs, read from this file (a final newline is dropped; at least 32 bytes)'
            cand --batch-size 'Members per SSCAN/UNLINK round trip; bounds how long Redis is held per command'
            cand --rate 'At most N keys deleted per second (a throttle for a busy production Redis)'
            cand --pipeline 'UNLINK batches in flight at once (advanced; the default keeps Redis busy)'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --anonymous-on-public-listener 'Acknowledges that --anonymous-scope applies on a non-loopback --listen: anyone who can connect may invalidate what those scopes match'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cachecore;gateway'= {
            cand --listen 'Address to listen on (host:port; port 0 picks a free one, logged at start)'
            cand --listen-cert 'Serve HTTPS with this PEM certificate chain (with --listen-key). Distinct from --tls-cert, which is the client certificate for Redis'
            cand --listen-key 'The PEM private key of --listen-cert'
            cand --drain-budget 'How long POST /v1/invalidate waits for the drain before answering 202 with a job URL (the drain then goes on in the background)'
            cand --rate-limit 'Requests per second each token may make on this replica (a token bucket holding one second''s worth); more are answered 429'
            cand --auth-failure-limit 'Failed authentications (401) per second each client address may make (a bucket holding one second''s worth); more are answered 429 before any Redis round trip'
            cand --header-timeout 'How long a connection may wait for a complete request head: from accept (TLS handshake included), and between requests on a kept-alive connection. Then it is closed'
            cand --body-timeout 'How long a request body may take to arrive once its head is in; then 408 and the connection is closed'
            cand --max-connections 'Client connections open at once. At the limit the longest-idle connection is closed for a new one; with none idle, 32 more are let in for health checks only. Lowered at start to fit the open-file limit (which serve raises to its hard limit)'
            cand --anonymous-scope 'What requests without any credential may do, repeatable (the token scope language: a dep-id glob, or policy:NS). Off by default. For the product''s client library, whose invalidate sends no credential. Refused on a listener other hosts can reach unless --anonymous-on-public-listener is given too'
            cand --anonymous-rate-limit 'Anonymous requests per second per client address (a bucket holding one second''s worth); more are answered 429. High enough for the client library''s invalidate_many, which sends one request per dep, all at once'
            cand --jwt-scope 'Accept the product''s HS256 JWTs (eyJ... or cc_live_....eyJ..., with an exp claim and a tenant_id of A-Z a-z 0-9 _ . -) and grant them these scopes, repeatable. Needs the secret: --jwt-secret-file, or the environment variable CACHECORE_JWT_SECRET (never a flag value, which any user can read in the process list)'
            cand --jwt-secret-file 'The HS256 secret of the product''s JWTs, read from this file (a final newline is dropped; at least 32 bytes)'
            cand --batch-size 'Members per SSCAN/UNLINK round trip; bounds how long Redis is held per command'
            cand --rate 'At most N keys deleted per second (a throttle for a busy production Redis)'
            cand --pipeline 'UNLINK batches in flight at once (advanced; the default keeps Redis busy)'
            cand --upstream 'The OpenAI-compatible base URL requests go to, e.g. https://api.openai.com/v1'
            cand --upstream-key-file 'The upstream''s API key, read from this file (a final newline is dropped). Else the environment variable CACHECORE_UPSTREAM_KEY; never a flag value'
            cand --upstream-timeout 'How long the upstream may take to send its response head, and then its whole non-streamed body'
            cand --fresh-ttl 'How long an entry is served as HIT_L1'
            cand --stale-window 'After --fresh-ttl, how long an entry is still served (HIT_L1_STALE) while one background refresh runs. The entry''s TTL is the sum'
            cand --coalesce-wait 'How long identical concurrent misses wait for the first one''s entry before going upstream themselves'
            cand --bypass-rate-limit 'Requests without a cachecore credential (BYPASS) per second per client address'
            cand --redis-timeout 'The longest any Redis step of a request may take; past it the request goes on uncached (the cache fails open)'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --anonymous-on-public-listener 'Acknowledges that --anonymous-scope applies on a non-loopback --listen: anyone who can connect may invalidate what those scopes match'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cachecore;token'= {
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help'
            cand --help 'Print help'
            cand create 'Create a token and print it once (only its SHA-256 is stored)'
            cand list 'Every token: name, scopes, created, last used (never the secret)'
            cand revoke 'Revoke a token: every replica refuses it from the next request on'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cachecore;token;create'= {
            cand --scope 'What the token may do, repeatable: a dep-id glob (`doc:*`, `table:products`, `user:?42`; `*` and `?` only) allows invalidating and reading matching deps; `policy:NS` (or a glob like `policy:*`) allows rolling that namespace''s policy. Optional with --namespace: a token for the gateway only'
            cand --namespace 'The namespace `cachecore gateway` caches this token''s requests in (1-64 of A-Z a-z 0-9 _ . -); `default` when not given'
            cand --fresh-ttl 'This token''s own fresh window in `cachecore gateway` (whole seconds, e.g. 300s or 1h), instead of the gateway''s --fresh-ttl: the per-credential override a JWT''s `fresh_ttl_secs` claim gives'
            cand --stale-window 'This token''s own stale window in `cachecore gateway` (whole seconds), instead of the gateway''s --stale-window (a JWT''s `stale_window_secs`)'
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'cachecore;token;list'= {
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'cachecore;token;revoke'= {
            cand --redis-url 'Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then redis://127.0.0.1:6379. Credentials are never printed'
            cand --user 'ACL user (overrides a user in the URL). The password comes from CACHECORE_REDIS_PASSWORD or --password-file, never from the command line'
            cand --password-file 'File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD)'
            cand --tls-ca 'PEM file of the certificate authorities to trust for rediss:// (default: the system''s trust store)'
            cand --tls-cert 'PEM client certificate for mutual TLS (with --tls-key)'
            cand --tls-key 'PEM private key of the client certificate (with --tls-cert)'
            cand --timeout 'Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m)'
            cand --color 'Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set), always, or never'
            cand --reason 'Why: recorded with every change in the audit trail (`cachecore audit`)'
            cand --cluster 'Treat the server as a Redis Cluster (detected automatically otherwise)'
            cand --tls-insecure 'Do not verify the server''s certificate: for self-signed test setups only'
            cand --json 'Print one JSON document (JSON Lines for streamed listings) instead of tables'
            cand -q 'No progress bars or notes on stderr; results and errors are still printed'
            cand --quiet 'No progress bars or notes on stderr; results and errors are still printed'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'cachecore;token;help'= {
            cand create 'Create a token and print it once (only its SHA-256 is stored)'
            cand list 'Every token: name, scopes, created, last used (never the secret)'
            cand revoke 'Revoke a token: every replica refuses it from the next request on'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cachecore;token;help;create'= {
        }
        &'cachecore;token;help;list'= {
        }
        &'cachecore;token;help;revoke'= {
        }
        &'cachecore;token;help;help'= {
        }
        &'cachecore;help'= {
            cand invalidate 'Invalidate one dep: record its new hash, then delete every entry tagged with it'
            cand invalidate-many 'Invalidate many deps from a file, stdin or a list, with bounded concurrency'
            cand deps 'Inspect and maintain dep sets'
            cand entry 'Show one entry: its deps with recorded and current hash, and whether it is fresh'
            cand policy 'Show, list and roll namespaces'' policy versions'
            cand tag 'Add deps to existing entries (their deps field and the dep sets)'
            cand untag 'Remove deps from entries (their deps field and the dep sets)'
            cand key 'Print the L1 key of a request (canonical JSON fingerprint), for `cachecore entry`'
            cand completions 'Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell)'
            cand man 'Install the man pages (one per subcommand), or print the main one'
            cand audit 'Show the audit trail (stream cc:audit): who changed what, newest first'
            cand consume 'Invalidate from events in Redis Streams, as one consumer of a consumer group'
            cand doctor 'Check that this Redis is safe for Cachecore and how healthy its dep sets are'
            cand demo 'Fill a Redis with a realistic synthetic data set to try every command on'
            cand sandbox 'Try cachecore on a private, throwaway Redis filled with the demo data set'
            cand serve 'Serve the HTTP invalidation API (for webhooks) on this Redis'
            cand gateway 'An OpenAI-compatible caching proxy on this Redis, with the HTTP API beside it'
            cand token 'Create, list and revoke the HTTP API''s tokens (stored hashed in Redis)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cachecore;help;invalidate'= {
        }
        &'cachecore;help;invalidate-many'= {
        }
        &'cachecore;help;deps'= {
            cand list 'Every dep set, with its member count and current hash'
            cand prune 'Remove members whose entry no longer exists, delete emptied sets, and optionally retire old hash records'
            cand inspect 'Current hash, members, L1/L2 split, live vs dangling, fresh vs stale of each dep'
        }
        &'cachecore;help;deps;list'= {
        }
        &'cachecore;help;deps;prune'= {
        }
        &'cachecore;help;deps;inspect'= {
        }
        &'cachecore;help;entry'= {
        }
        &'cachecore;help;policy'= {
            cand show 'A namespace''s current policy version'
            cand list 'Every namespace found, with its policy version and entry counts (scans the keyspace)'
            cand roll 'Record the next policy version: every entry of the namespace is stale at once'
            cand purge 'Delete the namespace''s entries that are not at the current policy version (finishes an interrupted `roll --purge`, or purges after a roll without it)'
        }
        &'cachecore;help;policy;show'= {
        }
        &'cachecore;help;policy;list'= {
        }
        &'cachecore;help;policy;roll'= {
        }
        &'cachecore;help;policy;purge'= {
        }
        &'cachecore;help;tag'= {
        }
        &'cachecore;help;untag'= {
        }
        &'cachecore;help;key'= {
        }
        &'cachecore;help;completions'= {
        }
        &'cachecore;help;man'= {
        }
        &'cachecore;help;audit'= {
        }
        &'cachecore;help;consume'= {
        }
        &'cachecore;help;doctor'= {
        }
        &'cachecore;help;demo'= {
        }
        &'cachecore;help;sandbox'= {
        }
        &'cachecore;help;serve'= {
        }
        &'cachecore;help;gateway'= {
        }
        &'cachecore;help;token'= {
            cand create 'Create a token and print it once (only its SHA-256 is stored)'
            cand list 'Every token: name, scopes, created, last used (never the secret)'
            cand revoke 'Revoke a token: every replica refuses it from the next request on'
        }
        &'cachecore;help;token;create'= {
        }
        &'cachecore;help;token;list'= {
        }
        &'cachecore;help;token;revoke'= {
        }
        &'cachecore;help;help'= {
        }
    ]
    $completions[$command]
}
