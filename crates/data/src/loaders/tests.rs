//! Loader tests on tiny fixtures written into temporary folders (no MovieLens data is
//! stored in the repository). `real_ml100k_recbole` loads the real RecBole ml-100k folder
//! when `CINEREC_ML100K` points at it.

use super::*;
use cinerec_core::{ItemIdx, UserIdx};
use std::fs;

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::write(dir.join(name), bytes).unwrap();
}

fn folder(name: &str) -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join(name);
    fs::create_dir(&d).unwrap();
    (t, d)
}

fn load_dir(d: &Path) -> Dataset {
    load(d, &LoadOptions::default()).unwrap()
}

fn item<'a>(d: &'a Dataset, raw: &str) -> &'a cinerec_core::ItemMeta {
    d.catalog().meta(
        d.catalog()
            .item(raw)
            .unwrap_or_else(|| panic!("no item {raw}")),
    )
}

fn parse_err(e: DataError) -> (String, usize, String) {
    match e {
        DataError::Parse {
            file, line, field, ..
        } => (
            file.file_name().unwrap().to_string_lossy().into(),
            line,
            field,
        ),
        other => panic!("expected a parse error, got {other}"),
    }
}

#[test]
fn ml100k_latin1_genres_users_and_unrated_items() {
    let (_t, d) = folder("ml-100k");
    write(
        &d,
        "u.data",
        b"196\t242\t3\t881250949\n10\t2\t5\t881250950\n196\t2\t1\t881250951\n",
    );
    let mut items = Vec::new();
    items.extend_from_slice(b"2|Mis\xe9rables, Les (1995)|01-Jan-1995||http://x|0|0|0|0|0|0|0|0|1|0|0|0|1|0|0|0|0|0|0\n");
    items.extend_from_slice(
        b"242|Kolya (1996)|24-Jan-1997||http://y|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n",
    );
    items.extend_from_slice(b"267|unknown||||1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n");
    write(&d, "u.item", &items);
    let genres: String = ml100k::GENRES_100K
        .iter()
        .enumerate()
        .map(|(k, g)| format!("{g}|{k}\n"))
        .collect();
    write(&d, "u.genre", format!("{genres}\n").as_bytes());
    write(
        &d,
        "u.user",
        b"10|53|F|other|94043\n196|49|M|writer|55105\n",
    );
    assert_eq!(detect_format(&d).unwrap(), Format::Ml100k);
    let ds = load_dir(&d);
    assert_eq!(ds.name, "ml-100k");
    assert_eq!(ds.catalog().items.raws(), &["2", "242", "267"]);
    assert_eq!(ds.catalog().users.raws(), &["10", "196"]);
    assert_eq!(ds.n_ratings(), 3);
    assert_eq!(ds.rating_scale(), (1.0, 5.0));
    let m = item(&ds, "2");
    assert_eq!(m.title.as_deref(), Some("Misérables, Les"));
    assert_eq!(m.year, Some(1995));
    assert_eq!(ds.catalog().genres_of(ItemIdx(0)), vec!["Drama", "Musical"]);
    assert_eq!(item(&ds, "267").title, None);
    assert_eq!(ds.matrix().item_count(ItemIdx(2)), 0);
    let u = &ds.catalog().user_meta[1];
    assert_eq!(
        (u.age, u.gender.as_deref(), u.occupation.as_deref()),
        (Some(49), Some("M"), Some("writer"))
    );
    assert_eq!(ds.matrix().get(UserIdx(1), ItemIdx(1)), Some(3.0));
}

#[test]
fn ml1m_dat_latin1_and_occupations() {
    let (_t, d) = folder("ml-1m");
    write(
        &d,
        "ratings.dat",
        b"1::1193::5::978300760\n2::1::3::978300761\n1::5::4::978300762\n",
    );
    write(&d, "movies.dat", b"1::Toy Story (1995)::Animation|Children's|Comedy\n1193::Vie r\xeav\xe9e, La (1989)::Drama\n7::Sabrina (1995)::Comedy|Romance\n");
    write(
        &d,
        "users.dat",
        b"1::F::1::10::48067\n2::M::56::16::70072\n",
    );
    assert_eq!(detect_format(&d).unwrap(), Format::MlDat);
    let ds = load_dir(&d);
    assert_eq!(ds.catalog().items.raws(), &["1", "5", "7", "1193"]);
    assert_eq!(item(&ds, "1193").title.as_deref(), Some("Vie rêvée, La"));
    assert_eq!(item(&ds, "5"), &cinerec_core::ItemMeta::default());
    assert_eq!(
        ds.catalog().genres_of(ItemIdx(0)),
        vec!["Animation", "Children's", "Comedy"]
    );
    let u = &ds.catalog().user_meta[0];
    assert_eq!(
        (u.age, u.occupation.as_deref(), u.zip.as_deref()),
        (Some(1), Some("K-12 student"), Some("48067"))
    );
    assert_eq!(
        ds.catalog().user_meta[1].occupation.as_deref(),
        Some("self-employed")
    );
    assert_eq!(ds.rating_scale(), (1.0, 5.0));
}

