using System.Text.Json.Nodes;
using InstantViews.Runtime;

namespace InstantViews.Geometry;

/// <summary>
/// Cameras as JSON in the dataset schema: {"K": [[fx,0,cx],[0,fy,cy],[0,0,1]],
/// "world_to_camera": [[r,r,r,t],[r,r,r,t],[r,r,r,t],[0,0,0,1]]}; width and height live beside it.
/// </summary>
public static class CameraJson
{
    public static JsonArray Matrix(double[,] m)
    {
        var rows = new JsonArray();
        for (int r = 0; r < m.GetLength(0); r++)
        {
            var row = new JsonArray();
            for (int c = 0; c < m.GetLength(1); c++) row.Add(m[r, c]);
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Reads a rows x cols numeric matrix; anything else is a one-line error naming <paramref name="what"/>.</summary>
    public static double[,] ReadMatrix(JsonNode? node, int rows, int cols, string what)
    {
        if (node is not JsonArray a || a.Count < rows) throw new UserError($"{what}: expected a {rows}x{cols} matrix");
        var m = new double[rows, cols];
        for (int r = 0; r < rows; r++)
        {
            if (a[r] is not JsonArray row || row.Count != cols) throw new UserError($"{what}: expected a {rows}x{cols} matrix (row {r})");
            for (int c = 0; c < cols; c++)
            {
                try { m[r, c] = row[c]!.GetValue<double>(); }
                catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
                {
                    throw new UserError($"{what}: element [{r}][{c}] is not a number");
                }
            }
        }
        return m;
    }

    /// <summary>Adds "K" and "world_to_camera" to <paramref name="into"/> (or a new object).</summary>
    public static JsonObject Write(Camera camera, JsonObject? into = null)
    {
        var o = into ?? [];
        o["K"] = Matrix(camera.K);
        o["world_to_camera"] = Matrix(camera.WorldToCamera.ToMatrix4());
        return o;
    }

    /// <summary>Reads "K" and "world_to_camera" (3x4 or 4x4) from a frame object.</summary>
    public static Camera Read(JsonNode frame, int width, int height, string what)
    {
        var k = ReadMatrix(frame["K"], 3, 3, $"{what} K");
        var w2c = ReadMatrix(frame["world_to_camera"], 3, 4, $"{what} world_to_camera");
        var pose = RigidTransform.FromMatrix4(w2c);
        return new(k[0, 0], k[1, 1], k[0, 2], k[1, 2], width, height, pose.R, pose.T);
    }
}
