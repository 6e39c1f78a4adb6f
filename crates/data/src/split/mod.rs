//! Seeded, reproducible train/test splits. (Being written.)
