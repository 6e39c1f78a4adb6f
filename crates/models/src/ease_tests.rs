//! Tests of the EASE model's fit: the closed form's defining property on the fitted weights,
//! and the typed refusals of a catalogue above `max_items` or above the memory available.

use super::*;
use cinerec_core::fixtures::synthetic;
use cinerec_core::NoObserver;

fn params(lambda: f64) -> EaseParams {
    EaseParams {
        lambda,
        max_dense: usize::MAX,
        half_life: None,
        ..EaseParams::default()
    }
}

#[test]
fn gram_times_identity_minus_b_is_diagonal() {
    // B = I − P·diag(1/diag P) ⇒ G(I − B) = diag(1/diag P): zero off the diagonal.
    let d = synthetic(9);
    let mut m = Ease::from_params(params(2.0)).unwrap();
    m.fit(&d, &mut NoObserver).unwrap();
    let f = m.fitted().unwrap();
    let n = f.m;
    let rows = UserRows::of(&d);
    let shape = Shape::of(&d);
    let g = gram(&rows, &shape, &f.dense, NONE, n, true, 2.0).unwrap();
    let gf = |j: usize, k: usize| g[j.min(k) * n + j.max(k)];
    for j in 0..n {
        for i in 0..n {
            if i == j {
                continue;
            }
            // Row j of G times column i of (I − B), with B[k][i] = b[k * n + i].
            let s: f64 = (0..n)
                .map(|k| gf(j, k) * (f64::from(k == i) - f.b[k * n + i] as f64))
                .sum();
            assert!(s.abs() < 1e-4, "({j}, {i}): {s}");
        }
    }
}

#[test]
fn a_catalogue_above_max_items_or_the_memory_is_refused_with_a_typed_error() {
    let d = synthetic(9);
    let mut m = Ease::from_params(EaseParams {
        max_items: Some(3),
        ..params(2.0)
    })
    .unwrap();
    match m.fit(&d, &mut NoObserver) {
        Err(CoreError::InvalidParam { name, reason }) => {
            assert_eq!(name, "max_items");
            assert!(
                reason.contains("max_items is 3") && reason.contains("GiB"),
                "{reason}"
            );
        }
        other => panic!("expected InvalidParam, got {:?}", other.map(|_| ())),
    }
    // Whatever max_items says, a dense set beyond the memory available is refused up front.
    if let Some(avail) = mem_available() {
        let n = ((avail / BYTES_PER_CELL) as f64).sqrt() as usize + 1_000;
        match check_memory(n, Some(usize::MAX)) {
            Err(CoreError::InvalidParam { name, reason }) => {
                assert_eq!(name, "max_items");
                assert!(reason.contains("are available"), "{reason}");
            }
            other => panic!("expected InvalidParam, got {other:?}"),
        }
        assert!(check_memory(100, None).is_ok());
    }
}
