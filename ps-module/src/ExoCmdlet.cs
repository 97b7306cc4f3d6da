using System;
using System.Management.Automation;
using ExoNative.Native;

namespace ExoNative
{
    /// <summary>
    /// What every ExoNative cmdlet shares: a cancellation handle that StopProcessing (Ctrl+C,
    /// or a stopped pipeline) triggers from its own thread so a blocked native call returns
    /// promptly, and the translation of native failures into ErrorRecords.
    /// </summary>
    public abstract class ExoCmdlet : PSCmdlet, IDisposable
    {
        private readonly object _cancelLock = new();
        private ExoCancelHandle? _cancel;
        private bool _stopRequested;

        /// <summary>The invocation's cancellation handle, created on first use (so cmdlets that fail validation never load the library).</summary>
        internal ExoCancelHandle Cancel
        {
            get
            {
                lock (_cancelLock)
                {
                    if (_cancel == null)
                    {
                        _cancel = ExoApi.NewCancel();
                        if (_stopRequested)
                        {
                            ExoCore.exo_cancel_trigger(_cancel);
                        }
                    }
                    return _cancel;
                }
            }
        }

        protected override void StopProcessing()
        {
            lock (_cancelLock)
            {
                _stopRequested = true;
                if (_cancel != null && !_cancel.IsClosed)
                {
                    ExoCore.exo_cancel_trigger(_cancel);
                }
            }
        }

        /// <summary>
        /// Turns an exception from the native layer into the ErrorRecord to report.
        /// A cancellation caused by StopProcessing becomes PipelineStoppedException, as
        /// PowerShell expects from a stopped command.
        /// </summary>
        internal ErrorRecord ToErrorRecord(Exception ex, object? target = null)
        {
            switch (ex)
            {
                case ExoException exo when exo.Code == ExoErrorCode.Cancelled && (Stopping || _stopRequested):
                    throw new PipelineStoppedException();
                case ExoException exo:
                    return ErrorFactory.FromExo(exo, target);
                case DllNotFoundException dll:
                    return ErrorFactory.NativeLibraryMissing(dll);
                case EntryPointNotFoundException entry:
                    return new ErrorRecord(entry, "ExoNative.NativeLibraryMismatch", ErrorCategory.NotInstalled, null)
                    {
                        ErrorDetails = new ErrorDetails(
                            $"The native library does not match this version of ExoNative.dll ({entry.Message}). " +
                            $"Reinstall the module, or point {NativeLibraryResolver.OverrideVariable} at a matching build."),
                    };
                default:
                    return new ErrorRecord(ex, "ExoNative.UnexpectedError", ErrorCategory.NotSpecified, target);
            }
        }

        /// <summary>True for the failures this layer knows how to report; others are bugs and propagate as they are.</summary>
        internal static bool IsReportable(Exception ex) =>
            ex is ExoException or DllNotFoundException or EntryPointNotFoundException;

        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        protected virtual void Dispose(bool disposing)
        {
            if (disposing)
            {
                lock (_cancelLock)
                {
                    _cancel?.Dispose();
                }
            }
        }
    }
}
