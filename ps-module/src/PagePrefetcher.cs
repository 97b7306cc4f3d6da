using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using ExoNative.Native;

namespace ExoNative
{
    /// <summary>
    /// Fetches and converts pages on a worker thread while the pipeline thread writes the
    /// previous page's records, so turning JSON into objects overlaps with whatever the
    /// pipeline does with them. At most one converted page waits, so memory stays flat.
    /// Disposing stops the worker promptly (cancels its native call) and waits for it, so
    /// the pager is never freed while in use.
    /// </summary>
    internal sealed class PagePrefetcher : IDisposable
    {
        private readonly BlockingCollection<Page> _ready = new(boundedCapacity: 1);
        private readonly CancellationTokenSource _stop = new();
        private readonly ExoCancelHandle _cancel;
        private readonly Task _worker;
        private Exception? _failure;

        internal PagePrefetcher(ExoPagerHandle pager, ExoCancelHandle cancel, RecordConverter converter)
        {
            _cancel = cancel;
            _worker = Task.Factory.StartNew(() => Run(pager, converter), CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        private void Run(ExoPagerHandle pager, RecordConverter converter)
        {
            try
            {
                while (!_stop.IsCancellationRequested && ExoApi.NextPage(pager, _cancel, out ExoBuffer buffer))
                {
                    var page = new Page();
                    try
                    {
                        converter.ReadPage(buffer.AsSpan(), page);
                    }
                    finally
                    {
                        ExoCore.FreeBuffer(ref buffer);
                    }
                    _ready.Add(page, _stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // The consumer left; nothing to report.
            }
            catch (Exception ex)
            {
                _failure = ex;
            }
            finally
            {
                _ready.CompleteAdding();
            }
        }

        /// <summary>The pages in order; a failure of the worker is rethrown after the pages it delivered.</summary>
        internal IEnumerable<Page> Pages()
        {
            foreach (Page page in _ready.GetConsumingEnumerable())
            {
                yield return page;
            }
            _worker.Wait();
            if (_failure != null)
            {
                ExceptionDispatchInfo.Capture(_failure).Throw();
            }
        }

        public void Dispose()
        {
            if (!_worker.IsCompleted)
            {
                _stop.Cancel();
                ExoCore.exo_cancel_trigger(_cancel);
                try
                {
                    _worker.Wait();
                }
                catch (AggregateException)
                {
                    // Run catches everything; nothing reaches here in practice.
                }
            }
            _stop.Dispose();
            _ready.Dispose();
        }
    }
}
