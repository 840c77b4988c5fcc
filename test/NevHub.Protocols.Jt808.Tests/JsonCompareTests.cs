using System.Text.Json.Nodes;

namespace NevHub.Protocols.Jt808.Tests;

public class JsonCompareTests
{
    [Theory]
    [InlineData("""{"a":1.0}""", """{"a":1.0000000001}""", 0)]
    [InlineData("""{"a":1.0}""", """{"a":1.001}""", 1)]
    [InlineData("""{"a":"x"}""", """{"a":"y"}""", 1)]
    [InlineData("""{"a":1}""", """{"a":1,"b":2}""", 1)]
    [InlineData("""{"a":1,"b":2}""", """{"a":1}""", 1)]
    [InlineData("""{"a":[1,2]}""", """{"a":[1]}""", 1)]
    [InlineData("""{"a":null}""", """{"a":0}""", 1)]
    [InlineData("""{"a":1,"note":"n"}""", """{"a":1}""", 0)]
    public void Structural_comparison_counts_differences(string expected, string actual, int differences) =>
        Assert.Equal(differences, JsonCompare.Differences(JsonNode.Parse(expected), JsonNode.Parse(actual)).Count);
}
