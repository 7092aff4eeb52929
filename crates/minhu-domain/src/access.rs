//! Who may read and do what, where: every role × scope rule of the product in one place
//! (the lifecycle's per-command rules stay beside their commands in `lifecycle`).
