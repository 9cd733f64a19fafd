//! A small W3C WebDriver client for the browser tests: Debian's `chromedriver` driving headless
//! `chromium`, spoken to over loopback HTTP. Only the commands the tests use.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Key of an element reference in WebDriver JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// WebDriver codes of special keys.
pub(crate) mod keys {
    pub(crate) const ENTER: &str = "\u{E007}";
    pub(crate) const ESCAPE: &str = "\u{E00C}";
    pub(crate) const ARROW_UP: &str = "\u{E013}";
    pub(crate) const ARROW_DOWN: &str = "\u{E015}";
    pub(crate) const CONTROL: &str = "\u{E009}";
}

/// Where the browser and its driver live (Debian's `chromium` and `chromium-driver`).
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A browser session; the driver process and the session end when it is dropped.
pub(crate) struct Browser {
    driver: Child,
    session: String,
    base: String,
    http: reqwest::blocking::Client,
    _profile: tempfile::TempDir,
}

/// An element of the page, as the driver refers to it.
#[derive(Debug, Clone)]
pub(crate) struct Element(Value);

impl Browser {
    /// Starts chromedriver and a headless Chromium session. Panics with install instructions
    /// when the browser is missing; `HIMSEARCH_SKIP_BROWSER_TESTS=1` skips instead, loudly.
    pub(crate) fn start() -> Option<Browser> {
        if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
            if std::env::var_os("HIMSEARCH_SKIP_BROWSER_TESTS").is_some() {
                eprintln!("SKIPPED: browser test (HIMSEARCH_SKIP_BROWSER_TESTS is set)");
                return None;
            }
            panic!(
                "browser tests need {CHROMIUM} and {CHROMEDRIVER}: `apt-get install -y chromium \
                 chromium-driver` (tests/run does it), or set HIMSEARCH_SKIP_BROWSER_TESTS=1"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .no_proxy()
            .build()
            .expect("http client");
        let started = Instant::now();
        loop {
            let ready = http
                .get(format!("{base}/status"))
                .send()
                .ok()
                .and_then(|r| r.json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let mut browser = Browser {
            driver,
            session: String::new(),
            base,
            http,
            _profile: profile,
        };
        // The flags keep Chromium off the network: this machine has none but loopback.
        let args = json!([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,1000",
            format!("--user-data-dir={}", browser._profile.path().display()),
        ]);
        let created = browser.command(
            "POST",
            "/session",
            json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": CHROMIUM, "args": args}
            }}}),
        );
        browser.session = created["sessionId"]
            .as_str()
            .expect("session id")
            .to_string();
        Some(browser)
    }

    fn command(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{}", self.base, path);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body),
        };
        let response: Value = request
            .send()
            .unwrap_or_else(|err| panic!("webdriver {method} {path}: {err}"))
            .json()
            .expect("webdriver JSON");
        let value = response["value"].clone();
        if let Some(error) = value.get("error") {
            panic!(
                "webdriver {method} {path}: {error}: {}",
                value["message"].as_str().unwrap_or("")
            );
        }
        value
    }

    fn session_command(&self, method: &str, path: &str, body: Value) -> Value {
        self.command(method, &format!("/session/{}{}", self.session, path), body)
    }

    /// Opens `url` and waits for the load.
    pub(crate) fn goto(&self, url: &str) {
        self.session_command("POST", "/url", json!({ "url": url }));
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page.
    pub(crate) fn run(&self, script: &str, args: &[Value]) -> Value {
        self.session_command(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": args}),
        )
    }

    /// Runs `script` asynchronously: it ends by calling `arguments[arguments.length - 1]`
    /// with the result.
    pub(crate) fn run_async(&self, script: &str, args: &[Value]) -> Value {
        self.session_command(
            "POST",
            "/execute/async",
            json!({"script": script, "args": args}),
        )
    }

    /// Polls `script` until it returns something truthy (not null/false/""/0); returns it.
    /// Panics after 10 s with `what` and the last value.
    pub(crate) fn wait_for(&self, what: &str, script: &str, args: &[Value]) -> Value {
        let started = Instant::now();
        loop {
            let value = self.run(script, args);
            let truthy = match &value {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::String(s) => !s.is_empty(),
                Value::Number(n) => n.as_f64() != Some(0.0),
                _ => true,
            };
            if truthy {
                return value;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "timed out waiting for {what}; last value {value}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// An element returned by `script`.
    pub(crate) fn element(&self, script: &str, args: &[Value]) -> Element {
        let value = self.run(script, args);
        assert!(
            value.get(ELEMENT_KEY).is_some(),
            "script did not return an element: {script} -> {value}"
        );
        Element(value)
    }

    fn element_id(element: &Element) -> &str {
        element.0[ELEMENT_KEY].as_str().expect("element id")
    }

    /// Types `text` into `element` (focusing it first), as a user would.
    pub(crate) fn type_into(&self, element: &Element, text: &str) {
        self.session_command(
            "POST",
            &format!("/element/{}/value", Browser::element_id(element)),
            json!({ "text": text }),
        );
    }

    /// Clicks `element`.
    pub(crate) fn click(&self, element: &Element) {
        self.session_command(
            "POST",
            &format!("/element/{}/click", Browser::element_id(element)),
            json!({}),
        );
    }

    /// Presses and releases each key of `keys` in turn, on whatever has focus.
    pub(crate) fn press(&self, keys: &[&str]) {
        let mut actions = Vec::new();
        for key in keys {
            actions.push(json!({"type": "keyDown", "value": key}));
            actions.push(json!({"type": "keyUp", "value": key}));
        }
        self.key_actions(actions);
    }

    /// Types `text` into whatever has focus, a key every `every` (one WebDriver action list, so
    /// the pauses are the browser's own, not the test's round trips).
    pub(crate) fn type_slowly(&self, text: &str, every: std::time::Duration) {
        let mut actions = Vec::new();
        for c in text.chars() {
            let key = c.to_string();
            actions.push(json!({"type": "keyDown", "value": key}));
            actions.push(json!({"type": "keyUp", "value": key}));
            actions.push(json!({"type": "pause", "duration": every.as_millis() as u64}));
        }
        self.key_actions(actions);
    }

    /// Presses `key` while holding Control.
    pub(crate) fn press_with_control(&self, key: &str) {
        self.key_actions(vec![
            json!({"type": "keyDown", "value": keys::CONTROL}),
            json!({"type": "keyDown", "value": key}),
            json!({"type": "keyUp", "value": key}),
            json!({"type": "keyUp", "value": keys::CONTROL}),
        ]);
    }

    fn key_actions(&self, actions: Vec<Value>) {
        self.session_command(
            "POST",
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        );
        self.session_command("DELETE", "/actions", Value::Null);
    }

    /// Resizes the window.
    pub(crate) fn resize(&self, width: u32, height: u32) {
        self.session_command(
            "POST",
            "/window/rect",
            json!({"width": width, "height": height}),
        );
    }

    /// Runs a Chrome DevTools Protocol command (chromedriver's `goog/cdp/execute`): media
    /// emulation, for instance.
    pub(crate) fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.session_command(
            "POST",
            "/goog/cdp/execute",
            json!({"cmd": cmd, "params": params}),
        )
    }

    /// Goes back in history.
    pub(crate) fn back(&self) {
        self.session_command("POST", "/back", json!({}));
    }

    /// Saves a PNG of the viewport to `path` (a test artifact).
    pub(crate) fn screenshot(&self, path: &Path) {
        use base64::Engine;
        let data = self.session_command("GET", "/screenshot", Value::Null);
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().expect("base64 screenshot"))
            .expect("screenshot is base64");
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("artifact dir");
        }
        std::fs::write(path, png).expect("write screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self
                .http
                .delete(format!("{}/session/{}", self.base, self.session))
                .send();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
