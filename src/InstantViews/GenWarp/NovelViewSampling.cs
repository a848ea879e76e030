using InstantViews.Diffusion;

namespace InstantViews.GenWarp;

/// <summary>Sampling settings: grid points on the Karras grid, the top noise level, the guidance scale, and the sampler by name (<see cref="SamplerRegistry"/>).</summary>
public sealed record NovelViewSampling(int Steps = 18, double SigmaMax = 40, double Guidance = 2, string Sampler = "heun");