#[test]
fn ml10m_dat_half_stars_tags_utf8() {
    let (_t, d) = folder("ml-10M100K");
    write(
        &d,
        "ratings.dat",
        b"1::122::3.5::838985046\n1::185::5::838983525\n",
    );
    write(
        &d,
        "movies.dat",
        "122::Boomerang (1992)::Comedy|Romance\n185::Net, The (1995)::Action|Crime|Thriller\n"
            .as_bytes(),
    );
    write(
        &d,
        "tags.dat",
        "15::122::Eddie Murphy::1162160415\n20::122::eddie murphy::1162160416\n20::185::Café::1\n"
            .as_bytes(),
    );
    let ds = load_dir(&d);
    assert_eq!(ds.rating_scale(), (0.5, 5.0));
    assert_eq!(item(&ds, "122").tags, vec!["eddie murphy"]);
    assert_eq!(item(&ds, "185").tags, vec!["café"]);
    assert_eq!(item(&ds, "185").title.as_deref(), Some("Net, The"));
}

#[test]
fn mlcsv_quotes_tags_links_and_missing_movies() {
    let (_t, d) = folder("ml-latest-small");
    write(&d, "ratings.csv", b"userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,3,0.5,964981247\r\n2,99,5,1\r\n");
    write(
        &d,
        "movies.csv",
        "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n3,\"American President, The (1995)\",Comedy|Drama|Romance\n\
         4,\"Say \"\"Hi\"\" (2000) \",(no genres listed)\n5,Seven (Se7en) (1995),Mystery|Thriller\n"
            .as_bytes(),
    );
    write(
        &d,
        "tags.csv",
        b"userId,movieId,tag,timestamp\n2,1,Pixar,1\n3,1,\"pixar\",2\n3,1,\"fun, family\",3\n",
    );
    write(
        &d,
        "links.csv",
        b"movieId,imdbId,tmdbId\n1,0114709,862\n3,0112346,\n",
    );
    assert_eq!(detect_format(&d).unwrap(), Format::MlCsv);
    assert_eq!(
        detect_format(&d.join("ratings.csv")).unwrap(),
        Format::MlCsv
    );
    let ds = load_dir(&d);
    assert_eq!(ds.catalog().items.raws(), &["1", "3", "4", "5", "99"]);
    assert_eq!(ds.rating_scale(), (0.5, 5.0));
    let m = item(&ds, "3");
    assert_eq!(
        (m.title.as_deref(), m.year),
        (Some("American President, The"), Some(1995))
    );
    assert_eq!(m.links, vec![("imdb".to_string(), "0112346".to_string())]);
    let m = item(&ds, "4");
    assert_eq!(
        (m.title.as_deref(), m.year, m.genres.len()),
        (Some("Say \"Hi\""), Some(2000), 0)
    );
    assert_eq!(item(&ds, "5").title.as_deref(), Some("Seven (Se7en)"));
    assert_eq!(item(&ds, "1").tags, vec!["fun, family", "pixar"]);
    assert_eq!(
        item(&ds, "1").links[1],
        ("tmdb".to_string(), "862".to_string())
    );
    assert_eq!(item(&ds, "99").title, None);
    assert_eq!(ds.matrix().get(UserIdx(0), ItemIdx(1)), Some(0.5));
}

