//! `sibsim report` in a real browser (issue 13): headless Chromium renders MHEP 1's page to PNG and
//! to PDF, and loads it under the DevTools protocol to watch its console and its requests. The
//! screenshot is not blank, the PDF has pages, and the page logs no error and fetches nothing. A
//! control page that does log an error and ask for a file runs through the same harness and must be
//! caught by every check, so none of them can pass for want of looking.
//!
//! The browser is `SIBSIM_CHROMIUM`, else the first of `chromium`, `chromium-browser` and
//! `google-chrome` on the `PATH`. With none the test fails and says to install Debian's `chromium`
//! (`.ci/run` does), unless `SIBSIM_SKIP_BROWSER=1`, when it says it skipped.

use std::ffi::OsString;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Every browser run is killed after this long: a hung Chromium fails the test, never hangs it.
const TIMEOUT: Duration = Duration::from_secs(90);
/// The viewport of the screenshot: a page and a half of the report at desktop width.
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 2400;

/// The browser to use, or `None` when there is none and `SIBSIM_SKIP_BROWSER=1` says to skip.
fn browser() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SIBSIM_CHROMIUM").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            is_executable(&path),
            "SIBSIM_CHROMIUM={} is not an executable file",
            path.display()
        );
        return Some(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if is_executable(&candidate) {
                return Some(candidate);
            }
        }
    }
    if std::env::var("SIBSIM_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!(
            "tests/browser.rs: skipped, no Chromium found and SIBSIM_SKIP_BROWSER=1 \
             (the report was not checked in a browser)"
        );
        return None;
    }
    panic!(
        "tests/browser.rs needs headless Chromium and found none: install Debian's package \
         (apt-get install chromium) or run .ci/run, which installs it; or name a Chromium or \
         Chrome binary in SIBSIM_CHROMIUM; or set SIBSIM_SKIP_BROWSER=1 to skip this test"
    );
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The flags every run needs on a machine with no display, no GPU, no D-Bus and no network, as
/// root (where Chromium's sandbox cannot start), with a profile of its own (`profile`, fresh).
/// The `--disable-*` networking flags stop the calls home that would otherwise show among the
/// requests, or wait on a network that is not there.
fn flags(profile: &Path) -> Vec<OsString> {
    let mut flags: Vec<OsString> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        // Console messages go to stderr as `…:CONSOLE:<line>] "<text>", source: <url> (<line>)`.
        "--enable-logging=stderr",
        "--v=0",
    ]
    .map(OsString::from)
    .to_vec();
    flags.push(format!("--window-size={WIDTH},{HEIGHT}").into());
    let mut dir = OsString::from("--user-data-dir=");
    dir.push(profile);
    flags.push(dir);
    flags
}

