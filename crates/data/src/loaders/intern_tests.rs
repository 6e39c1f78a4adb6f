//! Unit tests of `intern.rs` (its own file, so the module stays one idea).

use super::*;

#[test]
fn interns_ints_and_strings_in_first_appearance_order() {
    let mut a = Interner::default();
    let ids: Vec<u32> = ["5", "5", "007", "x", "5", "99999999999", "7"]
        .iter()
        .map(|s| a.intern(s.as_bytes()))
        .collect();
    assert_eq!(ids, vec![0, 0, 1, 2, 0, 3, 4]);
    let mut b = Interner::default();
    assert_eq!(b.intern(b"7"), 0);
    assert_eq!(b.intern(b"8"), 1);
    let (keys, tables) = merge(vec![a, b]);
    let raws: Vec<String> = keys.iter().map(Key::to_raw).collect();
    assert_eq!(raws, vec!["5", "007", "x", "99999999999", "7", "8"]);
    assert_eq!(tables[1], vec![4, 5]);
}

#[test]
fn direct_mode_then_switch() {
    let mut a = Interner::default();
    let mut col = Vec::new();
    for s in ["10", "3", "10"] {
        let v = a.put(s.as_bytes(), canonical_int(s.as_bytes()), &mut col);
        col.push(v);
    }
    assert_eq!(col, vec![10, 3, 10]);
    let mut b = Interner::default();
    let mut col2 = Vec::new();
    for s in ["3", "x", "3"] {
        let v = b.put(s.as_bytes(), canonical_int(s.as_bytes()), &mut col2);
        col2.push(v);
    }
    assert_eq!(col2, vec![0, 1, 0]);
    let (keys, tables) = merge(vec![a, b]);
    let raws: Vec<String> = keys.iter().map(Key::to_raw).collect();
    assert_eq!(raws, vec!["3", "10", "x"]);
    assert_eq!(
        (tables[0][10], tables[0][3], tables[0][4]),
        (1, 0, u32::MAX)
    );
    assert_eq!(tables[1], vec![0, 2]);
}
