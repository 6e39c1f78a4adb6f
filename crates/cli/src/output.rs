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
        if self.json {
            println!("{}", serde_json::to_string_pretty(value)?);
        } else {
            let t = text();
            if !t.is_empty() {
                println!("{}", t.trim_end());
            }
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
