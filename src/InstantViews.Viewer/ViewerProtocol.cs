using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InstantViews.Geometry;

namespace InstantViews.Viewer;

/// <summary>A client's request on the views socket: the view of <see cref="Photo"/> from <see cref="Pose"/>.</summary>
public sealed record ViewRequest(long Id, string Photo, RigidTransform Pose);

/// <summary>A message the server refuses; the text goes back to the client and the connection stays open.</summary>
public sealed class ProtocolError(string message) : Exception(message);

/// <summary>What the server tells about a view it sends: the request it answers and where the time went.</summary>
public sealed record ViewHeader(long Id, string Photo, double[] Pose, double Ms, double GenerateMs, double ComposeMs, int Width, int Height, string Format, string Model);

/// <summary>
/// The views WebSocket (docs/viewer.md). Client to server, text:
/// <c>{"id": 7, "photo": "1", "pose": [16 numbers]}</c>, the 4x4 world-to-camera matrix row-major in the source
/// camera's axes (OpenCV: x right, y down, z forward; the source view is the identity), at most
/// <see cref="MaxMessageBytes"/> bytes. Server to client, binary: a 4-byte little-endian header length, the UTF-8 JSON
/// header (<see cref="ViewHeader"/>, camelCase, "type": "view"), then the image bytes; or text
/// <c>{"type": "error", "id": 7|null, "message": "..."}</c>.
/// </summary>
public static class ViewerProtocol
{
    public const int MaxMessageBytes = 4096;
    /// <summary>How far a pose may move the camera from the source (metres): beyond is surely a bug in the client.</summary>
    public const double MaxTranslation = 1e4;

    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Parses and checks a request; a <see cref="ProtocolError"/> names what is wrong.</summary>
    public static ViewRequest ParseRequest(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxMessageBytes) throw new ProtocolError($"message of {utf8.Length} bytes is larger than the limit of {MaxMessageBytes}");
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 8 });
            if (root is JsonObject o0) _ = o0.Count; // materialises the object: a duplicate key fails here, not later
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            throw new ProtocolError($"not JSON ({e.Message.Split('\n')[0]})");
        }
        if (root is not JsonObject o) throw new ProtocolError("a JSON object {id, photo, pose} is expected");
        if (o["id"] is not JsonValue idValue || !idValue.TryGetValue<long>(out var id)) throw new ProtocolError("\"id\" must be an integer");
        if (o["photo"] is not JsonValue photoValue || !photoValue.TryGetValue<string>(out var photo) || photo.Length is 0 or > 64)
            throw new ProtocolError("\"photo\" must be a photo id string");
        if (o["pose"] is not JsonArray pose || pose.Count != 16) throw new ProtocolError("\"pose\" must be 16 numbers (a 4x4 world-to-camera matrix, row-major)");
        var m = new double[16];
        for (int i = 0; i < 16; i++)
        {
            if (pose[i] is not JsonValue v || !v.TryGetValue<double>(out m[i]) || !double.IsFinite(m[i]))
                throw new ProtocolError($"\"pose\"[{i}] must be a finite number");
        }
        return new ViewRequest(id, photo, Pose(m));
    }

    /// <summary>A rigid transform from 16 row-major numbers: last row 0 0 0 1, a rotation (orthonormal, det +1), a bounded translation.</summary>
    public static RigidTransform Pose(IReadOnlyList<double> m)
    {
        if (Math.Abs(m[12]) > 1e-6 || Math.Abs(m[13]) > 1e-6 || Math.Abs(m[14]) > 1e-6 || Math.Abs(m[15] - 1) > 1e-6)
            throw new ProtocolError("\"pose\" must end with the row 0 0 0 1");
        var r = Mat3.FromRows(new Vec3(m[0], m[1], m[2]), new Vec3(m[4], m[5], m[6]), new Vec3(m[8], m[9], m[10]));
        if (!r.IsRotation(1e-3)) throw new ProtocolError("\"pose\" rotation is not a rotation (orthonormal with determinant +1)");
        var t = new Vec3(m[3], m[7], m[11]);
        if (t.Length > MaxTranslation) throw new ProtocolError($"\"pose\" moves the camera {t.Length:0} m from the source, more than {MaxTranslation:0}");
        return new RigidTransform(r, t);
    }

    /// <summary>The 16 row-major numbers of a pose.</summary>
    public static double[] Numbers(RigidTransform pose)
    {
        var (r, t) = (pose.R, pose.T);
        return [r[0, 0], r[0, 1], r[0, 2], t.X, r[1, 0], r[1, 1], r[1, 2], t.Y, r[2, 0], r[2, 1], r[2, 2], t.Z, 0, 0, 0, 1];
    }

    /// <summary>A view message: header length (4 bytes, little-endian), JSON header, image.</summary>
    public static byte[] EncodeView(ViewHeader header, ReadOnlySpan<byte> image)
    {
        var node = JsonSerializer.SerializeToNode(header, Json)!.AsObject();
        node.Insert(0, "type", "view");
        var json = Encoding.UTF8.GetBytes(node.ToJsonString());
        var message = new byte[4 + json.Length + image.Length];
        BinaryPrimitives.WriteInt32LittleEndian(message, json.Length);
        json.CopyTo(message, 4);
        image.CopyTo(message.AsSpan(4 + json.Length));
        return message;
    }

    /// <summary>Splits a view message into its header and image bytes (tests, tools).</summary>
    public static (ViewHeader Header, byte[] Image) DecodeView(ReadOnlySpan<byte> message)
    {
        if (message.Length < 4) throw new ProtocolError("view message shorter than its header length");
        var n = BinaryPrimitives.ReadInt32LittleEndian(message);
        if (n < 2 || n > message.Length - 4) throw new ProtocolError($"view header length {n} does not fit a {message.Length}-byte message");
        var header = JsonSerializer.Deserialize<ViewHeader>(message.Slice(4, n), Json) ?? throw new ProtocolError("empty view header");
        return (header, message[(4 + n)..].ToArray());
    }

    /// <summary>An error message for the client (text frame).</summary>
    public static string Error(string message, long? id = null) =>
        new JsonObject { ["type"] = "error", ["id"] = id, ["message"] = message }.ToJsonString();
}
