using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.Runtime;

/// <summary>
/// The device this thread's new model layers are created on (<see cref="Nn.Layers"/> passes it to every layer): null,
/// i.e. TorchSharp's default, except inside <see cref="Meta"/>, where a model is built on the meta device to learn its
/// tensor shapes without allocating them. Per thread on purpose: torch.set_default_device is process-wide and would
/// turn the tensors other threads create meanwhile into meta tensors.
/// </summary>
public static class BuildDevice
{
    [ThreadStatic] static Device? current;

    /// <summary>The device for new layers on this thread (null: TorchSharp's default).</summary>
    public static Device? Current => current;

    /// <summary>Whether layers are being built on the meta device (shapes only, no data).</summary>
    public static bool IsMeta => current?.type == DeviceType.META;

    /// <summary>Builds layers on the meta device until the returned scope is disposed.</summary>
    public static Scope Meta() => new(META);

    public readonly struct Scope : IDisposable
    {
        readonly Device? previous;

        internal Scope(Device device)
        {
            previous = current;
            current = device;
        }

        public void Dispose() => current = previous;
    }
}
