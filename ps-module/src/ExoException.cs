using System;
using System.Text.Json;
using ExoNative.Native;

namespace ExoNative
{
    /// <summary>
    /// An error returned by exo_core, read out of the ExoError object before it is freed:
    /// the stable code, the message (already user-facing) and the detail fields the
    /// service sent (request id, backend server, timestamp, exception type, OAuth codes).
    /// </summary>
    public sealed class ExoException : Exception
    {
        public ExoErrorCode Code { get; }
        public int? HttpStatus { get; private set; }
        public string? RequestId { get; private set; }
        public string? Server { get; private set; }
        public string? Timestamp { get; private set; }
        public string? ExceptionType { get; private set; }
        public string? ServerCode { get; private set; }
        public string? OAuthError { get; private set; }
        public string? SubError { get; private set; }
        public long[]? ErrorCodes { get; private set; }
        public string DetailJson { get; }

        public ExoException(ExoErrorCode code, string message, string detailJson = "{}") : base(message)
        {
            Code = code;
            DetailJson = string.IsNullOrWhiteSpace(detailJson) ? "{}" : detailJson;
            ReadDetail();
        }

        /// <summary>Throws when a fallible exo_* call returned an error; frees the error either way.</summary>
        internal static void ThrowIfError(IntPtr error)
        {
            if (error == IntPtr.Zero)
            {
                return;
            }
            using var handle = new ExoErrorHandle(error);
            var code = (ExoErrorCode)ExoCore.exo_error_code(handle);
            string message = ExoCore.exo_error_message(handle).ToString();
            string detail = ExoCore.exo_error_detail(handle).ToString();
            throw new ExoException(code, string.IsNullOrEmpty(message) ? code.ToString() : message, detail);
        }

        private void ReadDetail()
        {
            try
            {
                using var doc = JsonDocument.Parse(DetailJson);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return;
                }
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    switch (p.Name)
                    {
                        case "httpStatus" when p.Value.ValueKind == JsonValueKind.Number: HttpStatus = p.Value.GetInt32(); break;
                        case "requestId": RequestId = Text(p.Value); break;
                        case "server": Server = Text(p.Value); break;
                        case "timestamp": Timestamp = Text(p.Value); break;
                        case "exceptionType": ExceptionType = Text(p.Value); break;
                        case "serverCode": ServerCode = Text(p.Value); break;
                        case "error": OAuthError = Text(p.Value); break;
                        case "suberror": SubError = Text(p.Value); break;
                        case "errorCodes" when p.Value.ValueKind == JsonValueKind.Array:
                            var codes = new System.Collections.Generic.List<long>();
                            foreach (var c in p.Value.EnumerateArray())
                            {
                                if (c.TryGetInt64(out long n)) codes.Add(n);
                            }
                            ErrorCodes = codes.ToArray();
                            break;
                    }
                }
            }
            catch (JsonException)
            {
                // A detail that is not JSON still leaves the code and the message, which is what users read.
            }
        }

        private static string? Text(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => e.GetRawText(),
        };
    }
}
