//! Unit tests of a build without the `train` feature: every model constructs from its
//! parameters and `fit` refuses with [`CoreError::Unsupported`] (loading and scoring saved
//! models is covered by `tests/saved_models.rs`, which runs in both builds).

use crate::{
    AutoRec, AutoRecParams, Autoencoder, AutoencoderParams, Features, FeaturesParams, TwoTower,
    TwoTowerParams,
};
use cinerec_core::{fixtures, CoreError, NoObserver, Recommender};

#[test]
fn fit_is_unsupported_without_the_train_feature() {
    let data = fixtures::synthetic(1);
    let mut models: Vec<Box<dyn Recommender>> = vec![
        Box::new(TwoTower::new(TwoTowerParams::default()).unwrap()),
        Box::new(Features::new(FeaturesParams::default()).unwrap()),
        Box::new(Autoencoder::new(AutoencoderParams::default()).unwrap()),
        Box::new(AutoRec::new(AutoRecParams::default()).unwrap()),
    ];
    for m in &mut models {
        let name = m.name();
        match m.fit(&data, &mut NoObserver) {
            Err(CoreError::Unsupported { model, what }) => {
                assert_eq!(model, name);
                assert!(what.contains("`train` feature"), "{what}");
            }
            other => panic!("{name}: fit gave {other:?}"),
        }
        assert!(
            matches!(m.save_state(), Err(CoreError::NotFitted(_))),
            "{name}"
        );
    }
}
