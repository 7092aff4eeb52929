//! The ledgers' pure facts and policy (台账, 三率): what each request contributes to the daily
//! register, the weekly summary and the monthly report, over a period.
