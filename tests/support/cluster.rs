//! A 3-primary Redis Cluster owned by one test: three `redis-server --cluster-enabled yes`
//! processes joined by `redis-cli --cluster create`, awaited until every node reports
//! `cluster_state:ok`, killed on drop.

use std::process::Command;
use std::time::Duration;

use super::RedisServer;

pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
    /// The seed URLs, comma-separated, as the binary under test is given them.
    pub url: String,
}

impl RedisCluster {
    pub fn start() -> RedisCluster {
        let nodes: Vec<RedisServer> = (0..3)
            .map(|_| {
                // The cluster bus listens on port + 10000.
                RedisServer::start_tcp_below(
                    55535,
                    &["--cluster-enabled", "yes", "--cluster-node-timeout", "5000"],
                )
            })
            .collect();
        let addrs: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port.unwrap()))
            .collect();
        let out = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addrs)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .expect("redis-cli runs (the cluster tests need it)");
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let cluster = RedisCluster {
            url: addrs
                .iter()
                .map(|a| format!("redis://{a}"))
                .collect::<Vec<_>>()
                .join(","),
            nodes,
        };
        cluster.wait_ok();
        cluster
    }

    fn wait_ok(&self) {
        super::wait_until(Duration::from_secs(30), "cluster_state:ok", || {
            self.nodes.iter().all(|n| {
                let info: String = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query(&mut n.conn())
                    .unwrap_or_default();
                info.contains("cluster_state:ok")
            })
        });
    }

    /// A cluster-aware client for setting up and checking state.
    pub fn conn(&self) -> redis::cluster::ClusterConnection {
        let seeds: Vec<String> = self.url.split(',').map(str::to_string).collect();
        redis::cluster::ClusterClient::new(seeds)
            .expect("cluster client")
            .get_connection()
            .expect("connect to the test cluster")
    }

    /// Every key matching `pattern` on every node.
    pub fn keys(&self, pattern: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .nodes
            .iter()
            .flat_map(|n| {
                super::scan_keys(&mut n.conn(), pattern)
                    .into_iter()
                    .map(|k| String::from_utf8(k).unwrap())
            })
            .collect();
        out.sort();
        out
    }

    /// The node serving `slot`.
    pub fn owner(&self, slot: u16) -> &RedisServer {
        for n in &self.nodes {
            let id: String = redis::cmd("CLUSTER")
                .arg("MYID")
                .query(&mut n.conn())
                .unwrap();
            let nodes: String = redis::cmd("CLUSTER")
                .arg("NODES")
                .query(&mut n.conn())
                .unwrap();
            let me = nodes.lines().find(|l| l.starts_with(&id)).unwrap();
            for range in me.split_whitespace().skip(8) {
                let (lo, hi) = match range.split_once('-') {
                    Some((a, b)) => (a.parse::<u16>(), b.parse::<u16>()),
                    None => (range.parse::<u16>(), range.parse::<u16>()),
                };
                if let (Ok(lo), Ok(hi)) = (lo, hi)
                    && (lo..=hi).contains(&slot)
                {
                    return n;
                }
            }
        }
        panic!("no node serves slot {slot}")
    }

    /// The cluster id of node `i` (CLUSTER MYID).
    pub fn node_id(&self, i: usize) -> String {
        node_id(&self.nodes[i])
    }

    /// The index in `nodes` of the node serving `slot`.
    pub fn owner_index(&self, slot: u16) -> usize {
        let port = self.owner(slot).port;
        self.nodes.iter().position(|n| n.port == port).unwrap()
    }

    /// A writer that sends each command of a pipeline to the node serving its key, one
    /// pipeline per node: bulk set-up at the speed of a single node (the cluster client
    /// sends a pipeline one command at a time). Single-key commands only.
    pub fn routed_writer(&self) -> RoutedWriter {
        // CLUSTER SLOTS: [[first, last, [host, port, id, {meta}], ...], ...].
        let ranges: Vec<(u16, u16, Vec<redis::Value>)> = redis::cmd("CLUSTER")
            .arg("SLOTS")
            .query(&mut self.nodes[0].conn())
            .unwrap();
        let mut owner = vec![usize::MAX; 16384];
        for (lo, hi, primary) in ranges {
            let port: u16 = redis::from_redis_value(primary[1].clone()).unwrap();
            let node = self
                .nodes
                .iter()
                .position(|n| n.port == Some(port))
                .unwrap();
            owner[usize::from(lo)..=usize::from(hi)].fill(node);
        }
        RoutedWriter {
            owner,
            conns: self.nodes.iter().map(|n| n.conn()).collect(),
        }
    }
}

/// The cluster id of `node` (CLUSTER MYID).
pub fn node_id(node: &RedisServer) -> String {
    redis::cmd("CLUSTER")
        .arg("MYID")
        .query(&mut node.conn())
        .unwrap()
}

pub struct RoutedWriter {
    owner: Vec<usize>,
    conns: Vec<redis::Connection>,
}

impl RoutedWriter {
    pub fn write(&mut self, pipe: redis::Pipeline) {
        let mut per_node: Vec<redis::Pipeline> = self.conns.iter().map(|_| redis::pipe()).collect();
        for cmd in pipe.cmd_iter() {
            let key = match cmd.args_iter().nth(1) {
                Some(redis::Arg::Simple(k)) => k,
                _ => panic!("a keyed command"),
            };
            let node = self.owner[usize::from(cachecore::slot::key_slot(key))];
            per_node[node].add_command(cmd.clone()).ignore();
        }
        for (pipe, conn) in per_node.iter().zip(&mut self.conns) {
            let () = pipe.query(conn).expect("write to a cluster node");
        }
    }
}
