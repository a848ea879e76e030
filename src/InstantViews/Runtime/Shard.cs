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
    /// "i/n"; or "auto": a Slurm job array (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT), or a
    /// Kubernetes Indexed Job (JOB_COMPLETION_INDEX of <paramref name="count"/>, or INSTANTVIEWS_SHARD_COUNT, since
    /// Kubernetes does not pass the completion count to the pod); with no scheduler, the whole work (0/1).
    /// </summary>
    public static Shard Parse(string spec, int? count = null, IDictionary? environment = null)
    {
        if (spec != "auto")
        {
            var parts = spec.Split('/');
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var i)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && i < n)
                return new Shard(i, n);
            throw new UserError($"--shard '{spec}': expected i/n with 0 <= i < n (e.g. 0/4) or auto");
        }
        var env = environment ?? Environment.GetEnvironmentVariables();
        string? Get(string name) => env[name] as string;
        int Int(string name) => int.TryParse(Get(name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
            : throw new UserError($"--shard auto: {name}='{Get(name)}' is not a non-negative whole number");
        Shard Checked(int index, int total, string source) => total >= 1 && index < total ? new Shard(index, total)
            : throw new UserError($"--shard auto: {source} gives shard {index} of {total}");
        if (Get("SLURM_ARRAY_TASK_ID") is not null)
        {
            var min = Get("SLURM_ARRAY_TASK_MIN") is null ? 0 : Int("SLURM_ARRAY_TASK_MIN");
            return Checked(Int("SLURM_ARRAY_TASK_ID") - min, Int("SLURM_ARRAY_TASK_COUNT"), "the Slurm array");
        }
        if (Get("JOB_COMPLETION_INDEX") is not null)
        {
            var total = count ?? (Get("INSTANTVIEWS_SHARD_COUNT") is null
                ? throw new UserError("--shard auto in a Kubernetes Indexed Job needs the shard count: pass --shard-count N (the Job's completions) or set INSTANTVIEWS_SHARD_COUNT")
                : Int("INSTANTVIEWS_SHARD_COUNT"));
            return Checked(Int("JOB_COMPLETION_INDEX"), total, "the Kubernetes Indexed Job");
        }
        return All;
    }
}
