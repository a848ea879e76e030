using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using InstantViews.Runtime;

namespace InstantViews.Imaging;

/// <summary>
/// Portable float maps with one channel (header <c>Pf</c>, then <c>W H</c>, then a scale whose sign gives the byte
/// order: negative = little-endian), as the Middlebury stereo datasets store disparities. The file holds rows from
/// bottom to top; here values are row-major from the top row, as everywhere else in the library.
/// </summary>
public static class Pfm
{
    /// <summary>Encodes row-major values (top row first) as a one-channel PFM, little-endian unless asked otherwise.</summary>
    public static byte[] Encode(ReadOnlySpan<float> values, int width, int height, bool littleEndian = true)
    {
        if (width < 1 || height < 1) throw new ArgumentException($"size must be positive, got {width}x{height}");
        if (values.Length != (long)width * height) throw new ArgumentException($"{values.Length} values for a {width}x{height} map");
        var header = Encoding.ASCII.GetBytes($"Pf\n{width} {height}\n{(littleEndian ? "-1" : "1")}\n");
        var bytes = new byte[header.Length + values.Length * 4];
        header.CopyTo(bytes, 0);
        var body = bytes.AsSpan(header.Length);
        for (int row = 0; row < height; row++)
        {
            var source = values.Slice((height - 1 - row) * width, width);
            for (int x = 0; x < width; x++)
            {
                var slot = body.Slice((row * width + x) * 4, 4);
                if (littleEndian) BinaryPrimitives.WriteSingleLittleEndian(slot, source[x]);
                else BinaryPrimitives.WriteSingleBigEndian(slot, source[x]);
            }
        }
        return bytes;
    }

    /// <summary>Writes row-major values (top row first) as a one-channel PFM, atomically.</summary>
    public static void Write(string path, ReadOnlySpan<float> values, int width, int height, bool littleEndian = true) =>
        AtomicFile.Write(path, Encode(values, width, height, littleEndian));

    /// <summary>
    /// Reads a one-channel PFM as row-major values from the top row. A three-channel file (<c>PF</c>), a header that is
    /// not <c>Pf</c>, <c>W H</c>, a non-zero scale, or data of another length than W x H floats is a <see cref="UserError"/>
    /// naming the file.
    /// </summary>
    public static (float[] Values, int Width, int Height) Read(string path)
    {
        if (Directory.Exists(path)) throw new UserError($"'{path}': a folder, not a PFM file");
        if (!File.Exists(path)) throw new UserError($"'{path}': file not found");
        var data = File.ReadAllBytes(path);
        var pos = 0;
        string Token(string what)
        {
            while (pos < data.Length && IsSpace(data[pos])) pos++;
            var start = pos;
            while (pos < data.Length && !IsSpace(data[pos]) && pos - start < 32) pos++;
            if (pos == start || pos >= data.Length)
                throw new UserError($"'{path}': truncated PFM header (no {what})");
            return Encoding.ASCII.GetString(data, start, pos - start);
        }
        var magic = Token("'Pf'");
        if (magic == "PF") throw new UserError($"'{path}': a three-channel PFM ('PF'); a disparity map has one channel ('Pf')");
        if (magic != "Pf") throw new UserError($"'{path}': not a PFM file (starts with '{Printable(magic)}', expected 'Pf')");
        var w = Size(Token("width"), "width");
        var h = Size(Token("height"), "height");
        var scaleText = Token("scale");
        if (!double.TryParse(scaleText, NumberStyles.Float, CultureInfo.InvariantCulture, out var scale) || !double.IsFinite(scale) || scale == 0)
            throw new UserError($"'{path}': PFM scale '{Printable(scaleText)}' is not a non-zero number (its sign gives the byte order)");
        pos++; // the one whitespace character that ends the header
        ImageFile.CheckSize(path, w, h);
        long expected = (long)w * h * 4, found = data.Length - pos;
        if (found < expected) throw new UserError($"'{path}': truncated PFM data ({found} bytes for {w}x{h} floats, {expected} expected)");
        if (found > expected) throw new UserError($"'{path}': {found - expected} bytes after the {w}x{h} floats of the PFM data (header and data do not agree)");
        var littleEndian = scale < 0;
        var values = new float[w * h];
        var body = data.AsSpan(pos);
        for (int row = 0; row < h; row++)
        {
            var target = values.AsSpan((h - 1 - row) * w, w);
            for (int x = 0; x < w; x++)
            {
                var slot = body.Slice((row * w + x) * 4, 4);
                target[x] = littleEndian ? BinaryPrimitives.ReadSingleLittleEndian(slot) : BinaryPrimitives.ReadSingleBigEndian(slot);
            }
        }
        return (values, w, h);

        int Size(string text, string what) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0
                ? v
                : throw new UserError($"'{path}': PFM {what} '{Printable(text)}' is not a positive whole number");
    }

    static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t';

    static string Printable(string s) => new(s.Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
}
