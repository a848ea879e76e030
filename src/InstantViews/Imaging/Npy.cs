using System.Text;
using InstantViews.Runtime;

namespace InstantViews.Imaging;

/// <summary>NumPy .npy v1.0 files of little-endian float32 ('&lt;f4'), C order: depth maps and noise tensors.</summary>
public static class Npy
{
    public static byte[] EncodeFloat32(ReadOnlySpan<float> values, params long[] shape)
    {
        if (shape.Aggregate(1L, (a, b) => a * b) != values.Length) throw new ArgumentException("shape does not match the value count");
        var shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        var dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shapeText}, }}";
        var headerLen = 10 + dict.Length + 1;
        var pad = (64 - headerLen % 64) % 64;
        var header = dict + new string(' ', pad) + "\n";
        using var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        ms.Write(BitConverter.GetBytes((ushort)header.Length));
        ms.Write(Encoding.ASCII.GetBytes(header));
        ms.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        return ms.ToArray();
    }

    public static void WriteFloat32(string path, ReadOnlySpan<float> values, params long[] shape) =>
        AtomicFile.Write(path, EncodeFloat32(values, shape));

    /// <summary>Reads a float32 .npy (v1/v2, '&lt;f4', C order); other dtypes are converted from '&lt;f8' or rejected with a clear error.</summary>
    public static (float[] Values, long[] Shape) ReadFloat32(string path)
    {
        if (!File.Exists(path)) throw new UserError($"'{path}': file not found");
        var data = File.ReadAllBytes(path);
        if (data.Length < 10 || data[0] != 0x93 || Encoding.ASCII.GetString(data, 1, 5) != "NUMPY")
            throw new UserError($"'{path}': not a NumPy .npy file");
        int major = data[6];
        int headerLen, start;
        if (major == 1) { headerLen = BitConverter.ToUInt16(data, 8); start = 10; }
        else { headerLen = (int)BitConverter.ToUInt32(data, 8); start = 12; }
        if (start + headerLen > data.Length) throw new UserError($"'{path}': truncated .npy header");
        var header = Encoding.ASCII.GetString(data, start, headerLen);
        string Field(string key)
        {
            var i = header.IndexOf($"'{key}'", StringComparison.Ordinal);
            if (i < 0) throw new UserError($"'{path}': .npy header lacks '{key}'");
            var rest = header[(header.IndexOf(':', i) + 1)..].TrimStart();
            if (rest.StartsWith('(')) return rest[..(rest.IndexOf(')') + 1)];
            var end = rest.IndexOfAny([',', '}']);
            return rest[..end].Trim().Trim('\'');
        }
        var descr = Field("descr");
        if (Field("fortran_order") != "False") throw new UserError($"'{path}': Fortran-order .npy is not supported; save with C order");
        var shapeText = Field("shape");
        var dims = shapeText.Trim('(', ')').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var shape = new long[dims.Length];
        for (int d = 0; d < dims.Length; d++)
            if (!long.TryParse(dims[d], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out shape[d]) || shape[d] > int.MaxValue)
                throw new UserError($"'{path}': .npy shape {shapeText} is not a list of non-negative sizes");
        // Checked against the file's length before any allocation.
        var count = shape.Aggregate(1.0, (a, b) => a * b) > int.MaxValue / 8 ? long.MaxValue : shape.Aggregate(1L, (a, b) => a * b);
        var body = start + headerLen;
        var size = descr switch { "<f4" => 4, "<f8" => 8, _ => throw new UserError($"'{path}': dtype {descr} not supported; expected float32 ('<f4')") };
        if (count == long.MaxValue || body + count * size > data.Length) throw new UserError($"'{path}': truncated .npy data ({data.Length - body} bytes for shape {shapeText})");
        var values = new float[count];
        if (size == 4) Buffer.BlockCopy(data, body, values, 0, (int)count * 4);
        else for (long i = 0; i < count; i++) values[i] = (float)BitConverter.ToDouble(data, body + (int)i * 8);
        return (values, shape);
    }
}
