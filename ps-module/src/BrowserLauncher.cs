using System;
using System.ComponentModel;
using System.Diagnostics;

namespace ExoNative
{
    /// <summary>
    /// Opens the sign-in page: through $env:BROWSER when set (the command gets the URL as
    /// its only argument; tests use this to drive a headless browser), else the platform's
    /// opener. The URL is never printed: it carries the sign-in's state and PKCE challenge.
    /// </summary>
    internal static class BrowserLauncher
    {
        /// <summary>Why no browser can be opened here, or null if one can. Checked before sign-in starts.</summary>
        internal static string? CannotOpenReason()
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("BROWSER")))
            {
                return null;
            }
            if (OperatingSystem.IsLinux()
                && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY"))
                && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY")))
            {
                return "Interactive sign-in needs a web browser, and this session has no display (DISPLAY and WAYLAND_DISPLAY are not set). " +
                       "Sign in with a code on another device with -Device, use a token you already have with -AccessToken, " +
                       "or use certificate sign-in (-AppId with -CertificateFilePath, -CertificateThumbprint or -Certificate, and -Organization). " +
                       "Setting the BROWSER environment variable to a browser command also works.";
            }
            return null;
        }

        internal static void Open(string url)
        {
            string? browser = Environment.GetEnvironmentVariable("BROWSER");
            ProcessStartInfo start;
            if (!string.IsNullOrEmpty(browser))
            {
                start = new ProcessStartInfo(browser);
                start.ArgumentList.Add(url);
            }
            else if (OperatingSystem.IsWindows())
            {
                start = new ProcessStartInfo(url) { UseShellExecute = true };
            }
            else
            {
                start = new ProcessStartInfo(OperatingSystem.IsMacOS() ? "open" : "xdg-open");
                start.ArgumentList.Add(url);
            }
            try
            {
                using Process? _ = Process.Start(start);
            }
            catch (Win32Exception ex)
            {
                // With UseShellExecute the file name is the sign-in URL itself, which carries
                // the sign-in state: name the default browser instead.
                string what = start.UseShellExecute ? "the default browser" : $"'{start.FileName}'";
                throw new InvalidOperationException(
                    $"The browser could not be started ({what}: {ex.Message}). Set BROWSER to a browser command, or sign in with -Device.", ex);
            }
        }
    }
}
