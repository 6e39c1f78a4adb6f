//! The engine's answer for a new visitor who gives demographics (age, gender, occupation):
//! a **demographic prior** — the movies liked by the training users who share each given
//! field, and by the users who rated the same movies as the visitor and agree with them —
//! in place of the serving model's scores (movies the model rules out stay out).
//!
//! Why not the model: measured on ML-100K users held out of training (`bench/demographics/`,
//! NDCG@10 over three seeds), the user autoencoder's own demographic input ranks below plain
//! popularity for a demographics-only visitor (0.23 against 0.44), and SVD and ALS folded in
//! from a visitor's first 1–20 ratings rank below this prior given the same ratings; blending
//! model and prior by the number of ratings (`w · z(model) + (1 − w) · z(prior)`,
//! `w = n / (n + 5)`) ranked below the prior alone at every count measured. So a visitor who
//! gave demographics is answered from people like them; trained users and visitors without
//! demographics are answered by the model.
//!
//! The prior of movie `i` is `ln(1 + Σ_f c_f(i) + 10⁻³ · c(i)) + λ · ln(lift(i))`: `l_u(i)` is
//! how much user `u` liked `i` — the rating placed on the scale, `(r − lo) / (hi − lo)` (1 when
//! the scale is a single value, as for implicit feedback) —; `c_f(i)` sums it over the training
//! users with the visitor's value of field `f`; `c(i)` over every user (the tie-break). The
//! neighbours are the [`MAX_NEIGHBOURS`] users sharing most with the visitor's ratings (each
//! shared movie counts `s_u += max(0, 1 − 2·|l_u − l_visitor|)`, and `s_u` is then scaled by
//! `(1 + m) / (1 + g)` for `m` of the visitor's `g` given fields `u` shares);
//! `lift(i) = (N(i) + α·p(i)) / ((W + α)·p(i))`
//! compares how much they liked `i` (`N(i) = Σ_u s_u · l_u(i)`, `W = Σ_u s_u`) with what any
//! `W` users would (`p(i) = c(i) / users`), shrunk by [`ALPHA`] pseudo-users; `λ = e / (e + 1)`
//! ([`PRIOR_STRENGTH`]) for a visitor whose ratings carry evidence `e = Σ_j (1 − share of the
//! users who rated j)`: a rating of a movie nearly everyone rated tells little about whom the
//! visitor is like. Measured in `bench/demographics/` (seeds 4–6, NDCG@10 with 1 / 3 / 5
//! ratings against 0.4700 for demographics alone): `λ = n / (n + 1)`, agreement `1 − |Δ|`, no
//! group factor: 0.4683 / 0.4748 / 0.4871; with the evidence: 0.4705 / 0.4758 / 0.4877; with the
//! group factor too: 0.4712 / 0.4803 / 0.4894; with the stricter agreement too (today):
//! 0.4729 / 0.4804 / 0.4910. Weighting by the value matters where
//! groups watch the same movies and differ in what they think of them; taking the lift, not the
//! neighbours' raw liking, keeps one popular rated movie from restating popularity (measured
//! in `bench/demographics/`: with raw liking, 1 rating ranked below demographics alone).

use cinerec_core::demographics::age_bucket;
use cinerec_core::{Dataset, ItemIdx, UserIdx, UserMeta};

/// Most values kept per field (the most common ones; rarer values count as not given), which
/// bounds the prior's memory at `3 × MAX_VALUES × movies` sums.
pub const MAX_VALUES: usize = 64;
/// How many ratings' worth of trust the demographic groups keep against the neighbours'
/// evidence: a visitor whose ratings carry evidence `e` (see [`DemographicPrior::score_with`])
/// weighs the neighbours' lift by `e / (e + 1)`.
pub const PRIOR_STRENGTH: f32 = 1.0;
/// Pseudo-users at the catalogue's average taste added to the neighbours before their lift is
/// taken, so a movie two neighbours happen to share does not outrank the groups' favourites.
pub const ALPHA: f32 = 20.0;
/// Most training users whose shared movies with a visitor inform the prior (those sharing the
/// most), which bounds the work per request.
pub const MAX_NEIGHBOURS: usize = 500;

/// Per-movie liking sums by demographic group, built from a training snapshot.
#[derive(Debug, Clone)]
pub struct DemographicPrior {
    n_items: usize,
    n_users: usize,
    global: Vec<f32>,
    fields: [Field; 3],
    scale: (f32, f32),
    /// Each training user's value index per field (`None`: not given or not kept).
    user_value: Vec<[Option<u32>; 3]>,
}

