namespace InstantViews.GenWarp;

/// <summary>Where the global source embedding (the cross-attention context of both U-Nets) comes from.</summary>
public enum GlobalEmbeddingKind
{
    /// <summary>A small convolutional encoder trained with the model.</summary>
    Learned,
    /// <summary>The pretrained ResNet-18's pooled 512-d features (frozen), linearly projected to ContextDim.</summary>
    ResNet18,
}
