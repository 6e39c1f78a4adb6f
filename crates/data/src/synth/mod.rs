//! Synthetic MovieLens-like data for scale benchmarks: [`generate_csv`] writes an ml-latest
//! style `ratings.csv` (`userId,movieId,rating,timestamp`) and `movies.csv`
//! (`movieId,title,genres`) from a [`SynthConfig`].
//!
//! The model: Zipf item popularity over a random rank→item map, log-normal user activity
//! (at least `min_per_user`, summing exactly to `ratings`), distinct items per user drawn by
//! weighted sampling without replacement (optionally tilted toward the user's taste genre,
//! `affinity`), ratings on the configured [`RatingScale`] (half stars by default) from global
//! mean + user/item biases + rank-`factors` latent factors + Gaussian noise, strictly
//! increasing timestamps per user (in a random order over the user's items, so time is not
//! tied to item id; ratings of late-released items, `late_items`, are moved after the
//! release), and genres drawn from the item factors. [`preset`] names ready-made shapes. Users are generated in fixed chunks, each from its own
//! [`Rng::fork`] stream, so the bytes depend on the config alone, never on the thread count.
//! Output is streamed chunk by chunk (memory stays at a few chunks plus the item model) into
//! temporary files that are renamed into place once complete ([`cinerec_core::atomic`]).

mod config;
mod model;
mod presets;
mod sample;
mod taste;

pub use config::{RatingScale, SynthConfig};
pub use model::{GENRES, NO_GENRES};
pub use presets::{preset, PRESETS};

use crate::error::{DataError, Result};
use cinerec_core::atomic::AtomicFile;
use cinerec_core::Rng;
use model::{ItemModel, UserModel};
use sample::{AliasTable, ItemSampler, Method, Popularity};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};
use std::time::Instant;

/// Users per generation chunk (part of the output definition: changing it changes the bytes).
const CHUNK_USERS: usize = 1024;
/// RNG streams of the global draws; chunk `c` uses stream `CHUNK_STREAM_BASE + c`.
const STREAM_COUNTS: u64 = 1;
const STREAM_POPULARITY: u64 = 2;
const STREAM_ITEMS: u64 = 3;
const STREAM_MOVIES: u64 = 4;
const STREAM_RELEASE: u64 = 5;
const CHUNK_STREAM_BASE: u64 = 1 << 32;

/// What [`generate_csv`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthReport {
    /// The `ratings.csv` written.
    pub ratings_path: PathBuf,
    /// The `movies.csv` written.
    pub movies_path: PathBuf,
    /// Users in the config (ids `1..=users`).
    pub users: u32,
    /// Items in the config (ids `1..=items`, all listed in `movies.csv`).
    pub items: u32,
    /// Rating rows written (equals the config's `ratings`).
    pub ratings: u64,
    /// Size of `ratings.csv` in bytes.
    pub ratings_bytes: u64,
    /// Items with at least one rating.
    pub items_rated: u32,
    /// Largest number of ratings of one user.
    pub max_per_user: u32,
    /// Median number of ratings per user.
    pub median_per_user: u32,
    /// Share of all ratings that fall on the 1 % most-rated items (at least one item).
    pub top1pct_share: f64,
    /// Mean rating.
    pub mean_rating: f64,
    /// Users whose items were drawn with the exponential-key method (heavy users).
    pub heavy_users: u32,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Read-only state shared by the workers.
struct Shared<'a> {
    cfg: &'a SynthConfig,
    counts: Vec<u32>,
    pop: Popularity,
    items: ItemModel,
    sig: f64,
    /// Unit genre directions (empty without affinity).
    dirs: Vec<f32>,
    /// Item tables of the taste groups (empty without affinity).
    groups: Vec<Popularity>,
    /// Release times of late items (empty without late items).
    release: Vec<Option<i64>>,
    /// Text of each rating level.
    levels: Vec<Vec<u8>>,
}

/// Per-worker statistics, merged at the end.
struct Stats {
    item_counts: Vec<u32>,
    level_sum: u64,
    heavy_users: u32,
}

/// Per-worker scratch buffers.
struct Scratch<'a> {
    sampler: ItemSampler<'a>,
    user: UserModel,
    picked: Vec<u32>,
    times: Vec<i64>,
    rows: Vec<(u32, i64)>,
}