/// One demographic field: its values (normalised keys, sorted) and, per value, how much the
/// users with it liked each movie (`sums[v * n_items + i]`).
#[derive(Debug, Clone, Default)]
struct Field {
    values: Vec<String>,
    sums: Vec<f32>,
}

/// The normalised keys of a user's fields (age bucket, gender, occupation), `None` where
/// not given.
fn keys(m: &UserMeta) -> [Option<String>; 3] {
    let text = |s: &Option<String>| {
        s.as_deref()
            .map(|v| v.trim().to_lowercase())
            .filter(|v| !v.is_empty())
    };
    [
        m.age.map(|a| age_bucket(a).to_string()),
        text(&m.gender),
        text(&m.occupation),
    ]
}

impl DemographicPrior {
    /// The prior of `data`'s users, or `None` when no user has demographics (nothing to
    /// condition on: the model answers alone). One pass over the ratings.
    pub fn build(data: &Dataset) -> Option<Self> {
        if !Self::applies(data) {
            return None;
        }
        let user_keys: Vec<[Option<String>; 3]> =
            data.catalog().user_meta.iter().map(keys).collect();
        let n_items = data.n_items();
        let mut fields: [Field; 3] = Default::default();
        // Per field: the values kept (most users first, then by name) and each user's index.
        let mut user_value: Vec<[Option<u32>; 3]> = vec![[None; 3]; data.n_users()];
        for (f, field) in fields.iter_mut().enumerate() {
            let mut tally: std::collections::HashMap<&str, usize> = Default::default();
            for k in user_keys.iter().filter_map(|k| k[f].as_deref()) {
                *tally.entry(k).or_default() += 1;
            }
            let mut ranked: Vec<(&str, usize)> = tally.into_iter().collect();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            ranked.truncate(MAX_VALUES);
            let mut values: Vec<String> = ranked.iter().map(|r| r.0.to_string()).collect();
            values.sort();
            for (u, k) in user_keys.iter().enumerate().take(data.n_users()) {
                if let Some(k) = k[f].as_deref() {
                    user_value[u][f] = values
                        .binary_search_by(|v| v.as_str().cmp(k))
                        .ok()
                        .map(|v| v as u32);
                }
            }
            field.sums = vec![0.0; values.len() * n_items];
            field.values = values;
        }
        let (lo, hi) = data.rating_scale();
        let liking = |r: f32| {
            if hi > lo {
                ((r - lo) / (hi - lo)).clamp(0.0, 1.0)
            } else {
                1.0
            }
        };
        let mut global = vec![0f32; n_items];
        for (u, vals) in user_value.iter().enumerate() {
            let (items, values) = data.user_ratings(UserIdx(u as u32));
            for (&i, &r) in items.iter().zip(values) {
                global[i as usize] += liking(r);
            }
            for (field, v) in fields.iter_mut().zip(vals) {
                if let Some(v) = v {
                    let row = &mut field.sums[*v as usize * n_items..][..n_items];
                    for (&i, &r) in items.iter().zip(values) {
                        row[i as usize] += liking(r);
                    }
                }
            }
        }
        Some(DemographicPrior {
            n_items,
            n_users: data.n_users(),
            global,
            fields,
            scale: (lo, hi),
            user_value,
        })
    }

    /// Whether some user of `data` has demographics ([`DemographicPrior::build`] gives a
    /// prior).
    pub fn applies(data: &Dataset) -> bool {
        data.catalog()
            .user_meta
            .iter()
            .any(|m| keys(m).iter().any(Option::is_some))
    }

    /// Movies the prior was built over (movies added since score 0).
    pub fn n_items(&self) -> usize {
        self.n_items
    }

    /// Writes the prior of each movie for a visitor with demographics `meta` into `out`
    /// (one per catalogue movie; movies beyond the snapshot get 0, the lowest). Returns how
    /// many of the visitor's fields matched a known group (0: plain popularity).
    pub fn score(&self, meta: &UserMeta, out: &mut [f32]) -> usize {
        self.score_with(None, meta, &[], out)
    }

