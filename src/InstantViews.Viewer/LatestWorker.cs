namespace InstantViews.Viewer;

/// <summary>
/// The one thread that runs all model work (the model is shared and not re-entrant). A job posted under a key
/// replaces that key's pending job: a client's newest pose wins and stale ones are dropped, never queued. Keys are
/// served in the order they became pending, so two clients take turns. One-off jobs (opening a photo) run before them.
/// </summary>
public sealed class LatestWorker : IDisposable
{
    readonly object gate = new();
    readonly Dictionary<object, Action> pending = new();
    readonly LinkedList<object> turns = new();
    readonly Queue<Action> once = new();
    readonly Thread thread;
    bool stopping;

    /// <summary>Called (on the worker thread) with an exception a job did not handle; the worker goes on.</summary>
    public Action<Exception>? Failed { get; init; }
    /// <summary>Jobs replaced by a newer one for the same key before they started.</summary>
    public long Dropped { get; private set; }
    /// <summary>Keyed jobs run to completion.</summary>
    public long Completed { get; private set; }

    public LatestWorker(string name = "views")
    {
        thread = new Thread(Loop) { IsBackground = true, Name = name };
        thread.Start();
    }

    /// <summary>Makes <paramref name="job"/> the pending job of <paramref name="key"/>, dropping the one it replaces.</summary>
    public void Post(object key, Action job)
    {
        lock (gate)
        {
            if (pending.ContainsKey(key)) Dropped++;
            else turns.AddLast(key);
            pending[key] = job;
            Monitor.Pulse(gate);
        }
    }

    /// <summary>Drops the pending job of <paramref name="key"/> (a client that left).</summary>
    public void Forget(object key)
    {
        lock (gate)
            if (pending.Remove(key)) turns.Remove(key);
    }

    /// <summary>Runs <paramref name="job"/> on the worker thread ahead of pending keyed jobs.</summary>
    public Task<T> Run<T>(Func<T> job)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            once.Enqueue(() =>
            {
                try { done.SetResult(job()); }
                catch (Exception e) { done.SetException(e); }
            });
            Monitor.Pulse(gate);
        }
        return done.Task;
    }

    void Loop()
    {
        while (true)
        {
            Action job;
            var keyed = false;
            lock (gate)
            {
                while (!stopping && once.Count == 0 && turns.Count == 0) Monitor.Wait(gate);
                if (stopping) return;
                if (once.Count > 0) job = once.Dequeue();
                else
                {
                    var key = turns.First!.Value;
                    turns.RemoveFirst();
                    job = pending[key];
                    pending.Remove(key);
                    keyed = true;
                }
            }
            try
            {
                job();
                if (keyed) lock (gate) Completed++;
            }
            catch (Exception e) { Failed?.Invoke(e); }
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            stopping = true;
            Monitor.PulseAll(gate);
        }
        thread.Join();
    }
}
