using System;
using System.Runtime.InteropServices;

namespace ExoNative.Native
{
    // One SafeHandle per opaque Rust handle. The runtime guarantees ReleaseHandle runs once,
    // and not while a P/Invoke that received the handle is still running on another thread
    // (Disconnect while Get-Mailbox pages, StopProcessing while a page is fetched).

    internal sealed class ExoErrorHandle : SafeHandle
    {
        public ExoErrorHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);
        public override bool IsInvalid => handle == IntPtr.Zero;
        protected override bool ReleaseHandle() { ExoCore.exo_error_free(handle); return true; }
    }

    internal sealed class ExoCancelHandle : SafeHandle
    {
        public ExoCancelHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);
        public override bool IsInvalid => handle == IntPtr.Zero;
        protected override bool ReleaseHandle() { ExoCore.exo_cancel_free(handle); return true; }
    }

    internal sealed class ExoConnectionHandle : SafeHandle
    {
        public ExoConnectionHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);
        public override bool IsInvalid => handle == IntPtr.Zero;
        protected override bool ReleaseHandle() { ExoCore.exo_connection_free(handle); return true; }
    }

    internal sealed class ExoSignInHandle : SafeHandle
    {
        public ExoSignInHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);
        public override bool IsInvalid => handle == IntPtr.Zero;
        protected override bool ReleaseHandle() { ExoCore.exo_signin_free(handle); return true; }
    }

    /// <summary>
    /// A pager keeps its connection's handle referenced until the pager is freed, so that a
    /// Disconnect-ExchangeOnline in another runspace cannot free the connection under it.
    /// </summary>
    internal sealed class ExoPagerHandle : SafeHandle
    {
        private readonly ExoConnectionHandle _connection;
        private readonly bool _holdsConnection;

        public ExoPagerHandle(IntPtr handle, ExoConnectionHandle connection) : base(IntPtr.Zero, ownsHandle: true)
        {
            // Owned from here: if the connection was closed meanwhile and AddRef throws, the
            // finalizer still frees the pager (and with it the core's hold on the connection).
            SetHandle(handle);
            _connection = connection;
            connection.DangerousAddRef(ref _holdsConnection);
        }

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            ExoCore.exo_pager_free(handle);
            if (_holdsConnection)
            {
                _connection.DangerousRelease();
            }
            return true;
        }
    }
}
