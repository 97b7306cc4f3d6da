using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Text.Json;
using ExoNative.Native;

namespace ExoNative
{
    /// <summary>
    /// Base of the cmdlets that run an Exchange cmdlet on the service (Get-Mailbox, ...).
    /// It finds the connection, hands the request to exo_core's pager and streams each page's
    /// records to the pipeline as the page arrives. Paging, retries and tokens are Rust's.
    /// </summary>
    public abstract class ExoServiceCmdlet : ExoCmdlet
    {
        private readonly HashSet<string> _warningsShown = new(StringComparer.Ordinal);
        private Connection? _connection;
        private RecordConverter? _converter;

        /// <summary>
        /// Binds the call to one connection. Hidden: users pick a connection with -Prefix at
        /// connect time; the generated Get-&lt;Prefix&gt;Mailbox passes its connection here.
        /// </summary>
        [Parameter(DontShow = true)]
        [ValidateNotNullOrEmpty]
        public string? ConnectionId { get; set; }

        /// <summary>The Exchange cmdlet this one runs on the service, e.g. "Get-Mailbox".</summary>
        protected abstract string ServiceCmdletName { get; }

        /// <summary>The type name given to each returned record, e.g. "ExoNative.Mailbox".</summary>
        protected abstract string RecordTypeName { get; }

        protected override void BeginProcessing()
        {
            _connection = ConnectionId == null ? ConnectionRegistry.Default : ConnectionRegistry.FindById(ConnectionId);
            if (_connection == null)
            {
                ThrowTerminatingError(ErrorFactory.NotConnected());
            }
        }

        /// <summary>
        /// Runs the service cmdlet once and writes its records. Failures that concern this
        /// input (object not found, bad parameter, refused, server trouble) are non-terminating,
        /// so the next pipeline input still runs; failures of the connection itself terminate.
        /// </summary>
        protected void RunServiceCommand(IReadOnlyList<KeyValuePair<string, object>> parameters, ResultSize resultSize, string[]? select, object? target)
        {
            var connection = _connection!;
            _converter ??= new RecordConverter(RecordTypeName);
            byte[] request = BuildRequest(parameters, resultSize, select);
            bool showProgress = resultSize.IsUnlimited || connection.ShowProgress;
            var progress = new ProgressRecord(1, ServiceCmdletName, "Waiting for the first page");
            long records = 0;
            int pages = 0;
            try
            {
                using ExoPagerHandle pager = ExoApi.OpenPager(connection.Handle, request);
                using var prefetcher = new PagePrefetcher(pager, Cancel, _converter);
                foreach (Page page in prefetcher.Pages())
                {
                    pages++;
                    records += page.Records.Count;
                    Emit(page, pages);
                    if (showProgress)
                    {
                        progress.StatusDescription = string.Format(CultureInfo.InvariantCulture, "Received {0} records in {1} pages", records, pages);
                        WriteProgress(progress);
                    }
                }
            }
            catch (ObjectDisposedException)
            {
                // The connection was disconnected (maybe from another runspace) before or while this ran.
                ThrowTerminatingError(ErrorFactory.NotConnected());
            }
            catch (JsonException ex)
            {
                WriteError(new ErrorRecord(ex, "ExoNative.MalformedPage", ErrorCategory.InvalidResult, target));
            }
            catch (Exception ex) when (IsReportable(ex))
            {
                ErrorRecord error = ToErrorRecord(ex, target);
                if (ex is ExoException exo && IsAboutThisInput(exo.Code))
                {
                    WriteError(error);
                }
                else
                {
                    ThrowTerminatingError(error);
                }
            }
            finally
            {
                if (showProgress && pages > 0)
                {
                    progress.RecordType = ProgressRecordType.Completed;
                    WriteProgress(progress);
                }
            }
        }

        private void Emit(Page page, int pageNumber)
        {
            foreach (string warning in page.Warnings)
            {
                // The service repeats its warnings on every page; users should see each once.
                if (_warningsShown.Add(warning))
                {
                    WriteWarning(warning);
                }
            }
            foreach (string line in page.Log)
            {
                WriteVerbose(line);
            }
            foreach (string line in page.Debug)
            {
                WriteDebug(line);
            }
            WriteDebug(string.Format(CultureInfo.InvariantCulture, "{0} page {1}: {2} records, request id {3}",
                ServiceCmdletName, pageNumber, page.Records.Count, page.RequestId));
            foreach (object record in page.Records)
            {
                WriteObject(record);
            }
        }

        private static bool IsAboutThisInput(ExoErrorCode code) => code switch
        {
            ExoErrorCode.NotFound or ExoErrorCode.InvalidParameter or ExoErrorCode.PermissionDenied
                or ExoErrorCode.ServerError or ExoErrorCode.RetriesExhausted or ExoErrorCode.MalformedResponse
                or ExoErrorCode.ResponseTooLarge or ExoErrorCode.Network or ExoErrorCode.Timeout => true,
            _ => false,
        };

        /// <summary>{"cmdletName":...,"parameters":{...},"resultSize":n|"Unlimited","select":[...]|null}</summary>
        private byte[] BuildRequest(IReadOnlyList<KeyValuePair<string, object>> parameters, ResultSize resultSize, string[]? select)
        {
            var buffer = new ArrayBufferWriter<byte>(512);
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("cmdletName", ServiceCmdletName);
                w.WriteStartObject("parameters");
                foreach (var (name, value) in parameters)
                {
                    w.WritePropertyName(name);
                    WriteParameterValue(w, value);
                }
                w.WriteEndObject();
                if (resultSize.IsUnlimited)
                {
                    w.WriteString("resultSize", "Unlimited");
                }
                else
                {
                    w.WriteNumber("resultSize", resultSize.Value);
                }
                if (select is { Length: > 0 })
                {
                    w.WriteStartArray("select");
                    foreach (string p in select)
                    {
                        w.WriteStringValue(p);
                    }
                    w.WriteEndArray();
                }
                else
                {
                    w.WriteNull("select");
                }
                w.WriteEndObject();
            }
            return buffer.WrittenSpan.ToArray();
        }

        private static void WriteParameterValue(Utf8JsonWriter w, object value)
        {
            switch (value)
            {
                case bool b: w.WriteBooleanValue(b); break;
                case SwitchParameter s: w.WriteBooleanValue(s.IsPresent); break;
                case int i: w.WriteNumberValue(i); break;
                case long l: w.WriteNumberValue(l); break;
                case DateTime d: w.WriteStringValue(d.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture)); break;
                case string[] items:
                    w.WriteStartArray();
                    foreach (string item in items)
                    {
                        w.WriteStringValue(item);
                    }
                    w.WriteEndArray();
                    break;
                default: w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
            }
        }
    }
}
