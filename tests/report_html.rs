//! The HTML report: counts, matrix links, escaping of hostile answers, no network
//! resource, and a real render in headless Chromium (skipped with a message when
//! `/usr/bin/chromium` is missing; `.ci/install-chromium.sh` installs it).

mod report_fixture;

use polyconform::report::html;
use report_fixture::{COUNTS, run, temp_dir};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The text of the element with `id` (the page writes `id="X">text<`).
fn element_text<'a>(page: &'a str, id: &str) -> Option<&'a str> {
    let marker = format!("id=\"{id}\">");
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find('<')? + start;
    Some(&page[start..end])
}

#[test]
fn summary_counts_are_readable_by_id() {
    let page = html::render(&run());
    for (label, n) in COUNTS {
        assert_eq!(element_text(&page, &format!("count-{label}")), Some(n.to_string().as_str()), "count-{label}");
    }
    assert_eq!(element_text(&page, "count-total"), Some("10"));
    assert_eq!(element_text(&page, "meta-firmware"), Some("5.9.1.11071"));
    assert_eq!(element_text(&page, "meta-target"), Some("https://10.0.0.5"));
}

#[test]
fn hostile_answers_are_text_never_markup() {
    let page = html::render(&run());
    // The only script element is the page's own.
    assert_eq!(page.matches("<script").count(), 1, "a second <script> element reached the page");
    assert!(!page.contains("<img"), "an <img> from the answer reached the page");
    assert!(!page.contains("<div id=\"pwned\""), "a <div> from the answer reached the page");
    assert!(!page.contains("</pre><script>"), "a header value closed the wire log");
    // ... and the hostile text is still shown, escaped.
    assert!(page.contains("&lt;script&gt;document.body.setAttribute("), "the hostile answer is not shown");
    // Control characters are made visible instead of reaching the page raw.
    assert!(!page.contains('\u{1b}') && !page.contains('\u{0}'));
    assert!(page.contains("a\\x1b[31mred\\x00"), "escape sequences should be visible");
}

#[test]
fn every_case_is_on_the_page_with_its_evidence() {
    let r = run();
    let page = html::render(&r);
    for c in &r.cases {
        assert!(page.contains(&format!("id=\"case-{}\"", c.id)), "case {} has no anchor", c.id);
    }
    // Requirement with section and quote, acceptable outcomes, actual, wire log, reproducer.
    assert!(page.contains("This API returns the device information."));
    assert!(page.contains("HTTP 200 with Status &quot;5000&quot;"));
    assert!(page.contains("GET /api/v1/mgmt/device/info?x=&lt;script&gt; HTTP/1.1"));
    assert!(page.contains("HTTP/1.1 200\nContent-Type: application/json"));
    assert!(page.contains("connection reset &lt;by&gt; peer"));
    assert!(page.contains("no answer within 10000 ms"));
    assert!(page.contains("binary body (5 bytes, not UTF-8)") && page.contains("\\xff\\xfe&lt;b&gt;"));
    assert!(page.contains("truncated: 16384 of 40011 bytes shown"), "long bodies are cut with a note");
    assert!(page.contains("curl -sS -u &quot;Polycom:$POLYCONFORM_PASSWORD&quot;"));
    assert!(page.contains("waived: 413 only above 64 KB (reference: QA-1)"));
    assert!(page.contains("needs --allow-destructive"));
    assert!(page.contains("added `/data/BuildId` (string)"), "notes are shown");
    assert!(
        page.contains("[Authorization header sent: Basic, the right user with a wrong password (value not recorded)]")
    );
    // The runner's redactor masks header lines whole; the auth line must survive it.
    let redactor = polyconform::report::redact::Redactor::new("Polycom", "pw-123456");
    assert!(redactor.redact(&page).contains("the right user with a wrong password"));
}

#[test]
fn matrix_cells_show_the_worst_verdict_and_link_to_existing_cases() {
    let page = html::render(&run());
    let ids: Vec<&str> = page
        .match_indices(" id=\"")
        .map(|(i, m)| {
            let s = i + m.len();
            &page[s..s + page[s..].find('"').unwrap()]
        })
        .collect();
    let mut links = 0;
    for (i, m) in page.match_indices("href=\"#") {
        let s = i + m.len();
        let target = &page[s..s + page[s..].find('"').unwrap()];
        assert!(ids.contains(&target), "link to #{target} has no target");
        links += 1;
    }
    assert!(links > 10, "the matrix links to the cases");
    // Each cell names the cases it stands for (the page's script filters the list by it).
    let mut cells = 0;
    for (i, _) in page.match_indices("<a href=\"#case-") {
        let tag = &page[i..i + page[i..].find('>').unwrap()];
        let key = tag
            .split("data-cell=\"")
            .nth(1)
            .map(|r| &r[..r.find('"').unwrap()])
            .unwrap_or_else(|| panic!("cell without data-cell: {tag}"));
        // The cell's own attribute, plus at least one case carrying the same key.
        assert!(page.matches(&format!("data-cell=\"{key}\"")).count() >= 2, "no case for cell {key}");
        cells += 1;
    }
    assert_eq!(cells, 8, "one link per non-empty cell (4 endpoints/device-wide rows, 8 filled cells)");
    // mgmt.device-info has a FAIL (schema) and a PASS (status): the schema cell is FAIL.
    let row =
        &page[page.find("<tr><th scope=\"row\"><a href=\"#endpoint-mgmt.device-info\">").expect("device-info row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("data-verdict=\"FAIL\"><a href=\"#case-trio.schema.mgmt.device-info\""), "{row}");
    assert!(row.contains("data-verdict=\"PASS\""), "{row}");
    // mgmt.config-set: FAIL (content-type), NON-STRICT and WAIVED (size): worst of size is WAIVED.
    let row = &page[page.find("href=\"#endpoint-mgmt.config-set\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("data-verdict=\"WAIVED\""), "{row}");
}