/// Appends the decimal digits of `v`.
#[inline]
fn push_u64(buf: &mut Vec<u8>, v: u64) {
    let mut tmp = [0u8; 20];
    let start = put_u64(&mut tmp, v);
    buf.extend_from_slice(&tmp[start..]);
}

/// Writes the decimal digits of `v` right-aligned in `tmp`; returns where they start.
#[inline]
fn put_u64(tmp: &mut [u8; 20], mut v: u64) -> usize {
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return i;
        }
    }
}

/// Appends one `user,item,rating,timestamp` line; `prefix` is `user,`. Assembled in a stack
/// buffer so the output vector sees a single copy per line.
#[inline]
fn push_row(buf: &mut Vec<u8>, prefix: &[u8], item: u64, rating: &[u8], ts: u64) {
    let mut line = [0u8; 96];
    let mut n = prefix.len();
    line[..n].copy_from_slice(prefix);
    let mut tmp = [0u8; 20];
    let s = put_u64(&mut tmp, item);
    line[n..n + 20 - s].copy_from_slice(&tmp[s..]);
    n += 20 - s;
    line[n] = b',';
    n += 1;
    line[n..n + rating.len()].copy_from_slice(rating);
    n += rating.len();
    line[n] = b',';
    n += 1;
    let s = put_u64(&mut tmp, ts);
    line[n..n + 20 - s].copy_from_slice(&tmp[s..]);
    n += 20 - s;
    line[n] = b'\n';
    buf.extend_from_slice(&line[..n + 1]);
}

/// Generates the rows of chunk `c` into `buf`; returns the number of rows.
fn gen_chunk<'a>(
    sh: &'a Shared<'_>,
    c: usize,
    s: &mut Scratch<'a>,
    st: &mut Stats,
    buf: &mut Vec<u8>,
) -> u64 {
    let cfg = sh.cfg;
    let mut rng = Rng::fork(cfg.seed, CHUNK_STREAM_BASE + c as u64);
    let lo = c * CHUNK_USERS;
    let hi = (lo + CHUNK_USERS).min(sh.counts.len());
    let mut rows = 0u64;
    for u in lo..hi {
        let k = sh.counts[u] as usize;
        s.user.draw(cfg, sh.sig, &sh.dirs, &mut rng);
        if k == 0 {
            continue;
        }
        match s.user.group {
            Some(g) => s.sampler.set_popularity(&sh.groups[g]),
            None => s.sampler.set_popularity(&sh.pop),
        }
        if s.sampler.sample(k, &mut rng, &mut s.picked) == Method::Keys {
            st.heavy_users += 1;
        }
        // Timeline order: a random permutation of the user's items.
        rng.shuffle(&mut s.picked);
        model::timestamps(cfg, k, &mut rng, &mut s.times);
        s.rows.clear();
        s.rows
            .extend(s.picked.iter().copied().zip(s.times.iter().copied()));
        if !sh.release.is_empty() {
            for r in s.rows.iter_mut() {
                r.1 = taste::after_release(&sh.release, r.0, r.1, cfg.time_range.1, &mut rng);
            }
        }
        s.rows.sort_unstable_by_key(|r| r.0);
        let mut prefix = Vec::with_capacity(12);
        push_u64(&mut prefix, u as u64 + 1);
        prefix.push(b',');
        for &(i, t) in &s.rows {
            let level = s.user.level(cfg, &sh.items, i, &mut rng);
            st.item_counts[i as usize] += 1;
            st.level_sum += level as u64;
            push_row(buf, &prefix, i as u64 + 1, &sh.levels[level], t as u64);
        }
        rows += k as u64;
    }
    rows
}

/// A file being written atomically ([`AtomicFile`]), with errors naming its destination;
/// removed if dropped uncommitted.
struct Staged {
    file: AtomicFile,
    dest: PathBuf,
}

impl Staged {
    fn create(dest: PathBuf) -> Result<Self> {
        let file = AtomicFile::create(&dest).map_err(|e| DataError::io(&dest, e))?;
        Ok(Staged { file, dest })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.file
            .write_all(bytes)
            .map_err(|e| DataError::io(&self.dest, e))
    }

    fn commit(self) -> Result<()> {
        let dest = self.dest;
        self.file.commit().map_err(|e| DataError::io(&dest, e))
    }
}

