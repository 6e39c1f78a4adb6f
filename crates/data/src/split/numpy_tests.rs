//! Unit tests of `numpy.rs` (its own file, so the module stays one idea).

//! Reference vectors produced with numpy 2.4.6 (`pip install numpy`); the command that
//! printed each one is given above it.
use super::*;

#[test]
fn seed_sequence_matches_numpy() {
    // python3 -c "import numpy as np; ss=np.random.SeedSequence(42);
    //   print([hex(x) for x in ss.generate_state(4, np.uint64)])"
    assert_eq!(
        SeedSequence::new(42).generate_state_u64(4),
        vec![
            0x9f1e2e6dcd540ab7,
            0xd57873dc79fb94b6,
            0x7d282a1b64d420b7,
            0x336579714692d5ff
        ]
    );
}

#[test]
fn raw_outputs_match_numpy() {
    // python3 -c "import numpy as np; g=np.random.default_rng(42);
    //   print([hex(x) for x in g.bit_generator.random_raw(3)])"
    let mut g = NumpyPcg64::new(42);
    let got: Vec<u64> = (0..3).map(|_| g.next_u64()).collect();
    assert_eq!(
        got,
        vec![0xc621fbcd16d92688, 0x705a5661a791ffc1, 0xdbcd12c26eda1624]
    );
}

#[test]
fn permutation_100000_seed_42_matches_numpy() {
    let p = numpy_permutation(42, 100_000);
    // python3 -c "import numpy as np; print(np.random.default_rng(42).permutation(100000)[:20].tolist())"
    let head = [
        45262, 49850, 30394, 90177, 95569, 10900, 193, 98908, 59014, 93313, 61345, 71689, 37715,
        60940, 55361, 28566, 733, 54985, 19807, 11232,
    ];
    assert_eq!(&p[..20], &head);
    // python3 -c "import numpy as np; print(np.random.default_rng(42).permutation(100000)[-5:].tolist())"
    assert_eq!(&p[p.len() - 5..], &[34957, 70338, 5668, 22113, 75400]);
    // Whole permutation: python3 -c "import numpy as np;
    //   p=np.random.default_rng(42).permutation(100000).tolist();
    //   print(sum((i+1)*x for i,x in enumerate(p)) % 2**64)"
    let fp = p.iter().enumerate().fold(0u64, |a, (i, &x)| {
        a.wrapping_add((i as u64 + 1).wrapping_mul(x as u64))
    });
    assert_eq!(fp, 249157033702609);
    // The peer test rows: python3 -c "import numpy as np;
    //   p=np.random.default_rng(42).permutation(100000).tolist(); t=sorted(p[:20000]);
    //   print(t[:10], sum(t))"
    let mut t = p[..20_000].to_vec();
    t.sort_unstable();
    assert_eq!(&t[..10], &[2, 10, 15, 18, 20, 22, 24, 25, 29, 37]);
    assert_eq!(t.iter().sum::<usize>(), 1008542774);
}

#[test]
fn small_permutations_match_numpy() {
    // for s in 0 1 42 12345; do for n in 1 2 5 10 17; do python3 -c "import numpy as np;
    //   print($s,$n,np.random.default_rng($s).permutation($n).tolist())"; done; done
    let cases: &[(u64, &[usize])] = &[
        (0, &[0]),
        (0, &[0, 1]),
        (0, &[2, 4, 3, 0, 1]),
        (0, &[4, 6, 2, 7, 3, 5, 9, 0, 8, 1]),
        (
            0,
            &[2, 10, 3, 11, 0, 4, 7, 5, 16, 12, 13, 6, 9, 14, 8, 1, 15],
        ),
        (1, &[0]),
        (1, &[0, 1]),
        (1, &[4, 0, 1, 2, 3]),
        (1, &[8, 4, 7, 0, 1, 2, 5, 9, 6, 3]),
        (
            1,
            &[1, 10, 14, 15, 7, 12, 3, 4, 5, 8, 0, 9, 2, 16, 13, 11, 6],
        ),
        (42, &[0]),
        (42, &[1, 0]),
        (42, &[4, 2, 3, 1, 0]),
        (42, &[5, 6, 0, 7, 3, 2, 4, 9, 1, 8]),
        (
            42,
            &[12, 16, 11, 6, 10, 9, 7, 3, 0, 15, 5, 2, 4, 14, 1, 13, 8],
        ),
        (12345, &[0]),
        (12345, &[0, 1]),
        (12345, &[4, 3, 0, 2, 1]),
        (12345, &[4, 8, 1, 3, 7, 9, 6, 0, 2, 5]),
        (
            12345,
            &[11, 12, 10, 16, 6, 4, 1, 15, 7, 3, 8, 0, 2, 9, 5, 14, 13],
        ),
        // python3 -c "import numpy as np; print(np.random.default_rng(2**40+7).permutation(12).tolist())"
        ((1 << 40) + 7, &[8, 2, 6, 1, 11, 9, 3, 7, 4, 5, 0, 10]),
    ];
    for &(seed, want) in cases {
        assert_eq!(
            numpy_permutation(seed, want.len()),
            want,
            "seed {seed} n {}",
            want.len()
        );
    }
    assert!(numpy_permutation(42, 0).is_empty());
}

/// Runs real numpy when `python3 -c 'import numpy'` works; prints a loud SKIP otherwise.
#[test]
fn live_numpy_permutations_agree() {
    let script = "import numpy as np\nfor s,n in [(42,1000),(7,65537),(2**33+5,300),(0,3)]:\n    print(' '.join(map(str, np.random.default_rng(s).permutation(n).tolist())))\n";
    let out = match std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .output()
    {
        Ok(o) if o.status.success() => o,
        _ => {
            eprintln!("SKIP live_numpy_permutations_agree: python3 with numpy not available");
            println!("SKIP live_numpy_permutations_agree: python3 with numpy not available");
            return;
        }
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let cases = [(42u64, 1000usize), (7, 65537), ((1 << 33) + 5, 300), (0, 3)];
    assert_eq!(lines.len(), cases.len(), "unexpected python output: {text}");
    for ((seed, n), line) in cases.iter().zip(lines) {
        let want: Vec<usize> = line
            .split(' ')
            .map(|x| x.parse().expect("integer"))
            .collect();
        assert_eq!(numpy_permutation(*seed, *n), want, "seed {seed} n {n}");
    }
}