#[test]
fn the_page_loads_nothing_from_anywhere() {
    let page = html::render(&run());
    for needle in ["<link", "src=\"", "@import", "url(", "href=\"http", "href=\"//", "<iframe", "<object", "<embed"] {
        assert!(!page.contains(needle), "the page references an external resource: `{needle}`");
    }
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.trim_end().ends_with("</html>"));
}

#[test]
fn an_empty_run_renders() {
    let mut r = run();
    r.cases.clear();
    r.notes.clear();
    r.device = None;
    r.recount();
    let page = html::render(&r);
    assert_eq!(element_text(&page, "count-total"), Some("0"));
    assert_eq!(element_text(&page, "meta-model"), Some("not reported"));
}

#[test]
fn write_puts_index_html_into_the_directory_and_redacts() {
    let dir = temp_dir("report-html-write");
    let mut r = run();
    r.notes.push("the phone echoed hunter22-secret".into());
    let redact = |s: &str| s.replace("hunter22-secret", "[REDACTED]");
    html::write_redacted(&r, &dir.join("nested"), &redact).unwrap();
    let page = std::fs::read_to_string(dir.join("nested").join("index.html")).unwrap();
    assert!(!page.contains("hunter22-secret") && page.contains("the phone echoed [REDACTED]"));
    html::write(&r, &dir).unwrap();
    assert!(dir.join("index.html").is_file());
}

const CHROMIUM: &str = "/usr/bin/chromium";

fn chromium(args: &[&str], profile: &Path) -> Option<std::process::Output> {
    let out = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("start chromium");
    Some(out)
}

/// Whether Chromium can be used. In CI (`CI=true`) the project's own setup script
/// installs Debian's package when it is missing, and a browser that still cannot be had
/// fails the test: CI must never pass by skipping the browser check.
fn chromium_available() -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    if std::env::var("CI").as_deref() != Ok("true") {
        return false;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/install-chromium.sh");
    let out = Command::new("bash").arg(&script).output().expect("run .ci/install-chromium.sh");
    assert!(
        out.status.success() && Path::new(CHROMIUM).exists(),
        "CI=true but Chromium could not be installed by {}:\n{}{}",
        script.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

/// Renders the page in a real browser: the counts must be in the DOM after the page's own
/// script ran, and nothing from the hostile phone may have run.
#[test]
fn chromium_renders_the_counts_and_runs_nothing_from_the_phone() {
    if !chromium_available() {
        eprintln!(
            "SKIPPED: {CHROMIUM} is missing; install it with `bash .ci/install-chromium.sh` to render the HTML report in a browser"
        );
        return;
    }
    let dir = temp_dir("report-html-chromium");
    html::write(&run(), &dir).unwrap();
    let index = dir.join("index.html");
    let url = format!("file://{}", index.display());
    let out = chromium(&["--dump-dom", &url], &dir.join("chrome-profile")).unwrap();
    assert!(out.status.success(), "chromium --dump-dom failed: {}", String::from_utf8_lossy(&out.stderr));
    let dom = String::from_utf8_lossy(&out.stdout).to_string();
    for (label, n) in COUNTS {
        assert_eq!(
            element_text(&dom, &format!("count-{label}")),
            Some(n.to_string().as_str()),
            "count-{label} in the DOM"
        );
    }
    let body_tag = &dom[dom.find("<body").expect("a body element")..];
    let body_tag = &body_tag[..body_tag.find('>').unwrap()];
    assert!(!body_tag.contains("data-pwned"), "script from the phone's answer ran in the browser: {body_tag}");
    assert!(dom.contains("setAttribute('data-pwned','1')"), "the hostile answer is shown as text");
    assert!(!dom.contains("<div id=\"pwned\""), "markup from the phone's answer became an element");
    assert!(!dom.contains("<img"), "an image element from the phone's answer exists");

    // The page's script: a matrix cell narrows the case list to its cases, a verdict
    // button hides that verdict. Driven by a probe appended to a copy of the page.
    let page = std::fs::read_to_string(&index).unwrap();
    let probe = "<script>\
        document.querySelector('a[data-cell=\"mgmt.config-set|size\"]').click();\
        var shown=document.querySelectorAll('details.case:not(.hidden)').length;\
        document.getElementById('cell-filter-clear').click();\
        document.querySelector('button[data-filter=\"PASS\"]').click();\
        var nopass=document.querySelectorAll('details.case:not(.hidden)').length;\
        document.body.setAttribute('data-probe', shown+' '+nopass);\
        </script></body>";
    let probed = dir.join("probed.html");
    std::fs::write(&probed, page.replacen("</body>", probe, 1)).unwrap();
    let out = chromium(&["--dump-dom", &format!("file://{}", probed.display())], &dir.join("chrome-profile")).unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("data-probe=\"2 7\""),
        "cell filter should show 2 cases, PASS filter 7: {}",
        &dom[dom.find("<body").unwrap()..][..200]
    );

    let png: PathBuf = dir.join("report.png");
    let shot = format!("--screenshot={}", png.display());
    let out =
        chromium(&["--window-size=1400,2400", "--hide-scrollbars", &shot, &url], &dir.join("chrome-profile")).unwrap();
    assert!(out.status.success(), "chromium --screenshot failed: {}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&png).expect("the screenshot was written");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 10_000, "not a PNG, or an empty one");
    println!("screenshot of the HTML report: {}", png.display());
    eprintln!("screenshot of the HTML report: {}", png.display());
}
