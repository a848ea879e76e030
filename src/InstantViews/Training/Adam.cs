using static TorchSharp.torch;

namespace InstantViews.Training;

/// <summary>
/// Adam / AdamW (decoupled weight decay) whose whole state is plain named tensors, so a checkpoint can hold it
/// and a resumed run continues bit-exact. Learning-rate warm-up is linear over the first steps.
/// </summary>
public sealed class Adam
{
    readonly List<(string Name, Tensor Param, Tensor M, Tensor V)> slots = [];
    public double LearningRate { get; set; }
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double Eps { get; init; } = 1e-8;
    public double WeightDecay { get; init; }
    public int WarmupSteps { get; init; }
    public long Step { get; private set; }

    /// <summary>Per-parameter factor on the learning rate, from the parameter's name and the step (null: 1 for all).</summary>
    public Func<string, long, double>? RateScale { get; init; }

    /// <summary>Name prefix of this optimiser's tensors in a checkpoint (two optimisers need two prefixes).</summary>
    public string Prefix { get; init; } = "adam";

    public Adam(IEnumerable<(string Name, TorchSharp.Modules.Parameter Param)> parameters, double learningRate)
    {
        LearningRate = learningRate;
        foreach (var (name, p) in parameters)
            if (p.requires_grad) slots.Add((name, p, zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope()));
    }

    /// <summary>The learning rate in effect at the current step (after warm-up).</summary>
    public double CurrentLearningRate => WarmupSteps > 0 ? LearningRate * Math.Min(1.0, (Step + 1.0) / WarmupSteps) : LearningRate;

    public void ZeroGrad()
    {
        foreach (var s in slots) s.Param.grad?.zero_();
    }

    /// <summary>One update: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr (m^ / (sqrt(v^) + eps) + wd p).</summary>
    public void Update()
    {
        var lr = CurrentLearningRate;
        Step++;
        double bc1 = 1 - Math.Pow(Beta1, Step), bc2 = 1 - Math.Pow(Beta2, Step);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, p, m, v) in slots)
        {
            var g = p.grad;
            if (g is null) continue;
            var rate = RateScale is null ? lr : lr * RateScale(name, Step - 1);
            if (rate == 0) continue;
            m.mul_(Beta1).add_(g, alpha: 1 - Beta1);
            v.mul_(Beta2).addcmul_(g, g, value: 1 - Beta2);
            if (WeightDecay > 0) p.mul_(1 - rate * WeightDecay);
            var denom = (v / bc2).sqrt_().add_(Eps);
            p.addcdiv_(m, denom, value: -rate / bc1);
        }
    }

    /// <summary>Clips the global gradient norm; returns the norm before clipping.</summary>
    public double ClipGradNorm(double maxNorm)
    {
        using var scope = NewDisposeScope();
        var grads = slots.Where(s => s.Param.grad is not null).Select(s => s.Param.grad!).ToList();
        if (grads.Count == 0) return 0;
        var total = stack(grads.Select(g => g.square().sum()).ToArray()).sum().sqrt().item<float>();
        if (maxNorm > 0 && total > maxNorm)
        {
            using var noGrad = no_grad();
            foreach (var g in grads) g.mul_(maxNorm / (total + 1e-6));
        }
        return total;
    }

    /// <summary>State as named tensors ("{Prefix}/m/...", "{Prefix}/v/...", "{Prefix}/step").</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> State()
    {
        foreach (var (name, _, m, v) in slots)
        {
            yield return new($"{Prefix}/m/{name}", m);
            yield return new($"{Prefix}/v/{name}", v);
        }
        yield return new($"{Prefix}/step", tensor(new[] { Step }));
    }

    public void LoadState(IReadOnlyDictionary<string, Tensor> all)
    {
        using var noGrad = no_grad();
        foreach (var (name, _, m, v) in slots)
        {
            m.copy_(all[$"{Prefix}/m/{name}"]);
            v.copy_(all[$"{Prefix}/v/{name}"]);
        }
        Step = all[$"{Prefix}/step"].item<long>();
    }
}

/// <summary>Exponential moving average of a module's parameters into a twin module (the one that gets sampled and shipped).</summary>
public sealed class Ema(nn.Module live, nn.Module average, double decay)
{
    public nn.Module Average { get; } = average;

    /// <summary>avg = d avg + (1 - d) live, with d warmed up as min(decay, (1 + t) / (10 + t)).</summary>
    public void Update(long step)
    {
        var d = Math.Min(decay, (1.0 + step) / (10.0 + step));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var src = live.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in Average.named_parameters()) p.mul_(d).add_(src[name], alpha: 1 - d);
    }

    public void CopyFromLive()
    {
        using var noGrad = no_grad();
        var src = live.state_dict();
        foreach (var (name, t) in Average.state_dict()) t.copy_(src[name]);
    }
}
