using System.Management.Automation;
using ExoNative.Native;

namespace ExoNative
{
    /// <summary>
    /// Runs when pwsh imports ExoNative.dll. It registers the native library resolver and
    /// checks that the library for this platform is there, so a module copied to a platform
    /// it was not built for fails at Import-Module with a message naming the platform. The
    /// library itself is loaded on first use, so Import-Module stays fast.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer
    {
        public void OnImport()
        {
            NativeLibraryResolver.Register();
            NativeLibraryResolver.FindPath(); // throws DllNotFoundException naming the platform
        }
    }
}
