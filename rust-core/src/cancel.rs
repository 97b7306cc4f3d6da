//! Cancellation that PowerShell's StopProcessing can trigger from another thread while a
//! call blocks on the runtime.

use tokio::sync::watch;

#[derive(Debug)]
pub struct Cancel {
    sender: watch::Sender<bool>,
}

impl Default for Cancel {
    fn default() -> Self {
        Cancel { sender: watch::channel(false).0 }
    }
}

impl Cancel {
    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    pub fn is_cancelled(&self) -> bool {
        *self.sender.borrow()
    }

    /// Completes once [`Cancel::trigger`] has been called (at once if it already was).
    pub async fn cancelled(&self) {
        let mut receiver = self.sender.subscribe();
        while !*receiver.borrow_and_update() {
            if receiver.changed().await.is_err() {
                // The sender lives in self, so this cannot happen; never resolve.
                std::future::pending::<()>().await;
            }
        }
    }
}