#[test]
fn recbole_columns_by_name_kg_and_users() {
    let (_t, d) = folder("mini");
    write(&d, "mini.inter", b"item_id:token\tuser_id:token\ttimestamp:float\trating:float\n242\t196\t881250949.0\t3\n1\t7\t5\t4.5\n");
    write(
        &d,
        "mini.item",
        "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n1\tToy Story\t1995\tAnimation Children's Comedy\n\
         242\tKolya\t1996\tComedy\n500\tMisérables, Les\t1995\tDrama Musical\n"
            .as_bytes(),
    );
    write(&d, "mini.user", b"user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n7\t24\tM\ttechnician\t85711\n");
    write(
        &d,
        "mini.link",
        b"item_id:token\tentity_id:token\n1\tm.0abc\n",
    );
    write(&d, "mini.kg", b"head_id:token\trelation_id:token\ttail_id:token\nm.0abc\tfilm.film.directed_by\tm.0xyz\nm.zzz\tfilm.film.genre\tm.1\n");
    assert_eq!(detect_format(&d).unwrap(), Format::RecBole);
    let ds = load_dir(&d);
    assert_eq!(ds.name, "mini");
    assert_eq!(ds.catalog().items.raws(), &["1", "242", "500"]);
    assert_eq!(ds.catalog().users.raws(), &["7", "196"]);
    assert_eq!(ds.rating_scale(), (3.0, 4.5));
    assert_eq!(ds.matrix().user_times(UserIdx(1)), &[881250949]);
    let m = item(&ds, "1");
    assert_eq!(
        (m.title.as_deref(), m.year),
        (Some("Toy Story"), Some(1995))
    );
    assert_eq!(
        ds.catalog().genres_of(ItemIdx(0)),
        vec!["Animation", "Children's", "Comedy"]
    );
    assert_eq!(
        m.relations,
        vec![("film.film.directed_by".to_string(), "m.0xyz".to_string())]
    );
    assert_eq!(item(&ds, "500").title.as_deref(), Some("Misérables, Les"));
    assert_eq!(
        ds.catalog().user_meta[0].occupation.as_deref(),
        Some("technician")
    );
}

