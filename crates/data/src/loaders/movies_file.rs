//! A movies-only file (`cinerec import --movies FILE`): new movies for a running catalogue, in
//! MovieLens `movies.csv` form — `movieId,title,genres` with the year in the title
//! ("Heat (1995)") and genres `|`-separated — plus optional `keywords` (`|`-separated),
//! `country` and `language` columns. Errors name the file, line and field.

use super::mlcsv::find_cols;
use super::ratings::header_names;
use super::text::{lines, perr, read_file, split_quoted, utf8_or_latin1};
use super::title::split_title_year;
use crate::error::Result;
use std::path::Path;

/// One movie of a movies file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MovieRow {
    /// Raw id.
    pub id: String,
    /// Title without the year.
    pub title: String,
    /// Release year, when the title ends with one.
    pub year: Option<u16>,
    /// Genre names.
    pub genres: Vec<String>,
    /// Keywords, lower-case.
    pub keywords: Vec<String>,
    /// Country, if given.
    pub country: Option<String>,
    /// Language, if given.
    pub language: Option<String>,
}

fn split_list(s: &str, lower: bool) -> Vec<String> {
    s.split('|')
        .map(str::trim)
        .filter(|g| !g.is_empty() && *g != "(no genres listed)")
        .map(|g| {
            if lower {
                g.to_lowercase()
            } else {
                g.to_string()
            }
        })
        .collect()
}

/// Reads a movies file (see the module docs).
pub fn read_movies(path: &Path) -> Result<Vec<MovieRow>> {
    let bytes = read_file(path)?;
    let mut it = lines(&bytes);
    let Some((_, head)) = it.next() else {
        return Ok(vec![]);
    };
    let header = header_names(head, b",");
    let wanted: [&[&str]; 6] = [
        &["movieId", "id"],
        &["title"],
        &["genres"],
        &["keywords", "tags"],
        &["country"],
        &["language"],
    ];
    let cols = find_cols(&header, &wanted);
    let need = |k: usize, name: &str| {
        cols[k].ok_or_else(|| perr(path, 1, name, "missing column in the header"))
    };
    let (c_id, c_title) = (need(0, "movieId")?, need(1, "title")?);
    let mut out = Vec::new();
    for (no, raw) in it {
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let f: Vec<String> = split_quoted(raw, b',')
            .map_err(|m| perr(path, no, "movieId", m))?
            .iter()
            .map(|v| utf8_or_latin1(v))
            .collect();
        let get = |c: Option<usize>| c.and_then(|c| f.get(c)).map(|s| s.trim()).unwrap_or("");
        let id = get(Some(c_id));
        if id.is_empty() {
            return Err(perr(path, no, "movieId", "empty id"));
        }
        let (title, year) = split_title_year(get(Some(c_title)));
        if title.trim().is_empty() {
            return Err(perr(path, no, "title", "empty title"));
        }
        let opt = |c: Option<usize>| Some(get(c).to_string()).filter(|s| !s.is_empty());
        out.push(MovieRow {
            id: id.to_string(),
            title,
            year,
            genres: split_list(get(cols[2]), false),
            keywords: split_list(get(cols[3]), true),
            country: opt(cols[4]),
            language: opt(cols[5]),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_movielens_rows_with_optional_columns_and_names_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("new.csv");
        std::fs::write(
            &p,
            "movieId,title,genres,keywords,country\n\
             2001,\"Space Heist, The (2026)\",Sci-Fi|Crime,Space|heist,FR\n\
             2002,Quiet Film,(no genres listed),,\n",
        )
        .unwrap();
        let rows = read_movies(&p).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].year, Some(2026));
        assert_eq!(rows[0].genres, vec!["Sci-Fi", "Crime"]);
        assert_eq!(rows[0].keywords, vec!["space", "heist"]);
        assert_eq!(rows[0].country.as_deref(), Some("FR"));
        assert!(rows[1].genres.is_empty() && rows[1].country.is_none());
        std::fs::write(&p, "movieId,title\n7,Fine\n,No Id\n").unwrap();
        let e = read_movies(&p).unwrap_err().to_string();
        assert!(
            e.contains("new.csv") && e.contains('3') && e.contains("movieId"),
            "{e}"
        );
        std::fs::write(&p, "id,name\n1,x\n").unwrap();
        let e = read_movies(&p).unwrap_err().to_string();
        assert!(e.contains("title"), "{e}");
    }
}
