using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.Runtime;

/// <summary>Marks a module class that checkpoints can rebuild: it has a public constructor taking <paramref name="configType"/>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ModelKindAttribute(string kind, Type configType) : Attribute
{
    public string Kind { get; } = kind;
    public Type ConfigType { get; } = configType;
}

/// <summary>A module that can describe itself to a checkpoint (its kind and the config that rebuilds it).</summary>
public interface ICheckpointable
{
    string Kind { get; }
    object Config { get; }
}

/// <summary>The JSON header stored in a checkpoint's safetensors metadata.</summary>
public sealed record CheckpointHeader(string Kind, JsonElement Config, long Step, Dictionary<string, double> Metrics)
{
    /// <summary>How the model is meant to be sampled (read through SamplingDefaults.Of; null in older files).</summary>
    public SamplingDefaults? Sampling { get; init; }

    public const string Format = "instantviews-checkpoint/1";
    public T ConfigAs<T>() => Config.Deserialize<T>(Json.Options)!;
}

/// <summary>Shared JSON settings: camelCase, indented, enums as strings.</summary>
public static class Json
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

/// <summary>
/// The one checkpoint format: safetensors weights (fp32 or fp16) plus a JSON header (kind, config, step,
/// metrics) in the metadata. Saves are atomic (temporary file, then rename). Extra tensors (training state
/// such as EMA and optimiser moments) live under names containing '/', which module state dicts never use.
/// </summary>
public static class Checkpoint
{
    const string MetaKey = "instantviews";

    /// <summary>Test hook: runs after the temporary file is written and before the rename.</summary>
    internal static Action<string>? BeforeRename;

    /// <summary>
    /// Fault injection for the kill tests: INSTANTVIEWS_SAVE_DELAY_MS holds every checkpoint save this long between
    /// writing its temporary file and the rename, so that a test can kill the process in the middle of a save.
    /// </summary>
    static readonly int SaveDelayMs = int.TryParse(Environment.GetEnvironmentVariable("INSTANTVIEWS_SAVE_DELAY_MS"), out var ms) ? ms : 0;

    public static void Save(string path, nn.Module module, long step = 0, IReadOnlyDictionary<string, double>? metrics = null,
        bool fp16 = false, IEnumerable<KeyValuePair<string, Tensor>>? extra = null, SamplingDefaults? sampling = null)
    {
        if (module is not ICheckpointable c)
            throw new ArgumentException($"{module.GetType().Name} does not implement ICheckpointable");
        var tensors = module.state_dict().ToList();
        if (extra is not null) tensors.AddRange(extra);
        Save(path, c.Kind, c.Config, tensors, step, metrics, fp16, sampling);
    }

    /// <summary>Saves explicit tensors under a model kind and config (e.g. EMA weights in place of the live ones).</summary>
    public static void Save(string path, string kind, object config, IEnumerable<KeyValuePair<string, Tensor>> tensors, long step = 0,
        IReadOnlyDictionary<string, double>? metrics = null, bool fp16 = false, SamplingDefaults? sampling = null)
    {
        var header = new Dictionary<string, object>
        {
            ["format"] = CheckpointHeader.Format,
            ["kind"] = kind,
            ["config"] = JsonSerializer.SerializeToElement(config, config.GetType(), Json.Options),
            ["step"] = step,
            ["metrics"] = metrics ?? new Dictionary<string, double>(),
        };
        if (sampling is not null) header["sampling"] = sampling;
        using var scope = NewDisposeScope();
        // Only model weights are stored in fp16; training state (names with '/') keeps full precision.
        var list = tensors.Select(p => new KeyValuePair<string, Tensor>(p.Key,
            fp16 && !p.Key.Contains('/') && p.Value.dtype == ScalarType.Float32 ? p.Value.to_type(ScalarType.Float16) : p.Value)).ToList();
        WriteAtomic(path, list, new Dictionary<string, string> { [MetaKey] = JsonSerializer.Serialize(header, Json.Options) });
    }

