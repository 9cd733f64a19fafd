//! A killed indexer never leaves a broken index: the previous commit stays searchable and the
//! next run recovers without `--rebuild`.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::Site;

fn write_pages(site: &Site, count: usize, version: &str) {
    for i in 0..count {
        site.write(
            &format!("pages/p{i:05}.html"),
            format!(
                "<title>Page {i} {version}</title><main><h1>Coding page {i}</h1>\
                 <p>{version} text about RHIT exams, medical coders and registrars number {i}. {}</p></main>",
                "Health information management keeps records accurate. ".repeat(40)
            ),
        );
    }
}

#[cfg(unix)]
#[test]
fn sigkill_during_index_keeps_the_previous_index_and_recovers() {
    let site = Site::new();
    write_pages(&site, 1500, "alphaversion");
    let first = site.index(&[]);
    assert_eq!(first["documents"], 1500);

    write_pages(&site, 1500, "betaversion");
    for delay_ms in [30u64, 120, 400] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_himsearch"))
            .args(["index", "--quiet", "--corpus"])
            .arg(site.corpus())
            .arg("--index")
            .arg(site.index_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        // Whatever point it died at, the index answers wholly from one commit.
        let alpha = site.search("alphaversion", &[])["total"].as_u64().unwrap();
        let beta = site.search("betaversion", &[])["total"].as_u64().unwrap();
        assert!(
            (alpha, beta) == (1500, 0) || (alpha, beta) == (0, 1500),
            "after a kill at {delay_ms} ms: {alpha} old and {beta} new documents"
        );
    }

    // The next run recovers without --rebuild (stale lock and orphan segment files included).
    let recovered = site.index(&[]);
    assert_eq!(recovered["documents"], 1500);
    assert_eq!(site.search("betaversion", &[])["total"], 1500);
    assert_eq!(site.search("alphaversion", &[])["total"], 0);
}
