using InstantViews.Runtime;
using InstantViews.Training;

using static TorchSharp.torch;

namespace InstantViews.Pagoda;

/// <summary>What one PaGoDA generator pass gives the shared step: the reconstructions and their targets (already
/// augmented alike), the fakes for the adversarial term, the real images the discriminator sees, the last layer, and
/// the condition images of real and fake (a conditioned discriminator only; the fakes share the reals' conditions), and
/// the per-sample distillation distances to the teacher's ODE solutions (when the run distils), and the fakes' hole masks
/// [N,1,H,W] when a patch discriminator judges them per patch (<see cref="GanLosses.PatchDiscriminatorHinge"/>).</summary>
public readonly record struct GanBatch(Tensor Reconstruction, Tensor Target, Tensor Fake, Tensor Real, Tensor LastWeight, Tensor? Condition = null, Tensor? Distillation = null,
    Tensor? Holes = null);

/// <summary>The losses of one step: L_rec, L_distil (0 when the run does not distil), L_G, the adaptive lambda, L_D.</summary>
public readonly record struct GanStepLosses(double Reconstruction, double Distillation, double Adversarial, double Lambda, double Discriminator);

/// <summary>
/// The PaGoDA stage 2/3 training loop every one-step generator shares (unconditional <see cref="PagodaTrainer"/>,
/// one-step GenWarp): L = L_rec + w_d L_distil + w lambda L_G,adv with the adaptive lambda (taken against
/// L_rec + w_d L_distil), then one hinge step of the projected discriminator on real vs detached fakes; with
/// <see cref="AugmentDiscriminator"/> both the generator's and the discriminator's terms see fakes and reals through one
/// shared random <see cref="PairAugment"/> draw per step. Adam (beta1 = 0) for both, EMA of the generator, the
/// generator state in the checkpoint, so a killed run resumes exactly. Subclasses produce the <see cref="GanBatch"/>.
/// </summary>
public abstract class GanTrainingRun : TrainingRun
{
    public GanDiscriminator Discriminator { get; }
    public override long Step => gOpt.Step;
    /// <summary>w of L = L_rec + w_d L_distil + w lambda L_G.</summary>
    protected double AdversarialWeight { get; }
    /// <summary>w_d of L = L_rec + w_d L_distil + w lambda L_G (the batch's distillation term, when it has one).</summary>
    protected double DistillationWeight { get; init; }
    /// <summary>The discriminator (and the generator's adversarial term) sees fakes and reals augmented alike.</summary>
    protected bool AugmentDiscriminator { get; init; }
    /// <summary>The run's generator: batches and fresh noise come from it alone.</summary>
    protected Generator Rng { get; }

    readonly nn.Module live, average;
    readonly Adam gOpt, dOpt;
    /// <summary>The generator's and the discriminator's optimisers (their settings are part of the method).</summary>
    internal (Adam Generator, Adam Discriminator) Optimisers => (gOpt, dOpt);
    readonly Ema ema;
    // The loss log's open interval: sums of the five losses over the steps since the last logged row, and their number.
    // Saved in checkpoints ("log/sums", "log/count"), so a run resumed in mid-interval logs the row a straight run logs.
    readonly double[] sums = new double[5];
    int sumCount;

    protected GanTrainingRun(nn.Module generator, nn.Module emaGenerator, List<(string Name, TorchSharp.Modules.Parameter Param)> trainable, GanDiscriminator discriminator,
        double learningRate, double discriminatorLearningRate, double adversarialWeight, double emaDecay, long seed, string outDir, RunSchedule schedule)
        : base(outDir, schedule, $"step,reconstruction,distillation,adversarial_g,lambda,discriminator,{schedule.Items}_per_s,elapsed_s")
    {
        (live, average, Discriminator, AdversarialWeight) = (generator, emaGenerator, discriminator, adversarialWeight);
        var names = trainable.Select(p => p.Name).ToHashSet();
        foreach (var (name, p) in generator.named_parameters()) p.requires_grad = names.Contains(name);
        foreach (var p in emaGenerator.parameters()) p.requires_grad = false;
        ema = new Ema(generator, emaGenerator, emaDecay);
        ema.CopyFromLive();
        gOpt = new Adam(trainable, learningRate) { Beta1 = 0.0, Beta2 = 0.99, Prefix = "adam_g" };
        dOpt = new Adam(discriminator.named_parameters(), discriminatorLearningRate) { Beta1 = 0.0, Beta2 = 0.99, Prefix = "adam_d" };
        Rng = new Generator((ulong)seed + 1);
    }

    /// <summary>The generator pass of one step (called in a dispose scope, generator in training mode).</summary>
    protected abstract GanBatch Forward();

