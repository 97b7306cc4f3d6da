//! ExoNative's core: sign-in, token renewal, HTTP, paging, retries and throttling for the
//! Exchange Online admin API. PowerShell reaches it through the C ABI in [`ffi`]; Rust
//! tests use the modules directly.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod activity_log;
pub mod auth;
pub mod cancel;
pub mod cloud;
pub mod config;
pub mod connection;
pub mod error;
pub mod ffi;
pub mod http;
pub mod invoke;
pub mod runtime;
pub mod secret;
