//! A numpy-identical permutation: `numpy.random.default_rng(seed).permutation(n)`, bit for
//! bit, so a split made here equals the one `../shared/peers/split.py` makes.
//!
//! What numpy does, re-implemented from its documented algorithms (numpy ≥ 1.17 `Generator`):
//! 1. `SeedSequence(seed)`: the integer seed becomes little-endian 32-bit words, is hashed
//!    into a 4-word pool (`mix_entropy`), and `generate_state(4, uint64)` draws four 64-bit
//!    words from the pool;
//! 2. `PCG64` (XSL-RR 128/64) is seeded with `state = w0·2⁶⁴ + w1`, `inc = w2·2⁶⁴ + w3` via
//!    the PCG `srandom` routine (state 0, step, add, step);
//! 3. `Generator.shuffle` runs Fisher–Yates from the last index down to 1, drawing
//!    `j ∈ [0, i]` with `random_interval` — masked rejection sampling that uses buffered
//!    32-bit draws (low half of a 64-bit output first, then the high half) while `i` fits in
//!    32 bits and full 64-bit draws otherwise.

/// `numpy.random.default_rng(seed).permutation(n)` as `usize` indices.
pub fn numpy_permutation(seed: u64, n: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    NumpyPcg64::new(seed).shuffle(&mut v);
    v
}

const INIT_A: u32 = 0x43b0_d7e5;
const MULT_A: u32 = 0x931e_8875;
const INIT_B: u32 = 0x8b51_f9dd;
const MULT_B: u32 = 0x58f3_8ded;
const MIX_MULT_L: u32 = 0xca01_f9dd;
const MIX_MULT_R: u32 = 0x4973_f715;
const POOL_SIZE: usize = 4;
const PCG_MULT: u128 = (0x2360_ed05_1fc6_5da4u128 << 64) | 0x4385_df64_9fcc_f645u128;

/// numpy's `SeedSequence` for a non-negative integer entropy and no spawn key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedSequence {
    pool: [u32; POOL_SIZE],
}

impl SeedSequence {
    /// `numpy.random.SeedSequence(entropy)`.
    pub fn new(entropy: u64) -> Self {
        // Python int -> uint32 words, least significant first; 0 is one zero word.
        let mut words = vec![entropy as u32];
        if entropy >> 32 != 0 {
            words.push((entropy >> 32) as u32);
        }
        let mut hash_const = INIT_A;
        let mut hashmix = |value: u32| -> u32 {
            let mut v = value ^ hash_const;
            hash_const = hash_const.wrapping_mul(MULT_A);
            v = v.wrapping_mul(hash_const);
            v ^ (v >> 16)
        };
        let mix = |x: u32, y: u32| -> u32 {
            let r = MIX_MULT_L
                .wrapping_mul(x)
                .wrapping_sub(MIX_MULT_R.wrapping_mul(y));
            r ^ (r >> 16)
        };
        let mut pool = [0u32; POOL_SIZE];
        for (i, p) in pool.iter_mut().enumerate() {
            *p = hashmix(words.get(i).copied().unwrap_or(0));
        }
        for src in 0..POOL_SIZE {
            for dst in 0..POOL_SIZE {
                if src != dst {
                    let h = hashmix(pool[src]);
                    pool[dst] = mix(pool[dst], h);
                }
            }
        }
        // Entropy longer than the pool would be mixed in here; a u64 is at most 2 words.
        SeedSequence { pool }
    }

    /// `generate_state(n, uint32)`.
    pub fn generate_state_u32(&self, n: usize) -> Vec<u32> {
        let mut hash_const = INIT_B;
        (0..n)
            .map(|i| {
                let mut v = self.pool[i % POOL_SIZE] ^ hash_const;
                hash_const = hash_const.wrapping_mul(MULT_B);
                v = v.wrapping_mul(hash_const);
                v ^ (v >> 16)
            })
            .collect()
    }

    /// `generate_state(n, uint64)`: pairs of 32-bit words, low word first.
    pub fn generate_state_u64(&self, n: usize) -> Vec<u64> {
        let w = self.generate_state_u32(2 * n);
        w.chunks(2)
            .map(|c| c[0] as u64 | (c[1] as u64) << 32)
            .collect()
    }
}

/// numpy's `PCG64` bit generator (XSL-RR output) with its 32-bit half buffer.
#[derive(Debug, Clone)]
pub struct NumpyPcg64 {
    state: u128,
    inc: u128,
    buffered: Option<u32>,
}

impl NumpyPcg64 {
    /// The bit generator behind `numpy.random.default_rng(seed)`.
    pub fn new(seed: u64) -> Self {
        let w = SeedSequence::new(seed).generate_state_u64(4);
        let init_state = (w[0] as u128) << 64 | w[1] as u128;
        let init_seq = (w[2] as u128) << 64 | w[3] as u128;
        let mut g = NumpyPcg64 {
            state: 0,
            inc: (init_seq << 1) | 1,
            buffered: None,
        };
        g.step();
        g.state = g.state.wrapping_add(init_state);
        g.step();
        g
    }

    #[inline]
    fn step(&mut self) {
        self.state = self.state.wrapping_mul(PCG_MULT).wrapping_add(self.inc);
    }

    /// Next 64-bit output (`bit_generator.random_raw()`).
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.step();
        let hi = (self.state >> 64) as u64;
        let lo = self.state as u64;
        (hi ^ lo).rotate_right((self.state >> 122) as u32)
    }

    /// Next 32-bit output: the low half of a fresh 64-bit draw, then its high half.
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        if let Some(v) = self.buffered.take() {
            return v;
        }
        let x = self.next_u64();
        self.buffered = Some((x >> 32) as u32);
        x as u32
    }

    /// numpy's `random_interval(max)`: uniform in `[0, max]` by masked rejection.
    pub fn random_interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mask = u64::MAX >> max.leading_zeros();
        if max <= u32::MAX as u64 {
            loop {
                let v = self.next_u32() as u64 & mask;
                if v <= max {
                    return v;
                }
            }
        } else {
            loop {
                let v = self.next_u64() & mask;
                if v <= max {
                    return v;
                }
            }
        }
    }

    /// `Generator.shuffle` on a 1-d array: Fisher–Yates from the end, `j = random_interval(i)`.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.random_interval(i as u64) as usize;
            v.swap(i, j);
        }
    }
}

#[cfg(test)]
#[path = "numpy_tests.rs"]
mod tests;
