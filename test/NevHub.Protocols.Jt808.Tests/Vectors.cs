using System.Text.Json.Nodes;
using NevHub.Testing;

namespace NevHub.Protocols.Jt808.Tests;

/// <summary>One entry of shared/vectors/jt808/*.json.</summary>
public sealed record Vector(string File, string Name, string Version, byte[] Bytes, bool Valid, JsonObject Expect)
{
    public override string ToString() => Name;
}

public static class Vectors
{
    private static readonly Lazy<IReadOnlyList<Vector>> LazyAll = new(Load);

    public static IReadOnlyList<Vector> All => LazyAll.Value;

    public static IEnumerable<Vector> Valid => All.Where(v => v.Valid);

    public static IEnumerable<Vector> Invalid => All.Where(v => !v.Valid);

    public static Vector Named(string name) => All.Single(v => v.Name == name);

    public static TheoryData<string> Names(Func<Vector, bool> filter)
    {
        var data = new TheoryData<string>();
        foreach (var v in All.Where(filter))
        {
            data.Add(v.Name);
        }

        return data;
    }

    public static TheoryData<string> AllNames => Names(_ => true);

    public static TheoryData<string> ValidNames => Names(v => v.Valid);

    public static TheoryData<string> InvalidNames => Names(v => !v.Valid);

    private static List<Vector> Load()
    {
        var list = new List<Vector>();
        foreach (var path in Directory.GetFiles(SharedPaths.Vectors("jt808"), "*.json").Order(StringComparer.Ordinal))
        {
            var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            foreach (var node in root["vectors"]!.AsArray())
            {
                var v = node!.AsObject();
                list.Add(new Vector(
                    Path.GetFileName(path),
                    v["name"]!.GetValue<string>(),
                    v["version"]!.GetValue<string>(),
                    Convert.FromHexString(v["hex"]!.GetValue<string>()),
                    v["valid"]!.GetValue<bool>(),
                    v["expect"]!.AsObject()));
            }
        }

        return list;
    }
}

/// <summary>Structural JSON comparison with numeric tolerance.</summary>
public static class JsonCompare
{
    private static readonly HashSet<string> Ignored = ["note", "vendor_hint"];

    public static List<string> Differences(JsonNode? expected, JsonNode? actual, string path = "$")
    {
        var diffs = new List<string>();
        Compare(expected, actual, path, diffs);
        return diffs;
    }

    private static void Compare(JsonNode? expected, JsonNode? actual, string path, List<string> diffs)
    {
        switch (expected)
        {
            case null:
                if (actual is not null)
                {
                    diffs.Add($"{path}: expected null, got {actual.ToJsonString()}");
                }

                return;
            case JsonObject eo:
                if (actual is not JsonObject ao)
                {
                    diffs.Add($"{path}: expected an object, got {actual?.ToJsonString() ?? "null"}");
                    return;
                }

                foreach (var (key, value) in eo)
                {
                    if (Ignored.Contains(key))
                    {
                        continue;
                    }

                    if (!ao.ContainsKey(key))
                    {
                        diffs.Add($"{path}.{key}: missing");
                        continue;
                    }

                    Compare(value, ao[key], $"{path}.{key}", diffs);
                }

                foreach (var (key, _) in ao)
                {
                    if (!Ignored.Contains(key) && !eo.ContainsKey(key))
                    {
                        diffs.Add($"{path}.{key}: not in the schema");
                    }
                }

                return;
            case JsonArray ea:
                if (actual is not JsonArray aa)
                {
                    diffs.Add($"{path}: expected an array");
                    return;
                }

                if (ea.Count != aa.Count)
                {
                    diffs.Add($"{path}: expected {ea.Count} elements, got {aa.Count}");
                    return;
                }

                for (var i = 0; i < ea.Count; i++)
                {
                    Compare(ea[i], aa[i], $"{path}[{i}]", diffs);
                }

                return;
            case JsonValue ev:
                if (actual is not JsonValue av)
                {
                    diffs.Add($"{path}: expected {ev.ToJsonString()}, got {actual?.ToJsonString() ?? "null"}");
                    return;
                }

                if (ev.TryGetValue<double>(out var ed) && ev.GetValueKind() == System.Text.Json.JsonValueKind.Number)
                {
                    if (av.GetValueKind() != System.Text.Json.JsonValueKind.Number
                        || Math.Abs(av.GetValue<double>() - ed) > 1e-9 * Math.Max(1, Math.Abs(ed)))
                    {
                        diffs.Add($"{path}: expected {ed}, got {av.ToJsonString()}");
                    }

                    return;
                }

                if (ev.ToJsonString() != av.ToJsonString())
                {
                    diffs.Add($"{path}: expected {ev.ToJsonString()}, got {av.ToJsonString()}");
                }

                return;
        }
    }
}
