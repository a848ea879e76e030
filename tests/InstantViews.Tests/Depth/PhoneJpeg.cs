using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using InstantViews.Imaging;
using SkiaSharp;
using static TorchSharp.torch;

namespace InstantViews.Tests.Depth;

/// <summary>
/// Writes JPEGs as phones do (XMP specification part 3, Android GDepth and Dynamic Depth 1.0): APP1 segments with the
/// standard XMP packet and the extended XMP in chunks (32-byte GUID = MD5 of the whole extended packet, big-endian full
/// length and offset), inserted after the JFIF header of a real JPEG; Dynamic Depth items appended after it.
/// </summary>
static class PhoneJpeg
{
    const string Rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

    /// <summary>A GDepth JPEG: <paramref name="inStandard"/> properties in the standard XMP, <paramref name="inExtended"/> in the extended one (in chunks of <paramref name="chunk"/> bytes); <paramref name="chunks"/> may reorder or drop them.</summary>
    public static byte[] GDepth(Tensor rgb, Dictionary<string, string> inStandard, Dictionary<string, string> inExtended, int chunk = 700,
        Func<List<byte[]>, IEnumerable<byte[]>>? chunks = null)
    {
        var segments = new List<byte[]>();
        string? guid = null;
        if (inExtended.Count > 0)
        {
            var extended = Encoding.UTF8.GetBytes(Packet(Attributes(inExtended), "", wrap: false));
            guid = Convert.ToHexString(MD5.HashData(extended));
            var parts = new List<byte[]>();
            for (int offset = 0; offset < extended.Length; offset += chunk)
            {
                var data = extended.AsSpan(offset, Math.Min(chunk, extended.Length - offset));
                var header = new byte[40];
                Encoding.ASCII.GetBytes(guid).CopyTo(header, 0);
                BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(32), (uint)extended.Length);
                BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(36), (uint)offset);
                parts.Add([.. "http://ns.adobe.com/xmp/extension/\0"u8.ToArray(), .. header, .. data]);
            }
            segments.AddRange(chunks?.Invoke(parts) ?? parts);
        }
        var note = guid is null ? "" : $" xmpNote:HasExtendedXMP=\"{guid}\"";
        segments.Insert(0, [.. "http://ns.adobe.com/xap/1.0/\0"u8.ToArray(), .. Encoding.UTF8.GetBytes(Packet(Attributes(inStandard) + note, ""))]);
        return Insert(Jpeg(rgb), segments);
    }

    /// <summary>GDepth properties as elements (rdf:Description's long form) rather than attributes, all in the standard XMP.</summary>
    public static byte[] GDepthElements(Tensor rgb, Dictionary<string, string> properties) =>
        Insert(Jpeg(rgb), [[.. "http://ns.adobe.com/xap/1.0/\0"u8.ToArray(), .. Encoding.UTF8.GetBytes(Packet("", string.Concat(properties.Select(p => $"<GDepth:{p.Key}>{p.Value}</GDepth:{p.Key}>"))))]]);

    /// <summary>A Dynamic Depth JPEG: the DepthMap's properties, then the items after the primary image in order (semantic, data).</summary>
    public static byte[] DynamicDepth(Tensor rgb, Dictionary<string, string> depthMap, params (string Semantic, string Uri, byte[] Data)[] items)
    {
        var list = string.Concat(items.Select(i =>
            $"<rdf:li rdf:parseType=\"Resource\"><Container:Item Item:Mime=\"image/png\" Item:Semantic=\"{i.Semantic}\" Item:Length=\"{i.Data.Length}\" Item:DataURI=\"{i.Uri}\"/></rdf:li>"));
        var body = "<Device:Container><Container:Directory><rdf:Seq>" +
            "<rdf:li rdf:parseType=\"Resource\"><Container:Item Item:Mime=\"image/jpeg\" Item:Semantic=\"Primary\" Item:Length=\"0\"/></rdf:li>" + list +
            "</rdf:Seq></Container:Directory></Device:Container>" +
            "<Device:Cameras><rdf:Seq><rdf:li rdf:parseType=\"Resource\"><Device:Camera rdf:parseType=\"Resource\"><Camera:DepthMap rdf:parseType=\"Resource\">" +
            string.Concat(depthMap.Select(p => $"<DepthMap:{p.Key}>{p.Value}</DepthMap:{p.Key}>")) +
            "</Camera:DepthMap></Device:Camera></rdf:li></rdf:Seq></Device:Cameras>";
        var primary = Insert(Jpeg(rgb), [[.. "http://ns.adobe.com/xap/1.0/\0"u8.ToArray(), .. Encoding.UTF8.GetBytes(Packet("", body))]]);
        return [.. primary, .. items.SelectMany(i => i.Data)];
    }

    static string Attributes(Dictionary<string, string> p) => string.Concat(p.Select(kv => $" GDepth:{kv.Key}=\"{kv.Value}\""));

    static string Packet(string attributes, string elements, bool wrap = true)
    {
        var description = $"<rdf:Description rdf:about=\"\" xmlns:GDepth=\"http://ns.google.com/photos/1.0/depthmap/\" xmlns:xmpNote=\"http://ns.adobe.com/xmp/note/\" " +
            "xmlns:Device=\"http://ns.google.com/photos/dd/1.0/device/\" xmlns:Container=\"http://ns.google.com/photos/1.0/container/\" " +
            "xmlns:Item=\"http://ns.google.com/photos/1.0/container/item/\" xmlns:Camera=\"http://ns.google.com/photos/dd/1.0/camera/\" " +
            $"xmlns:DepthMap=\"http://ns.google.com/photos/dd/1.0/depthmap/\"{attributes}>{elements}</rdf:Description>";
        var meta = $"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"{Rdf}\">{description}</rdf:RDF></x:xmpmeta>";
        return wrap ? $"<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>{meta}<?xpacket end=\"w\"?>" : meta;
    }

    public static byte[] Jpeg(Tensor rgb) => ImageFile.Encode(rgb, SKEncodedImageFormat.Jpeg, 95);

    /// <summary>APP1 segments after SOI and the JFIF APP0 segment (where a JFIF file has them).</summary>
    static byte[] Insert(byte[] jpeg, List<byte[]> payloads)
    {
        var at = 2;
        if (jpeg[2] == 0xFF && jpeg[3] == 0xE0) at = 4 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(4));
        var segments = payloads.SelectMany(p =>
        {
            var s = new byte[4 + p.Length];
            s[0] = 0xFF;
            s[1] = 0xE1;
            BinaryPrimitives.WriteUInt16BigEndian(s.AsSpan(2), (ushort)(p.Length + 2));
            p.CopyTo(s, 4);
            return s;
        });
        return [.. jpeg[..at], .. segments, .. jpeg[at..]];
    }

    /// <summary>An 8-bit grey PNG of <paramref name="values"/> (row-major).</summary>
    public static byte[] Grey8Png(byte[] values, int width, int height)
    {
        using var bmp = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        for (int y = 0; y < height; y++) System.Runtime.InteropServices.Marshal.Copy(values, y * width, bmp.GetPixels() + y * bmp.RowBytes, width);
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
