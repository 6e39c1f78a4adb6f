//! `cinerec rate` driven through piped stdin: answers with skips, bad input asked again, early
//! stop, cold start, the JSON profile file, and (on ML-100K) genre coverage of the questions,
//! explanations and saving to a SQLite store.

use crate::{ml100k, Run};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `cinerec` with `args` and `stdin` piped in.
fn rate(data_dir: &Path, work: &Path, args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cinerec"))
        .args(args)
        .env("CINEREC_DATA_DIR", data_dir)
        .env("CINEREC_MODEL_DIR", work.join("models"))
        .current_dir(work)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cinerec");
    // The child may exit before reading everything (q); a broken pipe is fine.
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    let out = child.wait_with_output().expect("wait for cinerec");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn tiny(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("tiny.csv");
    let mut s = String::from("user,item,rating,timestamp\n");
    for u in 1..=60 {
        for i in 1..=40 {
            if (u * 7 + i * 3) % 5 < 3 {
                s.push_str(&format!(
                    "{u},{i},{},{}\n",
                    1 + (u * i) % 5,
                    1_000_000 + u * 100 + i
                ));
            }
        }
    }
    std::fs::write(&p, s).unwrap();
    p
}

fn json(r: &Run) -> serde_json::Value {
    assert!(
        r.ok,
        "cinerec rate failed:\nstdout: {}\nstderr: {}",
        r.stdout, r.stderr
    );
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.stdout))
}

#[test]
fn piped_answers_skips_reasks_and_stops_early() {
    let t = tempfile::tempdir().unwrap();
    let f = tiny(t.path());
    let profile = t.path().join("me.json");
    // 5, skip, bad ("x" and "9" are asked again), 2, then q.
    let r = rate(
        t.path(),
        t.path(),
        &[
            "--output",
            "json",
            "rate",
            "--data",
            f.to_str().unwrap(),
            "-n",
            "5",
            "--save",
            profile.to_str().unwrap(),
        ],
        "5\n\nx\n9\n2\nq\n",
    );
    let v = json(&r);
    assert_eq!(v["ratings"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["skipped"], 1);
    assert_eq!(
        r.stderr.matches("please type a rating from 1 to 5").count(),
        2,
        "bad input must be asked again: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains("[1/20]") && r.stderr.contains("[3/20]"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("[5/20]"),
        "q must stop the questions: {}",
        r.stderr
    );
    let recs = v["recommendations"].as_array().unwrap();
    assert_eq!(recs.len(), 5);
    let rated: Vec<&str> = v["ratings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["movie"].as_str().unwrap())
        .collect();
    for rec in recs {
        assert!(
            !rated.contains(&rec["movie"].as_str().unwrap()),
            "recommended a rated movie: {rec}"
        );
        assert!(!rec["reason"].as_str().unwrap().is_empty());
    }
    // The profile file holds the two ratings.
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&profile).unwrap()).unwrap();
    assert_eq!(saved["ratings"].as_array().unwrap().len(), 2);
    assert_eq!(
        saved["ratings"][0]["rating"].as_f64().unwrap()
            + saved["ratings"][1]["rating"].as_f64().unwrap(),
        7.0
    );
    assert_eq!(
        v["saved"].as_str().unwrap(),
        format!("file:{}", profile.display())
    );
}

#[test]
fn no_ratings_is_a_cold_start_and_text_output_lists_reasons() {
    let t = tempfile::tempdir().unwrap();
    let f = tiny(t.path());
    // End of input right away: nothing rated, nothing saved.
    let r = rate(
        t.path(),
        t.path(),
        &["rate", "--data", f.to_str().unwrap(), "-n", "4"],
        "",
    );
    assert!(r.ok, "{}", r.stderr);
    assert!(
        r.stdout.contains("Top 4 for you (no ratings given"),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.matches("popular in").count(), 4, "{}", r.stdout);
    assert!(!r.stdout.contains("saved:"));
    // A bad rating scale answer never crashes, whatever the input.
    let r = rate(
        t.path(),
        t.path(),
        &["rate", "--data", f.to_str().unwrap()],
        "\u{0}\n-1\n1e99\nNaN\n3\n",
    );
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stdout.contains("from your 1 rating"), "{}", r.stdout);
}