    /// [`DemographicPrior::score`] for a visitor who also rated the movies of `profile`: the
    /// training users who rated some of them alike (the neighbours) add the lift of their
    /// liking of each movie over everyone's, weighted by `e / (e + 1)`, where each rated movie
    /// adds to `e` the share of users who did not rate it
    /// (the module docs give the formula). `data` is the snapshot the prior was built from
    /// (`None`: demographics only).
    pub fn score_with(
        &self,
        data: Option<&Dataset>,
        meta: &UserMeta,
        profile: &[(ItemIdx, f32)],
        out: &mut [f32],
    ) -> usize {
        let visitor = self.values_of(meta);
        let rows: Vec<&[f32]> = visitor
            .iter()
            .map(|&(f, v)| &self.fields[f].sums[v as usize * self.n_items..][..self.n_items])
            .collect();
        let (near, weight) = match data {
            Some(d) if !profile.is_empty() => {
                let near = self.neighbour_weights(d, &visitor, profile);
                self.neighbour_liking(d, near)
            }
            _ => (Vec::new(), 0.0),
        };
        let lambda = match data {
            Some(d) => {
                let e = self.evidence(d, profile);
                e / (e + PRIOR_STRENGTH)
            }
            None => 0.0,
        };
        let n_users = self.n_users.max(1) as f32;
        for (i, o) in out.iter_mut().enumerate() {
            *o = match self.global.get(i) {
                None => 0.0,
                Some(&g) => {
                    let group: f32 = rows.iter().map(|r| r[i]).sum();
                    let base = (1.0 + group + 1e-3 * g).ln();
                    if weight > 0.0 {
                        let p = (g + 1e-3) / n_users;
                        let n = near.get(i).copied().unwrap_or(0.0);
                        base + lambda * ((n + ALPHA * p) / ((weight + ALPHA) * p)).ln()
                    } else {
                        base
                    }
                }
            };
        }
        rows.len()
    }

    /// The visitor's known group per field, as `(field, value index)` (fields not given, or
    /// with a value no kept group has, are left out).
    fn values_of(&self, meta: &UserMeta) -> Vec<(usize, u32)> {
        self.fields
            .iter()
            .zip(keys(meta))
            .enumerate()
            .filter_map(|(f, (field, k))| Some((f, field.values.binary_search(&k?).ok()? as u32)))
            .collect()
    }

    /// How much the visitor's ratings set them apart: each rated movie counts the share of
    /// the training users who did not rate it (a movie nearly everyone rated says little of
    /// whom the visitor is like; a rarely rated one almost a whole rating's worth).
    fn evidence(&self, data: &Dataset, profile: &[(ItemIdx, f32)]) -> f32 {
        let users = self.n_users.max(1) as f32;
        profile
            .iter()
            .filter(|p| p.0.ix() < self.n_items)
            .map(|p| 1.0 - (data.matrix().item_col(p.0).0.len() as f32 / users).min(1.0))
            .sum()
    }

    /// The neighbours of a visitor of the groups `visitor` ([`DemographicPrior::values_of`]) who
    /// rated `profile`: the training users who rated some of the same movies alike, each
    /// weighted by how closely
    /// they agree on them (`Σ max(0, 1 − 2·|difference in liking|)`: one star apart on a 1–5
    /// scale counts half, two or more nothing — someone who panned what the visitor loved is
    /// no neighbour) times `(1 + m) / (1 + g)` for `m` of the visitor's `g` given fields they
    /// share (someone who rated alike *and* is of the visitor's groups is likelier to be like
    /// them). The [`MAX_NEIGHBOURS`] heaviest.
    fn neighbour_weights(
        &self,
        data: &Dataset,
        visitor: &[(usize, u32)],
        profile: &[(ItemIdx, f32)],
    ) -> Vec<(u32, f32)> {
        let m = data.matrix();
        let mut shared: std::collections::HashMap<u32, f32> = Default::default();
        for &(i, r) in profile.iter().filter(|p| p.0.ix() < self.n_items) {
            let mine = self.liking(r);
            let (users, pos) = m.item_col(i);
            for (&u, &p) in users.iter().zip(pos) {
                let theirs = self.liking(m.value_at(p));
                *shared.entry(u).or_default() += (1.0 - 2.0 * (mine - theirs).abs()).max(0.0);
            }
        }
        let given = visitor.len() as f32;
        let mut near: Vec<(u32, f32)> = shared
            .into_iter()
            .map(|(u, w)| {
                let theirs = self.user_value.get(u as usize);
                let m = visitor
                    .iter()
                    .filter(|&&(f, v)| theirs.is_some_and(|t| t[f] == Some(v)))
                    .count() as f32;
                (u, w * (1.0 + m) / (1.0 + given))
            })
            .collect();
        near.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        near.truncate(MAX_NEIGHBOURS);
        near
    }