fn write_movies(cfg: &SynthConfig, items: &ItemModel, sig: f64, dest: PathBuf) -> Result<Staged> {
    let mut rng = Rng::fork(cfg.seed, STREAM_MOVIES);
    let dirs = model::genre_directions(cfg.factors, &mut rng);
    let mut out = Staged::create(dest)?;
    let mut buf = Vec::with_capacity(1 << 16);
    buf.extend_from_slice(b"movieId,title,genres\n");
    let mut genres = Vec::new();
    for i in 0..cfg.items {
        let year = 1920 + rng.below(104);
        model::item_genres(items, &dirs, i, sig, &mut rng, &mut genres);
        push_u64(&mut buf, i as u64 + 1);
        buf.extend_from_slice(b",Synthetic Movie ");
        push_u64(&mut buf, i as u64 + 1);
        buf.extend_from_slice(b" (");
        push_u64(&mut buf, year);
        buf.extend_from_slice(b"),");
        if genres.is_empty() {
            buf.extend_from_slice(NO_GENRES.as_bytes());
        }
        for (n, &g) in genres.iter().enumerate() {
            if n > 0 {
                buf.push(b'|');
            }
            buf.extend_from_slice(GENRES[g].as_bytes());
        }
        buf.push(b'\n');
        if buf.len() > 1 << 15 {
            out.write(&buf)?;
            buf.clear();
        }
    }
    out.write(&buf)?;
    Ok(out)
}

