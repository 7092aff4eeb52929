//! The use cases every channel shares now live in `minhu_app`; this module keeps their old
//! paths (`minhu_web::service::…`) working.

pub use minhu_app::act::{perform, perform_at};
pub use minhu_app::intake::{Registered, register};
pub use minhu_app::reveal::{may_reveal, reveal_personal};
pub use minhu_app::sweep::{SweepReport, sweep};
pub use minhu_app::track::{Tracked, track};
