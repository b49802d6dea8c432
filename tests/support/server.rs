//! Real `redis-server` processes owned by one test: started in a private temp dir with no
//! persistence, awaited by polling PING (never a fixed sleep), killed on drop.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

pub struct RedisServer {
    child: Child,
    dir: TempDir,
    /// The URL the binary under test is given.
    pub url: String,
    pub port: Option<u16>,
    password: Option<String>,
    /// The redis-server arguments, for a restart in the same place.
    args: Vec<String>,
}

fn launch(args: &[String]) -> Child {
    Command::new(redis_server_binary())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn redis-server")
}

fn redis_server_binary() -> String {
    let bin = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
    match Command::new(&bin).arg("--version").output() {
        Ok(out) if out.status.success() => bin,
        _ => panic!(
            "`{bin}` was not found or does not run: the tests need a real redis-server \
             (apt-get install redis-server, or set REDIS_SERVER to its path)"
        ),
    }
}

impl RedisServer {
    /// A server on a private unix socket (no TCP port, so no port races).
    pub fn start() -> RedisServer {
        Self::spawn(None, &[])
    }

    /// [`RedisServer::start`] with extra `redis-server` arguments.
    pub fn start_with(extra: &[&str]) -> RedisServer {
        Self::spawn(None, extra)
    }

    /// A server whose data survives a crash and restart (AOF, fsync on every write).
    pub fn durable() -> RedisServer {
        Self::start_with(&["--appendonly", "yes", "--appendfsync", "always"])
    }

    /// A server on a free TCP port of 127.0.0.1, with extra `redis-server` arguments.
    pub fn start_tcp(extra: &[&str]) -> RedisServer {
        Self::start_tcp_below(u16::MAX, extra)
    }