/// Generates a synthetic dataset into the folder `dir` (created if missing): `ratings.csv`
/// and `movies.csv` in ml-latest format, sorted by user then item, with no duplicate pairs.
/// `progress` is called from the calling thread with `(rows written, total rows)` after each
/// chunk. Existing files of those names are replaced only once the new ones are complete.
pub fn generate_csv(
    cfg: &SynthConfig,
    dir: &Path,
    progress: Option<&dyn Fn(u64, u64)>,
) -> Result<SynthReport> {
    let t0 = Instant::now();
    cfg.validate()?;
    std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
    let (users, n_items) = (cfg.users as usize, cfg.items as usize);
    let cap = cfg.cap_per_user();

    let counts = sample::user_counts(
        users,
        cfg.ratings,
        cfg.min_per_user,
        cap,
        cfg.activity_sigma,
        &mut Rng::fork(cfg.seed, STREAM_COUNTS),
    );
    if counts.iter().map(|&c| c as u64).sum::<u64>() != cfg.ratings {
        return Err(DataError::Invalid(
            "synth: could not distribute the ratings over the users".into(),
        ));
    }
    let (weights, rank_to_item) = sample::zipf_weights(
        n_items,
        cfg.zipf_exponent,
        &mut Rng::fork(cfg.seed, STREAM_POPULARITY),
    );
    let pop = Popularity {
        alias: AliasTable::new(&weights),
        weights,
    };
    let items = ItemModel::new(cfg, &rank_to_item, &mut Rng::fork(cfg.seed, STREAM_ITEMS));
    let sig = model::factor_std(cfg);
    let dirs = taste::unit_directions(cfg, &mut Rng::fork(cfg.seed, STREAM_MOVIES));
    let groups = taste::group_tables(cfg, &pop.weights, &items, &dirs, sig);
    let release = taste::release_times(cfg, &mut Rng::fork(cfg.seed, STREAM_RELEASE));
    let sh = Shared {
        cfg,
        counts,
        pop,
        items,
        sig,
        dirs,
        groups,
        release,
        levels: cfg.scale.level_texts(),
    };

    let ratings_path = dir.join("ratings.csv");
    let movies_path = dir.join("movies.csv");
    let movies = write_movies(cfg, &sh.items, sh.sig, movies_path.clone())?;

    let mut out = Staged::create(ratings_path.clone())?;
    let header = b"userId,movieId,rating,timestamp\n";
    out.write(header)?;
    let mut bytes = header.len() as u64;

    let n_chunks = users.div_ceil(CHUNK_USERS);
    let workers = match cfg.threads {
        0 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        n => n,
    }
    .clamp(1, n_chunks.max(1));
    let window = 4 * workers;
    let next = AtomicUsize::new(0);
    let abort = AtomicBool::new(false);
    let written = (Mutex::new(0usize), Condvar::new());
    let mut total_rows = 0u64;
    let mut all_stats = Vec::new();

    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = mpsc::sync_channel::<(usize, Vec<u8>, u64)>(window);
        let mut handles = Vec::new();
        for _ in 0..workers {
            let tx = tx.clone();
            let (sh, next, abort, written) = (&sh, &next, &abort, &written);
            handles.push(scope.spawn(move || {
                let mut st = Stats {
                    item_counts: vec![0; n_items],
                    level_sum: 0,
                    heavy_users: 0,
                };
                let mut s = Scratch {
                    sampler: ItemSampler::new(&sh.pop),
                    user: UserModel::new(sh.cfg.factors),
                    picked: Vec::new(),
                    times: Vec::new(),
                    rows: Vec::new(),
                };
                loop {
                    let c = next.fetch_add(1, Ordering::Relaxed);
                    if c >= n_chunks {
                        break;
                    }
                    // Stay within `window` chunks of the writer to bound memory.
                    let mut w = written.0.lock().unwrap_or_else(|e| e.into_inner());
                    while c >= *w + window && !abort.load(Ordering::Relaxed) {
                        w = written.1.wait(w).unwrap_or_else(|e| e.into_inner());
                    }
                    drop(w);
                    if abort.load(Ordering::Relaxed) {
                        break;
                    }
                    let lo = c * CHUNK_USERS;
                    let hi = (lo + CHUNK_USERS).min(users);
                    let expect: u64 = sh.counts[lo..hi].iter().map(|&k| k as u64).sum();
                    let mut buf = Vec::with_capacity(expect as usize * 28);
                    let rows = gen_chunk(sh, c, &mut s, &mut st, &mut buf);
                    if tx.send((c, buf, rows)).is_err() {
                        break;
                    }
                }
                st
            }));
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        let mut want = 0usize;
        let mut result = Ok(());
        for (c, buf, rows) in rx.iter() {
            pending.insert(c, (buf, rows));
            while let Some((buf, rows)) = pending.remove(&want) {
                if let Err(e) = out.write(&buf) {
                    result = Err(e);
                    break;
                }
                bytes += buf.len() as u64;
                total_rows += rows;
                want += 1;
                *written.0.lock().unwrap_or_else(|e| e.into_inner()) = want;
                written.1.notify_all();
                if let Some(p) = progress {
                    p(total_rows, cfg.ratings);
                }
            }
            if result.is_err() {
                break;
            }
        }
        if result.is_err() {
            abort.store(true, Ordering::Relaxed);
            written.1.notify_all();
        }
        drop(rx);
        for h in handles {
            match h.join() {
                Ok(st) => all_stats.push(st),
                Err(_) => {
                    result = result.and(Err(DataError::Invalid("synth: a worker panicked".into())))
                }
            }
        }
        result
    })?;
    if total_rows != cfg.ratings {
        return Err(DataError::Invalid(format!(
            "synth: wrote {total_rows} rows instead of {}",
            cfg.ratings
        )));
    }
    // Both files appear only once both are complete.
    movies.commit()?;
    out.commit()?;

    let mut item_counts = vec![0u64; n_items];
    let (mut level_sum, mut heavy) = (0u64, 0u32);
    for st in &all_stats {
        for (a, &b) in item_counts.iter_mut().zip(&st.item_counts) {
            *a += b as u64;
        }
        level_sum += st.level_sum;
        heavy += st.heavy_users;
    }
    let items_rated = item_counts.iter().filter(|&&c| c > 0).count() as u32;
    item_counts.sort_unstable_by(|a, b| b.cmp(a));
    let top = (n_items / 100).max(1);
    let top1pct_share = item_counts[..top].iter().sum::<u64>() as f64 / cfg.ratings as f64;
    let mut sorted = sh.counts.clone();
    sorted.sort_unstable();
    Ok(SynthReport {
        ratings_path,
        movies_path,
        users: cfg.users,
        items: cfg.items,
        ratings: total_rows,
        ratings_bytes: bytes,
        items_rated,
        max_per_user: *sorted.last().unwrap_or(&0),
        median_per_user: sorted[sorted.len() / 2],
        top1pct_share,
        mean_rating: cfg.scale.lo + cfg.scale.step * level_sum as f64 / cfg.ratings as f64,
        heavy_users: heavy,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests;
