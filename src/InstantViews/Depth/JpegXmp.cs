using System.Buffers.Binary;
using System.Text;
using System.Xml;
using InstantViews.Runtime;

namespace InstantViews.Depth;

/// <summary>
/// The XMP a JPEG carries in its APP1 segments (XMP specification part 3): the standard packet, and the extended XMP
/// its xmpNote:HasExtendedXMP names, reassembled from the chunks of that GUID (each: 32-byte GUID, full length and
/// offset as big-endian 32-bit numbers, then the bytes). A problem with the extended part is kept, not thrown, so a
/// photo whose extended XMP holds something else still reads.
/// </summary>
public sealed record JpegXmp(string? Standard, string? Extended, string? ExtendedProblem)
{
    public const string XmpNoteNamespace = "http://ns.adobe.com/xmp/note/";
    static readonly byte[] StandardId = "http://ns.adobe.com/xap/1.0/\0"u8.ToArray();
    static readonly byte[] ExtendedId = "http://ns.adobe.com/xmp/extension/\0"u8.ToArray();

    /// <summary>The XMP of a JPEG's bytes; null when the bytes are not a JPEG. <paramref name="path"/> names the file in errors.</summary>
    public static JpegXmp? Read(byte[] bytes, string path)
    {
        if (bytes.Length < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8) return null;
        string? standard = null;
        var chunks = new List<(string Guid, uint Full, uint Offset, byte[] Data)>();
        var pos = 2;
        while (pos + 4 <= bytes.Length && bytes[pos] == 0xFF)
        {
            var marker = bytes[pos + 1];
            if (marker == 0xFF) { pos++; continue; } // fill byte before a marker
            if (marker is 0x01 or >= 0xD0 and <= 0xD7) { pos += 2; continue; } // markers without a length
            if (marker is 0xDA or 0xD9) break; // image data follows: metadata is all before it
            int length = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(pos + 2));
            if (length < 2 || pos + 2 + length > bytes.Length)
            {
                if (marker == 0xE1) throw new UserError($"'{path}': truncated JPEG APP1 segment at byte {pos} (its XMP is cut off)");
                break;
            }
            var payload = bytes.AsSpan(pos + 4, length - 2);
            if (marker == 0xE1 && payload.StartsWith(StandardId)) standard ??= Text(payload[StandardId.Length..]);
            else if (marker == 0xE1 && payload.StartsWith(ExtendedId))
            {
                var rest = payload[ExtendedId.Length..];
                if (rest.Length < 40) throw new UserError($"'{path}': extended XMP chunk at byte {pos} is too short for its GUID, length and offset");
                chunks.Add((Encoding.ASCII.GetString(rest[..32]), BinaryPrimitives.ReadUInt32BigEndian(rest[32..]), BinaryPrimitives.ReadUInt32BigEndian(rest[36..]), rest[40..].ToArray()));
            }
            pos += 2 + length;
        }
        if (standard is null) return new JpegXmp(null, null, null);
        var guid = Properties(standard, XmpNoteNamespace, path).GetValueOrDefault("HasExtendedXMP");
        if (guid is null) return new JpegXmp(standard, null, null);
        var (extended, problem) = Assemble(guid, chunks.Where(c => c.Guid == guid).ToList());
        return new JpegXmp(standard, extended, problem);
    }

    static (string? Text, string? Problem) Assemble(string guid, List<(string Guid, uint Full, uint Offset, byte[] Data)> chunks)
    {
        if (chunks.Count == 0) return (null, $"the extended XMP {guid} that the XMP names is missing");
        var full = chunks[0].Full;
        if (chunks.Any(c => c.Full != full)) return (null, $"the extended XMP {guid} chunks disagree on its length");
        if (full > 64u << 20) return (null, $"the extended XMP {guid} claims {full} bytes, more than 64 MB");
        var buffer = new byte[full];
        long covered = 0;
        foreach (var c in chunks.OrderBy(c => c.Offset))
        {
            if (c.Offset + (long)c.Data.Length > full) return (null, $"the extended XMP {guid} has a chunk past its length ({c.Offset} + {c.Data.Length} > {full})");
            if (c.Offset > covered) break;
            c.Data.CopyTo(buffer, c.Offset);
            covered = Math.Max(covered, c.Offset + c.Data.Length);
        }
        if (covered < full) return (null, $"the extended XMP {guid} is truncated: its chunks hold {covered} of {full} bytes");
        return (Text(buffer), null);
    }

    // UTF-8, without the NUL padding some writers leave at the end.
    static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes).TrimEnd('\0');

    /// <summary>An XMP packet as XML (no DTDs, no external entities); malformed XML is a one-line error naming <paramref name="path"/>.</summary>
    public static XmlDocument Parse(string xmp, string path)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true };
        var doc = new XmlDocument { XmlResolver = null };
        try
        {
            using var reader = XmlReader.Create(new StringReader(xmp), settings);
            doc.Load(reader);
        }
        catch (XmlException e) { throw new UserError($"'{path}': its XMP is not well-formed XML ({e.Message.Split('\n')[0]})"); }
        return doc;
    }

    /// <summary>The simple properties of namespace <paramref name="ns"/> under <paramref name="root"/>, by local name: attributes (rdf:Description's short form) and elements holding only text.</summary>
    public static Dictionary<string, string> Properties(XmlNode root, string ns)
    {
        var found = new Dictionary<string, string>();
        foreach (var e in root.SelectNodes("descendant-or-self::*")!.OfType<XmlElement>())
        {
            foreach (XmlAttribute a in e.Attributes) if (a.NamespaceURI == ns) found.TryAdd(a.LocalName, a.Value);
            if (e.NamespaceURI == ns && e.ChildNodes.Count == 1 && e.FirstChild is XmlText or XmlCDataSection) found.TryAdd(e.LocalName, e.InnerText);
        }
        return found;
    }

    public static Dictionary<string, string> Properties(string xmp, string ns, string path) => Properties(Parse(xmp, path), ns);
}