    /// <summary>
    /// The content hash of a model file, "sha256:" and 64 hex digits: what runs that must not mix models (evaluation
    /// shards, pairs folders) record, since two files of the same architecture and name can hold other weights.
    /// </summary>
    public static string ContentHash(string path)
    {
        using var stream = File.OpenRead(path);
        return "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }

    /// <summary>
    /// The content hash of a model's weights, "sha256:" and 64 hex digits over every state tensor's name, dtype, shape
    /// and bytes in name order: the same for the same weights however the file stores them.
    /// </summary>
    public static string WeightsHash(nn.Module module)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var (name, t) in module.state_dict().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            using var c = t.detach().cpu().contiguous();
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{name}:{c.dtype}:{string.Join(",", c.shape)};"));
            sha.AppendData(c.bytes);
        }
        return "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Writes a safetensors file atomically: temp file in the same folder, flush, rename.</summary>
    public static void WriteAtomic(string path, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
            {
                SafeTensors.Write(fs, tensors, metadata);
                fs.Flush(flushToDisk: true);
            }
            BeforeRename?.Invoke(tmp);
            if (SaveDelayMs > 0) Thread.Sleep(SaveDelayMs);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>
    /// Tensor names written before submodules were plain fields: auto-property backing fields
    /// ("&lt;DenoiserNet&gt;k__BackingField.convIn.bias") and what they are called now ("denoiser.convIn.bias").
    /// Applied to every name a checkpoint is read with, training state included ("ema/...", "adam/m/...").
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> LegacyPrefixes = new Dictionary<string, string>
    {
        ["<DenoiserNet>k__BackingField"] = "denoiser",
        ["<ReferenceNet>k__BackingField"] = "preserver",
        ["<Net>k__BackingField"] = "net",
    };

    /// <summary>The current name of a tensor saved under <paramref name="name"/> (unchanged unless it is a legacy name).</summary>
    public static string CurrentName(string name)
    {
        if (!name.Contains("k__BackingField", StringComparison.Ordinal)) return name;
        foreach (var (old, now) in LegacyPrefixes) name = name.Replace(old + ".", now + ".", StringComparison.Ordinal);
        return name;
    }

    /// <summary>Reads and validates only the header.</summary>
    public static CheckpointHeader ReadHeader(string path) => ReadAll(path).Header;

    /// <summary>Reads header and tensors; errors name the file and the problem.</summary>
    public static (CheckpointHeader Header, List<KeyValuePair<string, Tensor>> Tensors) ReadAll(string path)
    {
        var (read, meta) = SafeTensors.Read(path);
        var tensors = read.Select(p => new KeyValuePair<string, Tensor>(CurrentName(p.Key), p.Value)).ToList();
        // A legacy name beside its current one would be two values for one tensor.
        var stored = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < read.Count; i++)
            if (!stored.TryAdd(tensors[i].Key, read[i].Key))
                throw new UserError($"'{path}': tensor '{tensors[i].Key}' is stored twice (as '{stored[tensors[i].Key]}' and '{read[i].Key}')");
        if (!meta.TryGetValue(MetaKey, out var json))
            throw new UserError($"'{path}': a safetensors file without an InstantViews header (not saved by InstantViews)");
        CheckpointHeader header;
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new UserError($"'{path}': the InstantViews header is not a JSON object");
            if (!root.TryGetProperty("format", out var fmt) || fmt.ValueKind != JsonValueKind.String || fmt.GetString() != CheckpointHeader.Format)
                throw new UserError($"'{path}': unknown checkpoint format '{(root.TryGetProperty("format", out var f) ? f.ToString() : "?")}'");
            string Need(string key, JsonValueKind kind) =>
                root.TryGetProperty(key, out var v) && v.ValueKind == kind ? key : throw new UserError($"'{path}': the checkpoint header lacks '{key}' ({kind.ToString().ToLowerInvariant()})");
            Need("kind", JsonValueKind.String);
            Need("config", JsonValueKind.Object);
            Need("step", JsonValueKind.Number);
            var metrics = root.TryGetProperty("metrics", out var m) ? m.Deserialize<Dictionary<string, double>>(Json.Options)! : [];
            header = new CheckpointHeader(root.GetProperty("kind").GetString()!, root.GetProperty("config").Clone(), root.GetProperty("step").GetInt64(), metrics)
            {
                Sampling = root.TryGetProperty("sampling", out var sm) && sm.ValueKind == JsonValueKind.Object ? sm.Deserialize<SamplingDefaults>(Json.Options) : null,
            };
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new UserError($"'{path}': the checkpoint header is not valid JSON ({e.Message.Split('\n')[0]})");
        }
        if (header.Sampling?.Problem() is { } problem)
            throw new UserError($"'{path}': the checkpoint header's sampling.{problem}");
        if (header.Sampling is null && header.Metrics.ContainsKey("sigma_max") && SamplingDefaults.Of(header).Problem() is { } old)
            throw new UserError($"'{path}': the metric sigma_max, which a file without sampling defaults samples from: {old}");
        return (header, tensors);
    }

    /// <summary>Rebuilds the model from the header's kind and config alone, then loads its weights.</summary>
    public static (nn.Module Model, CheckpointHeader Header) Load(string path, Device? device = null)
    {
        path = ModelFiles.Resolve(path);
        var (header, tensors) = ReadAll(path);
        // The header's config against the stored tensors before the model is built: an edited config (say a thousand
        // channels where eight were stored) is refused instead of allocating a model that may not fit in memory.
        var problems = Mismatches(ExpectedShapes(header.Kind, header.Config, path), tensors, "the config wants");
        if (problems.Count > 0)
            throw new UserError($"'{path}': the header's '{header.Kind}' config does not fit the stored weights: {Join(problems)}");
        var model = Build(header.Kind, header.Config, path);
        LoadWeights(model, tensors, path);
        foreach (var (_, t) in tensors) t.Dispose();
        if (device is not null) model.to(device);
        return (model, header);
    }

    /// <summary>Loads a model of a known type.</summary>
    public static (T Model, CheckpointHeader Header) Load<T>(string path, Device? device = null) where T : nn.Module
    {
        var (model, header) = Load(path, device);
        if (model is not T typed)
            throw new UserError($"'{path}': holds a '{header.Kind}' model, expected {typeof(T).Name}");
        return (typed, header);
    }

    /// <summary>Creates a module of the registered kind from its JSON config.</summary>
    public static nn.Module Build(string kind, JsonElement config, string source = "config")
    {
        var (type, attr) = FindKind(kind) ?? throw new UserError($"'{source}': unknown model kind '{kind}'");
        object cfg;
        try { cfg = config.Deserialize(attr.ConfigType, Json.Options) ?? throw new JsonException("null config"); }
        catch (JsonException e) { throw new UserError($"'{source}': the '{kind}' config does not read ({e.Message.Split('\n')[0]})"); }
        try { return (nn.Module)Activator.CreateInstance(type, cfg)!; }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException or UserError or InvalidOperationException)
        {
            throw new UserError($"'{source}': the '{kind}' config is invalid ({e.InnerException.Message.Split('\n')[0]})");
        }
    }

    /// <summary>
    /// The names and shapes of the tensors a model of <paramref name="kind"/> and <paramref name="config"/> has, from the
    /// model built on the meta device (<see cref="BuildDevice"/>): nothing is allocated, whatever the config says.
    /// </summary>
    public static Dictionary<string, long[]> ExpectedShapes(string kind, JsonElement config, string source = "config")
    {
        using var meta = BuildDevice.Meta();
        using var model = Build(kind, config, source);
        return model.state_dict().ToDictionary(p => p.Key, p => p.Value.shape);
    }

    static (Type, ModelKindAttribute)? FindKind(string kind)
    {
        foreach (var asm in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (asm.IsDynamic) continue;
            Type[] types;
            try { types = asm.GetTypes(); }
            catch (ReflectionTypeLoadException e) { types = e.Types.Where(t => t is not null).ToArray()!; }
            foreach (var t in types)
                if (t.GetCustomAttribute<ModelKindAttribute>() is { } a && a.Kind == kind) return (t, a);
        }
        return null;
    }

    /// <summary>Copies tensors into the module; names every missing, unexpected or mis-shaped tensor on mismatch.</summary>
    public static void LoadWeights(nn.Module module, IEnumerable<KeyValuePair<string, Tensor>> tensors, string source)
    {
        var state = module.state_dict();
        var problems = Mismatches(state.ToDictionary(p => p.Key, p => p.Value.shape), tensors, "model wants");
        if (problems.Count > 0)
            throw new UserError($"'{source}': weights do not fit the model: {Join(problems)}");
        var available = tensors.Where(p => !p.Key.Contains('/')).ToDictionary(p => p.Key, p => p.Value);
        using var noGrad = no_grad();
        foreach (var (name, target) in state)
            target.copy_(available[name].to(target.dtype, target.device));
    }

    /// <summary>Every missing, unexpected or mis-shaped model tensor (names without '/') of <paramref name="tensors"/> against <paramref name="wanted"/>.</summary>
    static List<string> Mismatches(IReadOnlyDictionary<string, long[]> wanted, IEnumerable<KeyValuePair<string, Tensor>> tensors, string wants)
    {
        var available = tensors.Where(p => !p.Key.Contains('/')).ToDictionary(p => p.Key, p => p.Value.shape);
        var problems = new List<string>();
        foreach (var (name, shape) in wanted)
        {
            if (!available.TryGetValue(name, out var have)) { problems.Add($"missing '{name}'"); continue; }
            if (!have.SequenceEqual(shape))
                problems.Add($"'{name}' has shape [{string.Join(",", have)}], {wants} [{string.Join(",", shape)}]");
        }
        foreach (var name in available.Keys.Where(k => !wanted.ContainsKey(k))) problems.Add($"unexpected '{name}'");
        return problems;
    }

    /// <summary>Problems for a one-line error: the first eight, then how many more.</summary>
    static string Join(List<string> problems) =>
        string.Join("; ", problems.Take(8)) + (problems.Count > 8 ? $"; and {problems.Count - 8} more" : "");

    /// <summary>What saving would change in one tensor: values fp16 makes infinite or 0, and values already NaN or infinite.</summary>
    public sealed record LossyTensor(string Name, long Overflow, long Underflow, long NonFinite);

    /// <summary>
    /// The model tensors (floating point, names without '/') whose values a save would not keep: NaN or infinite
    /// values always, and with <paramref name="fp16"/> the float32 values that half precision makes infinite (beyond
    /// its largest value 65504: |x| &gt;= 65520 after rounding) or 0 (nonzero, |x| &lt;= 2^-25, half its smallest
    /// subnormal 2^-24). Counted by converting, as an fp16 save does.
    /// </summary>
    public static List<LossyTensor> LossyTensors(IEnumerable<KeyValuePair<string, Tensor>> tensors, bool fp16)
    {
        var lossy = new List<LossyTensor>();
        using var scope = NewDisposeScope();
        foreach (var (name, t) in tensors)
        {
            if (name.Contains('/') || !t.is_floating_point()) continue;
            var finite = t.isfinite();
            var nonFinite = t.numel() - finite.sum().item<long>();
            long overflow = 0, underflow = 0;
            if (fp16 && t.dtype == ScalarType.Float32)
            {
                var half = t.to_type(ScalarType.Float16);
                overflow = finite.logical_and(half.isinf()).sum().item<long>();
                underflow = t.ne(0).logical_and(half.eq(0)).sum().item<long>();
            }
            if (overflow + underflow + nonFinite > 0) lossy.Add(new(name, overflow, underflow, nonFinite));
        }
        return lossy;
    }

    /// <summary>The extra (non-model) tensors of a checkpoint under a prefix such as "ema/".</summary>
    public static Dictionary<string, Tensor> Extras(IEnumerable<KeyValuePair<string, Tensor>> tensors, string prefix) =>
        tensors.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(p => p.Key[prefix.Length..], p => p.Value);
}
