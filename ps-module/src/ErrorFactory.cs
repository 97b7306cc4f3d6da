using System;
using System.Management.Automation;
using System.Text;
using ExoNative.Native;

namespace ExoNative
{
    /// <summary>
    /// The one place that turns failures into ErrorRecords, so every cmdlet reports them the
    /// same way: a category a script can branch on, and a fully-qualified error id that
    /// carries the server's request id like Microsoft's module does
    /// ("[Server=...,RequestId=...,TimeStamp=...] [FailureCategory=Cmdlet-...] ExoNative.NotFound,...").
    /// </summary>
    internal static class ErrorFactory
    {
        internal const string NotConnectedMessage =
            "You must call the Connect-ExchangeOnline cmdlet before calling any other cmdlets.";

        internal static ErrorCategory CategoryOf(ExoErrorCode code) => code switch
        {
            ExoErrorCode.InvalidArgument => ErrorCategory.InvalidArgument,
            ExoErrorCode.Cancelled => ErrorCategory.OperationStopped,
            ExoErrorCode.InvalidInput => ErrorCategory.InvalidData,
            ExoErrorCode.SignInFailed => ErrorCategory.AuthenticationError,
            ExoErrorCode.TokenExpired => ErrorCategory.AuthenticationError,
            ExoErrorCode.Certificate => ErrorCategory.SecurityError,
            ExoErrorCode.NotConnected => ErrorCategory.InvalidOperation,
            ExoErrorCode.Network => ErrorCategory.ConnectionError,
            ExoErrorCode.Timeout => ErrorCategory.ConnectionError,
            ExoErrorCode.ServerError => ErrorCategory.NotSpecified,
            ExoErrorCode.NotFound => ErrorCategory.ObjectNotFound,
            ExoErrorCode.PermissionDenied => ErrorCategory.PermissionDenied,
            ExoErrorCode.RetriesExhausted => ErrorCategory.LimitsExceeded,
            ExoErrorCode.InvalidNextLink => ErrorCategory.SecurityError,
            ExoErrorCode.ResponseTooLarge => ErrorCategory.LimitsExceeded,
            ExoErrorCode.MalformedResponse => ErrorCategory.InvalidResult,
            ExoErrorCode.InvalidParameter => ErrorCategory.InvalidArgument,
            _ => ErrorCategory.NotSpecified,
        };

        internal static ErrorRecord FromExo(ExoException ex, object? target = null)
        {
            var id = new StringBuilder();
            if (ex.Server != null || ex.RequestId != null || ex.Timestamp != null)
            {
                id.Append("[Server=").Append(ex.Server).Append(",RequestId=").Append(ex.RequestId)
                  .Append(",TimeStamp=").Append(ex.Timestamp).Append("] ");
            }
            if (!string.IsNullOrEmpty(ex.ExceptionType))
            {
                string shortName = ex.ExceptionType![(ex.ExceptionType.LastIndexOf('.') + 1)..];
                id.Append("[FailureCategory=Cmdlet-").Append(shortName).Append("] ");
            }
            id.Append("ExoNative.").Append(ex.Code);
            var record = new ErrorRecord(ex, id.ToString(), CategoryOf(ex.Code), target);
            if (ex.Code == ExoErrorCode.Panic || ex.Code == ExoErrorCode.NullPointer)
            {
                record.ErrorDetails = new ErrorDetails(ex.Message)
                {
                    RecommendedAction = "This is a bug in ExoNative; please report it with the output of $Error[0] | Format-List * -Force.",
                };
            }
            return record;
        }

        internal static ErrorRecord Create(string message, string errorId, ErrorCategory category, object? target = null, Exception? inner = null)
        {
            Exception exception = category switch
            {
                ErrorCategory.InvalidArgument => new ArgumentException(message, inner),
                ErrorCategory.ObjectNotFound => new ItemNotFoundException(message, inner),
                ErrorCategory.NotImplemented => new NotSupportedException(message, inner),
                _ => new InvalidOperationException(message, inner),
            };
            return new ErrorRecord(exception, errorId, category, target);
        }

        internal static ErrorRecord NotConnected() =>
            Create(NotConnectedMessage, "ExoNative.NotConnected", ErrorCategory.InvalidOperation);

        internal static ErrorRecord NativeLibraryMissing(DllNotFoundException ex) =>
            new(ex, "ExoNative.NativeLibraryNotFound", ErrorCategory.NotInstalled, null);
    }
}
