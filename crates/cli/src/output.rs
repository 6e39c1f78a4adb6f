//! How results reach the user: human text on stdout, chatter on stderr (hidden by `--quiet`),
//! or one JSON document per command with `--json`.

use serde::Serialize;

/// Output mode chosen on the command line.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Suppress chatter and progress bars.
    pub quiet: bool,
    /// Print JSON instead of text.
    pub json: bool,
}

impl Output {
    /// Output mode from the global flags.
    pub fn new(quiet: bool, json: bool) -> Self {
        Output { quiet, json }
    }

    /// A status line on stderr (hidden with `--quiet` or `--json`).
    pub fn note(&self, msg: impl AsRef<str>) {
        if !self.quiet && !self.json {
            eprintln!("{}", msg.as_ref());
        }
    }

    /// Prints the result: `value` as JSON with `--json`, else the human `text`.
    pub fn result<T: Serialize>(
        &self,
        value: &T,
        text: impl FnOnce() -> String,
    ) -> anyhow::Result<()> {
        let body = if self.json {
            serde_json::to_string_pretty(value)?
        } else {
            text().trim_end().to_string()
        };
        if !body.is_empty() {
            stdout_line(&body);
        }
        Ok(())
    }

    /// Whether progress bars may be drawn.
    pub fn progress(&self) -> bool {
        !self.quiet && !self.json
    }
}

/// Renders rows as an aligned plain-text table.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut w: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (k, c) in r.iter().enumerate() {
            if k < w.len() {
                w[k] = w[k].max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .enumerate()
            .map(|(k, c)| format!("{:<width$}", c, width = w[k]))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut s = line(header.to_vec());
    s.push('\n');
    s.push_str(&line(
        w.iter()
            .map(|&n| "-".repeat(n))
            .collect::<Vec<_>>()
            .iter()
            .map(|x| x.as_str())
            .collect(),
    ));
    s.push('\n');
    for r in rows {
        s.push_str(&line(r.iter().map(|x| x.as_str()).collect()));
        s.push('\n');
    }
    s
}

/// One row per model with the headline metrics present in the reports.
pub fn summary_table(reports: &[cinerec_eval::Report]) -> String {
    let mut keys: Vec<String> = Vec::new();
    for r in reports {
        for k in r.metrics.keys() {
            let wanted =
                !k.starts_with("n_") && !k.starts_with("mean_train") && !k.starts_with("share_");
            if wanted && !keys.iter().any(|x| x == k) {
                keys.push(k.to_string());
            }
        }
    }
    let mut header: Vec<&str> = vec!["model"];
    header.extend(keys.iter().map(|s| s.as_str()));
    header.push("fit s");
    let rows: Vec<Vec<String>> = reports
        .iter()
        .map(|r| {
            let mut row = vec![r.model.name.clone()];
            row.extend(keys.iter().map(|k| {
                r.metrics
                    .get(k)
                    .map(|v| format!("{v:.4}"))
                    .unwrap_or_else(|| "-".into())
            }));
            row.push(
                r.timings
                    .fit_s
                    .map(|s| format!("{s:.3}"))
                    .unwrap_or_else(|| "-".into()),
            );
            row
        })
        .collect();
    table(&header, &rows)
}

/// Writes `line` and a newline to stdout. A reader that went away (`cinerec runs list | head`)
/// ends the process quietly with status 0, as a Unix filter does, instead of a panic.
pub fn stdout_line(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: writing to stdout: {e}");
        std::process::exit(1);
    }
}
