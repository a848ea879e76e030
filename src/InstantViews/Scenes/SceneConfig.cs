namespace InstantViews.Scenes;

/// <summary>What a generated scene may contain. Defaults give living-room-sized rooms with a handful of objects.</summary>
public sealed record SceneConfig(
    double MinRoomSide = 4.0,
    double MaxRoomSide = 8.0,
    double MinRoomHeight = 2.5,
    double MaxRoomHeight = 3.5,
    int MinObjects = 6,
    int MaxObjects = 11,
    double FovXDegrees = 65);