/// `file://` URL of an absolute path, percent-encoding all but unreserved characters and `/`.
fn file_url(path: &Path) -> String {
    assert!(path.is_absolute(), "{}", path.display());
    let mut url = String::from("file://");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// A running browser, the leader of its own process group. Dropped while it still runs (a
/// timeout, a failed assertion), the whole group is killed — renderers and helpers included.
struct Browser {
    child: Child,
}

impl Browser {
    fn spawn(mut cmd: Command) -> Browser {
        cmd.process_group(0);
        let child = cmd.spawn().expect("start Chromium");
        Browser { child }
    }

    /// Waits for the browser to exit until `deadline`; past it, kills it and fails.
    fn wait(&mut self, deadline: Instant, what: &str) -> ExitStatus {
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for Chromium") {
                return status;
            }
            if Instant::now() >= deadline {
                self.kill();
                panic!("{what}: Chromium still running after {TIMEOUT:?}; killed it");
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill(&mut self) {
        // Only while the leader has not been reaped: its id is then still this group's.
        if let Ok(None) = self.child.try_wait() {
            let group = format!("-{}", self.child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs the browser once on `url` with `extra` flags (what to render, and where), in a fresh
/// profile under `dir`; returns its stderr. Fails if it exits unsuccessfully or times out.
fn headless(chromium: &Path, dir: &Path, tag: &str, extra: &[OsString], url: &str) -> String {
    let profile = dir.join(format!("profile-{tag}"));
    std::fs::create_dir(&profile).expect("profile dir");
    let log = dir.join(format!("{tag}.stderr"));
    let mut cmd = Command::new(chromium);
    cmd.args(flags(&profile))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(&log).expect("stderr file"));
    let mut browser = Browser::spawn(cmd);
    let status = browser.wait(Instant::now() + TIMEOUT, tag);
    let stderr = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(status.success(), "{tag}: Chromium {status}\n{stderr}");
    stderr
}

/// The console messages in a run's stderr, one line each (Chromium logs every level as INFO
/// there, so these are all of them, not only errors).
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

/// What a page did while it loaded, as the DevTools protocol reported it.
#[derive(Debug, Default)]
struct PageLog {
    /// `document.title` after the load event.
    title: String,
    /// Every console call, as `type: text` (`error: sibsim-control`).
    console: Vec<String>,
    /// Uncaught exceptions.
    exceptions: Vec<String>,
    /// The browser's own log entries at level error, such as a resource that failed to load.
    log_errors: Vec<String>,
    /// Every URL the page asked for, its own included.
    requests: Vec<String>,
    /// Requests that failed, with why.
    failed: Vec<String>,
}

impl PageLog {
    fn console_errors(&self) -> Vec<&String> {
        self.console
            .iter()
            .filter(|m| m.starts_with("error:") || m.starts_with("assert:"))
            .chain(&self.exceptions)
            .chain(&self.log_errors)
            .collect()
    }
}

/// A DevTools protocol session over `--remote-debugging-pipe`: JSON messages ended by a NUL,
/// read by Chromium from its fd 3 and written to its fd 4.
struct Cdp {
    to_browser: ChildStdin,
    from_browser: Receiver<Value>,
    next_id: u64,
    deadline: Instant,
    /// Events not yet looked at, in the order they came.
    events: Vec<Value>,
}

impl Cdp {
    fn send(&mut self, method: &str, params: Value, session: Option<&str>) -> u64 {
        self.next_id += 1;
        let mut msg = json!({ "id": self.next_id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).expect("json");
        bytes.push(0);
        self.to_browser
            .write_all(&bytes)
            .and_then(|()| self.to_browser.flush())
            .unwrap_or_else(|e| panic!("{method}: the browser's pipe closed: {e}"));
        self.next_id
    }

    /// The next message, or a failure at the deadline or when the browser goes away.
    fn next(&mut self, waiting_for: &str) -> Value {
        let left = self.deadline.saturating_duration_since(Instant::now());
        match self.from_browser.recv_timeout(left) {
            Ok(v) => v,
            Err(RecvTimeoutError::Timeout) => {
                panic!("no {waiting_for} from Chromium after {TIMEOUT:?}")
            }
            Err(RecvTimeoutError::Disconnected) => {
                panic!("Chromium closed its pipe while waiting for {waiting_for}")
            }
        }
    }

    /// Calls `method` and returns its result; events that come meanwhile are kept.
    fn call(&mut self, method: &str, params: Value, session: Option<&str>) -> Value {
        let id = self.send(method, params, session);
        loop {
            let msg = self.next(method);
            if msg["id"].as_u64() == Some(id) {
                if let Some(err) = msg.get("error") {
                    panic!("{method} failed: {err}");
                }
                return msg["result"].clone();
            }
            if msg.get("method").is_some() {
                self.events.push(msg);
            }
        }
    }

    /// Waits for the event `method` (or finds it among those already come).
    fn event(&mut self, method: &str) {
        if self.events.iter().any(|e| e["method"] == method) {
            return;
        }
        loop {
            let msg = self.next(method);
            let found = msg["method"] == method;
            self.events.push(msg);
            if found {
                return;
            }
        }
    }
}

/// The text of a console call's arguments, as the console would print them.
fn console_text(args: &Value) -> String {
    let parts: Vec<String> = args
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|a| match &a["value"] {
            Value::String(s) => s.clone(),
            Value::Null => a["description"].as_str().unwrap_or("").to_string(),
            v => v.to_string(),
        })
        .collect();
    parts.join(" ")
}

/// Loads `url` in a fresh browser under the DevTools protocol with the console, the browser's
/// log and the network watched from before the navigation, waits for the load event, and
/// returns what the page did.
fn inspect(chromium: &Path, dir: &Path, tag: &str, url: &str) -> PageLog {
    let profile = dir.join(format!("profile-{tag}"));
    std::fs::create_dir(&profile).expect("profile dir");
    let log = dir.join(format!("{tag}.stderr"));
    // Chromium's pipe is its fds 3 and 4; a shell moves this process's pipes there, so no unsafe
    // pre-exec code is needed. The shell `exec`s the browser: the process stays one to kill.
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(r#"exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null"#)
        .arg(chromium)
        .args(flags(&profile))
        .arg("--remote-debugging-pipe")
        .arg("about:blank")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(File::create(&log).expect("stderr file"));
    let mut browser = Browser::spawn(cmd);
    let to_browser = browser.child.stdin.take().expect("stdin");
    let stdout = browser.child.stdout.take().expect("stdout");
    let (tx, from_browser) = mpsc::channel();
    thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut buf = Vec::new();
        while matches!(reader.read_until(0, &mut buf), Ok(n) if n > 0) {
            if buf.last() == Some(&0) {
                buf.pop();
            }
            if let Ok(v) = serde_json::from_slice::<Value>(&buf) {
                if tx.send(v).is_err() {
                    break;
                }
            }
            buf.clear();
        }
    });
    let deadline = Instant::now() + TIMEOUT;
    let mut cdp = Cdp {
        to_browser,
        from_browser,
        next_id: 0,
        deadline,
        events: Vec::new(),
    };

    let target = cdp.call("Target.createTarget", json!({ "url": "about:blank" }), None);
    let target_id = target["targetId"].as_str().expect("targetId").to_string();
    let attached = cdp.call(
        "Target.attachToTarget",
        json!({ "targetId": target_id, "flatten": true }),
        None,
    );
    let session = attached["sessionId"]
        .as_str()
        .expect("sessionId")
        .to_string();
    let s = Some(session.as_str());
    for domain in ["Page", "Runtime", "Log", "Network"] {
        cdp.call(&format!("{domain}.enable"), json!({}), s);
    }
    // Only events from here on count: about:blank's own, if any, are not the page's.
    cdp.events.clear();
    let nav = cdp.call("Page.navigate", json!({ "url": url }), s);
    assert!(nav.get("errorText").is_none(), "{tag}: navigate: {nav}");
    cdp.event("Page.loadEventFired");
    // A round trip after the load: whatever the page logged before it has arrived by its answer.
    let title = cdp.call(
        "Runtime.evaluate",
        json!({ "expression": "document.title", "returnByValue": true }),
        s,
    );

    let mut page = PageLog {
        title: title["result"]["value"].as_str().unwrap_or("").to_string(),
        ..PageLog::default()
    };
    let mut urls = std::collections::HashMap::new();
    for e in cdp
        .events
        .iter()
        .filter(|e| e["sessionId"] == session.as_str())
    {
        let p = &e["params"];
        match e["method"].as_str().unwrap_or("") {
            "Runtime.consoleAPICalled" => page.console.push(format!(
                "{}: {}",
                p["type"].as_str().unwrap_or("?"),
                console_text(&p["args"])
            )),
            "Runtime.exceptionThrown" => {
                let d = &p["exceptionDetails"];
                page.exceptions.push(format!(
                    "{} {}",
                    d["text"].as_str().unwrap_or(""),
                    d["exception"]["description"].as_str().unwrap_or("")
                ));
            }
            "Log.entryAdded" if p["entry"]["level"] == "error" => page.log_errors.push(format!(
                "{}: {} ({})",
                p["entry"]["source"].as_str().unwrap_or("?"),
                p["entry"]["text"].as_str().unwrap_or(""),
                p["entry"]["url"].as_str().unwrap_or("")
            )),
            "Network.requestWillBeSent" => {
                let u = p["request"]["url"].as_str().unwrap_or("").to_string();
                urls.insert(p["requestId"].to_string(), u.clone());
                page.requests.push(u);
            }
            "Network.loadingFailed" => page.failed.push(format!(
                "{}: {}",
                urls.get(&p["requestId"].to_string())
                    .map_or("?", String::as_str),
                p["errorText"].as_str().unwrap_or("")
            )),
            _ => {}
        }
    }

    // Close the browser politely; if it lingers, `Drop` kills it.
    cdp.send("Browser.close", json!({}), None);
    let status = browser.wait(deadline, tag);
    let stderr = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(status.success(), "{tag}: Chromium {status}\n{stderr}");
    page
}

/// Luminance (Rec. 601, 0–255) of every pixel of a PNG, with its width and height.
fn luminance(png_bytes: &[u8]) -> (u32, u32, Vec<f64>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("decode the PNG");
    let channels = info.color_type.samples();
    let lum = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|px| match channels {
            1 | 2 => f64::from(px[0]),
            _ => 0.299 * f64::from(px[0]) + 0.587 * f64::from(px[1]) + 0.114 * f64::from(px[2]),
        })
        .collect();
    (info.width, info.height, lum)
}

/// A screenshot is blank below either threshold. Measured at 1280×2400 with Chromium 148 (luminance
/// variance; share of pixels darker than 250): MHEP 1's report at 1,000 trials, seed 7, 1,171 and
/// 26.7%; Chromium's own "Your file couldn't be accessed" page, 36.8 and 0.17%; the control page
/// (one word and one line), 2.4 and 0.015%; a white page 0 and 0. The thresholds sit well between:
/// the report has about 4× and 5× them, the error page an eighth and a thirtieth.
const MIN_VARIANCE: f64 = 300.0;
const MIN_INKED: f64 = 0.05;

/// Variance of the luminance, and the share of pixels that are not (near) white.
fn blankness(lum: &[f64]) -> (f64, f64) {
    let n = lum.len() as f64;
    let mean = lum.iter().sum::<f64>() / n;
    let var = lum.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / n;
    let inked = lum.iter().filter(|&&l| l < 250.0).count() as f64 / n;
    (var, inked)
}

/// Page objects in a PDF (`/Type /Page`, not `/Pages`), and the page tree's largest `/Count`
/// (its root's). Chromium's PDFs keep these dictionaries uncompressed.
fn pdf_pages(pdf: &[u8]) -> (usize, usize) {
    let key = b"/Type /Page";
    let objects = pdf
        .windows(key.len() + 1)
        .filter(|w| w.starts_with(key) && w[key.len()] != b's')
        .count();
    let count = b"/Count ";
    let root = pdf
        .windows(count.len())
        .enumerate()
        .filter(|(_, w)| *w == count)
        .filter_map(|(i, _)| {
            let digits: Vec<u8> = pdf[i + count.len()..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .copied()
                .collect();
            std::str::from_utf8(&digits).ok()?.parse::<usize>().ok()
        })
        .max()
        .unwrap_or(0);
    (objects, root)
}

#[test]
fn mhep1_report_renders_prints_and_is_quiet_in_chromium() {
    let Some(chromium) = browser() else { return };
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("mhep1.html");
    assert_cmd::Command::cargo_bin("sibsim")
        .expect("binary builds")
        .args(["report", "scenarios/mhep1.toml", "-o"])
        .arg(&page)
        .args(["--trials", "1000", "--seed", "7", "--quiet"])
        .assert()
        .success();
    let url = file_url(&page);

    // The screenshot: the viewport's size, and not blank.
    let shot = dir.path().join("mhep1.png");
    let mut arg = OsString::from("--screenshot=");
    arg.push(&shot);
    let png_log = headless(&chromium, dir.path(), "png", &[arg], &url);
    let (w, h, lum) = luminance(&std::fs::read(&shot).expect("the screenshot"));
    assert_eq!((w, h), (WIDTH, HEIGHT));
    let (var, inked) = blankness(&lum);
    assert!(
        var > MIN_VARIANCE,
        "luminance variance {var:.1}: the page looks blank"
    );
    assert!(
        inked > MIN_INKED,
        "{:.2}% of pixels not white: the page looks blank",
        100.0 * inked
    );

    // The PDF: a PDF, of several pages, whose page tree agrees with its page objects.
    let pdf_path = dir.path().join("mhep1.pdf");
    let mut arg = OsString::from("--print-to-pdf=");
    arg.push(&pdf_path);
    let pdf_log = headless(
        &chromium,
        dir.path(),
        "pdf",
        &[arg, "--no-pdf-header-footer".into()],
        &url,
    );
    let pdf = std::fs::read(&pdf_path).expect("the PDF");
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let (objects, count) = pdf_pages(&pdf);
    assert_eq!(objects, count, "page objects vs the page tree's /Count");
    // 23 pages (1,000 trials, seed 7, Chromium 148): the headline, then a chart or two a page.
    assert!(objects >= 2, "{objects} pages");

    // No console message while rendering either (the page has no script: there should be none).
    for (tag, log) in [("png", &png_log), ("pdf", &pdf_log)] {
        assert!(
            console_lines(log).is_empty(),
            "{tag}: {:?}",
            console_lines(log)
        );
    }

    // Under the DevTools protocol: no console message, no exception, no error in the browser's
    // log, and no request but the page itself.
    let log = inspect(&chromium, dir.path(), "cdp", &url);
    assert!(log.title.contains("mhep1_business_case"), "{log:?}");
    assert!(log.console.is_empty(), "{log:?}");
    assert!(log.console_errors().is_empty(), "{log:?}");
    assert!(log.failed.is_empty(), "{log:?}");
    assert_eq!(log.requests, [url.as_str()], "the page fetched something");

    eprintln!(
        "browser check: variance {var:.0}, {:.1}% not white, {objects} PDF pages, {:.1} s",
        100.0 * inked,
        started.elapsed().as_secs_f64()
    );
}

/// The same harness on a page that logs an error and asks for a file that is not there: each
/// check must catch it, or the report's passing them would prove nothing.
#[test]
fn the_harness_catches_a_console_error_and_a_request() {
    let Some(chromium) = browser() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("control.html");
    let missing = dir.path().join("missing.png");
    std::fs::write(
        &page,
        format!(
            "<!DOCTYPE html><html><head><title>control</title></head><body><p>control</p>\
             <script>console.error(\"sibsim-control\")</script>\
             <img src=\"{}\"/></body></html>",
            file_url(&missing)
        ),
    )
    .expect("write the control page");
    let url = file_url(&page);

    // The stderr route: Chromium's log shows the console call.
    let shot = dir.path().join("control.png");
    let mut arg = OsString::from("--screenshot=");
    arg.push(&shot);
    let stderr = headless(&chromium, dir.path(), "png", &[arg], &url);
    let lines = console_lines(&stderr);
    assert!(
        lines.iter().any(|l| l.contains("\"sibsim-control\"")),
        "the control's console.error is not in Chromium's log:\n{stderr}"
    );
    // And one word on a white page is "blank" by the report's thresholds.
    let (_, _, lum) = luminance(&std::fs::read(&shot).expect("the screenshot"));
    let (var, inked) = blankness(&lum);
    assert!(
        var < MIN_VARIANCE && inked < MIN_INKED,
        "the control page is not blank by the thresholds: variance {var:.1}, {inked:.4} inked"
    );
    // Nor is a page that failed to load: Chromium shows its own error page, and exits 0.
    let shot = dir.path().join("error.png");
    let mut arg = OsString::from("--screenshot=");
    arg.push(&shot);
    let missing_page = file_url(&dir.path().join("missing.html"));
    headless(&chromium, dir.path(), "error", &[arg], &missing_page);
    let (_, _, lum) = luminance(&std::fs::read(&shot).expect("the screenshot"));
    let (var, inked) = blankness(&lum);
    assert!(
        var < MIN_VARIANCE && inked < MIN_INKED,
        "the error page is not blank by the thresholds: variance {var:.1}, {inked:.4} inked"
    );

    // The DevTools route: the error, the failed load and the request.
    let log = inspect(&chromium, dir.path(), "cdp", &url);
    assert_eq!(log.title, "control");
    assert_eq!(log.console, ["error: sibsim-control"], "{log:?}");
    let errors = log.console_errors();
    assert!(
        errors.iter().any(|e| e.contains("sibsim-control")),
        "{log:?}"
    );
    assert!(
        log.log_errors.iter().any(|e| e.contains("missing.png")),
        "the failed load is not logged: {log:?}"
    );
    assert_eq!(log.requests, [url, file_url(&missing)], "{log:?}");
    assert_eq!(log.failed.len(), 1, "{log:?}");
    assert!(log.failed[0].contains("missing.png"), "{log:?}");
}
