using InstantViews.Viewer;

namespace InstantViews.Tests.Viewer;

public class LatestWorkerTests
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>Holds the worker in a one-off job until released, so posts pile up.</summary>
    static (Task Held, ManualResetEventSlim Release) Hold(LatestWorker worker)
    {
        var release = new ManualResetEventSlim();
        var started = new ManualResetEventSlim();
        var held = worker.Run(() => { started.Set(); release.Wait(); return 0; });
        Assert.True(started.Wait(Wait));
        return (held, release);
    }

    [Fact]
    public async Task Only_the_newest_job_of_a_key_runs_and_the_stale_ones_are_counted()
    {
        using var worker = new LatestWorker();
        var (held, release) = Hold(worker);
        var ran = new List<int>();
        var done = new ManualResetEventSlim();
        var key = new object();
        for (int i = 1; i <= 5; i++)
        {
            var n = i;
            worker.Post(key, () => { lock (ran) ran.Add(n); if (n == 5) done.Set(); });
        }
        release.Set();
        Assert.True(done.Wait(Wait));
        await held.WaitAsync(Wait);
        Assert.Equal([5], ran);
        Assert.Equal(4, worker.Dropped);
        Assert.Equal(1, worker.Completed);
    }

    [Fact]
    public void Keys_take_turns_and_a_forgotten_key_does_not_run()
    {
        using var worker = new LatestWorker();
        var (_, release) = Hold(worker);
        var order = new List<string>();
        var done = new CountdownEvent(2);
        object a = new(), b = new(), c = new();
        worker.Post(a, () => { order.Add("a1"); done.Signal(); });
        worker.Post(b, () => { order.Add("b"); done.Signal(); });
        worker.Post(c, () => order.Add("c"));
        worker.Forget(c);
        worker.Post(a, () => { order.Add("a2"); done.Signal(); }); // replaces a1 and keeps a's turn, ahead of b
        release.Set();
        Assert.True(done.Wait(Wait));
        Thread.Sleep(50);
        Assert.Equal(["a2", "b"], order);
    }

    [Fact]
    public async Task A_failing_job_is_reported_and_the_worker_goes_on()
    {
        var failures = new List<Exception>();
        using var worker = new LatestWorker { Failed = e => { lock (failures) failures.Add(e); } };
        var key = new object();
        var done = new ManualResetEventSlim();
        worker.Post(key, () => throw new InvalidOperationException("boom"));
        Assert.True(SpinWait.SpinUntil(() => { lock (failures) return failures.Count == 1; }, Wait));
        worker.Post(key, done.Set);
        Assert.True(done.Wait(Wait));
        Assert.Equal("boom", failures[0].Message);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => worker.Run<int>(() => throw new ArgumentException("bad")));
        Assert.Equal("bad", e.Message);
    }
}