#[test]
fn demographics_from_questions_or_flags_are_checked_and_recorded() {
    let t = tempfile::tempdir().unwrap();
    let f = tiny(t.path());
    let data = f.to_str().unwrap();
    // Asked (piped input needs --ask-demographics): a bad age and gender are asked again,
    // Enter skips the occupation; then one rating and q.
    let r = rate(
        t.path(),
        t.path(),
        &[
            "--output",
            "json",
            "rate",
            "--data",
            data,
            "--ask-demographics",
            "-n",
            "3",
        ],
        "200\n30\nX\nf\n\n5\nq\n",
    );
    let v = json(&r);
    assert_eq!(v["demographics"]["age"], 30, "{v}");
    assert_eq!(v["demographics"]["gender"], "F", "{v}");
    assert!(v["demographics"]["occupation"].is_null(), "{v}");
    assert_eq!(v["ratings"].as_array().unwrap().len(), 1);
    assert!(
        r.stderr.contains("age 200 is outside [1, 120]"),
        "{}",
        r.stderr
    );
    // No genders in this catalogue: the defaults.
    assert!(r.stderr.contains("is not one of: M, F"), "{}", r.stderr);
    // svd has no demographic input: recorded, not used.
    assert_eq!(v["used_demographics"], false);
    // From flags, no question asked; a bad flag value is an error naming what is allowed.
    let r = rate(
        t.path(),
        t.path(),
        &[
            "--output", "json", "rate", "--data", data, "--age", "41", "--gender", "M",
        ],
        "",
    );
    let v = json(&r);
    assert_eq!(v["demographics"]["age"], 41, "{v}");
    assert!(!r.stderr.contains("Your age"), "{}", r.stderr);
    let r = rate(
        t.path(),
        t.path(),
        &["rate", "--data", data, "--gender", "robot"],
        "",
    );
    assert!(!r.ok);
    assert!(
        r.stderr.contains("gender `robot` is not one of"),
        "{}",
        r.stderr
    );
}

#[test]
fn ml100k_questions_are_varied_reasons_explain_and_the_store_keeps_the_profile() {
    let Some(ml) =
        ml100k("ml100k_questions_are_varied_reasons_explain_and_the_store_keeps_the_profile")
    else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}", t.path().join("rate.db").display());
    let answers = "5\n4\n\n5\n3\n4\n\n2\n5\n4\n1\n\n4\n5\n3\n\n4\n5\n2\n4\n";
    let r = rate(
        t.path(),
        t.path(),
        &[
            "--output",
            "json",
            "rate",
            "--data",
            ml.to_str().unwrap(),
            "--store",
            &store,
            "--yes",
        ],
        answers,
    );
    let v = json(&r);
    assert_eq!(v["ratings"].as_array().unwrap().len(), 16);
    assert_eq!(v["skipped"], 4);
    // The 20 questions span most of ML-100K's 18 real genres.
    let mut genres = std::collections::BTreeSet::new();
    for line in r.stderr.lines().filter(|l| l.starts_with('[')) {
        if let Some((_, rest)) = line.split_once(" — ") {
            for g in rest.trim_end_matches([':', ' ']).split(", ") {
                genres.insert(g.to_string());
            }
        }
    }
    assert!(genres.len() >= 16, "questions cover only {genres:?}");
    assert!(
        r.stderr.contains("Star Wars (1977)"),
        "the most-rated movies are asked: {}",
        r.stderr
    );
    let recs = v["recommendations"].as_array().unwrap();
    assert_eq!(recs.len(), 10);
    assert!(recs
        .iter()
        .all(|x| !x["genres"].as_array().unwrap().is_empty()));
    let explained = recs
        .iter()
        .filter(|x| {
            x["reason"]
                .as_str()
                .unwrap()
                .starts_with("because you rated")
        })
        .count();
    assert!(explained >= 5, "few explained recommendations: {recs:?}");
    let saved = v["saved"].as_str().unwrap();
    assert!(
        saved.starts_with("store:sqlite://") && saved.ends_with("as user 944"),
        "{saved}"
    );
    // The store kept user 944: the next saved profile gets the next id.
    let r = rate(
        t.path(),
        t.path(),
        &[
            "--output",
            "json",
            "rate",
            "--data",
            ml.to_str().unwrap(),
            "--store",
            &store,
            "--yes",
            "--ask",
            "2",
        ],
        "4\n",
    );
    let v = json(&r);
    assert!(v["saved"].as_str().unwrap().ends_with("as user 945"), "{v}");
}
