//! Background tasks tied to the value that owns them.

use tokio::task::JoinHandle;

/// Aborts its task when dropped: a watch's pump or a cache's reflector lives exactly as long as
/// the stream or cache that needs it.
#[derive(Debug)]
pub(crate) struct AbortOnDrop(pub(crate) JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