#[test]
fn generic_tsv_implicit_string_ids() {
    let (_t, d) = folder("g");
    let f = d.join("clicks.tsv");
    fs::write(&f, "bob\tm10\nalice\tm2\n\nbob\tm2\n").unwrap();
    let fmt = detect_format(&f).unwrap();
    assert_eq!(
        fmt,
        Format::Generic(GenericSpec {
            delimiter: b'\t',
            has_header: false,
            user_col: 0,
            item_col: 1,
            rating_col: None,
            time_col: None
        })
    );
    let ds = load(&f, &LoadOptions::default()).unwrap();
    assert_eq!(ds.name, "clicks.tsv");
    assert_eq!(ds.catalog().users.raws(), &["alice", "bob"]);
    assert_eq!(ds.catalog().items.raws(), &["m10", "m2"]);
    assert_eq!(ds.n_ratings(), 3);
    assert_eq!(ds.rating_scale(), (1.0, 1.0));
    // explicit spec with other column order and a header
    let g = d.join("r.csv");
    fs::write(&g, "when,score,movie,who\n5,2.5,7,1\n,4,8,1\n").unwrap();
    let spec = GenericSpec {
        delimiter: b',',
        has_header: true,
        user_col: 3,
        item_col: 2,
        rating_col: Some(1),
        time_col: Some(0),
    };
    let ds = load(
        &g,
        &LoadOptions {
            format: Some(Format::Generic(spec)),
            threads: 1,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(ds.rating_scale(), (2.5, 4.0));
    assert_eq!(ds.matrix().user_times(UserIdx(0)), &[5, 0]);
}

#[test]
fn detection_errors() {
    let (_t, d) = folder("empty");
    assert!(matches!(detect_format(&d), Err(DataError::Format { .. })));
    assert!(matches!(
        load(&d, &LoadOptions::default()),
        Err(DataError::Format { .. })
    ));
    let e = load(
        &d,
        &LoadOptions {
            format: Some(Format::MlDat),
            threads: 0,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("ratings.dat"), "{e}");
    assert!(detect_format(&d.join("nope")).is_err());
}

#[test]
fn parse_errors_name_file_line_field() {
    let (_t, d) = folder("bad");
    write(
        &d,
        "ratings.csv",
        b"userId,movieId,rating,timestamp\n1,2,4,5\n1,3,four,6\n",
    );
    assert_eq!(
        parse_err(load(&d, &LoadOptions::default()).unwrap_err()),
        ("ratings.csv".into(), 3, "rating".into())
    );
    write(
        &d,
        "ratings.csv",
        b"userId,movieId,rating,timestamp\n1,2,4,5\n\n1,3,4,4294967296\n",
    );
    assert_eq!(
        parse_err(load(&d, &LoadOptions::default()).unwrap_err()),
        ("ratings.csv".into(), 4, "timestamp".into())
    );
    // a row without the timestamp its header declares is malformed too (not timestamp 0)
    write(
        &d,
        "ratings.csv",
        b"userId,movieId,rating,timestamp\n1,2,4,5\n1,3,4\n",
    );
    assert_eq!(
        parse_err(load(&d, &LoadOptions::default()).unwrap_err()),
        ("ratings.csv".into(), 3, "timestamp".into())
    );
    write(&d, "ratings.csv", b"userId,movieId,rating,timestamp\n1\n");
    assert_eq!(
        parse_err(load(&d, &LoadOptions::default()).unwrap_err()),
        ("ratings.csv".into(), 2, "movieId".into())
    );
    write(
        &d,
        "ratings.csv",
        b"userId,movieId,rating,timestamp\n1,2,3,4\n",
    );
    write(
        &d,
        "movies.csv",
        b"movieId,title,genres\n1,\"Broken,Comedy\n",
    );
    assert_eq!(
        parse_err(load(&d, &LoadOptions::default()).unwrap_err()),
        ("movies.csv".into(), 2, "movieId".into())
    );
    let (_t2, d2) = folder("bad100k");
    write(&d2, "u.data", b"1\t2\t3\t4\n");
    write(&d2, "u.item", b"2|X (1995)|||u|0|7\n");
    assert_eq!(
        parse_err(load(&d2, &LoadOptions::default()).unwrap_err()),
        ("u.item".into(), 1, "genres".into())
    );
    let (_t3, d3) = folder("bad1m");
    write(&d3, "ratings.dat", b"1::2::3::4\n");
    write(
        &d3,
        "users.dat",
        b"1::F::1::10::48067\n2::M::56::21::70072\n",
    );
    assert_eq!(
        parse_err(load(&d3, &LoadOptions::default()).unwrap_err()),
        ("users.dat".into(), 2, "Occupation".into())
    );
}

/// A file big enough for several threads, with CRLF, blank lines and a quoted line: the
/// parallel reader must give exactly what one thread gives.
#[test]
fn parallel_reader_matches_single_thread() {
    let (_t, d) = folder("big");
    let mut s = String::from("userId,movieId,rating,timestamp\r\n");
    let mut x: u64 = 7;
    for k in 0..400_000u64 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let (u, i, r) = (k / 40 + 1, (x >> 33) % 5000 + 1, (x >> 20) % 10 + 1);
        s.push_str(&format!(
            "{u},{i},{}.{},{}\r\n",
            r / 2,
            if r % 2 == 1 { 5 } else { 0 },
            k
        ));
        if k % 100_000 == 7 {
            s.push_str("\r\n\"9999\",\"x\",\"1.5\",\"3\"\r\n");
        }
    }
    write(&d, "ratings.csv", s.as_bytes());
    let a = load(
        &d,
        &LoadOptions {
            format: None,
            threads: 1,
            ..Default::default()
        },
    )
    .unwrap();
    let b = load(
        &d,
        &LoadOptions {
            format: None,
            threads: 3,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(a.catalog().users, b.catalog().users);
    assert_eq!(a.catalog().items, b.catalog().items);
    assert_eq!(a.matrix(), b.matrix());
    assert_eq!(a.matrix().nnz() + a.matrix().duplicates_dropped(), 400_004);
    assert!(a.catalog().item("x").is_some());
}

#[test]
fn split_files_without_and_with_base() {
    let (_t, d) = folder("ml-100k");
    write(&d, "u.data", b"1\t10\t4\t5\n2\t20\t3\t6\n");
    write(
        &d,
        "u.item",
        b"10|Ten (1990)|||u|0|1\n20|Twenty (1991)|||u|0|0|1\n30|Thirty (1992)|||u|1\n",
    );
    let base = load_dir(&d);
    let s = d.join("splits");
    fs::create_dir(&s).unwrap();
    write(
        &s,
        "train.csv",
        b"user,item,rating,timestamp\n1,10,4,5\n3,40,2,9\n",
    );
    write(
        &s,
        "test.csv",
        b"user,item,rating,timestamp\n2,20,3,6\n4,50,5,1\n",
    );
    write(&s, "items.csv", b"item\n10\n20\n30\n40\n50\n60\n");
    let files = SplitFiles {
        train: s.join("train.csv"),
        test: s.join("test.csv"),
        items: None,
    };
    let (train, test) = load_split_files(&files, None).unwrap();
    assert_eq!(
        train.catalog().items.raws(),
        &["10", "20", "30", "40", "50", "60"]
    );
    assert_eq!(train.catalog().users.raws(), &["1", "2", "3", "4"]);
    assert_eq!(train.n_ratings(), 2);
    assert_eq!(test.users, vec![1, 3]);
    assert_eq!(test.items, vec![1, 4]);
    assert_eq!(train.rating_scale(), (2.0, 5.0));
    assert_eq!(train.name, "train.csv");

    let (train, test) = load_split_files(&files, Some(&base)).unwrap();
    let c = train.catalog();
    assert_eq!(c.items.raws(), &["10", "20", "30", "40", "50", "60"]);
    assert_eq!(c.users.raws(), &["1", "2", "3", "4"]);
    assert_eq!(c.item_meta.len(), 6);
    assert_eq!(c.user_meta.len(), 4);
    assert_eq!(c.meta(ItemIdx(1)).title.as_deref(), Some("Twenty"));
    assert_eq!(c.genre_names, base.catalog().genre_names);
    assert_eq!(train.rating_scale(), (1.0, 5.0));
    assert_eq!(
        (test.users.clone(), test.items.clone()),
        (vec![1, 3], vec![1, 4])
    );
}

#[test]
fn real_ml100k_recbole() {
    let Ok(dir) = std::env::var("CINEREC_ML100K") else {
        eprintln!(
            "SKIP real_ml100k_recbole: set CINEREC_ML100K to the RecBole ml-100k folder to run it"
        );
        return;
    };
    let ds = load_dir(Path::new(&dir));
    assert_eq!(
        (ds.n_ratings(), ds.n_users(), ds.n_items()),
        (100_000, 943, 1682)
    );
    assert_eq!(ds.rating_scale(), (1.0, 5.0));
    let c = ds.catalog();
    assert_eq!(c.display_title(c.item("1").unwrap()), "Toy Story (1995)");
    let m = c.meta(c.item("543").unwrap());
    assert_eq!(m.title.as_deref(), Some("Misérables, Les"));
    assert!(
        c.item_meta
            .iter()
            .filter(|m| !m.relations.is_empty())
            .count()
            > 1000
    );
    assert_eq!(c.user_meta[0].occupation.as_deref(), Some("technician"));
    assert_eq!(
        c.genre_index("Film-Noir")
            .map(|g| c.genre_names[g as usize].as_str()),
        Some("Film-Noir")
    );
}

#[test]
fn lean_load_keeps_the_fingerprint_and_drops_times_and_item_positions() {
    let (_t, d) = folder("lean");
    write(
        &d,
        "ratings.csv",
        b"userId,movieId,rating,timestamp\n1,10,4.0,100\n1,20,3.0,50\n2,10,5.0,70\n1,10,2.0,200\n",
    );
    let full = load(&d, &LoadOptions::default()).unwrap();
    let keep = Keep {
        times: false,
        item_positions: false,
    };
    let lean = load(
        &d,
        &LoadOptions {
            keep,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(lean.hash(), full.hash());
    // the duplicate (1, 10) was resolved by timestamp before the timestamps went
    assert_eq!(lean.matrix().get(UserIdx(0), ItemIdx(0)), Some(2.0));
    assert_eq!(lean.matrix().user_times(UserIdx(0)), &[0, 0]);
    assert_eq!(full.matrix().user_times(UserIdx(0)), &[200, 50]);
    assert!(!lean.matrix().has_times() && !lean.matrix().has_item_positions());
    assert_eq!(lean.matrix().item_users(ItemIdx(0)), &[0, 1]);
    assert_eq!(
        lean.matrix().item_users(ItemIdx(0)),
        full.matrix().item_col(ItemIdx(0)).0
    );
    assert!(lean.heap_bytes() < full.heap_bytes());
}