    /// Per movie, the neighbours' liking summed by their weights, and the weights' sum.
    fn neighbour_liking(&self, data: &Dataset, near: Vec<(u32, f32)>) -> (Vec<f32>, f32) {
        let mut out = vec![0f32; self.n_items];
        let total: f32 = near.iter().map(|n| n.1).sum();
        for (u, w) in near {
            let (items, values) = data.user_ratings(UserIdx(u));
            for (&i, &r) in items.iter().zip(values) {
                if let Some(o) = out.get_mut(i as usize) {
                    *o += w * self.liking(r);
                }
            }
        }
        (out, total)
    }

    fn liking(&self, r: f32) -> f32 {
        let (lo, hi) = self.scale;
        if hi > lo {
            ((r - lo) / (hi - lo)).clamp(0.0, 1.0)
        } else {
            1.0
        }
    }

    /// Answers a visitor with demographics `meta` who rated the movies of `profile`: the
    /// model's `scores` are replaced by the prior ([`DemographicPrior::score_with`]) wherever
    /// they are finite, so movies the model rules out (−∞: new movies it cannot score) stay
    /// out (see the module docs for why the model's own scores are not blended in).
    pub fn answer(
        &self,
        data: &Dataset,
        meta: &UserMeta,
        profile: &[(ItemIdx, f32)],
        scores: &mut [f32],
    ) {
        let mut prior = vec![0f32; scores.len()];
        self.score_with(Some(data), meta, profile, &mut prior);
        for (s, p) in scores.iter_mut().zip(prior) {
            if s.is_finite() {
                *s = p;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cinerec_core::{fixtures, top_k, Catalog};
    use std::sync::Arc;

    /// The synthetic dataset with its taste groups (user parity) given as genders.
    fn with_genders() -> Dataset {
        let data = fixtures::synthetic(7);
        let mut catalog: Catalog = (**data.catalog()).clone();
        for (u, m) in catalog.user_meta.iter_mut().enumerate() {
            m.gender = Some(if u % 2 == 0 { "F" } else { "M" }.into());
            m.age = Some(20 + u as u16);
        }
        data.with_catalog(Arc::new(catalog)).unwrap()
    }

    fn gender(g: &str) -> UserMeta {
        UserMeta {
            gender: Some(g.into()),
            ..Default::default()
        }
    }

    #[test]
    fn no_demographics_no_prior() {
        assert!(DemographicPrior::build(&fixtures::synthetic(7)).is_none());
    }

    #[test]
    fn the_group_prior_follows_the_groups_taste() {
        let data = with_genders();
        let prior = DemographicPrior::build(&data).unwrap();
        let mut s = vec![0f32; data.n_items()];
        for (g, parity) in [("F", 0), ("m", 1)] {
            assert_eq!(prior.score(&gender(g), &mut s), 1);
            // Both groups rate the popular low ids; the group's own items outnumber the rest.
            let top = top_k(&s, 10);
            let own = top.iter().filter(|x| x.item.0 % 2 == parity).count();
            assert!(own >= 7, "{g}: {own} of 10 own-group movies");
        }
        // An unknown value matches no group: every user's liking, which is no group's.
        assert_eq!(prior.score(&gender("X"), &mut s), 0);
        let mut pop = vec![0f32; data.n_items()];
        for u in 0..data.n_users() {
            let (items, values) = data.user_ratings(UserIdx(u as u32));
            for (&i, &v) in items.iter().zip(values) {
                pop[i as usize] += (v - 1.0) / 4.0;
            }
        }
        let rank = |v: &[f32]| top_k(v, 10).iter().map(|x| x.item).collect::<Vec<_>>();
        assert_eq!(rank(&s), rank(&pop));
        // Movies beyond the snapshot (added since) score the lowest.
        let mut grown = vec![1f32; data.n_items() + 2];
        prior.score(&gender("F"), &mut grown);
        assert_eq!(grown[data.n_items()..], [0.0, 0.0]);
    }

    #[test]
    fn the_answer_is_the_prior_within_what_the_model_can_score() {
        let data = with_genders();
        let prior = DemographicPrior::build(&data).unwrap();
        let meta = gender("F");
        let n = data.n_items();
        // A model that prefers high ids and rules out movie 0.
        let model: Vec<f32> = (0..n)
            .map(|i| if i == 0 { f32::NEG_INFINITY } else { i as f32 })
            .collect();
        let mut p = vec![0f32; n];
        prior.score(&meta, &mut p);
        let mut s = model.clone();
        prior.answer(&data, &meta, &[], &mut s);
        assert_eq!(s[0], f32::NEG_INFINITY);
        assert_eq!(s[1..], p[1..]);
        // Ratings that agree with the other group's taste pull its movies up (their prior
        // gains on the visitor's own group's movies), whether the rated movies are rare or
        // common: the users of her own group who rated them low are no neighbours of hers.
        let rated = |ids: &[u32]| -> Vec<(ItemIdx, f32)> {
            ids.iter().map(|&i| (ItemIdx(i), 5.0)).collect()
        };
        let raters = |i: u32| data.matrix().item_col(ItemIdx(i)).0.len();
        let mut odd: Vec<u32> = (1..n as u32)
            .step_by(2)
            .filter(|&i| raters(i) >= 2)
            .collect();
        odd.sort_by_key(|&i| (raters(i), i));
        let (rare_ids, common_ids) = (odd[..4].to_vec(), odd[odd.len() - 4..].to_vec());
        // The gap is taken over the same movies every time: none of those ever rated here.
        let pull = |profile: &[(ItemIdx, f32)]| {
            let mut v = model.clone();
            prior.answer(&data, &meta, profile, &mut v);
            let mean = |odd: bool| {
                let xs: Vec<f32> = (1..n)
                    .filter(|&i| (i % 2 == 1) == odd)
                    .filter(|&i| {
                        !rare_ids.contains(&(i as u32)) && !common_ids.contains(&(i as u32))
                    })
                    .map(|i| v[i])
                    .collect();
                xs.iter().sum::<f32>() / xs.len() as f32
            };
            mean(true) - mean(false)
        };
        let none = pull(&[]);
        let rare = pull(&rated(&rare_ids));
        let common = pull(&rated(&common_ids));
        assert!(
            rare > none && common > none,
            "rare {rare}, common {common}, none {none}"
        );
    }

    #[test]
    fn a_rating_of_a_rarely_rated_movie_is_more_evidence() {
        let data = with_genders();
        let prior = DemographicPrior::build(&data).unwrap();
        let raters = |i: u32| data.matrix().item_col(ItemIdx(i)).0.len();
        let (most, least) = (0..data.n_items() as u32).fold((0, 0), |(m, l), i| {
            (
                if raters(i) > raters(m) { i } else { m },
                if raters(i) < raters(l) { i } else { l },
            )
        });
        assert!(raters(most) > raters(least));
        let e = |i: u32| prior.evidence(&data, &[(ItemIdx(i), 5.0)]);
        assert!(e(most) < e(least), "{} vs {}", e(most), e(least));
        let share = 1.0 - raters(least) as f32 / data.n_users() as f32;
        assert!((e(least) - share).abs() < 1e-6);
        // Evidence adds up over ratings and ignores movies beyond the snapshot.
        let two = prior.evidence(&data, &[(ItemIdx(most), 5.0), (ItemIdx(least), 1.0)]);
        assert!((two - e(most) - e(least)).abs() < 1e-6);
        let beyond = ItemIdx(data.n_items() as u32 + 3);
        assert_eq!(prior.evidence(&data, &[(beyond, 5.0)]), 0.0);
    }

    #[test]
    fn neighbours_of_the_visitors_groups_weigh_more() {
        let data = with_genders();
        let prior = DemographicPrior::build(&data).unwrap();
        // The raters of user 0's first movie, asked about with user 0's rating of it.
        let m = data.matrix();
        let r0 = data.user_ratings(UserIdx(0));
        let (i, rating) = (ItemIdx(r0.0[0]), r0.1[0]);
        let weights = |meta: &UserMeta| {
            prior.neighbour_weights(&data, &prior.values_of(meta), &[(i, rating)])
        };
        let of = |w: &[(u32, f32)], u: u32| w.iter().find(|n| n.0 == u).map_or(0.0, |n| n.1);
        let (f, mm, none) = (
            weights(&gender("F")),
            weights(&gender("M")),
            weights(&UserMeta::default()),
        );
        let raters = m.item_col(i).0;
        assert!(raters.len() >= 4 && raters.iter().any(|u| u % 2 == 1));
        for &u in raters {
            // Agreement alone without a matching field; for a visitor who gives a gender, a
            // neighbour of that gender counts twice one of the other.
            let (wf, wm, w0) = (of(&f, u), of(&mm, u), of(&none, u));
            let (same, other) = if u % 2 == 0 { (wf, wm) } else { (wm, wf) };
            assert!(
                (same - w0).abs() < 1e-6 && (other - w0 / 2.0).abs() < 1e-6,
                "user {u}: {wf} {wm} {w0}"
            );
        }
    }
}
