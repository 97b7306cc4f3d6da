using System;
using System.Runtime.InteropServices;

namespace ExoNative.Native
{
    /// <summary>
    /// The C ABI of exo_core (rust-core/include/exo_core.h), one import per function.
    /// Handles created by Rust arrive as raw pointers through an out-pointer and are wrapped
    /// in their SafeHandle by the caller: the ABI writes outputs only on success, so C#
    /// initialises them itself instead of trusting a marshaller's default.
    /// </summary>
    internal static unsafe partial class ExoCore
    {
        internal const string Library = "exo_core";

        [LibraryImport(Library)]
        internal static partial ExoSlice exo_version();

        [LibraryImport(Library)]
        internal static partial void exo_buffer_free(ExoBuffer buf);

        [LibraryImport(Library)]
        internal static partial uint exo_error_code(ExoErrorHandle err);

        [LibraryImport(Library)]
        internal static partial ExoSlice exo_error_message(ExoErrorHandle err);

        [LibraryImport(Library)]
        internal static partial ExoSlice exo_error_detail(ExoErrorHandle err);

        [LibraryImport(Library)]
        internal static partial void exo_error_free(IntPtr err);

        [LibraryImport(Library)]
        internal static partial IntPtr exo_cancel_new();

        [LibraryImport(Library)]
        internal static partial void exo_cancel_trigger(ExoCancelHandle cancel);

        [LibraryImport(Library)]
        internal static partial void exo_cancel_free(IntPtr cancel);

        [LibraryImport(Library)]
        internal static partial IntPtr exo_connection_open(byte* config, nuint configLen, ExoCancelHandle cancel, IntPtr* connection);

        [LibraryImport(Library)]
        internal static partial IntPtr exo_connection_info(ExoConnectionHandle connection, ExoBuffer* info);

        [LibraryImport(Library)]
        internal static partial void exo_connection_free(IntPtr connection);

        [LibraryImport(Library)]
        internal static partial IntPtr exo_signin_begin(byte* config, nuint configLen, IntPtr* signIn, ExoBuffer* prompt);

        [LibraryImport(Library)]
        internal static partial IntPtr exo_signin_complete(ExoSignInHandle signIn, ExoCancelHandle cancel, IntPtr* connection);

        [LibraryImport(Library)]
        internal static partial void exo_signin_free(IntPtr signIn);

        [LibraryImport(Library)]
        internal static partial IntPtr exo_pager_open(ExoConnectionHandle connection, byte* request, nuint requestLen, IntPtr* pager);

        [LibraryImport(Library)]
        internal static partial IntPtr exo_pager_next(ExoPagerHandle pager, ExoCancelHandle cancel, ExoBuffer* page);

        [LibraryImport(Library)]
        internal static partial void exo_pager_free(IntPtr pager);

        /// <summary>Gives a Rust buffer back; safe on an empty buffer.</summary>
        internal static void FreeBuffer(ref ExoBuffer buffer)
        {
            if (buffer.Ptr != null)
            {
                exo_buffer_free(buffer);
                buffer = default;
            }
        }
    }
}
