//! The library's one tokio runtime. The C ABI is synchronous: each call blocks on this
//! runtime, racing the work against the caller's cancellation handle.

use crate::cancel::Cancel;
use crate::error::{Error, Result};
use once_cell::sync::Lazy;
use std::future::Future;
use tokio::runtime::Runtime;

static RUNTIME: Lazy<Runtime> = Lazy::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("exo-core")
        .enable_all()
        .build()
        .expect("the tokio runtime must start")
});

pub fn handle() -> tokio::runtime::Handle {
    RUNTIME.handle().clone()
}

/// Runs `work` to completion on the runtime, or stops it when `cancel` fires.
pub fn block_on<T>(cancel: Option<&Cancel>, work: impl Future<Output = Result<T>>) -> Result<T> {
    RUNTIME.block_on(async {
        match cancel {
            None => work.await,
            Some(c) => tokio::select! {
                biased;
                _ = c.cancelled() => Err(Error::cancelled()),
                r = work => r,
            },
        }
    })
}
