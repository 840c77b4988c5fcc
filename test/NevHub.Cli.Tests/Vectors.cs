using System.Text.Json.Nodes;
using NevHub.Testing;

namespace NevHub.Cli.Tests;

/// <summary>One frame of shared/vectors/{gbt32960,jt808}/*.json, with the error kind an invalid one must produce.</summary>
public sealed record Vector(string Protocol, string Name, string Hex, bool Valid, string? ErrorKind, JsonObject Entry)
{
    public override string ToString() => Name;
}

public static class Vectors
{
    private static readonly Lazy<IReadOnlyList<Vector>> LazyAll = new(Load);

    public static IReadOnlyList<Vector> All => LazyAll.Value;

    public static Vector Named(string name) => All.Single(v => v.Name == name);

    public static TheoryData<string> AllNames
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var v in All)
            {
                data.Add(v.Name);
            }

            return data;
        }
    }

    private static List<Vector> Load()
    {
        var list = new List<Vector>();
        foreach (var path in Directory.GetFiles(SharedPaths.Vectors("gbt32960"), "*.json").Order(StringComparer.Ordinal))
        {
            foreach (var node in JsonNode.Parse(File.ReadAllText(path))!.AsArray())
            {
                var v = node!.AsObject();
                var valid = v["valid"]!.GetValue<bool>();
                list.Add(new Vector(
                    "gbt32960",
                    v["name"]!.GetValue<string>(),
                    v["hex"]!.GetValue<string>(),
                    valid,
                    valid ? null : v["error"]!["kind"]!.GetValue<string>(),
                    v));
            }
        }

        foreach (var path in Directory.GetFiles(SharedPaths.Vectors("jt808"), "*.json").Order(StringComparer.Ordinal))
        {
            foreach (var node in JsonNode.Parse(File.ReadAllText(path))!["vectors"]!.AsArray())
            {
                var v = node!.AsObject();
                var valid = v["valid"]!.GetValue<bool>();
                list.Add(new Vector(
                    "jt808",
                    v["name"]!.GetValue<string>(),
                    v["hex"]!.GetValue<string>(),
                    valid,
                    valid ? null : v["expect"]!["error"]!.GetValue<string>(),
                    v));
            }
        }

        return list;
    }
}
