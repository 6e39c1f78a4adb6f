//! Unit tests of `title.rs` (its own file, so the module stays one idea).

use super::*;

#[test]
fn years_come_off_the_end_only() {
    assert_eq!(
        split_title_year("Toy Story (1995)"),
        ("Toy Story".into(), Some(1995))
    );
    assert_eq!(
        split_title_year("Seven (Se7en) (1995)"),
        ("Seven (Se7en)".into(), Some(1995))
    );
    assert_eq!(
        split_title_year("Big Night (1996) "),
        ("Big Night".into(), Some(1996))
    );
    assert_eq!(
        split_title_year("Babylon 5 (1994-1998)"),
        ("Babylon 5".into(), Some(1994))
    );
    assert_eq!(split_title_year("Brazil"), ("Brazil".into(), None));
    assert_eq!(
        split_title_year("1984 (Nineteen Eighty-Four)"),
        ("1984 (Nineteen Eighty-Four)".into(), None)
    );
    assert_eq!(split_title_year("(2019)"), ("(2019)".into(), None));
    assert_eq!(year_of("01-Jan-1995"), Some(1995));
    assert_eq!(year_of("unkonwn"), None);
    assert_eq!(clean_title("unknown".into()), None);
}
