using System;
using System.Runtime.InteropServices;
using System.Text;

namespace ExoNative.Native
{
    /// <summary>
    /// A UTF-8 view into memory Rust keeps alive (the version string, an error's texts).
    /// Borrowed: never freed from C#, and read only while its owner is alive.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal readonly unsafe struct ExoSlice
    {
        public readonly byte* Ptr;
        public readonly nuint Len;

        public ReadOnlySpan<byte> AsSpan() =>
            Ptr == null ? ReadOnlySpan<byte>.Empty : new ReadOnlySpan<byte>(Ptr, checked((int)Len));

        public override string ToString() => Encoding.UTF8.GetString(AsSpan());
    }

    /// <summary>
    /// Bytes allocated by Rust and handed to C#: always given back with exo_buffer_free
    /// (see <see cref="ExoCore.FreeBuffer"/>), because .NET's allocator must never free them.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct ExoBuffer
    {
        public byte* Ptr;
        public nuint Len;

        public readonly bool IsNull => Ptr == null;

        public readonly ReadOnlySpan<byte> AsSpan() =>
            Ptr == null ? ReadOnlySpan<byte>.Empty : new ReadOnlySpan<byte>(Ptr, checked((int)Len));
    }

    /// <summary>Stable error numbers of the C ABI (never reused, see exo_core.h).</summary>
    public enum ExoErrorCode : uint
    {
        Unknown = 0,
        InvalidArgument = 1,
        Cancelled = 2,
        Panic = 3,
        NullPointer = 4,
        InvalidInput = 5,
        SignInFailed = 10,
        TokenExpired = 11,
        Certificate = 12,
        NotConnected = 13,
        Network = 20,
        Timeout = 21,
        ServerError = 30,
        NotFound = 31,
        PermissionDenied = 32,
        RetriesExhausted = 33,
        InvalidNextLink = 34,
        ResponseTooLarge = 35,
        MalformedResponse = 36,
        InvalidParameter = 37,
    }
}
