//! Helpers: temp corpora and running the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// A corpus and an index directory that vanish with the test.
pub(crate) struct Site {
    pub(crate) dir: tempfile::TempDir,
}

impl Site {
    pub(crate) fn new() -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("corpus")).expect("corpus dir");
        Site { dir }
    }

    /// A site whose index holds the shipped corpus (`corpus/`), which stays where it is.
    pub(crate) fn shipped() -> Site {
        let site = Site::new();
        let corpus = repo_root().join("corpus");
        let index = site.index_dir();
        let indexed = himsearch(&[
            "index",
            "--quiet",
            "--corpus",
            corpus.to_str().unwrap(),
            "--index",
            index.to_str().unwrap(),
        ]);
        assert!(
            indexed.status.success(),
            "{}",
            String::from_utf8_lossy(&indexed.stderr)
        );
        site
    }

    pub(crate) fn corpus(&self) -> PathBuf {
        self.dir.path().join("corpus")
    }

    pub(crate) fn index_dir(&self) -> PathBuf {
        self.dir.path().join("index")
    }

    pub(crate) fn write(&self, path: &str, contents: impl AsRef<[u8]>) {
        let full = self.corpus().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, contents).expect("write");
    }

    pub(crate) fn remove(&self, path: &str) {
        std::fs::remove_file(self.corpus().join(path)).expect("remove");
    }

    /// Runs `himsearch index --json` with extra args; returns the summary.
    pub(crate) fn index(&self, extra: &[&str]) -> Value {
        let mut args = vec!["index", "--json", "--corpus"];
        let corpus = self.corpus();
        let index = self.index_dir();
        args.push(corpus.to_str().unwrap());
        args.push("--index");
        args.push(index.to_str().unwrap());
        args.extend_from_slice(extra);
        let output = himsearch(&args);
        assert!(
            output.status.success(),
            "index failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("summary JSON")
    }

    /// Runs `himsearch index --json --jsonl FILE`; returns the summary.
    pub(crate) fn index_jsonl(&self, file: &Path) -> Value {
        let index = self.index_dir();
        let output = himsearch(&[
            "index",
            "--json",
            "--jsonl",
            file.to_str().unwrap(),
            "--index",
            index.to_str().unwrap(),
        ]);
        assert!(
            output.status.success(),
            "index failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("summary JSON")
    }

    /// Runs `himsearch search --json` and returns the response.
    pub(crate) fn search(&self, query: &str, extra: &[&str]) -> Value {
        let index = self.index_dir();
        let mut args = vec!["search", "--json", "--index", index.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.push("--");
        args.push(query);
        let output = himsearch(&args);
        assert!(
            output.status.success(),
            "search failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("response JSON")
    }
}

/// The `himsearch` binary run by `sh` under an address-space cap (`ulimit -v`, in KiB) that
/// its child processes inherit, so a test of a memory bound fails instead of swapping. Its
/// arguments follow.
pub(crate) fn himsearch_capped(cap_kib: u64) -> Command {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("ulimit -v {cap_kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_himsearch"));
    command
}

pub(crate) fn himsearch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_himsearch"))
        .args(args)
        .output()
        .expect("run himsearch")
}

/// Ids of the hits, in rank order.
pub(crate) fn ids(response: &Value) -> Vec<String> {
    response["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|hit| hit["id"].as_str().expect("id").to_string())
        .collect()
}

/// Problems of a summary as (path, kind).
pub(crate) fn problems(summary: &Value) -> Vec<(String, String)> {
    summary["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap().to_string(),
                p["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Facet counts of one facet as (value, count).
pub(crate) fn facet_counts(response: &Value, facet: &str) -> Vec<(String, u64)> {
    response["facets"][facet]
        .as_array()
        .expect("facet array")
        .iter()
        .map(|c| {
            (
                c["value"].as_str().unwrap().to_string(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

pub(crate) fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A PDF showing `lines` (the first is its title), made by the corpus's own PDF writer.
pub(crate) fn make_pdf(lines: &[&str]) -> Vec<u8> {
    him_corpus_tools::render_pdf(&lines.join("\n"))
}

/// A `himsearch serve` child process on a loopback port, stopped when dropped. Its log is
/// drained on a thread so a chatty server never blocks on a full pipe.
pub(crate) struct Server {
    child: std::process::Child,
    /// `host:port` it listens on.
    pub(crate) addr: String,
}

impl Server {
    /// Starts `himsearch serve --addr 127.0.0.1:0` on the site's corpus and index with `extra`
    /// arguments, and waits for it to announce its address.
    pub(crate) fn start(site: &Site, extra: &[&str]) -> Server {
        Server::start_with_env(site, extra, &[])
    }

    /// [`Server::start`] publishing the site's corpus under `/site/`, with no rate limit (one
    /// browser's requests stand for many readers').
    pub(crate) fn start_publishing(site: &Site) -> Server {
        let corpus = site.corpus();
        Server::start(
            site,
            &[
                "--rate-limit",
                "0",
                "--site-dir",
                corpus.to_str().expect("utf-8 path"),
            ],
        )
    }

    /// [`Server::start`] with extra environment variables for the server process.
    pub(crate) fn start_with_env(site: &Site, extra: &[&str], env: &[(&str, &str)]) -> Server {
        Server::spawn(
            Command::new(env!("CARGO_BIN_EXE_himsearch")),
            site,
            extra,
            env,
        )
    }

    /// [`Server::start_with_env`] under an address-space cap (`ulimit -v`, in KiB) that its
    /// child processes inherit.
    pub(crate) fn start_capped(
        site: &Site,
        extra: &[&str],
        env: &[(&str, &str)],
        cap_kib: u64,
    ) -> Server {
        Server::spawn(himsearch_capped(cap_kib), site, extra, env)
    }

    fn spawn(mut command: Command, site: &Site, extra: &[&str], env: &[(&str, &str)]) -> Server {
        use std::io::{BufRead, BufReader};
        let mut child = command
            .args(["serve", "--addr", "127.0.0.1:0", "--corpus"])
            .arg(site.corpus())
            .arg("--index")
            .arg(site.index_dir())
            .args(extra)
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start himsearch serve");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let mut seen = String::new();
        let mut line = String::new();
        let addr = loop {
            line.clear();
            if stderr.read_line(&mut line).unwrap_or(0) == 0 {
                let _ = child.kill();
                panic!("serve exited before announcing its address: {seen}");
            }
            seen.push_str(&line);
            if let Some(rest) = line.split("http://").nth(1) {
                break rest.split('/').next().expect("address").to_string();
            }
        };
        std::thread::spawn(move || {
            let mut sink = String::new();
            while stderr.read_line(&mut sink).unwrap_or(0) > 0 {
                sink.clear();
            }
        });
        Server { child, addr }
    }

    /// Process id of the server.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `http://host:port`.
    pub(crate) fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
