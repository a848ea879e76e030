namespace InstantViews.Scenes;

/// <summary>
/// A small seeded generator (SplitMix64) owned by one scene, path or view: the same seed gives the same numbers on
/// every run and platform, independent of threads.
/// </summary>
public sealed class SceneRandom(ulong seed)
{
    ulong state = seed;

    public SceneRandom(long seed, long stream = 0) : this(Mix((ulong)seed * 0x9E3779B97F4A7C15UL ^ Mix((ulong)stream + 0x632BE59BD9B4E019UL))) { }

    /// <summary>The SplitMix64 finaliser: a well-mixed hash of one 64-bit value.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Uniform integer in [lo, hi).</summary>
    public int Next(int lo, int hi) => lo + (int)(NextUInt64() % (ulong)(hi - lo));

    public bool Chance(double p) => NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(0, items.Count)];
}
