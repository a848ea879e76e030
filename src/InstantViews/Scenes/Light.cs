using InstantViews.Geometry;

namespace InstantViews.Scenes;

/// <summary>A directional light (towards the light = <see cref="Vector"/>) or a point light at <see cref="Vector"/>.</summary>
public readonly record struct Light(bool IsPoint, Vec3 Vector, Vec3 Color);
