//! The Exchange Online admin API: `POST /adminapi/beta/{tenant}/InvokeCommand`.

pub mod errors;
pub mod invoke;
pub mod mailbox;
pub mod opath;
