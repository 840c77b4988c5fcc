using System.Text.Json;
using System.Text.Json.Serialization;

namespace NevHub.Storage.Analytics;

/// <summary>How analytics stores serialize a record into their JSON column: web naming, enums as names, NaN allowed.</summary>
public static class AnalyticsJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
