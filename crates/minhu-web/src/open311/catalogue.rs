//! The service catalogue Open311 lists is the deployment's own, loaded with `minhu catalogue
//! load` (`minhu_app::catalogue_load`). The demo deployment's catalogue is data in
//! `minhu-fixtures` (`data/catalogue.json`, loaded by `minhu_fixtures::demo::seed_catalogue`
//! through the same loader); nothing of it is left here.
