//! Training curves as a picture: the per-epoch train and validation losses a fit reported,
//! drawn as a self-contained SVG line chart (no font files, no system libraries, no
//! external assets), written atomically next to the model file.

use crate::report::write_atomic;
use crate::Result;
use cinerec_core::EpochReport;
use std::fmt::Write as _;
use std::path::Path;

const W: f64 = 640.0;
const H: f64 = 400.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;
const COLOURS: [&str; 4] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

/// The series drawn for `history`: `train_loss` and, where reported, `val_loss`.
pub fn loss_series(history: &[EpochReport]) -> Vec<(String, Vec<(f64, f64)>)> {
    let train: Vec<(f64, f64)> = history
        .iter()
        .filter(|r| r.train_loss.is_finite())
        .map(|r| (r.epoch as f64, r.train_loss))
        .collect();
    let val: Vec<(f64, f64)> = history
        .iter()
        .filter_map(|r| {
            r.metrics
                .iter()
                .find(|(k, _)| k == "val_loss")
                .filter(|(_, v)| v.is_finite())
                .map(|(_, v)| (r.epoch as f64, *v))
        })
        .collect();
    let mut out = vec![("train loss".to_string(), train)];
    if !val.is_empty() {
        out.push(("validation loss".to_string(), val));
    }
    out
}

/// An SVG line chart of `series` (name, points) with axes, ticks and a legend.
pub fn svg_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[(String, Vec<(f64, f64)>)],
) -> String {
    let pts = series.iter().flat_map(|s| s.1.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if x1 - x0 < 1e-12 {
        x1 = x0 + 1.0;
    }
    let pad = ((y1 - y0) * 0.05).max(1e-6);
    (y0, y1) = (y0 - pad, y1 + pad);
    let px = |x: f64| LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT);
    let py = |y: f64| TOP + (y1 - y) / (y1 - y0) * (H - TOP - BOTTOM);

    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{}" y="22" text-anchor="middle" font-size="15">{}</text>
"##,
        W / 2.0,
        escape(title)
    );
    let (bx, by) = (H - BOTTOM, LEFT);
    let _ = writeln!(
        s,
        r##"<line x1="{by}" y1="{bx}" x2="{}" y2="{bx}" stroke="black"/><line x1="{by}" y1="{TOP}" x2="{by}" y2="{bx}" stroke="black"/>"##,
        W - RIGHT
    );
    for k in 0..=5 {
        let y = y0 + (y1 - y0) * k as f64 / 5.0;
        let (yy, right, lx, label) = (py(y), W - RIGHT, LEFT - 6.0, tick(y));
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{yy:.1}" x2="{right}" y2="{yy:.1}" stroke="#ddd"/><text x="{lx}" y="{:.1}" text-anchor="end">{label}</text>"##,
            yy + 4.0
        );
    }
    let step = ((x1 - x0) / 10.0).ceil().max(1.0);
    let mut x = x0;
    while x <= x1 + 1e-9 {
        let _ = writeln!(
            s,
            r##"<line x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{2}" stroke="black"/><text x="{0:.1}" y="{3}" text-anchor="middle">{4}</text>"##,
            px(x),
            bx,
            bx + 5.0,
            bx + 18.0,
            tick(x)
        );
        x += step;
    }
    let _ = writeln!(
        s,
        r##"<text x="{}" y="{}" text-anchor="middle">{}</text><text transform="translate(16 {}) rotate(-90)" text-anchor="middle">{}</text>"##,
        (LEFT + W - RIGHT) / 2.0,
        H - 12.0,
        escape(x_label),
        (TOP + bx) / 2.0,
        escape(y_label)
    );
    for (k, (name, points)) in series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let path: Vec<String> = points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let _ = writeln!(
            s,
            r##"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"##,
            path.join(" ")
        );
        for &(x, y) in points {
            let _ = writeln!(
                s,
                r##"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{colour}"/>"##,
                px(x),
                py(y)
            );
        }
        let ly = TOP + 8.0 + 18.0 * k as f64;
        let lx = W - RIGHT - 150.0;
        let _ = writeln!(
            s,
            r##"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{colour}" stroke-width="2"/><text x="{}" y="{}">{}</text>"##,
            lx + 20.0,
            lx + 26.0,
            ly + 4.0,
            escape(name)
        );
    }
    s.push_str("</svg>\n");
    s
}

/// Writes the loss curves of `history` for model `model` to `path` (SVG), atomically.
/// Nothing is written when no epoch was reported.
pub fn write_loss_curves(model: &str, history: &[EpochReport], path: &Path) -> Result<bool> {
    let series = loss_series(history);
    if series.iter().all(|s| s.1.is_empty()) {
        return Ok(false);
    }
    let svg = svg_chart(
        &format!("{model}: training curves"),
        "epoch",
        "loss",
        &series,
    );
    write_atomic(path, svg.as_bytes())?;
    Ok(true)
}

fn tick(v: f64) -> String {
    if v.abs() >= 100.0 || v == v.trunc() && v.abs() < 1e6 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(epoch: usize, train: f64, val: Option<f64>) -> EpochReport {
        EpochReport {
            epoch,
            epochs: 3,
            train_loss: train,
            metrics: val
                .map(|v| vec![("val_loss".to_string(), v)])
                .unwrap_or_default(),
        }
    }

    #[test]
    fn series_pick_train_and_validation_losses() {
        let h = vec![
            report(1, 2.0, Some(2.5)),
            report(2, 1.0, Some(1.5)),
            report(3, 0.5, None),
        ];
        let s = loss_series(&h);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].1, vec![(1.0, 2.0), (2.0, 1.0), (3.0, 0.5)]);
        assert_eq!(s[1].1, vec![(1.0, 2.5), (2.0, 1.5)]);
        assert_eq!(loss_series(&h[2..]).len(), 1);
    }

    #[test]
    fn svg_has_one_polyline_per_series_and_is_written_atomically() {
        let h = vec![report(1, 2.0, Some(2.5)), report(2, 1.0, Some(1.5))];
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.loss.svg");
        assert!(write_loss_curves("autorec", &h, &p).unwrap());
        let svg = std::fs::read_to_string(&p).unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("validation loss") && svg.contains("autorec"));
        // the lower loss is drawn lower on the page (larger y)
        assert!(!write_loss_curves("x", &[], &dir.path().join("none.svg")).unwrap());
        assert!(!dir.path().join("none.svg").exists());
    }
}
