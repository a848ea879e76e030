using System.Globalization;
using System.Xml;
using InstantViews.Runtime;

namespace InstantViews.Depth;

/// <summary>
/// Finds the depth map a phone embedded in a JPEG: Android's GDepth (XMP attributes GDepth:Format, Near, Far, Units,
/// MeasureType, Mime and Data, the base64 depth image, usually in the extended XMP), else Dynamic Depth 1.0 (a
/// Camera's DepthMap in the XMP, its image one of the Container items appended after the primary image).
/// </summary>
public static class EmbeddedDepthReader
{
    public const string GDepthNamespace = "http://ns.google.com/photos/1.0/depthmap/";
    public const string ContainerNamespace = "http://ns.google.com/photos/1.0/container/";
    public const string ItemNamespace = "http://ns.google.com/photos/1.0/container/item/";
    public const string DepthMapNamespace = "http://ns.google.com/photos/dd/1.0/depthmap/";

    /// <summary>The embedded depth map of <paramref name="path"/>; null when it is not a JPEG or carries none; a malformed one is a one-line error.</summary>
    public static EmbeddedDepthMap? Read(string path)
    {
        if (!File.Exists(path)) throw new UserError($"'{path}': file not found");
        var bytes = File.ReadAllBytes(path);
        if (JpegXmp.Read(bytes, path) is not { Standard: { } standard } xmp) return null;
        var doc = JpegXmp.Parse(standard, path);
        var gdepth = JpegXmp.Properties(doc, GDepthNamespace);
        if (xmp.Extended is { } extended)
            foreach (var (k, v) in JpegXmp.Properties(JpegXmp.Parse(extended, path), GDepthNamespace)) gdepth.TryAdd(k, v);
        if (gdepth.Count > 0) return GDepth(gdepth, xmp, path);
        var depthMap = JpegXmp.Properties(doc, DepthMapNamespace);
        return depthMap.Count > 0 ? DynamicDepth(doc, depthMap, bytes, path) : null;
    }

    static EmbeddedDepthMap GDepth(Dictionary<string, string> p, JpegXmp xmp, string path)
    {
        if (!p.TryGetValue("Data", out var data))
            throw new UserError(xmp.ExtendedProblem is { } problem
                ? $"'{path}': its GDepth depth map is unreadable: {problem}"
                : $"'{path}': GDepth:Data is missing (the XMP describes a depth map but holds no depth image)");
        var (format, near, far, alongRay) = Range(p, "GDepth", path);
        byte[] image;
        try { image = Convert.FromBase64String(data); }
        catch (FormatException) { throw new UserError($"'{path}': GDepth:Data is not valid base64"); }
        if (image.Length == 0) throw new UserError($"'{path}': GDepth:Data is empty");
        return new EmbeddedDepthMap("GDepth", format, near, far, alongRay, image);
    }

    static EmbeddedDepthMap DynamicDepth(XmlDocument doc, Dictionary<string, string> p, byte[] bytes, string path)
    {
        var (format, near, far, alongRay) = Range(p, "DepthMap", path);
        // Container items in order; the first is the primary image, the others follow it to the end of the file.
        var items = doc.SelectNodes("//*")!.OfType<XmlElement>()
            .Where(e => e.LocalName == "Item" && e.NamespaceURI == ContainerNamespace)
            .Select(e => JpegXmp.Properties(e, ItemNamespace)).ToList();
        if (items.Count < 2) throw new UserError($"'{path}': its Dynamic Depth XMP has a DepthMap but no Container items after the primary image");
        var uri = p.GetValueOrDefault("DepthURI");
        var wanted = items.FindIndex(1, i => uri is not null ? i.GetValueOrDefault("DataURI") == uri : i.GetValueOrDefault("Semantic") == "Depth");
        if (wanted < 0) throw new UserError($"'{path}': no Dynamic Depth Container item holds the depth map{(uri is null ? "" : $" '{uri}'")}");
        long end = bytes.Length;
        for (int i = items.Count - 1; i >= wanted; i--)
        {
            long length = Integer(items[i], "Length", path), padding = items[i].ContainsKey("Padding") ? Integer(items[i], "Padding", path) : 0;
            var start = end - padding - length;
            if (start < 0 || length == 0) throw new UserError($"'{path}': its Dynamic Depth Container items do not fit the file ({bytes.Length} bytes)");
            if (i == wanted) return new EmbeddedDepthMap("Dynamic Depth", format, near, far, alongRay, bytes[(int)start..(int)(start + length)]);
            end = start;
        }
        throw new InvalidOperationException("unreachable: the loop returns at the wanted item");
    }

    static long Integer(Dictionary<string, string> item, string name, string path) =>
        item.TryGetValue(name, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v : throw new UserError($"'{path}': a Dynamic Depth Container item has {(text is null ? $"no Item:{name}" : $"Item:{name} '{text}', not a byte count")}");

    /// <summary>Format, near and far in metres, and whether depth is along the ray, from GDepth or DepthMap properties.</summary>
    static (DepthRangeFormat Format, double Near, double Far, bool AlongRay) Range(Dictionary<string, string> p, string prefix, string path)
    {
        var format = p.GetValueOrDefault("Format") switch
        {
            "RangeInverse" => DepthRangeFormat.RangeInverse,
            "RangeLinear" => DepthRangeFormat.RangeLinear,
            null => throw new UserError($"'{path}': {prefix}:Format is missing"),
            var f => throw new UserError($"'{path}': {prefix}:Format '{f}' is not RangeInverse or RangeLinear"),
        };
        double Number(string name)
        {
            if (!p.TryGetValue(name, out var text)) throw new UserError($"'{path}': {prefix}:{name} is missing");
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                throw new UserError($"'{path}': {prefix}:{name} '{text}' is not a number");
            return v;
        }
        double near = Number("Near"), far = Number("Far");
        var unit = p.GetValueOrDefault("Units", "m").ToLowerInvariant() switch
        {
            "m" or "meters" or "metres" => 1.0,
            "mm" or "millimeters" or "millimetres" => 0.001,
            var u => throw new UserError($"'{path}': {prefix}:Units '{u}' is not metres or millimetres"),
        };
        if (near < 0 || (format == DepthRangeFormat.RangeInverse && near == 0) || far <= near)
            throw new UserError($"'{path}': {prefix}:Near {near.ToString(CultureInfo.InvariantCulture)} and Far {far.ToString(CultureInfo.InvariantCulture)} must satisfy 0 <= near < far (near > 0 for RangeInverse)");
        var alongRay = p.GetValueOrDefault("MeasureType", "OpticalAxis") switch
        {
            "OpticalAxis" => false,
            "OpticRay" => true,
            var m => throw new UserError($"'{path}': {prefix}:MeasureType '{m}' is not OpticalAxis or OpticRay"),
        };
        return (format, near * unit, far * unit, alongRay);
    }
}
