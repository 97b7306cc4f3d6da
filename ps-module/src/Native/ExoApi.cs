using System;

namespace ExoNative.Native
{
    /// <summary>
    /// The ABI as .NET methods: outputs wrapped in SafeHandles, errors thrown as
    /// <see cref="ExoException"/>. Every exo_core call of the module goes through here.
    /// </summary>
    internal static unsafe class ExoApi
    {
        internal static string Version() => ExoCore.exo_version().ToString();

        internal static ExoCancelHandle NewCancel()
        {
            var handle = new ExoCancelHandle(ExoCore.exo_cancel_new());
            if (handle.IsInvalid)
            {
                throw new InvalidOperationException("exo_cancel_new returned no handle.");
            }
            return handle;
        }

        internal static ExoConnectionHandle OpenConnection(ReadOnlySpan<byte> config, ExoCancelHandle cancel)
        {
            IntPtr connection = IntPtr.Zero;
            fixed (byte* p = config)
            {
                ExoException.ThrowIfError(ExoCore.exo_connection_open(p, (nuint)config.Length, cancel, &connection));
            }
            return new ExoConnectionHandle(connection);
        }

        /// <summary>Starts interactive or device sign-in; returns the prompt JSON to show the user.</summary>
        internal static ExoSignInHandle BeginSignIn(ReadOnlySpan<byte> config, out byte[] promptJson)
        {
            IntPtr signIn = IntPtr.Zero;
            ExoBuffer prompt = default;
            fixed (byte* p = config)
            {
                ExoException.ThrowIfError(ExoCore.exo_signin_begin(p, (nuint)config.Length, &signIn, &prompt));
            }
            var handle = new ExoSignInHandle(signIn);
            try
            {
                promptJson = prompt.AsSpan().ToArray();
            }
            finally
            {
                ExoCore.FreeBuffer(ref prompt);
            }
            return handle;
        }

        internal static ExoConnectionHandle CompleteSignIn(ExoSignInHandle signIn, ExoCancelHandle cancel)
        {
            IntPtr connection = IntPtr.Zero;
            ExoException.ThrowIfError(ExoCore.exo_signin_complete(signIn, cancel, &connection));
            return new ExoConnectionHandle(connection);
        }

        internal static byte[] ConnectionInfo(ExoConnectionHandle connection)
        {
            ExoBuffer info = default;
            ExoException.ThrowIfError(ExoCore.exo_connection_info(connection, &info));
            try
            {
                return info.AsSpan().ToArray();
            }
            finally
            {
                ExoCore.FreeBuffer(ref info);
            }
        }

        internal static ExoPagerHandle OpenPager(ExoConnectionHandle connection, ReadOnlySpan<byte> request)
        {
            IntPtr pager = IntPtr.Zero;
            fixed (byte* p = request)
            {
                ExoException.ThrowIfError(ExoCore.exo_pager_open(connection, p, (nuint)request.Length, &pager));
            }
            return new ExoPagerHandle(pager, connection);
        }

        /// <summary>
        /// Fetches the next page. Returns false when there are no more pages; otherwise the
        /// caller owns <paramref name="page"/> and must give it back with <see cref="ExoCore.FreeBuffer"/>.
        /// </summary>
        internal static bool NextPage(ExoPagerHandle pager, ExoCancelHandle cancel, out ExoBuffer page)
        {
            ExoBuffer buffer = default;
            ExoException.ThrowIfError(ExoCore.exo_pager_next(pager, cancel, &buffer));
            page = buffer;
            return !buffer.IsNull;
        }
    }
}
