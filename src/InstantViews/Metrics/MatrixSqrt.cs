using static TorchSharp.torch;

namespace InstantViews.Metrics;

/// <summary>Square roots of symmetric positive semi-definite matrices through the symmetric eigen-decomposition.</summary>
public static class MatrixSqrt
{
    /// <summary>
    /// S^(1/2) = V diag(sqrt(max(lambda, 0))) V^T of a symmetric PSD matrix, in double precision. Negative
    /// eigenvalues that rounding produces are clamped to 0, so the result is always real and symmetric.
    /// </summary>
    public static Tensor Spd(Tensor s)
    {
        using var scope = NewDisposeScope();
        var sym = Symmetrize(s.to_type(ScalarType.Float64));
        var (values, vectors) = linalg.eigh(sym);
        var root = vectors.mul(values.clamp_min(0).sqrt().unsqueeze(0)).matmul(vectors.t());
        return Symmetrize(root).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// tr((A B)^(1/2)) for symmetric PSD A and B, computed as tr((A^(1/2) B A^(1/2))^(1/2)): the inner product
    /// is symmetric PSD, so only symmetric eigen-decompositions are needed (no complex square roots).
    /// </summary>
    public static double TraceSqrtProduct(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var ra = Spd(a);
        var m = Symmetrize(ra.matmul(b.to_type(ScalarType.Float64)).matmul(ra));
        return linalg.eigvalsh(m).clamp_min(0).sqrt().sum().item<double>();
    }

    static Tensor Symmetrize(Tensor m) => m.add(m.t()).mul(0.5);
}
