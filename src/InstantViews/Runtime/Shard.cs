using System.Collections;
using System.Globalization;

namespace InstantViews.Runtime;

/// <summary>
/// This process's share of parallel work: shard <see cref="Index"/> of <see cref="Count"/> does the items k with
/// k mod Count = Index. Parsed from "i/n", or "auto": read from the batch scheduler that started the process.
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    public static Shard All => new(0, 1);

    public override string ToString() => $"{Index}/{Count}";

    /// <summary>
    /// "i/n"; or "auto": a Slurm job array (<see cref="FromSlurm"/>), or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX
    /// of <paramref name="count"/>, or INSTANTVIEWS_SHARD_COUNT, since Kubernetes does not pass the completion count to
    /// the pod); with no scheduler, the whole work (0/1).
    /// </summary>
    public static Shard Parse(string spec, int? count = null, IDictionary? environment = null)
    {
        if (spec != "auto")
        {
            var parts = spec.Split('/');
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var i)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && i < n)
                return new Shard(i, n);
            throw new UserError($"shard '{spec}': expected i/n with 0 <= i < n (e.g. 0/4) or auto");
        }
        var env = environment ?? Environment.GetEnvironmentVariables();
        string? Get(string name) => env[name] as string;
        int Int(string name) => int.TryParse(Get(name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
            : throw new UserError($"shard auto: {name}='{Get(name)}' is not a non-negative whole number");
        Shard Checked(int index, int total, string source) => total >= 1 && index < total ? new Shard(index, total)
            : throw new UserError($"shard auto: {source} gives shard {index} of {total}");
        if (Get("SLURM_ARRAY_TASK_ID") is not null) return FromSlurm(Get, Int);
        if (Get("JOB_COMPLETION_INDEX") is not null)
        {
            var total = count ?? (Get("INSTANTVIEWS_SHARD_COUNT") is null
                ? throw new UserError("shard auto in a Kubernetes Indexed Job needs the shard count: give the shard count (the Job's completions) or set INSTANTVIEWS_SHARD_COUNT")
                : Int("INSTANTVIEWS_SHARD_COUNT"));
            return Checked(Int("JOB_COMPLETION_INDEX"), total, "the Kubernetes Indexed Job");
        }
        return All;
    }

    /// <summary>
    /// A Slurm job array task (--array=MIN-MAX[:STEP]): index (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) /
    /// SLURM_ARRAY_TASK_STEP of SLURM_ARRAY_TASK_COUNT, or of (MAX - MIN) / STEP + 1 when the count is not set. A task
    /// id below the minimum or off the step grid, a count that disagrees with MIN, MAX and STEP (an array that is not
    /// one evenly stepped range, such as --array=1,2,7) or a value that is not a whole number is refused, naming the
    /// variable and its value.
    /// </summary>
    static Shard FromSlurm(Func<string, string?> get, Func<string, int> read)
    {
        const string Id = "SLURM_ARRAY_TASK_ID", Min = "SLURM_ARRAY_TASK_MIN", Max = "SLURM_ARRAY_TASK_MAX", Step = "SLURM_ARRAY_TASK_STEP", Count = "SLURM_ARRAY_TASK_COUNT";
        var id = read(Id);
        var min = get(Min) is null ? 0 : read(Min);
        var step = get(Step) is null ? 1 : read(Step);
        if (step < 1) throw new UserError($"shard auto: {Step}='{get(Step)}' must be at least 1");
        if (id < min) throw new UserError($"shard auto: {Id}='{id}' is below {Min}='{min}'");
        if ((id - min) % step != 0)
            throw new UserError($"shard auto: {Id}='{id}' is not on the array's grid ({Min}='{min}' + k x {Step}='{step}')");
        int? fromRange = null;
        if (get(Max) is not null)
        {
            var max = read(Max);
            if (max < min || (max - min) % step != 0) throw new UserError($"shard auto: {Max}='{max}' is not {Min}='{min}' + k x {Step}='{step}'");
            fromRange = (max - min) / step + 1;
        }
        int? given = get(Count) is null ? null : read(Count);
        var count = given ?? fromRange ?? throw new UserError($"shard auto: the Slurm array gives neither {Count} nor {Max}, so the number of shards is unknown; give the shard as i/n");
        if (count < 1) throw new UserError($"shard auto: {Count}='{count}' must be at least 1");
        if (given is { } c && fromRange is { } r && c != r)
            throw new UserError($"shard auto: {Count}='{c}' does not match {Min}='{min}', {Max}='{get(Max)}', {Step}='{step}' ({r} tasks): not one evenly stepped range; give the shard as i/n");
        var index = (id - min) / step;
        if (index >= count) throw new UserError($"shard auto: {Id}='{id}' is task {index} of the array's {count} ({Min}='{min}', {Step}='{step}')");
        return new Shard(index, count);
    }
}
