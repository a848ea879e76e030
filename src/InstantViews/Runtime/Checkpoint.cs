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
        return (header, tensors);
    }

    /// <summary>Rebuilds the model from the header's kind and config alone, then loads its weights.</summary>
    public static (nn.Module Model, CheckpointHeader Header) Load(string path, Device? device = null)
    {
        path = ModelFiles.Resolve(path);
        var (header, tensors) = ReadAll(path);
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
        var available = tensors.Where(p => !p.Key.Contains('/')).ToDictionary(p => p.Key, p => p.Value);
        var problems = new List<string>();
        var state = module.state_dict();
        foreach (var (name, target) in state)
        {
            if (!available.TryGetValue(name, out var t)) { problems.Add($"missing '{name}'"); continue; }
            if (!t.shape.SequenceEqual(target.shape))
                problems.Add($"'{name}' has shape [{string.Join(",", t.shape)}], model wants [{string.Join(",", target.shape)}]");
        }
        foreach (var name in available.Keys.Where(k => !state.ContainsKey(k))) problems.Add($"unexpected '{name}'");
        if (problems.Count > 0)
            throw new UserError($"'{source}': weights do not fit the model: {string.Join("; ", problems)}");
        using var noGrad = no_grad();
        foreach (var (name, target) in state)
            target.copy_(available[name].to(target.dtype, target.device));
    }

    /// <summary>The extra (non-model) tensors of a checkpoint under a prefix such as "ema/".</summary>
    public static Dictionary<string, Tensor> Extras(IEnumerable<KeyValuePair<string, Tensor>> tensors, string prefix) =>
        tensors.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(p => p.Key[prefix.Length..], p => p.Value);
}