    /// <summary>One generator update and one discriminator update.</summary>
    public GanStepLosses TrainStep()
    {
        var result = Timed(() =>
        {
            using var scope = NewDisposeScope();
            live.train();
            var b = Forward();
            if (AugmentDiscriminator && (b.Condition is not null || b.Holes is not null))
                throw new InvalidOperationException("discriminator augmentation is for unconditioned discriminators judging whole images");
            // Judged per patch: the fakes' hole patches are fake, the rest of them real (GanLosses.PatchDiscriminatorHinge).
            var perPatch = b.Holes is not null;
            if (perPatch && !Discriminator.JudgesPatches)
                throw new InvalidOperationException("hole masks are judged per patch: the discriminator must be a patch discriminator");
            var (fake, real) = AugmentDiscriminator ? PairAugment.Apply(b.Fake, b.Real, Rng) : (b.Fake, b.Real);
            var lRec = b.Reconstruction.mean();
            var lDistil = b.Distillation is { } dist ? dist.mean() : zeros_like(lRec);
            var lMatch = DistillationWeight > 0 ? lRec + DistillationWeight * lDistil : lRec;
            foreach (var p in Discriminator.parameters()) p.requires_grad = false;
            Tensor? holePatches = null;
            Tensor lAdv;
            if (!perPatch) lAdv = GanLosses.GeneratorHinge(Discriminator.Logits(fake, b.Condition));
            else
            {
                var patches = Discriminator.PatchLogits(fake, b.Condition);
                holePatches = GanLosses.HolePatches(b.Holes!, patches.shape[2], patches.shape[3]);
                lAdv = GanLosses.PatchGeneratorHinge(patches, holePatches);
            }
            var lambda = AdversarialWeight > 0 ? GanLosses.AdaptiveWeight(lMatch, lAdv, b.LastWeight) : 0;
            var lG = lMatch + AdversarialWeight * lambda * lAdv;
            gOpt.ZeroGrad();
            lG.backward();
            gOpt.Update();
            ema.Update(Step);

            foreach (var p in Discriminator.parameters()) p.requires_grad = true;
            dOpt.ZeroGrad();
            // Augmented alike, the reals share a graph with the fakes: both are detached.
            var lD = !perPatch
                ? GanLosses.DiscriminatorHinge(Discriminator.Logits(real.detach(), b.Condition), Discriminator.Logits(fake.detach(), b.Condition))
                : GanLosses.PatchDiscriminatorHinge(Discriminator.PatchLogits(real.detach(), b.Condition), Discriminator.PatchLogits(fake.detach(), b.Condition), holePatches!);
            lD.backward();
            dOpt.Update();
            var (rec, distil, adv, d) = (lRec.item<float>(), lDistil.item<float>(), lAdv.item<float>(), lD.item<float>());
            if (!float.IsFinite(rec) || !float.IsFinite(distil) || !float.IsFinite(d))
                throw new UserError($"training diverged at step {Step} (reconstruction {rec}, distillation {distil}, discriminator {d}); {AfterDivergence()}");
            return new GanStepLosses(rec, distil, adv, lambda, d);
        });
        Started();
        double[] values = [result.Reconstruction, result.Distillation, result.Adversarial, result.Lambda, result.Discriminator];
        for (int i = 0; i < sums.Length; i++) sums[i] += values[i];
        sumCount++;
        if (Step % Schedule.LogEvery == 0)
        {
            Log.Append(Step, sums[0] / sumCount, sums[1] / sumCount, sums[2] / sumCount, sums[3] / sumCount, sums[4] / sumCount, ItemsPerSecond, Elapsed);
            Array.Clear(sums);
            sumCount = 0;
        }
        return result;
    }

    protected override string AdvanceOneStep()
    {
        var s = TrainStep();
        var rate = ItemsPerSecond < 100 ? $"{ItemsPerSecond:0.0}" : $"{ItemsPerSecond:0}";
        var distil = DistillationWeight > 0 ? $", distil {s.Distillation:0.000}" : "";
        return $"step {Step}, rec {s.Reconstruction:0.000}{distil}, adv {s.Adversarial:0.00}, lambda {s.Lambda:0.00}, D {s.Discriminator:0.00}, {rate} {Schedule.Items}/s";
    }

    /// <summary>Restores EMA, discriminator, both optimisers and the generator state from a checkpoint's tensors.</summary>
    protected void LoadState(CheckpointHeader header, List<KeyValuePair<string, Tensor>> tensors)
    {
        Checkpoint.LoadWeights(average, Checkpoint.Extras(tensors, "ema/"), CheckpointPath);
        Checkpoint.LoadWeights(Discriminator, Checkpoint.Extras(tensors, "disc/"), CheckpointPath);
        var all = tensors.ToDictionary(p => p.Key, p => p.Value);
        gOpt.LoadState(all);
        dOpt.LoadState(all);
        Rng.set_state(all["rng/generator"]);
        // Checkpoints written before the open interval was saved have none: their resumed row averages the steps after it.
        if (all.TryGetValue("log/sums", out var saved) && all.TryGetValue("log/count", out var count))
        {
            saved.to_type(ScalarType.Float64).data<double>().CopyTo(sums);
            sumCount = (int)count.to_type(ScalarType.Int64).item<long>();
        }
        ContinueFrom(header);
    }

    public override void SaveCheckpoint()
    {
        Started();
        var metrics = Metrics();
        var extra = average.state_dict().Select(p => new KeyValuePair<string, Tensor>("ema/" + p.Key, p.Value))
            .Concat(Discriminator.state_dict().Select(p => new KeyValuePair<string, Tensor>("disc/" + p.Key, p.Value)))
            .Concat(gOpt.State()).Concat(dOpt.State())
            .Append(new("rng/generator", Rng.get_state()))
            .Append(new("log/sums", tensor(sums.ToArray(), ScalarType.Float64)))
            .Append(new("log/count", tensor(new long[] { sumCount })));
        Checkpoint.Save(CheckpointPath, live, Step, metrics, extra: extra, sampling: Sampling);
        Checkpoint.Save(ModelPath, average, Step, metrics, sampling: Sampling);
        Saved();
        Log.Plot(Path.Combine(OutDir, "loss.png"), 1, "reconstruction loss");
    }
}