    /// [`RedisServer::start_tcp`] on a port below `limit` (a cluster node also binds its
    /// port + 10000 for the cluster bus).
    pub fn start_tcp_below(limit: u16, extra: &[&str]) -> RedisServer {
        // Another process may grab the port between our probe and redis binding it: retry.
        for _ in 0..20 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            if port >= limit {
                continue;
            }
            if let Some(server) = Self::try_spawn(Some(port), extra) {
                return server;
            }
        }
        panic!("could not start redis-server on a free TCP port after 20 tries");
    }

    /// A server that speaks only TLS on a free port (plus the private unix socket for
    /// setup), with a CA, server and client certificate generated now by openssl.
    /// `auth_clients` is redis-server's `--tls-auth-clients` (yes, no, optional).
    pub fn start_tls(auth_clients: &str) -> (RedisServer, TlsFiles) {
        let certs = tempfile::Builder::new()
            .prefix("cc-tls")
            .tempdir()
            .expect("temp dir");
        let files = TlsFiles::generate(certs);
        let (cert, key, ca) = (
            files.path("server.crt"),
            files.path("server.key"),
            files.path("ca.crt"),
        );
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let args = [
                "--tls-port",
                &port.to_string(),
                "--tls-cert-file",
                &cert,
                "--tls-key-file",
                &key,
                "--tls-ca-cert-file",
                &ca,
                "--tls-auth-clients",
                auth_clients,
            ];
            if let Some(mut server) = Self::try_spawn(None, &args) {
                server.url = format!("rediss://127.0.0.1:{port}");
                server.port = Some(port);
                return (server, files);
            }
        }
        panic!("could not start a TLS redis-server after 5 tries");
    }

    fn spawn(port: Option<u16>, extra: &[&str]) -> RedisServer {
        Self::try_spawn(port, extra).expect("redis-server started")
    }

    fn try_spawn(port: Option<u16>, extra: &[&str]) -> Option<RedisServer> {
        let dir = tempfile::Builder::new()
            .prefix("cc-redis")
            .tempdir()
            .expect("temp dir");
        let socket = dir.path().join("redis.sock");
        let log = dir.path().join("redis.log");
        let mut args: Vec<String> = [
            "--port",
            &port.unwrap_or(0).to_string(),
            "--bind",
            "127.0.0.1",
            "--unixsocket",
            &socket.display().to_string(),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            &dir.path().display().to_string(),
            "--logfile",
            &log.display().to_string(),
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        args.extend(extra.iter().map(|a| a.to_string()));
        let child = launch(&args);
        let password = extra
            .windows(2)
            .find(|w| w[0] == "--requirepass")
            .map(|w| w[1].to_string());
        let url = match port {
            Some(p) => format!("redis://127.0.0.1:{p}"),
            None => format!("redis+unix://{}", socket.display()),
        };
        let mut server = RedisServer {
            child,
            dir,
            url,
            port,
            password,
            args,
        };
        server.wait_ready(&socket).then_some(server)
    }

    fn wait_ready(&mut self, socket: &Path) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if socket.exists()
                && let Ok(mut conn) = self.client().get_connection()
                && redis::cmd("PING").query::<String>(&mut conn).is_ok()
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!(
            "redis-server did not answer PING within 20 s; log: {}",
            self.log()
        );
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default()
    }

    /// A direct client over the unix socket, for setting up and checking state.
    pub fn client(&self) -> redis::Client {
        let socket = self.dir.path().join("redis.sock");
        let mut url = format!("redis+unix://{}", socket.display());
        if let Some(pw) = &self.password {
            url.push_str(&format!("?pass={pw}"));
        }
        redis::Client::open(url).expect("client")
    }

    pub fn conn(&self) -> redis::Connection {
        self.client()
            .get_connection()
            .expect("connect to the test server")
    }

    /// Starts the server again with the same arguments, directory, socket and port (a
    /// server started with `--appendonly yes` comes back with its data).
    pub fn restart(&mut self) {
        self.kill();
        let socket = self.dir.path().join("redis.sock");
        let _ = std::fs::remove_file(&socket);
        self.child = launch(&self.args);
        assert!(
            self.wait_ready(&socket),
            "redis-server restarted: {}",
            self.log()
        );
    }

    /// Sends a signal (STOP, CONT) to the server process.
    pub fn signal(&self, name: &str) {
        super::send_signal(self.child.id(), name);
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A throwaway CA with a server certificate for 127.0.0.1 and a client certificate.
pub struct TlsFiles {
    dir: TempDir,
}

impl TlsFiles {
    /// A fresh CA with server (127.0.0.1, localhost) and client certificates, for a TLS
    /// server of our own (`cachecore serve --listen-cert`).
    pub fn new() -> TlsFiles {
        let dir = tempfile::Builder::new()
            .prefix("cc-tls")
            .tempdir()
            .expect("temp dir");
        TlsFiles::generate(dir)
    }

    fn generate(dir: TempDir) -> TlsFiles {
        let files = TlsFiles { dir };
        let d = files.dir.path();
        std::fs::write(
            d.join("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        std::fs::write(d.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ];
        openssl(
            d,
            &[
                &["req", "-x509", "-new"],
                &ec[..],
                &[
                    "-keyout",
                    "ca.key",
                    "-out",
                    "ca.crt",
                    "-days",
                    "2",
                    "-subj",
                    "/CN=cachecore test CA",
                ],
            ]
            .concat(),
        );
        for name in ["server", "client"] {
            let (key, csr, crt, ext) = (
                format!("{name}.key"),
                format!("{name}.csr"),
                format!("{name}.crt"),
                format!("{name}.ext"),
            );
            let subj = format!("/CN=cachecore test {name}");
            openssl(
                d,
                &[
                    &["req", "-new"],
                    &ec[..],
                    &["-keyout", &key, "-out", &csr, "-subj", &subj],
                ]
                .concat(),
            );
            openssl(
                d,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &csr,
                    "-CA",
                    "ca.crt",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-out",
                    &crt,
                    "-days",
                    "2",
                    "-extfile",
                    &ext,
                ],
            );
        }
        files
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs (the TLS tests generate their certificates with it)");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
