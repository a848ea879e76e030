using System.Text;
using InstantViews.Geometry;
using InstantViews.Viewer;

namespace InstantViews.Tests.Viewer;

public class ViewerProtocolTests
{
    static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    static string Request(string pose, string id = "7", string photo = "\"1\"") => $"{{\"id\": {id}, \"photo\": {photo}, \"pose\": {pose}}}";

    const string IdentityPose = "[1,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,0,1]";

    [Fact]
    public void A_request_round_trips_its_pose_exactly()
    {
        var target = CameraTargets.Orbit(Camera.FromFov(64, 48, 60), 3, yawDegrees: 12, pitchDegrees: -7);
        var numbers = ViewerProtocol.Numbers(target.WorldToCamera);
        var json = Request("[" + string.Join(",", numbers.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]", "42", "\"3\"");
        var r = ViewerProtocol.ParseRequest(Utf8(json));
        Assert.Equal(42, r.Id);
        Assert.Equal("3", r.Photo);
        Assert.Equal(numbers, ViewerProtocol.Numbers(r.Pose));
        Assert.Equal(target.R, r.Pose.R);
        Assert.Equal(target.T, r.Pose.T);
    }

    [Theory]
    [InlineData("{\"id\": 1, \"photo\": \"1\"", "not JSON")]
    [InlineData("[1, 2]", "JSON object")]
    [InlineData("{\"photo\": \"1\", \"pose\": []}", "\"id\"")]
    [InlineData("{\"id\": 1.5, \"photo\": \"1\", \"pose\": []}", "\"id\"")]
    [InlineData("{\"id\": 1, \"photo\": 3, \"pose\": []}", "\"photo\"")]
    [InlineData("{\"id\": 1, \"photo\": \"1\", \"pose\": [1,0,0]}", "16 numbers")]
    [InlineData("{\"id\": 1, \"photo\": \"1\", \"pose\": [1,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,0,\"x\"]}", "\"pose\"[15]")]
    [InlineData("{\"id\": 1, \"photo\": \"1\", \"pose\": [1,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,1,1]}", "0 0 0 1")]
    [InlineData("{\"id\": 1, \"photo\": \"1\", \"pose\": [2,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,0,1]}", "orthonormal")]
    [InlineData("{\"id\": 1, \"photo\": \"1\", \"pose\": [-1,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,0,1]}", "not a rotation")]
    [InlineData("{\"id\": 1, \"photo\": \"1\", \"pose\": [1,0,0,1e9, 0,1,0,0, 0,0,1,0, 0,0,0,1]}", "more than")]
    public void Bad_requests_are_refused_with_what_is_wrong(string json, string expected)
    {
        var e = Assert.Throws<ProtocolError>(() => ViewerProtocol.ParseRequest(Utf8(json)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Oversized_messages_are_refused_before_parsing()
    {
        var padded = Request(IdentityPose).Replace("}", new string(' ', ViewerProtocol.MaxMessageBytes) + "}");
        var e = Assert.Throws<ProtocolError>(() => ViewerProtocol.ParseRequest(Utf8(padded)));
        Assert.Contains("limit of 4096", e.Message);
        Assert.Equal(RigidTransform.Identity.R, ViewerProtocol.ParseRequest(Utf8(Request(IdentityPose))).Pose.R);
    }

    [Fact]
    public void A_view_message_splits_back_into_its_header_and_image()
    {
        var header = new ViewHeader(9, "2", ViewerProtocol.Numbers(RigidTransform.Identity), 12.5, 10, 2.5, 48, 32, "jpeg", "m.safetensors");
        var image = new byte[] { 0xFF, 0xD8, 1, 2, 3 };
        var message = ViewerProtocol.EncodeView(header, image);
        var (h, bytes) = ViewerProtocol.DecodeView(message);
        Assert.Equal(image, bytes);
        Assert.Equal(header with { Pose = h.Pose }, h);
        Assert.Equal(header.Pose, h.Pose);
        Assert.Contains("\"type\":\"view\"", Encoding.UTF8.GetString(message, 4, BitConverter.ToInt32(message, 0)));
        Assert.Throws<ProtocolError>(() => ViewerProtocol.DecodeView(message.AsSpan(0, 10)));
    }

    [Fact]
    public void Error_messages_carry_the_request_id()
    {
        Assert.Equal("{\"type\":\"error\",\"id\":3,\"message\":\"no\"}", ViewerProtocol.Error("no", 3));
        Assert.Equal("{\"type\":\"error\",\"id\":null,\"message\":\"no\"}", ViewerProtocol.Error("no"));
    }
}
