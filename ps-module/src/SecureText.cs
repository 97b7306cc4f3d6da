using System;
using System.Runtime.InteropServices;
using System.Security;

namespace ExoNative
{
    /// <summary>Reads a SecureString without making a managed string of the secret.</summary>
    internal static class SecureText
    {
        internal delegate T CharsFunc<T>(ReadOnlySpan<char> chars);

        internal static unsafe T Use<T>(SecureString secure, CharsFunc<T> use)
        {
            IntPtr plain = Marshal.SecureStringToGlobalAllocUnicode(secure);
            try
            {
                return use(new ReadOnlySpan<char>((void*)plain, secure.Length));
            }
            finally
            {
                Marshal.ZeroFreeGlobalAllocUnicode(plain);
            }
        }
    }
}
