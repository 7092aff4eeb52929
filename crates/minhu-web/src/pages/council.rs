//! The council hall's papers for staff, printable on A4: a sitting's sign-in sheet (签到表,
//! pre-filled from the register, with a signature column), a vote's ballot (表决票) and tally
//! sheet (计票单), the minutes (会议记录, full) and the approved summary (纪要, numbered).
//! The same use cases as the API (`minhu_app::council`).

mod print;

pub use print::router;
