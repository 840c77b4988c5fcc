using System.Globalization;
using System.Text.Json;
using NevHub.Testing;

namespace NevHub.Protocols.Gbt32960.Tests;

/// <summary>One entry of the shared GB/T 32960 vectors.</summary>
public sealed record Vector(string File, string Name, int Version, byte[] Bytes, bool Valid, JsonElement Expect, string? ErrorKind)
{
    public override string ToString() => Name;
}

/// <summary>Loads /work/shared/vectors/gbt32960/*.json.</summary>
public static class Vectors
{
    private static readonly Lazy<IReadOnlyList<Vector>> LazyAll = new(Load);

    public static IReadOnlyList<Vector> All => LazyAll.Value;

    public static IEnumerable<Vector> ValidOnes => All.Where(v => v.Valid);

    public static Vector Named(string name) => All.Single(v => v.Name == name);

    public static TheoryData<string> Names(bool? valid = null)
    {
        var data = new TheoryData<string>();
        foreach (var v in All.Where(v => valid is null || v.Valid == valid))
        {
            data.Add(v.Name);
        }

        return data;
    }

    private static List<Vector> Load()
    {
        var list = new List<Vector>();
        foreach (var file in Directory.GetFiles(SharedPaths.Vectors("gbt32960"), "*.json").Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                var valid = e.GetProperty("valid").GetBoolean();
                list.Add(new Vector(
                    Path.GetFileName(file),
                    e.GetProperty("name").GetString()!,
                    e.GetProperty("version").GetInt32(),
                    Convert.FromHexString(e.GetProperty("hex").GetString()!),
                    valid,
                    e.GetProperty("expect").Clone(),
                    valid ? null : e.GetProperty("error").GetProperty("kind").GetString()));
            }
        }

        return list;
    }
}

/// <summary>Structural JSON comparison: every expected key must be present with an equal value; numbers within a tolerance.</summary>
public static class JsonAssert
{
    public static void Contains(JsonElement expected, JsonElement actual, string path = "$")
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                Assert.True(actual.ValueKind == JsonValueKind.Object, $"{path}: expected an object, got {actual.ValueKind} {actual}");
                foreach (var property in expected.EnumerateObject())
                {
                    Assert.True(actual.TryGetProperty(property.Name, out var value), $"{path}.{property.Name} is missing in {actual}");
                    Contains(property.Value, value, $"{path}.{property.Name}");
                }

                break;
            case JsonValueKind.Array:
                Assert.True(actual.ValueKind == JsonValueKind.Array, $"{path}: expected an array, got {actual.ValueKind} {actual}");
                Assert.True(
                    expected.GetArrayLength() == actual.GetArrayLength(),
                    $"{path}: expected {expected.GetArrayLength()} items, got {actual.GetArrayLength()}: {actual}");
                var i = 0;
                foreach (var (e, a) in expected.EnumerateArray().Zip(actual.EnumerateArray()))
                {
                    Contains(e, a, $"{path}[{i++}]");
                }

                break;
            case JsonValueKind.Number:
                Assert.True(actual.ValueKind == JsonValueKind.Number, $"{path}: expected {expected}, got {actual}");
                var x = expected.GetDouble();
                var y = actual.GetDouble();
                Assert.True(Math.Abs(x - y) <= Tolerance(expected.GetRawText()), $"{path}: expected {x}, got {y}");
                break;
            default:
                Assert.True(
                    expected.ValueKind == actual.ValueKind && expected.ToString() == actual.ToString(),
                    $"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}");
                break;
        }
    }

    /// <summary>Half the resolution implied by the expected number's decimals (at least 1e-7).</summary>
    private static double Tolerance(string raw)
    {
        var dot = raw.IndexOf('.', StringComparison.Ordinal);
        var decimals = dot < 0 ? 0 : raw.Length - dot - 1;
        return Math.Max(0.5 * Math.Pow(10, -decimals) * 0.2, 1e-7);
    }

    public static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
