using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;

namespace ExoNative.Native
{
    /// <summary>
    /// Finds exo_core for the imports in <see cref="ExoCore"/>. pwsh's own fallback looks in
    /// other folders than the ones NuGet-style packages use, so the module ships its native
    /// library as runtimes/&lt;rid&gt;/native/&lt;file&gt; next to ExoNative.dll and resolves it here.
    /// Development builds point EXONATIVE_NATIVE_LIBRARY at a library anywhere on disk.
    /// </summary>
    internal static class NativeLibraryResolver
    {
        internal const string OverrideVariable = "EXONATIVE_NATIVE_LIBRARY";

        private static int s_registered;
        private static readonly object s_lock = new();
        private static IntPtr s_handle;

        /// <summary>Registers once per process; a second Import-Module of the same assembly is a no-op.</summary>
        internal static void Register()
        {
            if (Interlocked.Exchange(ref s_registered, 1) == 0)
            {
                NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);
            }
        }

        private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
            libraryName == ExoCore.Library ? Load() : IntPtr.Zero;

        /// <summary>Loads the library (once) or throws a DllNotFoundException that says what to do.</summary>
        internal static IntPtr Load()
        {
            lock (s_lock)
            {
                if (s_handle == IntPtr.Zero)
                {
                    s_handle = NativeLibrary.Load(FindPath());
                }
                return s_handle;
            }
        }

        internal static string FindPath()
        {
            string? overridePath = Environment.GetEnvironmentVariable(OverrideVariable);
            if (!string.IsNullOrEmpty(overridePath))
            {
                if (!File.Exists(overridePath))
                {
                    throw new DllNotFoundException(
                        $"{OverrideVariable} is set to '{overridePath}', but there is no file there. " +
                        $"Set it to the full path of {FileName} or remove it to use the library shipped with the module.");
                }
                return overridePath;
            }

            string rid = RuntimeId;
            string moduleDir = Path.GetDirectoryName(typeof(NativeLibraryResolver).Assembly.Location) ?? ".";
            string candidate = Path.Combine(moduleDir, "runtimes", rid, "native", FileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }

            string runtimesDir = Path.Combine(moduleDir, "runtimes");
            string shipped = Directory.Exists(runtimesDir)
                ? string.Join(", ", Directory.GetDirectories(runtimesDir).Select(Path.GetFileName).OrderBy(n => n))
                : "none";
            throw new DllNotFoundException(
                $"ExoNative does not include its native library for this platform ({rid}): '{candidate}' does not exist " +
                $"(platforms in this build: {shipped}). Install a build of the module for {rid}, or set " +
                $"{OverrideVariable} to the full path of a {FileName} built for it.");
        }

        internal static string FileName =>
            OperatingSystem.IsWindows() ? "exo_core.dll"
            : OperatingSystem.IsMacOS() ? "libexo_core.dylib"
            : "libexo_core.so";

        /// <summary>The runtime identifier the module's folder layout uses (linux-x64, osx-arm64, win-x64, ...).</summary>
        internal static string RuntimeId
        {
            get
            {
                string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : OperatingSystem.IsLinux() ? "linux" : RuntimeInformation.OSDescription;
                string arch = RuntimeInformation.ProcessArchitecture switch
                {
                    Architecture.X64 => "x64",
                    Architecture.Arm64 => "arm64",
                    Architecture.X86 => "x86",
                    Architecture.Arm => "arm",
                    var other => other.ToString().ToLowerInvariant(),
                };
                return $"{os}-{arch}";
            }
        }
    }
}
