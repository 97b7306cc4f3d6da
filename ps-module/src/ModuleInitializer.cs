using System.Management.Automation;
using ExoNative.Native;

namespace ExoNative
{
    /// <summary>
    /// Runs when pwsh imports ExoNative.dll. It only registers the native library resolver:
    /// the library itself is loaded on first use, so Import-Module stays fast and parameter
    /// errors never depend on the native part being present.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer
    {
        public void OnImport() => NativeLibraryResolver.Register();
    }
}
