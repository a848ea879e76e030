using System.Collections.Concurrent;

namespace InstantViews.Runtime;

/// <summary>
/// One dedicated thread (not the thread pool) that runs work items in turn: a photo's full-resolution warp is made here
/// while its view is generated on the caller's thread. The work stays on this thread (and the OpenMP team libtorch starts
/// from it) rather than spreading over pool threads beside the model; `bench growth` times the path that uses it.
/// </summary>
public static class WorkerThread
{
    static readonly BlockingCollection<Action> Queue = [];
    static readonly Lazy<Thread> Worker = new(() =>
    {
        var thread = new Thread(() => { foreach (var item in Queue.GetConsumingEnumerable()) item(); }) { IsBackground = true, Name = "worker" };
        thread.Start();
        return thread;
    });

    /// <summary>Runs <paramref name="work"/> on the worker after what was queued before it; the task completes with its result or its exception.</summary>
    public static Task<T> Run<T>(Func<T> work)
    {
        _ = Worker.Value;
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Queue.Add(() =>
        {
            try { done.SetResult(work()); }
            catch (Exception e) { done.SetException(e); }
        });
        return done.Task;
    }
}
