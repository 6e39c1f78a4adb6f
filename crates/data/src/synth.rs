//! Synthetic MovieLens-like data for scale benchmarks. (Being written.)
